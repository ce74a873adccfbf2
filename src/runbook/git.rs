//! GitOps on a local clone through the `git` command (the one engineers already have, with
//! their config and hooks): files written in the work tree, committed on a new branch. It never
//! pushes and never forces.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use super::ports::{GitOps, OpsError, OpsFuture};

pub struct GitRepo {
    root: PathBuf,
}

impl GitRepo {
    /// A repository's work tree; an error when `root` is not one.
    pub fn open(root: &Path) -> Result<GitRepo, String> {
        let repo = GitRepo {
            root: root.to_path_buf(),
        };
        repo.git(&["rev-parse", "--is-inside-work-tree"])
            .map_err(|e| format!("{} is not a git work tree: {e}", root.display()))?;
        Ok(repo)
    }

    fn git(&self, args: &[&str]) -> Result<String, OpsError> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args(args)
            .output()
            .map_err(|e| OpsError::Failed(format!("cannot run git: {e}")))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
        } else {
            Err(OpsError::Failed(format!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    /// `path` inside the work tree; no absolute paths, no `..`.
    fn inside(&self, path: &str) -> Result<PathBuf, OpsError> {
        let p = Path::new(path);
        if p.components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(OpsError::Failed(format!(
                "{path}: not a path inside the repository"
            )));
        }
        Ok(self.root.join(p))
    }

    fn list_sync(&self, dir: &str) -> Result<Vec<String>, OpsError> {
        let base = self.inside(dir)?;
        let mut out = Vec::new();
        let mut stack = vec![base];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.file_name().is_some_and(|n| n == ".git") {
                    continue;
                }
                if p.is_dir() {
                    stack.push(p);
                } else if let Ok(rel) = p.strip_prefix(&self.root) {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    fn commit_sync(&self, branch: &str, message: &str) -> Result<String, OpsError> {
        let current = self.git(&["rev-parse", "--abbrev-ref", "HEAD"])?;
        if current != branch {
            let exists = self
                .git(&[
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    &format!("refs/heads/{branch}"),
                ])
                .is_ok();
            if exists {
                self.git(&["checkout", branch])?;
            } else {
                self.git(&["checkout", "-b", branch])?;
            }
        }
        self.git(&["add", "-A"])?;
        self.git(&["commit", "-m", message])?;
        self.git(&["rev-parse", "HEAD"])
    }
}

impl GitOps for GitRepo {
    fn list<'a>(&'a self, dir: &'a str) -> OpsFuture<'a, Vec<String>> {
        Box::pin(async move { self.list_sync(dir) })
    }

    fn read<'a>(&'a self, path: &'a str) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move {
            let p = self.inside(path)?;
            match std::fs::read_to_string(&p) {
                Ok(s) => Ok(Some(s)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(OpsError::Failed(format!("{path}: {e}"))),
            }
        })
    }

    fn write<'a>(&'a self, path: &'a str, content: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let p = self.inside(path)?;
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| OpsError::Failed(format!("{path}: {e}")))?;
            }
            std::fs::write(&p, content).map_err(|e| OpsError::Failed(format!("{path}: {e}")))
        })
    }

    fn find_commit<'a>(
        &'a self,
        branch: &'a str,
        message: &'a str,
    ) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move {
            let Ok(log) = self.git(&["log", branch, "--format=%H %s"]) else {
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
}
