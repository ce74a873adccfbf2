//! Kubernetes events on the timeline: per context, a watch of Warning events and watches of
//! Flux's Normal events about its HelmReleases and Kustomizations (upgrade succeeded, applied
//! revision), each filtered at the server by a field selector, never a list per refresh.
//!
//! Each event object is recorded once, when first seen: its repeats only bump its count and
//! would flood the timeline. A relist after a reconnect sees the uids it knows and records
//! nothing again; across a restart, the timeline's file keeps the same change once (same time,
//! same content). An event about an object opsdeck has a row for (a HelmRelease, a Deployment,
//! a Certificate) is on that row, so Enter opens it; the others (pods, nodes) name the object.

use std::collections::{HashSet, VecDeque};

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Event;
use kube::api::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event as WatchEvent};

use super::board::Board;
use crate::model::kind::KubeResource;
use crate::model::{Kind, RowId, Scope};
use crate::store::Update;
use crate::store::changes::{Change, Subject};

/// The field selectors: every Warning, and Flux's Normal events on its two release kinds.
pub const SELECTORS: [&str; 3] = [
    "type=Warning",
    "type=Normal,involvedObject.kind=HelmRelease",
    "type=Normal,involvedObject.kind=Kustomization",
];

/// The uids remembered per watch, so that a relist records nothing twice (the oldest go).
const REMEMBERED: usize = 20_000;

/// Watches the context's events until the task is aborted; a watch that fails backs off and
/// starts over (kube-rs's default backoff), saying so in the log only: the events are extra,
/// the context's status is its kinds'.
pub async fn run(client: kube::Client, board: Board) {
    futures_util::future::join_all(
        SELECTORS.map(|selector| watch(client.clone(), board.clone(), selector)),
    )
    .await;
}

async fn watch(client: kube::Client, board: Board, selector: &'static str) {
    let api: Api<Event> = Api::all(client);
    let config = watcher::Config::default().fields(selector);
    let mut stream = watcher::watcher(api, config).default_backoff().boxed();
    let mut seen = Seen::default();
    while let Some(event) = stream.next().await {
        let obj = match event {
            Ok(WatchEvent::Apply(e) | WatchEvent::InitApply(e)) => e,
            Ok(_) => continue,
            Err(e) => {
                tracing::debug!(context = %board.context, selector, "events watch: {e}");
                continue;
            }
        };
        let uid = obj.metadata.uid.clone().unwrap_or_default();
        if !seen.first_time(uid) {
            continue;
        }
        if let Some(change) = change_of(&obj, &board.context) {
            let _ = board
                .tx()
                .send(vec![Update::Happened(Box::new(change))])
                .await;
        }
    }
}

/// The uids seen, oldest first, bounded.
#[derive(Default)]
struct Seen {
    set: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    fn first_time(&mut self, uid: String) -> bool {
        if uid.is_empty() || self.set.contains(&uid) {
            return uid.is_empty();
        }
        if self.order.len() == REMEMBERED
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        self.set.insert(uid.clone());
        self.order.push_back(uid);
        true
    }
}

/// The event as a change on the timeline: when it last happened, on its object, "Warning
/// BackOff: Back-off restarting failed container".
pub fn change_of(e: &Event, context: &str) -> Option<Change> {
    let at = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
        .or_else(|| e.first_timestamp.as_ref().map(|t| t.0))
        .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0))?;
    let o = &e.involved_object;
    let (api_kind, name) = (o.kind.clone()?, o.name.clone()?);
    let namespace = o.namespace.clone().or_else(|| e.metadata.namespace.clone());
    let scope = Scope {
        context: Some(context.to_string()),
        namespace: namespace.clone(),
        ..Scope::default()
    };
    let subject = match row_kind(&api_kind) {
        Some(kind) if namespace.is_some() => {
            let row_name = (kind.spec().row_name)(&api_kind, &name);
            Subject::Row(RowId::new(kind, scope, row_name))
        }
        _ => Subject::Object {
            kind: api_kind,
            scope,
            name,
        },
    };
    let message = crate::text::one_line(e.message.as_deref().unwrap_or_default());
    let mut note = format!(
        "{} {}: {message}",
        e.type_.as_deref().unwrap_or("Normal"),
        e.reason.as_deref().unwrap_or_default()
    );
    if let Some(n) = e.count.filter(|n| *n > 1) {
        note.push_str(&format!(" (×{n})"));
    }
    Some(Change {
        at,
        source: context.into(),
        subject,
        from: None,
        to: None,
        note,
    })
}

/// The kind whose rows are objects of `api_kind`, if opsdeck watches it.
fn row_kind(api_kind: &str) -> Option<Kind> {
    let resource = KubeResource::of_api_kind(api_kind)?;
    Kind::ALL.into_iter().find(|k| {
        k.spec()
            .watch
            .is_some_and(|w| w.resources.iter().any(|r| std::ptr::eq(r, resource)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, name: &str, reason: &str) -> Event {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "e1", "namespace": "numinia", "uid": "u1"},
            "involvedObject": {"kind": kind, "namespace": "numinia", "name": name},
            "type": "Warning",
            "reason": reason,
            "message": "Back-off restarting\nfailed container",
            "count": 57,
            "lastTimestamp": "2026-12-07T03:00:00Z"
        }))
        .unwrap()
    }

    #[test]
    fn an_event_on_a_watched_object_is_on_its_row() {
        let c = change_of(
            &event("Deployment", "podinfo", "ProgressDeadlineExceeded"),
            "prod",
        )
        .unwrap();
        assert_eq!(
            c.subject,
            Subject::Row(RowId::new(
                Kind::Workload,
                Scope::kube("prod", "numinia"),
                "deployment/podinfo"
            ))
        );
        assert_eq!(
            c.note,
            "Warning ProgressDeadlineExceeded: Back-off restarting failed container (×57)"
        );
        assert_eq!(c.at.to_string(), "2026-12-07T03:00:00Z");
    }

    #[test]
    fn an_event_on_a_pod_names_the_pod() {
        let c = change_of(&event("Pod", "podinfo-1", "BackOff"), "prod").unwrap();
        assert_eq!(
            c.label(),
            ("pod".to_string(), "numinia/podinfo-1".to_string())
        );
    }

    #[test]
    fn a_uid_is_recorded_once_and_the_oldest_are_forgotten() {
        let mut seen = Seen::default();
        assert!(seen.first_time("a".into()));
        assert!(!seen.first_time("a".into()));
        for i in 0..REMEMBERED {
            seen.first_time(format!("n{i}"));
        }
        assert!(
            seen.first_time("a".into()),
            "forgotten after REMEMBERED more"
        );
    }
}
