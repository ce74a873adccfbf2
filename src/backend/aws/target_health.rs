//! Elastic Load Balancing: `DescribeTargetHealth` of each target group the ECS services register
//! their tasks in (`Service.loadBalancers[].targetGroupArn`), counted by state with the reasons
//! of the targets not healthy. Groups are read concurrently; one that cannot be read (denied,
//! throttled) says so on its services' rows and leaves their health to the tasks.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_elasticloadbalancingv2::types::{TargetHealthDescription, TargetHealthStateEnum};
use futures_util::StreamExt;

use super::CONCURRENT_CALLS;
use super::errors::classify;
use crate::model::kinds::ecs_service::{TARGET_REASONS, TargetGroupHealth};

/// "arn:aws:elasticloadbalancing:…:targetgroup/phenom-prod-functions/73e2…" → its name.
fn group_name(arn: &str) -> &str {
    arn.split_once(":targetgroup/")
        .and_then(|(_, rest)| rest.split('/').next())
        .unwrap_or(arn)
}

/// The group's targets counted by state, with the distinct reasons of those not healthy.
pub fn counted(arn: &str, targets: &[TargetHealthDescription]) -> TargetGroupHealth {
    let mut tg = TargetGroupHealth {
        name: group_name(arn).to_string(),
        arn: arn.to_string(),
        ..TargetGroupHealth::default()
    };
    let mut reasons = BTreeSet::new();
    for t in targets {
        let Some(health) = t.target_health() else {
            continue;
        };
        match health.state() {
            Some(TargetHealthStateEnum::Healthy) => tg.healthy += 1,
            Some(TargetHealthStateEnum::Unhealthy)
            | Some(TargetHealthStateEnum::UnhealthyDraining) => tg.unhealthy += 1,
            Some(TargetHealthStateEnum::Draining) => tg.draining += 1,
            Some(TargetHealthStateEnum::Initial) => tg.initial += 1,
            _ => tg.unused += 1,
        }
        if health.state() != Some(&TargetHealthStateEnum::Healthy)
            && let Some(reason) = health.reason()
        {
            let text = match health.description() {
                Some(d) => format!("{}: {d}", reason.as_str()),
                None => reason.as_str().to_string(),
            };
            reasons.insert(text);
        }
    }
    tg.reasons = reasons.into_iter().take(TARGET_REASONS).collect();
    tg
}

/// Each group's health, by ARN.
pub async fn read(
    client: &aws_sdk_elasticloadbalancingv2::Client,
    arns: BTreeSet<String>,
    profile: Option<&str>,
) -> BTreeMap<String, TargetGroupHealth> {
    let reads = arns.into_iter().map(|arn| async move {
        let out = client
            .describe_target_health()
            .target_group_arn(&arn)
            .send()
            .await;
        let tg = match out {
            Ok(out) => counted(&arn, out.target_health_descriptions()),
            Err(e) => TargetGroupHealth {
                name: group_name(&arn).to_string(),
                arn: arn.clone(),
                error: Some(format!(
                    "elbv2 DescribeTargetHealth: {}",
                    classify(&e, profile).reason()
                )),
                ..TargetGroupHealth::default()
            },
        };
        (arn, tg)
    });
    futures_util::stream::iter(reads)
        .buffer_unordered(CONCURRENT_CALLS)
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_elasticloadbalancingv2::types::{TargetHealth, TargetHealthReasonEnum};

    fn target(
        state: TargetHealthStateEnum,
        reason: Option<TargetHealthReasonEnum>,
    ) -> TargetHealthDescription {
        TargetHealthDescription::builder()
            .target_health(
                TargetHealth::builder()
                    .state(state)
                    .set_reason(reason)
                    .description("Health checks failed with these codes: [502]")
                    .build(),
            )
            .build()
    }

    #[test]
    fn targets_are_counted_by_state_with_their_reasons_once() {
        use TargetHealthStateEnum as S;
        let failed = Some(TargetHealthReasonEnum::FailedHealthChecks);
        let tg = counted(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/phenom-prod-functions/73e2d6bc24d8a067",
            &[
                target(S::Unhealthy, failed.clone()),
                target(S::Unhealthy, failed),
                target(S::Healthy, None),
                target(
                    S::Draining,
                    Some(TargetHealthReasonEnum::DeregistrationInProgress),
                ),
                target(S::Unused, Some(TargetHealthReasonEnum::InvalidState)),
            ],
        );
        assert_eq!(tg.name, "phenom-prod-functions");
        assert_eq!(
            (tg.healthy, tg.unhealthy, tg.draining, tg.initial, tg.unused),
            (1, 2, 1, 0, 1)
        );
        assert_eq!(
            tg.reasons,
            [
                "Target.DeregistrationInProgress: Health checks failed with these codes: [502]",
                "Target.FailedHealthChecks: Health checks failed with these codes: [502]",
                "Target.InvalidState: Health checks failed with these codes: [502]",
            ]
        );
    }
}
