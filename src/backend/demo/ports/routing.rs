//! Route53 failover and the regions' state on the demo world: the primary serves while healthy,
//! a change batch holds the old answer for a TTL, and the fleet's region rows follow.

use jiff::{SignedDuration, Timestamp};

use crate::backend::demo::seed::{self, FAILOVER_RECORD, FAILOVER_ZONE};
use crate::backend::demo::world::{DemoWorld, Record, State};
use crate::model::kinds::region::{Region, Reported};
use crate::model::{Facts, Kind, Row, RowId, Scope};
use crate::runbook::ports::{
    OpsError, OpsFuture, RegionState, RoutedChoice, RoutedName, RoutedRecord, RoutingOps,
    mark_serving,
};
use crate::store::Update;

/// How long Route53 answers the old way after a change (seconds on the demo clock).
const DNS_TTL_S: i64 = 60;

/// The records of `record` in `zone` (the seed's failover pair, or none).
fn pair<'w>(w: &'w State, zone: &str, record: &str) -> &'w [Record] {
    // As Route53 reads names: any case, the root's dot or not.
    let same = |a: &str, b: &str| a.trim_end_matches('.').eq_ignore_ascii_case(b);
    if same(zone, FAILOVER_ZONE) && same(record, FAILOVER_RECORD) {
        w.records.as_slice()
    } else {
        &[]
    }
}

/// The pair's records as Route53 has them, the one it serves marked as if no change were
/// pending.
fn routed(w: &State, zone: &str, record: &str) -> Vec<RoutedRecord> {
    let mut out: Vec<RoutedRecord> = pair(w, zone, record)
        .iter()
        .map(|r| RoutedRecord {
            set_identifier: r.seed.set_identifier.into(),
            region: r.seed.region.into(),
            role: RoutedRecord::role_of(r.primary).into(),
            health_check: Some(r.seed.health_check()),
            healthy: Some(r.healthy),
            serving: false,
        })
        .collect();
    mark_serving(&mut out);
    out
}

/// The region Route53 answers with now: the old answer for a TTL after a change, else the
/// record `mark_serving` picks.
fn serving(w: &State, zone: &str, record: &str, now: Timestamp) -> Option<String> {
    match (w.shifted_at, w.served_before.get(record)) {
        (Some(at), Some(before)) if now < at + SignedDuration::from_secs(DNS_TTL_S) => {
            Some(before.clone())
        }
        _ => routed(w, zone, record)
            .into_iter()
            .find(|r| r.serving)
            .map(|r| r.region),
    }
}

/// The region rows' routing layer as Route53 reports it now.
fn routing_rows(w: &State, now: Timestamp) -> Vec<Update> {
    w.records
        .iter()
        .map(|rec| {
            let f = rec.seed;
            let serving =
                serving(w, FAILOVER_ZONE, FAILOVER_RECORD, now).as_deref() == Some(f.region);
            let facts = Facts::Region(Region {
                reported: Reported::ROUTING,
                ..f.routing(rec.primary, rec.healthy, serving)
            });
            let scope = Scope {
                account: Some(f.account.into()),
                ..Scope::default()
            };
            Update::upsert(Row::new(
                RowId::new(Kind::Region, scope, f.region),
                seed::aws_source(f.account, f.region).into(),
                facts,
                vec![],
                now,
            ))
        })
        .collect()
}

impl RoutingOps for DemoWorld {
    fn routed_records<'a>(&'a self, name: RoutedName<'a>) -> OpsFuture<'a, Vec<RoutedRecord>> {
        let RoutedName { zone, record } = name;
        Box::pin(async move {
            let now = self.now();
            let (records, rows) = {
                let mut w = self.state.lock().unwrap();
                let serving = serving(&w, zone, record, now);
                let roles: String = w
                    .records
                    .iter()
                    .map(|r| format!("{}{}", r.seed.region, r.primary))
                    .collect();
                let key = format!("{record}:{serving:?}:{roles}");
                let rows = if w.last_routing != key {
                    w.last_routing = key;
                    routing_rows(&w, now)
                } else {
                    vec![]
                };
                let mut records = routed(&w, zone, record);
                for r in &mut records {
                    r.serving = serving.as_deref() == Some(r.region.as_str());
                }
                (records, rows)
            };
            if records.is_empty() {
                return Err(OpsError::NotFound(format!("{record} in zone {zone}")));
            }
            self.send(rows).await;
            Ok(records)
        })
    }

    fn hosted_zones(&self) -> OpsFuture<'_, Vec<String>> {
        Box::pin(async { Ok(vec![FAILOVER_ZONE.to_string()]) })
    }

    fn routed_names<'a>(&'a self, zone: &'a str) -> OpsFuture<'a, Vec<RoutedChoice>> {
        Box::pin(async move {
            if !zone
                .trim_end_matches('.')
                .eq_ignore_ascii_case(FAILOVER_ZONE)
            {
                return Err(OpsError::NotFound(format!("hosted zone {zone}")));
            }
            let name = RoutedName {
                zone: FAILOVER_ZONE,
                record: FAILOVER_RECORD,
            };
            Ok(vec![RoutedChoice {
                zone: FAILOVER_ZONE.into(),
                name: FAILOVER_RECORD.into(),
                records: self.routed_records(name).await?,
            }])
        })
    }

    fn shift_failover<'a>(&'a self, name: RoutedName<'a>, to: &'a str) -> OpsFuture<'a, ()> {
        let RoutedName { zone, record } = name;
        Box::pin(async move {
            let now = self.now();
            let rows = {
                let mut w = self.state.lock().unwrap();
                Self::created(&mut w, format!("change batch {record} to {to}"))?;
                let before = serving(&w, zone, record, now).unwrap_or_default();
                w.served_before.insert(record.into(), before);
                if !pair(&w, zone, record).is_empty() {
                    for r in &mut w.records {
                        r.primary = r.seed.region == to;
                    }
                }
                w.shifted_at = Some(now);
                routing_rows(&w, now)
            };
            self.send(rows).await;
            Ok(())
        })
    }

    fn region_state<'a>(&'a self, region: &'a str) -> OpsFuture<'a, RegionState> {
        Box::pin(async move {
            let w = self.state.lock().unwrap();
            let mut s = w
                .regions
                .get(region)
                .cloned()
                .ok_or_else(|| OpsError::NotFound(format!("region {region}")))?;
            s.failing_checks = w
                .records
                .iter()
                .filter(|r| r.seed.region == region && !r.healthy)
                .map(|r| r.seed.health_check())
                .collect();
            Ok(s)
        })
    }
}
