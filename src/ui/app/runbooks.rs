//! What the runbook screen asks for: a runbook's plan, its run once the target is typed, or an
//! interrupted run's resume, each checked here (a world to act on, `--write`, the typed target)
//! and run in the background, its events and outcome coming back as `UiEvent`s.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{App, UiEvent};
use crate::runbook::engine::{self, Control, Event, RunOptions};
use crate::runbook::{Ports, Runbook, render};
use crate::ui::runbook::{Ended, RunbookScreen};
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

    /// Reads from the runbook world what the open form's empty inputs can be
    /// (`RunbookSpec::from_world`), reported as `UiEvent::InputsRead` with what was read and
    /// the choices, or why it could not be.
    pub(super) fn read_inputs(&mut self, runbook: &'static str, given: serde_json::Value) {
        // The form waits for an answer: one comes even when nothing can be read.
        let (Some(from_world), Some(ports)) = (
            crate::runbook::spec(runbook).and_then(|s| s.from_world.as_ref()),
            self.runbook_ports.clone(),
        ) else {
            self.on_ui_event(UiEvent::InputsRead {
                runbook,
                given,
                read: Vec::new(),
                said: vec!["no runbook world to read from (see :runbooks)".into()],
            });
            return;
        };
        let (keys, read) = (from_world.keys, from_world.read);
        let hints = self.world_hints.clone();
        let outbox = self.outbox.clone();
        self.outbox.start(async move {
            let mut inputs = given.clone();
            // A refusal (create-org's account unreadable) is said like the rest.
            let said = read(&ports, &hints, &mut inputs)
                .await
                .unwrap_or_else(|e| vec![e]);
            let read = keys
                .iter()
                .filter(|k| given[**k] != inputs[**k])
                .filter_map(|k| Some((k.to_string(), inputs[*k].as_str()?.to_string())))
                .collect();
            outbox.report(UiEvent::InputsRead {
                runbook,
                given,
                read,
                said,
            });
        });
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
        let name = (rb.name().to_string(), rb.target());
        self.start_run(Run::Start(rb), ports, opts, name, titles);
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
        let rb = crate::runbook::from_journal(&journal).ok();
        let titles = rb
            .as_ref()
            .map(|rb| rb.steps().into_iter().map(|s| s.title).collect())
            .unwrap_or_default();
        let name = rb.map_or_else(
            || ("runbook".into(), String::new()),
            |rb| (rb.name().to_string(), rb.target()),
        );
        self.start_run(Run::Resume(journal), ports, opts, name, titles);
    }

    /// A run going on as the TUI ends (quit when asked, a signal): what to type to resume it,
    /// for the terminal once it is given back.
    pub fn cut_run(&self) -> Option<String> {
        let (runbook, resume) = self.resume_of_run()?;
        Some(format!(
            "the runbook {runbook} was cut off mid-run; its journal resumes it:\n  {resume}"
        ))
    }

    /// The run going on, and the command that resumes it from its journal.
    pub(super) fn resume_of_run(&self) -> Option<(String, String)> {
        let journal = self
            .runbook
            .as_ref()
            .filter(|s| s.is_running())?
            .journal()?;
        let replay = crate::runbook::journal::replay(journal).ok()?;
        let world = replay.world.as_ref()?;
        let resume = engine::resume_command(journal, &replay.target, world);
        Some((replay.runbook, resume))
    }

    /// Shows the run's steps and starts it.
    fn start_run(
        &mut self,
        run: Run,
        ports: Ports,
        opts: RunOptions,
        (name, target): (String, String),
        titles: Vec<String>,
    ) {
        let Some(screen) = self.runbook.as_mut() else {
            return;
        };
        let steps = titles.len();
        let abort = screen.start_running(name, target, titles);
        let outbox = self.outbox.clone();
        self.outbox.start(async move {
            // The AWS account the credentials act in goes into the journal's world, asked here
            // rather than at start-up: the first frame never waits on STS.
            let mut ports = ports;
            if let Err(e) = ports.identify_account().await {
                let text = format!("refused, nothing was written: {e}");
                outbox.report(UiEvent::RunbookDone(Ended::Refused, text));
                return;
            }
            let mut observer = forward(&outbox, &abort, steps);
            let (out, target) = match run {
                Run::Start(rb) => {
                    let out = engine::run(rb.as_ref(), &ports, &opts, &mut observer).await;
                    (out, rb.target())
                }
                Run::Resume(journal) => {
                    let out = engine::resume(&journal, &ports, &opts, &mut observer).await;
                    (out, String::new())
                }
            };
            let text = render::outcome(&out, &target);
            outbox.report(UiEvent::RunbookDone(Ended::of(&out), text));
        });
    }
}

/// A run's observer that hands every event to the UI, and stops the run once the abort key was
/// pressed, after the current step: when it is verified, so no step is left half done (a
/// failover's records moved but not yet answering, a restore started but not waited for).
fn forward<'a>(
    outbox: &'a Outbox,
    abort: &'a AtomicBool,
    steps: usize,
) -> impl FnMut(&Event) -> Control + Send + 'a {
    move |e| {
        outbox.report(UiEvent::RunbookEvent(e.clone()));
        // The last step verified leaves nothing to stop: the run completes.
        let between_steps = matches!(e, Event::Verified { step, .. } if step + 1 < steps);
        if between_steps && abort.load(Ordering::Relaxed) {
            Control::Stop
        } else {
            Control::Continue
        }
    }
}
