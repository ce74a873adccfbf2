//! Roll-ups: a region is the worst of its own alarms and health checks and of its clusters, ECS
//! services and databases; an organization is the worst of its namespaces' Flux objects and
//! certificates. Only the roll-ups touched by a batch are recomputed.

use super::fleet::{Fleet, RegionKey, RowKey};
use crate::model::kinds::organization::OrgParts;
use crate::model::kinds::region::RegionParts;
use crate::model::{Facts, Health, Kind, Row};

/// The worst part seen so far, to name it in the roll-up's reason.
#[derive(Default)]
struct Worst {
    health: Option<Health>,
    reason: String,
}

impl Worst {
    fn consider(&mut self, row: &Row) {
        if self.health.is_none_or(|h| row.health > h) {
            self.health = Some(row.health);
            self.reason = format!(
                "{} {}: {}",
                row.kind().short(),
                row.id.display_name(),
                row.reason
            );
        }
    }
}

/// Sets a roll-up row's health: its own, unless a part is worse.
fn settle(row: &mut Row, worst: Worst) {
    let (health, reason) = match worst.health {
        Some(h) if h > row.own.health => (h, worst.reason),
        _ => (row.own.health, row.own.reason.clone()),
    };
    row.health = health;
    row.reason = reason;
}

impl Fleet {
    pub(super) fn recompute_rollups(&mut self) {
        for rk in std::mem::take(&mut self.dirty_regions) {
            self.recompute_region(&rk);
        }
        for key in std::mem::take(&mut self.dirty_orgs) {
            self.recompute_org(key);
        }
    }

    fn recompute_region(&mut self, rk: &RegionKey) {
        let Some(&key) = self.region_rows.get(rk) else {
            return;
        };
        let mut parts = RegionParts::default();
        let mut worst = Worst::default();
        for part in self.by_region.get(rk).into_iter().flatten() {
            let Some(row) = self.get(*part) else { continue };
            let count = match row.kind() {
                Kind::Cluster => &mut parts.clusters,
                Kind::EcsService => &mut parts.ecs,
                Kind::DbInstance => &mut parts.rds,
                _ => continue,
            };
            count.add(row.health);
            worst.consider(row);
        }
        self.update_rollup(key, worst, |facts| match facts {
            Facts::Region(r) => r.parts = parts,
            _ => unreachable!("region_rows holds region rows"),
        });
    }

    fn recompute_org(&mut self, key: RowKey) {
        let Some(Row {
            facts: Facts::Organization(org),
            id,
            ..
        }) = self.get(key)
        else {
            return;
        };
        let context = id.scope.context().to_string();
        let mut parts = OrgParts::default();
        let mut worst = Worst::default();
        for ns in &org.namespaces {
            let members = self.by_namespace.get(&(context.clone(), ns.clone()));
            for part in members.into_iter().flatten() {
                let Some(row) = self.get(*part) else { continue };
                if let Some(count) = parts.count_mut(row.kind()) {
                    count.add(row.health);
                    worst.consider(row);
                }
            }
        }
        self.update_rollup(key, worst, |facts| match facts {
            Facts::Organization(o) => o.parts = parts,
            _ => unreachable!("checked above"),
        });
    }

    fn update_rollup(&mut self, key: RowKey, worst: Worst, set_parts: impl FnOnce(&mut Facts)) {
        let Some(row) = self.row_mut(key) else { return };
        let before = (row.facts.clone(), row.health, row.reason.clone());
        set_parts(&mut row.facts);
        settle(row, worst);
        let (kind, health) = (row.kind(), row.health);
        if (&row.facts, row.health, &row.reason) != (&before.0, before.1, &before.2) {
            if health != before.1 {
                let tally = self.tallies.entry(kind).or_default();
                tally.remove(before.1);
                tally.add(health);
            }
            self.changed(key);
        }
    }
}
