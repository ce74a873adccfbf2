//! The store: the `Fleet` owns every row, keeps indexes per kind, region and namespace, rolls up
//! regions and organizations, and tracks each source's status.

pub mod changes;
mod fleet;
mod join;
mod related;
mod rollup;
pub mod source;
mod tally;
pub mod view;

pub use changes::{Change, ChangeLog};
pub use fleet::{Fleet, RowKey};
pub use source::{SourceState, SourceStatus};
pub use tally::HealthTally;

use crate::model::{Row, RowId};

/// What a backend tells the store. Backends send them in batches over an `UpdateSender`.
#[derive(Clone, Debug)]
pub enum Update {
    Upsert(Box<Row>),
    Remove(RowId),
    Source {
        name: String,
        status: SourceStatus,
        at: jiff::Timestamp,
    },
    /// A note on one kind of a source that does not stop the rest of it: "forbidden (RBAC)",
    /// "cert-manager not installed". `None` clears it.
    SourceNote {
        name: String,
        kind: crate::model::Kind,
        note: Option<String>,
    },
    /// Something a backend saw happen, for the timeline: a Kubernetes Warning or Flux event, an
    /// ECS service event, an alarm or a health check flipping.
    Happened(Box<changes::Change>),
}

impl Update {
    pub fn upsert(row: Row) -> Update {
        Update::Upsert(Box::new(row))
    }
}

pub type UpdateSender = tokio::sync::mpsc::Sender<Vec<Update>>;
pub type UpdateReceiver = tokio::sync::mpsc::Receiver<Vec<Update>>;

/// The channel every backend writes to; bounded so a flood of updates applies back-pressure.
pub fn channel() -> (UpdateSender, UpdateReceiver) {
    tokio::sync::mpsc::channel(1024)
}

#[cfg(test)]
mod tests;
