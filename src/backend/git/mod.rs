//! GitOps on a local clone through the `git` command (the one engineers already have, with
//! their config and hooks). It never pushes and never forces.
//!
//! A run works on its own branch, made from the repository's default branch (`origin/HEAD`, else
//! `main` or `master`): a detached HEAD or another branch checked out (someone's work in
//! progress) is refused, named, and the preflight says which commit the branch starts from.
//! Before its first write the work tree must be clean (or hold only what this run wrote).
//!
//! What a run did is kept in `<git dir>/opsdeck/<branch>.json` (local: never pushed, never
//! fetched): the commit it made the branch at, the files it wrote with the SHA-256 of their
//! content as it wrote them, and its last commit with the blob of every file in it. That record
//! is the only proof that a branch is the run's; a commit message, an author or a
//! `Committed-by: opsdeck` trailer proves nothing (anyone can write them). So:
//! - a new run (the preflight of a start) owns no existing branch: one is refused, naming the
//!   author, date and subject of its last commit (an interrupted run is resumed, not started
//!   again); only the run this process is making already is continued;
//! - a resume (`begin` with no run in this process) owns the branch only when it is exactly
//!   where the record left it: at the commit the record names, that commit holding the recorded
//!   blobs and changing nothing else, or, before the first commit, at the commit it was made at;
//! - a file the run wrote is committed only as the run wrote it: one whose content changed since
//!   (someone's edit) is refused, named, before the commit and when a run resumes, and is never
//!   overwritten by a later write of the run either.
//!
//! The commit holds the files the run wrote and nothing else (`git add -- <the files>`, never
//! `-A`).
//!
//! Paths never leave the clone: every path read, listed or written is resolved and refused when
//! a symbolic link on the way leads out of the repository (or into its `.git`); nothing is
//! written through a link at all, and a link in a listed directory (a template to copy) is
//! refused rather than copied.

mod ownership;
mod paths;
mod queries;
mod record;
mod writes;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::runbook::ports::{GitOps, GitPreflight, OpsError, OpsFuture};
use record::Record;

/// In the body of opsdeck's commits, for the people reading the history. It proves nothing:
/// anyone can write it, so no run ever takes a commit for its own because of it.
const TRAILER: &str = "Committed-by: opsdeck";

/// How many uncommitted files a refusal names before it counts the rest.
const NAMED: usize = 12;

pub struct GitRepo {
    /// The work tree's top level, canonical.
    root: PathBuf,
    /// The repository's git directory, canonical.
    git_dir: PathBuf,
    /// The run in progress in this process: its branch and what it wrote.
    run: Mutex<Option<Record>>,
}

fn failed(msg: impl Into<String>) -> OpsError {
    OpsError::Failed(msg.into())
}

/// `items` joined, the first `NAMED` of them named and the rest counted.
fn some_of(items: &[String]) -> String {
    let more = items.len().saturating_sub(NAMED);
    format!(
        "{}{}",
        items[..items.len().min(NAMED)].join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// A commit id as people read it.
fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}

impl GitRepo {
    /// A repository's work tree, at its top level; an error when `root` is not one.
    pub fn open(root: &Path) -> Result<GitRepo, String> {
        let not_a_repo =
            |e: &dyn std::fmt::Display| format!("{} is not a git work tree: {e}", root.display());
        let canonical = std::fs::canonicalize(root).map_err(|e| not_a_repo(&e))?;
        let probe = GitRepo {
            root: canonical.clone(),
            git_dir: PathBuf::new(),
            run: Mutex::new(None),
        };
        let top = probe
            .git(&["rev-parse", "--show-toplevel"])
            .map_err(|e| not_a_repo(&e))?;
        let top = std::fs::canonicalize(&top).map_err(|e| not_a_repo(&e))?;
        if top != canonical {
            return Err(format!(
                "{} is inside the git work tree {}: pass its top level",
                root.display(),
                top.display()
            ));
        }
        let git_dir = probe
            .git(&["rev-parse", "--absolute-git-dir"])
            .map_err(|e| not_a_repo(&e))?;
        let git_dir = std::fs::canonicalize(&git_dir).map_err(|e| not_a_repo(&e))?;
        Ok(GitRepo { git_dir, ..probe })
    }

    fn run_git(&self, args: &[&str]) -> Result<Vec<u8>, OpsError> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args(args)
            .output()
            .map_err(|e| failed(format!("cannot run git: {e}")))?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(failed(format!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    fn git(&self, args: &[&str]) -> Result<String, OpsError> {
        self.run_git(args)
            .map(|out| String::from_utf8_lossy(&out).trim_end().to_string())
    }

    fn lock(&self) -> MutexGuard<'_, Option<Record>> {
        self.run.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl GitOps for GitRepo {
    fn list<'a>(&'a self, dir: &'a str) -> OpsFuture<'a, Vec<String>> {
        Box::pin(async move { self.list_sync(dir) })
    }

    fn read<'a>(&'a self, path: &'a str) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move { self.read_sync(path) })
    }

    fn write<'a>(&'a self, path: &'a str, content: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move { self.write_sync(path, content) })
    }

    fn find_commit<'a>(
        &'a self,
        branch: &'a str,
        message: &'a str,
    ) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move { self.find_commit_sync(branch, message) })
    }

    fn commit<'a>(&'a self, branch: &'a str, message: &'a str) -> OpsFuture<'a, String> {
        Box::pin(async move { self.commit_sync(branch, message) })
    }

    /// A start's preflight: no existing branch is the new run's (see the module's doc).
    fn preflight<'a>(&'a self, branch: &'a str, _message: &'a str) -> OpsFuture<'a, GitPreflight> {
        Box::pin(async move { self.preflight_sync(branch) })
    }

    /// The run in this process goes on; otherwise the record on disk alone proves an existing
    /// branch the run's (a resume), and a missing one is made from the default branch.
    fn begin<'a>(&'a self, branch: &'a str, _message: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move { self.begin_sync(branch) })
    }
}
