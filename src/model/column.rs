//! A kind's table, one line per column: a title, a preferred width and how to read the cell
//! from a row. The columns several kinds share are declared here once: NAMESPACE, CONTEXT, READY
//! and HEALTH have the same width in every table; NAME, ACCOUNT, REGION and REASON take the
//! kind's width.

use jiff::Timestamp;

use super::row::{Cell, Row};

/// How a column reads its cell: from the row, the kind's facts and the time (ages, expiries).
pub type CellFn<T> = fn(&Row, &T, Timestamp) -> Cell;

/// A column of a kind's table.
pub struct Column<T: 'static> {
    pub title: &'static str,
    pub width: u16,
    pub cell: CellFn<T>,
}

/// The kind-independent part of a column, for headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnSpec {
    pub title: &'static str,
    /// The preferred width: what the column gets before the wider cells are let grow.
    pub width: u16,
}

/// A column's rank when a terminal is too narrow for all: the lowest go first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Counts and flags another column or the health already says.
    Extra,
    /// Where and under which account, when the rest already says which object.
    Placement,
    /// A kind's own facts.
    Detail,
    /// Which object, and in which namespace or cluster it is.
    Identity,
    /// Why it is unhealthy.
    Reason,
    /// NAME (SCOPE in Problems) and HEALTH: a row without them means nothing.
    Always,
}

impl ColumnSpec {
    /// By the title, the same in every table: a kind declares titles, not ranks.
    pub fn priority(&self) -> Priority {
        match self.title {
            // The Problems' SCOPE says which cluster or account a name is in: part of it.
            "NAME" | "SCOPE" | "HEALTH" => Priority::Always,
            "REASON" | "MESSAGE" => Priority::Reason,
            // READY and RUNNING, and what says as much elsewhere (an ECS service's healthy
            // targets, an Argo CD app's sync), rank with where the object is.
            "NAMESPACE" | "CONTEXT" | "CLUSTER" | "KIND" | "READY" | "RUNNING" | "TARGETS"
            | "SYNC" => Priority::Identity,
            "ACCOUNT" | "REGION" => Priority::Placement,
            "UP-TO-DATE" | "AVAILABLE" | "PENDING" | "SUSPENDED" | "FAILURES" | "AGE" => {
                Priority::Extra
            }
            _ => Priority::Detail,
        }
    }

    /// Each column's rank in `table`: by its title, except that ACCOUNT and REGION say which
    /// object a row is (Identity) in a table with no CONTEXT, NAMESPACE or CLUSTER to say it: a
    /// region, an EKS cluster or a database is told from its namesakes only by them.
    pub fn ranks(table: &[ColumnSpec]) -> Vec<Priority> {
        let placed = table
            .iter()
            .any(|c| matches!(c.title, "CONTEXT" | "NAMESPACE" | "CLUSTER"));
        table
            .iter()
            .map(|c| match c.priority() {
                Priority::Placement if !placed => Priority::Identity,
                p => p,
            })
            .collect()
    }

    /// The narrowest the column is drawn, cut with `…` below its preferred width: a name keeps
    /// enough to be told apart, a short column its title.
    pub fn min_width(&self) -> u16 {
        let floor = match self.priority() {
            Priority::Always if self.title != "HEALTH" => 16,
            Priority::Always => 8,
            Priority::Reason => 24,
            _ => self.title.chars().count() as u16,
        };
        floor.min(self.width.max(self.title.chars().count() as u16))
    }
}

impl<T: 'static> Column<T> {
    pub const NAMESPACE: Self = Column::new("NAMESPACE", 16, cells::namespace);
    pub const CONTEXT: Self = Column::new("CONTEXT", 14, cells::context);
    /// The status of the object's Ready condition.
    pub const READY: Self = Column::new("READY", 7, cells::ready);
    pub const HEALTH: Self = Column::new("HEALTH", 11, cells::health);

    pub const fn new(title: &'static str, width: u16, cell: CellFn<T>) -> Self {
        Column { title, width, cell }
    }

    pub const fn name(width: u16) -> Self {
        Column::new("NAME", width, cells::name)
    }

    pub const fn account(width: u16) -> Self {
        Column::new("ACCOUNT", width, cells::account)
    }

    pub const fn region(width: u16) -> Self {
        Column::new("REGION", width, cells::region)
    }

    pub const fn reason(width: u16) -> Self {
        Column::new("REASON", width, cells::reason)
    }

    pub const fn spec(&self) -> ColumnSpec {
        ColumnSpec {
            title: self.title,
            width: self.width,
        }
    }
}

/// Cells every kind's table reuses: they read the row, not the kind's facts.
pub mod cells {
    use super::*;

    pub fn name<T>(r: &Row, _: &T, _: Timestamp) -> Cell {
        Cell::text(r.id.name.clone())
    }
    pub fn namespace<T>(r: &Row, _: &T, _: Timestamp) -> Cell {
        Cell::text(r.id.scope.namespace())
    }
    pub fn context<T>(r: &Row, _: &T, _: Timestamp) -> Cell {
        Cell::text(r.id.scope.context())
    }
    pub fn account<T>(r: &Row, _: &T, _: Timestamp) -> Cell {
        Cell::text(r.id.scope.account())
    }
    pub fn region<T>(r: &Row, _: &T, _: Timestamp) -> Cell {
        Cell::text(r.id.scope.region())
    }
    pub fn health<T>(r: &Row, _: &T, _: Timestamp) -> Cell {
        Cell::number(r.health.severity() as i64, r.health.as_str())
    }
    pub fn reason<T>(r: &Row, _: &T, _: Timestamp) -> Cell {
        Cell::text(r.reason.clone())
    }
    pub fn ready<T>(r: &Row, _: &T, _: Timestamp) -> Cell {
        condition(r, "Ready")
    }
    /// The status of a condition ("True", "False", "Unknown", "-" when absent).
    pub fn condition(r: &Row, kind: &str) -> Cell {
        let status = crate::model::condition::find(&r.conditions, kind)
            .map(|c| c.status.clone())
            .unwrap_or_else(|| "-".into());
        Cell::text(status)
    }
}

/// The table of a Kubernetes object in a namespace (Flux objects, certificates): NAMESPACE,
/// NAME `$name` wide, CONTEXT and READY, then the kind's own columns, then HEALTH and REASON
/// `$reason` wide — the layout kubectl and the flux CLI print, the same in every such table.
macro_rules! namespaced_columns {
    ($name:expr, [$($own:expr),* $(,)?], $reason:expr $(,)?) => {
        &[
            Column::NAMESPACE,
            Column::name($name),
            Column::CONTEXT,
            Column::READY,
            $($own,)*
            Column::HEALTH,
            Column::reason($reason),
        ]
    };
}
pub(crate) use namespaced_columns;
