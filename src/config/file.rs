//! The config file (`config.toml`). Missing is fine; malformed is an error naming the file, the
//! line and the key; a value toml accepts but opsdeck cannot use (an endpoint that is not a URL,
//! a mistyped region, two accounts of one name) is caught here too, before any source starts.

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
    /// `key` is the value's path, e.g. `accounts[1].endpoint_url`.
    #[error(
        "config file {path}: {key} = {value:?} is not a URL (expected http://host[:port] or https://host[:port])"
    )]
    NotAUrl {
        path: PathBuf,
        key: String,
        value: String,
    },
    /// A URL with `user:password@`: the SDK would not use it, and the password must not be echoed.
    #[error(
        "config file {path}: {key} = {redacted:?} carries a user or password before '@'; remove it (AWS credentials come from the account's profile)"
    )]
    UrlWithCredentials {
        path: PathBuf,
        key: String,
        /// The URL with everything before '@' in the authority replaced by `…`.
        redacted: String,
    },
    /// Account names become source names (`aws:<account>/<region>/<service>`) and header text.
    #[error(
        "config file {path}: accounts[{index}].name = {value:?} cannot name a source: use letters, digits, '-', '_' and '.', without spaces, '/' or control characters"
    )]
    BadAccountName {
        path: PathBuf,
        index: usize,
        value: String,
    },
    #[error(
        "config file {path}: kube.contexts[{index}] is blank; name a context of the kubeconfig"
    )]
    BlankContext { path: PathBuf, index: usize },
    #[error(
        "config file {path}: kube.protected[{index}] is blank; name a kube context whose writes need its name typed"
    )]
    BlankProtectedContext { path: PathBuf, index: usize },
    #[error("config file {path}: kube.kubeconfig = {value:?}: {problem}")]
    Kubeconfig {
        path: PathBuf,
        value: String,
        problem: String,
    },
    /// Accounts label rows and sources (`aws:<account>/…`): two of one name would be one.
    #[error(
        "config file {path}: accounts[{index}].name = {name:?} repeats accounts[{first}].name; account names must be unique"
    )]
    DuplicateAccount {
        path: PathBuf,
        index: usize,
        first: usize,
        name: String,
    },
    #[error(
        "config file {path}: accounts[{index}].name = {value:?} is blank; every account needs a name (it labels rows and sources)"
    )]
    EmptyAccountName {
        path: PathBuf,
        index: usize,
        value: String,
    },
    /// `key` is e.g. `accounts[0].regions[1]`; `hint` is the closest known region or the list.
    #[error("config file {path}: {key} = {value:?} is not an AWS region; {hint}")]
    UnknownRegion {
        path: PathBuf,
        key: String,
        value: String,
        hint: String,
    },
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

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KubeConfig {
    /// `false` turns the kube side off (no contexts, not even the kubeconfig's current one), for
    /// users of AWS only.
    #[serde(default = "default_enabled")]
    pub enabled: bool,
    /// Contexts to watch; empty means the kubeconfig's current context.
    #[serde(default)]
    pub contexts: Vec<String>,
    /// Overrides `KUBECONFIG`.
    pub kubeconfig: Option<PathBuf>,
    /// Contexts whose writes from the TUI need the context's name typed, not just `y`
    /// (production clusters). A context listed here need not be in `contexts`.
    #[serde(default)]
    pub protected: Vec<String>,
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
    /// "prod", "staging"…: runbooks refuse some operations on production, and a write from the
    /// TUI on a "prod" or "production" account needs its name typed, not just `y`.
    pub environment: Option<String>,
    /// Another endpoint for every AWS service of this account (LocalStack, moto). The
    /// `AWS_ENDPOINT_URL` variable works too.
    pub endpoint_url: Option<String>,
    /// A write from the TUI on this account needs its name typed, not just `y`.
    #[serde(default)]
    pub protected: bool,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    /// `false` turns the AWS side off (no accounts, not even the ambient credentials), for users
    /// of Kubernetes only.
    #[serde(default = "default_enabled")]
    pub enabled: bool,
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

fn default_enabled() -> bool {
    true
}

fn default_poll() -> u64 {
    30
}

fn default_fast_poll() -> u64 {
    15
}

impl Default for KubeConfig {
    fn default() -> Self {
        KubeConfig {
            enabled: default_enabled(),
            contexts: Vec::new(),
            kubeconfig: None,
            protected: Vec::new(),
        }
    }
}

impl Default for AwsConfig {
    fn default() -> Self {
        AwsConfig {
            enabled: default_enabled(),
            poll_seconds: default_poll(),
            fast_poll_seconds: default_fast_poll(),
            hosted_zones: Vec::new(),
        }
    }
}

/// A path the config names, as the shell would read it from the config's own folder: `~/` is
/// the home directory, and a relative path is relative to the config file (not to wherever
/// opsdeck was started).
fn resolve(value: &Path, config: &Path) -> PathBuf {
    if let (Ok(rest), Some(home)) = (value.strip_prefix("~"), std::env::var_os("HOME")) {
        return PathBuf::from(home).join(rest);
    }
    if value.is_relative() && !value.as_os_str().is_empty() {
        let dir = config.parent().unwrap_or(Path::new("."));
        return dir.join(value);
    }
    value.to_path_buf()
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
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        config.validate(path)?;
        config.validate_kube(path)?;
        config.gitops_repo = config.gitops_repo.map(|repo| resolve(&repo, path));
        Ok(config)
    }

    /// The checks toml's types cannot make; the first mistake, in file order, is the error.
    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let file = || path.to_path_buf();
        for (i, account) in self.accounts.iter().enumerate() {
            if account.name.trim().is_empty() {
                return Err(ConfigError::EmptyAccountName {
                    path: file(),
                    index: i,
                    value: account.name.clone(),
                });
            }
            if let Some(first) = self.accounts[..i]
                .iter()
                .position(|a| a.name.trim() == account.name.trim())
            {
                return Err(ConfigError::DuplicateAccount {
                    path: file(),
                    index: i,
                    first,
                    name: account.name.clone(),
                });
            }
            if !is_source_label(&account.name) {
                return Err(ConfigError::BadAccountName {
                    path: file(),
                    index: i,
                    value: account.name.clone(),
                });
            }
            if let Some(redacted) = account.endpoint_url.as_deref().and_then(without_userinfo) {
                return Err(ConfigError::UrlWithCredentials {
                    path: file(),
                    key: format!("accounts[{i}].endpoint_url"),
                    redacted,
                });
            }
            if let Some(url) = account.endpoint_url.as_deref().filter(|u| !is_http_url(u)) {
                return Err(ConfigError::NotAUrl {
                    path: file(),
                    key: format!("accounts[{i}].endpoint_url"),
                    value: url.to_string(),
                });
            }
            for (j, region) in account.regions.iter().enumerate() {
                if !AWS_REGIONS.contains(&region.as_str()) {
                    let hint = match closest_region(region) {
                        Some(known) => format!("did you mean {known}?"),
                        None => format!("known regions: {}", AWS_REGIONS.join(", ")),
                    };
                    return Err(ConfigError::UnknownRegion {
                        path: file(),
                        key: format!("accounts[{i}].regions[{j}]"),
                        value: region.clone(),
                        hint,
                    });
                }
            }
        }
        Ok(())
    }

    /// The kube checks: no blank context (watched or protected), and a kubeconfig path that
    /// exists (a leading `~/` is the home directory, as a shell would read it).
    fn validate_kube(&mut self, path: &Path) -> Result<(), ConfigError> {
        if let Some(index) = self.kube.contexts.iter().position(|c| c.trim().is_empty()) {
            return Err(ConfigError::BlankContext {
                path: path.to_path_buf(),
                index,
            });
        }
        if let Some(index) = self.kube.protected.iter().position(|c| c.trim().is_empty()) {
            return Err(ConfigError::BlankProtectedContext {
                path: path.to_path_buf(),
                index,
            });
        }
        let Some(kc) = self.kube.kubeconfig.clone() else {
            return Ok(());
        };
        let value = kc.display().to_string();
        let problem = |problem: &str| ConfigError::Kubeconfig {
            path: path.to_path_buf(),
            value: value.clone(),
            problem: problem.to_string(),
        };
        if value.trim().is_empty() {
            return Err(problem(
                "is empty; remove the key to use KUBECONFIG or ~/.kube/config",
            ));
        }
        let expanded = resolve(&kc, path);
        if self.kube.enabled && !expanded.exists() {
            return Err(problem(&format!("{} does not exist", expanded.display())));
        }
        self.kube.kubeconfig = Some(expanded);
        Ok(())
    }

    /// Whether any real source (kube context or AWS account) is configured.
    pub fn has_sources(&self) -> bool {
        !self.kube.contexts.is_empty() || !self.accounts.is_empty()
    }

    /// Whether a write from the TUI on `account` (an `[[accounts]]` name) needs the account's
    /// name typed: it says `protected = true`, or its `environment` is "prod" or "production".
    pub fn is_protected_account(&self, account: &str) -> bool {
        self.accounts.iter().any(|a| {
            a.name == account
                && (a.protected || a.environment.as_deref().is_some_and(is_production))
        })
    }

    /// Whether a write from the TUI on kube `context` needs the context's name typed
    /// (`[kube] protected`).
    pub fn is_protected_context(&self, context: &str) -> bool {
        self.kube.protected.iter().any(|c| c == context)
    }
}

/// "prod" or "production", whatever the case and surrounding spaces.
fn is_production(environment: &str) -> bool {
    let e = environment.trim();
    e.eq_ignore_ascii_case("prod") || e.eq_ignore_ascii_case("production")
}

/// The region codes of the AWS partitions the SDK resolves (commercial, China, GovCloud and the
/// European Sovereign Cloud), as in its partition table. A region AWS opens later needs a line
/// here.
const AWS_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "eusc-de-east-1",
];

/// Whether `value` is a region code of an AWS partition the SDK resolves.
pub fn is_aws_region(value: &str) -> bool {
    AWS_REGIONS.contains(&value)
}

/// The known region within two edits of `value` (case and surrounding spaces aside), the first
/// of the nearest.
pub fn closest_region(value: &str) -> Option<&'static str> {
    let value = value.trim().to_ascii_lowercase();
    AWS_REGIONS
        .iter()
        .map(|known| (edit_distance(&value, known), *known))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// Levenshtein distance: insertions, deletions and substitutions, one each.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// `http(s)://host[:port]`, then any path: what the SDK's endpoint override takes. The host is
/// a name, an IPv4 address or a bracketed IPv6 one; no user info, no spaces.
/// A name that can stand in a source name and a header as it is.
fn is_source_label(name: &str) -> bool {
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `url` with its `user:password@` replaced by `…@`, when it has one.
fn without_userinfo(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@')?;
    Some(format!("{scheme}://…@{}", &rest[at + 1..]))
}

fn is_http_url(url: &str) -> bool {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return false;
    }
    let authority = rest.find(['/', '?', '#']).map_or(rest, |end| &rest[..end]);
    let (host_ok, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let Some((ip, after)) = bracketed.split_once(']') else {
                return false;
            };
            let port = match after.strip_prefix(':') {
                Some(port) => Some(port),
                None if after.is_empty() => None,
                None => return false,
            };
            (is_ipv6_literal(ip), port)
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (is_host_name(host), Some(port)),
            None => (is_host_name(authority), None),
        },
    };
    host_ok && port.is_none_or(is_port)
}

fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        && !host.starts_with(['.', '-'])
        && !host.contains("..")
}

fn is_ipv6_literal(ip: &str) -> bool {
    ip.contains(':')
        && ip
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.'))
}

/// 1 to 65535, digits only.
fn is_port(port: &str) -> bool {
    !port.is_empty()
        && port.chars().all(|c| c.is_ascii_digit())
        && port.parse::<u16>().is_ok_and(|n| n > 0)
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
    fn paths_are_read_from_the_configs_folder_and_home() {
        let parse = |repo: &str| {
            Config::parse(
                &format!("gitops_repo = {repo:?}\n"),
                Path::new("/etc/opsdeck/config.toml"),
            )
            .unwrap()
            .gitops_repo
            .unwrap()
        };
        assert_eq!(parse("/src/k8s"), PathBuf::from("/src/k8s"));
        assert_eq!(parse("repos/k8s"), PathBuf::from("/etc/opsdeck/repos/k8s"));
        assert_eq!(parse("../k8s"), PathBuf::from("/etc/opsdeck/../k8s"));
        let home = PathBuf::from(std::env::var_os("HOME").unwrap());
        assert_eq!(parse("~/src/k8s"), home.join("src/k8s"));
        // `~user` is not this user's home: left as written, relative to the config.
        assert_eq!(parse("~bob/k8s"), PathBuf::from("/etc/opsdeck/~bob/k8s"));
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

    fn error(text: &str) -> String {
        Config::parse(text, Path::new("/p/config.toml"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn each_side_can_be_turned_off_and_both_are_on_by_default() {
        let c = Config::parse(
            "[kube]\nenabled = false\n[aws]\nenabled = false\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert!(!c.kube.enabled && !c.aws.enabled);
        let c = Config::parse("[kube]\ncontexts = [\"a\"]\n[aws]\n", Path::new("c.toml")).unwrap();
        assert!(c.kube.enabled && c.aws.enabled);
        assert_eq!(c.aws, AwsConfig::default());
        let d = Config::default();
        assert!(d.kube.enabled && d.aws.enabled);
        assert_eq!(Config::parse("", Path::new("c.toml")).unwrap(), d);
    }

    #[test]
    fn an_endpoint_that_is_not_a_url_names_the_key_and_the_value() {
        let msg = error(
            "[[accounts]]\nname = \"a\"\nendpoint_url = \"http://127.0.0.1:5000\"\n\
             [[accounts]]\nname = \"b\"\nendpoint_url = \"localhost:5000\"\n",
        );
        assert_eq!(
            msg,
            "config file /p/config.toml: accounts[1].endpoint_url = \"localhost:5000\" is not a URL \
             (expected http://host[:port] or https://host[:port])"
        );
    }

    #[test]
    fn urls_are_http_or_https_with_a_host_and_an_optional_port() {
        for good in [
            "http://127.0.0.1:5000",
            "http://localhost:4566/",
            "https://s3.us-east-1.amazonaws.com",
            "HTTPS://moto.internal:443/path?x=1",
            "http://[::1]:5000",
            "http://[fe80::1]",
            "http://moto_server:65535",
        ] {
            assert!(is_http_url(good), "{good}");
        }
        for bad in [
            "localhost:5000",
            "ftp://x",
            "http://",
            "http:///path",
            "not a url",
            "http://host name",
            "http://host:",
            "http://host:0",
            "http://host:65536",
            "http://host:80a",
            "http://host:1:2",
            "http://user@host",
            "http://.host",
            "http://a..b",
            "http://[::1",
            "http://[::1]x",
            "http://[]:80",
            "",
        ] {
            assert!(!is_http_url(bad), "{bad}");
        }
    }

    #[test]
    fn two_accounts_of_one_name_are_an_error_naming_both() {
        let msg = error(
            "[[accounts]]\nname = \"phenom\"\n[[accounts]]\nname = \"helpdev\"\n\
             [[accounts]]\nname = \"phenom\"\nregions = [\"sa-east-1\"]\n",
        );
        assert_eq!(
            msg,
            "config file /p/config.toml: accounts[2].name = \"phenom\" repeats accounts[0].name; \
             account names must be unique"
        );
    }

    #[test]
    fn a_blank_account_name_is_an_error() {
        let msg = error("[[accounts]]\nname = \"\"\n");
        assert!(
            msg.starts_with("config file /p/config.toml: accounts[0].name = \"\" is blank"),
            "{msg}"
        );
        let msg = error("[[accounts]]\nname = \"ok\"\n[[accounts]]\nname = \"  \"\n");
        assert!(msg.contains("accounts[1].name = \"  \""), "{msg}");
    }

    #[test]
    fn an_unknown_region_suggests_the_closest_or_lists_them() {
        let msg = error("[[accounts]]\nname = \"a\"\nregions = [\"us-east-1\", \"us-east-7\"]\n");
        assert_eq!(
            msg,
            "config file /p/config.toml: accounts[0].regions[1] = \"us-east-7\" is not an AWS region; \
             did you mean us-east-1?"
        );
        let msg = error("[[accounts]]\nname = \"a\"\nregions = [\"mars-1\"]\n");
        assert!(
            msg.contains("regions[0] = \"mars-1\"")
                && msg.contains("known regions: us-east-1, us-east-2,")
                && msg.contains("us-gov-west-1"),
            "{msg}"
        );
        assert_eq!(closest_region("US-WEST-2"), Some("us-west-2"));
        assert_eq!(closest_region("eu-west-12"), Some("eu-west-1"));
        assert_eq!(closest_region("sa-east"), Some("sa-east-1"));
        assert_eq!(closest_region("europe"), None);
    }

    #[test]
    fn every_known_region_is_accepted_once() {
        let mut seen = std::collections::BTreeSet::new();
        for region in AWS_REGIONS {
            assert!(seen.insert(*region), "{region} twice");
            assert!(
                region
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{region}"
            );
        }
        let all = AWS_REGIONS
            .iter()
            .map(|r| format!("\"{r}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let c = Config::parse(
            &format!("[[accounts]]\nname = \"a\"\nregions = [{all}]\n"),
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.accounts[0].regions.len(), AWS_REGIONS.len());
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }

    #[test]
    fn protected_contexts_and_accounts_are_read_and_checked() {
        let c = Config::parse(
            r#"
[kube]
contexts = ["prod-cluster"]
protected = ["eks-prod-use1"]
[[accounts]]
name = "phenom"
protected = true
[[accounts]]
name = "helpdev-prod"
environment = "Production"
[[accounts]]
name = "helpdev-hml"
environment = "staging"
"#,
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.kube.protected, ["eks-prod-use1"]);
        assert!(c.is_protected_context("eks-prod-use1"));
        assert!(!c.is_protected_context("prod-cluster"));
        assert!(c.accounts[0].protected);
        assert!(c.is_protected_account("phenom"));
        assert!(
            c.is_protected_account("helpdev-prod"),
            "a production environment"
        );
        assert!(!c.is_protected_account("helpdev-hml"));
        assert!(!c.is_protected_account("nobody"));
        assert_eq!(c.accounts.len(), 3);

        let msg = error("[kube]\nprotected = [\"eks-prod-use1\", \" \"]\n");
        assert_eq!(
            msg,
            "config file /p/config.toml: kube.protected[1] is blank; name a kube context whose \
             writes need its name typed"
        );
        let msg = error("[[accounts]]\nname = \"a\"\nprotected = \"yes\"\n");
        assert!(msg.contains("line 3") && msg.contains("bool"), "{msg}");
        let msg = error("[[accounts]]\nname = \"a\"\nprotect = true\n");
        assert!(msg.contains("unknown field `protect`"), "{msg}");
    }

    #[test]
    fn a_missing_default_file_is_fine_but_a_named_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        let e = Config::load(Some(&missing)).unwrap_err();
        assert!(e.to_string().contains("nope.toml"));
    }
}
