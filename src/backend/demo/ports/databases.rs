//! RDS on the demo world: snapshots, restores and renames that take minutes on the demo clock,
//! and the fleet's database rows as the RDS source would send them.

use jiff::{SignedDuration, Timestamp};

use crate::backend::demo::seed;
use crate::backend::demo::world::{Db, DemoWorld, State};
use crate::model::kinds::db_instance::Snapshot;
use crate::model::{Facts, Kind, Row, RowId, Scope};
use crate::runbook::ports::{DatabaseOps, DbState, OpsError, OpsFuture};
use crate::store::Update;

/// How long things take on the demo clock (seconds).
const SNAPSHOT_S: i64 = 240;
const RESTORE_S: i64 = 900;
const RENAME_S: i64 = 120;

fn db_status(db: &Db, now: Timestamp) -> String {
    let (status, since, takes) = &db.status;
    if status != "available" && now >= *since + SignedDuration::from_secs(*takes) {
        "available".into()
    } else {
        status.clone()
    }
}

fn snapshot_status(at: Timestamp, now: Timestamp) -> &'static str {
    if now >= at + SignedDuration::from_secs(SNAPSHOT_S) {
        "available"
    } else {
        "creating"
    }
}

/// The fleet's rows for the databases, as the RDS source would send them.
fn db_rows(w: &State, now: Timestamp) -> Vec<Update> {
    w.dbs
        .iter()
        .map(|(id, db)| {
            let mut facts = db.facts.clone();
            facts.status = db_status(db, now);
            facts.environment = Some(db.environment.clone());
            let mut snaps: Vec<Snapshot> = db
                .snapshots
                .iter()
                .map(|(sid, at)| Snapshot {
                    id: sid.clone(),
                    created: *at,
                    status: snapshot_status(*at, now).into(),
                    snapshot_type: if sid.starts_with("rds:") {
                        "automated"
                    } else {
                        "manual"
                    }
                    .into(),
                })
                .collect();
            snaps.sort_by_key(|s| std::cmp::Reverse(s.created));
            facts.snapshots = snaps;
            Update::upsert(Row::new(
                RowId::new(
                    Kind::DbInstance,
                    Scope::aws(&db.account, &db.region),
                    id.clone(),
                ),
                seed::aws_source(&db.account, &db.region).into(),
                Facts::DbInstance(facts),
                vec![],
                now,
            ))
        })
        .collect()
}

/// What the fleet shows of the databases now: a change means rows to send.
fn shown(w: &State, now: Timestamp) -> String {
    w.dbs
        .iter()
        .map(|(k, d)| {
            format!(
                "{k}={};{}",
                db_status(d, now),
                d.snapshots
                    .iter()
                    .map(|(s, at)| format!("{s}:{}", snapshot_status(*at, now)))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect::<Vec<_>>()
        .join("|")
}

impl DatabaseOps for DemoWorld {
    fn db<'a>(&'a self, id: &'a str) -> OpsFuture<'a, Option<DbState>> {
        Box::pin(async move {
            let now = self.now();
            let (state, rows) = {
                let mut w = self.state.lock().unwrap();
                let state = w.dbs.get(id).map(|db| {
                    let mut snapshots: Vec<(String, Timestamp)> = db.snapshots.clone();
                    snapshots.sort_by_key(|s| std::cmp::Reverse(s.1));
                    DbState {
                        id: id.into(),
                        status: db_status(db, now),
                        environment: Some(db.environment.clone()),
                        snapshots: snapshots
                            .into_iter()
                            .map(|(s, at)| (s, snapshot_status(at, now).into()))
                            .collect(),
                        restored_from: db.restored_from.clone(),
                    }
                });
                // Tell the fleet when anything it shows changed.
                let shown = shown(&w, now);
                let rows = if w.sent.insert(format!("dbs:{shown}")) {
                    db_rows(&w, now)
                } else {
                    vec![]
                };
                (state, rows)
            };
            self.send(rows).await;
            Ok(state)
        })
    }

    fn create_snapshot<'a>(&'a self, db: &'a str, snapshot: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let now = self.now();
            let mut w = self.state.lock().unwrap();
            Self::created(&mut w, format!("snapshot {snapshot}"))?;
            w.dbs
                .get_mut(db)
                .ok_or_else(|| OpsError::NotFound(format!("instance {db}")))?
                .snapshots
                .push((snapshot.into(), now));
            Ok(())
        })
    }

    fn restore_db<'a>(&'a self, snapshot: &'a str, new_id: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let now = self.now();
            let mut w = self.state.lock().unwrap();
            Self::created(&mut w, format!("instance {new_id}"))?;
            let source = w
                .dbs
                .values()
                .find(|d| d.snapshots.iter().any(|(s, _)| s == snapshot))
                .cloned()
                .ok_or_else(|| OpsError::NotFound(format!("snapshot {snapshot}")))?;
            let mut facts = source.facts.clone();
            // RDS restores a single-AZ instance unless asked otherwise.
            facts.multi_az = false;
            w.dbs.insert(
                new_id.into(),
                Db {
                    environment: "staging".into(),
                    status: ("creating".into(), now, RESTORE_S),
                    snapshots: vec![],
                    restored_from: Some(snapshot.into()),
                    facts,
                    ..source
                },
            );
            Ok(())
        })
    }

    fn rename_db<'a>(&'a self, from: &'a str, to: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let now = self.now();
            let rows = {
                let mut w = self.state.lock().unwrap();
                if w.dbs.contains_key(to) {
                    return Err(OpsError::Exists(format!("instance {to}")));
                }
                let mut db = w
                    .dbs
                    .remove(from)
                    .ok_or_else(|| OpsError::NotFound(format!("instance {from}")))?;
                db.status = ("renaming".into(), now, RENAME_S);
                let gone = RowId::new(Kind::DbInstance, Scope::aws(&db.account, &db.region), from);
                w.dbs.insert(to.into(), db);
                vec![Update::Remove(gone)]
            };
            self.send(rows).await;
            Ok(())
        })
    }

    fn delete_db<'a>(&'a self, id: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            self.state
                .lock()
                .unwrap()
                .dbs
                .remove(id)
                .ok_or_else(|| OpsError::NotFound(format!("instance {id}")))?;
            Ok(())
        })
    }

    fn instances(&self) -> OpsFuture<'_, Vec<DbState>> {
        Box::pin(async move {
            let now = self.now();
            let w = self.state.lock().unwrap();
            Ok(w.dbs
                .iter()
                .map(|(id, db)| DbState {
                    id: id.clone(),
                    status: db_status(db, now),
                    environment: Some(db.environment.clone()),
                    snapshots: Vec::new(),
                    restored_from: db.restored_from.clone(),
                })
                .collect())
        })
    }
}
