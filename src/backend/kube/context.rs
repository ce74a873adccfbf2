//! One kube context: its client, discovery of what is installed, and a watcher per resource.

use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use tokio::task::JoinSet;

use super::board::{Board, WatchState};
use super::errors::{Failure, classify};
use super::resources::{WATCHED, Watched};
use super::{namespaces, watch};

/// Builds a client for `context` from the merged kubeconfig.
pub async fn client(kubeconfig: &Kubeconfig, context: &str) -> Result<kube::Client, String> {
    let opts = KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &opts)
        .await
        .map_err(|e| format!("context {context}: {}", super::kubeconfig::error_chain(&e)))?;
    kube::Client::try_from(config)
        .map_err(|e| format!("context {context}: {}", super::kubeconfig::error_chain(&e)))
}

/// A client that could not be built. A failed exec credential plugin (`aws eks get-token`) says
/// its exit status, what it printed, and how to renew the session.
fn client_failure(reason: &str, aws_profile: Option<&str>) -> Failure {
    if !reason.contains("auth exec") && !reason.contains("exec-plugin") {
        return Failure::Other(reason.to_string());
    }
    let after = |marker: &str| reason.split_once(marker).map(|(_, rest)| rest);
    let exit = after("exit status: ")
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .filter(|d| !d.is_empty());
    // stderr is Debug-printed: quoted, with escaped newlines.
    let stderr = after("stderr: \"")
        .and_then(|r| r.split("\\n").next())
        .map(|e| e.trim_end_matches(['"', ' ', '}']).to_string())
        .filter(|e| !e.is_empty());
    let hint = match aws_profile {
        Some(p) => format!("if the AWS session expired, renew it: aws sso login --profile {p}"),
        None => "renew this context's credentials and opsdeck reconnects".to_string(),
    };
    let exit = exit.map(|e| format!(" (exit {e})")).unwrap_or_default();
    let stderr = stderr.map(|e| format!(": {e}")).unwrap_or_default();
    Failure::Auth(format!(
        "the credential plugin failed{exit}{stderr} — {hint}"
    ))
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
/// unreachable, then watches every installed resource.
pub async fn run(kubeconfig: Kubeconfig, board: Board, aws_profile: Option<String>) {
    board.announce().await;
    let mut delay = Duration::from_millis(250);
    // Credentials may be renewed while opsdeck runs (aws sso login): keep trying.
    let client = loop {
        match client(&kubeconfig, &board.context).await {
            Ok(c) => break c,
            Err(reason) => {
                board
                    .set_context_failure(Some(client_failure(&reason, aws_profile.as_deref())))
                    .await;
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
