//! failover (seed 003): move a routed name from a failing primary region to the secondary.
//! Assess the primary (alarms, health checks, clusters), require the secondary to be ready
//! (clusters ACTIVE with Flux Ready, databases available, no CloudWatch alarm firing, its health
//! checks passing) unless a typed reason overrides, shift the Route53 failover records in one
//! change batch, and verify what Route53 serves, against the 5-minute RTO. A failback is the
//! same with the regions swapped.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

use serde_json::Value;

use super::from_world::{FromWorld, WorldHints, fill};
use super::inputs::{self, InputShape, InputSpec, Problems};
use super::ports::{OFFERED, Ports, RoutedChoice, RoutedName};
use super::render::secs;
use super::step::Step;
use super::{Preflight, Procedure, RunState, RunbookSpec, StepFuture, StepSpec, Verdict};

/// The recovery time objective of seed 003.
pub const RTO: Duration = Duration::from_secs(300);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Failover {
    pub zone: String,
    pub record: String,
    pub from: String,
    pub to: String,
}

/// One line per field of `Failover`: its CLI flag, form field and journal key. The form starts
/// from what the world tells (`read_from_world`).
const INPUTS: &[InputSpec] = &[
    InputSpec {
        key: "zone",
        flag: "zone",
        label: "hosted zone",
        help: "The Route53 hosted zone (e.g. helpdev.io)",
        default: None,
        shape: InputShape::Text,
    },
    InputSpec {
        key: "record",
        flag: "record",
        label: "record",
        help: "The failover record (e.g. api.helpdev.io)",
        default: None,
        shape: InputShape::Text,
    },
    InputSpec {
        key: "from",
        flag: "from",
        label: "from region",
        help: "The region serving now (e.g. us-east-1)",
        default: None,
        shape: InputShape::Text,
    },
    InputSpec {
        key: "to",
        flag: "to",
        label: "to region",
        help: "The region to serve from (e.g. sa-east-1); typed to confirm",
        default: None,
        shape: InputShape::Text,
    },
];

/// The routed names of the configured hosted zones (else of every zone the account has), for
/// the inputs not given: the zone and record when there is one routed name (or the given
/// record's zone), then, read with its health checks, the region Route53 serves it from now as
/// `from` and the pair's other region as `to`. Several names are listed, not picked; a zone that
/// could not be read, or a list cut at `OFFERED`, picks nothing; a given `from` that Route53
/// does not serve from is said, never turned into a failover the other way.
fn read_from_world<'a>(
    ports: &'a Ports,
    hints: &'a WorldHints,
    inputs: &'a mut Value,
) -> BoxFuture<'a, Result<Vec<String>, String>> {
    Box::pin(async move {
        let mut said = Vec::new();
        // Route53 names are case-insensitive and may end with the root's dot.
        let given = |inputs: &Value, key: &str| {
            inputs[key]
                .as_str()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| v.trim_end_matches('.').to_ascii_lowercase())
        };
        let record = given(inputs, "record");
        let mut zones = if let Some(zone) = given(inputs, "zone") {
            vec![zone]
        } else if !hints.hosted_zones.is_empty() {
            hints.hosted_zones.clone()
        } else {
            match ports.routing.hosted_zones().await {
                Ok(zones) if zones.len() > OFFERED => {
                    said.push(format!(
                        "more than {OFFERED} hosted zones: none is picked; give --zone"
                    ));
                    return Ok(said);
                }
                Ok(zones) => zones,
                Err(e) => {
                    said.push(format!("the hosted zones could not be listed: {e}"));
                    return Ok(said);
                }
            }
        };
        // A given record is read only in the zones it can belong to.
        if let Some(r) = &record {
            let within = |z: &String| {
                let z = z.trim_end_matches('.').to_ascii_lowercase();
                r == &z || r.ends_with(&format!(".{z}"))
            };
            if zones.iter().any(within) {
                zones.retain(within);
            }
        }
        let mut routed: Vec<RoutedChoice> = Vec::new();
        let mut unread = false;
        for zone in &zones {
            match ports.routing.routed_names(zone).await {
                Ok(names) => routed.extend(names),
                Err(e) => {
                    unread = true;
                    said.push(format!("the routed names of {zone} could not be read: {e}"));
                }
            }
        }
        let names = |routed: &[RoutedChoice]| -> String {
            let mut listed: Vec<String> = routed.iter().take(10).map(describe).collect();
            if routed.len() > 10 {
                listed.push(format!("{} more", routed.len() - 10));
            }
            listed.join("; ")
        };
        let all = routed.clone();
        if let Some(r) = &record {
            routed.retain(|c| c.name.trim_end_matches('.').eq_ignore_ascii_case(r));
            if routed.is_empty() {
                said.push(format!(
                    "{r} has no failover records in {}{}",
                    zones.join(", "),
                    if all.is_empty() {
                        String::new()
                    } else {
                        format!("; routed names there: {}", names(&all))
                    }
                ));
                return Ok(said);
            }
        }
        if unread {
            said.push("a zone could not be read: nothing is picked".into());
            return Ok(said);
        }
        let one = match routed.as_slice() {
            [] => {
                said.push(format!("no failover records in {}", zones.join(", ")));
                return Ok(said);
            }
            [one] => one.clone(),
            many => {
                said.push(format!("routed names: {}", names(many)));
                return Ok(said);
            }
        };
        let why = if record.is_some() {
            "the zone the record is in (route53:ListResourceRecordSets)"
        } else {
            "the only routed name (route53:ListResourceRecordSets)"
        };
        // Given in another case or with the root's dot: written as Route53 names them.
        for (key, name) in [("zone", &one.zone), ("record", &one.name)] {
            if let Some(given) = inputs[key].as_str().map(str::to_string)
                && !given.trim().is_empty()
                && given != *name
            {
                inputs[key] = name.as_str().into();
                said.push(format!("{key} {name}: as Route53 names it (given {given})"));
            }
        }
        fill(inputs, &mut said, "zone", &one.zone, why);
        fill(inputs, &mut said, "record", &one.name, why);
        // Which region serves it now takes its health checks: read for this name only.
        let name = RoutedName {
            zone: &one.zone,
            record: &one.name,
        };
        let records = match ports.routing.routed_records(name).await {
            Ok(r) => r,
            Err(e) => {
                said.push(format!("{} could not be read: {e}", one.name));
                return Ok(said);
            }
        };
        let regions: Vec<&str> = records
            .iter()
            .map(|r| r.region.as_str())
            .filter(|r| !r.is_empty())
            .collect();
        let serving = records
            .iter()
            .find(|r| r.serving)
            .map(|r| r.region.clone())
            .filter(|r| !r.is_empty());
        let from = match (given(inputs, "from"), serving) {
            (Some(from), _) if !regions.contains(&from.as_str()) => {
                said.push(format!(
                    "{from} is not one of {}'s regions ({})",
                    one.name,
                    regions.join(", ")
                ));
                return Ok(said);
            }
            (Some(from), Some(serving)) if from != serving => {
                said.push(format!(
                    "Route53 serves {} from {serving}, not {from}: a failover moves it away from the region serving it",
                    one.name
                ));
                return Ok(said);
            }
            (Some(from), _) => from,
            (None, Some(serving)) => {
                fill(
                    inputs,
                    &mut said,
                    "from",
                    &serving,
                    "the region Route53 serves it from now",
                );
                serving
            }
            (None, None) => {
                said.push(format!(
                    "the region serving {} could not be told from its records' set identifiers or targets; give --from",
                    one.name
                ));
                return Ok(said);
            }
        };
        if let [other] = regions
            .iter()
            .filter(|r| **r != from)
            .collect::<Vec<_>>()
            .as_slice()
        {
            fill(inputs, &mut said, "to", other, "the pair's other region");
        }
        Ok(said)
    })
}

/// "api.example.io in example.io: us-east-1 PRIMARY, sa-east-1 SECONDARY".
fn describe(c: &RoutedChoice) -> String {
    let records: Vec<String> = c
        .records
        .iter()
        .map(|r| {
            let region = if r.region.is_empty() { "?" } else { &r.region };
            format!("{region} {}", r.role)
        })
        .collect();
    format!("{} in {}: {}", c.name, c.zone, records.join(", "))
}

impl Failover {
    /// The routed name this failover moves.
    fn routed(&self) -> RoutedName<'_> {
        RoutedName {
            zone: &self.zone,
            record: &self.record,
        }
    }

    /// Validates the inputs: one message per problem.
    pub fn new(f: Failover) -> Result<Failover, Vec<String>> {
        inputs::checked(f).map_err(inputs::messages)
    }

    /// The same failover the other way round.
    pub fn failback(&self) -> Failover {
        Failover {
            from: self.to.clone(),
            to: self.from.clone(),
            ..self.clone()
        }
    }

    /// Whether Route53 has the record's failover pointing at the target region.
    async fn shifted(&self, ports: &Ports) -> Result<bool, super::OpsError> {
        Ok(ports
            .routing
            .routed_records(self.routed())
            .await?
            .iter()
            .any(|r| r.region == self.to && r.role == "PRIMARY"))
    }
}

impl Procedure for Failover {
    const SPEC: RunbookSpec = RunbookSpec {
        name: "failover",
        about: "Fail a routed name over from its primary region to the secondary (seed 003); a failback is the same with the regions swapped",
        inputs: INPUTS,
        build: inputs::build::<Failover>,
        from_world: Some(FromWorld {
            keys: &["zone", "record", "from", "to"],
            read: read_from_world,
        }),
    };

    const STEPS: &'static [&'static dyn Step<Failover>] =
        &[&SecondaryReady, &ShiftRecords, &Serving];

    fn validate(&self, p: &mut Problems) {
        p.input("zone").domain("hosted zone", &self.zone);
        p.input("record").domain("record", &self.record);
        if !self
            .record
            .trim_end_matches('.')
            .ends_with(self.zone.trim_end_matches('.'))
        {
            p.push(format!(
                "record {} is not in zone {}",
                self.record, self.zone
            ));
        }
        p.input("from").aws_region("from-region", &self.from);
        p.input("to").aws_region("to-region", &self.to);
        if self.from == self.to {
            p.push(format!("from-region and to-region are both {}", self.from));
        }
    }

    fn target(&self) -> String {
        self.to.clone()
    }

    fn preflight<'a>(&'a self, ports: &'a Ports) -> BoxFuture<'a, Preflight> {
        Box::pin(async move {
            let mut pre = Preflight::default();
            let records = match ports.routing.routed_records(self.routed()).await {
                Ok(r) => r,
                Err(e) => {
                    pre.problems
                        .push(format!("Route53 {} in {}: {e}", self.record, self.zone));
                    return pre;
                }
            };
            for region in [&self.from, &self.to] {
                if !records.iter().any(|r| &r.region == region) {
                    pre.problems.push(format!(
                        "{} has no failover record for {region}",
                        self.record
                    ));
                }
            }
            if records
                .iter()
                .any(|r| r.region == self.to && r.role == "PRIMARY")
            {
                pre.findings.push(format!(
                    "{} is already PRIMARY: the record steps will be skipped",
                    self.to
                ));
            }
            match ports.routing.region_state(&self.from).await {
                Ok(s) => {
                    let mut why = Vec::new();
                    why.extend(s.firing_alarms.iter().map(|a| format!("alarm {a} firing")));
                    why.extend(
                        s.failing_checks
                            .iter()
                            .map(|c| format!("health check {c} failing")),
                    );
                    why.extend(
                        s.clusters
                            .iter()
                            .filter(|(_, st)| st != "ACTIVE")
                            .map(|(c, st)| format!("cluster {c} {st}")),
                    );
                    if why.is_empty() {
                        pre.findings.push(format!(
                            "the primary {} looks healthy: this is a drill, not a recovery",
                            self.from
                        ));
                    } else {
                        pre.findings.push(format!(
                            "why fail over from {}: {}",
                            self.from,
                            why.join("; ")
                        ));
                    }
                }
                Err(e) => pre.findings.push(format!(
                    "the primary {} cannot be assessed ({e}): failing over blind",
                    self.from
                )),
            }
            for problem in secondary_problems(self, ports).await {
                pre.overridable.push(problem);
            }
            pre
        })
    }

    fn follow_ups(&self) -> Vec<String> {
        vec![
            format!(
                "RTO: the seed's objective is {} minutes; the summary's total is the time to recovery",
                RTO.as_secs() / 60
            ),
            format!(
                "fail back once {} is healthy again: opsdeck runbook failover --zone {} --record {} --from {} --to {}",
                self.from, self.zone, self.record, self.to, self.from
            ),
        ]
    }
}

/// The secondary can take the traffic (the preflight let it through with a typed reason
/// otherwise: then a warning).
struct SecondaryReady;

impl Step<Failover> for SecondaryReady {
    fn spec(&self, f: &Failover) -> StepSpec {
        let to = &f.to;
        StepSpec::new(
            "secondary-ready",
            format!("{to} is ready to serve"),
            "clusters ACTIVE with Flux Ready, databases available, health check passing",
            to.clone(),
        )
        .cli(format!(
            "aws eks list-clusters --region {to}; flux get ks -A; aws rds describe-db-instances --region {to}"
        ))
        .no_changes()
    }

    fn verify<'a>(
        &'a self,
        f: &'a Failover,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        Box::pin(async move {
            let problems = secondary_problems(f, ports).await;
            Ok(if problems.is_empty() {
                Verdict::Done
            } else {
                // The preflight let it through with a typed reason.
                Verdict::Warn(format!("going ahead although: {}", problems.join("; ")))
            })
        })
    }
}

/// The Route53 failover records swapped in one change batch.
struct ShiftRecords;

impl Step<Failover> for ShiftRecords {
    fn spec(&self, f: &Failover) -> StepSpec {
        let (zone, to) = (&f.zone, &f.to);
        StepSpec::new(
            "shift-records",
            format!("Route53 records of {} to {to}", f.record),
            format!("{to} becomes PRIMARY and {} SECONDARY, in one change batch", f.from),
            format!("zone {zone}"),
        )
        .cli(format!(
            "aws route53 change-resource-record-sets --hosted-zone-id <{zone}> --change-batch file://failover-{to}.json"
        ))
    }

    fn check<'a>(
        &'a self,
        f: &'a Failover,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(f.shifted(ports))
    }

    fn apply<'a>(
        &'a self,
        f: &'a Failover,
        ports: &'a Ports,
        state: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            ports.routing.shift_failover(f.routed(), &f.to).await?;
            // The RTO clock runs from the change.
            state.insert("shifted_at".into(), ports.clock.now().to_string());
            Ok(())
        })
    }

    fn not_done(&self, f: &Failover) -> String {
        format!("{} is not PRIMARY after the change batch", f.to)
    }
}

/// Route53 answers with the new region, timed against the RTO.
struct Serving;

impl Step<Failover> for Serving {
    fn spec(&self, f: &Failover) -> StepSpec {
        let (record, zone, to) = (&f.record, &f.zone, &f.to);
        StepSpec::new(
            "serving",
            format!("Route53 serves {to}"),
            format!(
                "{record} answers with {to}'s record and its health check passes (TTL, propagation)"
            ),
            record.clone(),
        )
        .cli(format!(
            "aws route53 test-dns-answer --hosted-zone-id <{zone}> --record-name {record} --record-type A"
        ))
        .takes(90)
        .no_changes()
    }

    fn verify<'a>(
        &'a self,
        f: &'a Failover,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        Box::pin(async move {
            let records = ports.routing.routed_records(f.routed()).await?;
            let to = records.iter().find(|r| r.region == f.to);
            // Time since the change against the RTO: the gauge is the RTO used up.
            let since = state
                .get("shifted_at")
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|t| ports.clock.now().duration_since(t).unsigned_abs());
            let rto_used = since.map(|s| s.as_secs_f64() / RTO.as_secs_f64());
            let clock = since
                .map(|s| format!(" — {} since the change, RTO {}", secs(s), secs(RTO)))
                .unwrap_or_default();
            Ok(match to {
                Some(r) if r.serving && r.healthy != Some(false) => match since {
                    Some(s) if s > RTO => Verdict::Warn(format!(
                        "{} serves {} after the change, past the {}-minute RTO",
                        f.to,
                        secs(s),
                        RTO.as_secs() / 60
                    )),
                    _ => Verdict::Done,
                },
                Some(r) if r.healthy == Some(false) => Verdict::Waiting {
                    progress: rto_used,
                    note: format!("{}'s health check is failing{clock}", f.to),
                },
                _ => Verdict::Waiting {
                    progress: rto_used,
                    note: format!(
                        "Route53 still answers with {}{clock}",
                        records
                            .iter()
                            .find(|r| r.serving)
                            .map_or("nothing", |r| r.region.as_str())
                    ),
                },
            })
        })
    }
}

/// Why the secondary cannot take the traffic; empty when it can.
async fn secondary_problems(f: &Failover, ports: &Ports) -> Vec<String> {
    let mut v = Vec::new();
    let state = match ports.routing.region_state(&f.to).await {
        Ok(s) => s,
        Err(e) => return vec![format!("{} cannot be assessed: {e}", f.to)],
    };
    if state.clusters.is_empty() {
        v.push(format!("{} has no cluster", f.to));
    }
    for (c, status) in &state.clusters {
        if status != "ACTIVE" {
            v.push(format!("cluster {c} in {} is {status}", f.to));
            continue;
        }
        match ports.cluster.cluster_ready(c).await {
            Ok(r) if r.ready => {}
            Ok(r) => v.push(format!("cluster {c}: {}", r.reason)),
            Err(e) => v.push(format!("cluster {c}: {e}")),
        }
    }
    for (db, status) in &state.databases {
        if status != "available" {
            v.push(format!("database {db} in {} is {status}", f.to));
        }
    }
    // An alarm firing where the traffic is going: the region may not take it any better.
    for a in &state.firing_alarms {
        v.push(format!("alarm {a} is firing in {}", f.to));
    }
    for c in &state.failing_checks {
        v.push(format!("health check {c} of {} is failing", f.to));
    }
    // The health check of the record the traffic moves to, as Route53 evaluates it, when the
    // region's own list does not name it already.
    if let Ok(records) = ports.routing.routed_records(f.routed()).await {
        let failing = records
            .iter()
            .filter(|r| r.region == f.to && r.healthy == Some(false))
            .filter_map(|r| r.health_check.as_ref());
        for check in failing {
            if !state.failing_checks.contains(check) {
                v.push(format!("health check {check} of {} is failing", f.to));
            }
        }
    }
    v
}
