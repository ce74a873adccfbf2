//! ECS service: `ecs:DescribeServices` (running vs desired, rollout state, recent failures).
//! The row's scope context holds the ECS cluster name.

use jiff::Timestamp;
use serde::Serialize;

use super::KindFacts;
use super::series::Series;
use crate::model::column::cells;
use crate::model::drilldown::Section;
use crate::model::{Assessment, Cell, Column, Condition, Health, KindSpec, Refresh, Row};

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
    pub metrics: Vec<Series>,
}

impl KindFacts for EcsService {
    const SPEC: &'static KindSpec = &KindSpec::regional("ecs_service", "ECS services")
        .labels("ECS", "ecs", &["ecs"])
        .counted_in_region(|p| &mut p.ecs)
        .refreshed_by(Refresh::Redeploy)
        .drills_into(&[
            Section::Deployments,
            Section::Tasks,
            Section::Events,
            Section::TaskDefinition,
        ]);
    const COLUMNS: &'static [Column<Self>] = &[
        Column::new("CLUSTER", 20, cells::context),
        Column::name(16),
        Column::new("RUNNING", 8, |_, s, _| Cell::ratio(s.running, s.desired)),
        Column::new("PENDING", 7, |_, s, _| Cell::count(s.pending)),
        Column::new("ROLLOUT", 11, |_, s, _| Cell::opt(s.rollout.as_deref())),
        Column::new("TASK DEF", 22, |_, s, _| {
            Cell::text(s.task_definition.clone())
        }),
        Column::account(10),
        Column::region(10),
        Column::HEALTH,
        Column::reason(40),
    ];

    fn metrics(&self) -> &[Series] {
        &self.metrics
    }

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

    /// A deployment (a new task definition), its rollout moving, and the service's new events
    /// (newest last, as they happened).
    fn happened(&self, before: &Self) -> Vec<String> {
        fn task(s: &EcsService) -> Option<&str> {
            (!s.task_definition.is_empty()).then_some(s.task_definition.as_str())
        }
        let mut lines: Vec<String> = [
            super::moved("deployment: task definition", task(before), task(self)),
            super::moved(
                "rollout",
                before.rollout.as_deref(),
                self.rollout.as_deref(),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        // The events come newest first; those the last reading did not have are new.
        let new = self
            .events
            .iter()
            .take_while(|e| !before.events.contains(e));
        let new: Vec<&String> = new.collect();
        lines.extend(new.into_iter().rev().map(|e| format!("event: {e}")));
        lines
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        let (name, tail) = (&row.id.name, row.id.scope.aws_flags());
        let cluster = row.id.scope.context();
        vec![
            format!("aws ecs describe-services --cluster {cluster} --services {name} {tail}"),
            format!(
                "aws ecs list-tasks --cluster {cluster} --service-name {name} --desired-status STOPPED {tail}"
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::testing::{all_cells, row};
    use crate::model::{Facts, Kind};

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

    fn health(running: u32, desired: u32, rollout: &str) -> Health {
        row(Kind::EcsService, svc(running, desired, rollout), vec![]).health
    }

    #[test]
    fn new_events_and_a_rollout_moving_are_what_happened_oldest_first() {
        let (Facts::EcsService(before), Facts::EcsService(mut now)) =
            (svc(2, 2, "COMPLETED"), svc(1, 2, "IN_PROGRESS"))
        else {
            unreachable!()
        };
        now.events = vec![
            "(service functions) has reached a steady state.".into(),
            "(service functions) has stopped 1 running tasks".into(),
            "(service functions) has started 1 tasks".into(),
        ];
        assert_eq!(
            now.happened(&before),
            [
                "rollout COMPLETED → IN_PROGRESS",
                "event: (service functions) has stopped 1 running tasks",
                "event: (service functions) has reached a steady state.",
            ]
        );
        assert!(
            now.happened(&now).is_empty(),
            "nothing, between alike readings"
        );
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
        assert_eq!(health(2, 2, "COMPLETED"), Health::Healthy);
        assert_eq!(health(1, 2, "IN_PROGRESS"), Health::Progressing);
        assert_eq!(health(0, 2, "COMPLETED"), Health::Failed);
        assert_eq!(health(2, 2, "FAILED"), Health::Failed);
        assert_eq!(health(0, 0, "COMPLETED"), Health::Suspended);
    }
}
