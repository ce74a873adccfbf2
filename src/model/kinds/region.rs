//! Region: one (account, region) with its CloudWatch alarms, Route53 health checks and failover
//! role. Its own health comes from alarms and health checks; the store rolls up the worst of its
//! clusters, ECS services and databases into `parts` and the row's health.

use jiff::Timestamp;
use serde::Serialize;

use super::KindFacts;
use super::parts::PartCount;
use crate::model::drilldown::Section;
use crate::model::{Assessment, Cell, Column, Condition, Health, KindSpec, Row};

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Region {
    pub alarms: Vec<Alarm>,
    pub health_checks: Vec<HealthCheck>,
    /// Route53 failover records this region takes part in.
    pub failover: Vec<FailoverRecord>,
    /// Which of the above this row's source reports; the rest comes from the other source.
    #[serde(skip)]
    pub reported: Reported,
    /// Filled by the store: the region's clusters, ECS services and databases.
    pub parts: RegionParts,
}

/// A region row is written by two AWS sources, CloudWatch (alarms) and Route53 (health checks
/// and records); each reports its own layer and the store keeps the other's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Reported {
    pub alarms: bool,
    pub routing: bool,
}

impl Default for Reported {
    /// A source that knows the whole region (the demo fleet).
    fn default() -> Self {
        Reported {
            alarms: true,
            routing: true,
        }
    }
}

impl Reported {
    pub const ALARMS: Reported = Reported {
        alarms: true,
        routing: false,
    };
    pub const ROUTING: Reported = Reported {
        alarms: false,
        routing: true,
    };
}

/// The counts of a region's parts; each regional kind's spec names its counter.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RegionParts {
    pub clusters: PartCount,
    pub ecs: PartCount,
    pub rds: PartCount,
    pub cache: PartCount,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alarm {
    pub name: String,
    /// OK, ALARM or INSUFFICIENT_DATA.
    pub state: String,
    pub reason: String,
    /// The row the alarm's dimensions point at (cluster, service or DB name), when known.
    pub target: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HealthCheck {
    pub id: String,
    pub fqdn: String,
    pub healthy: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailoverRecord {
    pub zone: String,
    pub record: String,
    /// PRIMARY or SECONDARY.
    pub role: String,
    /// Whether Route53 currently answers with this region's record.
    pub serving: bool,
}

impl Region {
    /// Takes from `older` (the row this one replaces) the layers this one does not report.
    pub fn keep_unreported(&mut self, older: &Region) {
        if !self.reported.alarms && older.reported.alarms {
            self.alarms = older.alarms.clone();
            self.reported.alarms = true;
        }
        if !self.reported.routing && older.reported.routing {
            self.health_checks = older.health_checks.clone();
            self.failover = older.failover.clone();
            self.reported.routing = true;
        }
    }

    pub fn firing(&self) -> impl Iterator<Item = &Alarm> {
        self.alarms.iter().filter(|a| a.state == "ALARM")
    }

    pub fn alarm_health(&self) -> Option<Health> {
        if self.alarms.is_empty() {
            None
        } else if self.firing().next().is_some() {
            Some(Health::Degraded)
        } else if self.alarms.iter().any(|a| a.state != "OK") {
            Some(Health::Unknown)
        } else {
            Some(Health::Healthy)
        }
    }

    pub fn check_health(&self) -> Option<Health> {
        if self.health_checks.is_empty() {
            None
        } else if self.health_checks.iter().any(|h| h.healthy == Some(false)) {
            Some(Health::Failed)
        } else if self.health_checks.iter().any(|h| h.healthy.is_none()) {
            Some(Health::Unknown)
        } else {
            Some(Health::Healthy)
        }
    }

    /// "PRIMARY (serving)" etc. for the role column.
    pub fn role(&self) -> String {
        match self.failover.first() {
            Some(f) if f.serving => format!("{} ●", f.role.to_lowercase()),
            Some(f) => f.role.to_lowercase(),
            None => "-".into(),
        }
    }
}

fn alarm_cell(r: &Region) -> Cell {
    if r.alarms.is_empty() {
        return Cell::number(-1, "-");
    }
    let firing = r.firing().count();
    Cell::number(firing as i64, format!("{firing} firing/{}", r.alarms.len()))
}

fn check_cell(r: &Region) -> Cell {
    if r.health_checks.is_empty() {
        return Cell::number(-1, "-");
    }
    let ok = r
        .health_checks
        .iter()
        .filter(|h| h.healthy == Some(true))
        .count();
    Cell::number(
        (r.health_checks.len() - ok) as i64,
        format!("{ok}/{}", r.health_checks.len()),
    )
}

impl KindFacts for Region {
    /// Alarms changing state, health checks flipping, Route53 starting or ceasing to answer
    /// with this region's record.
    fn happened(&self, before: &Self) -> Vec<String> {
        let mut lines = Vec::new();
        for a in &self.alarms {
            if let Some(was) = before.alarms.iter().find(|b| b.name == a.name)
                && was.state != a.state
            {
                lines.push(format!(
                    "alarm {} {} → {}: {}",
                    a.name, was.state, a.state, a.reason
                ));
            }
        }
        let word = |h: Option<bool>| match h {
            Some(true) => "healthy",
            Some(false) => "failing",
            None => "unknown",
        };
        for c in &self.health_checks {
            if let Some(was) = before.health_checks.iter().find(|b| b.id == c.id)
                && was.healthy != c.healthy
            {
                lines.push(format!(
                    "health check {} ({}) {} → {}",
                    c.id,
                    c.fqdn,
                    word(was.healthy),
                    word(c.healthy)
                ));
            }
        }
        for r in &self.failover {
            if let Some(was) = before
                .failover
                .iter()
                .find(|b| b.zone == r.zone && b.record == r.record)
                && was.serving != r.serving
            {
                let now = if r.serving {
                    "now answers"
                } else {
                    "no longer answers"
                };
                lines.push(format!(
                    "Route53 {now} {} with this region ({})",
                    r.record, r.role
                ));
            }
        }
        lines
    }

    // CloudWatch alarms and Route53 health checks and records (see backend/aws).
    const SPEC: &'static KindSpec = &KindSpec::region_rollup("region", "Regions")
        .labels("Regions", "region", &["region", "regions"])
        .drills_into(&[Section::AlarmHistory, Section::HealthChecks]);
    const COLUMNS: &'static [Column<Self>] = &[
        Column::account(14),
        Column::name(12),
        Column::new("ROLE", 11, |_, r, _| Cell::text(r.role())),
        Column::new("CLUSTERS", 8, |_, r, _| r.parts.clusters.cell()),
        Column::new("ECS", 6, |_, r, _| r.parts.ecs.cell()),
        Column::new("RDS", 6, |_, r, _| r.parts.rds.cell()),
        Column::new("CACHE", 6, |_, r, _| r.parts.cache.cell()),
        Column::new("ALARMS", 10, |_, r, _| alarm_cell(r)),
        Column::new("CHECKS", 6, |_, r, _| check_cell(r)),
        Column::HEALTH,
        Column::reason(44),
    ];

    /// CloudWatch and Route53 each report a layer; the roll-up's parts are the store's.
    fn merge_unreported(&mut self, older: &Region) -> bool {
        self.keep_unreported(older);
        self.parts = older.parts.clone();
        true
    }

    fn assess(&self, _: &[Condition], _: Timestamp) -> Assessment {
        if let Some(h) = self.health_checks.iter().find(|h| h.healthy == Some(false)) {
            return Assessment::new(
                Health::Failed,
                format!("health check {} ({}) unhealthy", h.id, h.fqdn),
            );
        }
        let firing: Vec<&Alarm> = self.firing().collect();
        if let Some(first) = firing.first() {
            let more = match firing.len() {
                1 => String::new(),
                n => format!(" (+{} more)", n - 1),
            };
            return Assessment::new(
                Health::Degraded,
                format!("alarm {} firing{more}: {}", first.name, first.reason),
            );
        }
        if self.alarm_health() == Some(Health::Unknown)
            || self.check_health() == Some(Health::Unknown)
        {
            return Assessment::new(Health::Unknown, "alarms or health checks without data");
        }
        // A layer no source has reported (its source failing, or not answered yet) is not "no
        // alarms": say it is unread rather than call the region healthy.
        let unread: Vec<&str> = [
            (!self.reported.alarms).then_some("alarms (CloudWatch)"),
            (!self.reported.routing).then_some("health checks (Route53)"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !unread.is_empty() {
            return Assessment::new(
                Health::Unknown,
                format!("{} not read: see the source's status", unread.join(" and ")),
            );
        }
        let mut ok = Vec::new();
        if !self.alarms.is_empty() {
            ok.push(match self.alarms.len() {
                1 => "1 alarm OK".to_string(),
                n => format!("{n} alarms OK"),
            });
        }
        if !self.health_checks.is_empty() {
            ok.push(match self.health_checks.len() {
                1 => "1 health check healthy".to_string(),
                n => format!("{n} health checks healthy"),
            });
        }
        if ok.is_empty() {
            ok.push("no alarms or health checks".into());
        }
        Assessment::new(Health::Healthy, ok.join(", "))
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        let s = &row.id.scope;
        let tail = format!("--region {} --profile {}", row.id.name, s.account());
        let mut v = vec![format!(
            "aws cloudwatch describe-alarms --state-value ALARM {tail}"
        )];
        for h in &self.health_checks {
            v.push(format!(
                "aws route53 get-health-check-status --health-check-id {} --profile {}",
                h.id,
                s.account()
            ));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::testing::{all_cells, row};
    use crate::model::{Facts, Kind};

    #[test]
    fn alarms_checks_and_routing_flipping_are_what_happened() {
        let (Facts::Region(before), Facts::Region(mut now)) =
            (region("OK", Some(true)), region("ALARM", Some(false)))
        else {
            unreachable!()
        };
        now.failover[0].serving = true;
        assert_eq!(
            now.happened(&before),
            [
                "alarm eks-prod-sae1-node-cpu-high OK → ALARM: Threshold Crossed: 1 datapoint [93.1] > 80",
                "health check hc-api-sae1 (api.sae1.helpdev.io) healthy → failing",
                "Route53 now answers api.helpdev.io with this region (SECONDARY)",
            ]
        );
        assert!(now.happened(&now).is_empty());
    }

    fn region(alarm_state: &str, check: Option<bool>) -> Facts {
        Facts::Region(Region {
            alarms: vec![Alarm {
                name: "eks-prod-sae1-node-cpu-high".into(),
                state: alarm_state.into(),
                reason: "Threshold Crossed: 1 datapoint [93.1] > 80".into(),
                target: Some("eks-prod-sae1".into()),
            }],
            health_checks: vec![HealthCheck {
                id: "hc-api-sae1".into(),
                fqdn: "api.sae1.helpdev.io".into(),
                healthy: check,
            }],
            failover: vec![FailoverRecord {
                zone: "helpdev.io".into(),
                record: "api.helpdev.io".into(),
                role: "SECONDARY".into(),
                serving: false,
            }],
            reported: Reported::default(),
            parts: RegionParts::default(),
        })
    }

    #[test]
    fn each_source_keeps_the_other_layer() {
        let Facts::Region(demo) = region("ALARM", Some(false)) else {
            unreachable!()
        };
        let mut routing = Region {
            health_checks: vec![],
            reported: Reported::ROUTING,
            ..Region::default()
        };
        routing.keep_unreported(&demo);
        assert_eq!(routing.alarms, demo.alarms, "alarms kept");
        assert!(routing.health_checks.is_empty(), "routing replaced");
        let mut alarms = Region {
            reported: Reported::ALARMS,
            ..Region::default()
        };
        alarms.keep_unreported(&routing);
        assert!(alarms.alarms.is_empty(), "alarms replaced");
        assert_eq!(alarms.reported, Reported::default());
    }

    #[test]
    fn a_layer_no_source_reported_is_unread_not_healthy() {
        let routing_only = Region {
            reported: Reported::ROUTING,
            ..Region::default()
        };
        let r = row(Kind::Region, Facts::Region(routing_only), vec![]);
        assert_eq!(r.health, Health::Unknown);
        assert!(
            r.reason.starts_with("alarms (CloudWatch) not read"),
            "{}",
            r.reason
        );
        let r = row(Kind::Region, Facts::Region(Region::default()), vec![]);
        assert_eq!(r.health, Health::Healthy, "both layers read, nothing there");
    }

    #[test]
    fn firing_alarm_degrades_and_failed_check_fails() {
        let r = row(Kind::Region, region("ALARM", Some(true)), vec![]);
        assert_eq!(r.health, Health::Degraded);
        assert!(
            r.reason
                .starts_with("alarm eks-prod-sae1-node-cpu-high firing")
        );
        assert_eq!(all_cells(&r)[7].text, "1 firing/1");
        assert_eq!(all_cells(&r)[2].text, "secondary");
        let r = row(Kind::Region, region("OK", Some(false)), vec![]);
        assert_eq!(r.health, Health::Failed);
        let r = row(Kind::Region, region("OK", Some(true)), vec![]);
        assert_eq!(r.health, Health::Healthy);
        let r = row(
            Kind::Region,
            region("INSUFFICIENT_DATA", Some(true)),
            vec![],
        );
        assert_eq!(r.health, Health::Unknown);
    }
}
