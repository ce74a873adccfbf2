//! The run's record in `<git dir>/opsdeck/<branch>.json` (local: never pushed, never fetched):
//! the commit the run made its branch at, the files it wrote with the SHA-256 of their content,
//! its last commit with their blobs. The only proof that a branch is the run's.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{GitRepo, failed, some_of};
use crate::runbook::ports::OpsError;

/// A run on a branch, as `<git dir>/opsdeck/<branch>.json` keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Record {
    pub(super) branch: String,
    /// HEAD when the run created the branch.
    pub(super) base: String,
    /// The files written since the last commit, relative to the root, each with the hash of its
    /// content as the run wrote it.
    #[serde(default)]
    pub(super) files: BTreeMap<String, Written>,
    /// The run's last commit on the branch.
    pub(super) commit: Option<String>,
    /// The files of that commit (the ones the run wrote), each with its blob id in it.
    #[serde(default)]
    pub(super) committed: BTreeMap<String, String>,
}

/// A file the run wrote and did not commit yet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Written {
    /// The SHA-256 (hex) of the content the run wrote last.
    pub(super) sha256: String,
    /// The SHA-256 of what was there before the run first wrote it (None: no file). A file
    /// still like that was not written yet (a write cut short), which is nobody's edit.
    pub(super) before: Option<String>,
}

impl Record {
    /// Where the branch is when nobody else touched it since the run.
    pub(super) fn tip(&self) -> &str {
        self.commit.as_deref().unwrap_or(self.base.as_str())
    }
}

/// A file the run wrote, as the work tree has it now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Now {
    /// The content the run wrote.
    AsWritten,
    /// The content before the run's first write to it.
    AsBefore,
    /// Anything else: someone changed it.
    Changed,
}

/// The SHA-256 of `bytes`, in hex.
pub(super) fn sha256(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut hex = String::with_capacity(64);
    for b in digest.as_ref() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

impl GitRepo {
    /// The SHA-256 of the file `rel` as the work tree has it (None: no file there). Not a
    /// regular file (a link, a directory): a value no content hashes to.
    pub(super) fn content_hash(&self, rel: &str) -> Result<Option<String>, OpsError> {
        let p = self.root.join(rel);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_file() => {}
            Ok(_) => return Ok(Some("not a regular file".into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(failed(format!("{rel}: {e}"))),
        }
        match std::fs::read(&p) {
            Ok(bytes) => Ok(Some(sha256(&bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(failed(format!("{rel}: {e}"))),
        }
    }

    /// A written file whose content hashes to `there`, against what the run recorded.
    pub(super) fn state(there: Option<&str>, w: &Written) -> Now {
        if there == Some(w.sha256.as_str()) {
            Now::AsWritten
        } else if there == w.before.as_deref() {
            Now::AsBefore
        } else {
            Now::Changed
        }
    }

    /// The files the run wrote that are not as `ok` accepts them now, sorted.
    pub(super) fn not_as_written(
        &self,
        record: &Record,
        ok: &[Now],
    ) -> Result<Vec<String>, OpsError> {
        let mut out = Vec::new();
        for (rel, w) in &record.files {
            let there = self.content_hash(rel)?;
            if !ok.contains(&Self::state(there.as_deref(), w)) {
                out.push(rel.clone());
            }
        }
        Ok(out)
    }

    /// The refusal for files changed since the run wrote them.
    pub(super) fn changed_problem(changed: &[String]) -> String {
        format!(
            "{} changed since opsdeck wrote {}: opsdeck commits only what it wrote, and someone's edit is not that. Look at the change (git diff -- <file>); to go on, put back what opsdeck wrote, or keep the edit and start the onboarding again from a clean tree (git checkout <default branch>, git branch -D <the onboarding branch>)",
            some_of(changed),
            if changed.len() == 1 { "it" } else { "them" }
        )
    }

    pub(super) fn record_path(&self, branch: &str) -> PathBuf {
        let name: String = branch
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b == b'-' || b == b'.' {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        self.git_dir.join("opsdeck").join(format!("{name}.json"))
    }

    pub(super) fn load(&self, branch: &str) -> Result<Option<Record>, OpsError> {
        let path = self.record_path(branch);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(failed(format!("{}: {e}", path.display()))),
        };
        match serde_json::from_str::<Record>(&text) {
            Ok(r) if r.branch == branch => Ok(Some(r)),
            Ok(_) => Ok(None),
            Err(e) => Err(failed(format!(
                "{}: not a record of an opsdeck run ({e}); remove it if no run is in progress",
                path.display()
            ))),
        }
    }

    pub(super) fn save(&self, record: &Record) -> Result<(), OpsError> {
        let path = self.record_path(&record.branch);
        let io = |e: std::io::Error| failed(format!("{}: {e}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = serde_json::to_string_pretty(record)
            .map_err(|e| failed(format!("{}: {e}", path.display())))?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    /// The run in this process on `branch`, if any.
    pub(super) fn ongoing(&self, branch: &str) -> Option<Record> {
        self.lock().as_ref().filter(|r| r.branch == branch).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips() {
        let r = Record {
            branch: "onboard/acme".into(),
            base: "abc".into(),
            files: BTreeMap::from([(
                "a/b.yaml".to_string(),
                Written {
                    sha256: sha256(b"x"),
                    before: None,
                },
            )]),
            commit: None,
            committed: BTreeMap::new(),
        };
        let back: Record = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.tip(), "abc");
        // A record of an older opsdeck (files without their hashes) proves no file.
        let old: Record = serde_json::from_str(
            r#"{"branch":"onboard/acme","base":"abc","written":["a/b.yaml"],"commit":null}"#,
        )
        .unwrap();
        assert!(old.files.is_empty() && old.committed.is_empty());
    }

    #[test]
    fn content_hashes_are_sha256() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_written_file_is_as_written_as_before_or_changed() {
        let (new, old, other) = (sha256(b"new"), sha256(b"old"), sha256(b"new+"));
        let w = Written {
            sha256: new.clone(),
            before: Some(old.clone()),
        };
        assert_eq!(GitRepo::state(Some(new.as_str()), &w), Now::AsWritten);
        assert_eq!(GitRepo::state(Some(old.as_str()), &w), Now::AsBefore);
        assert_eq!(GitRepo::state(Some(other.as_str()), &w), Now::Changed);
        assert_eq!(GitRepo::state(None, &w), Now::Changed);
        let created = Written { before: None, ..w };
        assert_eq!(GitRepo::state(None, &created), Now::AsBefore);
    }
}
