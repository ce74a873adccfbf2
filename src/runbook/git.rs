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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

use super::ports::{GitOps, GitPreflight, OpsError, OpsFuture};

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

/// A run on a branch, as `<git dir>/opsdeck/<branch>.json` keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    branch: String,
    /// HEAD when the run created the branch.
    base: String,
    /// The files written since the last commit, relative to the root, each with the hash of its
    /// content as the run wrote it.
    #[serde(default)]
    files: BTreeMap<String, Written>,
    /// The run's last commit on the branch.
    commit: Option<String>,
    /// The files of that commit (the ones the run wrote), each with its blob id in it.
    #[serde(default)]
    committed: BTreeMap<String, String>,
}

/// A file the run wrote and did not commit yet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Written {
    /// The SHA-256 (hex) of the content the run wrote last.
    sha256: String,
    /// The SHA-256 of what was there before the run first wrote it (None: no file). A file
    /// still like that was not written yet (a write cut short), which is nobody's edit.
    before: Option<String>,
}

impl Record {
    /// Where the branch is when nobody else touched it since the run.
    fn tip(&self) -> &str {
        self.commit.as_deref().unwrap_or(self.base.as_str())
    }
}

/// A file the run wrote, as the work tree has it now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Now {
    /// The content the run wrote.
    AsWritten,
    /// The content before the run's first write to it.
    AsBefore,
    /// Anything else: someone changed it.
    Changed,
}

/// What the repository says about a run on a branch.
struct Assessment {
    pre: GitPreflight,
    /// The record the run goes on with, when its branch exists and the record proves it the
    /// run's.
    owned: Option<Record>,
}

fn failed(msg: impl Into<String>) -> OpsError {
    OpsError::Failed(msg.into())
}

/// The SHA-256 of `bytes`, in hex.
fn sha256(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut hex = String::with_capacity(64);
    for b in digest.as_ref() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
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

    /// The repository's default branch: the one `origin/HEAD` names, else `main` or `master`,
    /// whichever exists (`main` when both do).
    fn default_branch(&self) -> Option<String> {
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
    fn describe(&self, commit: &str) -> String {
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
    /// files are not changes), of the whole tree or of `paths`: each path and what changed.
    fn status(&self, paths: &[&str]) -> Result<Vec<(String, &'static str)>, OpsError> {
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

    /// The SHA-256 of the file `rel` as the work tree has it (None: no file there). Not a
    /// regular file (a link, a directory): a value no content hashes to.
    fn content_hash(&self, rel: &str) -> Result<Option<String>, OpsError> {
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
    fn state(there: Option<&str>, w: &Written) -> Now {
        if there == Some(w.sha256.as_str()) {
            Now::AsWritten
        } else if there == w.before.as_deref() {
            Now::AsBefore
        } else {
            Now::Changed
        }
    }

    /// The files the run wrote that are not as `ok` accepts them now, sorted.
    fn not_as_written(&self, record: &Record, ok: &[Now]) -> Result<Vec<String>, OpsError> {
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
    fn changed_problem(changed: &[String]) -> String {
        format!(
            "{} changed since opsdeck wrote {}: opsdeck commits only what it wrote, and someone's edit is not that. Look at the change (git diff -- <file>); to go on, put back what opsdeck wrote, or keep the edit and start the onboarding again from a clean tree (git checkout <default branch>, git branch -D <the onboarding branch>)",
            some_of(changed),
            if changed.len() == 1 { "it" } else { "them" }
        )
    }

    /// The blob id of each of `paths` in `commit` (None when one is not there, or git fails).
    fn blobs(&self, commit: &str, paths: &[&str]) -> Option<BTreeMap<String, String>> {
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

    /// The run in this process on `branch`, if any.
    fn ongoing(&self, branch: &str) -> Option<Record> {
        self.lock().as_ref().filter(|r| r.branch == branch).cloned()
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
    fn preflight_sync(&self, branch: &str) -> Result<GitPreflight, OpsError> {
        let ongoing = self.ongoing(branch);
        let stored = self.load(branch)?;
        let proof: Vec<&Record> = ongoing.iter().collect();
        Ok(self.assess(branch, &proof, stored.as_ref())?.pre)
    }

    /// Before a write: the run in this process goes on where it is; otherwise (the first write
    /// of a start, or a resume in a new process) the record on disk is the only proof that an
    /// existing branch is the run's.
    fn begin_sync(&self, branch: &str) -> Result<(), OpsError> {
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

    fn commit_sync(&self, branch: &str, message: &str) -> Result<String, OpsError> {
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

    /// The run's commit on `branch` with the subject `message`: the one its record names (this
    /// process's run, or the record on disk), when the branch is still exactly there. A commit
    /// someone else made is never the run's, whatever its message.
    fn find_commit_sync(&self, branch: &str, message: &str) -> Result<Option<String>, OpsError> {
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

/// A commit id as people read it.
fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
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
