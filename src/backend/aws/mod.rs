//! The AWS backend: for every configured account and region, EKS, ECS, RDS, CloudWatch and
//! Route53 are each a source (`aws:<account>/<region>/<service>`) polled in its own task, so they all run
//! concurrently and one failing (AccessDenied, a timeout) leaves the others running. The write
//! side, the runbooks' cloud ports, is `runbook_ports`.

pub mod cloudwatch;
pub mod ecs;
pub mod eks;
pub mod elasticache;
pub mod errors;
pub mod inspect;
pub mod metrics;
mod poll;
pub mod profiles;
pub mod rds;
pub mod route53;
pub mod row_actions;
pub mod runbook_ports;
pub mod sdk;
mod target_health;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_eks::config::Credentials;
use futures_util::TryFutureExt;
use jiff::Timestamp;
use tokio::task::JoinSet;

use crate::clock::SharedClock;
use crate::config::{Account, Config};
use crate::store::{SourceStatus, Update, UpdateSender};
use errors::AwsFailure;

/// How many calls of one poll may be in flight at once: over a VPN each is a round trip, and
/// a poll's describes need not wait for each other.
const CONCURRENT_CALLS: usize = 8;

#[derive(Clone, Debug)]
pub struct AwsOptions {
    pub accounts: Vec<Account>,
    /// EKS and RDS.
    pub poll: Duration,
    /// ECS and CloudWatch alarms.
    pub fast_poll: Duration,
    /// Fixed credentials instead of the profiles' (emulators, tests).
    pub static_credentials: Option<Credentials>,
    /// Route53 hosted zones (names or ids) whose routed records are shown on the regions.
    pub hosted_zones: Vec<String>,
}

impl AwsOptions {
    /// The configured accounts; `None` when there are none.
    pub fn from_config(config: &Config) -> Option<AwsOptions> {
        (!config.accounts.is_empty()).then(|| AwsOptions {
            accounts: config.accounts.clone(),
            poll: Duration::from_secs(config.aws.poll_seconds.max(1)),
            fast_poll: Duration::from_secs(config.aws.fast_poll_seconds.max(1)),
            static_credentials: None,
            hosted_zones: config.aws.hosted_zones.clone(),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Eks,
    Ecs,
    Rds,
    ElastiCache,
    CloudWatch,
    Route53,
}

impl Service {
    pub const ALL: [Service; 6] = [
        Service::Eks,
        Service::Ecs,
        Service::Rds,
        Service::ElastiCache,
        Service::CloudWatch,
        Service::Route53,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::Eks => "eks",
            Service::Ecs => "ecs",
            Service::Rds => "rds",
            Service::ElastiCache => "elasticache",
            Service::CloudWatch => "cloudwatch",
            Service::Route53 => "route53",
        }
    }
}

pub fn source_name(account: &str, region: &str, service: Service) -> String {
    format!("aws:{account}/{region}/{}", service.as_str())
}

/// The regions to watch for an account: the configured ones, else the profile's region.
async fn regions(account: &Account) -> Vec<String> {
    if !account.regions.is_empty() {
        return account.regions.clone();
    }
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(p) = &account.profile {
        loader = loader.profile_name(p);
    }
    loader
        .load()
        .await
        .region()
        .map(|r| vec![r.to_string()])
        .unwrap_or_default()
}

/// Why an account has no region to poll, and how to give it one.
fn no_region(account: &Account) -> String {
    let profile = match &account.profile {
        Some(p) => format!(
            "profile {p} names no region (region = … in its [profile {p}] of ~/.aws/config)"
        ),
        None => {
            "the default credentials name no region (AWS_REGION, or region = … in ~/.aws/config)"
                .into()
        }
    };
    format!(
        "no region to watch: {profile}; or set regions = [\"…\"] under the [[accounts]] named {:?} in the config",
        account.name
    )
}

/// What one poller reads: a service of an account in a region.
#[derive(Clone, Debug)]
pub struct Target {
    pub account: String,
    pub region: String,
    /// Named in the fix when credentials fail.
    pub profile: Option<String>,
    pub source: Arc<str>,
}

impl Target {
    /// What a poll names its rows and errors by: account, region, source, profile.
    pub fn parts(&self) -> (&str, &str, Arc<str>, Option<&str>) {
        (
            &self.account,
            &self.region,
            self.source.clone(),
            self.profile.as_deref(),
        )
    }
}

/// What every poller of one source shares: where it runs, what it polls, its clock and channel.
struct Poller<'a> {
    tasks: &'a mut JoinSet<()>,
    target: Target,
    clock: SharedClock,
    tx: UpdateSender,
}

impl Poller<'_> {
    /// Polls the source every `interval` with `poll_fn` over `client`.
    fn spawn<C, F, Fut, P>(self, interval: Duration, client: C, poll_fn: F)
    where
        C: Clone + Send + Sync + 'static,
        F: Fn(C, Target, Timestamp) -> Fut + Send + 'static,
        Fut: Future<Output = Result<P, AwsFailure>> + Send + 'static,
        P: Into<poll::Polled> + Send + 'static,
    {
        let Poller {
            tasks,
            target,
            clock,
            tx,
        } = self;
        let name = target.source.to_string();
        let now = clock.clone();
        tasks.spawn(poll::run(name, interval, clock, tx, move || {
            poll_fn(client.clone(), target.clone(), now.now()).map_ok(Into::into)
        }));
    }
}

/// Starts a poller per (account, region, service).
pub async fn start(opts: AwsOptions, clock: SharedClock, tx: UpdateSender) -> JoinSet<()> {
    let mut tasks = JoinSet::new();
    let zones: Arc<[String]> = opts.hosted_zones.clone().into();
    for account in &opts.accounts {
        let regions = regions(account).await;
        if regions.is_empty() {
            // Nothing to poll is still something to say: the account would vanish otherwise.
            let _ = tx
                .send(vec![Update::Source {
                    name: format!("aws:{}", account.name),
                    status: SourceStatus::Error {
                        reason: no_region(account),
                    },
                    at: clock.now(),
                }])
                .await;
        }
        for region in regions {
            let config = sdk::config_for(account, &region, opts.static_credentials.as_ref()).await;
            for service in Service::ALL {
                let target = Target {
                    account: account.name.clone(),
                    region: region.clone(),
                    profile: account.profile.clone(),
                    source: Arc::from(source_name(&account.name, &region, service)),
                };
                // Announced before its poller starts: whoever waits for every source (the
                // snapshot) knows this one before any other has answered.
                let _ = tx
                    .send(vec![Update::Source {
                        name: target.source.to_string(),
                        status: SourceStatus::Connecting,
                        at: clock.now(),
                    }])
                    .await;
                let poller = Poller {
                    tasks: &mut tasks,
                    target,
                    clock: clock.clone(),
                    tx: tx.clone(),
                };
                let cloudwatch = || aws_sdk_cloudwatch::Client::new(&config);
                match service {
                    Service::Eks => {
                        poller.spawn(opts.poll, aws_sdk_eks::Client::new(&config), eks::poll)
                    }
                    Service::Ecs => {
                        let ecs = aws_sdk_ecs::Client::new(&config);
                        let clients = ecs::Clients {
                            ecs,
                            cloudwatch: cloudwatch(),
                            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(&config),
                        };
                        poller.spawn(opts.fast_poll, clients, ecs::poll)
                    }
                    Service::Rds => {
                        let rds = aws_sdk_rds::Client::new(&config);
                        let clients = rds::Clients {
                            rds,
                            cloudwatch: cloudwatch(),
                            events: Default::default(),
                        };
                        poller.spawn(opts.poll, clients, rds::poll)
                    }
                    Service::ElastiCache => {
                        let clients = elasticache::Clients {
                            elasticache: aws_sdk_elasticache::Client::new(&config),
                            cloudwatch: cloudwatch(),
                        };
                        poller.spawn(opts.poll, clients, elasticache::poll)
                    }
                    Service::CloudWatch => {
                        poller.spawn(opts.fast_poll, cloudwatch(), cloudwatch::poll)
                    }
                    Service::Route53 => {
                        let client = aws_sdk_route53::Client::new(&config);
                        let zones = zones.clone();
                        let route53 = route53::Route53 { client, zones };
                        poller.spawn(opts.poll, route53, route53::poll)
                    }
                }
            }
        }
    }
    tasks
}
