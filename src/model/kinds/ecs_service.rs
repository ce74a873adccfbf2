//! ECS service: `ecs:DescribeServices` (running vs desired, rollout state, recent failures) and
//! the health of its load balancers' target groups (`elbv2:DescribeTargetHealth`): a service
//! whose tasks all fail their target group's health check is down however many run. The row's
//! scope context holds the ECS cluster name.

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
    /// The target groups of its load balancers, with their targets' health.
    pub target_groups: Vec<TargetGroupHealth>,
    /// CPU and memory over the last hours (shown as sparklines, not as fields).
    #[serde(skip)]
    pub metrics: Vec<Series>,
}

/// A target group the service registers its tasks in, as `elbv2:DescribeTargetHealth` reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TargetGroupHealth {
    /// The target group's name, from its ARN (`…:targetgroup/NAME/ID`).
    pub name: String,
    pub healthy: u32,
    pub unhealthy: u32,
    /// Deregistering: a task stopping, connections draining.
    pub draining: u32,
    /// Registering, their first checks not passed yet.
    pub initial: u32,
    /// unused or unavailable: not in service (an AZ the load balancer does not serve, a
    /// stopped instance), not failing either.
    pub unused: u32,
    /// The distinct reasons of the targets not healthy, as ELB says them:
    /// "Target.FailedHealthChecks: Health checks failed with these codes: [502]".
    pub reasons: Vec<String>,
    /// Why the health could not be read (AccessDenied, throttled): then it says nothing of the
    /// service's health.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Last, as the detail lists the fields: it is long and the name says it.
    pub arn: String,
}

/// How many distinct reasons a target group keeps.
pub const TARGET_REASONS: usize = 3;

impl TargetGroupHealth {
    /// Targets that take traffic or should: healthy, unhealthy and registering.
    fn in_service(&self) -> u32 {
        self.healthy + self.unhealthy + self.initial
    }

    /// "0/2 healthy in phenom-prod-functions: Target.FailedHealthChecks (…)".
    fn said(&self) -> String {
        let why = self
            .reasons
            .first()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        format!(
            "{}/{} targets healthy in {}{why}",
            self.healthy,
            self.in_service(),
            self.name
        )
    }
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
        Column::new("TARGETS", 7, |_, s, _| Cell::opt(s.targets().as_deref())),
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
        // Running, but the load balancer sends them nothing: every target of a group fails.
        let read = || self.target_groups.iter().filter(|t| t.error.is_none());
        if let Some(tg) = read().find(|t| t.healthy == 0 && t.unhealthy > 0 && t.initial == 0) {
            return Assessment::new(Health::Failed, format!("{counts} but {}", tg.said()));
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
        if let Some(tg) = read().find(|t| t.unhealthy > 0) {
            return Assessment::new(Health::Degraded, format!("{counts}, {}", tg.said()));
        }
        Assessment::new(Health::Healthy, counts)
    }

    /// A deployment (a new task definition), its rollout moving, its targets' health moving,
    /// and the service's new events (newest last, as they happened).
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
            super::moved(
                "targets healthy",
                before.targets().as_deref(),
                self.targets().as_deref(),
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
        let mut cli = vec![
            format!("aws ecs describe-services --cluster {cluster} --services {name} {tail}"),
            format!(
                "aws ecs list-tasks --cluster {cluster} --service-name {name} --desired-status STOPPED {tail}"
            ),
        ];
        cli.extend(self.target_groups.iter().map(|tg| {
            format!(
                "aws elbv2 describe-target-health --target-group-arn {} {tail}",
                tg.arn
            )
        }));
        cli
    }
}

impl EcsService {
    /// "2/2" healthy targets over those in service, summed over its target groups; "?" when
    /// one could not be read; `None` without a load balancer.
    pub fn targets(&self) -> Option<String> {
        if self.target_groups.is_empty() {
            return None;
        }
        if self.target_groups.iter().any(|t| t.error.is_some()) {
            return Some("?".into());
        }
        let (healthy, all) = self
            .target_groups
            .iter()
            .fold((0, 0), |(h, a), t| (h + t.healthy, a + t.in_service()));
        Some(format!("{healthy}/{all}"))
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

    fn with_targets(facts: Facts, groups: &[(u32, u32, u32, &str)]) -> Facts {
        let Facts::EcsService(mut s) = facts else {
            unreachable!()
        };
        s.target_groups = groups
            .iter()
            .map(|&(healthy, unhealthy, initial, reason)| TargetGroupHealth {
                name: "phenom-prod-functions".into(),
                arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/phenom-prod-functions/73e2d6bc24d8a067".into(),
                healthy,
                unhealthy,
                initial,
                reasons: (!reason.is_empty()).then(|| reason.to_string()).into_iter().collect(),
                ..TargetGroupHealth::default()
            })
            .collect();
        Facts::EcsService(s)
    }

    #[test]
    fn running_tasks_that_all_fail_their_target_groups_check_fail_the_service() {
        let failing = "Target.FailedHealthChecks: Health checks failed with these codes: [502]";
        let r = row(
            Kind::EcsService,
            with_targets(svc(2, 2, "COMPLETED"), &[(0, 2, 0, failing)]),
            vec![],
        );
        assert_eq!(r.health, Health::Failed);
        assert_eq!(
            r.reason,
            format!("2/2 running but 0/2 targets healthy in phenom-prod-functions: {failing}")
        );
        assert_eq!(all_cells(&r)[5].text, "0/2");
        // One of two failing: degraded, and why.
        let r = row(
            Kind::EcsService,
            with_targets(svc(2, 2, "COMPLETED"), &[(1, 1, 0, failing)]),
            vec![],
        );
        assert_eq!(r.health, Health::Degraded);
        assert!(r.reason.contains("1/2 targets healthy"), "{}", r.reason);
        // Registering targets are not failing yet; all healthy is healthy.
        let registering = with_targets(svc(2, 2, "IN_PROGRESS"), &[(0, 1, 1, failing)]);
        assert_eq!(
            row(Kind::EcsService, registering, vec![]).health,
            Health::Progressing
        );
        let fine = with_targets(svc(2, 2, "COMPLETED"), &[(2, 0, 0, "")]);
        assert_eq!(row(Kind::EcsService, fine, vec![]).health, Health::Healthy);
        // Health that could not be read says nothing of the service's.
        let Facts::EcsService(mut unread) =
            with_targets(svc(2, 2, "COMPLETED"), &[(0, 2, 0, failing)])
        else {
            unreachable!()
        };
        unread.target_groups[0].error = Some("AccessDenied".into());
        let r = row(Kind::EcsService, Facts::EcsService(unread), vec![]);
        assert_eq!(r.health, Health::Healthy);
        assert_eq!(all_cells(&r)[5].text, "?");
    }

    #[test]
    fn targets_turning_unhealthy_is_what_happened() {
        let (Facts::EcsService(before), Facts::EcsService(now)) = (
            with_targets(svc(2, 2, "COMPLETED"), &[(2, 0, 0, "")]),
            with_targets(
                svc(2, 2, "COMPLETED"),
                &[(0, 2, 0, "Target.Timeout: Request timed out")],
            ),
        ) else {
            unreachable!()
        };
        assert_eq!(now.happened(&before), ["targets healthy 2/2 → 0/2"]);
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
