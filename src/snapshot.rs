//! `opsdeck snapshot`: fill a fleet from a backend until every source has answered, then print
//! it once as JSON or as a plain table.

use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::model::{Health, Scope};
use crate::store::{Fleet, SourceStatus, UpdateReceiver};

/// Applies updates until every known source has left `Connecting`, the channel closes, or the
/// timeout passes. Returns whether every source answered.
pub async fn settle(fleet: &mut Fleet, rx: &mut UpdateReceiver, timeout: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
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

#[derive(Serialize)]
pub struct SourceOut {
    pub name: String,
    pub status: &'static str,
    pub age_s: i64,
    pub error: Option<String>,
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
}

impl Snapshot {
    pub fn of(fleet: &Fleet, now: Timestamp) -> Snapshot {
        let sources = fleet
            .sources()
            .map(|s| SourceOut {
                name: s.name.clone(),
                status: s.status.label(),
                age_s: s.age_s(now),
                error: s.status.reason().map(str::to_string),
            })
            .collect();
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
        Snapshot { sources, rows }
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
