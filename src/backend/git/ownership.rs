//! Whose branch it is: a start's preflight, a resume's `begin` and the run's own commit, each
//! decided on the run's record alone (never on a commit message, an author or a trailer).

use std::collections::BTreeSet;

use super::record::{Now, Record};
use super::{GitRepo, failed, short, some_of};
use crate::runbook::ports::{GitPreflight, OpsError};

/// What the repository says about a run on a branch.
struct Assessment {
    pre: GitPreflight,
    /// The record the run goes on with, when its branch exists and the record proves it the
    /// run's.
    owned: Option<Record>,
}

impl GitRepo {
    /// Why `record` does not prove that `tip`, where its branch is, is the run's (None: it
    /// does). Only what the record names counts: the commit the run made last, with the blobs
    /// it recorded and no other file changed, or the commit the run made the branch at.
    fn disproof(&self, record: &Record, tip: &str) -> Option<String> {
        let Some(commit) = record.commit.as_deref() else {
            return (record.base != tip).then(|| {
                format!(
                    "the run made the branch at {} and committed nothing",
                    short(&record.base)
                )
            });
        };
        if commit != tip {
            return Some(format!("the run's last commit on it is {}", short(commit)));
        }
        if record.committed.is_empty() {
            return Some(format!(
                "it names commit {} but not the files the run committed",
                short(commit)
            ));
        }
        let paths: Vec<&str> = record.committed.keys().map(String::as_str).collect();
        if self.blobs(commit, &paths).as_ref() != Some(&record.committed) {
            return Some(format!(
                "commit {} does not hold the files as the run committed them",
                short(commit)
            ));
        }
        let touched = self
            .run_git(&[
                "diff-tree",
                "--no-commit-id",
                "--name-only",
                "--no-renames",
                "-r",
                "-z",
                "--root",
                commit,
            ])
            .map(|raw| {
                String::from_utf8_lossy(&raw)
                    .split('\0')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            });
        match touched {
            Ok(paths) => paths
                .iter()
                .find(|p| !record.committed.contains_key(*p))
                .map(|p| {
                    format!(
                        "commit {} also changes {p}, which the run did not write",
                        short(commit)
                    )
                }),
            Err(e) => Some(e.to_string()),
        }
    }

    /// Whether a run may work on `branch`, and on what. `proof`: the records that may prove
    /// an existing `branch` the run's (a start: only the run this process is making; a resume:
    /// the record on disk too). `stored`: the record on disk, for a start's refusal to point at
    /// the run to resume.
    fn assess(
        &self,
        branch: &str,
        proof: &[&Record],
        stored: Option<&Record>,
    ) -> Result<Assessment, OpsError> {
        let mut pre = GitPreflight::default();
        let current = self.current_branch();
        let default = self.default_branch();
        // Where the branch would start: HEAD, and only on the default branch (or the run's own).
        let head_ok = match current.as_deref() {
            Some(b) if b == branch => true,
            Some(b) if default.as_deref() == Some(b) => true,
            Some(b) => {
                let problem = match &default {
                    Some(d) => format!(
                        "HEAD is on branch {b}, not on {d}, the repository's default branch: {branch} would start from {b}'s commits and take them along. Check out {d} first (git checkout {d}); opsdeck starts an onboarding from the default branch only"
                    ),
                    None => format!(
                        "HEAD is on branch {b}, and the repository has no default branch opsdeck can tell (no origin/HEAD, no main or master): {branch} would start from {b}'s commits. Check out the default branch, or set it (git remote set-head origin --auto)"
                    ),
                };
                pre.problems.push(problem);
                false
            }
            None => {
                let at = self
                    .git(&["rev-parse", "--short", "HEAD"])
                    .unwrap_or_default();
                let start = default.as_deref().unwrap_or("the default branch");
                pre.problems.push(format!(
                    "HEAD is detached (at {at}): {branch} would start from a commit no branch names. Check out {start} first"
                ));
                false
            }
        };
        let mut owned = None;
        match self.tip(branch) {
            None => {
                if head_ok {
                    match self.git(&["log", "-1", "--format=%h%x1f%s", "HEAD", "--"]) {
                        Ok(log) if !log.is_empty() => {
                            let (h, s) = log.split_once('\u{1f}').unwrap_or((log.as_str(), ""));
                            pre.findings.push(format!(
                                "{branch} is made from {} at commit {h} {s:?}: the onboarding starts from there",
                                current.as_deref().unwrap_or("HEAD")
                            ));
                        }
                        _ => pre.problems.push(
                            "the GitOps repository has no commit yet: nothing to branch from"
                                .into(),
                        ),
                    }
                }
            }
            Some(tip) => {
                owned = proof
                    .iter()
                    .copied()
                    .find(|r| self.disproof(r, &tip).is_none())
                    .cloned();
                if owned.is_some() {
                    let here = current.as_deref() == Some(branch);
                    pre.findings.push(format!(
                        "{branch} is this run's, at {} (as its record has it): the run continues on it{}",
                        short(&tip),
                        if here { "" } else { " (it is checked out first)" }
                    ));
                } else {
                    let last = self.describe(&tip);
                    let problem = match stored.map(|s| self.disproof(s, &tip)) {
                        // Proved by the record on disk, yet not taken: a start, not a resume.
                        Some(None) => format!(
                            "branch {branch} exists already: its last commit is {last}. An interrupted opsdeck run of this change made it: resume that run (opsdeck runbook list names the interrupted ones) rather than start a new one, which never takes over an existing branch; or delete the branch (git branch -D {branch}) to start over"
                        ),
                        says => {
                            let why = says
                                .flatten()
                                .map(|d| format!(" (opsdeck's record of its run on it says {d})"))
                                .unwrap_or_default();
                            format!(
                                "branch {branch} exists already and is not this run's: its last commit is {last}{why}. opsdeck takes a branch for its own only on the record of the run that made it (a commit message or trailer proves nothing): ask its author, or rename it (git branch -m {branch} <new name>) or delete it if it is stale"
                            )
                        }
                    };
                    pre.problems.push(problem);
                }
            }
        }
        // What this run wrote and did not commit yet: not someone's edit, when it is still as
        // the run wrote it.
        let mine: BTreeSet<&str> = owned
            .iter()
            .flat_map(|r| r.files.keys().map(String::as_str))
            .collect();
        if let Some(r) = &owned {
            let changed = self.not_as_written(r, &[Now::AsWritten, Now::AsBefore])?;
            if !changed.is_empty() {
                pre.problems.push(Self::changed_problem(&changed));
            }
        }
        let dirty: Vec<String> = self
            .status(&[])?
            .into_iter()
            .filter(|(p, _)| !mine.contains(p.as_str()))
            .map(|(p, what)| format!("{p} ({what})"))
            .collect();
        if !dirty.is_empty() {
            pre.problems.push(format!(
                "the GitOps work tree {} has changes that are not committed: {}. Commit, stash or remove them first (git status): opsdeck commits only the files it writes, and starts on a clean tree",
                self.root.display(),
                some_of(&dirty)
            ));
        }
        Ok(Assessment { pre, owned })
    }

    /// A start's preflight: an existing `branch` is refused unless it is the run this process is
    /// making already (a new run takes over no branch).
    pub(super) fn preflight_sync(&self, branch: &str) -> Result<GitPreflight, OpsError> {
        let ongoing = self.ongoing(branch);
        let stored = self.load(branch)?;
        let proof: Vec<&Record> = ongoing.iter().collect();
        Ok(self.assess(branch, &proof, stored.as_ref())?.pre)
    }

    /// Before a write: the run in this process goes on where it is; otherwise (the first write
    /// of a start, or a resume in a new process) the record on disk is the only proof that an
    /// existing branch is the run's.
    pub(super) fn begin_sync(&self, branch: &str) -> Result<(), OpsError> {
        let mut run = self.lock();
        if let Some(r) = run.as_ref().filter(|r| r.branch == branch) {
            self.on_branch(branch)?;
            return match self.tip(branch) {
                Some(tip) if tip == r.tip() => Ok(()),
                tip => Err(failed(format!(
                    "{branch} moved during the run: {}, where the run left it at {}. Nothing written: opsdeck does not commit on top of someone else's commits",
                    match tip {
                        Some(t) => format!("its last commit is now {}", self.describe(&t)),
                        None => "it is gone".to_string(),
                    },
                    short(r.tip())
                ))),
            };
        }
        let stored = self.load(branch)?;
        let proof: Vec<&Record> = stored.iter().collect();
        let Assessment { pre, owned } = self.assess(branch, &proof, stored.as_ref())?;
        if !pre.problems.is_empty() {
            return Err(failed(format!(
                "refused, nothing written: {}",
                pre.problems.join("; ")
            )));
        }
        let record = match (self.tip(branch), owned) {
            (Some(_), Some(record)) => {
                // This run's own branch (its record says so): the work goes on there, never in
                // another branch's work tree.
                if self.current_branch().as_deref() != Some(branch) {
                    self.git(&["checkout", "-q", branch, "--"])?;
                }
                record
            }
            (Some(tip), None) => {
                return Err(failed(format!(
                    "refused, nothing written: branch {branch} exists already and is not this run's: its last commit is {}",
                    self.describe(&tip)
                )));
            }
            (None, _) => {
                let base = self.git(&["rev-parse", "--verify", "HEAD"]).map_err(|_| {
                    failed("the GitOps repository has no commit yet: nothing to branch from")
                })?;
                self.git(&["checkout", "-q", "-b", branch])?;
                Record {
                    branch: branch.to_string(),
                    base,
                    ..Record::default()
                }
            }
        };
        self.save(&record)?;
        *run = Some(record);
        Ok(())
    }

    /// The run's commit on `branch` with the subject `message`: the one its record names (this
    /// process's run, or the record on disk), when the branch is still exactly there. A commit
    /// someone else made is never the run's, whatever its message.
    pub(super) fn find_commit_sync(
        &self,
        branch: &str,
        message: &str,
    ) -> Result<Option<String>, OpsError> {
        let record = match self.ongoing(branch) {
            Some(r) => Some(r),
            None => self.load(branch)?,
        };
        let (Some(record), Some(tip)) = (record, self.tip(branch)) else {
            return Ok(None);
        };
        if record.commit.as_deref() != Some(tip.as_str()) || self.disproof(&record, &tip).is_some()
        {
            return Ok(None);
        }
        let subject = self.git(&["log", "-1", "--format=%s", &tip, "--"])?;
        Ok((subject == message).then_some(tip))
    }
}
