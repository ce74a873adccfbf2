//! ElastiCache replication group (Redis or Valkey): `elasticache:DescribeReplicationGroups` for
//! its status, nodes and their roles per AZ, automatic failover and Multi-AZ, pending
//! modifications; `DescribeCacheClusters` for the nodes' engine version and status; CloudWatch
//! (`AWS/ElastiCache`, by node) for CPU, engine CPU, memory, evictions and replication lag.
//!
//! Health, as whoever runs Redis reads it: not available (creating, modifying, failed), a
//! failover in progress (no primary, a node not available), evictions climbing (keys thrown
//! away for memory), a replica lagging.

use jiff::Timestamp;
use serde::Serialize;

use super::KindFacts;
use super::series::Series;
use crate::model::drilldown::Section;
use crate::model::{Assessment, Cell, Column, Condition, Health, KindSpec, Row};

/// Replication lag above this many seconds degrades the group.
pub const LAG_S: f64 = 10.0;
/// Used memory at or above this share (DatabaseMemoryUsagePercentage) degrades the group.
pub const MEMORY_PCT: f64 = 95.0;

/// The metrics read per group: (series name, CloudWatch metric, from the primary or a replica).
pub const METRICS: [(&str, &str, Role); 5] = [
    ("CPU %", "CPUUtilization", Role::Primary),
    ("engine CPU %", "EngineCPUUtilization", Role::Primary),
    ("memory %", "DatabaseMemoryUsagePercentage", Role::Primary),
    ("evictions", "Evictions", Role::Primary),
    ("replication lag s", "ReplicationLag", Role::Replica),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Primary,
    Replica,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CacheGroup {
    /// creating, available, modifying, deleting, create-failed, snapshotting.
    pub status: String,
    /// redis or valkey.
    pub engine: String,
    /// From the member clusters; `None` when they could not be read.
    pub engine_version: Option<String>,
    pub node_type: String,
    /// enabled, disabled, enabling, disabling.
    pub automatic_failover: String,
    pub multi_az: bool,
    pub cluster_mode: bool,
    /// The primary endpoint (or the configuration endpoint in cluster mode).
    pub endpoint: Option<String>,
    /// Every node of every shard, primaries first.
    pub nodes: Vec<CacheNode>,
    /// "NodeType → cache.r7g.xlarge", "AutomaticFailoverStatus → enabled".
    pub pending_modifications: Vec<String>,
    /// CPU, engine CPU, memory, evictions, replication lag (sparklines, not fields).
    #[serde(skip)]
    pub metrics: Vec<Series>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CacheNode {
    /// The member cluster's id ("forge-redis-001").
    pub id: String,
    /// primary or replica (`CurrentRole`).
    pub role: String,
    pub zone: String,
    /// The member cluster's status (available, modifying, rebooting cache cluster nodes…);
    /// `None` when `DescribeCacheClusters` did not list it.
    pub status: Option<String>,
}

impl CacheGroup {
    fn series(&self, name: &str) -> Option<&Series> {
        self.metrics.iter().find(|s| s.name == name)
    }

    /// The newest evictions per period, when they climb: above zero and above every earlier
    /// point.
    fn evictions_climbing(&self) -> Option<f64> {
        let s = self.series("evictions")?;
        let (last, earlier) = s.points.split_last()?;
        (*last > 0.0 && earlier.iter().all(|p| p < last)).then_some(*last)
    }

    /// "1 primary (us-east-1a), 1 replica".
    fn topology(&self) -> String {
        let primaries: Vec<&CacheNode> =
            self.nodes.iter().filter(|n| n.role == "primary").collect();
        let replicas = self.nodes.len() - primaries.len();
        let zones = primaries
            .iter()
            .map(|n| n.zone.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "{} primar{} ({zones}), {replicas} replica{}",
            primaries.len(),
            if primaries.len() == 1 { "y" } else { "ies" },
            if replicas == 1 { "" } else { "s" }
        )
    }
}

impl KindFacts for CacheGroup {
    const SPEC: &'static KindSpec = &KindSpec::regional("cache_group", "ElastiCache")
        .labels("Cache", "cache", &["cache", "redis", "elasticache"])
        .counted_in_region(|p| &mut p.cache)
        .drills_into(&[Section::Events]);
    const COLUMNS: &'static [Column<Self>] = &[
        Column::name(20),
        Column::account(12),
        Column::region(10),
        Column::new("ENGINE", 12, |_, c, _| {
            Cell::text(match &c.engine_version {
                Some(v) => format!("{} {v}", c.engine),
                None => c.engine.clone(),
            })
        }),
        Column::new("NODE TYPE", 16, |_, c, _| Cell::text(c.node_type.clone())),
        Column::new("STATUS", 10, |_, c, _| Cell::text(c.status.clone())),
        Column::new("NODES", 5, |_, c, _| Cell::count(c.nodes.len() as u32)),
        Column::new("FAILOVER", 8, |_, c, _| {
            Cell::text(c.automatic_failover.clone())
        }),
        Column::new("MEMORY", 6, |_, c, _| {
            match c.series("memory %").and_then(Series::last) {
                Some(m) => Cell::number(m as i64, format!("{m:.0}%")),
                None => Cell::number(-1, "-"),
            }
        }),
        Column::HEALTH,
        Column::reason(40),
    ];

    fn metrics(&self) -> &[Series] {
        &self.metrics
    }

    fn assess(&self, _: &[Condition], _: Timestamp) -> Assessment {
        match self.status.as_str() {
            "available" => {}
            "create-failed" => return Assessment::new(Health::Failed, "create failed"),
            "deleting" => return Assessment::new(Health::Degraded, "being deleted"),
            s @ ("creating" | "modifying" | "snapshotting") => {
                return Assessment::new(Health::Progressing, format!("status {s}"));
            }
            other => return Assessment::new(Health::Unknown, format!("status {other}")),
        }
        if !self.nodes.is_empty() && !self.nodes.iter().any(|n| n.role == "primary") {
            return Assessment::new(Health::Failed, "no primary node: failing over");
        }
        if let Some(n) = self
            .nodes
            .iter()
            .find(|n| n.status.as_deref().is_some_and(|s| s != "available"))
        {
            let status = n.status.as_deref().unwrap_or_default();
            return Assessment::new(
                Health::Progressing,
                format!("{} {} ({}) {status}", n.role, n.id, n.zone),
            );
        }
        let memory = self.series("memory %").and_then(Series::last);
        let with_memory = memory
            .map(|m| format!(", memory {m:.0}%"))
            .unwrap_or_default();
        if let Some(evicted) = self.evictions_climbing() {
            return Assessment::new(
                Health::Degraded,
                format!("evictions climbing: {evicted:.0} keys in 5 min{with_memory}"),
            );
        }
        if let Some(m) = memory.filter(|m| *m >= MEMORY_PCT) {
            return Assessment::new(Health::Degraded, format!("memory {m:.0}% used"));
        }
        if let Some(lag) = self
            .series("replication lag s")
            .and_then(Series::last)
            .filter(|l| *l > LAG_S)
        {
            return Assessment::new(
                Health::Degraded,
                format!("replica {lag:.0} s behind the primary"),
            );
        }
        let mut reason = format!("available, {}", self.topology());
        if self.automatic_failover != "enabled" {
            reason.push_str(", no automatic failover");
        }
        if let Some(m) = self.pending_modifications.first() {
            reason.push_str(&format!(", pending modification: {m}"));
        }
        Assessment::new(Health::Healthy, reason)
    }

    /// Its status moving, and a primary moving to another node (a failover).
    fn happened(&self, before: &Self) -> Vec<String> {
        let primary = |c: &CacheGroup| {
            let p: Vec<&str> = c
                .nodes
                .iter()
                .filter(|n| n.role == "primary")
                .map(|n| n.id.as_str())
                .collect();
            (!p.is_empty()).then(|| p.join(", "))
        };
        [
            super::moved("status", Some(&before.status), Some(&self.status)),
            super::moved(
                "primary",
                primary(before).as_deref(),
                primary(self).as_deref(),
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        let (name, tail) = (&row.id.name, row.id.scope.aws_flags());
        vec![
            format!(
                "aws elasticache describe-replication-groups --replication-group-id {name} {tail}"
            ),
            format!(
                "aws elasticache describe-events --source-type replication-group --source-identifier {name} --duration 1440 {tail}"
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::testing::{all_cells, row};
    use crate::model::{Facts, Kind};

    fn node(id: &str, role: &str, zone: &str) -> CacheNode {
        CacheNode {
            id: id.into(),
            role: role.into(),
            zone: zone.into(),
            status: Some("available".into()),
        }
    }

    fn group(status: &str, evictions: &[f64], memory: f64, lag: f64) -> CacheGroup {
        CacheGroup {
            status: status.into(),
            engine: "redis".into(),
            engine_version: Some("7.1.0".into()),
            node_type: "cache.r7g.large".into(),
            automatic_failover: "enabled".into(),
            multi_az: true,
            nodes: vec![
                node("forge-redis-001", "primary", "us-east-1a"),
                node("forge-redis-002", "replica", "us-east-1b"),
            ],
            metrics: vec![
                Series {
                    name: "memory %".into(),
                    points: vec![memory],
                },
                Series {
                    name: "evictions".into(),
                    points: evictions.to_vec(),
                },
                Series {
                    name: "replication lag s".into(),
                    points: vec![lag],
                },
            ],
            ..CacheGroup::default()
        }
    }

    fn assessed(g: CacheGroup) -> Row {
        row(Kind::CacheGroup, Facts::CacheGroup(g), vec![])
    }

    #[test]
    fn an_available_group_names_its_primary_and_replicas() {
        let r = assessed(group("available", &[0.0, 0.0], 41.0, 0.2));
        assert_eq!(r.health, Health::Healthy);
        assert_eq!(r.reason, "available, 1 primary (us-east-1a), 1 replica");
        let cells = all_cells(&r);
        assert_eq!(cells[3].text, "redis 7.1.0");
        assert_eq!(cells[8].text, "41%");
    }

    #[test]
    fn evictions_climbing_memory_full_and_lag_degrade() {
        let r = assessed(group("available", &[0.0, 120.0, 4800.0], 99.0, 0.2));
        assert_eq!(r.health, Health::Degraded);
        assert_eq!(
            r.reason,
            "evictions climbing: 4800 keys in 5 min, memory 99%"
        );
        // Evictions that fall back are not climbing; the memory still says it is full.
        let r = assessed(group("available", &[4800.0, 10.0], 96.0, 0.2));
        assert_eq!(r.reason, "memory 96% used");
        let r = assessed(group("available", &[0.0], 50.0, 42.0));
        assert_eq!(r.reason, "replica 42 s behind the primary");
    }

    #[test]
    fn a_failover_in_progress_and_the_statuses() {
        let mut g = group("available", &[0.0], 40.0, 0.0);
        g.nodes[0].role = "replica".into();
        g.nodes[0].status = Some("rebooting cache cluster nodes".into());
        let r = assessed(g.clone());
        assert_eq!(r.health, Health::Failed);
        assert_eq!(r.reason, "no primary node: failing over");
        g.nodes[1].role = "primary".into();
        let r = assessed(g.clone());
        assert_eq!(r.health, Health::Progressing);
        assert_eq!(
            r.reason,
            "replica forge-redis-001 (us-east-1a) rebooting cache cluster nodes"
        );
        let before = group("available", &[0.0], 40.0, 0.0);
        assert_eq!(
            g.happened(&before),
            ["primary forge-redis-001 → forge-redis-002"]
        );
        for (status, health) in [
            ("creating", Health::Progressing),
            ("modifying", Health::Progressing),
            ("create-failed", Health::Failed),
            ("deleting", Health::Degraded),
        ] {
            assert_eq!(
                assessed(group(status, &[0.0], 40.0, 0.0)).health,
                health,
                "{status}"
            );
        }
    }
}
