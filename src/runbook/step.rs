//! A runbook step as one value: how the plan shows it, whether it is done already, what it
//! changes and how it is verified, side by side in one `impl Step<R>`, so a step is read, added
//! or removed in one place. A runbook lists its steps once (`Procedure::STEPS`); the engine goes
//! by that list, and the journal names each step by its `StepSpec::key`.

use std::time::Duration;

use super::ports::Ports;
use super::{RunState, StepDescription, StepFuture, StepSpec, Verdict};

/// One step of the runbook `R` (usually a unit struct in the runbook's file).
///
/// Only `spec` is required. A step that only checks or waits (DNS, Flux, what Route53 serves)
/// says so in its spec (`StepSpec::no_changes`), keeps the default check and apply and writes its
/// own verify. A step that changes something writes its check (already done?) and its apply; its
/// verify defaults to asking the check again.
pub trait Step<R: Sync>: Sync {
    /// How the plan and the journal show it, for the runbook's inputs.
    fn spec(&self, rb: &R) -> StepSpec;

    /// Whether the change is there already (a re-run or a resume skips it). Asked only of a step
    /// that changes something.
    fn check<'a>(
        &'a self,
        _rb: &'a R,
        _ports: &'a Ports,
        _state: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async { Ok(false) })
    }

    /// Makes the change; values later steps need go into `state` (journalled, never secret).
    fn apply<'a>(
        &'a self,
        _rb: &'a R,
        _ports: &'a Ports,
        _state: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    /// Whether the step took: asked until it is not `Waiting`. By default, the check again.
    fn verify<'a>(
        &'a self,
        rb: &'a R,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        verify_by_check(self, rb, ports, state)
    }

    /// What the default verify fails with when the check does not see the change after the
    /// apply.
    fn not_done(&self, _rb: &R) -> String {
        "the change is not there after applying it".into()
    }
}

/// The verify of a step whose check sees its change: done when the check says so, else failed
/// with the step's `not_done`.
pub fn verify_by_check<'a, R: Sync, S: Step<R> + ?Sized>(
    step: &'a S,
    rb: &'a R,
    ports: &'a Ports,
    state: &'a RunState,
) -> StepFuture<'a, Verdict> {
    let check = step.check(rb, ports, state);
    let failed = step.not_done(rb);
    Box::pin(async move {
        Ok(if check.await? {
            Verdict::Done
        } else {
            Verdict::Failed(failed)
        })
    })
}

/// A step's spec, built up: `StepSpec::new(key, title, what, target)` is a step that changes
/// something; the rest says more.
impl StepSpec {
    pub fn new(
        key: &str,
        title: impl Into<String>,
        what: impl Into<String>,
        target: impl Into<String>,
    ) -> StepSpec {
        StepSpec {
            key: key.into(),
            title: title.into(),
            description: StepDescription {
                what: what.into(),
                target: target.into(),
                equivalent_cli: None,
            },
            expected: None,
            changes: true,
            writes_in_verify: false,
        }
    }

    /// The CLI command that does the same by hand.
    pub fn cli(mut self, command: impl Into<String>) -> StepSpec {
        self.description.equivalent_cli = Some(command.into());
        self
    }

    /// How long the step usually takes (it waits).
    pub fn takes(mut self, secs: u64) -> StepSpec {
        self.expected = Some(Duration::from_secs(secs));
        self
    }

    /// A step that only checks or waits: nothing to apply.
    pub fn no_changes(mut self) -> StepSpec {
        self.changes = false;
        self
    }

    /// A step that writes as its verify goes (a batch per poll, to show a count): nothing to
    /// apply, and audited when verified.
    pub fn writes_while_verifying(mut self) -> StepSpec {
        self.changes = false;
        self.writes_in_verify = true;
        self
    }
}
