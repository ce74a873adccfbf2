//! State files are private to the user: journals, the audit log and the log file are created
//! 0600 in directories created 0700, and an older opsdeck's wider file or directory is narrowed
//! when it is opened again. One home for the rule, so no writer forgets it.

use std::fs::{File, OpenOptions};
use std::path::Path;

/// Append (and read, when `read`), created 0600 on Unix; a symlink in the file's place is
/// not followed (the open fails): a state file is never someone else's file made private.
pub fn append_options(read: bool) -> OpenOptions {
    let mut o = OpenOptions::new();
    o.read(read).create(!read).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    o
}

/// Opens `path` to append, created 0600, and made 0600 if it was wider; a symlink is refused.
pub fn open_append(path: &Path) -> std::io::Result<File> {
    let file = append_options(false).open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return std::io::Error::other(
                "a symlink, refused: opsdeck does not follow links to write its files",
            );
        }
        e
    })?;
    restrict(&file)?;
    Ok(file)
}

/// Makes an open file owner-only (0600) if it is not yet.
pub fn restrict(file: &File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Creates `dir` and its missing parents owner-only (0700 on Unix); `tighten` makes an existing
/// `dir` owner-only too (opsdeck's own directories, not one the user named).
pub fn private_dir(dir: &Path, tighten: bool) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(dir)?;
        if tighten && std::fs::metadata(dir)?.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tighten;
        builder.create(dir)?;
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_symlink_in_a_state_files_place_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "x\n").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
        let log = dir.path().join("opsdeck.log");
        std::os::unix::fs::symlink(&victim, &log).unwrap();
        let e = open_append(&log).unwrap_err();
        assert!(e.to_string().contains("symlink"), "{e}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "x\n");
        let mode = std::fs::metadata(&victim).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        // A plain file is opened, and made private.
        let plain = dir.path().join("plain.log");
        std::fs::write(&plain, "").unwrap();
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();
        open_append(&plain).unwrap();
        let mode = std::fs::metadata(&plain).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
