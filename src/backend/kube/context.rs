//! One kube context: its client, discovery of what is installed, and a watcher per resource.

use std::time::Duration;

use kube::config::{AuthInfo, ExecConfig, KubeConfigOptions, Kubeconfig};
use tokio::task::JoinSet;

use super::board::{Board, WatchState};
use super::credentials::{self, TokenCell};
use super::errors::{Failure, classify, renew_hint};
use super::resources::{WATCHED, Watched};
use super::{events, namespaces, watch};

/// How long a credential plugin (`aws eks get-token`, `kubelogin`) may take before it is
/// stopped: the context is then in error, saying so, and the next attempt runs it again.
pub const PLUGIN_TIMEOUT: Duration = Duration::from_secs(20);

/// A client, and what keeps its token fresh when a credential plugin gave it one.
pub struct Built {
    pub client: kube::Client,
    pub renewal: Option<Renewal>,
}

/// The plugin to run again before the token it gave expires, and where the new one goes.
pub struct Renewal {
    exec: ExecConfig,
    cell: TokenCell,
    expires: Option<jiff::Timestamp>,
}

/// Builds a client for `context` from the merged kubeconfig, for one-shot commands.
pub async fn client(kubeconfig: &Kubeconfig, context: &str) -> Result<kube::Client, String> {
    build(kubeconfig, context, None, true)
        .await
        .map(|b| b.client)
        .map_err(|f| format!("context {context}: {}", f.reason()))
}

/// Builds a client. A credential plugin is run here, by opsdeck (`credentials.rs`), never by
/// kube-rs: bounded in time, killed when it overruns or opsdeck exits, kept off the terminal.
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
) -> Result<Built, Failure> {
    let mut kubeconfig = kubeconfig.clone();
    let mut renewal = None;
    let mut cell = None;
    if let Some(info) = user_of(&mut kubeconfig, context)?
        && let Some(exec) = info.exec.take()
    {
        let credential = credentials::run(&exec, PLUGIN_TIMEOUT, &renew_hint(aws_profile)).await?;
        match &credential.token {
            Some(token) => {
                let c = TokenCell::new(token);
                renewal = Some(Renewal {
                    exec,
                    cell: c.clone(),
                    expires: credential.expires,
                });
                cell = Some(c);
            }
            // A certificate is built into the client: it is not renewed in place.
            None => {
                info.client_certificate_data = credential.client_certificate_data;
                info.client_key_data = credential.client_key_data.map(Into::into);
            }
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
    let builder = kube::client::ClientBuilder::try_from(config)
        .map_err(|e| Failure::Other(super::kubeconfig::error_chain(&e)))?;
    let client = match &cell {
        Some(cell) => builder.with_layer(&cell.layer()).build(),
        None => builder.build(),
    };
    Ok(Built { client, renewal })
}

/// The auth info of the context's user, if it names one. A context whose user is not in the
/// kubeconfig is a mistake to name, not an unreachable server.
fn user_of<'a>(
    kubeconfig: &'a mut Kubeconfig,
    context: &str,
) -> Result<Option<&'a mut AuthInfo>, Failure> {
    let Some(user) = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.user.clone())
    else {
        return Ok(None);
    };
    let users: Vec<String> = kubeconfig
        .auth_infos
        .iter()
        .map(|a| a.name.clone())
        .collect();
    match kubeconfig.auth_infos.iter_mut().find(|a| a.name == user) {
        Some(named) => Ok(named.auth_info.as_mut()),
        None => Err(Failure::Other(format!(
            "context {context} names user {user:?}, which is not in the kubeconfig (users there: {}); fix the context or run aws eks update-kubeconfig again",
            if users.is_empty() {
                "none".to_string()
            } else {
                users.join(", ")
            }
        ))),
    }
}

/// Runs the plugin again a minute before each token expires and puts the new token in place;
/// a failure is the context's (with the plugin's words) until a later run succeeds.
async fn renew(renewal: Renewal, board: Board, aws_profile: Option<String>) {
    let Renewal {
        exec,
        cell,
        mut expires,
    } = renewal;
    let hint = renew_hint(aws_profile.as_deref());
    while let Some(wait) = credentials::renew_in(expires, board.clock().now()) {
        tokio::time::sleep(wait).await;
        match credentials::run(&exec, PLUGIN_TIMEOUT, &hint).await {
            Ok(c) => {
                if let Some(token) = &c.token {
                    cell.set(token);
                }
                expires = c.expires;
                board.set_context_failure(None).await;
            }
            Err(f) => {
                board.set_context_failure(Some(f)).await;
                // Try again soon: the old token may still be good for a while.
                expires = Some(board.clock().now() + jiff::SignedDuration::from_secs(90));
            }
        }
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
    // Credentials may be renewed while opsdeck runs (aws sso login): keep trying.
    let Built { client, renewal } = loop {
        match build(&kubeconfig, &board.context, aws_profile.as_deref(), false).await {
            Ok(b) => break b,
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
    if let Some(renewal) = renewal {
        tasks.spawn(renew(renewal, board.clone(), aws_profile.clone()));
    }
    // The version is for the cluster row only: the watchers do not wait for it.
    let (version_client, version_board) = (client.clone(), board.clone());
    tasks.spawn(async move {
        if let Ok(info) = version_client.apiserver_version().await {
            version_board
                .set_server_version(Some(info.git_version))
                .await;
        }
    });
    // What happens (Warning and Flux events), for the timeline.
    tasks.spawn(events::run(client.clone(), board.clone()));
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
