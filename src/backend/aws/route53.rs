//! Route53 into the region row's routing layer: the health checks and the failover, latency and
//! weighted records of the configured hosted zones that concern the region, with which record
//! Route53 is serving. Route53 is global, so each region's poller reads the same account-wide
//! lists and keeps what names its region (a latency record's region, or the region's name or short
//! code such as `sae1` in the set identifier, alias target, values or health-check target).

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_route53::Client;
use aws_sdk_route53::config::http::HttpResponse;
use aws_sdk_route53::error::SdkError;
use aws_sdk_route53::operation::list_resource_record_sets::ListResourceRecordSetsError;
use aws_sdk_route53::types::{ResourceRecordSet, ResourceRecordSetFailover, RrType};
use futures_util::future::join_all;
use jiff::Timestamp;

use super::Target;
use super::errors::{AwsFailure, classify};
use crate::model::kinds::region::{FailoverRecord, HealthCheck, Region, Reported};
use crate::model::{Facts, Kind, Row, RowId, Scope};

/// The Route53 client and the hosted zones (names or ids) whose records are read.
#[derive(Clone, Debug)]
pub struct Route53 {
    pub client: Client,
    pub zones: Arc<[String]>,
}

pub async fn poll(r53: Route53, t: Target, now: Timestamp) -> Result<Vec<Row>, AwsFailure> {
    let profile = t.profile.as_deref();
    // The checks and the records do not depend on each other: read them at the same time.
    let routed = async {
        let zones = zone_ids(&r53.client, &r53.zones, profile).await?;
        let sets = join_all(
            zones
                .iter()
                .map(|z| record_sets(&r53.client, &z.id, profile)),
        )
        .await;
        let mut records = Vec::new();
        for (zone, sets) in zones.iter().zip(sets) {
            records.extend(
                sets?
                    .iter()
                    .filter_map(|set| Routed::from_set(&zone.name, set)),
            );
        }
        Ok::<_, AwsFailure>(records)
    };
    let (checks, records) =
        futures_util::future::join(health_checks(&r53.client, profile), routed).await;
    let (checks, records) = (checks?, records?);
    let health: HashMap<&str, Option<bool>> =
        checks.iter().map(|c| (c.id.as_str(), c.healthy)).collect();
    let failover = serving(&records, &health, &checks, &t.region);
    // A check is the region's when a record of the region uses it or its target names the region.
    let mut used: Vec<&str> = records
        .iter()
        .filter(|r| r.names_region(&t.region, &checks))
        .filter_map(|r| r.health_check.as_deref())
        .collect();
    used.sort_unstable();
    let region_checks = checks
        .iter()
        .filter(|c| used.binary_search(&c.id.as_str()).is_ok() || mentions(&c.fqdn, &t.region))
        .cloned()
        .collect();
    let facts = Facts::Region(Region {
        health_checks: region_checks,
        failover,
        reported: Reported::ROUTING,
        ..Region::default()
    });
    let scope = Scope {
        account: Some(t.account.clone()),
        ..Scope::default()
    };
    Ok(vec![Row::new(
        RowId::new(Kind::Region, scope, t.region.clone()),
        t.source.clone(),
        facts,
        vec![],
        now,
    )])
}

/// Every health check of the account with its status, read concurrently.
async fn health_checks(
    client: &Client,
    profile: Option<&str>,
) -> Result<Vec<HealthCheck>, AwsFailure> {
    let mut listed = Vec::new();
    let mut pages = client.list_health_checks().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(&e, profile))?;
        for hc in page.health_checks() {
            let config = hc.health_check_config();
            let target = config
                .and_then(|c| c.fully_qualified_domain_name().or(c.ip_address()))
                .unwrap_or_default();
            let path = config.and_then(|c| c.resource_path()).unwrap_or_default();
            listed.push((hc.id().to_string(), format!("{target}{path}")));
        }
    }
    let statuses = join_all(listed.iter().map(|(id, _)| async move {
        client
            .get_health_check_status()
            .health_check_id(id)
            .send()
            .await
            .map_err(|e| classify(&e, profile))
            .map(|out| {
                healthy(
                    out.health_check_observations()
                        .iter()
                        .filter_map(|o| o.status_report().and_then(|s| s.status())),
                )
            })
    }))
    .await;
    listed
        .into_iter()
        .zip(statuses)
        .map(|((id, fqdn), healthy)| {
            Ok(HealthCheck {
                id,
                fqdn,
                healthy: healthy?,
            })
        })
        .collect()
}

/// Route53 calls an endpoint healthy when more than 18 % of its checkers report success; the
/// observations' statuses start with "Success" or "Failure".
pub fn healthy<'a>(statuses: impl Iterator<Item = &'a str>) -> Option<bool> {
    let (mut ok, mut all) = (0u32, 0u32);
    for s in statuses {
        all += 1;
        if s.starts_with("Success") {
            ok += 1;
        }
    }
    (all > 0).then(|| ok * 100 > all * 18)
}

struct Zone {
    id: String,
    name: String,
}

/// The configured zones (by name, with or without the final dot, or by id) that exist.
async fn zone_ids(
    client: &Client,
    wanted: &[String],
    profile: Option<&str>,
) -> Result<Vec<Zone>, AwsFailure> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut zones = Vec::new();
    let mut pages = client.list_hosted_zones().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(&e, profile))?;
        for z in page.hosted_zones() {
            let id = z.id().trim_start_matches("/hostedzone/");
            let name = z.name().trim_end_matches('.');
            if wanted.iter().any(|w| {
                w.trim_end_matches('.') == name || w.trim_start_matches("/hostedzone/") == id
            }) {
                zones.push(Zone {
                    id: id.to_string(),
                    name: name.to_string(),
                });
            }
        }
    }
    Ok(zones)
}

/// All record sets of a zone (ListResourceRecordSets pages by next name/type/identifier).
async fn record_sets(
    client: &Client,
    zone: &str,
    profile: Option<&str>,
) -> Result<Vec<ResourceRecordSet>, AwsFailure> {
    let mut sets = Vec::new();
    walk_record_sets(client, zone, None, |page| {
        sets.extend(page.iter().cloned());
        false
    })
    .await
    .map_err(|e| classify(&e, profile))?;
    Ok(sets)
}

/// The zone's record sets in Route53's order, from `start` (a name, else the zone's first),
/// page by page (`ListResourceRecordSets` pages by name, type and set identifier), each page
/// handed to `page_done` until it says it has seen enough. The poller and the runbooks' ports
/// walk zones with it; each says what an error means to it.
pub(crate) async fn walk_record_sets(
    client: &Client,
    zone: &str,
    start: Option<String>,
    mut page_done: impl FnMut(&[ResourceRecordSet]) -> bool,
) -> Result<(), SdkError<ListResourceRecordSetsError, HttpResponse>> {
    let mut next: Option<(String, RrType, Option<String>)> =
        start.map(|name| (name, RrType::A, None));
    loop {
        let mut req = client.list_resource_record_sets().hosted_zone_id(zone);
        if let Some((name, kind, id)) = next.take() {
            req = req
                .start_record_name(name)
                .start_record_type(kind)
                .set_start_record_identifier(id);
        }
        let page = req.send().await?;
        if page_done(page.resource_record_sets()) {
            return Ok(());
        }
        match (
            page.is_truncated(),
            page.next_record_name(),
            page.next_record_type(),
        ) {
            (true, Some(name), Some(kind)) => {
                next = Some((
                    name.to_string(),
                    kind.clone(),
                    page.next_record_identifier().map(str::to_string),
                ))
            }
            _ => return Ok(()),
        }
    }
}

/// A routed record: one of a set of records for the same name that Route53 chooses between.
#[derive(Debug)]
struct Routed {
    zone: String,
    name: String,
    policy: Policy,
    /// The latency record's region.
    region: Option<String>,
    health_check: Option<String>,
    /// Set identifier, alias target and values: where a region's name or code shows.
    text: String,
}

#[derive(Debug, PartialEq)]
enum Policy {
    Failover { primary: bool },
    Latency,
    Weighted(i64),
}

impl Routed {
    fn from_set(zone: &str, set: &ResourceRecordSet) -> Option<Routed> {
        let policy = match (set.failover(), set.region(), set.weight()) {
            (Some(f), _, _) => Policy::Failover {
                primary: *f == ResourceRecordSetFailover::Primary,
            },
            (None, Some(_), _) => Policy::Latency,
            (None, None, Some(w)) => Policy::Weighted(w),
            _ => return None,
        };
        let text = record_text(set);
        Some(Routed {
            zone: zone.to_string(),
            name: set.name().trim_end_matches('.').to_string(),
            policy,
            region: set.region().map(|r| r.as_str().to_string()),
            health_check: set.health_check_id().map(str::to_string),
            text,
        })
    }

    fn names_region(&self, region: &str, checks: &[HealthCheck]) -> bool {
        if let Some(r) = &self.region {
            return r == region;
        }
        mentions(&self.text, region)
            || self
                .health_check
                .as_ref()
                .and_then(|id| checks.iter().find(|c| &c.id == id))
                .is_some_and(|c| mentions(&c.fqdn, region))
    }

    /// Route53 answers with a record whose health check is not failing (or that has none).
    fn answerable(&self, health: &HashMap<&str, Option<bool>>) -> bool {
        self.health_check
            .as_deref()
            .and_then(|id| health.get(id).copied().flatten())
            != Some(false)
    }
}

/// The records of `region` with their role and whether Route53 serves them now: the primary of
/// a failover pair unless its check fails, then the secondary; latency and weighted records
/// while their check passes (and, weighted, their weight is above zero).
fn serving(
    records: &[Routed],
    health: &HashMap<&str, Option<bool>>,
    checks: &[HealthCheck],
    region: &str,
) -> Vec<FailoverRecord> {
    let mut out: Vec<FailoverRecord> = records
        .iter()
        .filter(|r| r.names_region(region, checks))
        .map(|r| {
            let (role, serving) = match r.policy {
                Policy::Failover { primary: true } => ("PRIMARY".to_string(), r.answerable(health)),
                Policy::Failover { primary: false } => {
                    let primary_up = records.iter().any(|p| {
                        p.name == r.name
                            && p.policy == Policy::Failover { primary: true }
                            && p.answerable(health)
                    });
                    ("SECONDARY".to_string(), !primary_up)
                }
                Policy::Latency => ("LATENCY".to_string(), r.answerable(health)),
                Policy::Weighted(w) => (format!("WEIGHT {w}"), w > 0 && r.answerable(health)),
            };
            FailoverRecord {
                zone: r.zone.clone(),
                record: r.name.clone(),
                role,
                serving,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.zone, &a.record).cmp(&(&b.zone, &b.record)));
    out
}

/// Where a record set names its region when it has no latency region: its set identifier,
/// alias target and values, space-separated.
pub(crate) fn record_text(set: &ResourceRecordSet) -> String {
    let mut text = set.set_identifier().unwrap_or_default().to_string();
    if let Some(a) = set.alias_target() {
        text.push(' ');
        text.push_str(a.dns_name());
    }
    for v in set.resource_records() {
        text.push(' ');
        text.push_str(v.value());
    }
    text
}

/// `us-east-1` → `use1`, `sa-east-1` → `sae1`: the codes platform teams put in names.
pub(crate) fn short_code(region: &str) -> Option<String> {
    let mut parts = region.split('-');
    let (geo, dir, n) = (parts.next()?, parts.next()?, parts.next()?);
    Some(format!("{geo}{}{n}", dir.get(..1)?))
}

/// Whether `text` names `region`, in full or by its short code as a whole word.
pub(crate) fn mentions(text: &str, region: &str) -> bool {
    if text.contains(region) {
        return true;
    }
    let Some(code) = short_code(region) else {
        return false;
    };
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| word.eq_ignore_ascii_case(&code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_route53::types::{AliasTarget, ResourceRecord, RrType};

    fn failover(
        role: ResourceRecordSetFailover,
        id: &str,
        target: &str,
        check: &str,
    ) -> ResourceRecordSet {
        ResourceRecordSet::builder()
            .name("api.helpdev.io.")
            .r#type(RrType::A)
            .set_identifier(id)
            .failover(role)
            .alias_target(
                AliasTarget::builder()
                    .hosted_zone_id("Z1")
                    .dns_name(target)
                    .evaluate_target_health(true)
                    .build()
                    .unwrap(),
            )
            .health_check_id(check)
            .build()
            .unwrap()
    }

    fn check(id: &str, fqdn: &str, healthy: Option<bool>) -> HealthCheck {
        HealthCheck {
            id: id.into(),
            fqdn: fqdn.into(),
            healthy,
        }
    }

    #[test]
    fn region_names_and_short_codes() {
        assert_eq!(short_code("sa-east-1").as_deref(), Some("sae1"));
        assert!(mentions("eks-prod-use1", "us-east-1"));
        assert!(mentions("k8s-abc.sa-east-1.elb.amazonaws.com", "sa-east-1"));
        assert!(!mentions("house1.example.com", "us-east-1"));
        assert!(!mentions("api.sae1.helpdev.io", "us-east-1"));
    }

    #[test]
    fn checker_majority_decides_health() {
        assert_eq!(healthy(std::iter::empty()), None);
        let fail = "Failure: Connection timed out.";
        let ok = "Success: HTTP Status Code 200, OK";
        assert_eq!(healthy([fail, fail, fail].into_iter()), Some(false));
        assert_eq!(healthy([ok, fail, fail, fail].into_iter()), Some(true));
        assert_eq!(
            healthy([ok, fail, fail, fail, fail, fail].into_iter()),
            Some(false)
        );
    }

    /// moto always reports health checks as passing, so the failover itself is tested here on
    /// real-shaped records.
    #[test]
    fn a_failing_primary_check_hands_serving_to_the_secondary() {
        let sets = [
            failover(
                ResourceRecordSetFailover::Primary,
                "use1",
                "k8s-a.us-east-1.elb.amazonaws.com.",
                "hc-1",
            ),
            failover(
                ResourceRecordSetFailover::Secondary,
                "sae1",
                "k8s-b.sa-east-1.elb.amazonaws.com.",
                "hc-2",
            ),
        ];
        let records: Vec<Routed> = sets
            .iter()
            .filter_map(|s| Routed::from_set("helpdev.io", s))
            .collect();
        for (primary_ok, primary_serves) in [(Some(true), true), (None, true), (Some(false), false)]
        {
            let checks = [
                check("hc-1", "api.use1.helpdev.io/health", primary_ok),
                check("hc-2", "api.sae1.helpdev.io/health", Some(true)),
            ];
            let health = checks.iter().map(|c| (c.id.as_str(), c.healthy)).collect();
            let use1 = serving(&records, &health, &checks, "us-east-1");
            let sae1 = serving(&records, &health, &checks, "sa-east-1");
            assert_eq!(use1.len(), 1);
            assert_eq!(use1[0].role, "PRIMARY");
            assert_eq!(use1[0].record, "api.helpdev.io");
            assert_eq!(use1[0].serving, primary_serves);
            assert_eq!(sae1[0].role, "SECONDARY");
            assert_eq!(sae1[0].serving, !primary_serves);
        }
    }

    #[test]
    fn latency_and_weighted_records() {
        let latency = ResourceRecordSet::builder()
            .name("app.helpdev.io.")
            .r#type(RrType::Cname)
            .set_identifier("app")
            .region(aws_sdk_route53::types::ResourceRecordSetRegion::SaEast1)
            .ttl(60)
            .resource_records(
                ResourceRecord::builder()
                    .value("lb.example.com")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let weighted = ResourceRecordSet::builder()
            .name("app.helpdev.io.")
            .r#type(RrType::Cname)
            .set_identifier("canary-use1")
            .weight(0)
            .ttl(60)
            .resource_records(
                ResourceRecord::builder()
                    .value("lb2.example.com")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let records: Vec<Routed> = [latency, weighted]
            .iter()
            .filter_map(|s| Routed::from_set("helpdev.io", s))
            .collect();
        let health = HashMap::new();
        let sae1 = serving(&records, &health, &[], "sa-east-1");
        assert_eq!((sae1[0].role.as_str(), sae1[0].serving), ("LATENCY", true));
        let use1 = serving(&records, &health, &[], "us-east-1");
        assert_eq!(
            (use1[0].role.as_str(), use1[0].serving),
            ("WEIGHT 0", false)
        );
    }
}
