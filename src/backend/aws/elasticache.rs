//! ElastiCache: DescribeReplicationGroups (the groups, their shards' nodes and roles) and
//! DescribeCacheClusters (each node's engine version and status) at once, then CloudWatch
//! (`AWS/ElastiCache` by `CacheClusterId`) for the primary's CPU, engine CPU, memory and
//! evictions and a replica's replication lag, into one row per replication group.

use std::collections::HashMap;

use aws_sdk_elasticache::types::{CacheCluster, ReplicationGroup};
use jiff::Timestamp;

use super::Target;
use super::errors::{AwsFailure, classify};
use super::metrics::{self, Wanted};
use crate::model::kinds::cache_group::{CacheGroup, CacheNode, METRICS, Role};
use crate::model::{Facts, Kind, Row, RowId, Scope};

#[derive(Clone, Debug)]
pub struct Clients {
    pub elasticache: aws_sdk_elasticache::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
}

/// "NodeType → …": what a group's pending modifications change.
fn pending(g: &ReplicationGroup) -> Vec<String> {
    let Some(p) = g.pending_modified_values() else {
        return Vec::new();
    };
    [
        p.primary_cluster_id().map(|c| format!("primary → {c}")),
        p.automatic_failover_status()
            .map(|s| format!("automatic failover → {}", s.as_str())),
        p.cluster_mode()
            .map(|m| format!("cluster mode → {}", m.as_str())),
        p.resharding()
            .and_then(|r| r.slot_migration())
            .and_then(|m| m.progress_percentage())
            .map(|pct| format!("resharding {pct:.0}%")),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The group's facts, its nodes' versions and statuses from `clusters`.
pub fn facts(g: &ReplicationGroup, clusters: &HashMap<String, &CacheCluster>) -> CacheGroup {
    let mut nodes: Vec<CacheNode> = g
        .node_groups()
        .iter()
        .flat_map(|ng| ng.node_group_members())
        .map(|m| {
            let id = m.cache_cluster_id().unwrap_or_default().to_string();
            let cluster = clusters.get(&id);
            CacheNode {
                status: cluster.and_then(|c| c.cache_cluster_status().map(str::to_string)),
                role: m.current_role().unwrap_or("unknown").to_string(),
                zone: m
                    .preferred_availability_zone()
                    .or_else(|| cluster.and_then(|c| c.preferred_availability_zone()))
                    .unwrap_or_default()
                    .to_string(),
                id,
            }
        })
        .collect();
    // Cluster mode lists no roles per member: the member clusters are the nodes then.
    if nodes.is_empty() {
        nodes = g
            .member_clusters()
            .iter()
            .map(|id| CacheNode {
                id: id.clone(),
                role: "unknown".into(),
                zone: clusters
                    .get(id)
                    .and_then(|c| c.preferred_availability_zone())
                    .unwrap_or_default()
                    .to_string(),
                status: clusters
                    .get(id)
                    .and_then(|c| c.cache_cluster_status())
                    .map(str::to_string),
            })
            .collect();
    }
    nodes.sort_by_key(|n| (n.role != "primary", n.id.clone()));
    let member = g
        .member_clusters()
        .iter()
        .find_map(|id| clusters.get(id.as_str()));
    let endpoint = g
        .configuration_endpoint()
        .or_else(|| g.node_groups().first().and_then(|ng| ng.primary_endpoint()))
        .and_then(|e| e.address())
        .map(str::to_string);
    CacheGroup {
        status: g.status().unwrap_or_default().to_string(),
        engine: g
            .engine()
            .or_else(|| member.and_then(|c| c.engine()))
            .unwrap_or("redis")
            .to_string(),
        engine_version: member.and_then(|c| c.engine_version()).map(str::to_string),
        node_type: g.cache_node_type().unwrap_or_default().to_string(),
        automatic_failover: g
            .automatic_failover()
            .map(|a| a.as_str().to_string())
            .unwrap_or_else(|| "disabled".into()),
        multi_az: g.multi_az().is_some_and(|m| m.as_str() == "enabled"),
        cluster_mode: g.cluster_enabled().unwrap_or(false),
        endpoint,
        nodes,
        pending_modifications: pending(g),
        metrics: Vec::new(),
    }
}

/// The group's series: the primary's (the first shard's) and a replica's lag.
fn wanted_series(group: &str, facts: &CacheGroup) -> Vec<Wanted> {
    let node = |role: &str| facts.nodes.iter().find(|n| n.role == role);
    METRICS
        .iter()
        .filter_map(|(name, metric, role)| {
            let n = match role {
                Role::Primary => node("primary"),
                Role::Replica => node("replica"),
            }?;
            Some(Wanted {
                row: group.to_string(),
                name,
                namespace: "AWS/ElastiCache",
                metric,
                dimensions: vec![("CacheClusterId", n.id.clone())],
                scale: 1.0,
            })
        })
        .collect()
}

pub async fn poll(clients: Clients, t: Target, now: Timestamp) -> Result<Vec<Row>, AwsFailure> {
    let client = &clients.elasticache;
    let (account, region, source, profile) = t.parts();
    let groups = client
        .describe_replication_groups()
        .into_paginator()
        .items()
        .send()
        .try_collect();
    let clusters = client
        .describe_cache_clusters()
        .into_paginator()
        .items()
        .send()
        .try_collect();
    let (groups, clusters) = futures_util::future::join(groups, clusters).await;
    let groups = groups.map_err(|e| classify(&e, profile))?;
    let clusters = clusters.map_err(|e| classify(&e, profile))?;
    let by_id: HashMap<String, &CacheCluster> = clusters
        .iter()
        .filter_map(|c| Some((c.cache_cluster_id()?.to_string(), c)))
        .collect();
    let rows: Vec<(String, CacheGroup)> = groups
        .iter()
        .map(|g| {
            let name = g.replication_group_id().unwrap_or_default().to_string();
            (name, facts(g, &by_id))
        })
        .collect();
    let wanted: Vec<Wanted> = rows
        .iter()
        .flat_map(|(name, f)| wanted_series(name, f))
        .collect();
    let mut series = metrics::fetch(&clients.cloudwatch, &wanted, now).await;
    Ok(rows
        .into_iter()
        .map(|(name, mut f)| {
            f.metrics = series.remove(&name).unwrap_or_default();
            Row::new(
                RowId::new(Kind::CacheGroup, Scope::aws(account, region), name),
                source.clone(),
                Facts::CacheGroup(f),
                vec![],
                now,
            )
        })
        .collect())
}
