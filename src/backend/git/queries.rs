//! What git says about the clone, read only: the branch HEAD is on, a branch's tip, the default
//! branch, a commit described for a person, the uncommitted changes, the blobs of a commit.

use std::collections::BTreeMap;

use super::{GitRepo, failed};
use crate::runbook::ports::OpsError;

impl GitRepo {
    /// The branch HEAD is on (None when detached).
    pub(super) fn current_branch(&self) -> Option<String> {
        self.git(&["symbolic-ref", "--quiet", "--short", "HEAD"])
            .ok()
            .filter(|b| !b.is_empty())
    }

    /// The commit `branch` points at, if it exists.
    pub(super) fn tip(&self, branch: &str) -> Option<String> {
        self.git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}^{{commit}}"),
        ])
        .ok()
        .filter(|t| !t.is_empty())
    }

    /// The repository's default branch: the one `origin/HEAD` names, else `main` or `master`,
    /// whichever exists (`main` when both do).
    pub(super) fn default_branch(&self) -> Option<String> {
        let origin = self
            .git(&["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"])
            .ok()
            .and_then(|r| {
                r.strip_prefix("refs/remotes/origin/")
                    .filter(|b| !b.is_empty())
                    .map(str::to_string)
            });
        origin.or_else(|| {
            ["main", "master"]
                .into_iter()
                .find(|b| self.tip(b).is_some())
                .map(str::to_string)
        })
    }

    /// A commit for a person: its short id, author, date and subject.
    pub(super) fn describe(&self, commit: &str) -> String {
        let log = self
            .git(&[
                "log",
                "-1",
                "--format=%h%x1f%an%x1f%ae%x1f%aI%x1f%s",
                commit,
                "--",
            ])
            .unwrap_or_default();
        let f: Vec<&str> = log.splitn(5, '\u{1f}').collect();
        let field = |i: usize| f.get(i).copied().unwrap_or_default();
        format!(
            "{} by {} <{}> on {}: {:?}",
            field(0),
            field(1),
            field(2),
            field(3),
            field(4)
        )
    }

    pub(super) fn on_branch(&self, branch: &str) -> Result<(), OpsError> {
        match self.current_branch() {
            Some(b) if b == branch => Ok(()),
            other => Err(failed(format!(
                "the work tree left {branch} during the run (HEAD is {}): nothing written; check out {branch} again, then resume",
                other.as_deref().unwrap_or("detached")
            ))),
        }
    }

    /// The uncommitted changes (`git status --porcelain`, untracked files one by one; ignored
    /// files are not changes), of the whole tree or of `paths`: each path and what changed.
    pub(super) fn status(&self, paths: &[&str]) -> Result<Vec<(String, &'static str)>, OpsError> {
        let mut args = vec![
            "--literal-pathspecs",
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
        ];
        if !paths.is_empty() {
            args.push("--");
            args.extend_from_slice(paths);
        }
        let raw = self.run_git(&args)?;
        let text = String::from_utf8_lossy(&raw);
        let mut fields = text.split('\0');
        let mut out = Vec::new();
        while let Some(f) = fields.next() {
            let (Some(xy), Some(path)) = (f.get(..2), f.get(3..)) else {
                continue;
            };
            let what = if xy == "??" {
                "untracked"
            } else if xy.contains('D') {
                "deleted"
            } else if xy.contains('R') || xy.contains('C') {
                // The source path follows in its own field.
                fields.next();
                "renamed"
            } else if xy.contains('A') {
                "added"
            } else {
                "modified"
            };
            out.push((path.to_string(), what));
        }
        Ok(out)
    }

    /// The blob id of each of `paths` in `commit` (None when one is not there, or git fails).
    pub(super) fn blobs(&self, commit: &str, paths: &[&str]) -> Option<BTreeMap<String, String>> {
        let specs: Vec<String> = paths.iter().map(|p| format!("{commit}:{p}")).collect();
        let mut args = vec!["rev-parse"];
        args.extend(specs.iter().map(String::as_str));
        let out = self.git(&args).ok()?;
        let ids: Vec<&str> = out.lines().collect();
        (ids.len() == paths.len()).then(|| {
            paths
                .iter()
                .zip(ids)
                .map(|(p, id)| (p.to_string(), id.to_string()))
                .collect()
        })
    }
}
