//! The journal: every event of a run appended as one JSON line and flushed at once, so a crash
//! loses nothing that happened. `resume` reads it back. Secret values never reach it: the events
//! carry names, inputs and run state, none of which holds a secret.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::RunState;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    Start {
        runbook: String,
        target: String,
        inputs: serde_json::Value,
        steps: Vec<String>,
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

pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// `<dir>/<runbook>-<target>-<start>.jsonl`, created.
    pub fn create(
        dir: &Path,
        runbook: &str,
        target: &str,
        start: Timestamp,
    ) -> std::io::Result<Journal> {
        std::fs::create_dir_all(dir)?;
        let stamp = start.strftime("%Y%m%dT%H%M%SZ").to_string();
        let path = dir.join(format!("{runbook}-{target}-{stamp}.jsonl"));
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)?;
        Ok(Journal { path, file })
    }

    /// Opens an existing journal to append to it, ending a line a crash tore first.
    pub fn reopen(path: &Path) -> std::io::Result<Journal> {
        let torn = std::fs::read(path)?.last().is_some_and(|b| *b != b'\n');
        let mut file = OpenOptions::new().append(true).open(path)?;
        if torn {
            file.write_all(b"\n")?;
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

/// A journal read back: what the run was and how far it got.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    pub runbook: String,
    pub target: String,
    pub inputs: serde_json::Value,
    pub verified: Vec<String>,
    pub state: RunState,
    pub confirmed: bool,
    pub overridden: bool,
    pub finished: Option<bool>,
}

/// Reads a journal. A torn last line (a crash mid-write) is ignored; any other bad line is an
/// error naming the line.
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
            Err(_) if i + 1 == lines.len() => break,
            Err(e) => return Err(format!("{}: line {}: {e}", path.display(), i + 1)),
        };
        match entry {
            Entry::Start {
                runbook,
                target,
                inputs,
                ..
            } => {
                started = true;
                (r.runbook, r.target, r.inputs) = (runbook, target, inputs);
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
            Entry::Resumed { .. } => r.finished = None,
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

/// Journals of runs that did not finish, newest first: what `resume` offers.
pub fn interrupted(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .filter(|p| replay(p).is_ok_and(|r| r.finished.is_none()))
        .collect();
    v.sort();
    v.reverse();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_replays_and_survives_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let at: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        let mut j = Journal::create(dir.path(), "create-org", "prod-cluster", at).unwrap();
        assert!(
            j.path()
                .ends_with("create-org-prod-cluster-20261123T120000Z.jsonl")
        );
        j.append(&Entry::Start {
            runbook: "create-org".into(),
            target: "prod-cluster".into(),
            inputs: serde_json::json!({"org": "acme"}),
            steps: vec!["a".into(), "b".into()],
            at,
        })
        .unwrap();
        j.append(&Entry::Step {
            key: "a".into(),
            phase: Phase::Verified,
            detail: None,
            elapsed_ms: Some(5),
            state: Some([("role".to_string(), "arn".to_string())].into()),
            at,
        })
        .unwrap();
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
        assert_eq!(interrupted(dir.path()), [path]);
    }
}
