//! The pods of a row's workloads, listed by each workload's selector (`kubectl get pods -l`),
//! projected to what k9s's pod view says: phase, ready containers, restarts, why a container
//! waits (`CrashLoopBackOff`, `ImagePullBackOff`, `CreateContainerConfigError`), how it last
//! stopped (`OOMKilled`, exit 137), why a pending pod is not scheduled, node and age.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use kube::api::{Api, ListParams};

use super::Reader;
use crate::inspect::WorkloadRef;
use crate::model::drilldown::{MAX_PODS, PodLine};

/// A pod's name and the ReplicaSet that made it, if one did (its events are the rollout's).
pub(super) struct PodOwner {
    pub namespace: String,
    pub pod: String,
    pub replica_set: Option<String>,
}

/// The pods of `workloads`, worst first, at most `MAX_PODS`.
pub(super) async fn pods(
    read: &Reader,
    workloads: &[WorkloadRef],
) -> Result<(Vec<PodLine>, Vec<PodOwner>), String> {
    let lists = futures_util::future::join_all(workloads.iter().map(|w| async move {
        let api: Api<Pod> = Api::namespaced(read.client.clone(), &w.namespace);
        api.list(&ListParams::default().labels(&w.selector))
            .await
            .map_err(|e| read.unavailable(&format!("list pods in {}", w.namespace), &e))
    }))
    .await;
    let mut lines: Vec<PodLine> = Vec::new();
    let mut owners = Vec::new();
    for list in lists {
        for p in list?.items {
            let line = pod_line(&p);
            if lines
                .iter()
                .any(|l| l.name == line.name && l.namespace == line.namespace)
            {
                continue;
            }
            owners.push(PodOwner {
                namespace: line.namespace.clone(),
                pod: line.name.clone(),
                replica_set: p
                    .metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .find(|o| o.kind == "ReplicaSet")
                    .map(|o| o.name.clone()),
            });
            lines.push(line);
        }
    }
    lines.sort_by(|a, b| b.health().cmp(&a.health()).then(a.name.cmp(&b.name)));
    lines.truncate(MAX_PODS);
    Ok((lines, owners))
}

/// "OOMKilled (exit 137)", "Error (exit 1)", "Completed (exit 0)".
fn terminated(reason: Option<&str>, code: i32, signal: Option<i32>) -> String {
    let mut s = format!("{} (exit {code}", reason.unwrap_or("Terminated"));
    if let Some(sig) = signal {
        s.push_str(&format!(", signal {sig}"));
    }
    s.push(')');
    s
}

fn waiting(cs: &ContainerStatus) -> Option<String> {
    let w = cs.state.as_ref()?.waiting.as_ref()?;
    let reason = w.reason.clone().unwrap_or_else(|| "Waiting".into());
    Some(
        match w.message.as_deref().map(|m| m.lines().next().unwrap_or(m)) {
            Some(m) if !m.is_empty() => format!("{reason}: {m}"),
            _ => reason,
        },
    )
}

pub(super) fn pod_line(p: &Pod) -> PodLine {
    let status = p.status.as_ref();
    let containers: Vec<String> = p
        .spec
        .as_ref()
        .map(|s| s.containers.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    let statuses: &[ContainerStatus] = status
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or_default();
    let inits: &[ContainerStatus] = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or_default();
    // An init container still waiting is why nothing else runs: kubectl says "Init:<reason>".
    let mut wait = inits
        .iter()
        .find_map(waiting)
        .map(|w| format!("Init:{w}"))
        .or_else(|| statuses.iter().find_map(waiting));
    let phase = status
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Unknown".into());
    if wait.is_none()
        && phase == "Failed"
        && let Some(reason) = status.and_then(|s| s.reason.clone())
    {
        // An evicted pod: "Evicted: The node was low on resource: memory."
        let msg = status.and_then(|s| s.message.clone()).unwrap_or_default();
        wait = Some(format!("{reason}: {msg}"));
    }
    let last = statuses
        .iter()
        .filter_map(|cs| cs.last_state.as_ref()?.terminated.as_ref())
        .max_by_key(|t| t.finished_at.as_ref().map(|f| f.0));
    let unscheduled = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        })
        .map(|c| {
            format!(
                "{}: {}",
                c.reason.as_deref().unwrap_or("Unschedulable"),
                c.message.as_deref().unwrap_or_default()
            )
        });
    PodLine {
        name: p.metadata.name.clone().unwrap_or_default(),
        namespace: p.metadata.namespace.clone().unwrap_or_default(),
        phase,
        ready: statuses.iter().filter(|c| c.ready).count() as u32,
        containers,
        restarts: statuses.iter().map(|c| c.restart_count.max(0) as u32).sum(),
        waiting: wait,
        last_termination: last.map(|t| terminated(t.reason.as_deref(), t.exit_code, t.signal)),
        last_termination_at: last.and_then(|t| t.finished_at.as_ref().map(|f| f.0)),
        unscheduled,
        node: p.spec.as_ref().and_then(|s| s.node_name.clone()),
        created: p.metadata.creation_timestamp.as_ref().map(|t| t.0),
        terminating: p.metadata.deletion_timestamp.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_crash_looping_pod_says_why_and_how_it_last_died() {
        let p: Pod = serde_json::from_value(json!({
            "metadata": {"name": "hyperfy2-world-5c6d7f9b8-x2kqp", "namespace": "numen-games",
                         "creationTimestamp": "2026-11-23T08:00:00Z"},
            "spec": {"nodeName": "ip-10-0-3-17.eu-west-1.compute.internal",
                     "containers": [{"name": "hyperfy2"}, {"name": "metrics"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "hyperfy2", "ready": false, "restartCount": 6, "image": "x", "imageID": "",
                 "state": {"waiting": {"reason": "CrashLoopBackOff",
                     "message": "back-off 5m0s restarting failed container=hyperfy2 pod=hyperfy2-world-5c6d7f9b8-x2kqp_numen-games(uid)"}},
                 "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137,
                     "finishedAt": "2026-11-23T08:09:30Z"}}},
                {"name": "metrics", "ready": true, "restartCount": 0, "image": "y", "imageID": "",
                 "state": {"running": {}}}]}
        }))
        .unwrap();
        let l = pod_line(&p);
        assert_eq!(l.ready_text(), "1/2");
        assert_eq!(l.restarts, 6);
        assert_eq!(l.status(), "CrashLoopBackOff");
        assert_eq!(l.last_termination.as_deref(), Some("OOMKilled (exit 137)"));
        assert_eq!(
            l.node.as_deref(),
            Some("ip-10-0-3-17.eu-west-1.compute.internal")
        );
    }

    #[test]
    fn pending_and_evicted_pods_say_why() {
        let p: Pod = serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "n"},
            "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                "reason": "Unschedulable",
                "message": "0/6 nodes are available: 6 Insufficient memory."}]}
        }))
        .unwrap();
        let l = pod_line(&p);
        assert_eq!(l.status(), "Pending");
        assert_eq!(
            l.unscheduled.as_deref(),
            Some("Unschedulable: 0/6 nodes are available: 6 Insufficient memory.")
        );
        let p: Pod = serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "n"},
            "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Failed", "reason": "Evicted",
                       "message": "The node was low on resource: memory."}
        }))
        .unwrap();
        assert_eq!(pod_line(&p).status(), "Evicted");
    }
}
