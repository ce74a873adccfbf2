//! Paths never leave the clone: every path read, listed or written is normalised and resolved,
//! and refused when it (or a symbolic link on the way) leads out of the work tree or into its
//! `.git`; nothing is written or listed through a link.

use std::path::{Component, Path, PathBuf};

use super::{GitRepo, failed};
use crate::runbook::ports::OpsError;

impl GitRepo {
    /// `path` relative to the root, normalised (`a/b`): no absolute paths, no `..`, nothing in
    /// a `.git`.
    pub(super) fn rel(path: &str) -> Result<String, OpsError> {
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
    pub(super) fn contained(&self, shown: &str, real: &Path) -> Result<(), OpsError> {
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
    pub(super) fn resolve(&self, path: &str, links: bool) -> Result<Option<PathBuf>, OpsError> {
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
    pub(super) fn writable(&self, rel: &str) -> Result<PathBuf, OpsError> {
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

    pub(super) fn list_sync(&self, dir: &str) -> Result<Vec<String>, OpsError> {
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

    pub(super) fn read_sync(&self, path: &str) -> Result<Option<String>, OpsError> {
        let Some(p) = self.resolve(path, true)? else {
            return Ok(None);
        };
        match std::fs::read_to_string(&p) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(failed(format!("{path}: {e}"))),
        }
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
}
