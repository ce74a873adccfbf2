//! The demo side of the runbook ports: a simulated world (IAM, Secrets Manager, S3, DNS, Route53,
//! RDS, Flux on the platform cluster, a GitOps repository in memory) seeded like the demo fleet.
//! Changes take realistic times on the run's clock and show up in the fleet as the rows the real
//! backends would send. Every create is counted, so tests can prove nothing was made twice.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

use super::ports::{
    CloudOps, ClusterOps, DbState, FluxStatus, GitOps, GitPreflight, OpsError, OpsFuture, Ports,
    Readiness, RegionState, RoutedRecord,
};
use super::secret::SecretDocument;
use crate::backend::demo::incidents::Incidents;
use crate::backend::demo::seed::{self, Builder};
use crate::clock::SharedClock;
use crate::model::kinds::db_instance::Snapshot;
use crate::model::kinds::region::{FailoverRecord, HealthCheck, Region, Reported};
use crate::model::{Facts, Kind, Row, RowId, Scope};
use crate::store::{Update, UpdateSender};

/// How long things take on the demo clock (seconds).
const SNAPSHOT_S: i64 = 240;
const RESTORE_S: i64 = 900;
const RENAME_S: i64 = 120;
const DNS_TTL_S: i64 = 60;
const FLUX_APPLY_S: i64 = 60;
const FLUX_READY_S: i64 = 45;
const HELM_READY_S: i64 = 120;
/// The load balancer of the platform cluster's ingress.
pub const INGRESS: &str = "k8s-traefik-2c1f3d.elb.eu-west-1.amazonaws.com";
/// The AWS account the demo world's credentials act in (what its STS would answer).
pub const ACCOUNT_ID: &str = "111122223333";

#[derive(Clone, Debug)]
struct Record {
    zone: String,
    record: String,
    region: String,
    account: String,
    set_identifier: String,
    primary: bool,
    health_check: String,
    healthy: bool,
}

#[derive(Clone, Debug)]
struct Db {
    account: String,
    region: String,
    environment: String,
    /// Status and since when: a status in progress turns `available` after its duration.
    status: (String, Timestamp, i64),
    snapshots: Vec<(String, Timestamp)>,
    restored_from: Option<String>,
}

#[derive(Default)]
struct World {
    roles: BTreeMap<String, Vec<String>>,
    policies: BTreeMap<String, String>,
    secrets: BTreeMap<String, Vec<String>>,
    prefixes: BTreeSet<(String, String)>,
    dns: BTreeMap<String, Vec<String>>,
    records: Vec<Record>,
    /// When the last change batch went in: Route53 answers the old way for a TTL.
    shifted_at: Option<Timestamp>,
    served_before: BTreeMap<String, String>,
    regions: BTreeMap<String, RegionState>,
    dbs: BTreeMap<String, Db>,
    buckets: BTreeMap<String, BTreeSet<String>>,
    /// The buckets' `environment` tags.
    bucket_environments: BTreeMap<String, String>,
    /// New organizations Flux picked up: when.
    applied: BTreeMap<String, Timestamp>,
    sent: BTreeSet<String>,
    /// What the fleet was last told about routing.
    last_routing: String,
    creates: BTreeMap<String, u32>,
}

/// The demo world behind the three ports.
pub struct DemoWorld {
    world: Mutex<World>,
    clock: SharedClock,
    tx: Option<UpdateSender>,
    git: Arc<dyn GitOps>,
}

impl DemoWorld {
    /// A world seeded like the demo fleet; `tx` carries its changes to the fleet (None: no fleet).
    pub fn new(
        clock: SharedClock,
        tx: Option<UpdateSender>,
        git: Arc<dyn GitOps>,
    ) -> Arc<DemoWorld> {
        let now = clock.now();
        let mut w = World::default();
        w.policies.insert(
            "numinia-statics-bucket".into(),
            policy_arn("numinia-statics-bucket"),
        );
        for org in seed::ORGS {
            w.dns.insert(org.domain.into(), vec![INGRESS.into()]);
        }
        for (region, short, primary) in [("us-east-1", "use1", true), ("sa-east-1", "sae1", false)]
        {
            w.records.push(Record {
                zone: "helpdev.io".into(),
                record: "api.helpdev.io".into(),
                region: region.into(),
                account: "helpdev-prod".into(),
                set_identifier: short.into(),
                primary,
                health_check: format!("hc-api-{short}"),
                healthy: true,
            });
            w.regions.insert(
                region.into(),
                RegionState {
                    clusters: vec![(format!("eks-prod-{short}"), "ACTIVE".into())],
                    databases: vec![(format!("payments-{short}"), "available".into())],
                    ..RegionState::default()
                },
            );
        }
        let day = |d: i64| {
            now.checked_sub(SignedDuration::from_hours(9 + 24 * d))
                .unwrap_or(now)
        };
        for (id, env, days) in [
            ("phenom-prod-postgres", "production", 3),
            ("phenom-dev-postgres", "staging", 2),
        ] {
            w.dbs.insert(
                id.into(),
                Db {
                    account: "phenom".into(),
                    region: "us-east-1".into(),
                    environment: env.into(),
                    status: ("available".into(), now, 0),
                    snapshots: (0..days)
                        .map(|d| {
                            (
                                format!("rds:{id}-{}", day(d).strftime("%Y-%m-%d-%H-%M")),
                                day(d),
                            )
                        })
                        .collect(),
                    restored_from: None,
                },
            );
        }
        w.buckets.insert(
            "phenom-prod-media".into(),
            (0..1240).map(|i| format!("media/{i:05}.webp")).collect(),
        );
        w.buckets.insert(
            "phenom-staging-media".into(),
            (0..300).map(|i| format!("media/{i:05}.webp")).collect(),
        );
        for (bucket, env) in [
            ("phenom-prod-media", "production"),
            ("phenom-staging-media", "staging"),
        ] {
            w.bucket_environments.insert(bucket.into(), env.into());
        }
        // create-org's statics bucket: its prefixes are in `prefixes`.
        w.buckets.insert("numinia-statics".into(), BTreeSet::new());
        Arc::new(DemoWorld {
            world: Mutex::new(w),
            clock,
            tx,
            git,
        })
    }

    /// The three ports on this world, the GitOps one being `git`.
    pub fn ports(self: &Arc<Self>) -> Ports {
        Ports {
            cluster: self.clone(),
            cloud: self.clone(),
            git: self.git.clone(),
            clock: self.clock.clone(),
            world: super::journal::World::demo(),
        }
    }

    /// How many times each resource was created (a second create is refused as in AWS).
    pub fn creates(&self) -> BTreeMap<String, u32> {
        self.world.lock().unwrap().creates.clone()
    }

    /// Fires alarms and fails the health check of a region (the incident a failover answers).
    pub fn break_region(&self, region: &str) {
        let mut w = self.world.lock().unwrap();
        if let Some(r) = w.regions.get_mut(region) {
            r.firing_alarms = vec![format!("{region}-5xx-rate")];
        }
        for rec in w.records.iter_mut().filter(|r| r.region == region) {
            rec.healthy = false;
        }
    }

    /// Fires a CloudWatch alarm in a region, and only that: its health checks keep passing (an
    /// alarm in the region a failover moves to).
    pub fn fire_alarm(&self, region: &str, alarm: &str) {
        let mut w = self.world.lock().unwrap();
        if let Some(r) = w.regions.get_mut(region)
            && !r.firing_alarms.iter().any(|a| a == alarm)
        {
            r.firing_alarms.push(alarm.into());
        }
    }

    /// Makes a region's databases unavailable (for the refusal of an unready secondary).
    pub fn degrade_databases(&self, region: &str) {
        let mut w = self.world.lock().unwrap();
        if let Some(r) = w.regions.get_mut(region) {
            for db in &mut r.databases {
                db.1 = "storage-full".into();
            }
        }
    }

    pub fn bucket_len(&self, bucket: &str) -> usize {
        self.world
            .lock()
            .unwrap()
            .buckets
            .get(bucket)
            .map_or(0, BTreeSet::len)
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn created(w: &mut World, what: String) -> Result<(), OpsError> {
        let n = w.creates.entry(what.clone()).or_default();
        *n += 1;
        if *n > 1 {
            return Err(OpsError::Exists(what));
        }
        Ok(())
    }

    async fn send(&self, batch: Vec<Update>) {
        if let Some(tx) = &self.tx
            && !batch.is_empty()
        {
            let _ = tx.send(batch).await;
        }
    }

    /// Route53's answer now: the primary if healthy, else the secondary, with the old answer
    /// held for a TTL after a change.
    fn serving(w: &World, zone: &str, record: &str, now: Timestamp) -> Option<String> {
        let recs: Vec<&Record> = w
            .records
            .iter()
            .filter(|r| r.zone == zone && r.record == record)
            .collect();
        let fresh = recs
            .iter()
            .find(|r| r.primary && r.healthy)
            .or_else(|| recs.iter().find(|r| !r.primary && r.healthy))
            .map(|r| r.region.clone());
        match (w.shifted_at, w.served_before.get(record)) {
            (Some(at), Some(before)) if now < at + SignedDuration::from_secs(DNS_TTL_S) => {
                Some(before.clone())
            }
            _ => fresh,
        }
    }

    /// The region rows' routing layer as Route53 reports it now.
    fn routing_rows(&self, w: &World, now: Timestamp) -> Vec<Update> {
        let mut out = Vec::new();
        for rec in &w.records {
            let serving = Self::serving(w, &rec.zone, &rec.record, now).as_deref()
                == Some(rec.region.as_str());
            let facts = Facts::Region(Region {
                health_checks: vec![HealthCheck {
                    id: rec.health_check.clone(),
                    fqdn: format!("api.{}.helpdev.io", rec.set_identifier),
                    healthy: Some(rec.healthy),
                }],
                failover: vec![FailoverRecord {
                    zone: rec.zone.clone(),
                    record: rec.record.clone(),
                    role: if rec.primary { "PRIMARY" } else { "SECONDARY" }.into(),
                    serving,
                }],
                reported: Reported::ROUTING,
                ..Region::default()
            });
            let scope = Scope {
                account: Some(rec.account.clone()),
                ..Scope::default()
            };
            out.push(Update::upsert(Row::new(
                RowId::new(Kind::Region, scope, rec.region.clone()),
                seed::aws_source(&rec.account, &rec.region).into(),
                facts,
                vec![],
                now,
            )));
        }
        out
    }

    fn db_status(db: &Db, now: Timestamp) -> String {
        let (status, since, takes) = &db.status;
        if status != "available" && now >= *since + SignedDuration::from_secs(*takes) {
            "available".into()
        } else {
            status.clone()
        }
    }

    fn snapshot_status(at: Timestamp, now: Timestamp) -> &'static str {
        if now >= at + SignedDuration::from_secs(SNAPSHOT_S) {
            "available"
        } else {
            "creating"
        }
    }

    /// The fleet's rows for the databases, as the RDS source would send them.
    fn db_rows(&self, w: &World, now: Timestamp) -> Vec<Update> {
        let base = seed_db_facts();
        w.dbs
            .iter()
            .map(|(id, db)| {
                let mut facts = base.clone();
                facts.status = Self::db_status(db, now);
                facts.environment = Some(db.environment.clone());
                facts.multi_az = db.environment == "production";
                let mut snaps: Vec<Snapshot> = db
                    .snapshots
                    .iter()
                    .map(|(sid, at)| Snapshot {
                        id: sid.clone(),
                        created: *at,
                        status: Self::snapshot_status(*at, now).into(),
                        snapshot_type: if sid.starts_with("rds:") {
                            "automated"
                        } else {
                            "manual"
                        }
                        .into(),
                    })
                    .collect();
                snaps.sort_by_key(|s| std::cmp::Reverse(s.created));
                facts.snapshots = snaps;
                Update::upsert(Row::new(
                    RowId::new(
                        Kind::DbInstance,
                        Scope::aws(&db.account, &db.region),
                        id.clone(),
                    ),
                    seed::aws_source(&db.account, &db.region).into(),
                    Facts::DbInstance(facts),
                    vec![],
                    now,
                ))
            })
            .collect()
    }

    /// Flux on the platform cluster: an organization committed on its onboarding branch is
    /// applied a minute later (as after the merge), Ready soon after, its HelmReleases later.
    async fn flux(&self, org: &str) -> Result<Option<Timestamp>, OpsError> {
        if let Some(at) = self.world.lock().unwrap().applied.get(org) {
            return Ok(Some(*at));
        }
        let branch = format!("onboard/{org}");
        let message = format!("feat: add {org} organization");
        if self.git.find_commit(&branch, &message).await?.is_none() {
            return Ok(None);
        }
        let now = self.now();
        self.world
            .lock()
            .unwrap()
            .applied
            .insert(org.into(), now + SignedDuration::from_secs(FLUX_APPLY_S));
        Ok(Some(now + SignedDuration::from_secs(FLUX_APPLY_S)))
    }

    /// The new organization's rows once Flux applied and readied them; sent once per stage.
    async fn org_rows(&self, org: &str, applied: Timestamp) -> Result<(), OpsError> {
        let now = self.now();
        if now < applied {
            return Ok(());
        }
        let stage = if now >= applied + SignedDuration::from_secs(HELM_READY_S) {
            3
        } else if now >= applied + SignedDuration::from_secs(FLUX_READY_S) {
            2
        } else {
            1
        };
        let key = format!("org:{org}:{stage}");
        if !self.world.lock().unwrap().sent.insert(key) {
            return Ok(());
        }
        let domain = self.domain_of(org).await?;
        let spaces = self.spaces_of(org).await?;
        let inc = Incidents::at(0.0);
        let mut b = Builder::new(now, now, &inc);
        let ctx = seed::PLATFORM_CONTEXT;
        let pre = format!("{org}-pre");
        b.org(ctx, org, &domain, vec![org.to_string(), pre.clone()]);
        if stage >= 2 {
            let base = format!("./clusters/{ctx}/organizations/{org}");
            b.ok_ks(ctx, org, org, &base, "onboard@sha1:0b0a4d11");
            b.ok_ks(
                ctx,
                org,
                &format!("{org}-pro"),
                &format!("{base}/pro"),
                "onboard@sha1:0b0a4d11",
            );
            b.ok_ks(
                ctx,
                &pre,
                &pre,
                &format!("{base}/pre"),
                "onboard@sha1:0b0a4d11",
            );
        }
        if stage >= 3 {
            for space in &spaces {
                b.ok_hr(
                    ctx,
                    org,
                    &format!("hyperfy2-{space}"),
                    "hyperfy2",
                    "0.4.2",
                    &format!("{org}-charts"),
                );
                b.ok_hr(
                    ctx,
                    &pre,
                    &format!("hyperfy2-{space}"),
                    "hyperfy2",
                    "0.4.3",
                    &format!("{org}-charts"),
                );
            }
        }
        self.send(b.rows.into_iter().map(Update::upsert).collect())
            .await;
        Ok(())
    }

    async fn domain_of(&self, org: &str) -> Result<String, OpsError> {
        let issuers = self
            .git
            .read("infrastructure/networking/cert-manager/cluster-issuer.yaml")
            .await?
            .unwrap_or_default();
        Ok(if issuers.contains(&format!("letsencrypt-{org}-prod")) {
            format!("{org}.numinia.xyz")
        } else {
            String::new()
        })
    }

    async fn spaces_of(&self, org: &str) -> Result<Vec<String>, OpsError> {
        let w: Vec<String> = self.world.lock().unwrap().secrets.keys().cloned().collect();
        let prefix = format!("hyperfy2-{org}-");
        let mut spaces: Vec<String> = w
            .iter()
            .filter_map(|s| {
                s.strip_prefix(&prefix)?
                    .strip_suffix("-pro")
                    .map(str::to_string)
            })
            .collect();
        spaces.sort();
        Ok(spaces)
    }
}

fn seed_db_facts() -> crate::model::kinds::db_instance::DbInstance {
    let rows = crate::backend::demo::seed_rows(Timestamp::UNIX_EPOCH, 0.0);
    rows.into_iter()
        .find_map(|r| match r.facts {
            Facts::DbInstance(d) if r.id.name == "phenom-dev-postgres" => Some(d),
            _ => None,
        })
        .expect("the seed has phenom-dev-postgres")
}

fn policy_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:policy/{name}")
}

fn ok<'a, T: Send + 'a>(v: T) -> OpsFuture<'a, T> {
    Box::pin(async move { Ok(v) })
}

impl ClusterOps for DemoWorld {
    fn namespace_exists<'a>(&'a self, _: &'a str, ns: &'a str) -> OpsFuture<'a, bool> {
        Box::pin(async move {
            if seed::ORGS
                .iter()
                .any(|o| o.name == ns || format!("{}-pre", o.name) == ns)
            {
                return Ok(true);
            }
            let Some(at) = self.flux(ns).await? else {
                return Ok(false);
            };
            self.org_rows(ns, at).await?;
            Ok(self.now() >= at)
        })
    }

    fn service_account_role<'a>(
        &'a self,
        cluster: &'a str,
        ns: &'a str,
        name: &'a str,
    ) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move {
            if !self.namespace_exists(cluster, ns).await? {
                return Ok(None);
            }
            let path = format!(
                "clusters/{cluster}/organizations/{ns}/org-config/overlays/service-account.yaml"
            );
            let sa = self.git.read(&path).await?.unwrap_or_default();
            if !sa.contains(&format!("name: {name}")) {
                return Ok(None);
            }
            Ok(sa.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("eks.amazonaws.com/role-arn: ")
                    .map(str::to_string)
            }))
        })
    }

    fn kustomization<'a>(
        &'a self,
        _: &'a str,
        ns: &'a str,
        name: &'a str,
    ) -> OpsFuture<'a, Option<FluxStatus>> {
        Box::pin(async move {
            let Some(at) = self.flux(ns).await? else {
                return Ok(None);
            };
            self.org_rows(ns, at).await?;
            let now = self.now();
            if now < at {
                return Ok(None);
            }
            let ready = now >= at + SignedDuration::from_secs(FLUX_READY_S);
            Ok(Some(FluxStatus {
                name: name.into(),
                ready: Some(ready),
                message: if ready {
                    "Applied revision: onboard@sha1:0b0a4d11".into()
                } else {
                    "Reconciliation in progress".into()
                },
            }))
        })
    }

    fn helm_releases<'a>(&'a self, _: &'a str, ns: &'a str) -> OpsFuture<'a, Vec<FluxStatus>> {
        Box::pin(async move {
            let Some(at) = self.flux(ns).await? else {
                return Ok(vec![]);
            };
            self.org_rows(ns, at).await?;
            let ready = self.now() >= at + SignedDuration::from_secs(HELM_READY_S);
            Ok(self
                .spaces_of(ns)
                .await?
                .into_iter()
                .map(|s| FluxStatus {
                    name: format!("hyperfy2-{s}"),
                    ready: Some(ready),
                    message: if ready {
                        "Helm install succeeded".into()
                    } else {
                        "Running 'install' action".into()
                    },
                })
                .collect())
        })
    }

    fn ingress_address<'a>(&'a self, _: &'a str) -> OpsFuture<'a, Option<String>> {
        ok(Some(INGRESS.to_string()))
    }

    fn cluster_ready<'a>(&'a self, cluster: &'a str) -> OpsFuture<'a, Readiness> {
        ok(Readiness {
            ready: true,
            reason: format!("{cluster}: Flux Ready"),
        })
    }
}

impl CloudOps for DemoWorld {
    fn role_arn<'a>(&'a self, role: &'a str) -> OpsFuture<'a, Option<String>> {
        let has = self.world.lock().unwrap().roles.contains_key(role);
        ok(has.then(|| format!("arn:aws:iam::{ACCOUNT_ID}:role/{role}")))
    }

    fn create_role<'a>(&'a self, role: &'a str, _: &'a str) -> OpsFuture<'a, String> {
        Box::pin(async move {
            let mut w = self.world.lock().unwrap();
            Self::created(&mut w, format!("iam role {role}"))?;
            w.roles.insert(role.into(), vec![]);
            Ok(format!("arn:aws:iam::{ACCOUNT_ID}:role/{role}"))
        })
    }

    fn policy_arn<'a>(&'a self, policy: &'a str) -> OpsFuture<'a, Option<String>> {
        ok(self.world.lock().unwrap().policies.get(policy).cloned())
    }

    fn create_policy<'a>(&'a self, policy: &'a str, _: &'a str) -> OpsFuture<'a, String> {
        Box::pin(async move {
            let mut w = self.world.lock().unwrap();
            Self::created(&mut w, format!("iam policy {policy}"))?;
            w.policies.insert(policy.into(), policy_arn(policy));
            Ok(policy_arn(policy))
        })
    }

    fn attached_policies<'a>(&'a self, role: &'a str) -> OpsFuture<'a, Vec<String>> {
        ok(self
            .world
            .lock()
            .unwrap()
            .roles
            .get(role)
            .cloned()
            .unwrap_or_default())
    }

    fn attach_policy<'a>(&'a self, role: &'a str, arn: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let mut w = self.world.lock().unwrap();
            Self::created(&mut w, format!("attachment {role} {arn}"))?;
            w.roles
                .get_mut(role)
                .ok_or_else(|| OpsError::NotFound(format!("role {role}")))?
                .push(arn.into());
            Ok(())
        })
    }

    fn secret_exists<'a>(&'a self, name: &'a str) -> OpsFuture<'a, bool> {
        ok(self.world.lock().unwrap().secrets.contains_key(name))
    }

    fn create_secret<'a>(&'a self, name: &'a str, value: &'a SecretDocument) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let mut w = self.world.lock().unwrap();
            Self::created(&mut w, format!("secret {name}"))?;
            // The demo keeps the keys only: nothing here could ever show a value.
            w.secrets.insert(
                name.into(),
                value.keys().into_iter().map(str::to_string).collect(),
            );
            Ok(())
        })
    }

    fn prefix_exists<'a>(&'a self, bucket: &'a str, prefix: &'a str) -> OpsFuture<'a, bool> {
        ok(self
            .world
            .lock()
            .unwrap()
            .prefixes
            .contains(&(bucket.to_string(), prefix.to_string())))
    }

    fn create_prefix<'a>(&'a self, bucket: &'a str, prefix: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let mut w = self.world.lock().unwrap();
            Self::created(&mut w, format!("s3://{bucket}/{prefix}"))?;
            w.prefixes.insert((bucket.into(), prefix.into()));
            Ok(())
        })
    }

    fn bucket_exists<'a>(&'a self, bucket: &'a str) -> OpsFuture<'a, bool> {
        ok(self.world.lock().unwrap().buckets.contains_key(bucket))
    }

    fn bucket_environment<'a>(&'a self, bucket: &'a str) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move {
            let w = self.world.lock().unwrap();
            if !w.buckets.contains_key(bucket) {
                return Err(OpsError::NotFound(format!("bucket {bucket}")));
            }
            Ok(w.bucket_environments.get(bucket).cloned())
        })
    }

    fn caller_account(&self) -> OpsFuture<'_, String> {
        ok(ACCOUNT_ID.to_string())
    }

    fn resolve<'a>(&'a self, host: &'a str) -> OpsFuture<'a, Vec<String>> {
        ok(self
            .world
            .lock()
            .unwrap()
            .dns
            .get(host)
            .cloned()
            .unwrap_or_default())
    }

    fn routed_records<'a>(
        &'a self,
        zone: &'a str,
        record: &'a str,
    ) -> OpsFuture<'a, Vec<RoutedRecord>> {
        Box::pin(async move {
            let now = self.now();
            let (records, rows) = {
                let mut w = self.world.lock().unwrap();
                let serving = Self::serving(&w, zone, record, now);
                let roles: String = w
                    .records
                    .iter()
                    .map(|r| format!("{}{}", r.region, r.primary))
                    .collect();
                let key = format!("{record}:{serving:?}:{roles}");
                let rows = if w.last_routing != key {
                    w.last_routing = key;
                    self.routing_rows(&w, now)
                } else {
                    vec![]
                };
                let records = w
                    .records
                    .iter()
                    .filter(|r| r.zone == zone && r.record == record)
                    .map(|r| RoutedRecord {
                        set_identifier: r.set_identifier.clone(),
                        region: r.region.clone(),
                        role: if r.primary { "PRIMARY" } else { "SECONDARY" }.into(),
                        health_check: Some(r.health_check.clone()),
                        healthy: Some(r.healthy),
                        serving: serving.as_deref() == Some(r.region.as_str()),
                    })
                    .collect::<Vec<_>>();
                (records, rows)
            };
            if records.is_empty() {
                return Err(OpsError::NotFound(format!("{record} in zone {zone}")));
            }
            self.send(rows).await;
            Ok(records)
        })
    }

    fn shift_failover<'a>(
        &'a self,
        zone: &'a str,
        record: &'a str,
        to_region: &'a str,
    ) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let now = self.now();
            let rows = {
                let mut w = self.world.lock().unwrap();
                Self::created(&mut w, format!("change batch {record} to {to_region}"))?;
                let before = Self::serving(&w, zone, record, now).unwrap_or_default();
                w.served_before.insert(record.into(), before);
                for r in w
                    .records
                    .iter_mut()
                    .filter(|r| r.zone == zone && r.record == record)
                {
                    r.primary = r.region == to_region;
                }
                w.shifted_at = Some(now);
                self.routing_rows(&w, now)
            };
            self.send(rows).await;
            Ok(())
        })
    }

    fn region_state<'a>(&'a self, region: &'a str) -> OpsFuture<'a, RegionState> {
        Box::pin(async move {
            let w = self.world.lock().unwrap();
            let mut s = w
                .regions
                .get(region)
                .cloned()
                .ok_or_else(|| OpsError::NotFound(format!("region {region}")))?;
            s.failing_checks = w
                .records
                .iter()
                .filter(|r| r.region == region && !r.healthy)
                .map(|r| r.health_check.clone())
                .collect();
            Ok(s)
        })
    }

    fn db<'a>(&'a self, id: &'a str) -> OpsFuture<'a, Option<DbState>> {
        Box::pin(async move {
            let now = self.now();
            let (state, rows) = {
                let mut w = self.world.lock().unwrap();
                let state = w.dbs.get(id).map(|db| {
                    let mut snapshots: Vec<(String, Timestamp)> = db.snapshots.clone();
                    snapshots.sort_by_key(|s| std::cmp::Reverse(s.1));
                    DbState {
                        id: id.into(),
                        status: Self::db_status(db, now),
                        environment: Some(db.environment.clone()),
                        snapshots: snapshots
                            .into_iter()
                            .map(|(s, at)| (s, Self::snapshot_status(at, now).into()))
                            .collect(),
                        restored_from: db.restored_from.clone(),
                    }
                });
                // Tell the fleet when anything it shows changed.
                let shown: String = w
                    .dbs
                    .iter()
                    .map(|(k, d)| {
                        format!(
                            "{k}={};{}",
                            Self::db_status(d, now),
                            d.snapshots
                                .iter()
                                .map(|(s, at)| format!("{s}:{}", Self::snapshot_status(*at, now)))
                                .collect::<Vec<_>>()
                                .join(",")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("|");
                let rows = if w.sent.insert(format!("dbs:{shown}")) {
                    self.db_rows(&w, now)
                } else {
                    vec![]
                };
                (state, rows)
            };
            self.send(rows).await;
            Ok(state)
        })
    }

    fn create_snapshot<'a>(&'a self, db: &'a str, snapshot: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let now = self.now();
            let mut w = self.world.lock().unwrap();
            Self::created(&mut w, format!("snapshot {snapshot}"))?;
            w.dbs
                .get_mut(db)
                .ok_or_else(|| OpsError::NotFound(format!("instance {db}")))?
                .snapshots
                .push((snapshot.into(), now));
            Ok(())
        })
    }

    fn restore_db<'a>(&'a self, snapshot: &'a str, new_id: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let now = self.now();
            let mut w = self.world.lock().unwrap();
            Self::created(&mut w, format!("instance {new_id}"))?;
            let source = w
                .dbs
                .values()
                .find(|d| d.snapshots.iter().any(|(s, _)| s == snapshot))
                .cloned()
                .ok_or_else(|| OpsError::NotFound(format!("snapshot {snapshot}")))?;
            w.dbs.insert(
                new_id.into(),
                Db {
                    environment: "staging".into(),
                    status: ("creating".into(), now, RESTORE_S),
                    snapshots: vec![],
                    restored_from: Some(snapshot.into()),
                    ..source
                },
            );
            Ok(())
        })
    }

    fn rename_db<'a>(&'a self, from: &'a str, to: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let now = self.now();
            let rows = {
                let mut w = self.world.lock().unwrap();
                if w.dbs.contains_key(to) {
                    return Err(OpsError::Exists(format!("instance {to}")));
                }
                let mut db = w
                    .dbs
                    .remove(from)
                    .ok_or_else(|| OpsError::NotFound(format!("instance {from}")))?;
                db.status = ("renaming".into(), now, RENAME_S);
                let gone = RowId::new(Kind::DbInstance, Scope::aws(&db.account, &db.region), from);
                w.dbs.insert(to.into(), db);
                vec![Update::Remove(gone)]
            };
            self.send(rows).await;
            Ok(())
        })
    }

    fn delete_db<'a>(&'a self, id: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            self.world
                .lock()
                .unwrap()
                .dbs
                .remove(id)
                .ok_or_else(|| OpsError::NotFound(format!("instance {id}")))?;
            Ok(())
        })
    }

    fn bucket_diff<'a>(&'a self, from: &'a str, to: &'a str) -> OpsFuture<'a, (u64, u64)> {
        Box::pin(async move {
            let w = self.world.lock().unwrap();
            let src = w
                .buckets
                .get(from)
                .ok_or_else(|| OpsError::NotFound(format!("bucket {from}")))?;
            let dst = w
                .buckets
                .get(to)
                .ok_or_else(|| OpsError::NotFound(format!("bucket {to}")))?;
            Ok((src.difference(dst).count() as u64, src.len() as u64))
        })
    }

    fn sync_batch<'a>(&'a self, from: &'a str, to: &'a str, batch: u64) -> OpsFuture<'a, u64> {
        Box::pin(async move {
            let mut w = self.world.lock().unwrap();
            let src = w.buckets.get(from).cloned().unwrap_or_default();
            let dst = w.buckets.entry(to.into()).or_default();
            let missing: Vec<String> = src.difference(dst).take(batch as usize).cloned().collect();
            let n = missing.len() as u64;
            dst.extend(missing);
            Ok(n)
        })
    }
}

/// A GitOps repository in memory, seeded with the numinia-k8s layout the create-org runbook
/// reads (the template organization, the cluster's kustomization, the ClusterIssuer file).
#[derive(Default)]
pub struct MemoryGit {
    files: Mutex<BTreeMap<String, String>>,
    commits: Mutex<Vec<(String, String, String)>>,
}

impl MemoryGit {
    pub fn seeded() -> Arc<MemoryGit> {
        let g = MemoryGit::default();
        {
            let mut f = g.files.lock().unwrap();
            for (path, content) in template_repo() {
                f.insert(path, content);
            }
        }
        Arc::new(g)
    }

    /// Commits: (branch, message, sha).
    pub fn commits(&self) -> Vec<(String, String, String)> {
        self.commits.lock().unwrap().clone()
    }
}

/// The files of a numinia-k8s-like repository: what tests put in a real temporary repository too.
pub fn template_repo() -> Vec<(String, String)> {
    let org = "clusters/prod-cluster/organizations/numinia";
    let mut v = vec![
        ("clusters/prod-cluster/kustomization.yaml".to_string(), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - flux-system\n  - organizations/numinia\n  - organizations/r3s3t\n".to_string()),
        ("infrastructure/networking/cert-manager/cluster-issuer.yaml".into(), "---\napiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt-numinia-prod\nspec:\n  acme:\n    server: https://acme-v02.api.letsencrypt.org/directory\n".into()),
        (format!("{org}/kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - org-config\n  - flux-kustomization.yaml\n  - pre-kustomization.yaml\n  - pro-kustomization.yaml\n".into()),
        (format!("{org}/flux-kustomization.yaml"), "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: numinia\n  namespace: numinia\nspec:\n  path: ./clusters/prod-cluster/organizations/numinia\n".into()),
        (format!("{org}/pre-kustomization.yaml"), "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: numinia-pre\n  namespace: numinia-pre\n".into()),
        (format!("{org}/pro-kustomization.yaml"), "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: numinia-pro\n  namespace: numinia\n".into()),
        (format!("{org}/org-config/kustomization.yaml"), "resources:\n  - namespace.yaml\n  - overlays/service-account.yaml\n".into()),
        (format!("{org}/org-config/namespace.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: numinia\n".into()),
        (format!("{org}/org-config/overlays/service-account.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: numinia\n".into()),
    ];
    for space in ["world", "vic"] {
        for env in ["pre", "pro"] {
            v.push((
                format!("{org}/{space}/{env}/helmrelease.yaml"),
                format!("kind: HelmRelease\nmetadata:\n  name: hyperfy2-{space}\n"),
            ));
        }
    }
    v
}

impl GitOps for MemoryGit {
    fn list<'a>(&'a self, dir: &'a str) -> OpsFuture<'a, Vec<String>> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        ok(self
            .files
            .lock()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect())
    }

    fn read<'a>(&'a self, path: &'a str) -> OpsFuture<'a, Option<String>> {
        ok(self.files.lock().unwrap().get(path).cloned())
    }

    fn write<'a>(&'a self, path: &'a str, content: &'a str) -> OpsFuture<'a, ()> {
        self.files
            .lock()
            .unwrap()
            .insert(path.into(), content.into());
        ok(())
    }

    fn find_commit<'a>(
        &'a self,
        branch: &'a str,
        message: &'a str,
    ) -> OpsFuture<'a, Option<String>> {
        ok(self
            .commits
            .lock()
            .unwrap()
            .iter()
            .find(|(b, m, _)| b == branch && m == message)
            .map(|c| c.2.clone()))
    }

    fn commit<'a>(&'a self, branch: &'a str, message: &'a str) -> OpsFuture<'a, String> {
        let mut c = self.commits.lock().unwrap();
        let sha = format!("{:040x}", 0x0b0a_4d11u64 + c.len() as u64);
        c.push((branch.into(), message.into(), sha.clone()));
        ok(sha)
    }

    /// A branch whose last commit is not this run's (`MemoryGit::commit` as someone else) is
    /// refused, as on a real repository; the in-memory work tree is never dirty.
    fn preflight<'a>(&'a self, branch: &'a str, message: &'a str) -> OpsFuture<'a, GitPreflight> {
        let mut pre = GitPreflight::default();
        let c = self.commits.lock().unwrap();
        if let Some((_, m, sha)) = c.iter().rev().find(|(b, _, _)| b == branch)
            && m != message
        {
            pre.problems.push(format!(
                "branch {branch} exists already and is not this run's: its last commit is {sha:.7}: {m:?}"
            ));
        }
        ok(pre)
    }
}
