//! ECS: ListClusters, ListServices and DescribeServices (in batches of 10, the API's limit) into
//! service rows: running vs desired, the PRIMARY deployment's rollout state, recent events.
//! Clusters and batches are read concurrently, the metrics alongside the descriptions; then the
//! health of the services' target groups (`target_health`).

use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
use aws_sdk_ecs::types::Service;
use jiff::Timestamp;

use futures_util::{StreamExt, TryStreamExt};

use super::errors::{AwsFailure, classify};
use super::metrics::{self, Wanted};
use super::{CONCURRENT_CALLS, Target};
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
        target_groups: Vec::new(),
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

/// A cluster's service ARNs.
async fn services_of(
    client: &aws_sdk_ecs::Client,
    cluster: String,
    profile: Option<&str>,
) -> Result<(String, Vec<String>), AwsFailure> {
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
    Ok((cluster, services))
}

/// One DescribeServices call.
async fn describe(
    client: &aws_sdk_ecs::Client,
    cluster: &str,
    services: &[String],
    profile: Option<&str>,
) -> Result<(String, DescribeServicesOutput), AwsFailure> {
    let out = client
        .describe_services()
        .cluster(cluster)
        .set_services(Some(services.to_vec()))
        .send()
        .await
        .map_err(|e| classify(&e, profile))?;
    Ok((cluster.to_string(), out))
}

/// The row a service's series belong to.
fn series_key(cluster: &str, service: &str) -> String {
    format!("{cluster}/{service}")
}

/// A service's CPU and memory series.
fn wanted_series(cluster: &str, service: &str) -> [Wanted; 2] {
    let one = |name, metric| Wanted {
        row: series_key(cluster, service),
        name,
        namespace: "AWS/ECS",
        metric,
        dimensions: vec![
            ("ClusterName", cluster.to_string()),
            ("ServiceName", service.to_string()),
        ],
        scale: 1.0,
    };
    [
        one("CPU %", "CPUUtilization"),
        one("memory %", "MemoryUtilization"),
    ]
}

/// ECS, and CloudWatch for the services' CPU and memory.
#[derive(Clone, Debug)]
pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
}

pub async fn poll(clients: Clients, t: Target, now: Timestamp) -> Result<Vec<Row>, AwsFailure> {
    let client = &clients.ecs;
    let (account, region, source, profile) = t.parts();
    let mut clusters = Vec::new();
    let mut pages = client.list_clusters().into_paginator().items().send();
    while let Some(arn) = pages.next().await {
        clusters.push(arn.map_err(|e| classify(&e, profile))?);
    }
    // Every cluster's services at once; then their descriptions and their metrics (which need
    // only the names in the ARNs) at the same time: two round trips after ListClusters.
    let listing: Vec<_> = clusters
        .into_iter()
        .map(|cluster| services_of(client, cluster, profile))
        .collect();
    let listed: Vec<(String, Vec<String>)> = futures_util::stream::iter(listing)
        .buffered(CONCURRENT_CALLS)
        .try_collect()
        .await?;
    let batches: Vec<(&str, &[String])> = listed
        .iter()
        .flat_map(|(cluster, services)| {
            services
                .chunks(BATCH)
                .map(move |batch| (cluster.as_str(), batch))
        })
        .collect();
    let wanted: Vec<Wanted> = listed
        .iter()
        .flat_map(|(cluster, services)| {
            services
                .iter()
                .flat_map(move |arn| wanted_series(short(cluster), short(arn)))
        })
        .collect();
    let describing: Vec<_> = batches
        .into_iter()
        .map(|(cluster, batch)| describe(client, cluster, batch, profile))
        .collect();
    let describe = futures_util::stream::iter(describing)
        .buffered(CONCURRENT_CALLS)
        .try_collect::<Vec<_>>();
    let (described, mut series) =
        futures_util::future::join(describe, metrics::fetch(&clients.cloudwatch, &wanted, now))
            .await;
    let described = described?;
    let groups = described
        .iter()
        .flat_map(|(_, out)| out.services())
        .flat_map(|s| s.load_balancers())
        .filter_map(|lb| lb.target_group_arn().map(str::to_string))
        .collect();
    let groups = super::target_health::read(&clients.elbv2, groups, profile).await;
    let mut rows = Vec::new();
    for (cluster, out) in described {
        for s in out.services() {
            let name = s.service_name().unwrap_or_default().to_string();
            let scope = Scope::aws(account, region).with_context(short(&cluster));
            rows.push(Row::new(
                RowId::new(Kind::EcsService, scope, name),
                source.clone(),
                Facts::EcsService(EcsService {
                    target_groups: s
                        .load_balancers()
                        .iter()
                        .filter_map(|lb| groups.get(lb.target_group_arn()?).cloned())
                        .collect(),
                    ..facts(s)
                }),
                vec![],
                now,
            ));
        }
    }
    let key = |r: &Row| series_key(r.id.scope.context(), &r.id.name);
    for row in &mut rows {
        let k = key(row);
        if let (Facts::EcsService(svc), Some(s)) = (&mut row.facts, series.remove(&k)) {
            svc.metrics = s;
        }
    }
    Ok(rows)
}
