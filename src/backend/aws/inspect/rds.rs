//! An RDS instance, as its console page's Logs & events and Maintenance tabs show it: the
//! instance's events of the last 24 hours (`DescribeEvents`: failovers, reboots, storage full,
//! backups), and its pending maintenance actions with their dates, its parameter group's apply
//! status, Multi-AZ and its standby, pending modifications, and what a restore would start
//! from: the latest automated and manual snapshots and the latest restorable time.

use aws_sdk_rds::types::SourceType;

use super::{Calls, ago, time};
use crate::inspect::Subject;
use crate::model::Health;
use crate::model::drilldown::{Body, Section, Table, newest_events};

/// How far back events are read (minutes): a day.
const EVENT_MINUTES: i32 = 24 * 60;

pub(super) async fn events(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let id = subject.id.name.as_str();
    let client = aws_sdk_rds::Client::new(&calls.config);
    let out = client
        .describe_events()
        .source_identifier(id)
        .source_type(SourceType::DbInstance)
        .duration(EVENT_MINUTES)
        .send()
        .await
        .map_err(|e| calls.failed("rds:DescribeEvents", &e))?;
    let lines = out
        .events()
        .iter()
        .map(crate::backend::aws::rds::event_line)
        .collect();
    Ok(Body::Events(newest_events(lines)))
}

pub(super) async fn maintenance(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let id = subject.id.name.as_str();
    let client = aws_sdk_rds::Client::new(&calls.config);
    let described = client
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .map_err(|e| calls.failed("rds:DescribeDBInstances", &e))?;
    let Some(db) = described.db_instances().first().cloned() else {
        return Err(format!("instance {id} not found (deleted?)"));
    };
    let mut t = Table::of(Section::Maintenance);
    t.row(
        vec![
            "Multi-AZ".into(),
            if db.multi_az().unwrap_or(false) {
                "on".into()
            } else {
                "off".into()
            },
            match db.secondary_availability_zone() {
                Some(az) => format!(
                    "primary in {}, standby in {az}",
                    db.availability_zone().unwrap_or("?")
                ),
                None => format!("in {}", db.availability_zone().unwrap_or("?")),
            },
        ],
        None,
        None,
    );
    for pg in db.db_parameter_groups() {
        let state = pg.parameter_apply_status().unwrap_or("-").to_string();
        let health = (state == "pending-reboot").then_some(Health::Degraded);
        t.row(
            vec![
                format!(
                    "parameter group {}",
                    pg.db_parameter_group_name().unwrap_or("?")
                ),
                state.clone(),
                if state == "pending-reboot" {
                    "changes wait for a reboot".into()
                } else {
                    String::new()
                },
            ],
            health,
            None,
        );
    }
    if let Some(p) = db.pending_modified_values() {
        let mut pending = Vec::new();
        if let Some(c) = p.db_instance_class() {
            pending.push(format!("class → {c}"));
        }
        if let Some(s) = p.allocated_storage() {
            pending.push(format!("storage → {s} GB"));
        }
        if let Some(v) = p.engine_version() {
            pending.push(format!("engine → {v}"));
        }
        if let Some(m) = p.multi_az() {
            pending.push(format!("Multi-AZ → {m}"));
        }
        if !pending.is_empty() {
            t.row(
                vec![
                    "pending modifications".into(),
                    "pending".into(),
                    pending.join(", "),
                ],
                Some(Health::Progressing),
                None,
            );
        }
    }
    backups(calls, &client, &db, &mut t).await;
    // Pending maintenance: not every endpoint answers it; a refusal is said in its row.
    let arn = db.db_instance_arn().unwrap_or_default().to_string();
    match client
        .describe_pending_maintenance_actions()
        .resource_identifier(&arn)
        .send()
        .await
    {
        Ok(out) => {
            let actions: Vec<_> = out
                .pending_maintenance_actions()
                .iter()
                .flat_map(|r| r.pending_maintenance_action_details().to_vec())
                .collect();
            if actions.is_empty() {
                t.row(
                    vec!["pending maintenance".into(), "none".into(), String::new()],
                    None,
                    None,
                );
            }
            for a in actions {
                let when = time(a.current_apply_date())
                    .or(time(a.auto_applied_after_date()))
                    .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|| "next maintenance window".into());
                let forced = time(a.forced_apply_date())
                    .map(|t| format!("; forced on {}", t.strftime("%Y-%m-%d")))
                    .unwrap_or_default();
                t.row(
                    vec![
                        format!("maintenance: {}", a.action().unwrap_or("?")),
                        format!("applies {when}"),
                        format!("{}{forced}", a.description().unwrap_or_default()),
                    ],
                    Some(Health::Degraded),
                    None,
                );
            }
        }
        Err(e) => t.row(
            vec![
                "pending maintenance".into(),
                "unreadable".into(),
                calls.failed("rds:DescribePendingMaintenanceActions", &e),
            ],
            Some(Health::Unknown),
            None,
        ),
    }
    Ok(Body::Table(t))
}

/// The rows a restore starts from: automated backups' retention and latest restorable time,
/// and the newest automated and manual snapshot (`DescribeDBSnapshots`).
async fn backups(
    calls: &Calls,
    client: &aws_sdk_rds::Client,
    db: &aws_sdk_rds::types::DbInstance,
    t: &mut Table,
) {
    let retention = db.backup_retention_period().unwrap_or(0);
    if retention == 0 {
        t.row(
            vec![
                "automated backups".into(),
                "off".into(),
                "backup retention is 0 days: no automated snapshots, no point-in-time restore"
                    .into(),
            ],
            Some(Health::Degraded),
            None,
        );
    } else {
        let restorable = time(db.latest_restorable_time());
        t.row(
            vec![
                "automated backups".into(),
                format!("{retention} days"),
                match restorable {
                    Some(r) => format!(
                        "restorable to {} ({})",
                        r.strftime("%Y-%m-%d %H:%M UTC"),
                        ago(Some(r))
                    ),
                    None => "no restorable time yet".into(),
                },
            ],
            None,
            None,
        );
    }
    let id = db.db_instance_identifier().unwrap_or_default();
    let snapshots = match client
        .describe_db_snapshots()
        .db_instance_identifier(id)
        .send()
        .await
    {
        Ok(out) => out.db_snapshots().to_vec(),
        Err(e) => {
            t.row(
                vec![
                    "snapshots".into(),
                    "unreadable".into(),
                    calls.failed("rds:DescribeDBSnapshots", &e),
                ],
                Some(Health::Unknown),
                None,
            );
            return;
        }
    };
    for kind in ["automated", "manual"] {
        let newest = snapshots
            .iter()
            .filter(|s| s.snapshot_type() == Some(kind))
            .max_by_key(|s| time(s.snapshot_create_time()));
        let row = match newest {
            Some(s) => {
                let created = time(s.snapshot_create_time());
                vec![
                    format!("latest {kind} snapshot"),
                    s.status().unwrap_or("?").to_string(),
                    format!(
                        "{}, {}",
                        s.db_snapshot_identifier().unwrap_or("?"),
                        ago(created)
                    ),
                ]
            }
            None => vec![
                format!("latest {kind} snapshot"),
                "none".into(),
                String::new(),
            ],
        };
        t.row(row, None, None);
    }
}
