//! `opsdeck snapshot`: fill a fleet from a backend until every source has settled (answered,
//! or failed and been retried once), then print it once as JSON or as a plain table, with an
//! exit status that tells a script how complete it is.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::model::{Health, Scope};
use crate::store::source::note_is_failure;
use crate::store::{Fleet, SourceStatus, UpdateReceiver};

/// Applies updates until every known source has left `Connecting`, the channel closes, or the
/// timeout passes. Returns whether every source settled. The backends announce all their
/// sources before their tasks start, so whatever is queued when a batch is taken is applied
/// before the check: one early answer (or failure) never ends the wait for the others.
pub async fn settle(fleet: &mut Fleet, rx: &mut UpdateReceiver, timeout: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        while let Ok(batch) = rx.try_recv() {
            fleet.apply(batch);
        }
        let answered = fleet.sources().next().is_some()
            && fleet
                .sources()
                .all(|s| s.status != SourceStatus::Connecting);
        if answered {
            return true;
        }
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(batch)) => {
                fleet.apply(batch);
            }
            Ok(None) | Err(_) => return false,
        }
    }
}

/// What a snapshot's exit status says (documented in docs/configuration.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completeness {
    /// Every source answered and every kind listed: exit 0.
    Complete,
    /// Some sources or kinds failed or timed out; the rest is printed: exit 3.
    Partial,
    /// No source answered and no row was read: exit 4.
    Nothing,
}

impl Completeness {
    pub fn exit_code(self) -> u8 {
        match self {
            Completeness::Complete => 0,
            Completeness::Partial => 3,
            Completeness::Nothing => 4,
        }
    }
}

#[derive(Serialize)]
pub struct SourceOut {
    pub name: String,
    /// connected, stale, error, or "timed out" for a source still connecting at the deadline.
    pub status: &'static str,
    pub age_s: i64,
    pub error: Option<String>,
    /// Per kind: "unavailable: 500 …", "forbidden (RBAC)", "cert-manager not installed".
    pub notes: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
pub struct RowOut {
    pub kind: &'static str,
    pub scope: Scope,
    pub name: String,
    pub health: Health,
    pub reason: String,
    pub fields: Value,
}

#[derive(Serialize)]
pub struct Snapshot {
    pub sources: Vec<SourceOut>,
    pub rows: Vec<RowOut>,
    /// Some row came from a source that answered (connected, or still listing at the deadline):
    /// a failing source's own row (its cluster, unreachable) does not count.
    #[serde(skip)]
    pub answered_rows: bool,
}

impl Snapshot {
    /// The fleet as it is; `timeout_s` names the deadline a still-connecting source missed.
    pub fn of(fleet: &Fleet, now: Timestamp, timeout_s: u64) -> Snapshot {
        let sources = fleet
            .sources()
            .map(|s| {
                let connecting = s.status == SourceStatus::Connecting;
                SourceOut {
                    name: s.name.clone(),
                    status: if connecting {
                        "timed out"
                    } else {
                        s.status.label()
                    },
                    age_s: s.age_s(now),
                    error: if connecting {
                        Some(format!("did not finish listing within {timeout_s} s"))
                    } else {
                        s.status.reason().map(str::to_string)
                    },
                    notes: s
                        .notes
                        .iter()
                        .map(|(k, n)| (k.as_str(), n.clone()))
                        .collect(),
                }
            })
            .collect();
        let answered_rows = fleet.all().any(|(_, r)| {
            fleet.source(&r.source).is_some_and(|s| {
                matches!(s.status, SourceStatus::Connected | SourceStatus::Connecting)
            })
        });
        let mut rows: Vec<_> = fleet.all().map(|(_, r)| r).collect();
        rows.sort_by(|a, b| a.id.cmp(&b.id));
        let rows = rows
            .into_iter()
            .map(|r| RowOut {
                kind: r.kind().as_str(),
                scope: r.id.scope.clone(),
                name: r.id.name.clone(),
                health: r.health,
                reason: r.reason.clone(),
                fields: r.facts.to_json(),
            })
            .collect();
        Snapshot {
            sources,
            rows,
            answered_rows,
        }
    }

    /// How complete this snapshot is: every source connected with no failing kind, some, or
    /// none answering.
    pub fn completeness(&self) -> Completeness {
        let ok = |s: &SourceOut| s.status == "connected";
        let whole = |s: &SourceOut| ok(s) && !s.notes.values().any(|n| note_is_failure(n));
        if !self.sources.is_empty() && self.sources.iter().all(whole) {
            Completeness::Complete
        } else if self.sources.iter().any(ok) || self.answered_rows {
            Completeness::Partial
        } else {
            Completeness::Nothing
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a snapshot serializes")
    }

    /// A plain table: sources, then one line per row.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "{:<34} {:<11} {:>6}  ERROR\n",
            "SOURCE", "STATUS", "AGE_S"
        ));
        for s in &self.sources {
            out.push_str(&format!(
                "{:<34} {:<11} {:>6}  {}\n",
                s.name,
                s.status,
                s.age_s,
                s.error.as_deref().unwrap_or("")
            ));
            for (kind, note) in &s.notes {
                out.push_str(&format!(
                    "{:<34} {:<11} {:>6}  {kind}: {note}\n",
                    "", "", ""
                ));
            }
        }
        out.push('\n');
        let scope_w = self
            .rows
            .iter()
            .map(|r| r.scope.label().len())
            .max()
            .unwrap_or(5)
            .clamp(5, 48);
        let name_w = self
            .rows
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(4)
            .clamp(4, 40);
        out.push_str(&format!(
            "{:<13} {:<scope_w$} {:<name_w$} {:<11} REASON\n",
            "KIND", "SCOPE", "NAME", "HEALTH"
        ));
        for r in &self.rows {
            out.push_str(&format!(
                "{:<13} {:<scope_w$} {:<name_w$} {:<11} {}\n",
                r.kind,
                r.scope.label(),
                r.name,
                r.health.as_str(),
                r.reason
            ));
        }
        out
    }
}
