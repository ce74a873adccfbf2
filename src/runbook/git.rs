//! GitOps on a local clone through the `git` command (the one engineers already have, with
//! their config and hooks). It never pushes and never forces.
//!
//! A run works on its own branch. Before its first write the work tree must be clean (or hold
//! only what an interrupted run of the same change wrote); the branch is then created from HEAD,
//! or checked out when an earlier run of the same change made it, and someone else's branch is
//! refused, named. The commit holds the files the run wrote and nothing else (`git add -- <the
//! files>`, never `-A`). What a run wrote is kept in `<git dir>/opsdeck/<branch>.json`, so a
//! resume in another process tells its own files from an engineer's edits.
//!
//! Paths never leave the clone: every path read, listed or written is resolved and refused when
//! a symbolic link on the way leads out of the repository (or into its `.git`); nothing is
//! written through a link at all, and a link in a listed directory (a template to copy) is
//! refused rather than copied.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

use super::ports::{GitOps, GitPreflight, OpsError, OpsFuture};

/// In the body of opsdeck's commits: how a later run knows a commit on its branch for its own
/// when the record of the run is gone (another clone).
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

/// A run on a branch, as `<git dir>/opsdeck/<branch>.json` keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    branch: String,
    /// HEAD when the run created the branch.
    base: String,
    /// The files written since the last commit, relative to the root.
    written: Vec<String>,
    /// The run's last commit on the branch.
    commit: Option<String>,
}

impl Record {
    /// Where the branch is when nobody else touched it since the run.
    fn tip(&self) -> &str {
        self.commit.as_deref().unwrap_or(self.base.as_str())
    }
}

/// What an existing branch is to a run.
enum Branch {
    Absent,
    /// Made by an earlier run of the same change: the run continues on it. `recorded`: the
    /// record of that run is there (and with it the files it wrote and did not commit yet).
    Ours {
        recorded: bool,
    },
    /// Someone else's: its last commit, described.
    Foreign(String),
}

fn failed(msg: impl Into<String>) -> OpsError {
    OpsError::Failed(msg.into())
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

    /// `path` relative to the root, normalised (`a/b`): no absolute paths, no `..`, nothing in
    /// a `.git`.
    fn rel(path: &str) -> Result<String, OpsError> {
        let mut parts = Vec::new();
        for c in Path::new(path).components() {
            match c {
                Component::Normal(p) if p != ".git" => parts.push(p.to_string_lossy().into_owned()),
                Component::CurDir => {}
                _ => {
                    return Err(failed(format!("{path}: not a path inside the repository")));
                }
            }
        }
        if parts.is_empty() {
            return Err(failed(format!(
                "{path:?}: not a path inside the repository"
            )));
        }
        Ok(parts.join("/"))
    }

    /// Refuses a resolved path outside the work tree or inside its git directory.
    fn contained(&self, shown: &str, real: &Path) -> Result<(), OpsError> {
        if real.starts_with(&self.root) && !real.starts_with(&self.git_dir) {
            Ok(())
        } else {
            Err(failed(format!(
                "{shown} leads to {}, outside the repository's work tree: refused (opsdeck does not follow links out of the GitOps clone, nor into its .git)",
                real.display()
            )))
        }
    }

    /// Where `path` is on disk, if it exists. A symbolic link on the way is followed only when
    /// `links`, and only when it stays in the clone; otherwise the path is refused, named.
    fn resolve(&self, path: &str, links: bool) -> Result<Option<PathBuf>, OpsError> {
        let rel = Self::rel(path)?;
        let mut cur = self.root.clone();
        let mut shown = String::new();
        for part in rel.split('/') {
            cur.push(part);
            if !shown.is_empty() {
                shown.push('/');
            }
            shown.push_str(part);
            let meta = match std::fs::symlink_metadata(&cur) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(failed(format!("{shown}: {e}"))),
            };
            if meta.file_type().is_symlink() {
                if !links {
                    return Err(failed(format!(
                        "{shown} is a symbolic link: refused (opsdeck does not copy or list through links in the GitOps repository; replace it with the file or directory it points to)"
                    )));
                }
                let target = std::fs::canonicalize(&cur).map_err(|e| {
                    failed(format!(
                        "{shown} is a symbolic link that leads nowhere ({e}): refused"
                    ))
                })?;
                self.contained(&shown, &target)?;
            }
        }
        let real = std::fs::canonicalize(&cur).map_err(|e| failed(format!("{rel}: {e}")))?;
        self.contained(&rel, &real)?;
        Ok(Some(real))
    }

    /// Where to write `rel` (normalised): no symbolic link anywhere on the way (refused, not
    /// followed), the missing directories made, their parent checked to be in the clone.
    fn writable(&self, rel: &str) -> Result<PathBuf, OpsError> {
        let parts: Vec<&str> = rel.split('/').collect();
        let mut cur = self.root.clone();
        for (i, part) in parts.iter().enumerate() {
            cur.push(part);
            let shown = parts[..=i].join("/");
            let last = i + 1 == parts.len();
            match std::fs::symlink_metadata(&cur) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(failed(format!(
                        "{shown} is a symbolic link: refused (opsdeck does not write through links, which could lead out of the GitOps repository; replace it with a real {})",
                        if last { "file" } else { "directory" }
                    )));
                }
                Ok(m) if !last && !m.is_dir() => {
                    return Err(failed(format!("{shown}: not a directory")));
                }
                Ok(m) if last && m.is_dir() => {
                    return Err(failed(format!("{shown}: a directory, not a file")));
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) => return Err(failed(format!("{shown}: {e}"))),
            }
        }
        let full = self.root.join(rel);
        let parent = full.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(parent).map_err(|e| failed(format!("{rel}: {e}")))?;
        let real = std::fs::canonicalize(parent).map_err(|e| failed(format!("{rel}: {e}")))?;
        self.contained(rel, &real)?;
        Ok(full)
    }

    fn list_sync(&self, dir: &str) -> Result<Vec<String>, OpsError> {
        let rel = Self::rel(dir)?;
        let Some(base) = self.resolve(&rel, false)? else {
            return Ok(Vec::new());
        };
        if !base.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let mut stack = vec![(base, rel)];
        while let Some((d, shown)) = stack.pop() {
            let entries = std::fs::read_dir(&d).map_err(|e| failed(format!("{shown}: {e}")))?;
            for e in entries {
                let e = e.map_err(|e| failed(format!("{shown}: {e}")))?;
                let name = e.file_name().to_string_lossy().into_owned();
                if name == ".git" {
                    continue;
                }
                let path = format!("{shown}/{name}");
                let kind = e.file_type().map_err(|e| failed(format!("{path}: {e}")))?;
                if kind.is_symlink() {
                    return Err(failed(format!(
                        "{path} is a symbolic link: refused (opsdeck does not copy links from the GitOps repository, whatever they point to; replace it with the file it points to)"
                    )));
                } else if kind.is_dir() {
                    stack.push((e.path(), path));
                } else {
                    out.push(path);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    fn read_sync(&self, path: &str) -> Result<Option<String>, OpsError> {
        let Some(p) = self.resolve(path, true)? else {
            return Ok(None);
        };
        match std::fs::read_to_string(&p) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(failed(format!("{path}: {e}"))),
        }
    }

    fn write_sync(&self, path: &str, content: &str) -> Result<(), OpsError> {
        let rel = Self::rel(path)?;
        let mut run = self.lock();
        let Some(record) = run.as_mut() else {
            return Err(failed(format!(
                "{rel}: not written: the run has not started on its branch yet (GitOps::begin)"
            )));
        };
        self.on_branch(&record.branch)?;
        let p = self.writable(&rel)?;
        if !record.written.contains(&rel) {
            // Recorded before the write: an interrupted run knows every file it may have left.
            record.written.push(rel.clone());
            self.save(record)?;
        }
        std::fs::write(&p, content).map_err(|e| failed(format!("{rel}: {e}")))
    }

    /// The branch HEAD is on (None when detached).
    fn current_branch(&self) -> Option<String> {
        self.git(&["symbolic-ref", "--quiet", "--short", "HEAD"])
            .ok()
            .filter(|b| !b.is_empty())
    }

    /// The commit `branch` points at, if it exists.
    fn tip(&self, branch: &str) -> Option<String> {
        self.git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}^{{commit}}"),
        ])
        .ok()
        .filter(|t| !t.is_empty())
    }

    fn on_branch(&self, branch: &str) -> Result<(), OpsError> {
        match self.current_branch() {
            Some(b) if b == branch => Ok(()),
            other => Err(failed(format!(
                "the work tree left {branch} during the run (HEAD is {}): nothing written; check out {branch} again, then resume",
                other.as_deref().unwrap_or("detached")
            ))),
        }
    }

    /// The uncommitted changes (`git status --porcelain`, untracked files one by one; ignored
    /// files are not changes): each path and what changed.
    fn dirty(&self) -> Result<Vec<(String, &'static str)>, OpsError> {
        let raw = self.run_git(&["status", "--porcelain=v1", "-z", "--untracked-files=all"])?;
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

    fn record_path(&self, branch: &str) -> PathBuf {
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

    fn load(&self, branch: &str) -> Result<Option<Record>, OpsError> {
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

    fn save(&self, record: &Record) -> Result<(), OpsError> {
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

    /// What `branch` is to a run that commits `message`.
    fn branch_state(
        &self,
        branch: &str,
        message: &str,
        record: Option<&Record>,
    ) -> Result<Branch, OpsError> {
        let Some(tip) = self.tip(branch) else {
            return Ok(Branch::Absent);
        };
        if record.is_some_and(|r| r.tip() == tip) {
            return Ok(Branch::Ours { recorded: true });
        }
        let log = self.git(&[
            "log",
            "-1",
            "--format=%h%x1f%an%x1f%ae%x1f%aI%x1f%s%x1f%b",
            &tip,
            "--",
        ])?;
        let f: Vec<&str> = log.splitn(6, '\u{1f}').collect();
        let field = |i: usize| f.get(i).copied().unwrap_or_default();
        if field(4) == message && field(5).lines().any(|l| l.trim() == TRAILER) {
            return Ok(Branch::Ours { recorded: false });
        }
        Ok(Branch::Foreign(format!(
            "{} by {} <{}> on {}: {:?}",
            field(0),
            field(1),
            field(2),
            field(3),
            field(4)
        )))
    }

    fn preflight_sync(&self, branch: &str, message: &str) -> Result<GitPreflight, OpsError> {
        let mut pre = GitPreflight::default();
        let record = self.load(branch)?;
        // What an interrupted run of this change wrote and did not commit: not someone's edit.
        let mut ours = BTreeSet::new();
        match self.branch_state(branch, message, record.as_ref())? {
            Branch::Absent => {}
            Branch::Ours { recorded } => {
                if recorded && let Some(r) = &record {
                    ours.extend(r.written.iter().cloned());
                }
                let here = self.current_branch().as_deref() == Some(branch);
                pre.findings.push(format!(
                    "{branch} exists from an earlier run of this change: the run continues on it{}",
                    if here { "" } else { " (it is checked out first)" }
                ));
            }
            Branch::Foreign(last) => pre.problems.push(format!(
                "branch {branch} exists already and is not this run's: its last commit is {last}. opsdeck does not reuse someone else's branch: ask its author, or rename it (git branch -m {branch} <new name>) or delete it if it is stale"
            )),
        }
        let dirty: Vec<String> = self
            .dirty()?
            .into_iter()
            .filter(|(p, _)| !ours.contains(p))
            .map(|(p, what)| format!("{p} ({what})"))
            .collect();
        if !dirty.is_empty() {
            let more = dirty.len().saturating_sub(NAMED);
            pre.problems.push(format!(
                "the GitOps work tree {} has changes that are not committed: {}{}. Commit, stash or remove them first (git status): opsdeck commits only the files it writes, and starts on a clean tree",
                self.root.display(),
                dirty[..dirty.len().min(NAMED)].join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        Ok(pre)
    }

    fn begin_sync(&self, branch: &str, message: &str) -> Result<(), OpsError> {
        let mut run = self.lock();
        if let Some(r) = run.as_ref().filter(|r| r.branch == branch) {
            return self.on_branch(&r.branch);
        }
        let pre = self.preflight_sync(branch, message)?;
        if !pre.problems.is_empty() {
            return Err(failed(format!(
                "refused, nothing written: {}",
                pre.problems.join("; ")
            )));
        }
        let record = match self.tip(branch) {
            Some(tip) => {
                // This change's own branch (the preflight said so): the work goes on there,
                // never in another branch's work tree.
                if self.current_branch().as_deref() != Some(branch) {
                    self.git(&["checkout", "-q", branch, "--"])?;
                }
                match self.load(branch)? {
                    Some(r) if r.tip() == tip => r,
                    _ => Record {
                        branch: branch.to_string(),
                        base: tip.clone(),
                        written: Vec::new(),
                        commit: Some(tip),
                    },
                }
            }
            None => {
                let base = self.git(&["rev-parse", "--verify", "HEAD"]).map_err(|_| {
                    failed("the GitOps repository has no commit yet: nothing to branch from")
                })?;
                self.git(&["checkout", "-q", "-b", branch])?;
                Record {
                    branch: branch.to_string(),
                    base,
                    written: Vec::new(),
                    commit: None,
                }
            }
        };
        self.save(&record)?;
        *run = Some(record);
        Ok(())
    }

    fn commit_sync(&self, branch: &str, message: &str) -> Result<String, OpsError> {
        self.begin_sync(branch, message)?;
        let mut run = self.lock();
        let Some(record) = run.as_mut() else {
            return Err(failed(format!("no run on {branch} to commit")));
        };
        if record.written.is_empty() {
            return Err(failed(format!("nothing written to commit on {branch}")));
        }
        let written = record.written.clone();
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
        record.commit = Some(sha.clone());
        record.written.clear();
        self.save(record)?;
        Ok(sha)
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
        Box::pin(async move {
            let Ok(log) = self.git(&[
                "log",
                &format!("refs/heads/{branch}"),
                "--format=%H %s",
                "--",
            ]) else {
                return Ok(None);
            };
            Ok(log.lines().find_map(|l| {
                l.split_once(' ')
                    .filter(|(_, s)| *s == message)
                    .map(|(h, _)| h.to_string())
            }))
        })
    }

    fn commit<'a>(&'a self, branch: &'a str, message: &'a str) -> OpsFuture<'a, String> {
        Box::pin(async move { self.commit_sync(branch, message) })
    }

    fn preflight<'a>(&'a self, branch: &'a str, message: &'a str) -> OpsFuture<'a, GitPreflight> {
        Box::pin(async move { self.preflight_sync(branch, message) })
    }

    fn begin<'a>(&'a self, branch: &'a str, message: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move { self.begin_sync(branch, message) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_repository() {
        assert_eq!(GitRepo::rel("./a/b.yaml").unwrap(), "a/b.yaml");
        for bad in [
            "/etc/passwd",
            "a/../../b",
            "",
            ".",
            ".git/config",
            "a/.git/hooks/x",
        ] {
            assert!(GitRepo::rel(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_record_round_trips() {
        let r = Record {
            branch: "onboard/acme".into(),
            base: "abc".into(),
            written: vec!["a/b.yaml".into()],
            commit: None,
        };
        let back: Record = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.tip(), "abc");
    }
}
