//! The AWS config and credentials files as the SDK reads them, and what renews a profile's
//! credentials by how the profile gets them: `aws sso login` only for an SSO profile (said to
//! a static-keys profile it sends the engineer the wrong way at 3 a.m.), the source profile's
//! renewal for an assumed role, the credential process itself, `aws configure` for keys.

use std::sync::OnceLock;

use aws_config::profile::{Profile, ProfileSet};

/// The AWS config and credentials files as the SDK reads them (`AWS_CONFIG_FILE`,
/// `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/…`).
pub fn profile_set() -> Result<ProfileSet, String> {
    use aws_runtime::env_config::file::EnvConfigFiles;
    use aws_types::os_shim_internal::{Env, Fs};
    // The SDK's reader is async (it reads through its Fs); a small runtime of its own, so that
    // callers inside and outside one can use it.
    std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| e.to_string())?;
        runtime
            .block_on(aws_config::profile::load(
                &Fs::real(),
                &Env::real(),
                &EnvConfigFiles::default(),
                None,
            ))
            .map_err(|e| format!("the AWS config: {e}"))
    })
    .join()
    .map_err(|_| "reading the AWS config panicked".to_string())?
}

/// The files read once per process: a renewal hint is asked for on every failing poll.
fn cached() -> Option<&'static ProfileSet> {
    static SET: OnceLock<Option<ProfileSet>> = OnceLock::new();
    SET.get_or_init(|| profile_set().ok()).as_ref()
}

/// The command that renews the credentials of `profile` (the default chain's when `None`).
pub fn renew_command(profile: Option<&str>) -> String {
    match profile {
        Some(p) => renewal(cached(), p, 0),
        None => "aws sso login, or set AWS_PROFILE / run aws configure".into(),
    }
}

/// How `name` renews in `set`; `depth` stops a source_profile loop.
fn renewal(set: Option<&ProfileSet>, name: &str, depth: usize) -> String {
    let sso = format!("aws sso login --profile {name}");
    // No files, or none that can be read: nothing to tell the profile by, and SSO is what teams
    // on EKS mostly use.
    let Some(set) = set.filter(|s| s.profiles().next().is_some()) else {
        return sso;
    };
    let Some(p) = set.get_profile(name) else {
        return format!(
            "profile {name} is not in the AWS config files: add it (aws configure sso --profile {name}) or fix the profile's name"
        );
    };
    match how(p) {
        How::Sso => sso,
        How::Assumed(Some(source)) if depth < 4 && source != name => {
            let inner = renewal(Some(set), &source, depth + 1);
            format!("{inner} (profile {name} assumes its role from {source})")
        }
        How::Assumed(_) => {
            format!("renew the credentials profile {name} assumes its role with, then retry")
        }
        How::Process(cmd) => {
            format!("run profile {name}'s credential_process ({cmd}) and fix what it says")
        }
        How::Keys => format!("aws configure --profile {name} (its access keys were refused)"),
    }
}

enum How {
    Sso,
    /// A role assumed from a source profile (or a credential_source).
    Assumed(Option<String>),
    Process(String),
    Keys,
}

fn how(p: &Profile) -> How {
    if p.get("sso_session").is_some() || p.get("sso_start_url").is_some() {
        How::Sso
    } else if p.get("role_arn").is_some() {
        How::Assumed(p.get("source_profile").map(str::to_string))
    } else if let Some(cmd) = p.get("credential_process") {
        How::Process(cmd.to_string())
    } else {
        How::Keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A profile set from a config file's text, as the SDK parses it.
    fn set(config: &str) -> ProfileSet {
        use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
        use aws_types::os_shim_internal::{Env, Fs};
        let fs = Fs::from_slice(&[("/c", config)]);
        let files = EnvConfigFiles::builder()
            .with_file(EnvConfigFileKind::Config, "/c")
            .build();
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(aws_config::profile::load(
                &fs,
                &Env::from_slice(&[]),
                &files,
                None,
            ))
            .unwrap()
    }

    #[test]
    fn each_kind_of_profile_renews_its_own_way() {
        let s = set(
            "[profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\n\
             [sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n\
             [profile keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n\
             [profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = sso\n\
             [profile proc]\ncredential_process = vault-aws creds\n\
             [profile loop]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = loop\n",
        );
        let s = Some(&s);
        assert_eq!(renewal(s, "sso", 0), "aws sso login --profile sso");
        assert_eq!(
            renewal(s, "keys", 0),
            "aws configure --profile keys (its access keys were refused)"
        );
        assert_eq!(
            renewal(s, "role", 0),
            "aws sso login --profile sso (profile role assumes its role from sso)"
        );
        assert!(renewal(s, "proc", 0).contains("credential_process (vault-aws creds)"));
        assert!(renewal(s, "loop", 0).starts_with("renew the credentials profile loop assumes"));
        assert!(
            renewal(s, "unknown", 0).starts_with("profile unknown is not in the AWS config files")
        );
        assert_eq!(renewal(None, "any", 0), "aws sso login --profile any");
        assert_eq!(
            renewal(Some(&set("")), "any", 0),
            "aws sso login --profile any"
        );
    }
}
