//! ECS: ListClusters, ListServices and DescribeServices (in batches of 10, the API's limit) into
//! service rows: running vs desired, the PRIMARY deployment's rollout state, recent events.

use aws_sdk_ecs::types::Service;
use jiff::Timestamp;

use super::Target;
use super::errors::{AwsFailure, classify};
use super::metrics::{self, Wanted};
use crate::model::kinds::ecs_service::EcsService;
use crate::model::{Facts, Kind, Row, RowId, Scope};

/// DescribeServices takes at most this many services.
const BATCH: usize = 10;
/// Events kept per service.
const EVENTS: usize = 5;

/// "arn:aws:ecs:…:cluster/phenom-prod-cluster" → "phenom-prod-cluster".
fn short(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

pub fn facts(s: &Service) -> EcsService {
    let primary = s
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"));
    EcsService {
        status: s.status().unwrap_or_default().to_string(),
        desired: s.desired_count().max(0) as u32,
        running: s.running_count().max(0) as u32,
        pending: s.pending_count().max(0) as u32,
        rollout: primary
            .and_then(|d| d.rollout_state())
            .map(|r| r.as_str().to_string()),
        task_definition: short(s.task_definition().unwrap_or_default()).to_string(),
        launch_type: s
            .launch_type()
            .map(|l| l.as_str().to_string())
            .unwrap_or_default(),
        port: s
            .load_balancers()
            .first()
            .and_then(|lb| lb.container_port())
            .map(|p| p as u16),
        failed_tasks: s
            .deployments()
            .iter()
            .map(|d| d.failed_tasks().max(0) as u32)
            .sum(),
        events: s
            .events()
            .iter()
            .take(EVENTS)
            .filter_map(|e| e.message().map(str::to_string))
            .collect(),
        metrics: vec![],
    }
}

/// ECS, and CloudWatch for the services' CPU and memory.
#[derive(Clone, Debug)]
pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
}

pub async fn poll(clients: Clients, t: Target, now: Timestamp) -> Result<Vec<Row>, AwsFailure> {
    let client = &clients.ecs;
    let (account, region, source, profile) = (
        t.account.as_str(),
        t.region.as_str(),
        t.source.clone(),
        t.profile.as_deref(),
    );
    let mut clusters = Vec::new();
    let mut pages = client.list_clusters().into_paginator().items().send();
    while let Some(arn) = pages.next().await {
        clusters.push(arn.map_err(|e| classify(&e, profile))?);
    }
    let mut rows = Vec::new();
    for cluster in clusters {
        let mut services = Vec::new();
        let mut pages = client
            .list_services()
            .cluster(&cluster)
            .into_paginator()
            .items()
            .send();
        while let Some(arn) = pages.next().await {
            services.push(arn.map_err(|e| classify(&e, profile))?);
        }
        for batch in services.chunks(BATCH) {
            let out = client
                .describe_services()
                .cluster(&cluster)
                .set_services(Some(batch.to_vec()))
                .send()
                .await
                .map_err(|e| classify(&e, profile))?;
            for s in out.services() {
                let name = s.service_name().unwrap_or_default().to_string();
                let scope = Scope::aws(account, region).with_context(short(&cluster));
                rows.push(Row::new(
                    RowId::new(Kind::EcsService, scope, name),
                    source.clone(),
                    Facts::EcsService(facts(s)),
                    vec![],
                    now,
                ));
            }
        }
    }
    let key = |r: &Row| format!("{}/{}", r.id.scope.context(), r.id.name);
    let wanted: Vec<Wanted> = rows
        .iter()
        .flat_map(|r| {
            let dims = || {
                vec![
                    ("ClusterName", r.id.scope.context().to_string()),
                    ("ServiceName", r.id.name.clone()),
                ]
            };
            [
                Wanted {
                    row: key(r),
                    name: "CPU %",
                    namespace: "AWS/ECS",
                    metric: "CPUUtilization",
                    dimensions: dims(),
                    scale: 1.0,
                },
                Wanted {
                    row: key(r),
                    name: "memory %",
                    namespace: "AWS/ECS",
                    metric: "MemoryUtilization",
                    dimensions: dims(),
                    scale: 1.0,
                },
            ]
        })
        .collect();
    let mut series = metrics::fetch(&clients.cloudwatch, &wanted, now).await;
    for row in &mut rows {
        let k = key(row);
        if let (Facts::EcsService(svc), Some(s)) = (&mut row.facts, series.remove(&k)) {
            svc.metrics = s;
        }
    }
    Ok(rows)
}
