//! RDS: DescribeDBInstances (status, engine, class, Multi-AZ, storage, endpoint, backup window,
//! environment tag) and DescribeDBSnapshots for each instance's newest snapshots, read for all
//! instances at once, alongside their CPU and free-storage metrics.

use aws_sdk_rds::config::http::HttpResponse;
use aws_sdk_rds::error::SdkError;
use aws_sdk_rds::operation::describe_db_snapshots::DescribeDBSnapshotsError;
use jiff::Timestamp;

use futures_util::{StreamExt, TryStreamExt};

use super::errors::{AwsFailure, classify};
use super::metrics::{self, Wanted};
use super::{CONCURRENT_CALLS, Target};
use crate::model::kinds::db_instance::{DbInstance, Snapshot};
use crate::model::{Facts, Kind, Row, RowId, Scope};

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

/// RDS, and CloudWatch for the instances' CPU and free storage.
#[derive(Clone, Debug)]
pub struct Clients {
    pub rds: aws_sdk_rds::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
}

const GB: f64 = 1024.0 * 1024.0 * 1024.0;

pub async fn poll(clients: Clients, t: Target, now: Timestamp) -> Result<Vec<Row>, AwsFailure> {
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
    let (snapshots, mut series) =
        futures_util::future::join(snapshots, metrics::fetch(&clients.cloudwatch, &wanted, now))
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
    Ok(rows)
}
