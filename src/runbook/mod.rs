//! Runbooks: guided procedures (create organization, regional failover, staging refresh).
//!
//! A runbook is a typed list of steps. Each step describes itself (what it changes, where, the
//! equivalent CLI command), checks whether it is already done (so a re-run or a resume skips it),
//! applies, and verifies; a step that waits reports progress. Runbooks reach the world only
//! through the write ports in `ports.rs`, which the demo fleet and the real backends implement.
//! The engine (`engine.rs`) validates, plans, asks for the typed target name, runs, journals
//! every event (`journal.rs`) and resumes from a journal: only in the world it ran in, with the
//! same typed confirmation as a start, and never while another process runs it.

pub mod create_org;
pub mod demo;
pub mod engine;
pub mod failover;
pub mod git;
pub mod inputs;
pub mod journal;
pub mod ports;
pub mod render;
pub mod secret;
pub mod staging_refresh;

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::BoxFuture;

pub use engine::{Control, Event, Outcome, RunOptions, run};
pub use journal::World;
pub use ports::{OpsError, Ports};

/// What a step changes, where, and the equivalent CLI command, for the plan and the journal.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StepDescription {
    pub what: String,
    pub target: String,
    pub equivalent_cli: Option<String>,
}

/// One step of a runbook as the plan shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StepSpec {
    /// Stable across runs: the journal names steps by it.
    pub key: String,
    pub title: String,
    pub description: StepDescription,
    /// For a step that waits (a restore, a reconcile, DNS): how long it usually takes.
    pub expected: Option<Duration>,
    /// False for a step that only checks or waits (DNS, Flux, what Route53 serves): it has
    /// nothing to apply, only a verify, which is safe to run again.
    pub changes: bool,
    /// A step whose verify writes as it goes (the media sync copies a batch per poll, to show a
    /// count): the engine audits it when it is verified, as it audits an applied step.
    pub writes_in_verify: bool,
}

/// What a verify says.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Done,
    /// Still going: a fraction when the step knows it, and what it is waiting for.
    Waiting {
        progress: Option<f64>,
        note: String,
    },
    /// Done, with something the engineer should know (a DNS record not pointing yet).
    Warn(String),
    Failed(String),
}

/// Values steps hand to later steps (an ARN, the chosen snapshot). Journalled, so never secret.
pub type RunState = BTreeMap<String, String>;

/// A step's future.
pub type StepFuture<'a, T> = BoxFuture<'a, Result<T, OpsError>>;

/// A runbook bound to its validated inputs.
pub trait Runbook: Send + Sync {
    /// `create-org`, `failover`, `staging-refresh`.
    fn name(&self) -> &'static str;
    /// The environment the run changes; the engineer types it to confirm.
    fn target(&self) -> String;
    /// The inputs as given, for the journal and resume (never a secret).
    fn inputs(&self) -> serde_json::Value;
    fn steps(&self) -> Vec<StepSpec>;
    /// Checks that need the world (the snapshot exists, the target is not production, the
    /// secondary region is ready): one message per problem; empty means go. `overridable`
    /// problems can be passed with a typed reason.
    fn preflight<'a>(&'a self, ports: &'a Ports) -> BoxFuture<'a, Preflight>;
    fn check<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, bool>;
    fn apply<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a mut RunState,
    ) -> StepFuture<'a, ()>;
    fn verify<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, Verdict>;
    /// What is left to do by hand, for the summary.
    fn follow_ups(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The outcome of a runbook's preflight.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Preflight {
    /// Refuses the run.
    pub problems: Vec<String>,
    /// Refuses the run unless the engineer types a reason (journalled).
    pub overridable: Vec<String>,
    /// Shown with the plan: why the run is warranted, what was found.
    pub findings: Vec<String>,
}

/// The runbooks by name, for the CLI and `:runbooks`.
pub const NAMES: &[&str] = &["create-org", "failover", "staging-refresh"];

/// The runbook a journal records.
pub fn from_journal(path: &std::path::Path) -> Result<Box<dyn Runbook>, String> {
    let replay = journal::replay(path)?;
    from_inputs(&replay.runbook, &replay.inputs)
}

/// Rebuilds a runbook from its journalled inputs.
pub fn from_inputs(name: &str, inputs: &serde_json::Value) -> Result<Box<dyn Runbook>, String> {
    match name {
        "create-org" => Ok(Box::new(create_org::CreateOrg::from_json(inputs)?)),
        "failover" => Ok(Box::new(failover::Failover::from_json(inputs)?)),
        "staging-refresh" => Ok(Box::new(staging_refresh::StagingRefresh::from_json(
            inputs,
        )?)),
        other => Err(format!(
            "unknown runbook {other:?}; runbooks: {}",
            NAMES.join(", ")
        )),
    }
}
