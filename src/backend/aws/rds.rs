//! RDS: DescribeDBInstances (status, engine, class, Multi-AZ, storage, endpoint, backup window,
//! environment tag) and DescribeDBSnapshots for each instance's newest snapshots.

use aws_sdk_rds::Client;
use jiff::Timestamp;

use super::Target;
use super::errors::{AwsFailure, classify};
use crate::model::kinds::db_instance::{DbInstance, Snapshot};
use crate::model::{Facts, Kind, Row, RowId, Scope};

/// Snapshots kept per instance.
const SNAPSHOTS: usize = 5;

fn ts(t: Option<&aws_sdk_rds::primitives::DateTime>) -> Option<Timestamp> {
    t.and_then(|t| Timestamp::from_second(t.secs()).ok())
}

pub async fn poll(client: Client, t: Target, now: Timestamp) -> Result<Vec<Row>, AwsFailure> {
    let (account, region, source, profile) = (
        t.account.as_str(),
        t.region.as_str(),
        t.source.clone(),
        t.profile.as_deref(),
    );
    let mut instances = Vec::new();
    let mut pages = client
        .describe_db_instances()
        .into_paginator()
        .items()
        .send();
    while let Some(db) = pages.next().await {
        instances.push(db.map_err(|e| classify(&e, profile))?);
    }
    let mut rows = Vec::new();
    for db in instances {
        let id = db.db_instance_identifier().unwrap_or_default().to_string();
        let mut snapshots = Vec::new();
        let mut pages = client
            .describe_db_snapshots()
            .db_instance_identifier(&id)
            .into_paginator()
            .items()
            .send();
        while let Some(s) = pages.next().await {
            let s = s.map_err(|e| classify(&e, profile))?;
            snapshots.push(Snapshot {
                id: s.db_snapshot_identifier().unwrap_or_default().to_string(),
                created: ts(s.snapshot_create_time()).unwrap_or(now),
                status: s.status().unwrap_or_default().to_string(),
                snapshot_type: s.snapshot_type().unwrap_or_default().to_string(),
            });
        }
        snapshots.sort_by_key(|s| std::cmp::Reverse(s.created));
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
            pending_maintenance: db
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
        };
        rows.push(Row::new(
            RowId::new(Kind::DbInstance, Scope::aws(account, region), id),
            source.clone(),
            Facts::DbInstance(facts),
            vec![],
            now,
        ));
    }
    Ok(rows)
}
