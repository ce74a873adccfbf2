//! `opsdeck timeline [--since …] [--until …] [--source …] [--demo] [--json | --markdown]`: the
//! timeline the TUI kept on disk (`timeline_db`), oldest first, for a handover. The Markdown
//! form is for an incident ticket or a postmortem: the changes as a table, then the actions
//! taken (from the audit log: who, what, on which target, how it went) and the runbooks run
//! (from their journals: how far they got, and the journal's path).

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use jiff::Timestamp;

use crate::audit;
use crate::runbook::journal::{self, Replay};
use crate::store::changes::Change;
use crate::timeline_db::{self, TimelineDb};

#[derive(Args, Debug)]
pub struct TimelineArgs {
    /// Only changes since a duration ago (90s, 30m, 2h, 7d) or a time (2026-11-23T12:00:00Z; a
    /// time without a zone is UTC; a day is from its midnight UTC); default: all kept (24 hours).
    /// With --demo, a duration is counted back from the demo's own clock (its newest change)
    #[arg(long = "since", value_name = "DURATION_OR_TIMESTAMP", value_parser = parse_when)]
    since_given: Option<When>,
    /// Only changes until a duration ago or a time
    #[arg(long = "until", value_name = "DURATION_OR_TIMESTAMP", value_parser = parse_when)]
    until_given: Option<When>,
    /// `--since` and `--until` as times, once the clock they count from is known.
    #[arg(skip)]
    since: Option<Timestamp>,
    #[arg(skip)]
    until: Option<Timestamp>,
    /// Only changes from a source whose name contains this (a kube context, `aws:ACCOUNT/REGION`,
    /// `opsdeck` for its own writes and runbooks); repeat for several
    #[arg(long, value_name = "SOURCE")]
    source: Vec<String>,
    /// The demo's timeline (`opsdeck demo` keeps its own)
    #[arg(long)]
    demo: bool,
    /// One JSON object per line
    #[arg(long, conflicts_with = "markdown")]
    json: bool,
    /// A Markdown report: the changes, the actions taken, the runbooks run
    #[arg(long)]
    markdown: bool,
}

/// `--since`/`--until` as given: a duration back from a clock not known yet, or a time.
#[derive(Clone, Debug)]
pub enum When {
    Ago(i64),
    At(Timestamp),
}

fn parse_when(text: &str) -> Result<When, String> {
    match audit::duration_seconds(text.trim()) {
        Some(seconds) => Ok(When::Ago(seconds)),
        None => super::audit::parse_since(text).map(When::At),
    }
}

impl When {
    fn at(&self, now: Timestamp) -> Result<Timestamp, String> {
        match self {
            When::At(t) => Ok(*t),
            When::Ago(s) => now
                .checked_sub(jiff::SignedDuration::from_secs(*s))
                .map_err(|_| format!("{s} seconds back reaches further than a time can be")),
        }
    }
}

pub fn run(mut args: TimelineArgs) -> ExitCode {
    let Some(path) = timeline_db::path(args.demo) else {
        return super::fail("cannot find a state directory, where the timeline is kept");
    };
    let db = match TimelineDb::open_read(&path) {
        Ok(db) => db,
        Err(e) => return super::fail(e),
    };
    // The demo's clock runs ahead of the wall's: a duration counts back from its newest change.
    let wall = Timestamp::now();
    let now = match (&db, args.demo) {
        (Some(db), true) => db.newest().ok().flatten().map_or(wall, |n| n.max(wall)),
        _ => wall,
    };
    let resolve = |w: &Option<When>| w.as_ref().map(|w| w.at(now)).transpose();
    match (resolve(&args.since_given), resolve(&args.until_given)) {
        (Ok(s), Ok(u)) => (args.since, args.until) = (s, u),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("opsdeck: {e}");
            return ExitCode::from(2);
        }
    }
    if let (Some(s), Some(u)) = (args.since, args.until)
        && s > u
    {
        eprintln!("opsdeck: --since is after --until");
        return ExitCode::from(2);
    }
    let changes = match db {
        Some(db) => match db.read(args.since, args.until, usize::MAX) {
            Ok(v) => v,
            Err(e) => return super::fail(format!("{}: {e}", path.display())),
        },
        None if !args.markdown => {
            let run = if args.demo { "opsdeck demo" } else { "opsdeck" };
            eprintln!(
                "opsdeck: no timeline kept yet ({} does not exist): `{run}` keeps one while it runs",
                path.display()
            );
            return ExitCode::SUCCESS;
        }
        None => Vec::new(),
    };
    let any_kept = !changes.is_empty();
    let wanted: Vec<String> = args.source.iter().map(|s| s.to_lowercase()).collect();
    let changes: Vec<Change> = changes
        .into_iter()
        .filter(|c| {
            let source = c.source.to_lowercase();
            wanted.is_empty() || wanted.iter().any(|s| source.contains(s))
        })
        .collect();
    let text = if args.markdown {
        markdown(&args, &changes)
    } else if args.json {
        changes.iter().map(|c| json(c) + "\n").collect()
    } else {
        if changes.is_empty() {
            let from = if any_kept {
                format!(" from a source matching {}", args.source.join(" or "))
            } else {
                String::new()
            };
            eprintln!(
                "opsdeck: no changes recorded in {}{}{from}",
                path.display(),
                window(args.since, args.until)
            );
            return ExitCode::SUCCESS;
        }
        changes.iter().map(|c| plain(c) + "\n").collect()
    };
    // A closed pipe (`| head`) ends the listing quietly; a full disk does not.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            super::fail(format!("writing the timeline: {e}"))
        }
        _ => ExitCode::SUCCESS,
    }
}

fn stamp(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// " since T until U", or less.
fn window(since: Option<Timestamp>, until: Option<Timestamp>) -> String {
    let mut s = String::new();
    if let Some(t) = since {
        let _ = write!(s, " since {}", stamp(t));
    }
    if let Some(t) = until {
        let _ = write!(s, " until {}", stamp(t));
    }
    s
}

/// "healthy → failed", "failed → gone", or nothing for what opsdeck did.
fn transition(c: &Change) -> String {
    if !c.is_transition() {
        return String::new();
    }
    let h = |h: Option<crate::model::Health>| h.map_or("gone", |h| h.as_str());
    format!("{} → {}", h(c.from), h(c.to))
}

/// One line: time, source, kind, name, from → to, reason. What the sources wrote (an event's
/// message) is put on one line and stripped of terminal control sequences.
fn plain(c: &Change) -> String {
    let (kind, name) = c.label();
    let mut line = format!("{}  {}  {kind} {name}", stamp(c.at), c.source);
    for part in [transition(c), c.note.clone()] {
        if !part.is_empty() {
            line.push_str("  ");
            line.push_str(&part);
        }
    }
    crate::text::terminal_safe(&crate::text::one_line(&line)).into_owned()
}

fn json(c: &Change) -> String {
    use crate::store::changes::Subject;
    let mut v = serde_json::json!({
        "at": c.at,
        "source": &*c.source,
        "from": c.from,
        "to": c.to,
        "note": c.note,
    });
    let fields = match &c.subject {
        Subject::Row(id) => serde_json::json!({
            "subject": "row",
            "kind": id.kind.as_str(),
            "scope": id.scope,
            "name": id.name,
        }),
        Subject::Source(name) => serde_json::json!({"subject": "source", "name": name}),
        Subject::Runbook { name, target } => {
            serde_json::json!({"subject": "runbook", "runbook": name, "target": target})
        }
        Subject::Object { kind, scope, name } => serde_json::json!({
            "subject": "object",
            "api_kind": kind,
            "scope": scope,
            "name": name,
        }),
    };
    if let (Some(v), serde_json::Value::Object(f)) = (v.as_object_mut(), fields) {
        v.extend(f);
    }
    v.to_string()
}

/// A table cell: one line, its pipes escaped.
fn cell(text: &str) -> String {
    crate::text::one_line(text).replace('|', "\\|")
}

fn markdown(args: &TimelineArgs, changes: &[Change]) -> String {
    let mut md = String::new();
    let from = args.since.or(changes.first().map(|c| c.at));
    let until = args.until.or(changes.last().map(|c| c.at));
    let span = match (from, until) {
        (Some(a), Some(b)) => format!("{} – {}", stamp(a), stamp(b)),
        _ => "nothing recorded".to_string(),
    };
    let world = if args.demo { " (demo)" } else { "" };
    let _ = writeln!(md, "# Timeline{world}: {span}\n");
    let _ = writeln!(
        md,
        "Prepared with `opsdeck timeline --markdown` {}. Times are UTC.\n",
        env!("CARGO_PKG_VERSION")
    );
    // The demo's clock runs ahead of the wall's: its newest change is its now.
    let now = changes
        .last()
        .map_or(Timestamp::now(), |c| c.at.max(Timestamp::now()));
    match crate::incident_mark::path(args.demo).map(|p| crate::incident_mark::read(&p, now)) {
        Some(Ok(Some(started))) => {
            let _ = writeln!(
                md,
                "**Incident started:** {} (marked in opsdeck's timeline).\n",
                stamp(started)
            );
        }
        Some(Err(e)) => eprintln!("opsdeck: {e}"),
        _ => {}
    }
    let _ = writeln!(md, "## Changes ({})\n", changes.len());
    if changes.is_empty() {
        let _ = writeln!(
            md,
            "No change recorded{}.\n",
            window(args.since, args.until)
        );
    } else {
        md.push_str("| Time | Source | Kind | Name | From → to | Reason |\n");
        md.push_str("|---|---|---|---|---|---|\n");
        for c in changes {
            let (kind, name) = c.label();
            let _ = writeln!(
                md,
                "| {} | {} | {kind} | {} | {} | {} |",
                stamp(c.at),
                cell(&c.source),
                cell(&name),
                transition(c),
                cell(&c.note)
            );
        }
        md.push('\n');
    }
    // What opsdeck did in the window asked for; without --since, in the day the file keeps.
    let day_ago = Timestamp::now() - jiff::SignedDuration::from_hours(24);
    let since = Some(args.since.unwrap_or(day_ago));
    actions(&mut md, args, since, args.until);
    runbooks(&mut md, args, since, args.until);
    md
}

fn within(at: Timestamp, from: Option<Timestamp>, until: Option<Timestamp>) -> bool {
    from.is_none_or(|f| at >= f) && until.is_none_or(|u| at <= u)
}

/// The writes the audit log records in the window, of this world (the demo's or the real one).
fn actions(
    md: &mut String,
    args: &TimelineArgs,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
) {
    let entries = audit::path()
        .and_then(|p| audit::read_from(&p, from).ok())
        .map(audit::fold)
        .unwrap_or_default();
    let entries: Vec<_> = entries
        .into_iter()
        .filter(|e| within(e.at, from, until))
        .filter(|e| e.world.as_ref().is_some_and(|w| w.is_demo()) == args.demo)
        .collect();
    let _ = writeln!(md, "## Actions taken ({})\n", entries.len());
    if entries.is_empty() {
        md.push_str("No write recorded in the audit log in this window.\n\n");
        return;
    }
    md.push_str("| Time | Who | Action | Outcome |\n|---|---|---|---|\n");
    for e in &entries {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            stamp(e.at),
            cell(&e.user),
            cell(&e.what()),
            cell(&e.outcome.to_string())
        );
    }
    md.push('\n');
}

/// The runbooks started in the window, from their journals.
fn runbooks(
    md: &mut String,
    args: &TimelineArgs,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
) {
    let dir = super::runbook::journal_dir();
    let mut runs: Vec<(Replay, PathBuf)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .filter_map(|p| journal::replay(&p).ok().map(|r| (r, p)))
        .filter(|(r, _)| r.started.is_some_and(|at| within(at, from, until)))
        .filter(|(r, _)| r.world.as_ref().is_some_and(|w| w.is_demo()) == args.demo)
        .collect();
    runs.sort_by_key(|(r, _)| r.started);
    let _ = writeln!(md, "## Runbooks run ({})\n", runs.len());
    if runs.is_empty() {
        md.push_str("No runbook started in this window.\n");
        return;
    }
    md.push_str("| Started | Runbook | Target | Steps done | Ended | Journal |\n");
    md.push_str("|---|---|---|---|---|---|\n");
    for (r, path) in &runs {
        let ended = match (r.finished, r.stopped) {
            (Some(true), _) => "finished",
            (Some(false), _) => "failed",
            (None, true) => "stopped",
            (None, false) => "interrupted",
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {}/{} | {ended} | `{}` |",
            r.started.map(stamp).unwrap_or_default(),
            cell(&r.runbook),
            cell(&r.target),
            r.verified.len(),
            r.steps.len(),
            path.display()
        );
    }
}
