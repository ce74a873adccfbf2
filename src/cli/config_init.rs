//! `opsdeck config init [--force]`: writes a commented config.toml from what the machine
//! already has — the kubeconfig's contexts (EKS ones recognised by their cluster ARN or their
//! `aws eks get-token` plugin) and the profiles of the AWS config (SSO, assume-role, credential
//! process, static keys) with their regions — asking nothing it can read. It never replaces a
//! file without `--force`, and prints what it wrote. Secrets are never read into it: a profile
//! with keys says "static keys", not which.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::backend::kube::kubeconfig::{self, Loaded, arg_after};
use crate::config::paths;

/// An AWS profile, as far as the config needs it.
#[derive(Debug, Default)]
pub struct Profile {
    pub name: String,
    pub region: Option<String>,
    /// "SSO (session corp, account 111122223333, role ReadOnly)", "assumes arn:… from base".
    pub how: String,
}

/// A kube context, as far as the config needs it.
#[derive(Debug)]
struct Context {
    name: String,
    /// "EKS eks-prod-use1, account 111122223333, us-east-1, profile helpdev-prod" or the server.
    about: String,
    /// For EKS contexts: the profile their plugin uses and the cluster's region.
    profile: Option<String>,
    region: Option<String>,
}

pub fn run(path: Option<&Path>, force: bool) -> ExitCode {
    let Some(path) = path.map(Path::to_path_buf).or_else(paths::config_file) else {
        return super::fail("cannot find a config directory; name the file with --config PATH");
    };
    // Read errors are the config's to report, not a reason to write half of it.
    let kube = match kubeconfig::load(None) {
        Ok(k) => Some(k),
        Err(kubeconfig::KubeconfigError::NotFound) => None,
        Err(e) => return super::fail(format!("{e}; fix it, or set KUBECONFIG, then run again")),
    };
    let (profiles, aws_files) = match aws_profiles() {
        Ok(p) => p,
        Err(e) => return super::fail(e),
    };
    let text = render(kube.as_ref(), &profiles, &aws_files);
    if let Some(dir) = path.parent()
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        return super::fail(format!("{}: {e}", dir.display()));
    }
    // --force replaces the file, never what a link names.
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return super::fail(format!(
            "{} is a symbolic link; nothing written (opsdeck does not write through links)",
            path.display()
        ));
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let written = options
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    match written {
        Ok(()) => {
            print!("{text}");
            eprintln!("opsdeck: wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => super::fail(format!(
            "{} exists; nothing written (--force replaces it)",
            path.display()
        )),
        Err(e) => super::fail(format!("{}: {e}", path.display())),
    }
}

/// The profiles of the AWS config and credentials files (as the SDK reads them: AWS_CONFIG_FILE,
/// AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/), and those files' names.
fn aws_profiles() -> Result<(Vec<Profile>, Vec<String>), String> {
    let set = crate::backend::aws::profiles::profile_set()?;
    let home = std::env::var("HOME").unwrap_or_default();
    let file = |var: &str, default: &str| {
        std::env::var(var).unwrap_or_else(|_| format!("{home}/.aws/{default}"))
    };
    let files = vec![
        file("AWS_CONFIG_FILE", "config"),
        file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ];
    let mut names: Vec<&str> = set.profiles().collect();
    names.sort();
    let profiles = names
        .into_iter()
        .filter_map(|name| {
            let p = set.get_profile(name)?;
            let get = |k: &str| p.get(k).map(str::to_string);
            let how = if let Some(session) = get("sso_session") {
                format!(
                    "SSO (session {session}, account {}, role {})",
                    get("sso_account_id").unwrap_or_else(|| "?".into()),
                    get("sso_role_name").unwrap_or_else(|| "?".into())
                )
            } else if get("sso_start_url").is_some() {
                format!(
                    "SSO, legacy (account {}, role {})",
                    get("sso_account_id").unwrap_or_else(|| "?".into()),
                    get("sso_role_name").unwrap_or_else(|| "?".into())
                )
            } else if let Some(role) = get("role_arn") {
                let from = get("source_profile")
                    .map(|s| format!("profile {s}"))
                    .or_else(|| get("credential_source"))
                    .unwrap_or_else(|| "?".into());
                format!("assumes {role} from {from}")
            } else if get("credential_process").is_some() {
                "a credential_process".to_string()
            } else if get("aws_access_key_id").is_some() {
                "static keys".to_string()
            } else {
                "no credentials of its own".to_string()
            };
            Some(Profile {
                name: name.to_string(),
                region: get("region"),
                how,
            })
        })
        .collect();
    Ok((profiles, files))
}

fn contexts(kube: &Loaded) -> Vec<Context> {
    kube.config
        .contexts
        .iter()
        .map(|c| {
            let name = c.name.clone();
            let cluster = kube.cluster_of(&name);
            let profile = kube.aws_profile(&name);
            let ctx = c.context.as_ref();
            // An EKS context without an ARN: its plugin is `aws eks get-token`.
            let exec_args = kube
                .exec_of(&name)
                .map(|e| e.args.clone().unwrap_or_default())
                .filter(|args| {
                    args.windows(2)
                        .any(|w| w[0] == "eks" && w[1] == "get-token")
                });
            let server = ctx
                .and_then(|ctx| kube.config.clusters.iter().find(|k| k.name == ctx.cluster))
                .and_then(|k| k.cluster.as_ref()?.server.clone())
                .unwrap_or_default();
            let (eks_name, region, account) = match (&cluster.arn, &exec_args) {
                (Some(_), _) => (Some(cluster.name.clone()), cluster.region, cluster.account),
                (None, Some(args)) => (
                    arg_after(args, "--cluster-name").or_else(|| arg_after(args, "--cluster-id")),
                    arg_after(args, "--region"),
                    None,
                ),
                _ => (None, None, None),
            };
            let about = match &eks_name {
                Some(eks) => {
                    let mut a = format!("EKS {eks}");
                    for (label, part) in [
                        ("account ", &account),
                        ("", &region),
                        ("profile ", &profile),
                    ] {
                        if let Some(part) = part {
                            let _ = write!(a, ", {label}{part}");
                        }
                    }
                    a
                }
                None if server.is_empty() => "no server".to_string(),
                None => server,
            };
            Context {
                name,
                about,
                profile: eks_name.as_ref().and(profile),
                region,
            }
        })
        .collect()
}

/// Text for a `# …` comment: one line, no control characters (a kubeconfig's values could
/// otherwise end the comment and write settings).
fn comment(text: &str) -> String {
    crate::text::terminal_safe(&crate::text::one_line(text)).replace(['\r', '\n'], " ")
}

/// A TOML string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// "eu-west-1", "us-gov-east-1": lower-case words and a number, joined by dashes.
fn is_region_shaped(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// Whether a name says production (a guess the comments own up to).
fn looks_like_production(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == "prod" || w == "production" || w == "prd")
}

/// The config file's text.
pub fn render(kube: Option<&Loaded>, profiles: &[Profile], aws_files: &[String]) -> String {
    let mut t = String::new();
    t.push_str(
        "# opsdeck's configuration, written by `opsdeck config init` from what this machine has.\n",
    );
    t.push_str(
        "# Every key is optional; docs/configuration.md describes them all. opsdeck is read-only\n",
    );
    t.push_str("# unless `write = true` or `--write`. Run `opsdeck doctor` to check every source below.\n\n");
    let contexts = kube.map(contexts).unwrap_or_default();
    match kube {
        Some(k) => {
            let files: Vec<String> = k.files.iter().map(|f| f.display().to_string()).collect();
            let _ = writeln!(
                t,
                "[kube]\n# The contexts of {}, each its own source.",
                comment(&files.join(", "))
            );
            t.push_str("contexts = [\n");
            for c in &contexts {
                if c.name.trim().is_empty() {
                    t.push_str("    # (a context with no name is left out)\n");
                    continue;
                }
                let _ = writeln!(t, "    {},  # {}", quoted(&c.name), comment(&c.about));
            }
            t.push_str("]\n");
            let prod: Vec<String> = contexts
                .iter()
                .filter(|c| looks_like_production(&c.name))
                .map(|c| quoted(&c.name))
                .collect();
            t.push_str("# Writes from the TUI on these need the context's name typed (guessed from the names:\n");
            t.push_str("# check them).\n");
            let _ = writeln!(t, "protected = [{}]\n", prod.join(", "));
        }
        None => t.push_str("[kube]\n# No kubeconfig found (KUBECONFIG, ~/.kube/config): no kube context is watched.\nenabled = false\n\n"),
    }
    if profiles.is_empty() {
        let _ = writeln!(
            t,
            "[aws]\n# No AWS profile found in {}: no account is watched.\nenabled = false",
            aws_files.join(" or ")
        );
        return t;
    }
    // The regions an account watches: its profile's, and those of the EKS contexts using it.
    let mut regions: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for p in profiles {
        let list = regions.entry(&p.name).or_default();
        // A region as AWS names them ("eu-west-1"), not whatever the file holds.
        list.extend(p.region.clone().filter(|r| is_region_shaped(r)));
    }
    for c in &contexts {
        if let (Some(profile), Some(region)) = (&c.profile, &c.region)
            && is_region_shaped(region)
            && let Some(list) = regions.get_mut(profile.as_str())
            && !list.contains(region)
        {
            list.push(region.clone());
        }
    }
    let _ = writeln!(
        t,
        "# The profiles of {}, one account each:\n# remove those opsdeck should not watch.",
        aws_files.join(" and ")
    );
    for p in profiles {
        let list = &regions[p.name.as_str()];
        let _ = writeln!(t, "\n[[accounts]]");
        let _ = writeln!(t, "name = {}", quoted(&p.name));
        let _ = writeln!(t, "profile = {}  # {}", quoted(&p.name), comment(&p.how));
        let list: Vec<String> = list.iter().map(|r| quoted(r)).collect();
        if list.is_empty() {
            t.push_str(
                "regions = []  # none in the profile: add the regions to watch (doctor says so)\n",
            );
        } else {
            let _ = writeln!(t, "regions = [{}]", list.join(", "));
        }
        if looks_like_production(&p.name) {
            t.push_str(
                "environment = \"prod\"  # guessed from the name: its writes need the name typed\n",
            );
        } else {
            t.push_str("# environment = \"prod\"  # production: its writes need the name typed\n");
        }
    }
    t.push_str("\n[aws]\n# Route53 zones (names or ids) whose failover, latency and weighted records show on the regions.\n# hosted_zones = [\"example.com\"]\n");
    t
}
