//! CloudWatch alarms into the region row: state, reason, and the row its dimensions point at
//! (the cluster, service or DB instance named by a ClusterName, ServiceName or
//! DBInstanceIdentifier dimension).

use aws_sdk_cloudwatch::Client;
use jiff::Timestamp;

use super::Target;
use super::errors::{AwsFailure, classify};
use crate::model::kinds::region::{Alarm, Region, Reported};
use crate::model::{Facts, Kind, Row, RowId, Scope};

const TARGET_DIMENSIONS: &[&str] = &[
    "DBInstanceIdentifier",
    "ServiceName",
    "ClusterName",
    "LoadBalancer",
    "CacheClusterId",
];

pub async fn poll(client: Client, t: Target, now: Timestamp) -> Result<Vec<Row>, AwsFailure> {
    let (account, region, source, profile) = t.parts();
    let mut alarms = Vec::new();
    let mut pages = client.describe_alarms().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(&e, profile))?;
        for a in page.metric_alarms() {
            let target = TARGET_DIMENSIONS
                .iter()
                .find_map(|d| {
                    a.dimensions()
                        .iter()
                        .find(|x| x.name() == Some(d))
                        .and_then(|x| x.value())
                })
                .map(str::to_string);
            alarms.push(Alarm {
                name: a.alarm_name().unwrap_or_default().to_string(),
                state: a
                    .state_value()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                reason: a.state_reason().unwrap_or_default().to_string(),
                target,
            });
        }
    }
    alarms.sort_by(|a, b| a.name.cmp(&b.name));
    let facts = Facts::Region(Region {
        alarms,
        reported: Reported::ALARMS,
        ..Region::default()
    });
    let scope = Scope {
        account: Some(account.to_string()),
        ..Scope::default()
    };
    Ok(vec![Row::new(
        RowId::new(Kind::Region, scope, region),
        source,
        facts,
        vec![],
        now,
    )])
}
