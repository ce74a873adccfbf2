//! What a run writes and commits: a file only while nobody else changed it, and a commit of the
//! run's files and nothing else.

use super::record::{Now, Written, sha256};
use super::{GitRepo, TRAILER, failed, short};
use crate::runbook::ports::OpsError;

impl GitRepo {
    pub(super) fn write_sync(&self, path: &str, content: &str) -> Result<(), OpsError> {
        let rel = Self::rel(path)?;
        let mut run = self.lock();
        let Some(record) = run.as_mut() else {
            return Err(failed(format!(
                "{rel}: not written: the run has not started on its branch yet (GitOps::begin)"
            )));
        };
        self.on_branch(&record.branch)?;
        let p = self.writable(&rel)?;
        let there = self.content_hash(&rel)?;
        let before = match record.files.get(&rel) {
            Some(w) => {
                if Self::state(there.as_deref(), w) == Now::Changed {
                    return Err(failed(format!(
                        "{rel} changed since opsdeck wrote it: not overwritten (the change may be someone's work). Look at it (git diff -- {rel}); to go on, put back what opsdeck wrote or start the onboarding again"
                    )));
                }
                w.before.clone()
            }
            None => {
                // A file the run has not written yet: written only when it has no uncommitted
                // change, so that nobody's edit ends up in the run's commit with the run's own.
                if let Some((_, what)) = self.status(&[rel.as_str()])?.into_iter().next() {
                    return Err(failed(format!(
                        "{rel} has changes that are not committed ({what}): not written, since opsdeck would commit them with its own. Commit, stash or remove them first (git status)"
                    )));
                }
                there
            }
        };
        let entry = Written {
            sha256: sha256(content.as_bytes()),
            before,
        };
        if record.files.get(&rel) != Some(&entry) {
            // Recorded before the write: an interrupted run knows every file it may have left,
            // and what it left in it.
            record.files.insert(rel.clone(), entry);
            self.save(record)?;
        }
        std::fs::write(&p, content).map_err(|e| failed(format!("{rel}: {e}")))
    }

    pub(super) fn commit_sync(&self, branch: &str, message: &str) -> Result<String, OpsError> {
        self.begin_sync(branch)?;
        let mut run = self.lock();
        let Some(record) = run.as_mut() else {
            return Err(failed(format!("no run on {branch} to commit")));
        };
        if record.files.is_empty() {
            return Err(failed(format!("nothing written to commit on {branch}")));
        }
        // Each file exactly as the run wrote it: an edit made since is someone's, not the run's.
        let changed = self.not_as_written(record, &[Now::AsWritten])?;
        if !changed.is_empty() {
            return Err(failed(format!(
                "nothing committed: {}",
                Self::changed_problem(&changed)
            )));
        }
        let written: Vec<String> = record.files.keys().cloned().collect();
        // Only the run's files: staged by name, and committed by name (whatever else is staged
        // stays out of the commit). Literal pathspecs: a file name is never a pattern.
        let mut add = vec!["--literal-pathspecs", "add", "--"];
        add.extend(written.iter().map(String::as_str));
        self.git(&add)?;
        let mut commit = vec![
            "--literal-pathspecs",
            "commit",
            "-q",
            "-m",
            message,
            "-m",
            TRAILER,
            "--",
        ];
        commit.extend(written.iter().map(String::as_str));
        self.git(&commit)?;
        let sha = self.git(&["rev-parse", "--verify", "HEAD"])?;
        let paths: Vec<&str> = written.iter().map(String::as_str).collect();
        let blobs = self.blobs(&sha, &paths).ok_or_else(|| {
            failed(format!(
                "committed {} on {branch}, but cannot read its files back (git rev-parse {sha}:<file>)",
                short(&sha)
            ))
        })?;
        record.commit = Some(sha.clone());
        record.committed = blobs;
        record.files.clear();
        self.save(record)?;
        Ok(sha)
    }
}
