//! The timeline on disk: the last 24 hours of changes (`store::changes`), so that they survive
//! a restart of opsdeck (the VPN dropped, the laptop slept) and `opsdeck timeline` can hand them
//! over. An SQLite file in the state directory: `timeline.sqlite` for the configured sources,
//! `timeline-demo.sqlite` for the demo, owner-only like every state file.
//!
//! Why SQLite: each batch is one transaction, so a SIGKILL mid-write leaves the batch whole or
//! absent, never a torn record; WAL mode with a busy timeout lets two opsdeck processes write at
//! once; a unique key (the change's time and a hash of the rest) makes a change written twice
//! one row. Bounded: changes older than 24 hours before the newest go, and past
//! `MAX_STORED` the oldest; SQLite reuses the freed pages, so the file stops growing.
//!
//! The TUI never waits on it: a `Recorder` thread takes the store's changes through a channel
//! and writes them in batches.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, params};

use crate::model::{Health, Kind, RowId, Scope};
use crate::private_files::{append_options, private_dir, restrict};
use crate::store::changes::{Change, Subject};

/// How far back the file keeps changes, from the newest one.
pub const KEEP_MS: i64 = 24 * 3600 * 1000;
/// The most changes the file keeps (24 hours at about 3 a second; at 50 a second, the last
/// 83 minutes): about 60 MB.
pub const MAX_STORED: i64 = 250_000;
/// The batches between two prunings.
const PRUNE_EVERY: u32 = 64;
/// How long a write waits for another process's transaction.
const BUSY: Duration = Duration::from_secs(5);

/// `$XDG_STATE_HOME/opsdeck/timeline.sqlite`, or `timeline-demo.sqlite` for the demo world.
pub fn path(demo: bool) -> Option<PathBuf> {
    let name = if demo {
        "timeline-demo.sqlite"
    } else {
        "timeline.sqlite"
    };
    crate::config::paths::state_dir().map(|d| d.join(name))
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    hash INTEGER NOT NULL,
    source TEXT NOT NULL,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    context TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    from_health TEXT NOT NULL,
    to_health TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS changes_once ON changes (at_ms, hash);
";

/// What went wrong with the file, naming it.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DbError {
    pub path: String,
    pub message: String,
}

pub struct TimelineDb {
    conn: Connection,
    path: PathBuf,
    batches: u32,
    /// The most changes kept (`MAX_STORED`; tests set less).
    max_stored: i64,
}

impl TimelineDb {
    /// Opens the file to write, creating it (0600, in a 0700 directory) and its table.
    pub fn open(path: &Path) -> Result<TimelineDb, DbError> {
        let fail = |message: String| DbError {
            path: path.display().to_string(),
            message,
        };
        if let Some(dir) = path.parent() {
            private_dir(dir, false).map_err(|e| fail(e.to_string()))?;
        }
        refuse_links(path).map_err(fail)?;
        // Created owner-only before SQLite opens it: its -wal and -shm files take its mode.
        let file = append_options(false)
            .open(path)
            .map_err(|e| fail(e.to_string()))?;
        restrict(&file).map_err(|e| fail(e.to_string()))?;
        drop(file);
        let conn = Connection::open(path).map_err(|e| fail(e.to_string()))?;
        conn.busy_timeout(BUSY).map_err(|e| fail(e.to_string()))?;
        conn.execute_batch(SCHEMA).map_err(|e| {
            // A directory or file it may not write is not a foreign file: say which it is.
            let read_only = matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
            );
            fail(if read_only {
                format!(
                    "cannot be written ({e}): check the permissions of the file and its directory"
                )
            } else {
                format!("not an opsdeck timeline ({e})")
            })
        })?;
        let mut db = TimelineDb {
            conn,
            path: path.to_path_buf(),
            batches: 0,
            max_stored: MAX_STORED,
        };
        db.prune().map_err(|e| fail(e.to_string()))?;
        Ok(db)
    }

    /// Opens an existing file to read only (`opsdeck timeline`): `None` when there is none yet
    /// (or an empty one: a timeline that never got its table).
    pub fn open_read(path: &Path) -> Result<Option<TimelineDb>, DbError> {
        let fail = |message: String| DbError {
            path: path.display().to_string(),
            message,
        };
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(fail(e.to_string())),
            Ok(m) if m.is_dir() => return Err(fail("is a directory, not a timeline".into())),
            Ok(m) if m.len() == 0 => return Ok(None),
            Ok(_) => {}
        }
        refuse_links(path).map_err(fail)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| fail(e.to_string()))?;
        conn.busy_timeout(BUSY).map_err(|e| fail(e.to_string()))?;
        let has_table: bool = conn
            .query_row(
                "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'changes'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| fail(format!("not an opsdeck timeline ({e})")))?;
        if !has_table {
            return Err(fail("not an opsdeck timeline (no changes table)".into()));
        }
        Ok(Some(TimelineDb {
            conn,
            path: path.to_path_buf(),
            batches: 0,
            max_stored: MAX_STORED,
        }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `changes` in one transaction; one already there (same time, same content) is
    /// skipped. Gives how many were new.
    pub fn insert(&mut self, changes: &[Change]) -> rusqlite::Result<usize> {
        let tx = self.conn.transaction()?;
        let mut added = 0;
        {
            let mut put = tx.prepare_cached(
                "INSERT OR IGNORE INTO changes (at_ms, hash, source, subject, kind, account, \
                 region, context, namespace, name, from_health, to_health, note) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            for c in changes {
                let r = Record::of(c);
                let (at, hash) = (c.at.as_millisecond(), r.hash(c));
                let columns = r.columns(c);
                let mut values: Vec<&dyn rusqlite::ToSql> = vec![&at, &hash];
                values.extend(columns.iter().map(|v| v as &dyn rusqlite::ToSql));
                added += put.execute(values.as_slice())?;
            }
        }
        tx.commit()?;
        self.batches += 1;
        if self.batches.is_multiple_of(PRUNE_EVERY) {
            self.prune()?;
        }
        Ok(added)
    }

    /// Drops what is older than 24 hours before now (the newest change when that is earlier: a
    /// change dated ahead — a skewed clock, a sped-up demo — never pushes the rest out), then
    /// the oldest past `MAX_STORED`.
    pub fn prune(&mut self) -> rusqlite::Result<()> {
        let now = jiff::Timestamp::now().as_millisecond();
        self.conn.execute(
            "DELETE FROM changes WHERE at_ms < MIN(?2, (SELECT MAX(at_ms) FROM changes)) - ?1",
            [KEEP_MS, now],
        )?;
        self.conn.execute(
            "DELETE FROM changes WHERE seq <= \
             (SELECT seq FROM changes ORDER BY seq DESC LIMIT 1 OFFSET ?1)",
            [self.max_stored],
        )?;
        Ok(())
    }

    /// The changes between `since` and `until` (both included; unbounded when `None`), oldest
    /// first, at most the newest `limit`.
    pub fn read(
        &self,
        since: Option<Timestamp>,
        until: Option<Timestamp>,
        limit: usize,
    ) -> rusqlite::Result<Vec<Change>> {
        let mut q = self.conn.prepare_cached(
            "SELECT at_ms, source, subject, kind, account, region, context, namespace, name, \
             from_health, to_health, note FROM changes WHERE at_ms >= ?1 AND at_ms <= ?2 \
             ORDER BY at_ms DESC, seq DESC LIMIT ?3",
        )?;
        let since = since.map_or(i64::MIN, |t| t.as_millisecond());
        let until = until.map_or(i64::MAX, |t| t.as_millisecond());
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = q.query_map(params![since, until, limit], |r| {
            Ok(Stored {
                at_ms: r.get(0)?,
                source: r.get(1)?,
                subject: r.get(2)?,
                kind: r.get(3)?,
                scope: Scope {
                    account: non_empty(r.get(4)?),
                    region: non_empty(r.get(5)?),
                    context: non_empty(r.get(6)?),
                    namespace: non_empty(r.get(7)?),
                },
                name: r.get(8)?,
                from: r.get(9)?,
                to: r.get(10)?,
                note: r.get(11)?,
            })
        })?;
        let mut out = Vec::new();
        for row in rows {
            // A row this opsdeck cannot read (a kind a newer one added) is left out.
            if let Some(change) = row?.change() {
                out.push(change);
            }
        }
        out.reverse();
        Ok(out)
    }

    /// The changes of the last 24 hours (before now, or before the newest when that is
    /// earlier), oldest first, at most `limit`: what the TUI starts with.
    pub fn recent(&self, limit: usize) -> rusqlite::Result<Vec<Change>> {
        let Some(newest) = self.newest()? else {
            return Ok(Vec::new());
        };
        let end = newest.min(Timestamp::now());
        let since = end
            .checked_sub(jiff::SignedDuration::from_millis(KEEP_MS))
            .ok();
        self.read(since, None, limit)
    }

    /// When the newest change kept happened.
    pub fn newest(&self) -> rusqlite::Result<Option<Timestamp>> {
        let newest: Option<i64> =
            self.conn
                .query_row("SELECT MAX(at_ms) FROM changes", [], |r| r.get(0))?;
        Ok(newest.and_then(|ms| Timestamp::from_millisecond(ms).ok()))
    }

    /// How many changes the file holds.
    pub fn count(&self) -> rusqlite::Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM changes", [], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }
}

/// The file and its SQLite companions must not be symbolic links: opsdeck writes in its state
/// directory and never follows a path out of it (nor narrows the mode of what a link names).
fn refuse_links(path: &Path) -> Result<(), String> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let p = path.with_file_name(format!("{name}{suffix}"));
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!(
                "{} is a symbolic link; opsdeck does not follow links out of its state directory (remove it)",
                p.display()
            ));
        }
    }
    Ok(())
}

/// A change as its columns hold it.
struct Record<'a> {
    subject: &'static str,
    kind: &'a str,
    scope: std::borrow::Cow<'a, Scope>,
    name: &'a str,
}

impl<'a> Record<'a> {
    fn of(c: &'a Change) -> Record<'a> {
        use std::borrow::Cow;
        match &c.subject {
            Subject::Row(id) => Record {
                subject: "row",
                kind: id.kind.as_str(),
                scope: Cow::Borrowed(&id.scope),
                name: &id.name,
            },
            Subject::Source(name) => Record {
                subject: "source",
                kind: "",
                scope: Cow::Owned(Scope::default()),
                name,
            },
            Subject::Object { kind, scope, name } => Record {
                subject: "object",
                kind,
                scope: Cow::Borrowed(scope),
                name,
            },
            Subject::Runbook { name, target } => Record {
                subject: "runbook",
                kind: name,
                scope: Cow::Owned(Scope::default()),
                name: target,
            },
        }
    }

    /// The columns after the time and the hash, in the table's order.
    fn columns<'c>(&'c self, c: &'c Change) -> [&'c str; 11] {
        [
            &c.source,
            self.subject,
            self.kind,
            self.scope.account(),
            self.scope.region(),
            self.scope.context(),
            self.scope.namespace(),
            self.name,
            health_text(c.from),
            health_text(c.to),
            &c.note,
        ]
    }

    /// FNV-1a over everything but the time (keyed beside it): stable across builds and
    /// platforms, unlike std's hasher. A separator byte keeps ("ab", "c") apart from ("a", "bc").
    fn hash(&self, c: &Change) -> i64 {
        let parts = self.columns(c);
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in parts {
            for b in part.bytes().chain([0xff]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        h as i64
    }
}

fn health_text(h: Option<Health>) -> &'static str {
    h.map_or("", Health::as_str)
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// A change as read back.
struct Stored {
    at_ms: i64,
    source: String,
    subject: String,
    kind: String,
    scope: Scope,
    name: String,
    from: String,
    to: String,
    note: String,
}

impl Stored {
    fn change(self) -> Option<Change> {
        let subject = match self.subject.as_str() {
            "row" => {
                let kind = Kind::ALL.into_iter().find(|k| k.as_str() == self.kind)?;
                Subject::Row(RowId::new(kind, self.scope, self.name))
            }
            "source" => Subject::Source(self.name),
            "object" => Subject::Object {
                kind: self.kind,
                scope: self.scope,
                name: self.name,
            },
            "runbook" => Subject::Runbook {
                name: self.kind,
                target: self.name,
            },
            _ => return None,
        };
        let health = |s: &str| Health::ALL.into_iter().find(|h| h.as_str() == s);
        Some(Change {
            at: Timestamp::from_millisecond(self.at_ms).ok()?,
            source: Arc::from(self.source),
            subject,
            from: health(&self.from),
            to: health(&self.to),
            note: self.note,
        })
    }
}

/// The most changes one transaction takes.
const MAX_BATCH: usize = 2_000;

/// The thread that writes the store's changes to the file, in batches: what is sent while a
/// batch is being written goes into the next one.
pub struct Recorder {
    thread: JoinHandle<()>,
}

impl Recorder {
    /// Starts writing to `db` what the returned sender is given (the store's `ChangeLog`).
    pub fn start(mut db: TimelineDb) -> (Recorder, Sender<Change>) {
        let (tx, rx): (Sender<Change>, Receiver<Change>) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut warned = false;
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(c) => batch.push(c),
                        Err(_) => break,
                    }
                }
                if let Err(e) = db.insert(&batch)
                    && !std::mem::replace(&mut warned, true)
                {
                    tracing::warn!(
                        path = %db.path().display(),
                        "the timeline could not be written (further failures are not logged): {e}"
                    );
                }
            }
        });
        (Recorder { thread }, tx)
    }

    /// Waits until everything sent is written: returns once every sender is gone.
    pub fn finish(self) {
        if self.thread.join().is_err() {
            tracing::warn!("the timeline's writer panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `s` seconds after 36 hours ago (whole seconds: what the file keeps is milliseconds).
    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(Timestamp::now().as_second() - 36 * 3600 + s).unwrap()
    }

    fn row_change(s: i64, name: &str) -> Change {
        Change {
            at: at(s),
            source: "prod-cluster".into(),
            subject: Subject::Row(RowId::new(
                Kind::HelmRelease,
                Scope::kube("prod-cluster", "numinia"),
                name,
            )),
            from: Some(Health::Healthy),
            to: Some(Health::Failed),
            note: "UpgradeFailed: context deadline exceeded | pipes".into(),
        }
    }

    fn every_subject() -> Vec<Change> {
        vec![
            row_change(1, "podinfo"),
            Change {
                at: at(2),
                source: "aws:123456789012/us-east-1/rds".into(),
                subject: Subject::Row(RowId::new(
                    Kind::DbInstance,
                    Scope::aws("123456789012", "us-east-1"),
                    "orders",
                )),
                from: Some(Health::Healthy),
                to: None,
                note: "gone".into(),
            },
            Change {
                at: at(3),
                source: "eks-prod".into(),
                subject: Subject::Source("eks-prod".into()),
                from: None,
                to: None,
                note: "connected → stale: timed out".into(),
            },
            Change {
                at: at(3),
                source: "prod-cluster".into(),
                subject: Subject::Object {
                    kind: "Pod".into(),
                    scope: Scope::kube("prod-cluster", "numinia"),
                    name: "podinfo-5c6d7f9b8-x2kqp".into(),
                },
                from: None,
                to: None,
                note: "Warning BackOff: Back-off restarting failed container".into(),
            },
            Change {
                at: at(4),
                source: "opsdeck".into(),
                subject: Subject::Runbook {
                    name: "failover".into(),
                    target: "sa-east-1".into(),
                },
                from: None,
                to: None,
                note: "step 1: preflight done".into(),
            },
        ]
    }

    #[test]
    fn every_kind_of_change_comes_back_as_it_went_in_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/timeline.sqlite");
        let mut db = TimelineDb::open(&path).unwrap();
        let changes = every_subject();
        assert_eq!(db.insert(&changes).unwrap(), 5);
        drop(db);
        let db = TimelineDb::open_read(&path).unwrap().unwrap();
        assert_eq!(db.read(None, None, usize::MAX).unwrap(), changes);
        assert_eq!(
            db.recent(2).unwrap(),
            changes[3..].to_vec(),
            "the newest two"
        );
        assert_eq!(
            db.read(Some(at(2)), Some(at(3)), usize::MAX).unwrap(),
            changes[1..4].to_vec(),
            "both ends included"
        );
    }

    #[test]
    fn a_change_written_twice_is_kept_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline.sqlite");
        let mut db = TimelineDb::open(&path).unwrap();
        let changes = every_subject();
        db.insert(&changes).unwrap();
        assert_eq!(db.insert(&changes).unwrap(), 0, "none new");
        // The same time, another note: another change.
        let mut other = changes[0].clone();
        other.note = "UpgradeFailed: another reason".into();
        assert_eq!(db.insert(&[other]).unwrap(), 1);
        assert_eq!(db.count().unwrap(), 6);
    }

    #[test]
    fn the_file_keeps_a_day_before_now_and_at_most_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline.sqlite");
        let mut db = TimelineDb::open(&path).unwrap();
        let day = KEEP_MS / 1000;
        db.insert(&[row_change(0, "old"), row_change(13 * 3600, "kept")])
            .unwrap();
        db.insert(&[row_change(day + 5, "new")]).unwrap();
        db.prune().unwrap();
        let names: Vec<String> = db
            .read(None, None, usize::MAX)
            .unwrap()
            .iter()
            .map(|c| c.label().1)
            .collect();
        assert_eq!(names, ["numinia/kept", "numinia/new"]);

        // A change dated days ahead (a skewed clock) pushes nothing out.
        db.insert(&[row_change(6 * day, "ahead")]).unwrap();
        db.prune().unwrap();
        assert_eq!(db.count().unwrap(), 3, "kept, new and the one ahead");
        assert_eq!(
            db.recent(10).unwrap().len(),
            3,
            "what the TUI starts with is the day before now"
        );

        db.max_stored = 3;
        let more: Vec<Change> = (0..10).map(|i| row_change(day + 10 + i, "n")).collect();
        db.insert(&more).unwrap();
        db.prune().unwrap();
        let kept = db.read(None, None, usize::MAX).unwrap();
        assert_eq!(kept, more[7..].to_vec(), "the three last written");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_the_owners_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/opsdeck/timeline.sqlite");
        let mut db = TimelineDb::open(&path).unwrap();
        db.insert(&every_subject()).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        let wal = path.with_extension("sqlite-wal");
        assert!(wal.exists(), "WAL mode");
        assert_eq!(mode(&wal), 0o600, "its write-ahead log too");
    }

    #[test]
    fn two_writers_at_once_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline.sqlite");
        TimelineDb::open(&path).unwrap();
        let writers: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|who| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let mut db = TimelineDb::open(&path).unwrap();
                    for batch in 0..50 {
                        let changes: Vec<Change> = (0..10)
                            .map(|i| row_change(batch * 10 + i, &format!("{who}{i}")))
                            .collect();
                        db.insert(&changes).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let db = TimelineDb::open_read(&path).unwrap().unwrap();
        assert_eq!(db.count().unwrap(), 1000);
    }

    #[test]
    fn the_recorder_writes_everything_sent_before_it_finishes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline.sqlite");
        let (recorder, sink) = Recorder::start(TimelineDb::open(&path).unwrap());
        for i in 0..5000 {
            sink.send(row_change(i, "r")).unwrap();
        }
        drop(sink);
        recorder.finish();
        let db = TimelineDb::open_read(&path).unwrap().unwrap();
        assert_eq!(db.count().unwrap(), 5000);
    }

    #[test]
    fn a_file_that_is_not_a_timeline_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline.sqlite");
        std::fs::write(
            &path,
            "this is not a database, it is a text file of some length.",
        )
        .unwrap();
        let err = TimelineDb::open(&path).err().expect("refused").to_string();
        assert!(err.contains("timeline.sqlite"), "{err}");
    }
}
