//! The change log: what changed, across every source, in time order (newest last), in a
//! bounded ring: each row's health going from one state to another (or the row gone), what
//! happened to it beyond its health (a new revision, an alarm flipping: `KindFacts::happened`),
//! the events the backends watch (Kubernetes Warnings, Flux's events), a source dropping out or
//! coming back, and opsdeck's own writes and runbook steps. The `:timeline` view reads it. Rows
//! appearing are not changes (the first fill would bury the rest); a row already there whose
//! health moves is.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use jiff::Timestamp;

use crate::model::drilldown::EventLine;
use crate::model::{Health, Kind, KubeResource, RowId, Scope};

/// The most changes kept: the oldest go first.
pub const MAX_CHANGES: usize = 100_000;

/// What changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A row: its health moved, it went, or opsdeck wrote to it.
    Row(RowId),
    /// A source (a kube context, an AWS account and region) dropped out or came back.
    Source(String),
    /// A runbook's step, on its target.
    Runbook { name: String, target: String },
    /// A Kubernetes object opsdeck has no row for (a pod, a node, a ReplicaSet): an event's.
    Object {
        /// The API kind: "Pod".
        kind: String,
        scope: Scope,
        name: String,
    },
}

/// One change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub at: Timestamp,
    /// Who says so: the row's source, or "opsdeck" for its own writes and runbooks.
    pub source: Arc<str>,
    pub subject: Subject,
    /// For a health transition: from (None: the row is new to the log's view) and to (None:
    /// the row is gone). Both `None` for a write or a step.
    pub from: Option<Health>,
    pub to: Option<Health>,
    /// The reason, the write's outcome, the step's.
    pub note: String,
}

impl Change {
    /// Whether it is a health transition (or a row gone) rather than something opsdeck did.
    pub fn is_transition(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    /// What it is about, as a line says it: a kind (or "source", "runbook") and a name.
    pub fn label(&self) -> (String, String) {
        match &self.subject {
            // An ECS service is named within its cluster, as `describe ecs/CLUSTER/SERVICE` takes
            // it: a prod and a dev cluster run services of the same names.
            Subject::Row(id) if id.kind == crate::model::Kind::EcsService => (
                id.kind.short().to_string(),
                format!("{}/{}", id.scope.context(), id.name),
            ),
            Subject::Row(id) => (id.kind.short().to_string(), id.display_name()),
            Subject::Source(name) => ("source".into(), name.clone()),
            Subject::Runbook { name, target } => ("runbook".into(), format!("{name} {target}")),
            Subject::Object { kind, scope, name } => (
                kind.to_ascii_lowercase(),
                match &scope.namespace {
                    Some(ns) => format!("{ns}/{name}"),
                    None => name.clone(),
                },
            ),
        }
    }

    /// A Kubernetes event of `context` as a change, when it last happened: on the row of the
    /// object it is about when opsdeck has one (a HelmRelease, a Deployment, a Certificate), so
    /// Enter opens it, else naming the object (a pod, a node). "Warning BackOff: Back-off
    /// restarting failed container (×57)".
    pub fn of_event(context: &str, namespace: Option<&str>, e: &EventLine) -> Option<Change> {
        let (api_kind, name) = e.object.split_once('/')?;
        let scope = Scope {
            context: Some(context.to_string()),
            namespace: namespace.map(str::to_string),
            ..Scope::default()
        };
        let row_kind = KubeResource::of_api_kind(api_kind).and_then(|resource| {
            Kind::ALL.into_iter().find(|k| {
                k.spec()
                    .watch
                    .is_some_and(|w| w.resources.iter().any(|r| std::ptr::eq(r, resource)))
            })
        });
        let subject = match row_kind {
            Some(kind) if namespace.is_some() => {
                let row_name = (kind.spec().row_name)(api_kind, name);
                Subject::Row(RowId::new(kind, scope, row_name))
            }
            _ => Subject::Object {
                kind: api_kind.to_string(),
                scope,
                name: name.to_string(),
            },
        };
        Change::of_event_on(subject, context.into(), e)
    }

    /// An event a backend read about a row it has (an RDS instance's "Backing up DB instance"),
    /// as a change on that row, when it happened.
    pub fn of_event_on(subject: Subject, source: Arc<str>, e: &EventLine) -> Option<Change> {
        let mut note = format!("{} {}: {}", e.event_type, e.reason, e.message);
        if e.count > 1 {
            note.push_str(&format!(" (×{})", e.count));
        }
        Some(Change {
            at: e.last_seen?,
            source,
            subject,
            from: None,
            to: None,
            note,
        })
    }

    /// The row it is about, if any.
    pub fn row(&self) -> Option<&RowId> {
        match &self.subject {
            Subject::Row(id) => Some(id),
            _ => None,
        }
    }
}

/// The ring of changes, and how many were ever recorded (a view's cue to read it again).
#[derive(Debug, Default)]
pub struct ChangeLog {
    ring: VecDeque<Change>,
    recorded: u64,
    /// The latest time the store has seen (a row read, a source's status): when a removal,
    /// which carries no time of its own, is recorded.
    pub(super) latest: Option<Timestamp>,
    /// Changes put before the newest (`reordered`).
    reordered: u64,
    /// How many of the oldest the ring has let go: a change's place in the log for good is
    /// `dropped` + its index (`get`), until one goes in before it.
    dropped: u64,
    /// Where each new change is also sent: the file that keeps the timeline (`timeline_db`).
    sink: Option<Sender<Change>>,
}

impl ChangeLog {
    pub fn push(&mut self, change: Change) {
        if self.ring.len() == MAX_CHANGES {
            self.ring.pop_front();
            self.dropped += 1;
        }
        self.saw(change.at);
        if let Some(sink) = &self.sink
            && sink.send(change.clone()).is_err()
        {
            self.sink = None;
        }
        self.insert(change);
    }

    /// In time order: a change that happened before the newest (an event a watch lists an hour
    /// late) goes where it belongs, and the views are told to read the log again.
    fn insert(&mut self, change: Change) {
        let after = self
            .ring
            .iter()
            .rev()
            .position(|c| c.at <= change.at)
            .map_or(0, |back| self.ring.len() - back);
        if after < self.ring.len() {
            self.reordered += 1;
        }
        self.ring.insert(after, change);
        self.recorded += 1;
    }

    /// How many changes went in before the newest: a view that follows the log's end reads it
    /// all again when this moves.
    pub fn reordered(&self) -> u64 {
        self.reordered
    }

    /// From now on, sends each new change to `sink` too.
    pub(super) fn persist(&mut self, sink: Sender<Change>) {
        self.sink = Some(sink);
    }

    /// Puts back changes kept from before (oldest first), before any new one: they are not sent
    /// again, and the store's time is not theirs.
    pub(super) fn restore(&mut self, changes: Vec<Change>) {
        let skip = changes.len().saturating_sub(MAX_CHANGES);
        for change in changes.into_iter().skip(skip) {
            if self.ring.len() == MAX_CHANGES {
                self.ring.pop_front();
                self.dropped += 1;
            }
            self.insert(change);
        }
    }

    /// The store saw `at`.
    pub(super) fn saw(&mut self, at: Timestamp) {
        if self.latest.is_none_or(|l| at > l) {
            self.latest = Some(at);
        }
    }

    /// Newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &Change> + '_ {
        self.ring.iter().rev()
    }

    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// The place of the oldest change kept, and one past the newest's (see `dropped`).
    pub fn places(&self) -> std::ops::Range<u64> {
        self.dropped..self.dropped + self.ring.len() as u64
    }

    /// The change at `place` (`places`), if it is still kept.
    pub fn get(&self, place: u64) -> Option<&Change> {
        let i = place.checked_sub(self.dropped)?;
        self.ring.get(usize::try_from(i).ok()?)
    }

    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// How many changes were ever recorded, the dropped ones included.
    pub fn recorded(&self) -> u64 {
        self.recorded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(n: i64) -> Change {
        Change {
            at: Timestamp::from_second(n).unwrap(),
            source: "prod-cluster".into(),
            subject: Subject::Row(RowId::new(
                Kind::HelmRelease,
                Scope::kube("prod-cluster", "numinia"),
                format!("r{n}"),
            )),
            from: Some(Health::Healthy),
            to: Some(Health::Failed),
            note: String::new(),
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_and_counts_them_all() {
        let mut log = ChangeLog::default();
        for n in 0..(MAX_CHANGES as i64 + 5) {
            log.push(change(n));
        }
        assert_eq!(log.len(), MAX_CHANGES);
        assert_eq!(log.recorded(), MAX_CHANGES as u64 + 5);
        let newest = log.newest_first().next().unwrap();
        assert_eq!(newest.at.as_second(), MAX_CHANGES as i64 + 4);
        let oldest = log.newest_first().last().unwrap();
        assert_eq!(oldest.at.as_second(), 5, "the first five went");
    }

    fn event(object: &str) -> EventLine {
        EventLine {
            last_seen: Some(Timestamp::from_second(1_800_000_000).unwrap()),
            event_type: "Warning".into(),
            reason: "BackOff".into(),
            message: "Back-off restarting failed container".into(),
            count: 57,
            object: object.into(),
        }
    }

    #[test]
    fn an_event_on_a_watched_object_is_on_its_row_and_the_others_name_theirs() {
        let c = Change::of_event("prod", Some("numinia"), &event("Deployment/podinfo")).unwrap();
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
            "Warning BackOff: Back-off restarting failed container (×57)"
        );
        let pod = Change::of_event("prod", Some("numinia"), &event("Pod/podinfo-1")).unwrap();
        assert_eq!(pod.label(), ("pod".into(), "numinia/podinfo-1".into()));
        let node = Change::of_event("prod", None, &event("Node/ip-10-0-1-5")).unwrap();
        assert_eq!(node.label(), ("node".into(), "ip-10-0-1-5".into()));
    }

    #[test]
    fn a_change_that_comes_late_goes_where_it_happened() {
        let mut log = ChangeLog::default();
        for n in [10, 20, 30] {
            log.push(change(n));
        }
        assert_eq!(log.reordered(), 0);
        log.push(change(15));
        log.push(change(30));
        let times: Vec<i64> = log.newest_first().map(|c| c.at.as_second()).collect();
        assert_eq!(times, [30, 30, 20, 15, 10]);
        assert_eq!(log.reordered(), 1, "the one that went before the newest");
    }
}
