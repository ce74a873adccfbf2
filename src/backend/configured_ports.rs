//! The real runbook ports, assembled from the config: AWS from the configured account, the
//! clusters from the kubeconfig, the GitOps repository from `--repo` or the config. It lives
//! with the backends because it is where they meet; the runbook engine only sees the ports.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::backend::aws::runbook_ports::{AwsPorts, Dns};
use crate::backend::git::GitRepo;
use crate::backend::kube::kubeconfig;
use crate::backend::kube::runbook_port::KubeClusterOps;
use crate::clock::SystemClock;
use crate::config::{Account, Config};
use crate::runbook::from_world::WorldHints;
use crate::runbook::journal::World;
use crate::runbook::ports::{ClusterOps, GitOps, Ports, Unavailable};

/// A path as the world records it: absolute and resolved, so the same clone is the same world.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// AWS from the configured account, the clusters from the kubeconfig, the GitOps repository
/// from `repo` or the config; what is not configured fails only the steps that need it. The
/// ports' world names all three, for the journal; the AWS account id the credentials act in is
/// not asked here (nothing is called yet) but by `Ports::identify_account` before a run starts
/// or resumes.
pub fn configured_ports(
    config: &Config,
    account: Option<&str>,
    repo: Option<&Path>,
) -> Result<Ports, String> {
    let account = match account {
        Some(name) => config
            .accounts
            .iter()
            .find(|a| a.name == name)
            .cloned()
            .ok_or_else(|| format!("no account {name:?} in the config ([[accounts]] name = …)"))?,
        None => config.accounts.first().cloned().unwrap_or(Account {
            name: "default".into(),
            profile: None,
            role_arn: None,
            regions: vec![],
            environment: None,
            endpoint_url: None,
            protected: false,
        }),
    };
    let region = account
        .regions
        .first()
        .cloned()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .unwrap_or_else(|| "us-east-1".into());
    // The credential chain reads AWS_PROFILE when the account names no profile.
    let profile = account
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
    let (account_name, role_arn, endpoint_url) = (
        account.name.clone(),
        account.role_arn.clone(),
        account.endpoint_url.clone(),
    );
    let cloud = AwsPorts::new(account, &region, None, Dns::System);
    let (cluster, kube_contexts) = cluster_port(config);
    let repo = repo.or(config.gitops_repo.as_deref());
    let git: Arc<dyn GitOps> = match repo {
        Some(path) => Arc::new(GitRepo::open(path)?),
        None => Arc::new(Unavailable(
            "no GitOps repository: pass --repo PATH or set gitops_repo in the config".into(),
        )),
    };
    let world = World::Real {
        account: account_name,
        account_id: None,
        profile,
        role_arn,
        endpoint_url,
        region,
        kube_contexts,
        repo: repo.map(canonical),
    };
    Ok(Ports::new(
        Arc::new(cloud),
        cluster,
        git,
        Arc::new(SystemClock),
        world,
    ))
}

/// The clusters of the configured kubeconfig and its context names, sorted; without a
/// kubeconfig, a port that says why.
fn cluster_port(config: &Config) -> (Arc<dyn ClusterOps>, Vec<String>) {
    match kubeconfig::load(config.kube.kubeconfig.as_deref()) {
        Ok(loaded) => {
            let mut names: Vec<String> = loaded
                .config
                .contexts
                .iter()
                .map(|c| c.name.clone())
                .collect();
            names.sort();
            (Arc::new(KubeClusterOps::new(loaded)), names)
        }
        Err(e) => (Arc::new(Unavailable(e.to_string())), Vec::new()),
    }
}

/// What the runbooks' forms read the world with, beyond the ports: the configured hosted zones,
/// and the EKS cluster each kube context points at (an unreadable kubeconfig tells nothing; the
/// runbook then asks by the context's own name).
pub fn world_hints(config: &Config) -> WorldHints {
    let eks = kubeconfig::load(config.kube.kubeconfig.as_deref())
        .map(|loaded| {
            loaded
                .config
                .contexts
                .iter()
                .filter_map(|c| {
                    let cluster = loaded.cluster_of(&c.name);
                    cluster.arn.as_ref()?;
                    Some((c.name.clone(), (cluster.name, cluster.region)))
                })
                .collect()
        })
        .unwrap_or_default();
    WorldHints {
        hosted_zones: config.aws.hosted_zones.clone(),
        eks,
    }
}
