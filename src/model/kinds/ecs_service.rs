//! ECS service: `ecs:DescribeServices` (running vs desired, rollout state, recent failures).
//! The row's scope context holds the ECS cluster name.

use jiff::Timestamp;
use serde::Serialize;

use super::KindFacts;
use crate::model::row::cells;
use crate::model::{Assessment, Cell, Column, Condition, Health, Kind, Row};

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EcsService {
    /// ACTIVE, DRAINING or INACTIVE.
    pub status: String,
    pub desired: u32,
    pub running: u32,
    pub pending: u32,
    /// Rollout state of the PRIMARY deployment: IN_PROGRESS, COMPLETED, FAILED.
    pub rollout: Option<String>,
    pub task_definition: String,
    pub launch_type: String,
    pub port: Option<u16>,
    /// Tasks that stopped with a failure in the recent event window.
    pub failed_tasks: u32,
    /// The newest service events, newest first.
    pub events: Vec<String>,
    /// CPU and memory over the last hours (shown as sparklines, not as fields).
    #[serde(skip)]
    pub metrics: Vec<super::series::Series>,
}

impl KindFacts for EcsService {
    const KIND: Kind = Kind::EcsService;
    const COLUMNS: &'static [Column<Self>] = &[
        Column {
            title: "CLUSTER",
            width: 20,
            cell: cells::context,
        },
        Column {
            title: "NAME",
            width: 16,
            cell: cells::name,
        },
        Column {
            title: "RUNNING",
            width: 8,
            // Sorts by the shortfall, so the most under-provisioned service comes first on reverse.
            cell: |_, s, _| {
                Cell::number(
                    s.running as i64 - s.desired as i64,
                    format!("{}/{}", s.running, s.desired),
                )
            },
        },
        Column {
            title: "PENDING",
            width: 7,
            cell: |_, s, _| Cell::count(s.pending),
        },
        Column {
            title: "ROLLOUT",
            width: 11,
            cell: |_, s, _| Cell::opt(s.rollout.as_deref()),
        },
        Column {
            title: "TASK DEF",
            width: 22,
            cell: |_, s, _| Cell::text(s.task_definition.clone()),
        },
        Column {
            title: "ACCOUNT",
            width: 10,
            cell: cells::account,
        },
        Column {
            title: "REGION",
            width: 10,
            cell: cells::region,
        },
        Column {
            title: "HEALTH",
            width: 11,
            cell: cells::health,
        },
        Column {
            title: "REASON",
            width: 40,
            cell: cells::reason,
        },
    ];

    fn assess(&self, _: &[Condition], _: Timestamp) -> Assessment {
        let counts = format!("{}/{} running", self.running, self.desired);
        let failures = if self.failed_tasks > 0 {
            format!(", {} failed tasks", self.failed_tasks)
        } else {
            String::new()
        };
        let rollout = self.rollout.as_deref();
        match self.status.as_str() {
            "INACTIVE" => return Assessment::new(Health::Suspended, "service inactive"),
            "DRAINING" => return Assessment::new(Health::Progressing, "service draining"),
            _ => {}
        }
        if rollout == Some("FAILED") {
            return Assessment::new(
                Health::Failed,
                format!("deployment rollout failed, {counts}{failures}"),
            );
        }
        if self.desired == 0 {
            return Assessment::new(Health::Suspended, "scaled to 0");
        }
        if self.running == 0 {
            return Assessment::new(Health::Failed, format!("{counts}{failures}"));
        }
        if rollout == Some("IN_PROGRESS") {
            return Assessment::new(
                Health::Progressing,
                format!("rollout in progress, {counts}"),
            );
        }
        if self.running < self.desired {
            let last = self
                .events
                .first()
                .map(|e| format!(" — {e}"))
                .unwrap_or_default();
            return Assessment::new(Health::Degraded, format!("{counts}{failures}{last}"));
        }
        Assessment::new(Health::Healthy, counts)
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        let s = &row.id.scope;
        let tail = format!("--region {} --profile {}", s.region(), s.account());
        vec![
            format!(
                "aws ecs describe-services --cluster {} --services {} {tail}",
                s.context(),
                row.id.name
            ),
            format!(
                "aws ecs list-tasks --cluster {} --service-name {} --desired-status STOPPED {tail}",
                s.context(),
                row.id.name
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Facts;
    use crate::model::kinds::testing::{all_cells, row};

    fn svc(running: u32, desired: u32, rollout: &str) -> Facts {
        Facts::EcsService(EcsService {
            status: "ACTIVE".into(),
            desired,
            running,
            rollout: Some(rollout.into()),
            task_definition: "phenom-prod-functions:42".into(),
            launch_type: "FARGATE".into(),
            events: vec!["(service functions) has started 1 tasks".into()],
            ..EcsService::default()
        })
    }

    #[test]
    fn one_of_two_running_is_degraded() {
        let r = row(Kind::EcsService, svc(1, 2, "COMPLETED"), vec![]);
        assert_eq!(r.health, Health::Degraded);
        assert!(r.reason.starts_with("1/2 running"));
        assert_eq!(all_cells(&r)[2].text, "1/2");
    }

    #[test]
    fn rollout_and_zero_running() {
        assert_eq!(
            row(Kind::EcsService, svc(2, 2, "COMPLETED"), vec![]).health,
            Health::Healthy
        );
        assert_eq!(
            row(Kind::EcsService, svc(1, 2, "IN_PROGRESS"), vec![]).health,
            Health::Progressing
        );
        assert_eq!(
            row(Kind::EcsService, svc(0, 2, "COMPLETED"), vec![]).health,
            Health::Failed
        );
        assert_eq!(
            row(Kind::EcsService, svc(2, 2, "FAILED"), vec![]).health,
            Health::Failed
        );
        assert_eq!(
            row(Kind::EcsService, svc(0, 0, "COMPLETED"), vec![]).health,
            Health::Suspended
        );
    }
}
