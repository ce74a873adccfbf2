//! The runbook screen's state: the stage it is at (the list, a form, the checks, a plan, a
//! resume's plan, a run) and how background work moves it on (the plan arriving, a run's events,
//! its outcome).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::form::{self, Field};
use super::resume::ResumePlan;
use crate::runbook::engine::{Event, Outcome};
use crate::runbook::{RUNBOOKS, Runbook, RunbookSpec, StepSpec, journal, spec};

/// What the abort key answers, wherever it is pressed (the run's screen, the quit question).
pub const STOPPING: &str = "stopping once the current step is verified (it may wait); the journal records the stop and resume continues from there";

/// How a run ended, from the engine's outcome: what the header and the title say of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    Completed,
    /// Stopped as asked (the abort key); resumable.
    Stopped,
    Failed,
    /// Refused before anything was written.
    Refused,
}

impl Ended {
    pub fn of(outcome: &Outcome) -> Ended {
        match outcome {
            Outcome::Planned { .. } | Outcome::Completed { .. } => Ended::Completed,
            Outcome::Interrupted { .. } => Ended::Stopped,
            Outcome::Failed { .. } => Ended::Failed,
            Outcome::Refused(_) => Ended::Refused,
        }
    }

    /// "done", "stopped", "FAILED", "refused".
    pub fn word(self) -> &'static str {
        match self {
            Ended::Completed => "done",
            Ended::Stopped => "stopped",
            Ended::Failed => "FAILED",
            Ended::Refused => "refused",
        }
    }
}

/// A step's line while running.
#[derive(Clone, Debug, Default)]
pub struct StepLine {
    pub title: String,
    pub state: &'static str,
    pub progress: Option<f64>,
    pub note: String,
    pub elapsed: Option<std::time::Duration>,
}

/// What the world told a form, and whether it is being asked.
#[derive(Clone, Debug, Default)]
pub struct WorldRead {
    /// A read is under way, asked with these values.
    pub asked: Option<serde_json::Value>,
    /// The values the last answer came for: Enter with the same values plans, not asks again.
    pub answered: Option<serde_json::Value>,
    /// What the last answer said: what was read and where from, the choices not picked.
    pub said: Vec<String>,
}

/// Where the screen is.
pub enum Stage {
    List {
        cursor: usize,
        journals: Vec<PathBuf>,
    },
    Form {
        spec: &'static RunbookSpec,
        fields: Vec<Field>,
        focus: usize,
        /// Problems of no one field: the preflight's refusal, or a build's about the whole.
        problems: Vec<String>,
        /// What the world told the form (`RunbookSpec::from_world`).
        world: WorldRead,
    },
    /// Waiting for the preflight.
    Checking { name: &'static str },
    Plan {
        rb: Arc<dyn Runbook>,
        steps: Vec<StepSpec>,
        findings: Vec<String>,
        overridable: Vec<String>,
        confirm: String,
        reason: String,
        focus_reason: bool,
    },
    /// An interrupted run before it resumes: its steps, those the journal says are done, and the
    /// target typed to confirm, as for a start.
    Resume(Box<ResumePlan>),
    Running {
        /// The runbook's name, for the header while the screen is closed, and its target.
        name: String,
        target: String,
        steps: Vec<StepLine>,
        journal: Option<PathBuf>,
        /// How it ended, and the outcome as text (summary, follow-ups, the next step).
        outcome: Option<(Ended, String)>,
        /// Set by the abort key; the run's observer reads it and the engine stops after the
        /// current step, once it is verified, journalling the stop.
        abort: Arc<AtomicBool>,
    },
}

pub struct RunbookScreen {
    pub stage: Stage,
    pub journal_dir: PathBuf,
    /// Lines of a plan or a run scrolled past (↑ ↓ PgUp PgDn: letters type the target).
    pub scroll: u16,
    /// How far the last frame could scroll.
    pub scroll_limit: std::cell::Cell<u16>,
}

impl RunbookScreen {
    pub fn new(journal_dir: PathBuf) -> RunbookScreen {
        let journals = journal::interrupted(&journal_dir);
        RunbookScreen {
            stage: Stage::List {
                cursor: 0,
                journals,
            },
            journal_dir,
            scroll: 0,
            scroll_limit: std::cell::Cell::new(0),
        }
    }

    /// Back to the list (Esc), which is read again, on the runbook that was open.
    pub(super) fn back(&mut self) {
        let open = match &self.stage {
            Stage::Form { spec, .. } => RUNBOOKS.iter().position(|r| r.name == spec.name),
            _ => None,
        };
        *self = RunbookScreen::new(self.journal_dir.clone());
        if let (Stage::List { cursor, .. }, Some(open)) = (&mut self.stage, open) {
            *cursor = open;
        }
    }

    /// Whether the screen asks for its typed target: a plan, or an interrupted run's.
    pub fn asks_confirmation(&self) -> bool {
        matches!(self.stage, Stage::Plan { .. } | Stage::Resume(_))
    }

    /// The plan arrived (or the preflight refused: the form comes back, filled as it was).
    pub fn planned(&mut self, rb: Arc<dyn Runbook>, outcome: Outcome) {
        let fields_back = |problems: Vec<String>| {
            let spec = spec(rb.name()).unwrap_or(&RUNBOOKS[0]);
            Stage::Form {
                spec,
                fields: form::refilled(spec, &rb.inputs()),
                focus: 0,
                problems,
                world: WorldRead::default(),
            }
        };
        self.stage = match outcome {
            Outcome::Planned {
                steps,
                findings,
                overridable,
            } => Stage::Plan {
                rb: rb.clone(),
                steps,
                findings,
                overridable,
                confirm: String::new(),
                reason: String::new(),
                focus_reason: false,
            },
            Outcome::Refused(problems) => fields_back(problems),
            other => fields_back(vec![format!("unexpected: {other:?}")]),
        };
    }

    /// The target typed to confirm the resume being asked for (`Effect::ResumeRunbook`), for the
    /// run's options: the engine checks it again.
    pub fn resume_confirmation(&self) -> Option<String> {
        match &self.stage {
            Stage::Resume(plan) if plan.problems.is_empty() && plan.confirm == plan.target => {
                Some(plan.confirm.clone())
            }
            _ => None,
        }
    }

    /// Shows the run's steps; the flag returned is the abort key's, for the run's observer.
    pub fn start_running(
        &mut self,
        name: String,
        target: String,
        titles: Vec<String>,
    ) -> Arc<AtomicBool> {
        let abort = Arc::new(AtomicBool::new(false));
        self.stage = Stage::Running {
            name,
            target,
            abort: abort.clone(),
            steps: titles
                .into_iter()
                .map(|title| StepLine {
                    title,
                    state: "pending",
                    ..StepLine::default()
                })
                .collect(),
            journal: None,
            outcome: None,
        };
        abort
    }

    /// Whether a run is going on (started and not yet ended).
    pub fn is_running(&self) -> bool {
        matches!(self.stage, Stage::Running { outcome: None, .. })
    }

    /// The abort key: the run stops after its current step. Whether a run was there to stop.
    pub fn abort(&mut self) -> bool {
        match &self.stage {
            Stage::Running {
                outcome: None,
                abort,
                ..
            } => {
                abort.store(true, Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }

    /// The world's answer to the read asked with `given`: its values go into the fields still
    /// empty, unless the form was edited since it was asked (a value typed meanwhile may be
    /// what the answer would depend on: Enter reads again with it). Whether `runbook`'s form
    /// is the open one and was waiting for this answer.
    pub fn fill(
        &mut self,
        runbook: &str,
        given: &serde_json::Value,
        read: &[(String, String)],
        said: Vec<String>,
    ) -> bool {
        let Stage::Form {
            spec,
            fields,
            world,
            ..
        } = &mut self.stage
        else {
            return false;
        };
        if spec.name != runbook || world.asked.as_ref() != Some(given) {
            return false;
        }
        world.asked = None;
        world.said = said;
        if &form::values(spec, fields) != given {
            world
                .said
                .push("the form was edited meanwhile: nothing filled; Enter reads again".into());
            return true;
        }
        world.answered = Some(given.clone());
        for (key, value) in read {
            if let Some(i) = spec.inputs.iter().position(|input| input.key == key)
                && let Some(field) = fields.get_mut(i)
                && field.value.is_empty()
            {
                field.value = value.clone();
            }
        }
        true
    }

    /// A run's event as a change for the timeline: a step verified, warned about, failed or
    /// already done, with its runbook and target; `None` for the others.
    pub fn step_change(&self, e: &Event) -> Option<(String, String, String)> {
        let Stage::Running {
            name,
            target,
            steps,
            ..
        } = &self.stage
        else {
            return None;
        };
        let titles: Vec<&str> = steps.iter().map(|s| s.title.as_str()).collect();
        let note = crate::runbook::render::step_note(&titles, e)?;
        Some((name.clone(), target.clone(), note))
    }

    /// The journal of the run on screen, once it has one.
    pub fn journal(&self) -> Option<&std::path::Path> {
        match &self.stage {
            Stage::Running { journal, .. } => journal.as_deref(),
            _ => None,
        }
    }

    /// Whether the abort key was pressed on the current run.
    pub fn aborting(&self) -> bool {
        matches!(&self.stage, Stage::Running { abort, outcome: None, .. } if abort.load(Ordering::Relaxed))
    }

    /// The run in a few words, for the header while the screen is closed: "create-org 3/11
    /// applying", "create-org finished".
    pub fn progress(&self) -> Option<String> {
        let Stage::Running {
            name,
            steps,
            outcome,
            ..
        } = &self.stage
        else {
            return None;
        };
        if let Some((ended, _)) = outcome {
            return Some(format!("{name} {}", ended.word()));
        }
        let settled = |s: &&StepLine| matches!(s.state, "done" | "already done" | "warning");
        let done = steps.iter().filter(settled).count();
        let now = steps
            .iter()
            .find(|s| !matches!(s.state, "done" | "already done" | "warning" | "pending"))
            .map_or("starting", |s| s.state);
        let stopping = if self.aborting() { ", stopping" } else { "" };
        Some(format!("{name} {done}/{} {now}{stopping}", steps.len()))
    }

    pub fn event(&mut self, e: &Event) {
        let Stage::Running { steps, journal, .. } = &mut self.stage else {
            return;
        };
        let mut set = |i: usize, state: &'static str| {
            if let Some(s) = steps.get_mut(i) {
                s.state = state;
            }
        };
        match e {
            Event::Started { journal: j } => *journal = Some(j.clone()),
            Event::Skipped { step } => set(*step, "already done"),
            Event::Applying { step } => set(*step, "applying"),
            Event::Applied { step } => set(*step, "verifying"),
            Event::Progress {
                step,
                progress,
                note,
                elapsed,
                ..
            } => {
                if let Some(s) = steps.get_mut(*step) {
                    s.state = "waiting";
                    s.progress = *progress;
                    s.note = note.clone();
                    s.elapsed = Some(*elapsed);
                }
            }
            Event::Verified { step, elapsed } => {
                if let Some(s) = steps.get_mut(*step) {
                    if s.state != "warning" {
                        s.state = "done";
                    }
                    s.progress = Some(1.0);
                    s.elapsed = Some(*elapsed);
                }
            }
            Event::Warned { step, message } => {
                if let Some(s) = steps.get_mut(*step) {
                    s.state = "warning";
                    s.note = message.clone();
                }
            }
            Event::Failed { step, reason } => {
                if let Some(s) = steps.get_mut(*step) {
                    s.state = "FAILED";
                    s.note = reason.clone();
                }
            }
        }
    }

    pub fn finished(&mut self, ended: Ended, text: String) {
        match &mut self.stage {
            Stage::Running { outcome, .. } => *outcome = Some((ended, text)),
            _ => {
                self.stage = Stage::Running {
                    name: String::new(),
                    target: String::new(),
                    steps: vec![],
                    journal: None,
                    outcome: Some((ended, text)),
                    abort: Arc::default(),
                }
            }
        }
    }
}
