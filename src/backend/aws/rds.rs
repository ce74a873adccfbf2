//! RDS: DescribeDBInstances (status, engine, class, Multi-AZ, storage, endpoint, backup window,
//! environment tag) and DescribeDBSnapshots for each instance's newest snapshots, read for all
//! instances at once, alongside their CPU and free-storage metrics and the region's instance
//! events since the last poll (`DescribeEvents`: failovers, reboots, backups, storage full),
//! which go to the timeline on their instance's row.

use aws_sdk_rds::config::http::HttpResponse;
use aws_sdk_rds::error::SdkError;
use aws_sdk_rds::operation::describe_db_snapshots::DescribeDBSnapshotsError;
use jiff::Timestamp;

use std::sync::{Arc, Mutex};

use futures_util::{StreamExt, TryStreamExt};

use super::errors::{AwsFailure, classify};
use super::metrics::{self, Wanted};
use super::poll::Polled;
use super::{CONCURRENT_CALLS, Target};
use crate::backend::seen::Seen;
use crate::model::drilldown::EventLine;
use crate::model::kinds::db_instance::{DbInstance, Snapshot};
use crate::model::{Facts, Kind, Row, RowId, Scope};
use crate::store::changes::{Change, Subject};

/// Snapshots kept per instance.
const SNAPSHOTS: usize = 5;

fn ts(t: Option<&aws_sdk_rds::primitives::DateTime>) -> Option<Timestamp> {
    t.and_then(|t| Timestamp::from_second(t.secs()).ok())
}

/// An instance's snapshots, newest first; one without a creation time yet (being taken)
/// counts as created at `pending_at`. The RDS rows and the runbooks' CloudOps both read them.
pub(super) async fn snapshots_of(
    client: &aws_sdk_rds::Client,
    id: &str,
    pending_at: Timestamp,
) -> Result<Vec<Snapshot>, SdkError<DescribeDBSnapshotsError, HttpResponse>> {
    let mut snapshots = Vec::new();
    let mut pages = client
        .describe_db_snapshots()
        .db_instance_identifier(id)
        .into_paginator()
        .items()
        .send();
    while let Some(s) = pages.next().await {
        let s = s?;
        snapshots.push(Snapshot {
            id: s.db_snapshot_identifier().unwrap_or_default().to_string(),
            created: ts(s.snapshot_create_time()).unwrap_or(pending_at),
            status: s.status().unwrap_or_default().to_string(),
            snapshot_type: s.snapshot_type().unwrap_or_default().to_string(),
        });
    }
    snapshots.sort_by_key(|s| std::cmp::Reverse(s.created));
    Ok(snapshots)
}

/// An instance's CPU and free-storage series.
fn wanted_series(id: &str) -> [Wanted; 2] {
    let dims = || vec![("DBInstanceIdentifier", id.to_string())];
    [
        Wanted {
            row: id.to_string(),
            name: "CPU %",
            namespace: "AWS/RDS",
            metric: "CPUUtilization",
            dimensions: dims(),
            scale: 1.0,
        },
        Wanted {
            row: id.to_string(),
            name: "free storage GB",
            namespace: "AWS/RDS",
            metric: "FreeStorageSpace",
            dimensions: dims(),
            scale: 1.0 / GB,
        },
    ]
}

/// RDS, and CloudWatch for the instances' CPU and free storage; what the source's polls have
/// recorded of its events.
#[derive(Clone, Debug)]
pub struct Clients {
    pub rds: aws_sdk_rds::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub events: Arc<Mutex<EventsRead>>,
}

/// The events a source's polls have recorded, and when the last read ran.
#[derive(Debug, Default)]
pub struct EventsRead {
    seen: Seen,
    last_read: Option<Timestamp>,
}

/// How far back the first read goes: the timeline's day.
const FIRST_WINDOW_MINUTES: i32 = 24 * 60;

/// A later read starts this long before the last one ran: RDS can list an event a little after
/// its date, and what is read twice is recorded once.
const OVERLAP: jiff::SignedDuration = jiff::SignedDuration::from_secs(300);

/// The most events one poll reads: the first read of a large account's day stops there.
const EVENTS_PER_POLL: usize = 1_000;

/// Event categories that tell of trouble (the rest are Normal).
const TROUBLE: &[&str] = &[
    "failure",
    "failover",
    "low storage",
    "availability",
    "recovery",
];

/// An RDS event as an event line about `DBInstance/<id>`: Warning when its categories tell of
/// trouble, its categories as the reason. The instance's detail and the timeline both read it.
pub(super) fn event_line(e: &aws_sdk_rds::types::Event) -> EventLine {
    let categories = e.event_categories().join(", ");
    let warning = e
        .event_categories()
        .iter()
        .any(|c| TROUBLE.contains(&c.as_str()));
    EventLine {
        last_seen: e
            .date()
            .and_then(|t| Timestamp::new(t.secs(), t.subsec_nanos() as i32).ok()),
        event_type: if warning { "Warning" } else { "Normal" }.into(),
        reason: if categories.is_empty() {
            "event".into()
        } else {
            categories
        },
        message: crate::text::one_line(e.message().unwrap_or_default()),
        count: 1,
        object: format!("DBInstance/{}", e.source_identifier().unwrap_or_default()),
    }
}

/// The region's instance events since the last read, each once, as changes on their rows. The
/// events are extra: a failure to read them is logged and the rows still count.
async fn new_events(clients: &Clients, t: &Target, now: Timestamp) -> Vec<Change> {
    let (account, region, source, _) = t.parts();
    let since = clients.events.lock().unwrap().last_read;
    let mut call = clients
        .rds
        .describe_events()
        .source_type(aws_sdk_rds::types::SourceType::DbInstance);
    call = match since {
        Some(at) => call.start_time(aws_sdk_rds::primitives::DateTime::from_secs(
            (at - OVERLAP).as_second(),
        )),
        None => call.duration(FIRST_WINDOW_MINUTES),
    };
    let mut pages = call.into_paginator().items().send();
    let mut read = Vec::new();
    while read.len() < EVENTS_PER_POLL
        && let Some(e) = pages.next().await
    {
        match e {
            Ok(e) => read.push(e),
            Err(e) => {
                tracing::debug!(%source, "rds:DescribeEvents: {e}");
                return Vec::new();
            }
        }
    }
    let mut state = clients.events.lock().unwrap();
    state.last_read = Some(now);
    read.iter()
        .filter_map(|e| {
            let id = e.source_identifier()?;
            let line = event_line(e);
            let key = format!("{id}\u{1f}{:?}\u{1f}{}", line.last_seen, line.message);
            if !state.seen.first_time(key) {
                return None;
            }
            let row = RowId::new(Kind::DbInstance, Scope::aws(account, region), id);
            Change::of_event_on(Subject::Row(row), source.clone(), &line)
        })
        .collect()
}

const GB: f64 = 1024.0 * 1024.0 * 1024.0;

pub async fn poll(clients: Clients, t: Target, now: Timestamp) -> Result<Polled, AwsFailure> {
    let client = &clients.rds;
    let (account, region, source, profile) = t.parts();
    let mut instances = Vec::new();
    let mut pages = client
        .describe_db_instances()
        .into_paginator()
        .items()
        .send();
    while let Some(db) = pages.next().await {
        instances.push(db.map_err(|e| classify(&e, profile))?);
    }
    // Each instance's snapshots at once, and the metrics (which need only the identifiers)
    // alongside: one round trip after DescribeDBInstances.
    let wanted: Vec<Wanted> = instances
        .iter()
        .flat_map(|db| wanted_series(db.db_instance_identifier().unwrap_or_default()))
        .collect();
    let reading: Vec<_> = instances
        .iter()
        .map(|db| {
            let id = db.db_instance_identifier().unwrap_or_default();
            async move {
                snapshots_of(client, id, now)
                    .await
                    .map_err(|e| classify(&e, profile))
            }
        })
        .collect();
    let snapshots = futures_util::stream::iter(reading)
        .buffered(CONCURRENT_CALLS)
        .try_collect::<Vec<_>>();
    let (snapshots, mut series, happened) = futures_util::future::join3(
        snapshots,
        metrics::fetch(&clients.cloudwatch, &wanted, now),
        new_events(&clients, &t, now),
    )
    .await;
    let mut rows = Vec::new();
    for (db, mut snapshots) in instances.iter().zip(snapshots?) {
        let id = db.db_instance_identifier().unwrap_or_default().to_string();
        snapshots.truncate(SNAPSHOTS);
        let environment = db
            .tag_list()
            .iter()
            .find(|t| {
                t.key().is_some_and(|k| {
                    k.eq_ignore_ascii_case("environment") || k.eq_ignore_ascii_case("env")
                })
            })
            .and_then(|t| t.value())
            .map(str::to_string);
        let facts = DbInstance {
            engine: db.engine().unwrap_or_default().to_string(),
            engine_version: db.engine_version().unwrap_or_default().to_string(),
            class: db.db_instance_class().unwrap_or_default().to_string(),
            status: db.db_instance_status().unwrap_or_default().to_string(),
            multi_az: db.multi_az().unwrap_or(false),
            storage_gb: db.allocated_storage().unwrap_or(0).max(0) as u32,
            // From CloudWatch FreeStorageSpace; not part of DescribeDBInstances.
            free_storage_gb: None,
            endpoint: db.endpoint().and_then(|e| e.address()).map(str::to_string),
            backup_window: db.preferred_backup_window().map(str::to_string),
            pending_modifications: db
                .pending_modified_values()
                .map(|p| {
                    let mut v = Vec::new();
                    if let Some(c) = p.db_instance_class() {
                        v.push(format!("class → {c}"));
                    }
                    if let Some(e) = p.engine_version() {
                        v.push(format!("engine → {e}"));
                    }
                    v
                })
                .unwrap_or_default(),
            environment,
            snapshots,
            metrics: vec![],
        };
        rows.push(Row::new(
            RowId::new(Kind::DbInstance, Scope::aws(account, region), id),
            source.clone(),
            Facts::DbInstance(facts),
            vec![],
            now,
        ));
    }
    for row in &mut rows {
        if let (Facts::DbInstance(db), Some(s)) = (&mut row.facts, series.remove(&row.id.name)) {
            // The newest free-storage point feeds the low-storage health rule.
            db.free_storage_gb = s
                .iter()
                .find(|s| s.name == "free storage GB")
                .and_then(|s| s.last());
            db.metrics = s;
            row.reassess();
        }
    }
    Ok(Polled { rows, happened })
}
