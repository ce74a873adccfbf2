//! Per-source status: a kube context, or an AWS account/region/service.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::model::{Health, Kind};
use serde::Serialize;

use crate::model::row::human_duration;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum SourceStatus {
    /// Started, no answer yet.
    Connecting,
    Connected,
    /// Was connected; its rows are kept but shown as stale. The reason says why (timeout, VPN…).
    Stale {
        reason: String,
    },
    /// Cannot be read at all (bad credentials, forbidden, misconfigured). The reason says how to fix.
    Error {
        reason: String,
    },
}

impl SourceStatus {
    pub fn label(&self) -> &'static str {
        match self {
            SourceStatus::Connecting => "connecting",
            SourceStatus::Connected => "connected",
            SourceStatus::Stale { .. } => "stale",
            SourceStatus::Error { .. } => "error",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            SourceStatus::Stale { reason } | SourceStatus::Error { reason } => Some(reason),
            _ => None,
        }
    }

    /// Rows of this source may no longer reflect the world.
    pub fn is_stale(&self) -> bool {
        matches!(
            self,
            SourceStatus::Stale { .. } | SourceStatus::Error { .. }
        )
    }
}

/// How a kind's note starts when its resource fails to list or watch (the rest of the source
/// answers).
pub const UNAVAILABLE: &str = "unavailable";
/// How a kind's note starts when some of its objects could not be read and were left out.
pub const SKIPPED: &str = "skipped unreadable objects:";

/// Whether a kind's note means rows may be missing (as opposed to "not installed" or RBAC,
/// which are answers).
pub fn note_is_failure(note: &str) -> bool {
    note.starts_with(UNAVAILABLE) || note.contains(SKIPPED)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceState {
    pub name: String,
    pub status: SourceStatus,
    /// When the current status began: for a stale source, when it was last known good.
    pub since: Timestamp,
    /// Kinds this source cannot show, and why ("forbidden (RBAC)", "cert-manager not installed").
    pub notes: BTreeMap<Kind, String>,
    /// It has been connected once: an error after that leaves rows that may be out of date; an
    /// error before it leaves only the rows that say what is wrong, which are current.
    pub ever_connected: bool,
}

impl SourceState {
    /// Rows of this source may no longer reflect the world.
    pub fn rows_may_be_stale(&self) -> bool {
        match self.status {
            SourceStatus::Stale { .. } => true,
            SourceStatus::Error { .. } => self.ever_connected,
            SourceStatus::Connecting | SourceStatus::Connected => false,
        }
    }
}

impl SourceState {
    /// Seconds the source has been in its current status.
    pub fn age_s(&self, now: Timestamp) -> i64 {
        (now.as_second() - self.since.as_second()).max(0)
    }

    /// How much it needs attention, the most first (0): in error, stale, connecting, connected
    /// with a kind it cannot show, connected. The header and `:sources` list them so.
    pub fn attention(&self) -> u8 {
        match self.status {
            SourceStatus::Error { .. } => 0,
            SourceStatus::Stale { .. } => 1,
            SourceStatus::Connecting => 2,
            SourceStatus::Connected if !self.notes.is_empty() => 3,
            SourceStatus::Connected => 4,
        }
    }

    /// Its state in the health colours; `None` when all is well.
    pub fn health(&self) -> Option<Health> {
        match self.status {
            SourceStatus::Error { .. } => Some(Health::Failed),
            SourceStatus::Stale { .. } => Some(Health::Degraded),
            SourceStatus::Connecting => Some(Health::Progressing),
            SourceStatus::Connected if !self.notes.is_empty() => Some(Health::Progressing),
            SourceStatus::Connected => None,
        }
    }

    /// "eks-prod-sae1 · stale 40s" as the header shows it.
    pub fn describe(&self, now: Timestamp) -> String {
        match &self.status {
            SourceStatus::Connected => self.name.clone(),
            SourceStatus::Connecting => format!("{} · connecting", self.name),
            SourceStatus::Stale { .. } => {
                format!("{} · stale {}", self.name, human_duration(self.age_s(now)))
            }
            SourceStatus::Error { .. } => format!("{} · error", self.name),
        }
    }
}
