//! The journal: every event of a run appended as one JSON line and flushed at once, so a crash
//! loses nothing that happened. `resume` reads it back. Secret values never reach it: the events
//! carry names, inputs and run state, none of which holds a secret.
//!
//! A journal records the world it ran in (the demo, or the account, kube contexts and GitOps
//! repository of the config) and is resumed only there. While a run is live its process holds an
//! exclusive lock on the journal, so a second executor is refused. Journals are the owner's only
//! (0600 in 0700 directories), their names never collide, and a line a crash tore in half is cut
//! off before anything is appended.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::RunState;
use crate::private_files::{append_options, private_dir, restrict};

/// How many times (50 ms apart) a resume retries a journal's lock before it says another
/// process holds it.
const LOCK_TRIES: u32 = 40;

/// The world a run acts on: what its ports were built from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum World {
    /// The embedded demo world (simulated AWS and cluster); `repo` when a real local clone stands
    /// in for the in-memory GitOps repository (`--demo --repo PATH`).
    Demo {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        repo: Option<PathBuf>,
    },
    /// The configured world: the AWS account (its config name, profile, role and endpoint, and
    /// the account id its credentials act in) and home region, the kubeconfig's contexts and the
    /// GitOps repository.
    Real {
        account: String,
        /// The AWS account id the credentials act in (STS `GetCallerIdentity`), asked when a run
        /// starts or resumes (`Ports::identify_account`). `None` in a journal written before
        /// opsdeck recorded it, or in ports whose credentials were not identified: a resume is
        /// refused either way, since it could not tell which account it would write to.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        profile: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role_arn: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        endpoint_url: Option<String>,
        region: String,
        #[serde(default)]
        kube_contexts: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        repo: Option<PathBuf>,
    },
}

impl World {
    /// The demo world with the in-memory GitOps repository.
    pub fn demo() -> World {
        World::Demo { repo: None }
    }

    pub fn is_demo(&self) -> bool {
        matches!(self, World::Demo { .. })
    }

    /// The flags that select this world on the command line (`--demo`, `--repo`, `--account`).
    pub fn flags(&self) -> String {
        match self {
            World::Demo { repo: None } => "--demo".into(),
            World::Demo { repo: Some(r) } => format!("--demo --repo {}", r.display()),
            World::Real { account, repo, .. } => {
                let mut f = format!("--account {account}");
                if let Some(r) = repo {
                    f.push_str(&format!(" --repo {}", r.display()));
                }
                f
            }
        }
    }

    /// The AWS account id the credentials act in, when known (never for the demo).
    pub fn account_id(&self) -> Option<&str> {
        match self {
            World::Real { account_id, .. } => account_id.as_deref(),
            World::Demo { .. } => None,
        }
    }

    /// Records the AWS account id the credentials act in; the demo world has none.
    pub fn set_account_id(&mut self, id: String) {
        if let World::Real { account_id, .. } = self {
            *account_id = Some(id);
        }
    }

    /// Whether `other` is the world the same config and flags name: the account id aside,
    /// which the credentials answer.
    pub fn same_config(&self, other: &World) -> bool {
        let configured = |w: &World| {
            let mut w = w.clone();
            if let World::Real { account_id, .. } = &mut w {
                *account_id = None;
            }
            w
        };
        configured(self) == configured(other)
    }

    /// Why a journal that ran in `self` must not resume in `now`; `None` when they are the same.
    /// A real world is the same only with the same AWS account id known on both sides: a
    /// journal that does not record it, or credentials that could not be identified, refuse the
    /// resume.
    pub fn mismatch(&self, now: &World) -> Option<String> {
        if let (
            World::Real {
                account,
                account_id: ran,
                ..
            },
            World::Real {
                account_id: here, ..
            },
        ) = (self, now)
            && self.same_config(now)
        {
            return match (ran, here) {
                (None, _) => Some(format!(
                    "this journal ran against {self} but predates the account check: it does not record which AWS account id its credentials wrote to, so it is not resumed; start the run again instead (each step checks whether it is already done)"
                )),
                (Some(ran), None) => Some(format!(
                    "this journal ran in AWS account {ran}; the AWS account the credentials of account {account} act in now is unknown, so this resume could not tell where it would write"
                )),
                (Some(ran), Some(here)) if ran != here => Some(format!(
                    "this journal ran in AWS account {ran}, but the credentials of account {account} now act in AWS account {here}; resume it only with credentials of AWS account {ran}"
                )),
                _ => None,
            };
        }
        if self == now {
            return None;
        }
        Some(match (self, now) {
            (World::Demo { repo: None }, _) => format!(
                "this journal ran in the demo world; resume it with --demo (this resume would act on {now})"
            ),
            (World::Demo { .. }, _) => format!(
                "this journal ran in {self}; resume it with {} (this resume would act on {now})",
                self.flags()
            ),
            (World::Real { .. }, World::Demo { .. }) => format!(
                "this journal ran against {self}, not the demo world; resume it without --demo, with the config it ran with"
            ),
            (World::Real { .. }, World::Real { .. }) => format!(
                "this journal ran against {self}; the config and flags now name {now}; resume it only against the world it ran in"
            ),
        })
    }
}

impl fmt::Display for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            World::Demo { repo: None } => write!(f, "the demo world"),
            World::Demo { repo: Some(r) } => {
                write!(f, "the demo world with the repository {}", r.display())
            }
            World::Real {
                account,
                account_id,
                profile,
                role_arn,
                endpoint_url,
                region,
                kube_contexts,
                repo,
            } => {
                write!(f, "account {account}")?;
                let details: Vec<String> = [
                    account_id.as_ref().map(|id| format!("AWS account {id}")),
                    profile.as_ref().map(|p| format!("profile {p}")),
                    role_arn.as_ref().map(|r| format!("role {r}")),
                    endpoint_url.as_ref().map(|e| format!("endpoint {e}")),
                ]
                .into_iter()
                .flatten()
                .collect();
                if !details.is_empty() {
                    write!(f, " ({})", details.join(", "))?;
                }
                write!(f, " in {region}, ")?;
                if kube_contexts.is_empty() {
                    write!(f, "no kube context")?;
                } else {
                    write!(f, "kube contexts {}", kube_contexts.join(", "))?;
                }
                match repo {
                    Some(r) => write!(f, ", repo {}", r.display()),
                    None => write!(f, ", no GitOps repository"),
                }
            }
        }
    }
}

// A journal entry is built, written and dropped one at a time: the Start's size costs nothing,
// and boxing its world would only add indirection to every reader.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    Start {
        runbook: String,
        target: String,
        inputs: serde_json::Value,
        steps: Vec<String>,
        /// Where the run acts; journals written before opsdeck recorded it have none and are not
        /// resumed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        world: Option<World>,
        /// The process that runs it (and holds the journal's lock).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pid: Option<u32>,
        at: Timestamp,
    },
    Confirmed {
        typed: String,
        at: Timestamp,
    },
    Override {
        problems: Vec<String>,
        reason: String,
        at: Timestamp,
    },
    Resumed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pid: Option<u32>,
        at: Timestamp,
    },
    Step {
        key: String,
        phase: Phase,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        elapsed_ms: Option<u64>,
        /// The run state after the step applied (never secret).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<RunState>,
        at: Timestamp,
    },
    /// The run was stopped on purpose (the abort key, or an observer that stops it); it is not
    /// finished, and resumes like an interrupted one.
    Stopped {
        at: Timestamp,
    },
    Finished {
        ok: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        at: Timestamp,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Its check found it already done.
    Skipped,
    Applying,
    Applied,
    Verified,
    Warned,
    Failed,
}

/// Why a journal could not be opened to append to it.
#[derive(Debug)]
pub enum OpenError {
    /// Another process holds the journal's lock: it is running this journal now.
    Locked {
        pid: Option<u32>,
    },
    Io(std::io::Error),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Locked { pid: Some(pid) } => write!(
                f,
                "another opsdeck (pid {pid}) is running this journal (it holds its lock); wait for it to end or stop it, then resume"
            ),
            OpenError::Locked { pid: None } => write!(
                f,
                "another opsdeck is running this journal (it holds its lock); wait for it to end or stop it, then resume"
            ),
            OpenError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for OpenError {}

/// A journal open for appending, locked for as long as it lives.
pub struct Journal {
    path: PathBuf,
    /// Holds the exclusive lock; closing it (the process ending, even by SIGKILL) releases it.
    file: File,
}

/// The most names `create` tries for one runbook, target and second.
const MAX_SAME_SECOND: u32 = 1000;

impl Journal {
    /// `<dir>/<runbook>-<target>-<start>.jsonl` (then `…-2.jsonl`, `…-3.jsonl` when runs start
    /// in the same second), created owner-only, never over another journal, and locked.
    pub fn create(
        dir: &Path,
        runbook: &str,
        target: &str,
        start: Timestamp,
    ) -> std::io::Result<Journal> {
        private_dir(dir, true)?;
        let stamp = start.strftime("%Y%m%dT%H%M%SZ").to_string();
        for n in 1..=MAX_SAME_SECOND {
            let name = if n == 1 {
                format!("{runbook}-{target}-{stamp}.jsonl")
            } else {
                format!("{runbook}-{target}-{stamp}-{n}.jsonl")
            };
            let path = dir.join(name);
            match append_options(true).create_new(true).open(&path) {
                Ok(file) => {
                    match file.try_lock() {
                        Ok(()) => {}
                        Err(TryLockError::WouldBlock) => {
                            return Err(std::io::Error::other(format!(
                                "{}: locked by another process as soon as it was created",
                                path.display()
                            )));
                        }
                        Err(TryLockError::Error(e)) => return Err(e),
                    }
                    return Ok(Journal { path, file });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::new(
            ErrorKind::AlreadyExists,
            format!(
                "{MAX_SAME_SECOND} journals of {runbook} on {target} started at {stamp} already exist in {}",
                dir.display()
            ),
        ))
    }

    /// Opens an existing journal to append to it: takes its lock (refused while another process
    /// runs it), makes it owner-only, and cuts off a line a crash tore in half.
    pub fn reopen(path: &Path) -> Result<Journal, OpenError> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(OpenError::Io)?;
        // A child forked between open and exec (any `git` or plugin this process runs) holds a
        // copy of the descriptor, and with it the lock, for a moment after its run ended: a
        // lock still held after a short wait is another executor's.
        let mut tries = 0;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if tries < LOCK_TRIES => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(TryLockError::WouldBlock) => {
                    let pid = replay(path).ok().and_then(|r| r.pid);
                    return Err(OpenError::Locked { pid });
                }
                Err(TryLockError::Error(e)) => return Err(OpenError::Io(e)),
            }
        }
        restrict(&file).map_err(OpenError::Io)?;
        let torn = repair(&mut file).map_err(OpenError::Io)?;
        if torn > 0 {
            tracing::warn!(
                journal = %path.display(),
                bytes = torn,
                "cut off a journal line a crash tore in half"
            );
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event and flushes it to the disk.
    pub fn append(&mut self, entry: &Entry) -> std::io::Result<()> {
        let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        line.push('\n');
        self.file.write_all(line.as_bytes())?;
        self.file.sync_data()
    }
}

/// Truncates the file after its last complete line; returns how many bytes it cut.
fn repair(file: &mut File) -> std::io::Result<u64> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let torn = (bytes.len() - keep) as u64;
    if torn > 0 {
        file.set_len(keep as u64)?;
        file.sync_data()?;
    }
    Ok(torn)
}

/// A journal read back: what the run was and how far it got.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    pub runbook: String,
    pub target: String,
    pub inputs: serde_json::Value,
    /// The steps' keys, in order, as the start recorded them.
    pub steps: Vec<String>,
    /// Where it ran; `None` for a journal older than the record.
    pub world: Option<World>,
    /// When it started.
    pub started: Option<Timestamp>,
    /// The process of the last start or resume (the lock holder while it runs).
    pub pid: Option<u32>,
    pub verified: Vec<String>,
    pub state: RunState,
    pub confirmed: bool,
    pub overridden: bool,
    pub finished: Option<bool>,
    /// Whether the last run was stopped on purpose (the abort key) rather than cut off.
    pub stopped: bool,
    /// Lines a crash tore in half, skipped.
    pub torn: usize,
}

/// Reads a journal. A line a crash tore in half (JSON cut short: the last line, or one an older
/// opsdeck ended with a newline before appending) is skipped; any other bad line is an error
/// naming the line.
pub fn replay(path: &Path) -> Result<Replay, String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut r = Replay::default();
    let mut started = false;
    for (i, line) in lines.iter().enumerate() {
        let entry: Entry = match serde_json::from_str(line) {
            Ok(e) => e,
            Err(e) if e.is_eof() || i + 1 == lines.len() => {
                r.torn += 1;
                continue;
            }
            Err(e) => return Err(format!("{}: line {}: {e}", path.display(), i + 1)),
        };
        match entry {
            Entry::Start {
                runbook,
                target,
                inputs,
                steps,
                world,
                pid,
                at,
            } => {
                started = true;
                (r.runbook, r.target, r.inputs, r.steps) = (runbook, target, inputs, steps);
                (r.world, r.pid, r.started) = (world, pid, Some(at));
            }
            Entry::Confirmed { .. } => r.confirmed = true,
            Entry::Override { .. } => r.overridden = true,
            Entry::Step {
                key, phase, state, ..
            } => {
                if let Some(s) = state {
                    r.state = s;
                }
                if matches!(phase, Phase::Verified | Phase::Skipped | Phase::Warned)
                    && !r.verified.contains(&key)
                {
                    r.verified.push(key);
                }
            }
            Entry::Finished { ok, .. } => r.finished = Some(ok),
            Entry::Stopped { .. } => r.stopped = true,
            Entry::Resumed { pid, .. } => {
                r.finished = None;
                r.stopped = false;
                r.pid = pid;
            }
        }
    }
    if !started {
        return Err(format!(
            "{}: not a runbook journal (no start event)",
            path.display()
        ));
    }
    Ok(r)
}

/// Journals of runs that did not complete (cut off, stopped, or failed at a step: a failed run's
/// outcome says to resume it once the cause is fixed), newest first: what `resume` offers.
pub fn interrupted(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<(Option<Timestamp>, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .filter_map(|p| {
            let r = replay(&p).ok()?;
            (r.finished != Some(true)).then_some((r.started, p))
        })
        .collect();
    v.sort();
    v.reverse();
    v.into_iter().map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(at: Timestamp) -> Entry {
        Entry::Start {
            runbook: "create-org".into(),
            target: "prod-cluster".into(),
            inputs: serde_json::json!({"org": "acme"}),
            steps: vec!["a".into(), "b".into()],
            world: Some(World::demo()),
            pid: Some(std::process::id()),
            at,
        }
    }

    fn verified(key: &str, at: Timestamp) -> Entry {
        Entry::Step {
            key: key.into(),
            phase: Phase::Verified,
            detail: None,
            elapsed_ms: Some(5),
            state: Some([("role".to_string(), "arn".to_string())].into()),
            at,
        }
    }

    #[test]
    fn a_journal_replays_and_survives_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let at: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        let mut j = Journal::create(dir.path(), "create-org", "prod-cluster", at).unwrap();
        assert!(
            j.path()
                .ends_with("create-org-prod-cluster-20261123T120000Z.jsonl")
        );
        j.append(&start(at)).unwrap();
        j.append(&verified("a", at)).unwrap();
        let path = j.path().to_path_buf();
        drop(j);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"event\":\"step\",\"ke")
            .unwrap();
        let r = replay(&path).unwrap();
        assert_eq!(r.verified, ["a"]);
        assert_eq!(r.state["role"], "arn");
        assert_eq!(r.finished, None);
        assert_eq!(r.world, Some(World::demo()));
        assert_eq!(r.torn, 1);
        assert_eq!(interrupted(dir.path()), std::slice::from_ref(&path));
        for (ok, offered) in [(false, true), (true, false)] {
            let mut j = Journal::reopen(&path).unwrap();
            j.append(&Entry::Finished {
                ok,
                reason: None,
                at,
            })
            .unwrap();
            drop(j);
            assert_eq!(
                !interrupted(dir.path()).is_empty(),
                offered,
                "finished ok: {ok}"
            );
            let mut j = Journal::reopen(&path).unwrap();
            j.append(&Entry::Resumed { pid: None, at }).unwrap();
        }

        // Reopening cuts the torn line off, so what is appended next stays readable, again and
        // again.
        let mut j = Journal::reopen(&path).unwrap();
        j.append(&Entry::Resumed { pid: None, at }).unwrap();
        j.append(&verified("b", at)).unwrap();
        drop(j);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.lines()
                .all(|l| serde_json::from_str::<Entry>(l).is_ok())
        );
        let r = replay(&path).unwrap();
        assert_eq!((r.verified.len(), r.torn), (2, 0));
    }

    #[test]
    fn a_line_an_older_opsdeck_ended_after_a_tear_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let at: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        let path = dir.path().join("old.jsonl");
        let mut text = serde_json::to_string(&start(at)).unwrap();
        text.push_str("\n{\"event\":\"step\",\"ke\n");
        text.push_str(&serde_json::to_string(&verified("a", at)).unwrap());
        text.push('\n');
        std::fs::write(&path, text).unwrap();
        let r = replay(&path).unwrap();
        assert_eq!((r.verified.len(), r.torn), (1, 1));
        // A line that is not cut short JSON is still an error naming it.
        std::fs::write(&path, "{\"event\":\"start\"}\nnot json\n{}\n").unwrap();
        assert!(replay(&path).unwrap_err().contains("line"));
    }

    #[test]
    fn runs_in_the_same_second_get_their_own_journal_and_a_live_one_is_locked() {
        let dir = tempfile::tempdir().unwrap();
        let at: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        let mut a = Journal::create(dir.path(), "failover", "sa-east-1", at).unwrap();
        let b = Journal::create(dir.path(), "failover", "sa-east-1", at).unwrap();
        assert_ne!(a.path(), b.path());
        assert!(
            b.path()
                .ends_with("failover-sa-east-1-20261123T120000Z-2.jsonl")
        );
        a.append(&start(at)).unwrap();
        let path = a.path().to_path_buf();
        match Journal::reopen(&path) {
            Err(OpenError::Locked { pid }) => assert_eq!(pid, Some(std::process::id())),
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("a live journal was opened twice"),
        }
        drop(a);
        assert!(Journal::reopen(&path).is_ok(), "the lock ends with its run");
    }

    #[cfg(unix)]
    #[test]
    fn journals_are_the_owners_only() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("state/runbooks");
        let at: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        let j = Journal::create(&dir, "failover", "sa-east-1", at).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(j.path()), 0o600);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&root.path().join("state")), 0o700);
    }

    #[test]
    fn worlds_name_each_other_when_they_differ() {
        let account = |name: &str| World::Real {
            account: name.into(),
            account_id: Some("123456789012".into()),
            profile: None,
            role_arn: None,
            endpoint_url: None,
            region: "eu-west-1".into(),
            kube_contexts: vec!["prod".into()],
            repo: Some("/x".into()),
        };
        let real = account("phenom");
        assert_eq!(World::demo().mismatch(&World::demo()), None);
        let m = World::demo().mismatch(&real).unwrap();
        assert!(
            m.contains("ran in the demo world; resume it with --demo"),
            "{m}"
        );
        assert!(m.contains("account phenom"), "{m}");
        let m = real.mismatch(&World::demo()).unwrap();
        assert!(
            m.contains("account phenom (AWS account 123456789012) in eu-west-1")
                && m.contains("without --demo"),
            "{m}"
        );
        let m = real.mismatch(&account("numinia")).unwrap();
        assert!(
            m.contains("phenom") && m.contains("numinia") && m.contains("repo /x"),
            "{m}"
        );
        let json = serde_json::to_string(&real).unwrap();
        assert_eq!(serde_json::from_str::<World>(&json).unwrap(), real);
    }

    #[test]
    fn a_real_world_is_the_same_only_in_the_same_aws_account() {
        let world = |id: Option<&str>| World::Real {
            account: "phenom".into(),
            account_id: id.map(str::to_string),
            profile: None,
            role_arn: None,
            endpoint_url: None,
            region: "eu-west-1".into(),
            kube_contexts: vec![],
            repo: None,
        };
        let ran = world(Some("123456789012"));
        assert_eq!(ran.mismatch(&world(Some("123456789012"))), None);
        assert!(ran.same_config(&world(Some("111122223333"))));

        // The same config, credentials of another account.
        let m = ran.mismatch(&world(Some("111122223333"))).unwrap();
        assert!(
            m.contains("ran in AWS account 123456789012")
                && m.contains("now act in AWS account 111122223333"),
            "{m}"
        );
        // Credentials that could not be identified.
        let m = ran.mismatch(&world(None)).unwrap();
        assert!(
            m.contains("ran in AWS account 123456789012") && m.contains("unknown"),
            "{m}"
        );
        // A journal written before the account id was recorded: refused, even where the
        // credentials could not be identified either.
        for now in [world(Some("123456789012")), world(None)] {
            let m = world(None).mismatch(&now).unwrap();
            assert!(m.contains("predates the account check"), "{m}");
        }
        // An old journal's world (no account id) still reads.
        let old = r#"{"kind":"real","account":"phenom","region":"eu-west-1"}"#;
        assert_eq!(serde_json::from_str::<World>(old).unwrap(), world(None));
        assert!(
            !serde_json::to_string(&world(None))
                .unwrap()
                .contains("account_id")
        );
    }
}
