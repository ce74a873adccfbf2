//! The audit log: one JSON line per write opsdeck makes — a kube action (reconcile, suspend,
//! resume, renew; from the TUI or the CLI, both through `KubeOps`) and each runbook step applied
//! or failed (the engine) — saying who made it (the OS user, and the kube context or the run's
//! world: AWS account, profile and region, kube contexts), what (the action and the object, or
//! the runbook and the step), the target, the outcome and when.
//!
//! The log is `$XDG_STATE_HOME/opsdeck/audit.jsonl`, appended to and never rewritten, owner-only
//! (0600 in a 0700 directory). It holds names, keys and failure reasons, as the runbook journal
//! does, and never a secret value.
//!
//! A kube or ECS action is written ahead: a `started` line before the request goes out (a
//! write that cannot be recorded is not made), then its outcome, which names when it started.
//! Ctrl-C, `kill -9` or a crash between the two leaves the `started` line, and `opsdeck audit`
//! shows that write as cut short. A refusal (read-only, a suspended object) makes no request
//! and is one line. An outcome the log cannot take is a warning in opsdeck's own log.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::private_files::{open_append, private_dir};
use crate::runbook::journal::World;

/// The log's name in the state directory.
pub const FILE_NAME: &str = "audit.jsonl";

/// `$XDG_STATE_HOME/opsdeck/audit.jsonl`.
pub fn path() -> Option<PathBuf> {
    crate::config::paths::state_dir().map(|d| d.join(FILE_NAME))
}

/// How a write went: `"ok"` or `"failed: <reason>"` in the log; `"started"` on the line written
/// before the request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Outcome {
    Started,
    Ok,
    Failed(String),
}

impl Outcome {
    /// A failure, its reason on one line.
    pub fn failed(reason: &str) -> Outcome {
        Outcome::Failed(crate::text::one_line(reason))
    }

    pub fn is_ok(&self) -> bool {
        *self == Outcome::Ok
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Started => write!(f, "started"),
            Outcome::Ok => write!(f, "ok"),
            Outcome::Failed(reason) => write!(f, "failed: {reason}"),
        }
    }
}

impl From<Outcome> for String {
    fn from(outcome: Outcome) -> String {
        outcome.to_string()
    }
}

impl TryFrom<String> for Outcome {
    type Error = String;

    fn try_from(text: String) -> Result<Outcome, String> {
        if text == "ok" {
            return Ok(Outcome::Ok);
        }
        if text == "started" {
            return Ok(Outcome::Started);
        }
        if text == "failed" {
            return Ok(Outcome::Failed(String::new()));
        }
        match text.strip_prefix("failed: ") {
            Some(reason) => Ok(Outcome::Failed(reason.to_string())),
            None => Err(format!(
                "{text:?} is not an outcome (\"ok\" or \"failed: …\")"
            )),
        }
    }
}

/// One write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// When the write was made: the wall clock's time, even in a run on a simulated clock.
    pub at: Timestamp,
    /// The OS user: `$USER`, else `$LOGNAME`, else `uid N`.
    pub user: String,
    /// The user's numeric id (Unix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// `reconcile`, `suspend`, `resume` or `renew` for a kube action; `redeploy` or `scale to N`
    /// for an ECS one; `runbook step` for a step.
    pub action: String,
    /// What the write aimed at: the kube context of a kube action, `account/region` of an AWS
    /// one, the typed target (the environment) of a runbook.
    pub target: String,
    /// Kube actions: the context the write used (its credentials), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Kube actions: the object's kind (`HelmRelease`…), namespace and name; ECS actions: the
    /// kind, the ECS cluster (as namespace) and the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Runbook steps: the runbook and the step's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Runbook steps: the world the run acted on (the demo, or the AWS account, its profile and
    /// region, the kube contexts and the GitOps repository).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub world: Option<World>,
    /// An outcome's: when its `started` line was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    pub outcome: Outcome,
}

impl Entry {
    /// `action` on `target`, now, by this process's user; what it touched is filled in by the
    /// constructors below.
    fn now(action: &str, target: String, outcome: Outcome) -> Entry {
        let (user, uid) = os_user();
        Entry {
            at: Timestamp::now(),
            user,
            uid,
            action: action.to_string(),
            target,
            context: None,
            kind: None,
            namespace: None,
            name: None,
            runbook: None,
            step: None,
            world: None,
            started: None,
            outcome,
        }
    }

    /// A kube action on `kind` `namespace/name` through `context`, now, by this process's user.
    pub fn kube(
        action: &str,
        kind: &str,
        namespace: &str,
        name: &str,
        context: Option<&str>,
        outcome: Outcome,
    ) -> Entry {
        let target = context.unwrap_or("(unknown context)").to_string();
        Entry {
            context: context.map(str::to_string),
            kind: Some(kind.to_string()),
            namespace: Some(namespace.to_string()),
            name: Some(name.to_string()),
            ..Entry::now(action, target, outcome)
        }
    }

    /// An AWS action on `kind` `name` (in `container`, an ECS cluster) of `account` in `region`,
    /// now, by this process's user.
    pub fn aws(
        action: &str,
        kind: &str,
        account: &str,
        region: &str,
        container: &str,
        name: &str,
        outcome: Outcome,
    ) -> Entry {
        Entry {
            kind: Some(kind.to_string()),
            namespace: Some(container.to_string()),
            name: Some(name.to_string()),
            ..Entry::now(action, format!("{account}/{region}"), outcome)
        }
    }

    /// Step `step` of `runbook`, run on `target` in `world`, now, by this process's user.
    pub fn runbook_step(
        runbook: &str,
        step: &str,
        target: &str,
        world: &World,
        outcome: Outcome,
    ) -> Entry {
        Entry {
            runbook: Some(runbook.to_string()),
            step: Some(step.to_string()),
            world: Some(world.clone()),
            ..Entry::now("runbook step", target.to_string(), outcome)
        }
    }
}

impl Entry {
    /// The write: `<action> <object> on <target>[ in <world>]`.
    pub fn what(&self) -> String {
        let mut w = match (&self.runbook, &self.step) {
            (Some(runbook), Some(step)) => {
                let mut w = format!("runbook {runbook} step {step} on {}", self.target);
                if let Some(world) = &self.world {
                    w.push_str(&format!(" in {world}"));
                }
                return w;
            }
            _ => self.action.clone(),
        };
        if let Some(kind) = &self.kind {
            w.push_str(&format!(" {kind}"));
        }
        match (&self.namespace, &self.name) {
            (Some(ns), Some(name)) => w.push_str(&format!(" {ns}/{name}")),
            (None, Some(name)) => w.push_str(&format!(" {name}")),
            _ => {}
        }
        w.push_str(&format!(" on {}", self.target));
        // A write on the demo fleet says so, as a rehearsal's steps do.
        if let Some(world) = self.world.as_ref().filter(|w| w.is_demo()) {
            w.push_str(&format!(" in {world}"));
        }
        w
    }
}

/// One line: `<time> <user> <action> <object> on <target>[ in <world>]: <outcome>`.
impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            self.user,
            self.what()
        )?;
        match self.outcome {
            // Listed alone (see `fold`): its outcome never came.
            Outcome::Started => write!(
                f,
                ": started, no outcome recorded (cut short: Ctrl-C, kill, a crash?)"
            ),
            _ => write!(f, ": {}", self.outcome),
        }
    }
}

/// The OS user (`$USER`, else `$LOGNAME`, else `uid N`) and its numeric id.
pub fn os_user() -> (String, Option<u32>) {
    let uid = current_uid();
    let name = ["USER", "LOGNAME"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .map(|v| crate::text::one_line(&v))
        .find(|v| !v.is_empty());
    let name = name.unwrap_or_else(|| match uid {
        Some(uid) => format!("uid {uid}"),
        None => "unknown".into(),
    });
    (name, uid)
}

#[cfg(unix)]
fn current_uid() -> Option<u32> {
    // SAFETY: getuid(2) takes no argument and always succeeds.
    Some(unsafe { libc::getuid() })
}

#[cfg(not(unix))]
fn current_uid() -> Option<u32> {
    None
}

/// A write recorded as started, whose outcome is still to come.
#[must_use = "a started write's outcome is recorded with `finish`"]
pub struct Pending {
    log: Option<PathBuf>,
    entry: Entry,
}

/// Records `entry`'s write as started, before its request goes out. The error (the log cannot
/// be written) means the write must not be made; it says so.
pub fn begin(log: Option<&Path>, mut entry: Entry) -> Result<Pending, String> {
    entry.outcome = Outcome::Started;
    if let Some(path) = log {
        append(path, &entry).map_err(|e| {
            format!(
                "cannot write the audit log {}: {e}; nothing was changed (a write is recorded before it is made)",
                path.display()
            )
        })?;
    }
    Ok(Pending {
        log: log.map(Path::to_path_buf),
        entry,
    })
}

impl Pending {
    /// Records how the started write went.
    pub fn finish(self, outcome: Outcome) {
        let Pending { log, mut entry } = self;
        entry.started = Some(entry.at);
        entry.at = Timestamp::now();
        entry.outcome = outcome;
        record(log.as_deref(), &entry);
    }
}

/// The writes, one entry each: a `started` line is dropped when its outcome follows, and kept
/// (shown as cut short) when none does.
pub fn fold(entries: Vec<Entry>) -> Vec<Entry> {
    let finished: std::collections::HashSet<(Timestamp, String, Option<String>)> = entries
        .iter()
        .filter_map(|e| Some((e.started?, e.action.clone(), e.name.clone())))
        .collect();
    entries
        .into_iter()
        .filter(|e| {
            e.outcome != Outcome::Started
                || !finished.contains(&(e.at, e.action.clone(), e.name.clone()))
        })
        .collect()
}

/// Appends `entry` to the audit log. Never fails the write it records: a log that cannot be
/// written is a warning in opsdeck's own log, naming the write.
pub fn record(log: Option<&Path>, entry: &Entry) {
    let Some(path) = log else {
        return;
    };
    if let Err(e) = append(path, entry) {
        tracing::warn!(
            audit = %path.display(),
            error = %e,
            write = %entry,
            "cannot write the audit log: write not recorded"
        );
    }
}

/// Appends `entry` as one JSON line to the log at `path` and flushes it to the disk. The log is
/// created owner-only (0600) in a directory made owner-only (0700), and made 0600 if it was not.
pub fn append(path: &Path, entry: &Entry) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir, true)?;
    }
    let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut file = open_append(path)?;
    // One write of the whole line: appends of other processes never cut into it.
    file.write_all(line.as_bytes())?;
    file.sync_data()
}

/// The writes the audit log records at or after `since` (all without it), oldest first: the
/// newest is last. No log yet is no writes.
pub fn read(since: Option<Timestamp>) -> std::io::Result<Vec<Entry>> {
    match path() {
        Some(p) => read_from(&p, since),
        None => Ok(Vec::new()),
    }
}

/// `read` of the log at `path`. A line that does not parse (one a crash tore in half) is
/// skipped, with a warning in opsdeck's log.
pub fn read_from(path: &Path, since: Option<Timestamp>) -> std::io::Result<Vec<Entry>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut entries = Vec::new();
    for (i, line) in BufReader::new(file).split(b'\n').enumerate() {
        let line = line?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Entry>(&line) {
            Ok(e) if since.is_none_or(|s| e.at >= s) => entries.push(e),
            Ok(_) => {}
            Err(e) => tracing::warn!(
                audit = %path.display(),
                line = i + 1,
                error = %e,
                "skipped an unreadable audit log line"
            ),
        }
    }
    // Appends from several processes may land a little out of order; the sort is stable.
    entries.sort_by_key(|e| e.at);
    Ok(entries)
}

/// `--since`: a duration back from `now` (`90s`, `30m`, `2h`, `7d`, `1w`, or several in a row,
/// `1h30m`) or a time (`2026-11-23T12:00:00Z`, any RFC 3339 offset; or a day, `2026-11-23`,
/// from midnight UTC).
pub fn parse_since(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Some(seconds) = duration_seconds(text) {
        return now
            .checked_sub(SignedDuration::from_secs(seconds))
            .map_err(|_| format!("{text:?} reaches further back than a time can be"));
    }
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    // A time without a zone is UTC, as every time opsdeck prints is; a day is its midnight. (A
    // civil date alone would also take "2026-12-08T07:52" and drop the time.)
    if let Ok(at) = text.parse::<jiff::civil::DateTime>() {
        return at
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| format!("{text:?}: {e}"));
    }
    Err(format!(
        "{text:?} is neither a duration (90s, 30m, 2h, 7d, 1w, 1h30m) nor a time \
         (2026-11-23T12:00:00Z, 2026-11-23T12:00 in UTC, 2026-11-23)"
    ))
}

/// `1h30m` → 5400: numbers each followed by a unit (s, m, h, d, w).
pub fn duration_seconds(text: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut units = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        let n: i64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
        units += 1;
    }
    (units > 0 && digits.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_started_write_folds_into_its_outcome_or_shows_as_cut_short() {
        let mut started = Entry::kube(
            "suspend",
            "HelmRelease",
            "numinia",
            "hyperfy2-world",
            Some("prod-cluster"),
            Outcome::Started,
        );
        started.at = at("2026-11-23T12:00:00Z");
        let mut done = started.clone();
        done.started = Some(started.at);
        done.at = at("2026-11-23T12:00:01Z");
        done.outcome = Outcome::Ok;
        let mut cut = started.clone();
        cut.name = Some("elizaos-numi".into());
        cut.at = at("2026-11-23T12:05:00Z");
        let folded = fold(vec![started, done.clone(), cut.clone()]);
        assert_eq!(folded, vec![done, cut.clone()]);
        assert!(
            cut.to_string()
                .ends_with("suspend HelmRelease numinia/elizaos-numi on prod-cluster: started, no outcome recorded (cut short: Ctrl-C, kill, a crash?)"),
            "{cut}"
        );
        // The outcome's text round-trips through the log.
        let line = serde_json::to_string(&cut).unwrap();
        assert!(line.contains("\"outcome\":\"started\""), "{line}");
        assert_eq!(serde_json::from_str::<Entry>(&line).unwrap(), cut);
    }

    #[test]
    fn a_log_that_cannot_be_written_refuses_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.jsonl");
        std::fs::create_dir(&log).unwrap();
        let entry = Entry::aws(
            "redeploy",
            "ECS service",
            "phenom",
            "us-east-1",
            "prod",
            "web",
            Outcome::Started,
        );
        let err = begin(Some(&log), entry).err().unwrap();
        assert!(
            err.contains("cannot write the audit log") && err.contains("nothing was changed"),
            "{err}"
        );
    }

    #[test]
    fn since_takes_durations_and_times() {
        let now = at("2026-11-23T12:00:00Z");
        assert_eq!(parse_since("90s", now), Ok(at("2026-11-23T11:58:30Z")));
        assert_eq!(parse_since("1h30m", now), Ok(at("2026-11-23T10:30:00Z")));
        assert_eq!(parse_since(" 2d ", now), Ok(at("2026-11-21T12:00:00Z")));
        assert_eq!(parse_since("1w", now), Ok(at("2026-11-16T12:00:00Z")));
        assert_eq!(
            parse_since("2026-11-20T08:00:00+01:00", now),
            Ok(at("2026-11-20T07:00:00Z"))
        );
        assert_eq!(
            parse_since("2026-11-20", now),
            Ok(at("2026-11-20T00:00:00Z"))
        );
        // Without a zone: UTC, its time kept (not the day's midnight).
        for civil in ["2026-11-20T07:52:18", "2026-11-20 07:52:18"] {
            assert_eq!(
                parse_since(civil, now),
                Ok(at("2026-11-20T07:52:18Z")),
                "{civil}"
            );
        }
        assert_eq!(
            parse_since("2026-11-20T07:52", now),
            Ok(at("2026-11-20T07:52:00Z"))
        );
        let e = parse_since("99999999d", now).unwrap_err();
        assert!(e.contains("further back than a time can be"), "{e}");
        for bad in ["", "h", "10", "10x", "1h30", "yesterday", "-5m"] {
            let e = parse_since(bad, now).unwrap_err();
            assert!(e.contains("neither a duration"), "{bad}: {e}");
        }
    }

    #[test]
    fn entries_round_trip_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/opsdeck").join(FILE_NAME);
        let mut late = Entry::kube(
            "suspend",
            "HelmRelease",
            "numinia",
            "hyperfy2-world",
            Some("prod-cluster"),
            Outcome::Ok,
        );
        late.at = at("2026-11-23T12:00:00Z");
        let mut early = Entry::runbook_step(
            "failover",
            "shift-records",
            "sa-east-1",
            &World::demo(),
            Outcome::failed("verify failed:\nno answer"),
        );
        early.at = at("2026-11-23T11:00:00Z");
        append(&path, &late).unwrap();
        append(&path, &early).unwrap();
        // A line a crash tore in half is skipped.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"at\":\"2026-")
            .unwrap();
        let all = read_from(&path, None).unwrap();
        assert_eq!(all, [early.clone(), late.clone()], "oldest first");
        assert_eq!(
            read_from(&path, Some(at("2026-11-23T11:30:00Z"))).unwrap(),
            [late.clone()]
        );
        assert_eq!(
            early.outcome,
            Outcome::Failed("verify failed: no answer".into())
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\"outcome\":\"ok\"")
                && text.contains("\"outcome\":\"failed: verify failed: no answer\""),
            "{text}"
        );
        assert!(
            late.to_string()
                .ends_with("suspend HelmRelease numinia/hyperfy2-world on prod-cluster: ok"),
            "{late}"
        );
        // The same write on the demo fleet says so.
        let rehearsed = Entry {
            world: Some(World::Demo { repo: None }),
            ..late.clone()
        };
        assert!(
            rehearsed.to_string().ends_with(
                "suspend HelmRelease numinia/hyperfy2-world on prod-cluster in the demo world: ok"
            ),
            "{rehearsed}"
        );
        assert!(
            early.to_string().contains(
                "runbook failover step shift-records on sa-east-1 in the demo world: failed: \
                 verify failed: no answer"
            ),
            "{early}"
        );
        assert!(
            read_from(&dir.path().join("none.jsonl"), None)
                .unwrap()
                .is_empty()
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_log_is_the_owners_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        std::fs::create_dir(&state).unwrap();
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = state.join(FILE_NAME);
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Entry::kube("renew", "Certificate", "a", "b", None, Outcome::Ok);
        append(&path, &e).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&state), 0o700);
        assert_eq!(e.target, "(unknown context)");
    }

    #[test]
    fn outcomes_read_back() {
        for o in [Outcome::Ok, Outcome::Failed("not found".into())] {
            assert_eq!(Outcome::try_from(String::from(o.clone())), Ok(o));
        }
        assert!(Outcome::try_from("maybe".to_string()).is_err());
        assert!(Outcome::Ok.is_ok() && !Outcome::failed("x").is_ok());
    }
}
