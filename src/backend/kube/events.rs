//! Kubernetes events on the timeline: per context, a watch of Warning events and watches of
//! Flux's Normal events about its HelmReleases and Kustomizations (upgrade succeeded, applied
//! revision), each filtered at the server by a field selector, never a list per refresh.
//!
//! Each event object is recorded once, when first seen: its repeats only bump its count and
//! would flood the timeline. A relist after a reconnect sees the uids it knows and records
//! nothing again; across a restart, the timeline's file keeps the same change once (same time,
//! same content). An event about an object opsdeck has a row for is on that row
//! (`Change::of_event`).

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Event;
use kube::api::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event as WatchEvent};

use super::board::Board;
use crate::backend::seen::Seen;
use crate::model::drilldown::EventLine;
use crate::store::Update;
use crate::store::changes::Change;

/// The field selectors: every Warning, and Flux's Normal events on its two release kinds.
pub const SELECTORS: [&str; 3] = [
    "type=Warning",
    "type=Normal,involvedObject.kind=HelmRelease",
    "type=Normal,involvedObject.kind=Kustomization",
];

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

/// The event as a change on the timeline, its message on one line.
fn change_of(e: &Event, context: &str) -> Option<Change> {
    let o = &e.involved_object;
    let namespace = o.namespace.clone().or_else(|| e.metadata.namespace.clone());
    let line = EventLine {
        last_seen: e
            .last_timestamp
            .as_ref()
            .map(|t| t.0)
            .or_else(|| e.event_time.as_ref().map(|t| t.0))
            .or_else(|| e.first_timestamp.as_ref().map(|t| t.0))
            .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0)),
        event_type: e.type_.clone().unwrap_or_else(|| "Normal".into()),
        reason: e.reason.clone().unwrap_or_default(),
        message: crate::text::one_line(e.message.as_deref().unwrap_or_default()),
        count: e.count.unwrap_or(1).max(1) as u32,
        object: format!("{}/{}", o.kind.as_deref()?, o.name.as_deref()?),
    };
    Change::of_event(context, namespace.as_deref(), &line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_object_becomes_its_line_on_one_line() {
        let e: Event = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "e1", "namespace": "numinia", "uid": "u1"},
            "involvedObject": {"kind": "HelmRelease", "namespace": "numinia", "name": "podinfo"},
            "type": "Warning",
            "reason": "UpgradeFailed",
            "message": "Helm upgrade failed\nLast Helm logs:",
            "count": 3,
            "lastTimestamp": "2026-12-07T03:00:00Z"
        }))
        .unwrap();
        let c = change_of(&e, "prod").unwrap();
        assert_eq!(
            c.note,
            "Warning UpgradeFailed: Helm upgrade failed Last Helm logs: (×3)"
        );
        assert_eq!(c.at.to_string(), "2026-12-07T03:00:00Z");
        assert_eq!(c.label(), ("hr".into(), "numinia/podinfo".into()));
    }
}
