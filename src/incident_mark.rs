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

/// The most a mark's file may hold: it is one small object.
const MAX_BYTES: u64 = 4096;

/// The marked start, if one is kept (`Ok(None)`: none). A file that cannot be used, a mark more
/// than a day before `now` (the timeline's day) or after it: an `Err` that says so, to be shown
/// where the count would have been. The file is opened without following a link and without
/// waiting on a FIFO, and only a small regular file is read.
pub fn read(path: &Path, now: Timestamp) -> Result<Option<Timestamp>, String> {
    let named = |what: String| format!("the incident mark {}: {what}", path.display());
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let mut file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) if is_symlink(path) => return Err(named("a symlink, not read".into())),
        Err(e) => return Err(named(e.to_string())),
    };
    let meta = file.metadata().map_err(|e| named(e.to_string()))?;
    if !meta.is_file() {
        return Err(named("not a regular file, not read".into()));
    }
    if meta.len() > MAX_BYTES {
        return Err(named(format!("{} bytes, not a mark: not read", meta.len())));
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut file, &mut text).map_err(|e| named(e.to_string()))?;
    let mark: Mark =
        serde_json::from_str(&text).map_err(|e| named(format!("not a valid mark: {e}")))?;
    let started = mark.started_at;
    let stamp = started.strftime("%Y-%m-%d %H:%M:%S UTC");
    if started + jiff::SignedDuration::from_hours(24) < now {
        return Err(format!(
            "the incident marked as started at {stamp} is over a day old: not counted (m in :timeline marks a new start)"
        ));
    }
    if started > now + jiff::SignedDuration::from_secs(60) {
        return Err(format!(
            "the incident marked as started at {stamp} is in the future of this clock: not counted"
        ));
    }
    Ok(Some(started))
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
        assert_eq!(read(&path, at("2026-12-07T04:00:00Z")), Ok(Some(started)));
        let old = read(&path, at("2026-12-08T04:00:00Z")).unwrap_err();
        assert!(old.contains("over a day old"), "{old}");
        let ahead = read(&path, at("2026-12-07T02:00:00Z")).unwrap_err();
        assert!(ahead.contains("in the future"), "{ahead}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        write(&path, None).unwrap();
        assert!(!path.exists());
        assert_eq!(read(&path, at("2026-12-07T04:00:00Z")), Ok(None));
        write(&path, None).unwrap();
        std::fs::write(&path, "{ torn").unwrap();
        let torn = read(&path, at("2026-12-07T04:00:00Z")).unwrap_err();
        assert!(torn.contains("not a valid mark"), "{torn}");
        std::fs::write(&path, vec![b' '; 5000]).unwrap();
        let big = read(&path, at("2026-12-07T04:00:00Z")).unwrap_err();
        assert!(big.contains("5000 bytes"), "{big}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_in_its_place_is_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("incident.json");
        let status = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        let e = read(&path, at("2026-12-07T04:00:00Z")).unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
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
        let e = read(&path, at("2026-12-07T04:00:00Z")).unwrap_err();
        assert!(e.contains("symlink"), "{e}");
    }
}
