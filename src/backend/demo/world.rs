//! The demo world behind the runbook ports: simulated IAM, Secrets Manager, S3, DNS, Route53,
//! RDS and Flux on the platform cluster, over a GitOps repository (in memory or a real clone).
//!
//! It starts from the demo fleet's own seed (the failover pair, the regions' clusters and
//! databases, the RDS instances and their snapshots, the organizations' domains), plus what
//! only the world has (buckets, the statics policy). Changes take realistic times on the run's
//! clock and reach the fleet as the rows the real backends would send (`ports/`). Every create
//! is counted, so tests can prove nothing was made twice.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;

use super::seed::{self, FailoverSeed};
use crate::clock::SharedClock;
use crate::model::kinds::db_instance::DbInstance;
use crate::model::{Facts, Row};
use crate::runbook::World;
use crate::runbook::ports::{GitOps, OpsError, OpsFuture, Ports, RegionState};
use crate::store::{Update, UpdateSender};

/// The load balancer of the platform cluster's ingress.
pub const INGRESS: &str = "k8s-traefik-2c1f3d.elb.eu-west-1.amazonaws.com";
/// The AWS account the demo world's credentials act in (what its STS would answer).
pub const ACCOUNT_ID: &str = "111122223333";
/// The OIDC provider id of the demo's platform cluster (its issuer's last part).
pub const OIDC_PROVIDER_ID: &str = "5E1F3A0C9D2B4F6A8C7E";
/// The policy create-org attaches to every organization's role, there from the start.
const STATICS_POLICY: &str = "numinia-statics-bucket";

/// A region's record of a failover pair, and how Route53 has it now.
#[derive(Clone, Debug)]
pub(super) struct Record {
    pub(super) seed: &'static FailoverSeed,
    pub(super) primary: bool,
    pub(super) healthy: bool,
}

/// An RDS instance.
#[derive(Clone, Debug)]
pub(super) struct Db {
    pub(super) account: String,
    pub(super) region: String,
    pub(super) environment: String,
    /// Status and since when: a status in progress turns `available` after its duration.
    pub(super) status: (String, Timestamp, i64),
    pub(super) snapshots: Vec<(String, Timestamp)>,
    pub(super) restored_from: Option<String>,
    /// What the fleet shows of it besides the above (engine, class, storage, metrics).
    pub(super) facts: DbInstance,
}

/// Everything the world holds; one lock.
#[derive(Default)]
pub(super) struct State {
    pub(super) roles: BTreeMap<String, Vec<String>>,
    pub(super) policies: BTreeMap<String, String>,
    pub(super) secrets: BTreeMap<String, Vec<String>>,
    pub(super) prefixes: BTreeSet<(String, String)>,
    pub(super) dns: BTreeMap<String, Vec<String>>,
    pub(super) records: Vec<Record>,
    /// When the last change batch went in: Route53 answers the old way for a TTL.
    pub(super) shifted_at: Option<Timestamp>,
    pub(super) served_before: BTreeMap<String, String>,
    pub(super) regions: BTreeMap<String, RegionState>,
    pub(super) dbs: BTreeMap<String, Db>,
    pub(super) buckets: BTreeMap<String, BTreeSet<String>>,
    /// The buckets' `environment` tags.
    pub(super) bucket_environments: BTreeMap<String, String>,
    /// New organizations Flux picked up: when.
    pub(super) applied: BTreeMap<String, Timestamp>,
    pub(super) sent: BTreeSet<String>,
    /// What the fleet was last told about routing.
    pub(super) last_routing: String,
    pub(super) creates: BTreeMap<String, u32>,
}

/// The demo world behind the ports.
pub struct DemoWorld {
    pub(super) state: Mutex<State>,
    pub(super) clock: SharedClock,
    tx: Option<UpdateSender>,
    pub(super) git: Arc<dyn GitOps>,
}

impl DemoWorld {
    /// A world seeded like the demo fleet; `tx` carries its changes to the fleet (None: no fleet).
    pub fn new(
        clock: SharedClock,
        tx: Option<UpdateSender>,
        git: Arc<dyn GitOps>,
    ) -> Arc<DemoWorld> {
        let state = State::seeded(clock.now());
        Arc::new(DemoWorld {
            state: Mutex::new(state),
            clock,
            tx,
            git,
        })
    }

    /// The ports on this world, the GitOps one being its `git`.
    pub fn ports(self: &Arc<Self>) -> Ports {
        Ports::new(
            self.clone(),
            self.clone(),
            self.git.clone(),
            self.clock.clone(),
            World::demo(),
        )
    }

    /// How many times each resource was created (a second create is refused as in AWS).
    pub fn creates(&self) -> BTreeMap<String, u32> {
        self.state.lock().unwrap().creates.clone()
    }

    /// Fires alarms and fails the health check of a region (the incident a failover answers).
    pub fn break_region(&self, region: &str) {
        let mut w = self.state.lock().unwrap();
        if let Some(r) = w.regions.get_mut(region) {
            r.firing_alarms = vec![format!("{region}-5xx-rate")];
        }
        for rec in w.records.iter_mut().filter(|r| r.seed.region == region) {
            rec.healthy = false;
        }
    }

    /// Fires a CloudWatch alarm in a region, and only that: its health checks keep passing (an
    /// alarm in the region a failover moves to).
    pub fn fire_alarm(&self, region: &str, alarm: &str) {
        let mut w = self.state.lock().unwrap();
        if let Some(r) = w.regions.get_mut(region)
            && !r.firing_alarms.iter().any(|a| a == alarm)
        {
            r.firing_alarms.push(alarm.into());
        }
    }

    /// Makes a region's databases unavailable (for the refusal of an unready secondary).
    pub fn degrade_databases(&self, region: &str) {
        let mut w = self.state.lock().unwrap();
        if let Some(r) = w.regions.get_mut(region) {
            for db in &mut r.databases {
                db.1 = "storage-full".into();
            }
        }
    }

    pub fn bucket_len(&self, bucket: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .buckets
            .get(bucket)
            .map_or(0, BTreeSet::len)
    }

    pub(super) fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Counts a create of `what`; a second one is refused, as AWS refuses it.
    pub(super) fn created(w: &mut State, what: String) -> Result<(), OpsError> {
        let n = w.creates.entry(what.clone()).or_default();
        *n += 1;
        if *n > 1 {
            return Err(OpsError::Exists(what));
        }
        Ok(())
    }

    /// Tells the fleet (when there is one) what changed.
    pub(super) async fn send(&self, batch: Vec<Update>) {
        if let Some(tx) = &self.tx
            && !batch.is_empty()
        {
            let _ = tx.send(batch).await;
        }
    }
}

impl State {
    /// The world at `now`: the demo fleet's seed at its start, plus what only the world has.
    fn seeded(now: Timestamp) -> State {
        let rows = super::seed_rows(now, 0.0);
        let mut w = State::default();
        w.policies
            .insert(STATICS_POLICY.into(), policy_arn(STATICS_POLICY));
        for org in seed::ORGS {
            w.dns.insert(org.domain.into(), vec![INGRESS.into()]);
        }
        for f in seed::FAILOVER {
            w.records.push(Record {
                seed: f,
                primary: f.primary,
                healthy: true,
            });
            // Only the incidents a test stages fire: the fleet's own come and go on its clock.
            let state = RegionState {
                clusters: seeded_in(&rows, f, |facts| match facts {
                    Facts::Cluster(c) => Some(c.status.as_str()),
                    _ => None,
                }),
                databases: seeded_in(&rows, f, |facts| match facts {
                    Facts::DbInstance(d) => Some(d.status.as_str()),
                    _ => None,
                }),
                ..RegionState::default()
            };
            w.regions.insert(f.region.into(), state);
        }
        for row in &rows {
            if let Facts::DbInstance(facts) = &row.facts {
                w.dbs
                    .insert(row.id.name.clone(), seeded_db(row, facts, now));
            }
        }
        for (bucket, env, objects) in [
            ("phenom-prod-media", "production", 1240),
            ("phenom-staging-media", "staging", 300),
        ] {
            w.buckets.insert(
                bucket.into(),
                (0..objects).map(|i| format!("media/{i:05}.webp")).collect(),
            );
            w.bucket_environments.insert(bucket.into(), env.into());
        }
        // create-org's statics bucket: its prefixes are in `prefixes`.
        w.buckets.insert("numinia-statics".into(), BTreeSet::new());
        w
    }
}

/// The names and statuses (`status` reads one from a row's facts) of the seed's rows in a
/// failover region: its clusters, its databases.
fn seeded_in(
    rows: &[Row],
    f: &FailoverSeed,
    status: impl Fn(&Facts) -> Option<&str>,
) -> Vec<(String, String)> {
    rows.iter()
        .filter(|r| r.id.scope.account() == f.account && r.id.scope.region() == f.region)
        .filter_map(|r| Some((r.id.name.clone(), status(&r.facts)?.to_string())))
        .collect()
}

/// An RDS instance of the seed, as the world keeps it.
fn seeded_db(row: &Row, facts: &DbInstance, now: Timestamp) -> Db {
    Db {
        account: row.id.scope.account().into(),
        region: row.id.scope.region().into(),
        environment: facts.environment.clone().unwrap_or_default(),
        status: (facts.status.clone(), now, 0),
        snapshots: facts
            .snapshots
            .iter()
            .map(|s| (s.id.clone(), s.created))
            .collect(),
        restored_from: None,
        facts: facts.clone(),
    }
}

/// A customer-managed policy's ARN in the demo account.
pub(super) fn policy_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:policy/{name}")
}

/// A port answer there is nothing to wait for.
pub(super) fn ok<'a, T: Send + 'a>(v: T) -> OpsFuture<'a, T> {
    Box::pin(async move { Ok(v) })
}
