//! The ports runbooks write through, one per capability, so a step names what it reaches
//! (`ports.identity`, `ports.databases`…) and a test that intercepts one call wraps only that
//! capability. The runbook engine knows only these traits; their implementations live in the
//! backends: AWS in `backend/aws/runbook_ports/` (one file per capability), the cluster in
//! `backend/kube/runbook_port.rs`, git in `backend/git/`, and the simulated world behind all of
//! them in `backend/demo/`. What both a real and the demo implementation compute (which record
//! Route53 serves, a Flux object's status, what a bucket sync still has to copy) is here, once.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::journal::World;
use super::secret::SecretDocument;
use crate::clock::SharedClock;

/// Why a port call failed, in words for the step's failure line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpsError {
    #[error("{0}")]
    Failed(String),
    /// The resource exists already (a create that must not run twice).
    #[error("{0} already exists")]
    Exists(String),
    #[error("{0} not found")]
    NotFound(String),
}

pub type OpsFuture<'a, T> = BoxFuture<'a, Result<T, OpsError>>;

/// The tag a restored instance carries: RDS does not say which snapshot an instance came from.
pub const RESTORED_FROM_TAG: &str = "opsdeck:restored-from";

/// The ports a run uses, and the clock its waits run on.
#[derive(Clone)]
pub struct Ports {
    pub cluster: Arc<dyn ClusterOps>,
    pub identity: Arc<dyn IdentityOps>,
    pub secrets: Arc<dyn SecretOps>,
    pub storage: Arc<dyn StorageOps>,
    pub dns: Arc<dyn DnsOps>,
    pub routing: Arc<dyn RoutingOps>,
    pub databases: Arc<dyn DatabaseOps>,
    pub git: Arc<dyn GitOps>,
    pub clock: SharedClock,
    /// The world these ports reach (the demo, or the configured account, contexts and repo): the
    /// journal records it and a resume is refused anywhere else.
    pub world: World,
}

/// Everything AWS-shaped a runbook calls, for a backend that serves all of it from one value.
pub trait CloudPorts:
    IdentityOps + SecretOps + StorageOps + DnsOps + RoutingOps + DatabaseOps + 'static
{
}

impl<T: IdentityOps + SecretOps + StorageOps + DnsOps + RoutingOps + DatabaseOps + 'static>
    CloudPorts for T
{
}

impl Ports {
    /// All six AWS capabilities from one value (the AWS backend, the demo world).
    pub fn new<C: CloudPorts>(
        cloud: Arc<C>,
        cluster: Arc<dyn ClusterOps>,
        git: Arc<dyn GitOps>,
        clock: SharedClock,
        world: World,
    ) -> Ports {
        Ports {
            cluster,
            identity: cloud.clone(),
            secrets: cloud.clone(),
            storage: cloud.clone(),
            dns: cloud.clone(),
            routing: cloud.clone(),
            databases: cloud,
            git,
            clock,
            world,
        }
    }

    /// Asks the credentials which AWS account they act in (`IdentityOps::caller_account`) and
    /// records it in the world, so the journal names the account a run wrote to and a resume
    /// with credentials of another account is refused. The demo world has nothing to ask.
    pub async fn identify_account(&mut self) -> Result<(), String> {
        let World::Real { account, .. } = &self.world else {
            return Ok(());
        };
        let account = account.clone();
        match self.identity.caller_account().await {
            Ok(id) => {
                self.world.set_account_id(id);
                Ok(())
            }
            Err(e) => Err(format!(
                "cannot tell which AWS account the credentials of account {account} act in (STS GetCallerIdentity): {e}"
            )),
        }
    }
}

/// A Flux object's readiness as the cluster reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FluxStatus {
    pub name: String,
    pub ready: Option<bool>,
    pub message: String,
}

impl FluxStatus {
    /// From the object's `Ready` condition, its `status` and `message` (both `None` when it has
    /// no such condition yet): `True` is ready, `False` is not, anything else is unknown.
    pub fn from_ready_condition(
        name: impl Into<String>,
        status: Option<&str>,
        message: Option<&str>,
    ) -> FluxStatus {
        FluxStatus {
            name: name.into(),
            ready: match status {
                Some("True") => Some(true),
                Some("False") => Some(false),
                _ => None,
            },
            message: message.unwrap_or("no Ready condition yet").to_string(),
        }
    }

    /// An object Flux has either reconciled (`ready`, with the message it then gives) or is
    /// still working on (with the message of the work in progress).
    pub fn settling(
        name: impl Into<String>,
        ready: bool,
        ready_message: &str,
        progress_message: &str,
    ) -> FluxStatus {
        FluxStatus {
            name: name.into(),
            ready: Some(ready),
            message: if ready {
                ready_message
            } else {
                progress_message
            }
            .to_string(),
        }
    }
}

/// A namespaced object of a cluster: the cluster (its kube context, or the EKS cluster name its
/// context points at), the namespace and the object's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InCluster<'a> {
    pub cluster: &'a str,
    pub ns: &'a str,
    pub name: &'a str,
}

/// A routed DNS name: its Route53 hosted zone and record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoutedName<'a> {
    pub zone: &'a str,
    pub record: &'a str,
}

/// Reads (and, for the demo, reacts to) the cluster: namespaces, service accounts, Flux status.
pub trait ClusterOps: Send + Sync {
    fn namespace_exists<'a>(&'a self, cluster: &'a str, ns: &'a str) -> OpsFuture<'a, bool>;
    /// The `eks.amazonaws.com/role-arn` annotation of a service account, if it exists.
    fn service_account_role<'a>(&'a self, obj: InCluster<'a>) -> OpsFuture<'a, Option<String>>;
    /// A Kustomization's readiness (`None`: not there yet).
    fn kustomization<'a>(&'a self, obj: InCluster<'a>) -> OpsFuture<'a, Option<FluxStatus>>;
    fn helm_releases<'a>(&'a self, cluster: &'a str, ns: &'a str)
    -> OpsFuture<'a, Vec<FluxStatus>>;
    /// The hostname or address of the cluster's ingress load balancer.
    fn ingress_address<'a>(&'a self, cluster: &'a str) -> OpsFuture<'a, Option<String>>;
    /// Whether the cluster is ACTIVE with its API reachable, and its Flux ready.
    fn cluster_ready<'a>(&'a self, cluster: &'a str) -> OpsFuture<'a, Readiness>;
}

/// A yes/no with the reason, for preflights.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Readiness {
    pub ready: bool,
    pub reason: String,
}

impl Readiness {
    pub fn yes(reason: impl Into<String>) -> Readiness {
        Readiness {
            ready: true,
            reason: reason.into(),
        }
    }

    pub fn no(reason: impl Into<String>) -> Readiness {
        Readiness {
            ready: false,
            reason: reason.into(),
        }
    }
}

/// One record of a routed name (failover pair, latency set) as Route53 has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutedRecord {
    pub set_identifier: String,
    pub region: String,
    /// PRIMARY or SECONDARY.
    pub role: String,
    pub health_check: Option<String>,
    pub healthy: Option<bool>,
    pub serving: bool,
}

impl RoutedRecord {
    /// A failover record's role as Route53 names it.
    pub fn role_of(primary: bool) -> &'static str {
        if primary { "PRIMARY" } else { "SECONDARY" }
    }

    pub fn is_primary(&self) -> bool {
        self.role == "PRIMARY"
    }
}

/// Sets which of a failover pair's records Route53 answers with: the primary unless its health
/// check fails (a record without a check counts as passing), else the secondary.
pub fn mark_serving(records: &mut [RoutedRecord]) {
    let primary_up = records
        .iter()
        .any(|r| r.is_primary() && r.healthy != Some(false));
    for r in records {
        r.serving = r.is_primary() == primary_up;
    }
}

/// A region's state for a failover decision.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegionState {
    pub firing_alarms: Vec<String>,
    pub failing_checks: Vec<String>,
    pub clusters: Vec<(String, String)>,
    pub databases: Vec<(String, String)>,
}

/// An RDS instance as the staging refresh needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbState {
    pub id: String,
    pub status: String,
    /// The `environment` tag (production, staging…).
    pub environment: Option<String>,
    /// Snapshot ids, newest first, with their status.
    pub snapshots: Vec<(String, String)>,
    pub restored_from: Option<String>,
}

/// `StorageOps::bucket_diff` from the two buckets' keys: how many of `from`'s are not in `to`
/// yet, and how many `from` has.
pub fn object_diff(from: &BTreeSet<String>, to: &BTreeSet<String>) -> (u64, u64) {
    (from.difference(to).count() as u64, from.len() as u64)
}

/// The next `batch` keys a `StorageOps::sync_batch` copies: `from`'s that `to` lacks, in order.
pub fn missing_batch<'a>(
    from: &'a BTreeSet<String>,
    to: &'a BTreeSet<String>,
    batch: u64,
) -> impl Iterator<Item = &'a String> + 'a {
    from.difference(to).take(batch as usize)
}

/// IAM roles and policies, and which account the credentials act in.
pub trait IdentityOps: Send + Sync {
    fn role_arn<'a>(&'a self, role: &'a str) -> OpsFuture<'a, Option<String>>;
    fn create_role<'a>(&'a self, role: &'a str, trust_policy: &'a str) -> OpsFuture<'a, String>;
    fn policy_arn<'a>(&'a self, policy: &'a str) -> OpsFuture<'a, Option<String>>;
    fn create_policy<'a>(&'a self, policy: &'a str, document: &'a str) -> OpsFuture<'a, String>;
    fn attached_policies<'a>(&'a self, role: &'a str) -> OpsFuture<'a, Vec<String>>;
    fn attach_policy<'a>(&'a self, role: &'a str, policy_arn: &'a str) -> OpsFuture<'a, ()>;
    /// The AWS account id these credentials act in (STS `GetCallerIdentity`; the demo world's
    /// own): a preflight checks an account id given as an input against it, and the world a
    /// journal records names it. A port that cannot tell fails, which refuses what needs it.
    fn caller_account(&self) -> OpsFuture<'_, String> {
        Box::pin(async {
            Err(OpsError::Failed(
                "cannot tell which AWS account this port acts in: it has no caller identity".into(),
            ))
        })
    }
    /// The id of an EKS cluster's OIDC provider (the last part of `eks:DescribeCluster`'s
    /// `identity.oidc.issuer`), for create-org's trust policy when no `--oidc-id` is given.
    fn oidc_provider_id<'a>(&'a self, cluster: &'a str, region: &'a str) -> OpsFuture<'a, String> {
        Box::pin(async move {
            Err(OpsError::Failed(format!(
                "cannot read the OIDC provider of EKS cluster {cluster} in {region} through this port"
            )))
        })
    }
}

/// Secrets Manager: a secret is created once and never read back.
pub trait SecretOps: Send + Sync {
    fn secret_exists<'a>(&'a self, name: &'a str) -> OpsFuture<'a, bool>;
    fn create_secret<'a>(&'a self, name: &'a str, value: &'a SecretDocument) -> OpsFuture<'a, ()>;
}

/// Object storage (S3): prefixes, the buckets' preflight reads, and copying between buckets.
pub trait StorageOps: Send + Sync {
    fn prefix_exists<'a>(&'a self, bucket: &'a str, prefix: &'a str) -> OpsFuture<'a, bool>;
    fn create_prefix<'a>(&'a self, bucket: &'a str, prefix: &'a str) -> OpsFuture<'a, ()>;
    /// Whether the bucket exists (and these credentials may see it): a preflight's read, so a
    /// run that needs the bucket is refused before its first write. A port that cannot tell
    /// fails, which refuses the run rather than assuming the bucket is there.
    fn bucket_exists<'a>(&'a self, bucket: &'a str) -> OpsFuture<'a, bool> {
        Box::pin(async move {
            Err(OpsError::Failed(format!(
                "cannot check that bucket {bucket} exists: this port has no bucket check"
            )))
        })
    }
    /// The bucket's `environment` tag (production, staging…; `None` when the bucket has no
    /// such tag, or no tags at all): a preflight's read, so a run never writes into a bucket
    /// tagged production. A port that cannot tell fails, which refuses the run.
    fn bucket_environment<'a>(&'a self, bucket: &'a str) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move {
            Err(OpsError::Failed(format!(
                "cannot read the tags of bucket {bucket}: this port has no tag check"
            )))
        })
    }
    /// The buckets these credentials see, with their `environment` tag: what a staging
    /// refresh's form offers. At most `OFFERED` + 1 of them are read.
    fn buckets(&self) -> OpsFuture<'_, Vec<(String, Option<String>)>> {
        Box::pin(async { Err(OpsError::Failed("this port cannot list buckets".into())) })
    }
    /// Objects under `prefix` in `from` that are not in `to` yet, and how many there are.
    fn bucket_diff<'a>(&'a self, from: &'a str, to: &'a str) -> OpsFuture<'a, (u64, u64)>;
    /// Copies up to `batch` missing objects; returns how many it copied.
    fn sync_batch<'a>(&'a self, from: &'a str, to: &'a str, batch: u64) -> OpsFuture<'a, u64>;
}

/// Name resolution, to see where a domain points.
pub trait DnsOps: Send + Sync {
    /// The addresses a host name resolves to (empty when it does not).
    fn resolve<'a>(&'a self, host: &'a str) -> OpsFuture<'a, Vec<String>>;
}

/// Route53 failover records, and the state of the regions a failover moves between.
pub trait RoutingOps: Send + Sync {
    fn routed_records<'a>(&'a self, routed: RoutedName<'a>) -> OpsFuture<'a, Vec<RoutedRecord>>;
    /// Makes region `to`'s record the primary and the other the secondary, in one change batch.
    fn shift_failover<'a>(&'a self, routed: RoutedName<'a>, to: &'a str) -> OpsFuture<'a, ()>;
    fn region_state<'a>(&'a self, region: &'a str) -> OpsFuture<'a, RegionState>;
    /// The hosted zones these credentials see, by name: where a failover's form looks when the
    /// config names none.
    fn hosted_zones(&self) -> OpsFuture<'_, Vec<String>> {
        Box::pin(async {
            Err(OpsError::Failed(
                "this port cannot list hosted zones".into(),
            ))
        })
    }
    /// The routed names of `zone` (those with failover records), each with its records as
    /// `routed_records` gives them: what a failover's form offers.
    fn routed_names<'a>(&'a self, zone: &'a str) -> OpsFuture<'a, Vec<RoutedChoice>> {
        Box::pin(async move {
            Err(OpsError::Failed(format!(
                "this port cannot list the routed names of {zone}"
            )))
        })
    }
}

/// A routed name of a hosted zone and its records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutedChoice {
    pub zone: String,
    pub name: String,
    pub records: Vec<RoutedRecord>,
}

/// At most this many zones, buckets or instances are offered for a form: a list to pick from,
/// not an inventory. A port reads one more, so the reader knows when the list was cut.
pub const OFFERED: usize = 50;

/// RDS instances and their snapshots.
pub trait DatabaseOps: Send + Sync {
    fn db<'a>(&'a self, id: &'a str) -> OpsFuture<'a, Option<DbState>>;
    fn create_snapshot<'a>(&'a self, db: &'a str, snapshot: &'a str) -> OpsFuture<'a, ()>;
    fn restore_db<'a>(&'a self, snapshot: &'a str, new_id: &'a str) -> OpsFuture<'a, ()>;
    fn rename_db<'a>(&'a self, from: &'a str, to: &'a str) -> OpsFuture<'a, ()>;
    fn delete_db<'a>(&'a self, id: &'a str) -> OpsFuture<'a, ()>;
    /// The instances (at most `OFFERED` + 1), with their status and `environment` tag and without
    /// their snapshots: what a staging refresh's form offers.
    fn instances(&self) -> OpsFuture<'_, Vec<DbState>> {
        Box::pin(async { Err(OpsError::Failed("this port cannot list instances".into())) })
    }
}

/// What a GitOps repository says before a run writes to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitPreflight {
    /// Refuse the run: changes in the work tree that are not the run's, someone else's branch.
    pub problems: Vec<String>,
    /// Shown with the plan: the branch an earlier run of the same change made, continued.
    pub findings: Vec<String>,
}

/// A local clone of the GitOps repository: read and write files, commit on a branch. Never
/// pushes, never forces.
pub trait GitOps: Send + Sync {
    /// Files under `dir`, relative to the repository root, sorted.
    fn list<'a>(&'a self, dir: &'a str) -> OpsFuture<'a, Vec<String>>;
    fn read<'a>(&'a self, path: &'a str) -> OpsFuture<'a, Option<String>>;
    fn write<'a>(&'a self, path: &'a str, content: &'a str) -> OpsFuture<'a, ()>;
    /// The commit on `branch` this run made (its record says so), if any: a message alone proves
    /// nothing.
    fn find_commit<'a>(
        &'a self,
        branch: &'a str,
        message: &'a str,
    ) -> OpsFuture<'a, Option<String>>;
    /// Commits the files written since the last commit, and only those, on `branch` (made from
    /// the repository's default branch).
    fn commit<'a>(&'a self, branch: &'a str, message: &'a str) -> OpsFuture<'a, String>;
    /// Whether a run that commits `message` on `branch` may start: a work tree with changes
    /// that are not the run's, or a `branch` that someone else made, refuses it. Read only (a
    /// plan runs it too).
    fn preflight<'a>(&'a self, _branch: &'a str, _message: &'a str) -> OpsFuture<'a, GitPreflight> {
        Box::pin(async { Ok(GitPreflight::default()) })
    }
    /// Before a run's writes (every step that writes calls it; after the first call it only
    /// checks the work tree is still on `branch`): refuses what `preflight` refuses, then puts
    /// the work tree on `branch`, created from HEAD, or checked out when an earlier run of the
    /// same change made it. Nothing is ever written into another branch's work tree.
    fn begin<'a>(&'a self, _branch: &'a str, _message: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

/// A port that is not configured: every call fails with why and how to configure it (a
/// failover needs no GitOps repository; a staging refresh needs no kubeconfig).
pub struct Unavailable(pub String);

impl Unavailable {
    fn fail<'a, T: Send + 'a>(&'a self) -> OpsFuture<'a, T> {
        Box::pin(async move { Err(OpsError::Failed(self.0.clone())) })
    }
}

impl ClusterOps for Unavailable {
    fn namespace_exists<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, bool> {
        self.fail()
    }
    fn service_account_role<'a>(&'a self, _: InCluster<'a>) -> OpsFuture<'a, Option<String>> {
        self.fail()
    }
    fn kustomization<'a>(&'a self, _: InCluster<'a>) -> OpsFuture<'a, Option<FluxStatus>> {
        self.fail()
    }
    fn helm_releases<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, Vec<FluxStatus>> {
        self.fail()
    }
    fn ingress_address<'a>(&'a self, _: &'a str) -> OpsFuture<'a, Option<String>> {
        self.fail()
    }
    fn cluster_ready<'a>(&'a self, _: &'a str) -> OpsFuture<'a, Readiness> {
        self.fail()
    }
}

impl IdentityOps for Unavailable {
    fn role_arn<'a>(&'a self, _: &'a str) -> OpsFuture<'a, Option<String>> {
        self.fail()
    }
    fn create_role<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, String> {
        self.fail()
    }
    fn policy_arn<'a>(&'a self, _: &'a str) -> OpsFuture<'a, Option<String>> {
        self.fail()
    }
    fn create_policy<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, String> {
        self.fail()
    }
    fn attached_policies<'a>(&'a self, _: &'a str) -> OpsFuture<'a, Vec<String>> {
        self.fail()
    }
    fn attach_policy<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, ()> {
        self.fail()
    }
    fn caller_account(&self) -> OpsFuture<'_, String> {
        self.fail()
    }
}

impl SecretOps for Unavailable {
    fn secret_exists<'a>(&'a self, _: &'a str) -> OpsFuture<'a, bool> {
        self.fail()
    }
    fn create_secret<'a>(&'a self, _: &'a str, _: &'a SecretDocument) -> OpsFuture<'a, ()> {
        self.fail()
    }
}

impl StorageOps for Unavailable {
    fn prefix_exists<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, bool> {
        self.fail()
    }
    fn create_prefix<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, ()> {
        self.fail()
    }
    fn bucket_exists<'a>(&'a self, _: &'a str) -> OpsFuture<'a, bool> {
        self.fail()
    }
    fn bucket_environment<'a>(&'a self, _: &'a str) -> OpsFuture<'a, Option<String>> {
        self.fail()
    }
    fn bucket_diff<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, (u64, u64)> {
        self.fail()
    }
    fn sync_batch<'a>(&'a self, _: &'a str, _: &'a str, _: u64) -> OpsFuture<'a, u64> {
        self.fail()
    }
}

impl DnsOps for Unavailable {
    fn resolve<'a>(&'a self, _: &'a str) -> OpsFuture<'a, Vec<String>> {
        self.fail()
    }
}

impl RoutingOps for Unavailable {
    fn routed_records<'a>(&'a self, _: RoutedName<'a>) -> OpsFuture<'a, Vec<RoutedRecord>> {
        self.fail()
    }
    fn shift_failover<'a>(&'a self, _: RoutedName<'a>, _: &'a str) -> OpsFuture<'a, ()> {
        self.fail()
    }
    fn region_state<'a>(&'a self, _: &'a str) -> OpsFuture<'a, RegionState> {
        self.fail()
    }
}

impl DatabaseOps for Unavailable {
    fn db<'a>(&'a self, _: &'a str) -> OpsFuture<'a, Option<DbState>> {
        self.fail()
    }
    fn create_snapshot<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, ()> {
        self.fail()
    }
    fn restore_db<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, ()> {
        self.fail()
    }
    fn rename_db<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, ()> {
        self.fail()
    }
    fn delete_db<'a>(&'a self, _: &'a str) -> OpsFuture<'a, ()> {
        self.fail()
    }
}

impl GitOps for Unavailable {
    fn list<'a>(&'a self, _: &'a str) -> OpsFuture<'a, Vec<String>> {
        self.fail()
    }
    fn read<'a>(&'a self, _: &'a str) -> OpsFuture<'a, Option<String>> {
        self.fail()
    }
    fn write<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, ()> {
        self.fail()
    }
    fn find_commit<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, Option<String>> {
        self.fail()
    }
    fn commit<'a>(&'a self, _: &'a str, _: &'a str) -> OpsFuture<'a, String> {
        self.fail()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(role: &str, healthy: Option<bool>) -> RoutedRecord {
        RoutedRecord {
            set_identifier: role.into(),
            region: role.into(),
            role: role.into(),
            health_check: None,
            healthy,
            serving: false,
        }
    }

    fn serving(primary: Option<bool>, secondary: Option<bool>) -> Vec<bool> {
        let mut records = [record("PRIMARY", primary), record("SECONDARY", secondary)];
        mark_serving(&mut records);
        records.iter().map(|r| r.serving).collect()
    }

    #[test]
    fn route53_serves_the_primary_until_its_check_fails() {
        assert_eq!(serving(Some(true), Some(true)), [true, false]);
        assert_eq!(serving(None, Some(true)), [true, false]);
        assert_eq!(serving(Some(false), Some(true)), [false, true]);
        assert_eq!(serving(Some(false), Some(false)), [false, true]);
    }

    #[test]
    fn flux_status_from_the_ready_condition() {
        let ready = FluxStatus::from_ready_condition("ks", Some("True"), Some("Applied"));
        assert_eq!(
            (ready.ready, ready.message.as_str()),
            (Some(true), "Applied")
        );
        let none = FluxStatus::from_ready_condition("ks", None, None);
        assert_eq!(
            (none.ready, none.message.as_str()),
            (None, "no Ready condition yet")
        );
        let unknown = FluxStatus::from_ready_condition("ks", Some("Unknown"), Some("waiting"));
        assert_eq!(unknown.ready, None);
    }

    #[test]
    fn a_sync_copies_what_the_target_lacks_in_batches() {
        let keys = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<BTreeSet<_>>();
        let (from, to) = (keys(&["a", "b", "c", "d"]), keys(&["b"]));
        assert_eq!(object_diff(&from, &to), (3, 4));
        let batch: Vec<&String> = missing_batch(&from, &to, 2).collect();
        assert_eq!(batch, ["a", "c"]);
    }
}
