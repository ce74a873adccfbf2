//! Container logs from the API (`pods/{name}/log`): every container of the target's pods read
//! at once and interleaved as lines arrive; while following, the pods are listed again every
//! few seconds so a container that restarted (its stream ended with it) or a pod a rollout
//! created joins, and a pod that went away is said. Lines come with the API's timestamps
//! (`timestamps=true`), which are stripped and kept: a restarted reader asks only for what is
//! newer, so no line is shown twice. Lines are split by `inspect::lines` (a 1 MB line is cut).
//!
//! The Flux controller's logs are the flux CLI's: the controller's Deployment in the Flux
//! namespace, its first running pod, the `manager` container, and only the JSON lines about
//! the object.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures_util::io::AsyncBufReadExt;
use futures_util::stream::{FuturesUnordered, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use tokio::sync::mpsc;

use super::{KubeInspector, Reader};
use crate::inspect::lines::LineSplitter;
use crate::inspect::logs::{
    LogEvent, LogLine, LogQuery, LogSource, LogStream, LogTarget, controller_for, driven,
    flux_line_about,
};

/// Where Flux runs (the flux CLI's `--flux-namespace` default).
pub const FLUX_NAMESPACE: &str = "flux-system";
/// How often the pods are listed again while following.
const RELIST: Duration = Duration::from_secs(5);

/// One container's log: (namespace, pod, container).
type Key = (String, String, String);

impl LogSource for KubeInspector {
    fn logs(&self, target: &LogTarget, query: &LogQuery) -> LogStream {
        let (me, target, query) = (self.clone(), target.clone(), query.clone());
        driven(move |tx| drive(me, target, query, tx))
    }
}

/// A pod to read, with the containers to read of it and whether each runs now.
struct PodTarget {
    namespace: String,
    name: String,
    containers: Vec<(String, bool)>,
}

async fn drive(me: KubeInspector, target: LogTarget, query: LogQuery, tx: mpsc::Sender<LogEvent>) {
    let client = match me.client(&target.context).await {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(LogEvent::Error(e)).await;
            return;
        }
    };
    let read = Reader {
        client,
        profile: me.profile(&target.context),
    };
    if let Some(object) = &target.flux_object {
        return controller_logs(&read, object, &query, &tx).await;
    }
    let follow = query.follow && !query.previous;
    let mut readers = FuturesUnordered::new();
    let mut active: HashSet<Key> = HashSet::new();
    // The newest line seen of each container: a reader started again reads only newer ones.
    let mut last_seen: HashMap<Key, Timestamp> = HashMap::new();
    let mut known: HashSet<(String, String)> = HashSet::new();
    let mut first = true;
    loop {
        match pod_targets(&read, &target).await {
            Ok(pods) => {
                let now: HashSet<(String, String)> = pods
                    .iter()
                    .map(|p| (p.namespace.clone(), p.name.clone()))
                    .collect();
                for (ns, gone) in known.difference(&now) {
                    let _ = tx
                        .send(LogEvent::Note(format!("pod {ns}/{gone} is gone")))
                        .await;
                }
                if first && pods.is_empty() {
                    let _ = tx.send(LogEvent::Note("no pods to read".into())).await;
                }
                for (ns, pod) in now.difference(&known) {
                    if !first {
                        let _ = tx
                            .send(LogEvent::Note(format!("pod {ns}/{pod} joined")))
                            .await;
                    }
                }
                known = now;
                for p in pods {
                    for (container, running) in &p.containers {
                        if query.container.as_ref().is_some_and(|c| c != container) {
                            continue;
                        }
                        let key = (p.namespace.clone(), p.name.clone(), container.clone());
                        // Following, a container is read again once it runs again.
                        if active.contains(&key) || (!first && !running) {
                            continue;
                        }
                        let after = last_seen.get(&key).copied();
                        let params = params(&query, follow, after, container);
                        active.insert(key.clone());
                        let client = read.client.clone();
                        readers.push(read_container(client, key, params, after, tx.clone()));
                    }
                }
            }
            Err(e) => {
                let _ = tx.send(LogEvent::Error(e)).await;
                if !follow {
                    return;
                }
            }
        }
        first = false;
        if !follow {
            while readers.next().await.is_some() {}
            return;
        }
        let tick = tokio::time::sleep(RELIST);
        tokio::pin!(tick);
        loop {
            tokio::select! {
                Some((key, last)) = readers.next() => {
                    active.remove(&key);
                    if let Some(t) = last {
                        last_seen.insert(key, t);
                    }
                }
                _ = &mut tick => break,
                _ = tx.closed() => return,
            }
        }
    }
}

fn params(query: &LogQuery, follow: bool, after: Option<Timestamp>, container: &str) -> LogParams {
    LogParams {
        container: Some(container.to_string()),
        follow,
        previous: query.previous,
        // A container read again starts at its last line's second (`sinceTime` is whole
        // seconds in the API; the reader drops what it has shown already); the first read as
        // asked.
        since_seconds: if after.is_some() { None } else { query.since },
        since_time: after.and_then(|t| Timestamp::from_second(t.as_second()).ok()),
        tail_lines: if after.is_some() { None } else { query.tail },
        timestamps: true,
        ..LogParams::default()
    }
}

/// The target's pods and their containers.
async fn pod_targets(read: &Reader, target: &LogTarget) -> Result<Vec<PodTarget>, String> {
    let mut out = Vec::new();
    for (ns, name) in &target.pods {
        let api: Api<Pod> = Api::namespaced(read.client.clone(), ns);
        match api.get_opt(name).await {
            Ok(Some(p)) => out.push(pod_target(&p)),
            Ok(None) => {}
            Err(e) => return Err(read.unavailable(&format!("get pod {ns}/{name}"), &e)),
        }
    }
    if !target.workloads.is_empty() {
        let api_pods =
            futures_util::future::join_all(target.workloads.iter().map(|w| async move {
                let api: Api<Pod> = Api::namespaced(read.client.clone(), &w.namespace);
                api.list(&ListParams::default().labels(&w.selector))
                    .await
                    .map_err(|e| read.unavailable(&format!("list pods in {}", w.namespace), &e))
            }))
            .await;
        for list in api_pods {
            out.extend(list?.items.iter().map(pod_target));
        }
    }
    Ok(out)
}

fn pod_target(p: &Pod) -> PodTarget {
    let statuses = p
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.clone())
        .unwrap_or_default();
    let containers = p
        .spec
        .as_ref()
        .map(|s| {
            s.containers
                .iter()
                .map(|c| {
                    let running = statuses.iter().any(|cs| {
                        cs.name == c.name
                            && cs.state.as_ref().is_some_and(|st| st.running.is_some())
                    });
                    (c.name.clone(), running)
                })
                .collect()
        })
        .unwrap_or_default();
    PodTarget {
        namespace: p.metadata.namespace.clone().unwrap_or_default(),
        name: p.metadata.name.clone().unwrap_or_default(),
        containers,
    }
}

/// "2026-11-23T08:09:30.123456789Z text" → the time and the text.
fn split_timestamp(line: &str) -> (Option<Timestamp>, &str) {
    match line.split_once(' ') {
        Some((t, rest)) => match t.parse::<Timestamp>() {
            Ok(ts) => (Some(ts), rest),
            Err(_) => (None, line),
        },
        None => match line.parse::<Timestamp>() {
            Ok(ts) => (Some(ts), ""),
            Err(_) => (None, line),
        },
    }
}

/// Reads one container's log to its end (or until the view closes), sending each line not
/// newer than `after` (what an earlier read of it showed). Returns its key and the time of its
/// last whole line.
async fn read_container(
    client: kube::Client,
    key: Key,
    params: LogParams,
    after: Option<Timestamp>,
    tx: mpsc::Sender<LogEvent>,
) -> (Key, Option<Timestamp>) {
    let (ns, pod, container) = (&key.0, &key.1, &key.2);
    let api: Api<Pod> = Api::namespaced(client, ns);
    let mut last = after;
    let reader = match api.log_stream(pod, &params).await {
        Ok(r) => r,
        Err(kube::Error::Api(s))
            if s.code == 400 && s.message.starts_with("previous terminated container") =>
        {
            // Not a failure: of a workload's pods, only those that restarted have one.
            let note = format!("{pod}/{container}: no previous container (it has not restarted)");
            let _ = tx.send(LogEvent::Note(note)).await;
            return (key, last);
        }
        Err(e) => {
            let why = match &e {
                kube::Error::Api(s) if s.code == 403 => {
                    format!("forbidden (RBAC): cannot get pods/log of {ns}/{pod}")
                }
                kube::Error::Api(s) => format!("{pod}/{container}: {}", s.message),
                e => format!(
                    "{pod}/{container}: {}",
                    super::super::kubeconfig::error_chain(e)
                ),
            };
            let _ = tx.send(LogEvent::Error(why)).await;
            return (key, last);
        }
    };
    let mut reader = Box::pin(reader);
    let mut splitter = LineSplitter::default();
    let mut lines = Vec::new();
    // A line already shown (asked again from its second) is `None`.
    let send = |text: String, last: &mut Option<Timestamp>| {
        let (t, rest) = split_timestamp(&text);
        if let (Some(t), Some(a)) = (t, after)
            && t <= a
        {
            return None;
        }
        if t.is_some() {
            *last = t;
        }
        Some(LogEvent::Line(LogLine {
            pod: pod.clone(),
            container: container.clone(),
            text: rest.to_string(),
        }))
    };
    let ended = loop {
        let chunk = match reader.fill_buf().await {
            Ok([]) => break None,
            Ok(chunk) => chunk,
            Err(e) => break Some(e.to_string()),
        };
        let n = chunk.len();
        splitter.push(chunk, &mut lines);
        reader.consume_unpin(n);
        for text in lines.drain(..) {
            let Some(ev) = send(text, &mut last) else {
                continue;
            };
            if tx.send(ev).await.is_err() {
                return (key, last);
            }
        }
    };
    if let Some(text) = splitter.finish() {
        // A line without its newline may be cut short: shown, but a reader started again
        // begins after the last whole line, so it reads this one whole.
        let mut unchanged = last;
        if let Some(ev) = send(text, &mut unchanged) {
            let _ = tx.send(ev).await;
        }
    }
    if params.follow {
        let why = match ended {
            Some(e) => format!("{pod}/{container}: log stream cut ({e})"),
            None => {
                format!("{pod}/{container}: log ended (the container stopped or the pod went away)")
            }
        };
        let _ = tx.send(LogEvent::Note(why)).await;
    }
    (key, last)
}

/// The Flux controller's lines about `object`, as `flux logs --kind --name --namespace`.
async fn controller_logs(
    read: &Reader,
    object: &crate::inspect::ObjectRef,
    query: &LogQuery,
    tx: &mpsc::Sender<LogEvent>,
) {
    let controller = controller_for(&object.kind);
    let deployments: Api<Deployment> = Api::namespaced(read.client.clone(), FLUX_NAMESPACE);
    let selector = match deployments.get_opt(controller).await {
        Ok(Some(d)) => d
            .spec
            .and_then(|s| s.template.metadata)
            .and_then(|m| m.labels)
            .map(|l| {
                l.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_else(|| format!("app={controller}")),
        Ok(None) => {
            let _ = tx
                .send(LogEvent::Error(format!(
                    "no {controller} Deployment in {FLUX_NAMESPACE}: is Flux installed there? (flux check)"
                )))
                .await;
            return;
        }
        Err(e) => {
            let what = format!("get deployment {FLUX_NAMESPACE}/{controller}");
            let _ = tx.send(LogEvent::Error(read.unavailable(&what, &e))).await;
            return;
        }
    };
    let api: Api<Pod> = Api::namespaced(read.client.clone(), FLUX_NAMESPACE);
    let pods = match api.list(&ListParams::default().labels(&selector)).await {
        Ok(l) => l.items,
        Err(e) => {
            let what = format!("list pods in {FLUX_NAMESPACE}");
            let _ = tx.send(LogEvent::Error(read.unavailable(&what, &e))).await;
            return;
        }
    };
    // The running pod first, as `flux logs` picks it.
    let Some(pod) = pods
        .iter()
        .find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        .or_else(|| pods.first())
        .and_then(|p| p.metadata.name.clone())
    else {
        let _ = tx
            .send(LogEvent::Error(format!(
                "no {controller} pod in {FLUX_NAMESPACE}"
            )))
            .await;
        return;
    };
    let (inner_tx, mut inner_rx) = mpsc::channel::<LogEvent>(1024);
    let key = (FLUX_NAMESPACE.to_string(), pod, "manager".to_string());
    let params = params(query, query.follow && !query.previous, None, "manager");
    let reading = read_container(read.client.clone(), key, params, None, inner_tx);
    let filtering = async {
        while let Some(ev) = inner_rx.recv().await {
            let ev = match ev {
                LogEvent::Line(l) => {
                    match flux_line_about(&l.text, &object.kind, &object.namespace, &object.name) {
                        Some(text) => LogEvent::Line(LogLine { text, ..l }),
                        None => continue,
                    }
                }
                other => other,
            };
            if tx.send(ev).await.is_err() {
                return;
            }
        }
    };
    tokio::join!(reading, filtering);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_timestamp_is_split_from_the_text() {
        let (t, text) = split_timestamp("2026-11-23T08:09:30.123456789Z listening on :3000");
        assert_eq!(text, "listening on :3000");
        assert_eq!(t.unwrap().to_string(), "2026-11-23T08:09:30.123456789Z");
        assert_eq!(split_timestamp("no time here").1, "no time here");
    }
}
