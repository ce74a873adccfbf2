//! Roll-ups: a region is the worst of its own alarms and health checks and of its clusters, ECS
//! services and databases; an organization is the worst of its namespaces' Flux objects and
//! certificates. Which part of a roll-up a row counts in is its kind's spec's to say. Only the
//! roll-ups touched by a batch are recomputed.

use super::fleet::{Fleet, RegionKey, RowKey};
use crate::model::kinds::organization::OrgParts;
use crate::model::kinds::region::RegionParts;
use crate::model::{Facts, Health, KindScope, Row};

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
            // `by_region` holds regional rows only; those counted name their counter in their spec.
            let KindScope::Regional {
                region_part: Some(region_part),
            } = row.kind().spec().scope
            else {
                continue;
            };
            region_part(&mut parts).add(row.health);
            worst.consider(row);
        }
        self.update_rollup(key, worst, |facts| {
            let Facts::Region(r) = facts else {
                unreachable!("region_rows holds region rows")
            };
            r.parts = parts;
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
                if let KindScope::Namespaced {
                    org_part: Some(org_part),
                } = row.kind().spec().scope
                {
                    org_part(&mut parts).add(row.health);
                    worst.consider(row);
                }
            }
        }
        self.update_rollup(key, worst, |facts| {
            let Facts::Organization(o) = facts else {
                unreachable!("checked above")
            };
            o.parts = parts;
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
