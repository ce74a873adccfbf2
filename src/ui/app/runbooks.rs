//! What the runbook screen asks for: a runbook's plan, its run once the target is typed, or an
//! interrupted run's resume, each checked here (a world to act on, `--write`, the typed target)
//! and run in the background, its events and outcome coming back as `UiEvent`s.

use std::path::PathBuf;
use std::sync::Arc;

use super::{App, UiEvent};
use crate::runbook::engine::{self, Control, Event, RunOptions};
use crate::runbook::{Ports, Runbook, render};
use crate::ui::runbook::RunbookScreen;
use crate::ui::tasks::Outbox;

/// A run the screen starts.
enum Run {
    Start(Arc<dyn Runbook>),
    Resume(PathBuf),
}

impl App {
    /// The world runbooks act on and the options of a plan, or `None` (said) without a world.
    fn runbook_world(&mut self) -> Option<(Ports, RunOptions)> {
        let Some(ports) = self.runbook_ports.clone() else {
            self.say("no world to run runbooks on here", true);
            return None;
        };
        let opts = RunOptions {
            audit: crate::audit::path(),
            ..RunOptions::plan(self.runbook_dir.clone())
        };
        Some((ports, opts))
    }

    pub(super) fn plan_runbook(&mut self, rb: Arc<dyn Runbook>) {
        let Some((ports, opts)) = self.runbook_world() else {
            return;
        };
        self.planning = Some(rb.clone());
        let outbox = self.outbox.clone();
        self.outbox.start(async move {
            let out = engine::run(rb.as_ref(), &ports, &opts, &mut |_| Control::Continue).await;
            outbox.report(UiEvent::RunbookPlanned(out));
        });
    }

    pub(super) fn apply_runbook(
        &mut self,
        rb: Arc<dyn Runbook>,
        confirm: String,
        reason: Option<String>,
    ) {
        let Some((ports, mut opts)) = self.runbook_world() else {
            return;
        };
        if self.read_only {
            return self.say(
                format!(
                    "read-only: start opsdeck with --write to apply {}",
                    rb.name()
                ),
                true,
            );
        }
        if confirm != rb.target() {
            return self.say(format!("type {} exactly to confirm", rb.target()), true);
        }
        (opts.apply, opts.confirm, opts.override_reason) = (true, Some(confirm), reason);
        let titles = rb.steps().into_iter().map(|s| s.title).collect();
        self.start_run(Run::Start(rb), ports, opts, titles);
    }

    pub(super) fn resume_runbook(&mut self, journal: PathBuf) {
        let Some((ports, mut opts)) = self.runbook_world() else {
            return;
        };
        if self.read_only {
            return self.say(
                "read-only: start opsdeck with --write to resume a run",
                true,
            );
        }
        // Resuming is guarded like a start: the run's target, typed after the prompt.
        let Some(confirm) = self
            .runbook
            .as_ref()
            .and_then(RunbookScreen::resume_confirmation)
        else {
            return self.say("type the run's target exactly to resume it", true);
        };
        (opts.apply, opts.confirm) = (true, Some(confirm));
        let titles = crate::runbook::from_journal(&journal)
            .map(|rb| rb.steps().into_iter().map(|s| s.title).collect())
            .unwrap_or_default();
        self.start_run(Run::Resume(journal), ports, opts, titles);
    }

    /// Shows the run's steps and starts it.
    fn start_run(&mut self, run: Run, ports: Ports, opts: RunOptions, titles: Vec<String>) {
        if let Some(screen) = self.runbook.as_mut() {
            screen.start_running(titles);
        }
        let outbox = self.outbox.clone();
        self.outbox.start(async move {
            // The AWS account the credentials act in goes into the journal's world, asked here
            // rather than at start-up: the first frame never waits on STS.
            let mut ports = ports;
            if let Err(e) = ports.identify_account().await {
                outbox.report(UiEvent::RunbookDone(format!(
                    "refused, nothing was written: {e}"
                )));
                return;
            }
            let text = match run {
                Run::Start(rb) => {
                    let out = engine::run(rb.as_ref(), &ports, &opts, &mut forward(&outbox)).await;
                    render::outcome(&out, &rb.target())
                }
                Run::Resume(journal) => {
                    let out = engine::resume(&journal, &ports, &opts, &mut forward(&outbox)).await;
                    render::outcome(&out, "")
                }
            };
            outbox.report(UiEvent::RunbookDone(text));
        });
    }
}

/// A run's observer that hands every event to the UI.
fn forward(outbox: &Outbox) -> impl FnMut(&Event) -> Control + Send + '_ {
    move |e| {
        outbox.report(UiEvent::RunbookEvent(e.clone()));
        Control::Continue
    }
}
