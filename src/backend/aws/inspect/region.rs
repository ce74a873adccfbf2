//! A region, as its alarms and health checks explain it: each alarm's state changes of the last
//! day (`DescribeAlarmHistory` type StateUpdate: when it fired, when it recovered, why), and each
//! Route53 health check as every checker region sees it (`GetHealthCheckStatus`) with its last
//! failure reasons (`GetHealthCheckLastFailureReason`), so "check failing" reads "failing from 9
//! of 16 checkers: connection timed out".

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::HistoryItemType;
use aws_sdk_route53::types::HealthCheckObservation;

use super::{Calls, ago};
use crate::inspect::Subject;
use crate::model::drilldown::{Body, Section, Table};
use crate::model::{Facts, Health};

/// How far back alarm history is read: a day.
const HISTORY_SECONDS: i64 = 24 * 3600;

pub(super) async fn alarm_history(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let Facts::Region(region) = &subject.facts else {
        return Err("not a region".into());
    };
    let client = aws_sdk_cloudwatch::Client::new(&calls.config);
    let now = jiff::Timestamp::now();
    let from =
        aws_sdk_cloudwatch::primitives::DateTime::from_secs(now.as_second() - HISTORY_SECONDS);
    let mut items = Vec::new();
    let mut pages = client
        .describe_alarm_history()
        .history_item_type(HistoryItemType::StateUpdate)
        .start_date(from)
        .end_date(aws_sdk_cloudwatch::primitives::DateTime::from_secs(
            now.as_second(),
        ))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| calls.failed("cloudwatch:DescribeAlarmHistory", &e))?;
        items.extend(page.alarm_history_items().to_vec());
    }
    let ours: Vec<&str> = region.alarms.iter().map(|a| a.name.as_str()).collect();
    items.retain(|i| i.alarm_name().is_some_and(|n| ours.contains(&n)));
    items.sort_by_key(|i| std::cmp::Reverse(i.timestamp().map(|t| t.secs())));
    let mut t = Table::of(Section::AlarmHistory);
    for i in items.iter().take(100) {
        let summary = i.history_summary().unwrap_or_default().to_string();
        let health = if summary.ends_with("to ALARM") {
            Health::Failed
        } else if summary.ends_with("to OK") {
            Health::Healthy
        } else {
            Health::Unknown
        };
        let reason = i
            .history_data()
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
            .and_then(|v| {
                v.pointer("/newState/stateReason")
                    .and_then(|r| r.as_str())
                    .map(String::from)
            });
        let when = i
            .timestamp()
            .and_then(|t| jiff::Timestamp::from_second(t.secs()).ok());
        t.row(
            vec![
                ago(when),
                i.alarm_name().unwrap_or_default().to_string(),
                summary,
            ],
            Some(health),
            reason,
        );
    }
    Ok(Body::Table(t))
}

/// What a checker's report says, without its timestamp: "Failure: Connection timed out…".
fn report(o: &HealthCheckObservation) -> String {
    o.status_report()
        .and_then(|r| r.status())
        .unwrap_or_default()
        .to_string()
}

fn checker(o: &HealthCheckObservation) -> String {
    o.region()
        .map(|r| r.as_str().to_string())
        .or_else(|| o.ip_address().map(String::from))
        .unwrap_or_else(|| "?".into())
}

pub(super) async fn health_checks(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let Facts::Region(region) = &subject.facts else {
        return Err("not a region".into());
    };
    let client = aws_sdk_route53::Client::new(&calls.config);
    let mut t = Table::of(Section::HealthChecks);
    for hc in &region.health_checks {
        let status = client
            .get_health_check_status()
            .health_check_id(&hc.id)
            .send()
            .await
            .map_err(|e| calls.failed("route53:GetHealthCheckStatus", &e))?;
        let observations = status.health_check_observations();
        let failing: Vec<&HealthCheckObservation> = observations
            .iter()
            .filter(|o| report(o).starts_with("Failure"))
            .collect();
        // The most common failure, as the console's "last failure reason".
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for o in &failing {
            *reasons.entry(report(o)).or_default() += 1;
        }
        let last_failure = match client
            .get_health_check_last_failure_reason()
            .health_check_id(&hc.id)
            .send()
            .await
        {
            Ok(out) => out
                .health_check_observations()
                .iter()
                .map(report)
                .find(|r| !r.is_empty()),
            Err(e) => Some(calls.failed("route53:GetHealthCheckLastFailureReason", &e)),
        };
        let common = reasons
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(r, _)| r)
            .or(last_failure);
        let (state, health) = if failing.is_empty() {
            ("healthy".to_string(), Health::Healthy)
        } else if failing.len() * 2 > observations.len() {
            ("failing".to_string(), Health::Failed)
        } else {
            ("failing from some checkers".to_string(), Health::Degraded)
        };
        let note = (!failing.is_empty()).then(|| {
            format!(
                "failing from {} of {} checkers ({}): {}",
                failing.len(),
                observations.len(),
                failing
                    .iter()
                    .map(|o| checker(o))
                    .collect::<Vec<_>>()
                    .join(", "),
                common.unwrap_or_default()
            )
        });
        t.row(
            vec![
                hc.id.clone(),
                hc.fqdn.clone(),
                format!(
                    "{}/{} ok",
                    observations.len() - failing.len(),
                    observations.len()
                ),
                state,
            ],
            Some(health),
            note,
        );
    }
    Ok(Body::Table(t))
}
