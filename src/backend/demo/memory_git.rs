//! A GitOps repository in memory for the demo: seeded with the numinia-k8s layout the
//! create-org runbook reads, committing without a disk, refusing someone else's branch as a real
//! clone does.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::world::ok;
use crate::runbook::ports::{GitOps, GitPreflight, OpsFuture};

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
