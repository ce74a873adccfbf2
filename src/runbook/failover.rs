//! failover (seed 003): move a routed name from a failing primary region to the secondary.
//! Assess the primary (alarms, health checks, clusters), require the secondary to be ready
//! (clusters ACTIVE with Flux Ready, databases available, no CloudWatch alarm firing, its health
//! checks passing) unless a typed reason overrides, shift the Route53 failover records in one
//! change batch, and verify what Route53 serves, against the 5-minute RTO. A failback is the
//! same with the regions swapped.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::inputs::Problems;
use super::ports::Ports;
use super::render::secs;
use super::{Preflight, RunState, Runbook, StepDescription, StepFuture, StepSpec, Verdict};

/// The recovery time objective of seed 003.
pub const RTO: Duration = Duration::from_secs(300);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Failover {
    pub zone: String,
    pub record: String,
    pub from: String,
    pub to: String,
}

impl Failover {
    pub fn new(f: Failover) -> Result<Failover, Vec<String>> {
        let mut p = Problems::default();
        p.domain("hosted zone", &f.zone);
        p.domain("record", &f.record);
        if !f
            .record
            .trim_end_matches('.')
            .ends_with(f.zone.trim_end_matches('.'))
        {
            p.push(format!("record {} is not in zone {}", f.record, f.zone));
        }
        p.aws_region("from-region", &f.from);
        p.aws_region("to-region", &f.to);
        if f.from == f.to {
            p.push(format!("from-region and to-region are both {}", f.from));
        }
        p.into_result().map(|()| f)
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Failover, String> {
        let f: Failover =
            serde_json::from_value(v.clone()).map_err(|e| format!("failover inputs: {e}"))?;
        Failover::new(f).map_err(|p| p.join("; "))
    }

    /// The same failover the other way round.
    pub fn failback(&self) -> Failover {
        Failover {
            from: self.to.clone(),
            to: self.from.clone(),
            ..self.clone()
        }
    }
}

const KEYS: [&str; 3] = ["secondary-ready", "shift-records", "serving"];

impl Runbook for Failover {
    fn name(&self) -> &'static str {
        "failover"
    }

    fn target(&self) -> String {
        self.to.clone()
    }

    fn inputs(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("inputs serialize")
    }

    fn steps(&self) -> Vec<StepSpec> {
        let (record, zone, from, to) = (&self.record, &self.zone, &self.from, &self.to);
        vec![
            StepSpec {
                key: KEYS[0].into(),
                title: format!("{to} is ready to serve"),
                description: StepDescription {
                    what:
                        "clusters ACTIVE with Flux Ready, databases available, health check passing"
                            .into(),
                    target: to.clone(),
                    equivalent_cli: Some(format!(
                        "aws eks list-clusters --region {to}; flux get ks -A; aws rds describe-db-instances --region {to}"
                    )),
                },
                expected: None,
                changes: false,
                writes_in_verify: false,
            },
            StepSpec {
                key: KEYS[1].into(),
                title: format!("Route53 records of {record} to {to}"),
                description: StepDescription {
                    what: format!("{to} becomes PRIMARY and {from} SECONDARY, in one change batch"),
                    target: format!("zone {zone}"),
                    equivalent_cli: Some(format!(
                        "aws route53 change-resource-record-sets --hosted-zone-id <{zone}> --change-batch file://failover-{to}.json"
                    )),
                },
                expected: None,
                changes: true,
                writes_in_verify: false,
            },
            StepSpec {
                key: KEYS[2].into(),
                title: format!("Route53 serves {to}"),
                description: StepDescription {
                    what: format!(
                        "{record} answers with {to}'s record and its health check passes (TTL, propagation)"
                    ),
                    target: record.clone(),
                    equivalent_cli: Some(format!(
                        "aws route53 test-dns-answer --hosted-zone-id <{zone}> --record-name {record} --record-type A"
                    )),
                },
                expected: Some(Duration::from_secs(90)),
                changes: false,
                writes_in_verify: false,
            },
        ]
    }

    fn preflight<'a>(&'a self, ports: &'a Ports) -> BoxFuture<'a, Preflight> {
        Box::pin(async move {
            let mut pre = Preflight::default();
            let records = match ports.cloud.routed_records(&self.zone, &self.record).await {
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
            match ports.cloud.region_state(&self.from).await {
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

    fn check<'a>(&'a self, step: usize, ports: &'a Ports, _: &'a RunState) -> StepFuture<'a, bool> {
        Box::pin(async move {
            Ok(match step {
                0 => false,
                1 => ports
                    .cloud
                    .routed_records(&self.zone, &self.record)
                    .await?
                    .iter()
                    .any(|r| r.region == self.to && r.role == "PRIMARY"),
                _ => false,
            })
        })
    }

    fn apply<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            if step == 1 {
                ports
                    .cloud
                    .shift_failover(&self.zone, &self.record, &self.to)
                    .await?;
                // The RTO clock runs from the change.
                state.insert("shifted_at".into(), ports.clock.now().to_string());
            }
            Ok(())
        })
    }

    fn verify<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        Box::pin(async move {
            Ok(match step {
                0 => {
                    let problems = secondary_problems(self, ports).await;
                    if problems.is_empty() {
                        Verdict::Done
                    } else {
                        // The preflight let it through with a typed reason.
                        Verdict::Warn(format!("going ahead although: {}", problems.join("; ")))
                    }
                }
                1 => {
                    if self.check(1, ports, state).await? {
                        Verdict::Done
                    } else {
                        Verdict::Failed(format!(
                            "{} is not PRIMARY after the change batch",
                            self.to
                        ))
                    }
                }
                _ => {
                    let records = ports.cloud.routed_records(&self.zone, &self.record).await?;
                    let to = records.iter().find(|r| r.region == self.to);
                    // Time since the change against the RTO: the gauge is the RTO used up.
                    let since = state
                        .get("shifted_at")
                        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                        .map(|t| ports.clock.now().duration_since(t).unsigned_abs());
                    let rto_used = since.map(|s| s.as_secs_f64() / RTO.as_secs_f64());
                    let clock = since
                        .map(|s| format!(" — {} since the change, RTO {}", secs(s), secs(RTO)))
                        .unwrap_or_default();
                    match to {
                        Some(r) if r.serving && r.healthy != Some(false) => match since {
                            Some(s) if s > RTO => Verdict::Warn(format!(
                                "{} serves {} after the change, past the {}-minute RTO",
                                self.to,
                                secs(s),
                                RTO.as_secs() / 60
                            )),
                            _ => Verdict::Done,
                        },
                        Some(r) if r.healthy == Some(false) => Verdict::Waiting {
                            progress: rto_used,
                            note: format!("{}'s health check is failing{clock}", self.to),
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
                    }
                }
            })
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

/// Why the secondary cannot take the traffic; empty when it can.
async fn secondary_problems(f: &Failover, ports: &Ports) -> Vec<String> {
    let mut v = Vec::new();
    let state = match ports.cloud.region_state(&f.to).await {
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
    if let Ok(records) = ports.cloud.routed_records(&f.zone, &f.record).await {
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
