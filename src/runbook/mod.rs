//! Runbooks: guided procedures (create organization, regional failover, staging refresh).
//!
//! A runbook is a struct of validated inputs that implements `Procedure`: its inputs declared
//! once (`RunbookSpec::inputs`, which the CLI's flags, the TUI form, validation and the journal
//! all read), and its steps listed once (`Procedure::STEPS`). Each step is one value
//! (`step::Step`): it describes itself (what it changes, where, the equivalent CLI command),
//! checks whether it is already done (so a re-run or a resume skips it), applies, and verifies;
//! a step that waits reports progress. Every procedure is a `Runbook`, the object-safe face the
//! engine, the CLI and the TUI hold; `RUNBOOKS` lists them all.
//!
//! Runbooks reach the world only through the ports in `ports.rs`, which the demo world and the
//! real backends implement; nothing here imports a backend, the store or the UI. The engine
//! (`engine.rs`) validates, plans, asks for the typed target name, runs, journals every event
//! (`journal.rs`) and resumes from a journal: only in the world it ran in, with the same typed
//! confirmation as a start, and never while another process runs it.

pub mod create_org;
pub mod engine;
pub mod failover;
pub mod from_world;
pub mod inputs;
pub mod journal;
pub mod ports;
pub mod render;
pub mod secret;
pub mod staging_refresh;
pub mod step;

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::BoxFuture;

pub use engine::{Control, Event, Outcome, RunOptions, run};
use from_world::FromWorld;
use inputs::{InputProblem, InputSpec, Problems, messages};
pub use journal::World;
pub use ports::{OpsError, Ports};
use step::Step;

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

/// A runbook bound to its validated inputs, as the engine, the CLI and the TUI hold it
/// (`dyn Runbook`). Every `Procedure` is one; steps are addressed by their index in `steps()`.
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
    fn follow_ups(&self) -> Vec<String>;
}

/// A runbook as its file declares it: its inputs (the struct, and `SPEC`'s declarations that
/// feed the CLI, the form and the journal), how they are validated, its steps in order, and what
/// is not a step. Implementing it makes the struct a `Runbook`.
pub trait Procedure:
    serde::Serialize + serde::de::DeserializeOwned + Send + Sync + Sized + 'static
{
    /// Its name, its CLI description and its inputs; `RUNBOOKS` lists it.
    const SPEC: RunbookSpec;
    /// Its steps, in the order they run.
    const STEPS: &'static [&'static dyn Step<Self>];
    /// One problem per mistake in the inputs, each on the input it is about (`Problems::input`).
    fn validate(&self, p: &mut Problems);
    /// The environment the run changes; the engineer types it to confirm.
    fn target(&self) -> String;
    /// Checks that need the world, before the plan (see `Runbook::preflight`).
    fn preflight<'a>(&'a self, ports: &'a Ports) -> BoxFuture<'a, Preflight>;
    /// What is left to do by hand, for the summary.
    fn follow_ups(&self) -> Vec<String> {
        Vec::new()
    }
}

impl<P: Procedure> Runbook for P {
    fn name(&self) -> &'static str {
        P::SPEC.name
    }

    fn target(&self) -> String {
        Procedure::target(self)
    }

    fn inputs(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("inputs serialize")
    }

    fn steps(&self) -> Vec<StepSpec> {
        P::STEPS.iter().map(|s| s.spec(self)).collect()
    }

    fn preflight<'a>(&'a self, ports: &'a Ports) -> BoxFuture<'a, Preflight> {
        Procedure::preflight(self, ports)
    }

    fn check<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, bool> {
        P::STEPS[step].check(self, ports, state)
    }

    fn apply<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        P::STEPS[step].apply(self, ports, state)
    }

    fn verify<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        P::STEPS[step].verify(self, ports, state)
    }

    fn follow_ups(&self) -> Vec<String> {
        Procedure::follow_ups(self)
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

/// A runbook as the CLI, the TUI form and `RUNBOOKS` know it before it has inputs.
pub struct RunbookSpec {
    /// `create-org`, `failover`, `staging-refresh`: the CLI subcommand and the journal's name.
    pub name: &'static str,
    /// The CLI subcommand's description.
    pub about: &'static str,
    /// Its inputs, in the order the CLI's help and the form show them.
    pub inputs: &'static [InputSpec],
    /// Validates inputs given as a JSON object and builds the runbook (see `Build`).
    pub build: Build,
    /// The inputs the world can tell when they are not given, and how they are read.
    pub from_world: Option<FromWorld>,
}

/// Validates inputs given as a JSON object (strings; arrays for a list; null or absent for an
/// empty optional input) and builds the runbook, or says what is wrong, each problem on its
/// input. `today` is `yyyymmdd` (the staging refresh names its snapshot by it); inputs that
/// carry their own day (a journal's) keep it.
pub type Build = fn(&serde_json::Value, today: &str) -> Result<Box<dyn Runbook>, Vec<InputProblem>>;

impl std::fmt::Debug for RunbookSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunbookSpec")
            .field("name", &self.name)
            .field("inputs", &self.inputs)
            .finish_non_exhaustive()
    }
}

/// Every runbook, in the order the CLI and `:runbooks` list them.
pub const RUNBOOKS: &[RunbookSpec] = &[
    <create_org::CreateOrg as Procedure>::SPEC,
    <failover::Failover as Procedure>::SPEC,
    <staging_refresh::StagingRefresh as Procedure>::SPEC,
];

/// The runbooks' names, in `RUNBOOKS`' order.
pub const NAMES: [&str; RUNBOOKS.len()] = {
    let mut names = [""; RUNBOOKS.len()];
    let mut i = 0;
    while i < RUNBOOKS.len() {
        names[i] = RUNBOOKS[i].name;
        i += 1;
    }
    names
};

/// The runbook called `name`.
pub fn spec(name: &str) -> Option<&'static RunbookSpec> {
    RUNBOOKS.iter().find(|s| s.name == name)
}

/// The runbook a journal records.
pub fn from_journal(path: &std::path::Path) -> Result<Box<dyn Runbook>, String> {
    let replay = journal::replay(path)?;
    from_inputs(&replay.runbook, &replay.inputs)
}

/// Rebuilds a runbook from its journalled inputs (which carry the run's day).
pub fn from_inputs(name: &str, inputs: &serde_json::Value) -> Result<Box<dyn Runbook>, String> {
    let spec = spec(name)
        .ok_or_else(|| format!("unknown runbook {name:?}; runbooks: {}", NAMES.join(", ")))?;
    (spec.build)(inputs, "").map_err(|p| messages(p).join("; "))
}
