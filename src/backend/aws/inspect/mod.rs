//! The AWS backend's answers on demand, what the console shows when a row is red: an ECS
//! service's deployments, stopped tasks, events and task definition (`ecs.rs`) and its
//! containers' logs from CloudWatch Logs (`logs.rs`); an RDS instance's events and pending
//! maintenance (`rds.rs`); a region's alarm history and how each Route53 checker sees its
//! health checks (`region.rs`); an EKS cluster's health issues, node groups and add-ons
//! (`eks.rs`). Read with the row's account's credentials while a detail asks, then dropped; a
//! call that fails says which call and why in its own section ("logs:FilterLogEvents: access
//! denied for profile phenom: …").

pub mod ecs;
mod eks;
mod elasticache;
pub mod logs;
mod rds;
mod region;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;

use super::AwsOptions;
use super::errors::{AwsFailure, classify};
use super::sdk::config_for;
use crate::inspect::{Inspector, SectionFuture, Subject};
use crate::model::drilldown::{Body, Section};

/// Reads rows' on-demand parts from their AWS accounts.
#[derive(Clone)]
pub struct AwsInspector {
    opts: Arc<AwsOptions>,
    /// An `SdkConfig` per (account, region), built once: credentials providers cache.
    configs: Arc<Mutex<HashMap<(String, String), SdkConfig>>>,
}

/// One account and region's clients, and what their errors need to say.
pub(super) struct Calls {
    pub config: SdkConfig,
    pub profile: Option<String>,
}

/// An SDK error of any AWS call, as `classify` reads it.
pub(super) type CallError<E> =
    aws_sdk_eks::error::SdkError<E, aws_sdk_eks::config::http::HttpResponse>;

/// What an operation's error type must be for `classify`.
pub(super) trait OperationError:
    aws_sdk_eks::error::ProvideErrorMetadata + std::error::Error + 'static
{
}

impl<E: aws_sdk_eks::error::ProvideErrorMetadata + std::error::Error + 'static> OperationError
    for E
{
}

impl Calls {
    /// `op` ("ecs:DescribeTasks") and why it failed, for a section read again while open.
    pub fn failed<E: OperationError>(&self, op: &str, e: &CallError<E>) -> String {
        let failure: AwsFailure = classify(e, self.profile.as_deref());
        format!("{op}: {}", failure.reason())
    }

    /// `failed` for a call that is not made again: a write, a command's one try.
    pub fn failed_once<E: OperationError>(&self, op: &str, e: &CallError<E>) -> String {
        let failure: AwsFailure = classify(e, self.profile.as_deref());
        format!("{op}: {}", failure.once())
    }
}

impl AwsInspector {
    pub fn new(opts: AwsOptions) -> AwsInspector {
        AwsInspector {
            opts: Arc::new(opts),
            configs: Arc::default(),
        }
    }

    /// The clients of `account` in `region`; an error when opsdeck does not know the account.
    pub(super) async fn calls(&self, account: &str, region: &str) -> Result<Calls, String> {
        let Some(acc) = self.opts.accounts.iter().find(|a| a.name == account) else {
            return Err(format!(
                "account {account:?} is not in the config: nothing to read it with"
            ));
        };
        let key = (account.to_string(), region.to_string());
        let cached = self.configs.lock().unwrap().get(&key).cloned();
        let config = match cached {
            Some(c) => c,
            None => {
                let base = config_for(acc, region, self.opts.static_credentials.as_ref()).await;
                // Someone is looking at this: standard retries answer "throttled" within seconds,
                // where the poller's adaptive rate limiter would hold the view past its deadline.
                let c = base
                    .into_builder()
                    .retry_config(RetryConfig::standard().with_max_attempts(3))
                    .build();
                self.configs.lock().unwrap().insert(key, c.clone());
                c
            }
        };
        Ok(Calls {
            config,
            profile: acc.profile.clone(),
        })
    }

    async fn section(&self, subject: Subject, section: Section) -> Result<Body, String> {
        let (account, region) = (subject.id.scope.account(), subject.id.region());
        if account.is_empty() || region.is_empty() {
            return Err("not an AWS row: no account and region to ask".into());
        }
        let calls = self.calls(account, region).await?;
        match section {
            Section::Deployments => ecs::deployments(&calls, &subject).await,
            Section::Tasks => ecs::stopped_tasks(&calls, &subject).await,
            Section::TaskDefinition => ecs::task_definition(&calls, &subject).await,
            Section::Events if subject.id.kind == crate::model::Kind::EcsService => {
                ecs::events(&calls, &subject).await
            }
            Section::Events if subject.id.kind == crate::model::Kind::CacheGroup => {
                elasticache::events(&calls, &subject).await
            }
            Section::Events => rds::events(&calls, &subject).await,
            Section::Maintenance => rds::maintenance(&calls, &subject).await,
            Section::AlarmHistory => region::alarm_history(&calls, &subject).await,
            Section::HealthChecks => region::health_checks(&calls, &subject).await,
            Section::Issues => eks::issues(&calls, &subject).await,
            Section::NodeGroups => eks::node_groups(&calls, &subject).await,
            Section::Addons => eks::addons(&calls, &subject).await,
            other => Err(format!("{} is not read from AWS", other.title())),
        }
    }
}

impl Inspector for AwsInspector {
    fn fetch(&self, subject: &Subject, section: Section) -> SectionFuture {
        let me = self.clone();
        let subject = subject.clone();
        Box::pin(async move { me.section(subject, section).await })
    }
}

/// "arn:aws:ecs:…:task/phenom-prod-cluster/4b1e03aa9c…" → "4b1e03aa9c…".
pub(super) fn last_segment(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// An SDK time as a jiff timestamp.
pub(super) fn time(t: Option<&aws_sdk_ecs::primitives::DateTime>) -> Option<jiff::Timestamp> {
    t.and_then(|t| jiff::Timestamp::from_second(t.secs()).ok())
}

/// "12m ago" for a table cell.
pub(super) fn ago(t: Option<jiff::Timestamp>) -> String {
    match t {
        Some(t) => format!(
            "{} ago",
            crate::model::row::human_duration(jiff::Timestamp::now().as_second() - t.as_second())
        ),
        None => "-".into(),
    }
}
