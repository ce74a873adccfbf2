//! The write actions the TUI asks a backend to carry out on one row, in the background
//! (reconcile, suspend/resume, renew) through `ActionRunner`. The UI spawns the returned futures
//! and shows their outcome when it arrives, never waiting on them. What a row's detail reads on
//! demand is `inspect`'s.

use std::future::Future;
use std::pin::Pin;

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
