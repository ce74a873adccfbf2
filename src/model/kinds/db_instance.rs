//! RDS DB instance: `rds:DescribeDBInstances` plus its newest snapshots.

use jiff::Timestamp;
use serde::Serialize;

use super::KindFacts;
use super::series::Series;
use crate::model::drilldown::Section;
use crate::model::row::human_duration;
use crate::model::{Assessment, Cell, Column, Condition, Health, KindSpec, Row};

/// Free storage under this share of the allocation is a warning.
pub const LOW_STORAGE_RATIO: f64 = 0.10;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DbInstance {
    pub engine: String,
    pub engine_version: String,
    pub class: String,
    pub status: String,
    pub multi_az: bool,
    pub storage_gb: u32,
    pub free_storage_gb: Option<f64>,
    pub endpoint: Option<String>,
    pub backup_window: Option<String>,
    pub pending_modifications: Vec<String>,
    /// From the instance's tags (`environment`), e.g. "production" or "staging".
    pub environment: Option<String>,
    /// Newest first.
    pub snapshots: Vec<Snapshot>,
    /// CPU and free storage over the last hours (shown as sparklines, not as fields).
    #[serde(skip)]
    pub metrics: Vec<Series>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Snapshot {
    pub id: String,
    pub created: Timestamp,
    pub status: String,
    /// "manual" or "automated".
    pub snapshot_type: String,
}

const PROGRESSING: &[&str] = &[
    "creating",
    "modifying",
    "backing-up",
    "rebooting",
    "upgrading",
    "renaming",
    "starting",
    "stopping",
    "maintenance",
    "configuring-enhanced-monitoring",
    "configuring-iam-database-auth",
    "configuring-log-exports",
    "converting-to-vpc",
    "moving-to-vpc",
    "resetting-master-credentials",
    "storage-optimization",
    "storage-config-upgrade",
];
const FAILED: &[&str] = &[
    "failed",
    "inaccessible-encryption-credentials",
    "inaccessible-encryption-credentials-recoverable",
    "incompatible-network",
    "incompatible-option-group",
    "incompatible-parameters",
    "incompatible-restore",
    "insufficient-capacity",
    "restore-error",
    "storage-full",
];

/// "free/allocated GiB", sorting by the free space.
fn free_cell(d: &DbInstance) -> Cell {
    match d.free_storage_gb {
        Some(f) => Cell::number(f as i64, format!("{f:.0}/{} GiB", d.storage_gb)),
        None => Cell::number(-1, format!("?/{} GiB", d.storage_gb)),
    }
}

/// The newest snapshot's age.
fn snapshot_cell(d: &DbInstance, now: Timestamp) -> Cell {
    match d.snapshots.first() {
        Some(s) => {
            let age = now.as_second() - s.created.as_second();
            Cell::number(age, human_duration(age))
        }
        None => Cell::number(i64::MAX, "none"),
    }
}

impl KindFacts for DbInstance {
    /// The instance's status moving (available → modifying → rebooting…), as RDS's own
    /// events announce it.
    fn happened(&self, before: &Self) -> Vec<String> {
        super::moved("status", Some(&before.status), Some(&self.status))
            .into_iter()
            .collect()
    }

    const SPEC: &'static KindSpec = &KindSpec::regional("db_instance", "RDS")
        .labels("RDS", "rds", &["rds"])
        .counted_in_region(|p| &mut p.rds)
        .drills_into(&[Section::Events, Section::Maintenance]);
    const COLUMNS: &'static [Column<Self>] = &[
        Column::name(22),
        Column::account(12),
        Column::region(10),
        Column::new("ENGINE", 14, |_, d, _| {
            Cell::text(format!("{} {}", d.engine, d.engine_version))
        }),
        Column::new("CLASS", 13, |_, d, _| Cell::text(d.class.clone())),
        Column::new("STATUS", 10, |_, d, _| Cell::text(d.status.clone())),
        Column::new("MULTI-AZ", 8, |_, d, _| Cell::flag(d.multi_az)),
        Column::new("FREE", 12, |_, d, _| free_cell(d)),
        Column::new("SNAPSHOT", 9, |_, d, now| snapshot_cell(d, now)),
        Column::HEALTH,
        Column::reason(36),
    ];

    fn metrics(&self) -> &[Series] {
        &self.metrics
    }

    fn assess(&self, _: &[Condition], _: Timestamp) -> Assessment {
        let status = self.status.as_str();
        if FAILED.contains(&status) || status.starts_with("incompatible-") {
            return Assessment::new(Health::Failed, format!("status {status}"));
        }
        if PROGRESSING.contains(&status) {
            return Assessment::new(Health::Progressing, format!("status {status}"));
        }
        match status {
            "stopped" => return Assessment::new(Health::Suspended, "stopped"),
            "deleting" => return Assessment::new(Health::Degraded, "being deleted"),
            "available" => {}
            other => return Assessment::new(Health::Unknown, format!("status {other}")),
        }
        if let Some(free) = self.free_storage_gb
            && self.storage_gb > 0
            && free / (self.storage_gb as f64) < LOW_STORAGE_RATIO
        {
            let used = 100.0 - free * 100.0 / self.storage_gb as f64;
            return Assessment::new(
                Health::Degraded,
                format!("storage {used:.0}% used ({free:.0} GiB free)"),
            );
        }
        let mut reason = String::from("available");
        if self.multi_az {
            reason.push_str(", Multi-AZ");
        }
        if let Some(m) = self.pending_modifications.first() {
            reason.push_str(&format!(", pending modification: {m}"));
        }
        Assessment::new(Health::Healthy, reason)
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        let (name, tail) = (&row.id.name, row.id.scope.aws_flags());
        vec![
            format!("aws rds describe-db-instances --db-instance-identifier {name} {tail}"),
            format!("aws rds describe-db-snapshots --db-instance-identifier {name} {tail}"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::testing::{all_cells, now, row};
    use crate::model::{Facts, Kind};

    fn db(status: &str, free: Option<f64>) -> Facts {
        Facts::DbInstance(DbInstance {
            engine: "postgres".into(),
            engine_version: "17.4".into(),
            class: "db.m5.large".into(),
            status: status.into(),
            multi_az: true,
            storage_gb: 100,
            free_storage_gb: free,
            snapshots: vec![Snapshot {
                id: "rds:phenom-prod-postgres-2026-11-23-03-10".into(),
                created: "2026-11-23T03:10:00Z".parse().unwrap(),
                status: "available".into(),
                snapshot_type: "automated".into(),
            }],
            ..DbInstance::default()
        })
    }

    #[test]
    fn status_and_storage_drive_health() {
        let r = row(Kind::DbInstance, db("available", Some(60.0)), vec![]);
        assert_eq!(r.health, Health::Healthy);
        assert_eq!(r.reason, "available, Multi-AZ");
        let cells = all_cells(&r);
        assert_eq!(cells[3].text, "postgres 17.4");
        assert_eq!(cells[8].text, "8h", "snapshot age at {}", now());
        let r = row(Kind::DbInstance, db("available", Some(5.0)), vec![]);
        assert_eq!(r.health, Health::Degraded);
        assert_eq!(r.reason, "storage 95% used (5 GiB free)");
        assert_eq!(
            row(Kind::DbInstance, db("modifying", None), vec![]).health,
            Health::Progressing
        );
        assert_eq!(
            row(Kind::DbInstance, db("storage-full", None), vec![]).health,
            Health::Failed
        );
        assert_eq!(
            row(Kind::DbInstance, db("stopped", None), vec![]).health,
            Health::Suspended
        );
    }
}
