//! Route53 failover records (which region serves, moving it) and the state of a region a
//! failover decides on: its firing CloudWatch alarms, EKS clusters, RDS instances and failing
//! health checks.

use aws_sdk_route53::Client as Route53;
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ResourceRecordSet, ResourceRecordSetFailover,
};

use super::AwsPorts;
use crate::backend::aws::route53::{healthy, mentions, record_text, walk_record_sets};
use std::collections::BTreeMap;

use crate::runbook::ports::{
    OFFERED, OpsError, OpsFuture, RegionState, RoutedChoice, RoutedName, RoutedRecord, RoutingOps,
    mark_serving,
};

/// `us-east-1` from text naming it in full, or from a short code such as `use1` or `sae1`.
fn region_in(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .collect();
    // `us-east-1` alone or inside a longer name (`api-us-east-1`, `k8s-ingress-us-east-1a`).
    for w in &words {
        let parts: Vec<&str> = w.split('-').collect();
        for at in parts.windows(3) {
            if at[0].len() == 2
                && at[0].chars().all(|c| c.is_ascii_lowercase())
                && at[1].len() > 2
                && at[1].chars().all(|c| c.is_ascii_lowercase())
                && !at[2].is_empty()
                && at[2].chars().all(|c| c.is_ascii_digit())
            {
                return Some(at.join("-"));
            }
        }
    }
    const DIRS: &[(&str, &str)] = &[
        ("ne", "northeast"),
        ("nw", "northwest"),
        ("se", "southeast"),
        ("sw", "southwest"),
        ("e", "east"),
        ("w", "west"),
        ("n", "north"),
        ("s", "south"),
        ("c", "central"),
    ];
    for w in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let w = w.to_ascii_lowercase();
        if w.len() < 4 || !w.ends_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let (letters, digits) = w.split_at(w.find(|c: char| c.is_ascii_digit()).unwrap_or(w.len()));
        if letters.len() < 3 || !digits.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let (geo, dir) = letters.split_at(2);
        if let Some((_, full)) = DIRS.iter().find(|(code, _)| *code == dir) {
            return Some(format!("{geo}-{full}-{digits}"));
        }
    }
    None
}

/// A record set as a runbook reads it; `healthy` is its health check's answer, when read.
fn record_of(s: &ResourceRecordSet, healthy: Option<bool>) -> RoutedRecord {
    RoutedRecord {
        set_identifier: s.set_identifier().unwrap_or_default().to_string(),
        region: set_region(s).unwrap_or_default(),
        role: s
            .failover()
            .map(|f| f.as_str().to_string())
            .unwrap_or_default(),
        health_check: s.health_check_id().map(str::to_string),
        healthy,
        serving: false,
    }
}

/// The region a record set serves from: its latency region, else the one its target names.
fn set_region(set: &ResourceRecordSet) -> Option<String> {
    set.region()
        .map(|r| r.as_str().to_string())
        .or_else(|| region_in(&record_text(set)))
}

impl AwsPorts {
    async fn zone_id(&self, zone: &str) -> Result<String, OpsError> {
        let name = zone.trim_end_matches('.');
        if let Some(id) = self.zones.lock().unwrap().get(name) {
            return Ok(id.clone());
        }
        let client = self.client(Route53::new).await;
        let mut pages = client.list_hosted_zones().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.fail(e))?;
            if let Some(z) = page
                .hosted_zones()
                .iter()
                .find(|z| z.name().trim_end_matches('.') == name)
            {
                let id = z.id().trim_start_matches("/hostedzone/").to_string();
                self.zones.lock().unwrap().insert(name.into(), id.clone());
                return Ok(id);
            }
        }
        Err(OpsError::NotFound(format!("hosted zone {zone}")))
    }

    /// `route53::walk_record_sets` through these ports' client.
    async fn walk_sets(
        &self,
        id: &str,
        start: Option<String>,
        page_done: impl FnMut(&[ResourceRecordSet]) -> bool,
    ) -> Result<(), OpsError> {
        let client = self.client(Route53::new).await;
        walk_record_sets(&client, id, start, page_done)
            .await
            .map_err(|e| self.fail(e))
    }

    /// The failover record sets of `record`.
    async fn failover_sets(
        &self,
        zone: &str,
        record: &str,
    ) -> Result<(String, Vec<ResourceRecordSet>), OpsError> {
        let id = self.zone_id(zone).await?;
        let name = record.trim_end_matches('.');
        let mut sets = Vec::new();
        self.walk_sets(&id, Some(format!("{name}.")), |page| {
            for s in page {
                if s.name().trim_end_matches('.') != name {
                    return true;
                }
                if s.failover().is_some() {
                    sets.push(s.clone());
                }
            }
            false
        })
        .await?;
        Ok((id, sets))
    }

    /// A failover pair's records, with their health checks' answers and which one serves.
    async fn records_of(&self, sets: &[ResourceRecordSet]) -> Result<Vec<RoutedRecord>, OpsError> {
        let mut out = Vec::new();
        for s in sets {
            let healthy = match s.health_check_id() {
                Some(id) => self.check_health(id).await?,
                None => None,
            };
            out.push(record_of(s, healthy));
        }
        mark_serving(&mut out);
        Ok(out)
    }

    /// The zone's id and name, from either: `[aws] hosted_zones` may name zones by id.
    async fn zone_named(&self, zone: &str) -> Result<(String, String), OpsError> {
        let id = zone.trim_start_matches("/hostedzone/");
        if zone.contains('.') {
            return Ok((self.zone_id(zone).await?, zone.trim_end_matches('.').into()));
        }
        let call = self.client(Route53::new).await.get_hosted_zone().id(id);
        let out = self.sent(call.send()).await?;
        let name = out
            .hosted_zone()
            .map(|z| z.name().trim_end_matches('.').to_string())
            .ok_or_else(|| OpsError::NotFound(format!("hosted zone {zone}")))?;
        Ok((id.to_string(), name))
    }

    /// Every failover record set of the zone, by name, in the zone's order.
    async fn zone_failover_sets(
        &self,
        id: &str,
    ) -> Result<BTreeMap<String, Vec<ResourceRecordSet>>, OpsError> {
        let mut by_name: BTreeMap<String, Vec<ResourceRecordSet>> = BTreeMap::new();
        self.walk_sets(id, None, |page| {
            for s in page.iter().filter(|s| s.failover().is_some()) {
                let name = s.name().trim_end_matches('.').to_string();
                by_name.entry(name).or_default().push(s.clone());
            }
            by_name.len() >= OFFERED
        })
        .await?;
        Ok(by_name)
    }

    async fn check_health(&self, id: &str) -> Result<Option<bool>, OpsError> {
        let call = self
            .client(Route53::new)
            .await
            .get_health_check_status()
            .health_check_id(id);
        let out = self.sent(call.send()).await?;
        Ok(healthy(out.health_check_observations().iter().filter_map(
            |o| o.status_report().and_then(|s| s.status()),
        )))
    }
}

impl RoutingOps for AwsPorts {
    fn routed_records<'a>(&'a self, name: RoutedName<'a>) -> OpsFuture<'a, Vec<RoutedRecord>> {
        let RoutedName { zone, record } = name;
        Box::pin(async move {
            let (_, sets) = self.failover_sets(zone, record).await?;
            if sets.is_empty() {
                return Err(OpsError::NotFound(format!(
                    "failover records of {record} in {zone}"
                )));
            }
            self.records_of(&sets).await
        })
    }

    fn shift_failover<'a>(&'a self, name: RoutedName<'a>, to: &'a str) -> OpsFuture<'a, ()> {
        let RoutedName { zone, record } = name;
        Box::pin(async move {
            let (id, sets) = self.failover_sets(zone, record).await?;
            let mut changes = Vec::new();
            for s in sets {
                let role = if set_region(&s).as_deref() == Some(to) {
                    ResourceRecordSetFailover::Primary
                } else {
                    ResourceRecordSetFailover::Secondary
                };
                if s.failover() == Some(&role) {
                    continue;
                }
                let mut next = s.clone();
                next.failover = Some(role);
                changes.push(
                    Change::builder()
                        .action(ChangeAction::Upsert)
                        .resource_record_set(next)
                        .build()
                        .map_err(|e| OpsError::Failed(e.to_string()))?,
                );
            }
            if changes.is_empty() {
                return Ok(());
            }
            let batch = ChangeBatch::builder()
                .comment(format!("opsdeck failover of {record} to {to}"))
                .set_changes(Some(changes))
                .build()
                .map_err(|e| OpsError::Failed(e.to_string()))?;
            let call = self
                .client(Route53::new)
                .await
                .change_resource_record_sets()
                .hosted_zone_id(id)
                .change_batch(batch);
            self.sent(call.send()).await?;
            Ok(())
        })
    }

    fn hosted_zones(&self) -> OpsFuture<'_, Vec<String>> {
        Box::pin(async move {
            let client = self.client(Route53::new).await;
            let mut pages = client.list_hosted_zones().into_paginator().send();
            let mut names = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| self.fail(e))?;
                for z in page.hosted_zones() {
                    let name = z.name().trim_end_matches('.').to_string();
                    let id = z.id().trim_start_matches("/hostedzone/").to_string();
                    self.zones.lock().unwrap().insert(name.clone(), id);
                    names.push(name);
                }
                if names.len() > OFFERED {
                    break;
                }
            }
            // One more than offered tells the reader the list was cut.
            names.truncate(OFFERED + 1);
            Ok(names)
        })
    }

    fn routed_names<'a>(&'a self, zone: &'a str) -> OpsFuture<'a, Vec<RoutedChoice>> {
        Box::pin(async move {
            let (id, zone_name) = self.zone_named(zone).await?;
            // The list only: health checks are read for the name picked (`routed_records`),
            // not one call per record of the zone.
            let choices = self
                .zone_failover_sets(&id)
                .await?
                .into_iter()
                .map(|(name, sets)| RoutedChoice {
                    zone: zone_name.clone(),
                    records: sets.iter().map(|s| record_of(s, None)).collect(),
                    name,
                })
                .collect();
            Ok(choices)
        })
    }

    fn region_state<'a>(&'a self, region: &'a str) -> OpsFuture<'a, RegionState> {
        Box::pin(async move {
            let conf = self.config(region).await;
            let mut state = RegionState::default();
            let cw = aws_sdk_cloudwatch::Client::new(&conf);
            let firing = cw
                .describe_alarms()
                .state_value(aws_sdk_cloudwatch::types::StateValue::Alarm);
            let alarms = self.sent(firing.send()).await?;
            state.firing_alarms = alarms
                .metric_alarms()
                .iter()
                .filter_map(|a| a.alarm_name().map(str::to_string))
                .collect();
            let eks = aws_sdk_eks::Client::new(&conf);
            let names = self.sent(eks.list_clusters().send()).await?;
            for name in names.clusters() {
                let c = self.sent(eks.describe_cluster().name(name).send()).await?;
                let status = c
                    .cluster()
                    .and_then(|c| c.status())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default();
                state.clusters.push((name.clone(), status));
            }
            let rds = aws_sdk_rds::Client::new(&conf);
            let dbs = self.sent(rds.describe_db_instances().send()).await?;
            for d in dbs.db_instances() {
                state.databases.push((
                    d.db_instance_identifier().unwrap_or_default().to_string(),
                    d.db_instance_status().unwrap_or_default().to_string(),
                ));
            }
            // The region's failing health checks: those its checks' targets name.
            let route53 = self.client(Route53::new).await;
            let checks = self.sent(route53.list_health_checks().send()).await?;
            for hc in checks.health_checks() {
                let target = hc
                    .health_check_config()
                    .and_then(|c| c.fully_qualified_domain_name())
                    .unwrap_or_default();
                if mentions(target, region) && self.check_health(hc.id()).await? == Some(false) {
                    state.failing_checks.push(hc.id().to_string());
                }
            }
            Ok(state)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_from_names_and_short_codes() {
        assert_eq!(
            region_in("k8s-ingress-use1.us-east-1.elb.amazonaws.com").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(region_in("sae1").as_deref(), Some("sa-east-1"));
        assert_eq!(region_in("api-apse1").as_deref(), Some("ap-southeast-1"));
        assert_eq!(region_in("primary"), None);
        // Inside a longer set identifier, as teams name them.
        assert_eq!(region_in("api-us-east-1").as_deref(), Some("us-east-1"));
        assert_eq!(
            region_in("prod-eu-central-1-blue").as_deref(),
            Some("eu-central-1")
        );
        assert_eq!(region_in("blue-green-2"), None);
    }
}
