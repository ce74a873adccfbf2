//! Runbook runs as text: the live step lines and the plan or summary, for the CLI and for tests
//! that check what the screen shows.

use std::time::Duration;

use super::engine::{Control, Event, Outcome, StepReport, StepResult};

/// Turns engine events into step lines, one per change (not one per poll).
pub struct Progress {
    titles: Vec<String>,
    last: Option<(usize, String)>,
    warned: Option<usize>,
}

impl Progress {
    pub fn new(titles: Vec<String>) -> Progress {
        Progress {
            titles,
            last: None,
            warned: None,
        }
    }

    fn line(&self, step: usize, what: &str) -> String {
        format!(
            "[{:>2}/{}] {}: {what}",
            step + 1,
            self.titles.len(),
            self.titles[step]
        )
    }

    /// The line an event shows, if any.
    pub fn render(&mut self, e: &Event) -> Option<String> {
        Some(match e {
            Event::Started { journal } => format!("journal: {}", journal.display()),
            Event::Skipped { step } => self.line(*step, "already done"),
            Event::Applying { step } => self.line(*step, "applying"),
            Event::Applied { .. } => return None,
            Event::Progress {
                step,
                progress,
                note,
                elapsed,
                expected,
            } => {
                let gauge = progress
                    .map(|p| format!("{:>3.0}% ", p * 100.0))
                    .unwrap_or_default();
                let key = (*step, format!("{gauge}{note}"));
                if self.last.as_ref() == Some(&key) {
                    return None;
                }
                self.last = Some(key);
                let of = expected
                    .map(|x| format!(" of ~{}", secs(x)))
                    .unwrap_or_default();
                self.line(
                    *step,
                    &format!("waiting {gauge}{note} ({}{of})", secs(*elapsed)),
                )
            }
            Event::Verified { step, .. } if self.warned == Some(*step) => return None,
            Event::Verified { step, elapsed } => {
                self.line(*step, &format!("done ({})", secs(*elapsed)))
            }
            Event::Warned { step, message } => {
                self.warned = Some(*step);
                self.line(*step, &format!("done, with a warning: {message}"))
            }
            Event::Failed { step, reason } => self.line(*step, &format!("FAILED: {reason}")),
        })
    }

    /// Prints an event's line; never stops the run, not even when nobody reads the output any
    /// more (`| head`): a write half done is worse than a line lost.
    pub fn print(&mut self, e: &Event) -> Control {
        if let Some(l) = self.render(e) {
            use std::io::Write;
            let _ = writeln!(std::io::stdout(), "{l}");
        }
        Control::Continue
    }
}

pub fn secs(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// The plan, the summary, the failure or the refusal, as text.
pub fn outcome(outcome: &Outcome, target: &str) -> String {
    let mut out = String::new();
    match outcome {
        Outcome::Planned {
            steps,
            findings,
            overridable,
        } => {
            out.push_str("plan (dry run: nothing is written):\n");
            for (i, s) in steps.iter().enumerate() {
                out.push_str(&format!(
                    "{:>3}. {}\n     {} → {}\n",
                    i + 1,
                    s.title,
                    s.description.what,
                    s.description.target
                ));
                if let Some(cli) = &s.description.equivalent_cli {
                    out.push_str(&format!("     $ {cli}\n"));
                }
            }
            for f in findings {
                out.push_str(&format!("note: {f}\n"));
            }
            for o in overridable {
                out.push_str(&format!("overridden: {o}\n"));
            }
            out.push_str(&format!(
                "\nto apply: add --write --apply --confirm {target}\n"
            ));
        }
        Outcome::Refused(problems) => {
            out.push_str("refused, nothing was written:\n");
            for p in problems {
                out.push_str(&format!("  - {p}\n"));
            }
        }
        Outcome::Completed {
            journal,
            steps,
            follow_ups,
        } => {
            out.push_str(&summary(steps));
            if !follow_ups.is_empty() {
                out.push_str("\nfollow-ups:\n");
                for f in follow_ups {
                    out.push_str(&format!("  [ ] {f}\n"));
                }
            }
            out.push_str(&format!("\njournal: {}\n", journal.display()));
        }
        Outcome::Failed {
            journal,
            steps,
            step,
            reason,
            next,
        } => {
            out.push_str(&summary(steps));
            out.push_str(&format!(
                "step {step} failed: {reason}\nnext: {next}\njournal: {}\n",
                journal.display()
            ));
        }
        Outcome::Interrupted { journal } => {
            // The whole command, flags and target as the journal has them.
            let resume = super::journal::replay(journal)
                .ok()
                .and_then(|r| {
                    let world = r.world.as_ref()?;
                    Some(super::engine::resume_command(journal, &r.target, world))
                })
                .unwrap_or_else(|| format!("opsdeck runbook resume {}", journal.display()));
            out.push_str(&format!(
                "stopped, as asked (journalled); resume with: {resume}\n"
            ));
        }
    }
    out
}

fn summary(steps: &[StepReport]) -> String {
    let mut out = String::from("\nsummary:\n");
    let total: Duration = steps.iter().map(|s| s.elapsed).sum();
    for s in steps {
        let result = match s.result {
            StepResult::AlreadyDone => "already done",
            StepResult::Done => "done",
            StepResult::Warned => "warning",
            StepResult::Failed => "FAILED",
        };
        out.push_str(&format!(
            "  {:<58} {:<12} {:>7}\n",
            s.title,
            result,
            secs(s.elapsed)
        ));
        if let Some(n) = &s.note {
            out.push_str(&format!("      {n}\n"));
        }
    }
    out.push_str(&format!(
        "  {:<58} {:<12} {:>7}\n",
        "total",
        "",
        secs(total)
    ));
    out
}

/// A run's event as a line of the timeline: a step verified, already done, warned about or
/// failed, by its number and title; `None` for the others.
pub fn step_note(titles: &[&str], e: &Event) -> Option<String> {
    let title = |i: &usize| titles.get(*i).copied().unwrap_or("?");
    Some(match e {
        Event::Verified { step, .. } => format!("step {}: {} done", step + 1, title(step)),
        Event::Skipped { step } => format!("step {}: {} already done", step + 1, title(step)),
        Event::Warned { step, message } => {
            format!("step {}: {}: warning: {message}", step + 1, title(step))
        }
        Event::Failed { step, reason } => {
            format!("step {}: {} FAILED: {reason}", step + 1, title(step))
        }
        _ => return None,
    })
}

/// The steps a run from the command line takes, on the timeline's file (the demo's for a
/// rehearsal), as the TUI's runs are: so `opsdeck timeline` and the next TUI show them.
pub struct TimelineSteps {
    db: Option<crate::timeline_db::TimelineDb>,
    runbook: String,
    target: String,
    titles: Vec<String>,
}

impl TimelineSteps {
    pub fn new(demo: bool, runbook: &str, target: &str, titles: Vec<String>) -> TimelineSteps {
        let db = crate::timeline_db::path(demo).and_then(|p| {
            crate::timeline_db::TimelineDb::open(&p)
                .map_err(|e| tracing::warn!("the run's steps are not on the timeline: {e}"))
                .ok()
        });
        TimelineSteps {
            db,
            runbook: runbook.to_string(),
            target: target.to_string(),
            titles,
        }
    }

    pub fn record(&mut self, e: &Event) {
        let titles: Vec<&str> = self.titles.iter().map(String::as_str).collect();
        let (Some(db), Some(note)) = (self.db.as_mut(), step_note(&titles, e)) else {
            return;
        };
        let change = crate::store::changes::Change {
            at: jiff::Timestamp::now(),
            source: "opsdeck".into(),
            subject: crate::store::changes::Subject::Runbook {
                name: self.runbook.clone(),
                target: self.target.clone(),
            },
            from: None,
            to: None,
            note,
        };
        if let Err(e) = db.insert(&[change]) {
            tracing::warn!("a step could not be put on the timeline: {e}");
        }
    }
}
