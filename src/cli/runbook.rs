//! `opsdeck runbook …`: plan (the default), apply with a typed confirmation, resume a journal.
//! Exit codes: 0 done (or planned), 1 a step failed or the run was interrupted, 2 refused.
//!
//! Every write passes one gate, the demo's included (a rehearsal is the real flow): `--write` (or
//! `write = true`), `--apply` and `--confirm <target>`, checked before anything is written or
//! reported as started, on a start and on a resume alike. A resume runs only in the world its
//! journal ran in: the same config and flags, and credentials acting in the same AWS account
//! (asked of STS when a run starts or resumes, and recorded in the journal).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches, Subcommand};
use serde_json::Value;

use crate::backend::configured_ports::{configured_ports, world_hints};
use crate::backend::demo::rehearsal_ports;
use crate::clock::{JumpClock, SharedClock, SimClock, whole_second_now};
use crate::config::{Config, paths};
use crate::runbook::engine::{self, Outcome, RunOptions};
use crate::runbook::from_world::{WorldHints, missing};
use crate::runbook::inputs::{InputShape, InputSpec, messages};
use crate::runbook::ports::Ports;
use crate::runbook::render::{self, Progress, TimelineSteps};
use crate::runbook::{RUNBOOKS, RunbookSpec, journal};

/// `opsdeck runbook …`: one subcommand per runbook (`RUNBOOKS`, each with its declared inputs
/// as flags), then `resume` and `list`. Parsed by hand (`Subcommand` below) because the runbooks'
/// flags come from their declarations, not from a Rust struct per runbook.
#[derive(Debug)]
pub enum RunbookCmd {
    /// Plan or apply a runbook.
    Start(RunbookStart),
    /// `resume`, `list`.
    Runs(RunsCmd),
}

/// `opsdeck runbook <name> …`: the runbook, the run's flags, and the inputs as given.
#[derive(Debug)]
pub struct RunbookStart {
    pub spec: &'static RunbookSpec,
    pub run: RunFlags,
    /// Keyed as the journal keys them (`InputSpec::key`); validated by `spec.build`.
    pub inputs: Value,
}

// The subcommands about runs rather than one runbook. (A plain comment: a doc comment on a
// derived subcommand enum can become the `runbook` command's own description.)
#[derive(Subcommand, Debug)]
pub enum RunsCmd {
    /// Continue an interrupted run from its journal, in the world it ran in (`--demo` for a
    /// rehearsal's): like a start, it needs --write, --apply and --confirm <target>
    Resume {
        #[command(flatten)]
        run: RunFlags,
        /// The journal (`$XDG_STATE_HOME/opsdeck/runbooks/*.jsonl`); the newest interrupted one
        /// when absent
        journal: Option<PathBuf>,
    },
    /// List the runbooks and the interrupted runs that can be resumed
    List,
}

impl Subcommand for RunbookCmd {
    fn augment_subcommands(cmd: Command) -> Command {
        let cmd = RUNBOOKS
            .iter()
            .fold(cmd, |cmd, spec| cmd.subcommand(start_command(spec)));
        RunsCmd::augment_subcommands(cmd)
    }

    fn augment_subcommands_for_update(cmd: Command) -> Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        crate::runbook::spec(name).is_some() || RunsCmd::has_subcommand(name)
    }
}

impl FromArgMatches for RunbookCmd {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Self::from_arg_matches_mut(&mut matches.clone())
    }

    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Self, clap::Error> {
        if let Some(spec) = matches.subcommand_name().and_then(crate::runbook::spec)
            && let Some((_, mut sub)) = matches.remove_subcommand()
        {
            return Ok(RunbookCmd::Start(RunbookStart {
                spec,
                run: RunFlags::from_arg_matches_mut(&mut sub)?,
                inputs: given_inputs(spec, &mut sub),
            }));
        }
        RunsCmd::from_arg_matches_mut(matches).map(RunbookCmd::Runs)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

/// A runbook's subcommand, from its declaration: the run's flags, then a flag per input.
fn start_command(spec: &RunbookSpec) -> Command {
    let cmd = RunFlags::augment_args(Command::new(spec.name).about(spec.about));
    let read = spec.from_world.as_ref().map_or(&[][..], |w| w.keys);
    spec.inputs.iter().fold(cmd, |cmd, input| {
        cmd.arg(input_arg(input, read.contains(&input.key)))
    })
}

/// An input's flag: required unless it has a default, is optional or can be read from the
/// world; a list repeats.
fn input_arg(input: &InputSpec, from_world: bool) -> Arg {
    let arg = Arg::new(input.key)
        .long(input.flag)
        .help(input.help)
        .value_name(value_name(input))
        .value_parser(clap::value_parser!(String))
        .action(match input.shape {
            InputShape::List => ArgAction::Append,
            InputShape::Text | InputShape::Optional => ArgAction::Set,
        });
    match input.default {
        Some(default) => arg.default_value(default),
        None => arg.required(input.required() && !from_world),
    }
}

/// The value's name in the help and errors, as it always read: the flag in capitals, plural for
/// a list (`--account-id <ACCOUNT_ID>`, `--space <SPACES>`).
fn value_name(input: &InputSpec) -> String {
    let mut name = input.flag.to_uppercase().replace('-', "_");
    if input.shape == InputShape::List {
        name.push('S');
    }
    name
}

/// The inputs the command line gave, as JSON keyed by `InputSpec::key`: a string, an array for
/// a list, null for an absent optional input.
fn given_inputs(spec: &RunbookSpec, matches: &mut ArgMatches) -> Value {
    let fields = spec.inputs.iter().map(|input| {
        let value = match input.shape {
            InputShape::List => {
                let values: Vec<String> = matches
                    .remove_many::<String>(input.key)
                    .map(Iterator::collect)
                    .unwrap_or_default();
                Value::from(values)
            }
            InputShape::Text | InputShape::Optional => matches
                .remove_one::<String>(input.key)
                .map_or(Value::Null, Value::from),
        };
        (input.key.to_string(), value)
    });
    Value::Object(fields.collect())
}

#[derive(Args, Debug, Clone)]
pub struct RunFlags {
    /// Rehearse on the embedded demo world (simulated AWS, cluster and GitOps repository)
    /// instead of the configured AWS account, kube contexts and GitOps repository; applying
    /// still needs --write
    #[arg(long)]
    demo: bool,
    /// Show the plan and write nothing (the default)
    #[arg(long, conflicts_with = "apply")]
    plan: bool,
    /// Apply the plan (without it, only the plan is shown and nothing is written); needs --write
    /// and --confirm
    #[arg(long)]
    apply: bool,
    /// The target environment's name, typed to confirm --apply
    #[arg(long, value_name = "ENV")]
    confirm: Option<String>,
    /// Go ahead despite the readiness problems the preflight found (journalled)
    #[arg(long, value_name = "REASON")]
    override_reason: Option<String>,
    /// A local clone of the GitOps repository (default: the config's gitops_repo; the demo
    /// uses an in-memory one)
    #[arg(long, value_name = "PATH")]
    repo: Option<PathBuf>,
    /// The configured AWS account to act in (default: the first in the config)
    #[arg(long, value_name = "NAME")]
    account: Option<String>,
    /// Demo clock speed: simulated seconds per real second, up to 3600; 0 jumps over every wait
    #[arg(long, default_value_t = 60.0, value_parser = parse_speed)]
    speed: f64,
}

/// The demo clock's fastest: an hour of waiting per second.
const MAX_SPEED: f64 = 3600.0;

/// `--speed`: 0 (jump over every wait) or a finite number of simulated seconds per real second
/// up to `MAX_SPEED`; a negative, NaN or infinite speed is refused, not quietly taken as 0.
fn parse_speed(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=MAX_SPEED).contains(&v) => Ok(v),
        _ => Err(format!(
            "{s:?} is not a speed from 0 (jump over every wait) to {MAX_SPEED} (simulated seconds per real second)"
        )),
    }
}

pub fn journal_dir() -> PathBuf {
    paths::state_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("runbooks")
}

fn refused(problems: &[String]) -> ExitCode {
    eprintln!("opsdeck: refused, nothing was written:");
    for p in problems {
        eprintln!("  - {p}");
    }
    ExitCode::from(2)
}

/// Why `--apply` may not write: read-only (no `--write`, no `write = true`), in the demo too.
fn write_problem(flags: &RunFlags, write: bool) -> Option<String> {
    if !flags.apply || write {
        return None;
    }
    Some(if flags.demo {
        "read-only: --apply writes, in the demo too (a rehearsal is the real flow, and --repo is a real repository); add --write (or set write = true)".into()
    } else {
        "read-only: runbooks change things; start opsdeck with --write (or set write = true) to apply, or rehearse with --demo --write".into()
    })
}

/// The ports for a run: the demo world (a rehearsal, on a clock at `--speed`), or the real
/// backends.
fn ports(flags: &RunFlags, config: &Config) -> Result<Ports, String> {
    if !flags.demo {
        return configured_ports(config, flags.account.as_deref(), flags.repo.as_deref());
    }
    let clock: SharedClock = if flags.speed > 0.0 {
        Arc::new(SimClock::new(whole_second_now(), flags.speed))
    } else {
        Arc::new(JumpClock::new(whole_second_now()))
    };
    rehearsal_ports(clock, flags.repo.as_deref())
}

/// The inputs not given that the world can tell (`RunbookSpec::from_world`), read from the
/// world the run acts in, what was read and the choices printed; then the ones it could not
/// tell, refused by their flags. The ports it read with, when it needed them: the run goes on
/// with them (an assumed role is not assumed twice).
async fn inputs_from_world(
    start: &mut RunbookStart,
    config: &Config,
) -> Result<Option<Ports>, Vec<String>> {
    let Some(from_world) = &start.spec.from_world else {
        return Ok(None);
    };
    if !from_world.keys.iter().any(|k| missing(&start.inputs, k)) {
        return Ok(None);
    }
    let ports = ports(&start.run, config).map_err(|e| vec![e])?;
    let hints = if start.run.demo {
        WorldHints::default()
    } else {
        world_hints(config)
    };
    let said = (from_world.read)(&ports, &hints, &mut start.inputs)
        .await
        .map_err(|e| vec![e])?;
    for line in said {
        println!("{line}");
    }
    let unread: Vec<String> = start
        .spec
        .inputs
        .iter()
        .filter(|i| from_world.keys.contains(&i.key) && missing(&start.inputs, i.key))
        .map(|i| {
            format!(
                "--{} not given, and the world does not tell it (see above)",
                i.flag
            )
        })
        .collect();
    if unread.is_empty() {
        Ok(Some(ports))
    } else {
        Err(unread)
    }
}

pub async fn run(cmd: RunbookCmd, config: &Config, write: bool) -> ExitCode {
    let (flags, rb, read_with) = match cmd {
        RunbookCmd::Runs(RunsCmd::List) => {
            for spec in RUNBOOKS {
                println!("{}", spec.name);
            }
            let interrupted = journal::interrupted(&journal_dir());
            if !interrupted.is_empty() {
                println!("\ninterrupted runs (opsdeck runbook resume <journal>):");
                for j in interrupted {
                    println!("  {}", j.display());
                }
            }
            return ExitCode::SUCCESS;
        }
        RunbookCmd::Runs(RunsCmd::Resume { run, journal }) => {
            let Some(path) =
                journal.or_else(|| journal::interrupted(&journal_dir()).into_iter().next())
            else {
                return refused(&[format!("no interrupted run in {}", journal_dir().display())]);
            };
            return resume(&run, &path, config, write).await;
        }
        RunbookCmd::Start(mut start) => {
            let read_with = match inputs_from_world(&mut start, config).await {
                Ok(ports) => ports,
                Err(problems) => return refused(&problems),
            };
            // The staging refresh names its snapshot by the day the run starts.
            let today = whole_second_now().strftime("%Y%m%d").to_string();
            match (start.spec.build)(&start.inputs, &today) {
                Ok(rb) => (start.run, rb, read_with),
                Err(p) => return refused(&messages(p)),
            }
        }
    };
    // The gate of a write, before the preflight reads the world: --write, then the typed target.
    let mut problems: Vec<String> = write_problem(&flags, write).into_iter().collect();
    if flags.apply {
        problems.extend(engine::confirm_problem(
            &rb.target(),
            flags.confirm.as_deref(),
        ));
    }
    if !problems.is_empty() {
        return refused(&problems);
    }
    let mut ports = match read_with.map_or_else(|| ports(&flags, config), Ok) {
        Ok(p) => p,
        Err(e) => return refused(&[e]),
    };
    // The AWS account the credentials act in, for the journal: a run that writes without knowing
    // it could never be resumed safely, so an --apply is refused; a plan writes nothing.
    if let Err(e) = ports.identify_account().await {
        if flags.apply {
            return refused(&[e]);
        }
        tracing::warn!("{e}");
    }
    let opts = options(&flags);
    let titles: Vec<String> = rb.steps().iter().map(|s| s.title.clone()).collect();
    let mut progress = Progress::new(titles.clone());
    let mut timeline = TimelineSteps::new(ports.world.is_demo(), rb.name(), &rb.target(), titles);
    let outcome = engine::run(rb.as_ref(), &ports, &opts, &mut |e| {
        timeline.record(e);
        progress.print(e)
    })
    .await;
    report(outcome, &rb.target())
}

/// `runbook resume`: the gate of a start (`--write`, `--apply`, the typed target) and the
/// journal's world, all checked before a step runs or a line of progress is printed.
async fn resume(flags: &RunFlags, path: &Path, config: &Config, write: bool) -> ExitCode {
    let replay = match journal::replay(path) {
        Ok(r) => r,
        Err(e) => return refused(&[e]),
    };
    let mut problems: Vec<String> = Vec::new();
    if !write {
        problems.push(
            "read-only: a resume writes, in the demo too; add --write (or set write = true)".into(),
        );
    }
    let mut ports = match ports(flags, config) {
        Ok(p) => p,
        Err(e) => {
            problems.push(e);
            return refused(&problems);
        }
    };
    // The AWS account the credentials act in, compared with the one the journal records. Asked
    // only when the rest of the world matches (anything else is refused without a call to AWS).
    if let Some(ran) = &replay.world
        && ran.account_id().is_some()
        && ran.same_config(&ports.world)
        && let Err(e) = ports.identify_account().await
    {
        problems.push(e);
    }
    problems.extend(engine::resume_problems(
        path,
        &replay,
        &ports.world,
        flags.apply,
        flags.confirm.as_deref(),
    ));
    if !problems.is_empty() {
        return refused(&problems);
    }
    let steps = match crate::runbook::from_inputs(&replay.runbook, &replay.inputs) {
        Ok(rb) => rb.steps(),
        Err(e) => return refused(&[format!("{}: {e}", path.display())]),
    };
    let opts = options(flags);
    let titles: Vec<String> = steps.iter().map(|s| s.title.clone()).collect();
    let mut progress = Progress::new(titles.clone());
    let mut timeline = TimelineSteps::new(
        ports.world.is_demo(),
        &replay.runbook,
        &replay.target,
        titles,
    );
    let outcome = engine::resume(path, &ports, &opts, &mut |e| {
        timeline.record(e);
        progress.print(e)
    })
    .await;
    report(outcome, &replay.target)
}

fn options(flags: &RunFlags) -> RunOptions {
    RunOptions {
        apply: flags.apply,
        confirm: flags.confirm.clone(),
        override_reason: flags.override_reason.clone(),
        journal_dir: journal_dir(),
        poll: Duration::from_secs(5),
        audit: crate::audit::path(),
    }
}

fn report(outcome: Outcome, target: &str) -> ExitCode {
    match &outcome {
        Outcome::Refused(p) => refused(p),
        Outcome::Planned { .. } | Outcome::Completed { .. } => {
            // The run is over: a reader gone (`| head`) loses the summary, never the run.
            let _ = std::io::Write::write_all(
                &mut std::io::stdout(),
                render::outcome(&outcome, target).as_bytes(),
            );
            ExitCode::SUCCESS
        }
        Outcome::Failed { .. } | Outcome::Interrupted { .. } => {
            eprint!("{}", render::outcome(&outcome, target));
            ExitCode::from(1)
        }
    }
}
