//! One kube context: its client, discovery of what is installed, and a watcher per resource.

use std::time::Duration;

use kube::config::{ExecInteractiveMode, KubeConfigOptions, Kubeconfig};
use tokio::task::{JoinHandle, JoinSet};

use super::board::{Board, WatchState};
use super::errors::{Failure, classify};
use super::resources::{WATCHED, Watched};
use super::{namespaces, watch};
use crate::text::shorten;

/// How long a credential plugin (`aws eks get-token`, `kubelogin`) may take before this attempt
/// gives up on it: the context is then in error, saying so, and the next attempt waits for the
/// same plugin run instead of starting another.
pub const PLUGIN_TIMEOUT: Duration = Duration::from_secs(20);

/// A client build still running (its credential plugin has not answered).
pub type PendingClient = JoinHandle<Result<kube::Client, kube::Error>>;

/// Builds a client for `context` from the merged kubeconfig, for one-shot commands.
pub async fn client(kubeconfig: &Kubeconfig, context: &str) -> Result<kube::Client, String> {
    build(kubeconfig, context, None, true, &mut None)
        .await
        .map_err(|f| format!("context {context}: {}", f.reason()))
}

/// Builds a client off the async runtime: kube-rs runs an exec credential plugin synchronously
/// while it builds one, and a plugin that hangs must neither hold a worker thread (input and
/// rendering share them) nor keep opsdeck from exiting. The plugin never gets the terminal: it
/// runs non-interactive, so its stderr is captured and shown in the failure.
///
/// `client_retries`: kube-rs's client retries 429, 503 and 504 itself (up to 15 times, waiting
/// out Retry-After), which suits one request. A watcher turns those answers into its kind's
/// note at once and retries with its own backoff, so the console shows the trouble while it
/// lasts instead of a list that seems to hang.
pub async fn build(
    kubeconfig: &Kubeconfig,
    context: &str,
    aws_profile: Option<&str>,
    client_retries: bool,
    pending: &mut Option<PendingClient>,
) -> Result<kube::Client, Failure> {
    let plugin = plugin_command(kubeconfig, context)?;
    let mut handle = match pending.take() {
        Some(h) => h,
        None => {
            let mut kubeconfig = kubeconfig.clone();
            for user in &mut kubeconfig.auth_infos {
                if let Some(exec) = user.auth_info.as_mut().and_then(|a| a.exec.as_mut()) {
                    exec.interactive_mode = Some(ExecInteractiveMode::Never);
                }
            }
            let opts = KubeConfigOptions {
                context: Some(context.to_string()),
                ..Default::default()
            };
            let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &opts)
                .await
                .map_err(|e| Failure::Other(super::kubeconfig::error_chain(&e)))?;
            config.default_retry = client_retries;
            tokio::task::spawn_blocking(move || kube::Client::try_from(config))
        }
    };
    match tokio::time::timeout(PLUGIN_TIMEOUT, &mut handle).await {
        Ok(Ok(Ok(client))) => Ok(client),
        Ok(Ok(Err(e))) => Err(client_failure(&e, plugin.as_deref(), aws_profile)),
        Ok(Err(join)) => Err(Failure::Other(format!(
            "building the client failed: {join}"
        ))),
        Err(_) => {
            *pending = Some(handle);
            Err(Failure::Auth(format!(
                "the credential plugin {} did not answer within {} s{}",
                plugin.as_deref().unwrap_or("(none)"),
                PLUGIN_TIMEOUT.as_secs(),
                renew_hint(aws_profile)
            )))
        }
    }
}

/// The exec plugin command of the context's user, if it has one. A context whose user is not
/// in the kubeconfig is a mistake to name, not an unreachable server.
fn plugin_command(kubeconfig: &Kubeconfig, context: &str) -> Result<Option<String>, Failure> {
    let Some(user) = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.user.clone())
    else {
        return Ok(None);
    };
    let Some(info) = kubeconfig.auth_infos.iter().find(|a| a.name == user) else {
        let users: Vec<&str> = kubeconfig
            .auth_infos
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        return Err(Failure::Other(format!(
            "context {context} names user {user:?}, which is not in the kubeconfig (users there: {}); fix the context or run aws eks update-kubeconfig again",
            if users.is_empty() {
                "none".to_string()
            } else {
                users.join(", ")
            }
        )));
    };
    Ok(info
        .auth_info
        .as_ref()
        .and_then(|a| a.exec.as_ref())
        .and_then(|e| e.command.clone()))
}

/// A client that could not be built. A failed exec credential plugin (`aws eks get-token`) says
/// which command, its exit status, what it printed on stderr, and how to renew the session.
fn client_failure(e: &kube::Error, plugin: Option<&str>, aws_profile: Option<&str>) -> Failure {
    use kube::client::AuthError as A;
    let command = plugin.unwrap_or("(exec)");
    let kube::Error::Auth(auth) = e else {
        return Failure::Other(super::kubeconfig::error_chain(e));
    };
    let hint = renew_hint(aws_profile);
    Failure::Auth(match auth {
        A::AuthExecStart(io) if io.kind() == std::io::ErrorKind::NotFound => format!(
            "the credential plugin {command} is not installed or not on PATH (users[].user.exec.command in the kubeconfig)"
        ),
        A::AuthExecStart(io) => format!("the credential plugin {command} could not start: {io}"),
        A::AuthExecRun { out, .. } => {
            let exit = out
                .status
                .code()
                .map(|c| format!(" (exit {c})"))
                .unwrap_or_else(|| " (killed by a signal)".into());
            let stderr = String::from_utf8_lossy(&out.stderr);
            let said: Vec<&str> = stderr
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .take(3)
                .collect();
            let said = if said.is_empty() {
                String::new()
            } else {
                format!(": {}", shorten(&said.join(" / "), 300))
            };
            format!("the credential plugin {command} failed{exit}{said}{hint}")
        }
        A::AuthExecParse(p) => format!(
            "the credential plugin {command} printed no ExecCredential ({}){hint}",
            shorten(&p.to_string(), 200)
        ),
        other => format!("{}{hint}", super::kubeconfig::error_chain(other)),
    })
}

fn renew_hint(aws_profile: Option<&str>) -> String {
    match aws_profile {
        Some(p) => format!(" — if the AWS session expired, renew it: aws sso login --profile {p}"),
        None => " — renew this context's credentials and opsdeck reconnects".to_string(),
    }
}

/// Which watched resources the cluster serves. `Err` when the API server cannot be asked.
/// The API groups are asked all at once: over a VPN each question is a round trip.
async fn discover(
    client: &kube::Client,
    aws_profile: Option<&str>,
) -> Result<Vec<(Watched, bool)>, Failure> {
    let mut groups: Vec<&str> = WATCHED.iter().map(|w| w.api_version).collect();
    groups.dedup();
    let answers = futures_util::future::join_all(
        groups
            .iter()
            .map(|gv| async move { (*gv, client.list_api_group_resources(gv).await) }),
    )
    .await;
    let mut out = Vec::new();
    for (gv, answer) in answers {
        let served: Vec<String> = match answer {
            Ok(list) => list.resources.into_iter().map(|r| r.name).collect(),
            Err(e) => match classify(&e, aws_profile) {
                Failure::NotFound => Vec::new(),
                // Discovery forbidden: try to watch anyway, the watch will say what RBAC allows.
                Failure::Forbidden(_) => WATCHED
                    .iter()
                    .filter(|w| w.api_version == gv)
                    .map(|w| w.plural.to_string())
                    .collect(),
                other => return Err(other),
            },
        };
        for w in WATCHED.iter().filter(|w| w.api_version == gv) {
            out.push((*w, served.iter().any(|s| s == w.plural)));
        }
    }
    Ok(out)
}

/// Runs a context until the task is aborted: reconnects with backoff when the API server is
/// unreachable, then watches every installed resource. The board is announced by the caller,
/// before any task starts, so a snapshot knows every context it waits for.
pub async fn run(kubeconfig: Kubeconfig, board: Board, aws_profile: Option<String>) {
    let mut delay = Duration::from_millis(250);
    let mut pending = None;
    // Credentials may be renewed while opsdeck runs (aws sso login): keep trying.
    let client = loop {
        match build(
            &kubeconfig,
            &board.context,
            aws_profile.as_deref(),
            false,
            &mut pending,
        )
        .await
        {
            Ok(c) => break c,
            Err(failure) => {
                board.set_context_failure(Some(failure)).await;
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(60));
            }
        }
    };
    delay = Duration::from_millis(250);
    let available = loop {
        match discover(&client, aws_profile.as_deref()).await {
            Ok(a) => break a,
            Err(f) => {
                board.set_context_failure(Some(f)).await;
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(30));
            }
        }
    };
    board.set_context_failure(None).await;
    board.register(
        std::iter::once((crate::model::Kind::Organization, "namespaces")).chain(
            available
                .iter()
                .filter(|(_, installed)| *installed)
                .map(|(w, _)| (w.kind, w.plural)),
        ),
    );
    let mut tasks = JoinSet::new();
    // The version is for the cluster row only: the watchers do not wait for it.
    let (version_client, version_board) = (client.clone(), board.clone());
    tasks.spawn(async move {
        if let Ok(info) = version_client.apiserver_version().await {
            version_board
                .set_server_version(Some(info.git_version))
                .await;
        }
    });
    tasks.spawn(namespaces::run(
        client.clone(),
        board.clone(),
        aws_profile.clone(),
    ));
    for (watched, installed) in available {
        if installed {
            tasks.spawn(watch::run(
                client.clone(),
                watched,
                board.clone(),
                aws_profile.clone(),
            ));
        } else {
            board
                .set_watch(
                    watched.kind,
                    watched.plural,
                    WatchState::NotInstalled(watched.provided_by),
                )
                .await;
        }
    }
    // Watchers run until aborted; the set aborts them when this task is.
    while tasks.join_next().await.is_some() {}
}
