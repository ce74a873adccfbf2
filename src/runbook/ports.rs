//! The write ports runbooks use. Each has a demo implementation (`demo.rs`, state changes in the
//! simulated fleet on its clock) and a real one (`git.rs` for GitOps; the AWS and kube sides in
//! their backends).

use std::sync::Arc;

use futures_util::future::BoxFuture;

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

/// The ports a run uses, and the clock its waits run on.
#[derive(Clone)]
pub struct Ports {
    pub cluster: Arc<dyn ClusterOps>,
    pub cloud: Arc<dyn CloudOps>,
    pub git: Arc<dyn GitOps>,
    pub clock: SharedClock,
    /// The world these ports reach (the demo, or the configured account, contexts and repo): the
    /// journal records it and a resume is refused anywhere else.
    pub world: super::journal::World,
}

impl Ports {
    /// Asks the credentials which AWS account they act in (`CloudOps::caller_account`) and
    /// records it in the world, so the journal names the account a run wrote to and a resume
    /// with credentials of another account is refused. The demo world has nothing to ask.
    pub async fn identify_account(&mut self) -> Result<(), String> {
        let super::journal::World::Real { account, .. } = &self.world else {
            return Ok(());
        };
        let account = account.clone();
        match self.cloud.caller_account().await {
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

/// Reads (and, for the demo, reacts to) the cluster: namespaces, service accounts, Flux status.
pub trait ClusterOps: Send + Sync {
    fn namespace_exists<'a>(&'a self, cluster: &'a str, ns: &'a str) -> OpsFuture<'a, bool>;
    /// The `eks.amazonaws.com/role-arn` annotation of a service account, if it exists.
    fn service_account_role<'a>(
        &'a self,
        cluster: &'a str,
        ns: &'a str,
        name: &'a str,
    ) -> OpsFuture<'a, Option<String>>;
    /// A Kustomization's readiness (`None`: not there yet).
    fn kustomization<'a>(
        &'a self,
        cluster: &'a str,
        ns: &'a str,
        name: &'a str,
    ) -> OpsFuture<'a, Option<FluxStatus>>;
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

/// AWS: IAM, Secrets Manager, S3, DNS, Route53 and RDS, the calls the runbooks make.
pub trait CloudOps: Send + Sync {
    fn role_arn<'a>(&'a self, role: &'a str) -> OpsFuture<'a, Option<String>>;
    fn create_role<'a>(&'a self, role: &'a str, trust_policy: &'a str) -> OpsFuture<'a, String>;
    fn policy_arn<'a>(&'a self, policy: &'a str) -> OpsFuture<'a, Option<String>>;
    fn create_policy<'a>(&'a self, policy: &'a str, document: &'a str) -> OpsFuture<'a, String>;
    fn attached_policies<'a>(&'a self, role: &'a str) -> OpsFuture<'a, Vec<String>>;
    fn attach_policy<'a>(&'a self, role: &'a str, policy_arn: &'a str) -> OpsFuture<'a, ()>;
    fn secret_exists<'a>(&'a self, name: &'a str) -> OpsFuture<'a, bool>;
    fn create_secret<'a>(&'a self, name: &'a str, value: &'a SecretDocument) -> OpsFuture<'a, ()>;
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
    /// The addresses a host name resolves to (empty when it does not).
    fn resolve<'a>(&'a self, host: &'a str) -> OpsFuture<'a, Vec<String>>;

    fn routed_records<'a>(
        &'a self,
        zone: &'a str,
        record: &'a str,
    ) -> OpsFuture<'a, Vec<RoutedRecord>>;
    /// Makes `to_region`'s record the primary and the other the secondary, in one change batch.
    fn shift_failover<'a>(
        &'a self,
        zone: &'a str,
        record: &'a str,
        to_region: &'a str,
    ) -> OpsFuture<'a, ()>;
    fn region_state<'a>(&'a self, region: &'a str) -> OpsFuture<'a, RegionState>;

    fn db<'a>(&'a self, id: &'a str) -> OpsFuture<'a, Option<DbState>>;
    fn create_snapshot<'a>(&'a self, db: &'a str, snapshot: &'a str) -> OpsFuture<'a, ()>;
    fn restore_db<'a>(&'a self, snapshot: &'a str, new_id: &'a str) -> OpsFuture<'a, ()>;
    fn rename_db<'a>(&'a self, from: &'a str, to: &'a str) -> OpsFuture<'a, ()>;
    fn delete_db<'a>(&'a self, id: &'a str) -> OpsFuture<'a, ()>;
    /// Objects under `prefix` in `from` that are not in `to` yet, and how many there are.
    fn bucket_diff<'a>(&'a self, from: &'a str, to: &'a str) -> OpsFuture<'a, (u64, u64)>;
    /// Copies up to `batch` missing objects; returns how many it copied.
    fn sync_batch<'a>(&'a self, from: &'a str, to: &'a str, batch: u64) -> OpsFuture<'a, u64>;
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
    fn service_account_role<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
    ) -> OpsFuture<'a, Option<String>> {
        self.fail()
    }
    fn kustomization<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
    ) -> OpsFuture<'a, Option<FluxStatus>> {
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
