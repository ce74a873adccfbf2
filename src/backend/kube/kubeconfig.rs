//! Reading kubeconfig the way kubectl does (`KUBECONFIG` with several files, merged; else
//! `~/.kube/config`), with errors that name the file or the context and the fix.

use std::path::{Path, PathBuf};

use kube::config::{Kubeconfig, NamedContext};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KubeconfigError {
    #[error("kubeconfig {file}: {reason}")]
    Malformed { file: String, reason: String },
    #[error(
        "no kubeconfig found: set KUBECONFIG or create ~/.kube/config (for EKS: aws eks update-kubeconfig --name <cluster>)"
    )]
    NotFound,
    /// kubectl skips missing files of `KUBECONFIG`, but when none exists the variable is
    /// surely wrong: say which files it names.
    #[error(
        "KUBECONFIG names no file that exists ({files}); fix the variable or unset it to use ~/.kube/config"
    )]
    VariableNamesNothing { files: String },
    #[error(
        "context {context:?} is not in {files} (contexts there: {available}); fix [kube] contexts in the config or run: aws eks update-kubeconfig --name <cluster> --alias {context}"
    )]
    MissingContext {
        context: String,
        files: String,
        available: String,
    },
    #[error(
        "{files} has no current-context and the config lists no contexts; set one with: kubectl config use-context <name>"
    )]
    NoCurrentContext { files: String },
}

/// The merged kubeconfig and the files it came from.
#[derive(Debug)]
pub struct Loaded {
    pub config: Kubeconfig,
    pub files: Vec<PathBuf>,
}

impl Loaded {
    fn files_label(&self) -> String {
        self.files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The contexts to watch: the ones asked for, else the current one. Every one must exist.
    pub fn contexts(&self, wanted: &[String]) -> Result<Vec<String>, KubeconfigError> {
        let names: Vec<&str> = self
            .config
            .contexts
            .iter()
            .map(|c: &NamedContext| c.name.as_str())
            .collect();
        let wanted: Vec<String> = if wanted.is_empty() {
            match &self.config.current_context {
                Some(c) => vec![c.clone()],
                None => {
                    return Err(KubeconfigError::NoCurrentContext {
                        files: self.files_label(),
                    });
                }
            }
        } else {
            wanted.to_vec()
        };
        for w in &wanted {
            if !names.contains(&w.as_str()) {
                return Err(KubeconfigError::MissingContext {
                    context: w.clone(),
                    files: self.files_label(),
                    available: if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    },
                });
            }
        }
        Ok(wanted)
    }

    /// The credential plugin (`exec`) of this context's user, if it has one.
    pub fn exec_of(&self, context: &str) -> Option<&kube::config::ExecConfig> {
        let ctx = self
            .config
            .contexts
            .iter()
            .find(|c| c.name == context)?
            .context
            .as_ref()?;
        let user = self
            .config
            .auth_infos
            .iter()
            .find(|a| a.name == ctx.user.as_deref().unwrap_or_default())?;
        user.auth_info.as_ref()?.exec.as_ref()
    }

    /// The AWS profile an `aws eks get-token` exec plugin of this context uses, if any: named in
    /// the fix when the plugin fails.
    pub fn aws_profile(&self, context: &str) -> Option<String> {
        let exec = self.exec_of(context)?;
        let from_env = exec.env.as_ref().and_then(|env| {
            env.iter()
                .find(|e| e.get("name").map(String::as_str) == Some("AWS_PROFILE"))
                .and_then(|e| e.get("value").cloned())
        });
        let args = exec.args.clone().unwrap_or_default();
        from_env.or_else(|| arg_after(&args, "--profile"))
    }

    /// The cluster name and, for an EKS ARN, its account and region.
    pub fn cluster_of(&self, context: &str) -> ClusterRef {
        let cluster = self
            .config
            .contexts
            .iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.as_ref())
            .map(|c| c.cluster.clone())
            .unwrap_or_else(|| context.to_string());
        ClusterRef::parse(&cluster, context)
    }
}

/// The value after `flag` in a plugin's arguments.
pub fn arg_after(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Which cluster a context points at. EKS contexts made by `aws eks update-kubeconfig` name
/// the cluster by ARN: `arn:aws:eks:<region>:<account>:cluster/<name>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterRef {
    pub name: String,
    /// The EKS ARN, which joins the kube side of a cluster row with the AWS side.
    pub arn: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
}

impl ClusterRef {
    pub fn parse(cluster: &str, context: &str) -> ClusterRef {
        let parts: Vec<&str> = cluster.split(':').collect();
        match parts.as_slice() {
            ["arn", _, "eks", region, account, rest] if rest.starts_with("cluster/") => {
                ClusterRef {
                    name: rest.trim_start_matches("cluster/").to_string(),
                    arn: Some(cluster.to_string()),
                    account: Some(account.to_string()),
                    region: Some(region.to_string()),
                }
            }
            _ => ClusterRef {
                name: context.to_string(),
                arn: None,
                account: None,
                region: None,
            },
        }
    }
}

fn read_one(path: &Path) -> Result<Kubeconfig, KubeconfigError> {
    Kubeconfig::read_from(path).map_err(|e| KubeconfigError::Malformed {
        file: path.display().to_string(),
        reason: error_chain(&e),
    })
}

/// An error and its causes on one line (the first line of each: parsers add source snippets).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let first = |m: String| m.lines().next().unwrap_or_default().trim().to_string();
    let mut s = first(e.to_string());
    let mut cur = e.source();
    while let Some(c) = cur {
        let msg = first(c.to_string());
        if !s.contains(&msg) {
            s.push_str(": ");
            s.push_str(&msg);
        }
        cur = c.source();
    }
    s
}

/// Loads `explicit`, else every file of `KUBECONFIG` (merged, the first wins, as kubectl does),
/// else `~/.kube/config`.
pub fn load(explicit: Option<&Path>) -> Result<Loaded, KubeconfigError> {
    let mut from_variable = false;
    let files: Vec<PathBuf> = match explicit {
        Some(p) => vec![p.to_path_buf()],
        None => match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
            Some(v) => {
                from_variable = true;
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            }
            None => {
                let home = std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .ok_or(KubeconfigError::NotFound)?;
                vec![home.join(".kube/config")]
            }
        },
    };
    let named = files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let existing: Vec<PathBuf> = files
        .into_iter()
        .filter(|p| explicit.is_some() || p.exists())
        .collect();
    if existing.is_empty() {
        return Err(if from_variable {
            KubeconfigError::VariableNamesNothing { files: named }
        } else {
            KubeconfigError::NotFound
        });
    }
    let mut merged: Option<Kubeconfig> = None;
    for path in &existing {
        let next = read_one(path)?;
        merged = Some(match merged {
            None => next,
            Some(m) => m.merge(next).map_err(|e| KubeconfigError::Malformed {
                file: path.display().to_string(),
                reason: error_chain(&e),
            })?,
        });
    }
    Ok(Loaded {
        config: merged.expect("at least one file"),
        files: existing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = r#"
apiVersion: v1
kind: Config
current-context: prod-cluster
clusters:
- name: arn:aws:eks:eu-west-1:111122223333:cluster/prod-cluster
  cluster: {server: "https://example.eks.amazonaws.com"}
contexts:
- name: prod-cluster
  context: {cluster: "arn:aws:eks:eu-west-1:111122223333:cluster/prod-cluster", user: eks}
users:
- name: eks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, eu-west-1, eks, get-token, --cluster-name, prod-cluster, --output, json]
      env: [{name: AWS_PROFILE, value: numinia-admin}]
"#;

    #[test]
    fn merges_files_and_resolves_contexts_profiles_and_clusters() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, TWO).unwrap();
        let l = load(Some(&a)).unwrap();
        assert_eq!(l.contexts(&[]).unwrap(), ["prod-cluster"]);
        assert_eq!(
            l.aws_profile("prod-cluster").as_deref(),
            Some("numinia-admin")
        );
        assert_eq!(
            l.cluster_of("prod-cluster"),
            ClusterRef {
                name: "prod-cluster".into(),
                arn: Some("arn:aws:eks:eu-west-1:111122223333:cluster/prod-cluster".into()),
                account: Some("111122223333".into()),
                region: Some("eu-west-1".into())
            }
        );
        let e = l.contexts(&["forge-prod".into()]).unwrap_err().to_string();
        assert!(
            e.contains("\"forge-prod\"")
                && e.contains("prod-cluster")
                && e.contains(&a.display().to_string()),
            "{e}"
        );
    }

    #[test]
    fn a_malformed_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad-config");
        std::fs::write(&bad, "apiVersion: v1\nclusters: [oops\n").unwrap();
        let e = load(Some(&bad)).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("kubeconfig {}:", bad.display())),
            "{e}"
        );
    }
}
