//! The engine: preflight → plan (the default: writes nothing) → typed confirmation of the target
//! → each step checked, applied and verified, every event journalled → a summary. It stops at the
//! first failed step with the reason and what to do next. `resume` continues a journal, under the
//! same gate as a start (`--apply` and the typed target), only in the world the journal ran in
//! and only while no other process runs it. Each step applied, and each that failed, is also a
//! line of the audit log (`crate::audit`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;

use super::journal::{self, Entry, Journal, Phase, Replay, World};
use super::ports::Ports;
use super::{Preflight, RunState, Runbook, StepSpec, Verdict};
use crate::audit;

#[derive(Clone, Debug)]
pub struct RunOptions {
    /// False: show the plan and write nothing.
    pub apply: bool,
    /// What the engineer typed to confirm; must equal the runbook's target.
    pub confirm: Option<String>,
    /// A typed reason that passes the overridable preflight problems (journalled).
    pub override_reason: Option<String>,
    /// Where journals go (`$XDG_STATE_HOME/opsdeck/runbooks`).
    pub journal_dir: PathBuf,
    /// Between two verifies of a step that waits, on the run's clock.
    pub poll: Duration,
    /// The audit log each applied or failed step goes to (`$XDG_STATE_HOME/opsdeck/audit.jsonl`
    /// for the CLI and the TUI); none for a run that is not the user's (a test's).
    pub audit: Option<PathBuf>,
}

impl RunOptions {
    pub fn plan(journal_dir: PathBuf) -> RunOptions {
        RunOptions {
            apply: false,
            confirm: None,
            override_reason: None,
            journal_dir,
            poll: Duration::from_secs(5),
            audit: None,
        }
    }
}

/// What the engine reports as it goes, for the screen.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Started {
        journal: PathBuf,
    },
    Skipped {
        step: usize,
    },
    Applying {
        step: usize,
    },
    Applied {
        step: usize,
    },
    Progress {
        step: usize,
        progress: Option<f64>,
        note: String,
        elapsed: Duration,
        expected: Option<Duration>,
    },
    Verified {
        step: usize,
        elapsed: Duration,
    },
    Warned {
        step: usize,
        message: String,
    },
    Failed {
        step: usize,
        reason: String,
    },
}

/// An observer's answer: `Stop` ends the run there, as a crash would (tests, Ctrl-C).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Continue,
    Stop,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepResult {
    AlreadyDone,
    Done,
    Warned,
    Failed,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct StepReport {
    pub key: String,
    pub title: String,
    pub result: StepResult,
    pub elapsed: Duration,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The dry run: the plan and what the preflight found; nothing written.
    Planned {
        steps: Vec<StepSpec>,
        findings: Vec<String>,
        overridable: Vec<String>,
    },
    /// Refused before anything was written.
    Refused(Vec<String>),
    Completed {
        journal: PathBuf,
        steps: Vec<StepReport>,
        follow_ups: Vec<String>,
    },
    Failed {
        journal: PathBuf,
        steps: Vec<StepReport>,
        step: String,
        reason: String,
        next: String,
    },
    /// Stopped by the observer; the journal lets `resume` continue.
    Interrupted { journal: PathBuf },
}

impl Outcome {
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Planned { .. } | Outcome::Completed { .. })
    }
}

type Observer<'o> = dyn FnMut(&Event) -> Control + Send + 'o;

/// Runs a runbook from the start.
pub async fn run(
    rb: &dyn Runbook,
    ports: &Ports,
    opts: &RunOptions,
    observer: &mut Observer<'_>,
) -> Outcome {
    let pre: Preflight = rb.preflight(ports).await;
    if !pre.problems.is_empty() {
        return Outcome::Refused(pre.problems);
    }
    if !pre.overridable.is_empty()
        && opts
            .override_reason
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
    {
        let mut v = pre.overridable.clone();
        v.push("refused: pass a typed reason (--override-reason \"…\") to go ahead anyway".into());
        return Outcome::Refused(v);
    }
    if !opts.apply {
        return Outcome::Planned {
            steps: rb.steps(),
            findings: pre.findings,
            overridable: pre.overridable,
        };
    }
    let target = rb.target();
    if let Some(problem) = confirm_problem(&target, opts.confirm.as_deref()) {
        return Outcome::Refused(vec![problem]);
    }
    let now = ports.clock.now();
    let mut journal = match Journal::create(&opts.journal_dir, rb.name(), &target, now) {
        Ok(j) => j,
        Err(e) => {
            return Outcome::Refused(vec![format!(
                "cannot write the journal in {}: {e}",
                opts.journal_dir.display()
            )]);
        }
    };
    let mut head = vec![
        Entry::Start {
            runbook: rb.name().into(),
            target: target.clone(),
            inputs: rb.inputs(),
            steps: rb.steps().into_iter().map(|s| s.key).collect(),
            world: Some(ports.world.clone()),
            pid: Some(std::process::id()),
            at: now,
        },
        Entry::Confirmed {
            typed: target,
            at: now,
        },
    ];
    if !pre.overridable.is_empty() {
        head.push(Entry::Override {
            problems: pre.overridable,
            reason: opts.override_reason.clone().unwrap_or_default(),
            at: now,
        });
    }
    for e in &head {
        if let Err(e) = journal.append(e) {
            return Outcome::Refused(vec![format!("cannot write the journal: {e}")]);
        }
    }
    execute(
        rb,
        ports,
        opts,
        journal,
        BTreeSet::new(),
        RunState::new(),
        observer,
    )
    .await
}

/// The typed confirmation's problem, if it does not name `target`.
pub fn confirm_problem(target: &str, typed: Option<&str>) -> Option<String> {
    (typed != Some(target)).then(|| {
        format!(
            "type the target environment name to confirm: --confirm {target}{}",
            match typed {
                Some(c) => format!(" (got {c:?})"),
                None => String::new(),
            }
        )
    })
}

/// Why the run `replay` reads from `path` may not resume in `world` with `apply` and the typed
/// `confirm`: one message per problem; empty means go. The same gate as a start (the apply and
/// the typed target), plus the world the journal ran in. The caller checks `--write`.
pub fn resume_problems(
    path: &Path,
    replay: &Replay,
    world: &World,
    apply: bool,
    confirm: Option<&str>,
) -> Vec<String> {
    let at = path.display();
    if replay.finished == Some(true) {
        return vec![format!("{at}: this run already completed")];
    }
    if !replay.confirmed {
        return vec![format!("{at}: the run was never confirmed; start it again")];
    }
    let mut problems = Vec::new();
    match &replay.world {
        None => problems.push(format!(
            "{at}: this journal predates the world check: it does not record which world (the demo, or which AWS account, kube contexts and GitOps repository) it ran in, so it is not resumed; start the run again instead (each step checks whether it is already done)"
        )),
        Some(ran) => problems.extend(ran.mismatch(world)),
    }
    if !apply {
        problems.push(format!(
            "resuming applies the steps left: add --apply --confirm {}",
            replay.target
        ));
    }
    if let Some(p) = confirm_problem(&replay.target, confirm) {
        problems.push(p);
    }
    problems
}

/// The journal read back, if a resume may go on with it: the gate of a start (apply, the typed
/// target) and the journal's own world.
fn gate(path: &Path, ports: &Ports, opts: &RunOptions) -> Result<Replay, Outcome> {
    let replay = journal::replay(path).map_err(|e| Outcome::Refused(vec![e]))?;
    let problems = resume_problems(
        path,
        &replay,
        &ports.world,
        opts.apply,
        opts.confirm.as_deref(),
    );
    if problems.is_empty() {
        Ok(replay)
    } else {
        Err(Outcome::Refused(problems))
    }
}

/// Continues the run a journal records: verified steps are skipped, the interrupted one is
/// checked again first. Refused, before anything is written or reported as started, without
/// `apply` and the typed target, in another world than the journal's, or while another process
/// runs the journal.
pub async fn resume(
    path: &Path,
    ports: &Ports,
    opts: &RunOptions,
    observer: &mut Observer<'_>,
) -> Outcome {
    let replay = match gate(path, ports, opts) {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let rb = match super::from_inputs(&replay.runbook, &replay.inputs) {
        Ok(rb) => rb,
        Err(e) => return Outcome::Refused(vec![format!("{}: {e}", path.display())]),
    };
    // The lock first, then the journal again: another process may have moved it on meanwhile.
    let mut journal = match Journal::reopen(path) {
        Ok(j) => j,
        Err(e) => return Outcome::Refused(vec![format!("{}: {e}", path.display())]),
    };
    let replay = match gate(path, ports, opts) {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    if let Err(e) = journal.append(&Entry::Resumed {
        pid: Some(std::process::id()),
        at: ports.clock.now(),
    }) {
        return Outcome::Refused(vec![format!("cannot write the journal: {e}")]);
    }
    let verified = replay.verified.into_iter().collect();
    execute(
        rb.as_ref(),
        ports,
        opts,
        journal,
        verified,
        replay.state,
        observer,
    )
    .await
}

/// The command that resumes a journal in `world`.
pub fn resume_command(path: &Path, target: &str, world: &World) -> String {
    let flags = match world {
        World::Demo { .. } => format!(" {}", world.flags()),
        World::Real { .. } => String::new(),
    };
    format!(
        "opsdeck runbook resume{flags} {} --write --apply --confirm {target}",
        path.display()
    )
}

fn elapsed(from: Timestamp, to: Timestamp) -> Duration {
    to.duration_since(from).unsigned_abs()
}

/// How long a waiting step may take before it fails: four times its usual time, at least ten
/// minutes.
fn deadline(spec: &StepSpec) -> Duration {
    spec.expected.map_or(Duration::from_secs(600), |e| {
        (e * 4).max(Duration::from_secs(600))
    })
}

/// A step's line in the audit log (`opts.audit`; none for a test's run).
fn audit_step(
    opts: &RunOptions,
    rb: &dyn Runbook,
    key: &str,
    ports: &Ports,
    outcome: audit::Outcome,
) {
    let entry = audit::Entry::runbook_step(rb.name(), key, &rb.target(), &ports.world, outcome);
    audit::record(opts.audit.as_deref(), &entry);
}

async fn execute(
    rb: &dyn Runbook,
    ports: &Ports,
    opts: &RunOptions,
    mut journal: Journal,
    verified: BTreeSet<String>,
    mut state: RunState,
    observer: &mut Observer<'_>,
) -> Outcome {
    let path = journal.path().to_path_buf();
    let clock = ports.clock.clone();
    let mut reports = Vec::new();
    macro_rules! log {
        ($entry:expr) => {
            if let Err(e) = journal.append(&$entry) {
                return Outcome::Failed {
                    journal: path.clone(),
                    steps: reports,
                    step: String::new(),
                    reason: format!("cannot write the journal: {e}"),
                    next: "free disk space or fix the permissions, then resume".into(),
                };
            }
        };
    }
    // Stopped by the observer (the abort key): journalled, so the journal says the run was
    // stopped on purpose, and left resumable.
    macro_rules! stopped {
        () => {{
            log!(Entry::Stopped { at: clock.now() });
            return Outcome::Interrupted { journal: path };
        }};
    }
    if observer(&Event::Started {
        journal: path.clone(),
    }) == Control::Stop
    {
        stopped!();
    }
    // A failed step: audited, journalled, reported, and the run ends there.
    macro_rules! step_failed {
        ($spec:expr, $i:expr, $reason:expr, $elapsed:expr) => {{
            let reason: String = $reason;
            let elapsed: Option<Duration> = $elapsed;
            audit_step(opts, rb, &$spec.key, ports, audit::Outcome::failed(&reason));
            log!(Entry::Step {
                key: $spec.key.clone(),
                phase: Phase::Failed,
                detail: Some(reason.clone()),
                elapsed_ms: elapsed.map(|e| e.as_millis() as u64),
                state: None,
                at: clock.now()
            });
            log!(Entry::Finished {
                ok: false,
                reason: Some(reason.clone()),
                at: clock.now()
            });
            observer(&Event::Failed {
                step: $i,
                reason: reason.clone(),
            });
            reports.push(StepReport {
                key: $spec.key.clone(),
                title: $spec.title.clone(),
                result: StepResult::Failed,
                elapsed: elapsed.unwrap_or_default(),
                note: Some(reason.clone()),
            });
            return Outcome::Failed {
                journal: path.clone(),
                steps: reports,
                step: $spec.key.clone(),
                reason,
                next: format!(
                    "fix the cause, then run `{}`: verified steps are skipped and this one is checked again first",
                    resume_command(&path, &rb.target(), &ports.world)
                ),
            };
        }};
    }
    let steps = rb.steps();
    for (i, spec) in steps.iter().enumerate() {
        if verified.contains(&spec.key) {
            reports.push(StepReport {
                key: spec.key.clone(),
                title: spec.title.clone(),
                result: StepResult::AlreadyDone,
                elapsed: Duration::ZERO,
                note: Some("verified in an earlier run".into()),
            });
            // Said, so a screen following the run shows it done rather than pending.
            if observer(&Event::Skipped { step: i }) == Control::Stop {
                stopped!();
            }
            continue;
        }
        let started = clock.now();
        let done = if !spec.changes {
            Ok(false)
        } else {
            rb.check(i, ports, &state).await
        };
        let done = match done {
            Ok(d) => d,
            Err(e) => {
                let reason = format!("check failed: {e}");
                step_failed!(spec, i, reason, None);
            }
        };
        let mut result = StepResult::Done;
        if !spec.changes {
            // Nothing to apply: straight to the verify.
        } else if done {
            result = StepResult::AlreadyDone;
            log!(Entry::Step {
                key: spec.key.clone(),
                phase: Phase::Skipped,
                detail: Some("already done".into()),
                elapsed_ms: None,
                state: None,
                at: clock.now()
            });
            if observer(&Event::Skipped { step: i }) == Control::Stop {
                stopped!();
            }
        } else {
            log!(Entry::Step {
                key: spec.key.clone(),
                phase: Phase::Applying,
                detail: None,
                elapsed_ms: None,
                state: None,
                at: clock.now()
            });
            if observer(&Event::Applying { step: i }) == Control::Stop {
                stopped!();
            }
            if let Err(e) = rb.apply(i, ports, &mut state).await {
                let reason = e.to_string();
                step_failed!(spec, i, reason, None);
            }
            audit_step(opts, rb, &spec.key, ports, audit::Outcome::Ok);
            log!(Entry::Step {
                key: spec.key.clone(),
                phase: Phase::Applied,
                detail: None,
                elapsed_ms: None,
                state: Some(state.clone()),
                at: clock.now()
            });
            if observer(&Event::Applied { step: i }) == Control::Stop {
                stopped!();
            }
        }
        // Verify, waiting with progress while the step says so.
        let mut note = None;
        loop {
            let verdict = match rb.verify(i, ports, &state).await {
                Ok(v) => v,
                Err(e) => Verdict::Failed(format!("verify failed: {e}")),
            };
            let spent = elapsed(started, clock.now());
            match verdict {
                Verdict::Done => break,
                Verdict::Warn(w) => {
                    result = StepResult::Warned;
                    if observer(&Event::Warned {
                        step: i,
                        message: w.clone(),
                    }) == Control::Stop
                    {
                        stopped!();
                    }
                    note = Some(w);
                    break;
                }
                Verdict::Failed(reason) => {
                    step_failed!(spec, i, reason, Some(spent));
                }
                Verdict::Waiting { progress, note } => {
                    if spent > deadline(spec) {
                        let reason = format!("still waiting after {}s: {note}", spent.as_secs());
                        step_failed!(spec, i, reason, Some(spent));
                    }
                    let ev = Event::Progress {
                        step: i,
                        progress,
                        note,
                        elapsed: spent,
                        expected: spec.expected,
                    };
                    if observer(&ev) == Control::Stop {
                        stopped!();
                    }
                    let wake = clock.now() + opts.poll;
                    tokio::time::sleep(clock.until(wake)).await;
                }
            }
        }
        let spent = elapsed(started, clock.now());
        if spec.writes_in_verify {
            audit_step(opts, rb, &spec.key, ports, audit::Outcome::Ok);
        }
        let phase = if result == StepResult::Warned {
            Phase::Warned
        } else {
            Phase::Verified
        };
        log!(Entry::Step {
            key: spec.key.clone(),
            phase,
            detail: note.clone(),
            elapsed_ms: Some(spent.as_millis() as u64),
            state: Some(state.clone()),
            at: clock.now()
        });
        reports.push(StepReport {
            key: spec.key.clone(),
            title: spec.title.clone(),
            result,
            elapsed: spent,
            note,
        });
        if observer(&Event::Verified {
            step: i,
            elapsed: spent,
        }) == Control::Stop
        {
            stopped!();
        }
    }
    log!(Entry::Finished {
        ok: true,
        reason: None,
        at: clock.now()
    });
    Outcome::Completed {
        journal: path,
        steps: reports,
        follow_ups: rb
            .follow_ups()
            .into_iter()
            .map(|line| in_world(line, ports.world.is_demo()))
            .collect(),
    }
}

/// A follow-up for the world the run acted in: a rehearsal's `opsdeck runbook …` names
/// `--demo`, so pasting it never reaches the configured world.
fn in_world(line: String, demo: bool) -> String {
    const COMMAND: &str = "opsdeck runbook ";
    let Some(at) = line.find(COMMAND).filter(|_| demo) else {
        return line;
    };
    let name = at + COMMAND.len();
    let end = line[name..].find(' ').map_or(line.len(), |i| name + i);
    format!("{} --demo{}", &line[..end], &line[end..])
}

#[cfg(test)]
mod tests {
    use super::in_world;

    #[test]
    fn a_rehearsals_follow_up_command_names_the_demo() {
        let line = "fail back once us-east-1 is healthy again: opsdeck runbook failover --zone z";
        assert_eq!(
            in_world(line.into(), true),
            "fail back once us-east-1 is healthy again: opsdeck runbook failover --demo --zone z"
        );
        assert_eq!(in_world(line.into(), false), line);
        assert_eq!(in_world("push the branch".into(), true), "push the branch");
    }
}
