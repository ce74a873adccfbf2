//! Exec credential plugins (`aws eks get-token`, `kubelogin`), run by opsdeck itself rather than
//! by kube-rs. kube-rs runs a plugin synchronously inside the client, with the terminal as its
//! stdin and stderr, and with no way to stop it: a plugin that hangs would hold a worker thread
//! and outlive opsdeck, and one that writes to the terminal would draw over the TUI. Here a
//! plugin runs as a child of its own process group with no stdin, its output captured, killed
//! when its time is up or opsdeck exits; its token reaches the requests through a header that
//! a refresher renews before the token expires, so a watch never relists for a new token.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use http::header::{AUTHORIZATION, HeaderValue};
use jiff::Timestamp;
use kube::config::ExecConfig;
use serde::Deserialize;

use super::errors::Failure;
use crate::text::{one_line, shorten};

/// The plugins running now, by process id: killed when opsdeck exits, whatever is running.
static LIVE: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

/// Kills every plugin still running (their process groups): called once on the way out.
pub fn kill_running_plugins() {
    let live = std::mem::take(&mut *LIVE.lock().unwrap_or_else(|e| e.into_inner()));
    for pid in live {
        // Each plugin leads its own process group: the group takes its children with it.
        if let Ok(pid) = i32::try_from(pid) {
            // SAFETY: kill(2) with a negative pid signals a process group; it touches no memory.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
}

/// What a plugin answered: a bearer token, or a client certificate and key, and until when.
#[derive(Clone)]
pub struct Credential {
    pub token: Option<String>,
    pub client_certificate_data: Option<String>,
    pub client_key_data: Option<String>,
    pub expires: Option<Timestamp>,
}

impl std::fmt::Debug for Credential {
    /// Never the token or the key: only what they are.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("token", &self.token.as_ref().map(|_| "…"))
            .field(
                "client_certificate",
                &self.client_certificate_data.is_some(),
            )
            .field("expires", &self.expires)
            .finish()
    }
}

#[derive(Deserialize)]
struct ExecCredential {
    status: Option<Status>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    expiration_timestamp: Option<String>,
    token: Option<String>,
    client_certificate_data: Option<String>,
    client_key_data: Option<String>,
}

/// Runs the plugin once, for at most `timeout`; the failure says which command, its exit
/// status and its own words on stderr (one line, no control characters), and how to renew.
pub async fn run(
    exec: &ExecConfig,
    timeout: Duration,
    renew_hint: &str,
) -> Result<Credential, Failure> {
    let command = exec.command.clone().unwrap_or_default();
    if command.is_empty() {
        return Err(Failure::Auth(
            "the user's exec section names no command (users[].user.exec.command)".into(),
        ));
    }
    let mut cmd = tokio::process::Command::new(&command);
    cmd.args(exec.args.iter().flatten())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    for var in exec.env.iter().flatten() {
        if let (Some(name), Some(value)) = (var.get("name"), var.get("value")) {
            cmd.env(name, value);
        }
    }
    for name in exec.drop_env.iter().flatten() {
        cmd.env_remove(name);
    }
    // What client-go tells a plugin: never interactive, opsdeck owns the terminal.
    let api_version = exec
        .api_version
        .as_deref()
        .unwrap_or("client.authentication.k8s.io/v1beta1");
    cmd.env(
        "KUBERNETES_EXEC_INFO",
        serde_json::json!({"apiVersion": api_version, "kind": "ExecCredential",
                           "spec": {"interactive": false}})
        .to_string(),
    );
    let child = cmd.spawn().map_err(|e| {
        Failure::Auth(if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "the credential plugin {command} is not installed or not on PATH (users[].user.exec.command in the kubeconfig)"
            )
        } else {
            format!("the credential plugin {command} could not start: {e}")
        })
    })?;
    let pid = child.id();
    if let Some(pid) = pid {
        LIVE.lock().unwrap_or_else(|e| e.into_inner()).insert(pid);
    }
    let outcome = tokio::time::timeout(timeout, child.wait_with_output()).await;
    if let Some(pid) = pid {
        LIVE.lock().unwrap_or_else(|e| e.into_inner()).remove(&pid);
    }
    // On a timeout the child was dropped with the future: kill_on_drop has killed it.
    let output = match outcome {
        Err(_) => {
            return Err(Failure::Auth(format!(
                "the credential plugin {command} did not answer within {} s and was stopped{renew_hint}",
                timeout.as_secs()
            )));
        }
        Ok(Err(e)) => {
            return Err(Failure::Auth(format!(
                "the credential plugin {command} failed: {e}{renew_hint}"
            )));
        }
        Ok(Ok(output)) => output,
    };
    if !output.status.success() {
        let exit = output
            .status
            .code()
            .map(|c| format!(" (exit {c})"))
            .unwrap_or_else(|| " (killed by a signal)".into());
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said: Vec<String> = stderr
            .lines()
            .map(one_line)
            .filter(|l| !l.is_empty())
            .collect();
        // The last lines: a plugin's conclusion comes after its progress.
        let tail = said[said.len().saturating_sub(3)..].join(" / ");
        let said = if tail.is_empty() {
            String::new()
        } else {
            format!(": {}", shorten(&tail, 300))
        };
        return Err(Failure::Auth(format!(
            "the credential plugin {command} failed{exit}{said}{renew_hint}"
        )));
    }
    parse(&output.stdout).map_err(|why| {
        Failure::Auth(format!(
            "the credential plugin {command} printed no ExecCredential ({why}){renew_hint}"
        ))
    })
}

/// An ExecCredential as JSON, or as YAML as client-go also accepts.
fn parse(stdout: &[u8]) -> Result<Credential, String> {
    let text = String::from_utf8_lossy(stdout);
    let parsed: ExecCredential = serde_json::from_str(&text)
        .or_else(|_| serde_saphyr::from_str(&text))
        .map_err(|e| shorten(&one_line(&e.to_string()), 160))?;
    let status = parsed
        .status
        .ok_or_else(|| "it has no status".to_string())?;
    let credential = Credential {
        token: status.token.filter(|t| !t.is_empty()),
        client_certificate_data: status.client_certificate_data,
        client_key_data: status.client_key_data,
        expires: status
            .expiration_timestamp
            .as_deref()
            .and_then(|t| t.parse().ok()),
    };
    if credential.token.is_none()
        && (credential.client_certificate_data.is_none() || credential.client_key_data.is_none())
    {
        return Err("its status has no token and no client certificate".into());
    }
    Ok(credential)
}

/// The bearer token the requests of one context carry, renewed in place.
#[derive(Clone)]
pub struct TokenCell(Arc<RwLock<Option<HeaderValue>>>);

impl TokenCell {
    pub fn new(token: &str) -> TokenCell {
        let cell = TokenCell(Arc::new(RwLock::new(None)));
        cell.set(token);
        cell
    }

    pub fn set(&self, token: &str) {
        let value = HeaderValue::from_str(&format!("Bearer {token}"))
            .ok()
            .map(|mut v| {
                v.set_sensitive(true);
                v
            });
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = value;
    }

    /// A layer for the client's stack that sets `Authorization` on every request.
    pub fn layer(
        &self,
    ) -> tower::util::MapRequestLayer<
        impl Fn(http::Request<kube::client::Body>) -> http::Request<kube::client::Body> + Clone + use<>,
    > {
        let cell = self.0.clone();
        tower::util::MapRequestLayer::new(move |mut req: http::Request<kube::client::Body>| {
            if let Some(v) = cell.read().unwrap_or_else(|e| e.into_inner()).clone() {
                req.headers_mut().insert(AUTHORIZATION, v);
            }
            req
        })
    }
}

/// When to ask the plugin again: a minute before the token expires (at least 10 s from now);
/// never for a token that does not expire.
pub fn renew_in(expires: Option<Timestamp>, now: Timestamp) -> Option<Duration> {
    let expires = expires?;
    let left = expires.as_second() - now.as_second() - 60;
    Some(Duration::from_secs(left.max(10) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_token_or_a_certificate_in_json_or_yaml() {
        let c = parse(br#"{"kind":"ExecCredential","status":{"token":"k8s-aws-v1.x","expirationTimestamp":"2026-11-25T12:15:00Z"}}"#).unwrap();
        assert_eq!(c.token.as_deref(), Some("k8s-aws-v1.x"));
        assert_eq!(c.expires, Some("2026-11-25T12:15:00Z".parse().unwrap()));
        let c = parse(
            b"kind: ExecCredential\nstatus:\n  clientCertificateData: C\n  clientKeyData: K\n",
        )
        .unwrap();
        assert!(c.token.is_none() && c.client_certificate_data.is_some());
        assert!(!format!("{c:?}").contains('K'), "no key in Debug");
    }

    #[test]
    fn an_answer_without_a_token_says_so() {
        let e = parse(br#"{"kind":"ExecCredential","status":{}}"#)
            .err()
            .unwrap();
        assert!(e.contains("no token"), "{e}");
        let e = parse(b"<<<not json>>>").err().unwrap();
        assert!(!e.is_empty());
        let e = parse(br#"{"kind":"ExecCredential"}"#).err().unwrap();
        assert!(e.contains("no status"), "{e}");
    }

    #[tokio::test]
    async fn a_plugin_that_overruns_is_stopped_and_killed() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let exec = ExecConfig {
            command: Some("sh".into()),
            args: Some(vec![
                "-c".into(),
                format!("echo $$ > {}; exec sleep 600", pidfile.display()),
            ]),
            ..ExecConfig::default()
        };
        let e = run(&exec, Duration::from_millis(500), "")
            .await
            .unwrap_err();
        assert!(
            e.reason()
                .contains("did not answer within 0 s and was stopped"),
            "{e:?}"
        );
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        let stat = format!("/proc/{}/stat", pid.trim());
        for _ in 0..100 {
            let state = std::fs::read_to_string(&stat).unwrap_or_default();
            if state.is_empty()
                || state
                    .rsplit(')')
                    .next()
                    .unwrap()
                    .trim_start()
                    .starts_with('Z')
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the plugin {pid} still runs");
    }

    #[tokio::test]
    async fn a_plugins_stderr_is_one_line_without_control_characters_ending_with_its_last_words() {
        let exec = ExecConfig {
            command: Some("sh".into()),
            args: Some(vec![
                "-c".into(),
                "printf 'progress 1\\nprogress 2\\n\\033[2J\\033]0;PWNED\\007error: token expired\\n' >&2; exit 3".into(),
            ]),
            ..ExecConfig::default()
        };
        let e = run(&exec, Duration::from_secs(10), "")
            .await
            .unwrap_err()
            .reason();
        assert!(
            e.contains("exit 3") && e.ends_with("error: token expired"),
            "{e}"
        );
        assert!(!e.chars().any(|c| c.is_control()), "{e:?}");
    }

    #[test]
    fn renews_a_minute_before_expiry() {
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let in_15 = Some("2026-11-25T12:15:00Z".parse().unwrap());
        assert_eq!(renew_in(in_15, now), Some(Duration::from_secs(14 * 60)));
        assert_eq!(renew_in(Some(now), now), Some(Duration::from_secs(10)));
        assert_eq!(renew_in(None, now), None);
    }
}
