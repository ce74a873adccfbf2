//! The runbooks' cloud ports over the AWS SDK. One value, `AwsPorts`, serves all six for one
//! account, with one SDK configuration per region (built on first use); each capability is
//! implemented in its own file: IAM and STS (`identity`), Secrets Manager (`secrets`), S3
//! (`storage`), name resolution (`dns`), Route53 with the CloudWatch, EKS and RDS state a
//! failover decides on (`routing`), and RDS (`databases`). Here are the clients and the error
//! mapping every call shares.

mod databases;
mod dns;
mod identity;
mod routing;
mod secrets;
mod storage;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Mutex;

use aws_config::SdkConfig;
use aws_sdk_eks::config::Credentials;
use aws_sdk_eks::config::http::HttpResponse;
use aws_sdk_eks::error::{ProvideErrorMetadata, SdkError};

use super::errors::{AwsFailure, classify};
use super::sdk;
use crate::config::Account;
use crate::runbook::ports::OpsError;

/// How host names resolve: the system's resolver, or fixed answers (tests, air-gapped drills).
pub enum Dns {
    System,
    Fixed(BTreeMap<String, Vec<String>>),
}

pub struct AwsPorts {
    account: Account,
    /// IAM, Route53 and S3 calls go to this region's endpoint.
    home_region: String,
    static_credentials: Option<Credentials>,
    configs: tokio::sync::Mutex<HashMap<String, SdkConfig>>,
    dns: Dns,
    /// Hosted zone ids by name, found once.
    zones: Mutex<HashMap<String, String>>,
}

/// What an SDK call answers.
type SdkResult<O, E> = Result<O, SdkError<E, HttpResponse>>;

/// Whether an SDK error says that what was asked for does not exist.
fn not_found<E, R>(e: &SdkError<E, R>) -> bool
where
    E: ProvideErrorMetadata,
{
    matches!(
        e.code(),
        Some(
            "NoSuchEntity"
                | "ResourceNotFoundException"
                | "DBInstanceNotFound"
                | "DBInstanceNotFoundFault"
                | "DBSnapshotNotFound"
                | "NoSuchHostedZone"
        )
    )
}

/// The tag that names an environment, as teams write it: `environment`, `Environment`, `env`,
/// `ENV`… A production target must never slip past the refusal on a capital letter.
fn is_environment_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("environment") || key.eq_ignore_ascii_case("env")
}

impl AwsPorts {
    pub fn new(
        account: Account,
        home_region: &str,
        static_credentials: Option<Credentials>,
        dns: Dns,
    ) -> AwsPorts {
        AwsPorts {
            account,
            home_region: home_region.into(),
            static_credentials,
            configs: Default::default(),
            dns,
            zones: Default::default(),
        }
    }

    fn profile(&self) -> Option<&str> {
        self.account.profile.as_deref()
    }

    async fn config(&self, region: &str) -> SdkConfig {
        let mut configs = self.configs.lock().await;
        if let Some(c) = configs.get(region) {
            return c.clone();
        }
        let c = sdk::config_for(&self.account, region, self.static_credentials.as_ref()).await;
        configs.insert(region.into(), c.clone());
        c
    }

    /// A client of the home region's endpoint, e.g. `self.client(aws_sdk_iam::Client::new)`.
    async fn client<C>(&self, new: fn(&SdkConfig) -> C) -> C {
        new(&self.config(&self.home_region).await)
    }

    /// An SDK error in a runbook step's words: a create that ran before is `Exists`, anything
    /// else says what failed and how to fix it, for this account's profile.
    fn fail<E>(&self, e: SdkError<E, HttpResponse>) -> OpsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let code = e.code().unwrap_or_default().to_string();
        if code == "EntityAlreadyExists"
            || code == "ResourceExistsException"
            || code.ends_with("AlreadyExists")
            || code.ends_with("AlreadyExistsFault")
        {
            return OpsError::Exists(e.message().unwrap_or(&code).to_string());
        }
        match classify(&e, self.profile()) {
            AwsFailure::AccessDenied(r)
            | AwsFailure::Credentials(r)
            | AwsFailure::Unreachable(r)
            | AwsFailure::Other(r) => OpsError::Failed(r),
            AwsFailure::Throttled => {
                OpsError::Failed("throttled by AWS; resume in a minute".into())
            }
        }
    }

    /// Awaits an SDK call (its `send()`), its error in the step's words.
    async fn sent<O, E>(&self, call: impl Future<Output = SdkResult<O, E>>) -> Result<O, OpsError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        call.await.map_err(|e| self.fail(e))
    }

    /// Awaits an SDK call that looks something up: `None` when it is not there.
    async fn found<O, E>(
        &self,
        call: impl Future<Output = SdkResult<O, E>>,
    ) -> Result<Option<O>, OpsError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match call.await {
            Ok(out) => Ok(Some(out)),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(self.fail(e)),
        }
    }
}
