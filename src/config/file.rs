//! The config file (`config.toml`). Missing is fine; malformed is an error naming the file, the
//! line and the key.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// toml's message carries the line, the column and the offending key.
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Shown in the header.
    pub fleet_name: Option<String>,
    /// A theme name (shipped or in the user themes directory) or a path to a theme file.
    pub theme: Option<String>,
    /// Allow write actions (reconcile, suspend, renew, runbook apply). Read-only by default.
    #[serde(default)]
    pub write: bool,
    /// A local clone of the GitOps repository, for runbooks.
    pub gitops_repo: Option<PathBuf>,
    #[serde(default)]
    pub kube: KubeConfig,
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub aws: AwsConfig,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KubeConfig {
    /// Contexts to watch; empty means the kubeconfig's current context.
    #[serde(default)]
    pub contexts: Vec<String>,
    /// Overrides `KUBECONFIG`.
    pub kubeconfig: Option<PathBuf>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// A label for rows and the header (e.g. "phenom").
    pub name: String,
    /// AWS profile; the default credential chain when absent.
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    /// "prod", "staging"…: runbooks refuse some operations on production.
    pub environment: Option<String>,
    /// Another endpoint for every AWS service of this account (LocalStack, moto). The
    /// `AWS_ENDPOINT_URL` variable works too.
    pub endpoint_url: Option<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    /// Seconds between two polls of EKS, RDS and Route53.
    #[serde(default = "default_poll")]
    pub poll_seconds: u64,
    /// Seconds between two polls of ECS and CloudWatch alarms.
    #[serde(default = "default_fast_poll")]
    pub fast_poll_seconds: u64,
    /// Route53 hosted zones whose failover and latency records are shown on the regions.
    #[serde(default)]
    pub hosted_zones: Vec<String>,
}

fn default_poll() -> u64 {
    30
}

fn default_fast_poll() -> u64 {
    15
}

impl Default for AwsConfig {
    fn default() -> Self {
        AwsConfig {
            poll_seconds: default_poll(),
            fast_poll_seconds: default_fast_poll(),
            hosted_zones: Vec::new(),
        }
    }
}

impl Config {
    /// Reads `path`, or the default location when `path` is `None`. Only an explicitly named file
    /// must exist.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match super::paths::config_file() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                Ok(Config::default())
            }
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })
    }

    /// Whether any real source (kube context or AWS account) is configured.
    pub fn has_sources(&self) -> bool {
        !self.kube.contexts.is_empty() || !self.accounts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_config_parses() {
        let c = Config::parse(
            r#"
fleet_name = "platform"
theme = "light"
write = true
gitops_repo = "/src/numinia-k8s"
[kube]
contexts = ["prod-cluster", "forge-prod"]
[[accounts]]
name = "phenom"
profile = "phenom-prod"
regions = ["us-east-1"]
environment = "prod"
"#,
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.kube.contexts.len(), 2);
        assert_eq!(c.accounts[0].profile.as_deref(), Some("phenom-prod"));
        assert!(c.write && c.has_sources());
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let e = Config::parse(
            "fleet_name = \"x\"\nthemee = \"light\"\n",
            Path::new("/etc/o.toml"),
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("config file /etc/o.toml:"), "{msg}");
        assert!(msg.contains("line 2"), "{msg}");
        assert!(msg.contains("themee"), "{msg}");
        let e = Config::parse("write = \"yes\"\n", Path::new("o.toml")).unwrap_err();
        assert!(
            e.to_string().contains("line 1") && e.to_string().contains("write"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_default_file_is_fine_but_a_named_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        let e = Config::load(Some(&missing)).unwrap_err();
        assert!(e.to_string().contains("nope.toml"));
    }
}
