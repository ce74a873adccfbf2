//! What the TUI asks a backend about one row, in the background: write actions (reconcile,
//! suspend/resume, renew) through `ActionRunner`, and the row's recent Kubernetes events for the
//! detail view through `EventSource`. The UI spawns the returned futures and shows their
//! outcome when it arrives, never waiting on them.

use std::future::Future;
use std::pin::Pin;

use jiff::Timestamp;

use crate::model::{Facts, Refresh, Row, RowId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowAction {
    Reconcile,
    Suspend,
    Resume,
    Renew,
}

impl RowAction {
    pub fn verb(self) -> &'static str {
        match self {
            RowAction::Reconcile => "reconcile",
            RowAction::Suspend => "suspend",
            RowAction::Resume => "resume",
            RowAction::Renew => "renew",
        }
    }

    /// `R`: what the row's kind declares (reconcile a Flux object, renew a certificate).
    pub fn refresh_for(row: &Row) -> Option<RowAction> {
        match row.kind().spec().refresh {
            Refresh::Reconcile => Some(RowAction::Reconcile),
            Refresh::Renew => Some(RowAction::Renew),
            Refresh::Nothing => None,
        }
    }

    /// `T`: suspend a running Flux object, resume a suspended one.
    pub fn toggle_for(row: &Row) -> Option<RowAction> {
        row.facts.suspended().map(|suspended| {
            if suspended {
                RowAction::Resume
            } else {
                RowAction::Suspend
            }
        })
    }
}

pub type ActionFuture = Pin<Box<dyn Future<Output = Result<String, String>> + Send>>;

pub trait ActionRunner: Send + Sync {
    /// Carries out `action` on the row; the result is a one-line outcome or error.
    fn run(&self, action: RowAction, row: &RowId, facts: &Facts) -> ActionFuture;
}

/// One Kubernetes event about a row, as `kubectl events` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventLine {
    pub last_seen: Option<Timestamp>,
    /// Normal or Warning.
    pub event_type: String,
    pub reason: String,
    pub message: String,
    pub count: u32,
}

pub type EventsFuture = Pin<Box<dyn Future<Output = Result<Vec<EventLine>, String>> + Send>>;

pub trait EventSource: Send + Sync {
    /// The row's recent events, newest first; empty for rows that have none.
    fn events(&self, row: &RowId, facts: &Facts) -> EventsFuture;
}
