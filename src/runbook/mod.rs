//! Runbooks: guided procedures (create organization, regional failover, staging refresh).
//!
//! The engine lands with the runbooks issue. The seam is fixed here: a runbook is a list of
//! steps, each able to describe itself, check whether it is already done, apply and verify, and
//! runbooks reach the world only through narrow write ports implemented by every backend.

/// What a step changes, where, and the equivalent CLI command, for the plan and the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepDescription {
    pub what: String,
    pub target: String,
    pub equivalent_cli: Option<String>,
}
