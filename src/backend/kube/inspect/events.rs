//! The events that explain a row, as `flux events --for` gathers them: the object's own, its
//! source's, and those of its workloads, their ReplicaSets and their pods — merged, newest
//! first, bounded. Each object is asked for with a field selector on `involvedObject`, so a
//! noisy namespace costs nothing extra; all of them at once.

use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, ListParams};

use super::Reader;
use super::pods::pods;
use crate::inspect::{ObjectRef, Subject};
use crate::model::drilldown::{EventLine, newest_events};

/// At most this many objects are asked about (a workload with hundreds of pods).
const MAX_OBJECTS: usize = 40;

pub(super) async fn events(read: &Reader, subject: &Subject) -> Result<Vec<EventLine>, String> {
    let mut objects: Vec<ObjectRef> = Vec::new();
    objects.extend(subject.object.clone());
    objects.extend(subject.source.clone());
    for w in &subject.workloads {
        objects.push(ObjectRef::new(&w.kind, &w.namespace, &w.name));
    }
    if !subject.workloads.is_empty() {
        // The pods' own problems (back-off, failed probes, OOM) are the workload's story; a
        // pod list that fails leaves the other events.
        if let Ok((_, owners)) = pods(read, &subject.workloads).await {
            for o in owners {
                if let Some(rs) = o.replica_set {
                    let rs = ObjectRef::new("ReplicaSet", &o.namespace, &rs);
                    if !objects.contains(&rs) {
                        objects.push(rs);
                    }
                }
                objects.push(ObjectRef::new("Pod", &o.namespace, &o.pod));
            }
        }
    }
    objects.truncate(MAX_OBJECTS);
    let lists = futures_util::future::join_all(objects.iter().map(|o| async move {
        let api: Api<Event> = Api::namespaced(read.client.clone(), &o.namespace);
        let fields = format!(
            "involvedObject.kind={},involvedObject.name={}",
            o.kind, o.name
        );
        api.list(&ListParams::default().fields(&fields))
            .await
            .map(|l| (o, l.items))
            .map_err(|e| read.unavailable(&format!("list events in {}", o.namespace), &e))
    }))
    .await;
    let mut lines = Vec::new();
    let mut failure = None;
    for list in lists {
        match list {
            Ok((o, items)) => lines.extend(items.iter().map(|e| event_line(e, o))),
            Err(e) => failure = Some(e),
        }
    }
    // Every list failed (RBAC on events): say so; some failed: show what was read.
    match failure {
        Some(e) if lines.is_empty() => Err(e),
        _ => Ok(newest_events(lines)),
    }
}

pub(super) fn event_line(e: &Event, about: &ObjectRef) -> EventLine {
    let last_seen = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
        .or_else(|| e.first_timestamp.as_ref().map(|t| t.0));
    EventLine {
        last_seen,
        event_type: e.type_.clone().unwrap_or_default(),
        reason: e.reason.clone().unwrap_or_default(),
        message: e
            .message
            .as_deref()
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        count: e.count.unwrap_or(1).max(1) as u32,
        object: format!("{}/{}", about.kind, about.name),
    }
}
