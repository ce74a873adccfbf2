//! State files are private to the user: journals, the audit log and the log file are created
//! 0600 in directories created 0700, and an older opsdeck's wider file or directory is narrowed
//! when it is opened again. One home for the rule, so no writer forgets it.

use std::fs::{File, OpenOptions};
use std::path::Path;

/// Append (and read, when `read`), created 0600 on Unix.
pub fn append_options(read: bool) -> OpenOptions {
    let mut o = OpenOptions::new();
    o.read(read).create(!read).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// Opens `path` to append, created 0600, and made 0600 if it was wider.
pub fn open_append(path: &Path) -> std::io::Result<File> {
    let file = append_options(false).open(path)?;
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
