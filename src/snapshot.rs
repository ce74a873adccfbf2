//! `opsdeck snapshot`: fill a fleet from a backend until every source has settled (answered,
//! or failed and been retried once), then print it once as JSON or as a plain table, with an
//! exit status that tells a script how complete it is. The rows are written one by one straight
//! from the fleet: a 40,000-row fleet is never copied into a JSON tree or one big string.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::model::{Health, Row, Scope};
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

/// One row as the JSON prints it, made as it is written.
#[derive(Serialize)]
struct RowOut<'a> {
    kind: &'static str,
    scope: &'a Scope,
    name: &'a str,
    health: Health,
    reason: &'a str,
    /// The kind's facts, keys in alphabetical order.
    fields: Value,
}

impl<'a> RowOut<'a> {
    fn of(r: &'a Row) -> RowOut<'a> {
        RowOut {
            kind: r.kind().as_str(),
            scope: &r.id.scope,
            name: &r.id.name,
            health: r.health,
            reason: &r.reason,
            fields: r.facts.to_json(),
        }
    }
}

/// The fleet's sources and its rows (borrowed, in id order), for printing.
pub struct Snapshot<'f> {
    pub sources: Vec<SourceOut>,
    rows: Vec<&'f Row>,
    /// Some row came from a source that answered (connected, or still listing at the deadline):
    /// a failing source's own row (its cluster, unreachable) does not count.
    answered_rows: bool,
}

/// The rows as a JSON array, each turned into its object only as it is written.
struct Rows<'a>(&'a [&'a Row]);

impl Serialize for Rows<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|r| RowOut::of(r)))
    }
}

impl Serialize for Snapshot<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Snapshot", 2)?;
        out.serialize_field("sources", &self.sources)?;
        out.serialize_field("rows", &Rows(&self.rows))?;
        out.end()
    }
}

impl<'f> Snapshot<'f> {
    /// The fleet as it is; `timeout_s` names the deadline a still-connecting source missed.
    pub fn of(fleet: &'f Fleet, now: Timestamp, timeout_s: u64) -> Snapshot<'f> {
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
        let mut rows: Vec<&Row> = fleet.all().map(|(_, r)| r).collect();
        rows.sort_by(|a, b| a.id.cmp(&b.id));
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

    /// The JSON document, pretty-printed, then a newline.
    pub fn write_json(&self, w: &mut impl Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, self)?;
        w.write_all(b"\n")
    }

    /// A plain table: sources, then one line per row.
    pub fn write_table(&self, w: &mut impl Write) -> std::io::Result<()> {
        writeln!(w, "{:<34} {:<11} {:>6}  ERROR", "SOURCE", "STATUS", "AGE_S")?;
        for s in &self.sources {
            writeln!(
                w,
                "{:<34} {:<11} {:>6}  {}",
                s.name,
                s.status,
                s.age_s,
                s.error.as_deref().unwrap_or("")
            )?;
            for (kind, note) in &s.notes {
                writeln!(w, "{:<34} {:<11} {:>6}  {kind}: {note}", "", "", "")?;
            }
        }
        writeln!(w)?;
        let scope_w = self
            .rows
            .iter()
            .map(|r| r.id.scope.label().len())
            .max()
            .unwrap_or(5)
            .clamp(5, 48);
        let name_w = self
            .rows
            .iter()
            .map(|r| r.id.name.len())
            .max()
            .unwrap_or(4)
            .clamp(4, 40);
        // As wide as the longest kind's name there is ("argo_application").
        let kind_w = self
            .rows
            .iter()
            .map(|r| r.kind().as_str().len())
            .max()
            .unwrap_or(4)
            .max(4);
        writeln!(
            w,
            "{:<kind_w$} {:<scope_w$} {:<name_w$} {:<11} REASON",
            "KIND", "SCOPE", "NAME", "HEALTH"
        )?;
        for r in &self.rows {
            writeln!(
                w,
                "{:<kind_w$} {:<scope_w$} {:<name_w$} {:<11} {}",
                r.kind().as_str(),
                r.id.scope.label(),
                r.id.name,
                r.health.as_str(),
                r.reason
            )?;
        }
        Ok(())
    }
}
