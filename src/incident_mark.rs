//! When the incident started, as marked in the timeline (`m`), kept in the state directory
//! beside the timeline's file: a restart (the VPN dropped, the laptop slept) keeps the header's
//! count, and the handover (`opsdeck timeline --markdown`) names it. One small JSON file,
//! replaced whole (written aside, then renamed), private to the user; the last process to mark
//! wins. A symlink in its place is refused, never followed.

use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::Timestamp;

/// Where the mark is kept (the demo's apart): `$XDG_STATE_HOME/opsdeck/incident.json`.
pub fn path(demo: bool) -> Option<PathBuf> {
    let name = if demo {
        "incident-demo.json"
    } else {
        "incident.json"
    };
    crate::config::paths::state_dir().map(|d| d.join(name))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Mark {
    started_at: Timestamp,
}

/// The marked start, if one is kept and it is within the timeline's day of `now`; a file that
/// cannot be read counts as none (the log says why).
pub fn read(path: &Path, now: Timestamp) -> Option<Timestamp> {
    if is_symlink(path) {
        tracing::warn!(path = %path.display(), "the incident mark is a symlink: not read");
        return None;
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(path = %path.display(), "the incident mark cannot be read: {e}");
            return None;
        }
    };
    let mark: Mark = match serde_json::from_str(&text) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(path = %path.display(), "the incident mark is not valid: {e}");
            return None;
        }
    };
    let day = jiff::SignedDuration::from_hours(24);
    (mark.started_at + day >= now).then_some(mark.started_at)
}

/// Keeps `started_at` as the mark, or clears it (`None`).
pub fn write(path: &Path, started_at: Option<Timestamp>) -> Result<(), String> {
    let named = |e: std::io::Error| format!("{}: {e}", path.display());
    if is_symlink(path) {
        return Err(format!(
            "{}: a symlink, refused (remove it to keep the incident's start)",
            path.display()
        ));
    }
    let Some(started_at) = started_at else {
        return match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(named(e)),
            _ => Ok(()),
        };
    };
    if let Some(dir) = path.parent() {
        crate::private_files::private_dir(dir, true).map_err(named)?;
    }
    let aside = path.with_extension(format!("json.{}", std::process::id()));
    let text = serde_json::to_string(&Mark { started_at }).map_err(|e| e.to_string())?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Not following a symlink someone put where the aside file goes.
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let written = options.open(&aside).and_then(|mut f| {
        crate::private_files::restrict(&f)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    written
        .and_then(|()| std::fs::rename(&aside, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&aside);
            named(e)
        })
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_mark_is_kept_private_read_back_within_a_day_and_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join("incident.json");
        let started = at("2026-12-07T03:02:10Z");
        write(&path, Some(started)).unwrap();
        assert_eq!(read(&path, at("2026-12-07T04:00:00Z")), Some(started));
        assert_eq!(
            read(&path, at("2026-12-08T04:00:00Z")),
            None,
            "older than a day"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        write(&path, None).unwrap();
        assert!(!path.exists());
        write(&path, None).unwrap();
        std::fs::write(&path, "{ torn").unwrap();
        assert_eq!(read(&path, at("2026-12-07T04:00:00Z")), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_in_its_place_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious");
        std::fs::write(&target, "keep").unwrap();
        let path = dir.path().join("incident.json");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let e = write(&path, Some(at("2026-12-07T03:02:10Z"))).unwrap_err();
        assert!(e.contains("symlink"), "{e}");
        assert!(write(&path, None).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        assert_eq!(read(&path, at("2026-12-07T04:00:00Z")), None);
    }
}
