//! A row: the projection of one outside object (a few fields, conditions, health), never the
//! whole object.

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;

use super::condition::Condition;
use super::health::{Assessment, Health};
use super::kind::Kind;
use super::kinds::Facts;

/// Where a row lives. Every part is optional: an RDS instance has an account and a region, a
/// HelmRelease has a context and a namespace. For ECS services `context` holds the ECS cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Scope {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl Scope {
    pub fn aws(account: &str, region: &str) -> Self {
        Scope {
            account: Some(account.into()),
            region: Some(region.into()),
            ..Scope::default()
        }
    }

    pub fn kube(context: &str, namespace: &str) -> Self {
        Scope {
            context: Some(context.into()),
            namespace: Some(namespace.into()),
            ..Scope::default()
        }
    }

    pub fn with_context(mut self, context: &str) -> Self {
        self.context = Some(context.into());
        self
    }

    pub fn account(&self) -> &str {
        self.account.as_deref().unwrap_or("")
    }
    pub fn region(&self) -> &str {
        self.region.as_deref().unwrap_or("")
    }
    pub fn context(&self) -> &str {
        self.context.as_deref().unwrap_or("")
    }
    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }

    /// "--region R --profile P": the AWS CLI's flags for a row of this account and region.
    pub fn aws_flags(&self) -> String {
        format!("--region {} --profile {}", self.region(), self.account())
    }

    /// "account/region/context/namespace" with the empty parts left out.
    pub fn label(&self) -> String {
        [&self.account, &self.region, &self.context, &self.namespace]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("/")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowId {
    pub kind: Kind,
    pub scope: Scope,
    pub name: String,
}

impl RowId {
    pub fn new(kind: Kind, scope: Scope, name: impl Into<String>) -> Self {
        RowId {
            kind,
            scope,
            name: name.into(),
        }
    }

    /// The AWS region the row lives in: a Region row is named by its region and has none in its
    /// scope (its alarms and its Route53 routing come from different sources).
    pub fn region(&self) -> &str {
        match self.kind {
            Kind::Region => &self.name,
            _ => self.scope.region(),
        }
    }

    /// "namespace/name" for namespaced rows, the name otherwise.
    pub fn display_name(&self) -> String {
        match &self.scope.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub id: RowId,
    /// The source (kube context or AWS account/region/service) this row came from: its status
    /// decides whether the row is shown as stale.
    pub source: Arc<str>,
    pub facts: Facts,
    pub conditions: Vec<Condition>,
    /// For roll-up kinds this is the rolled-up health; `own` keeps the kind's own assessment.
    pub health: Health,
    pub reason: String,
    pub own: Assessment,
    pub updated_at: Timestamp,
}

impl Row {
    /// Builds a row and runs the kind's health rule.
    pub fn new(
        id: RowId,
        source: Arc<str>,
        facts: Facts,
        conditions: Vec<Condition>,
        now: Timestamp,
    ) -> Row {
        debug_assert_eq!(id.kind, facts.kind(), "facts do not match the row kind");
        let own = facts.assess(&conditions, now);
        Row {
            id,
            source,
            facts,
            conditions,
            health: own.health,
            reason: own.reason.clone(),
            own,
            updated_at: now,
        }
    }

    /// Runs the kind's health rule again after the facts changed in place.
    pub fn reassess(&mut self) {
        self.own = self.facts.assess(&self.conditions, self.updated_at);
        (self.health, self.reason) = (self.own.health, self.own.reason.clone());
    }

    pub fn kind(&self) -> Kind {
        self.id.kind
    }

    /// Equal apart from the time it was observed: an upsert of such a row changes nothing.
    pub fn same_content(&self, other: &Row) -> bool {
        self.id == other.id
            && self.source == other.source
            && self.facts == other.facts
            && self.conditions == other.conditions
            && self.own == other.own
    }
}

/// One table cell: its text and, when it sorts as a number, the number.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub text: String,
    pub number: Option<i64>,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            number: None,
        }
    }

    pub fn number(n: i64, text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            number: Some(n),
        }
    }

    /// "have/want" (ready/desired, running/desired), sorting by the shortfall: ascending puts
    /// the one missing the most first.
    pub fn ratio(have: u32, want: u32) -> Cell {
        Cell::number(have as i64 - want as i64, format!("{have}/{want}"))
    }

    pub fn count(n: impl Into<i64> + Copy + std::fmt::Display) -> Cell {
        Cell::number(n.into(), n.to_string())
    }

    pub fn opt(s: Option<&str>) -> Cell {
        Cell::text(s.unwrap_or("-"))
    }

    pub fn flag(b: bool) -> Cell {
        Cell::number(b as i64, if b { "True" } else { "False" })
    }

    pub fn cmp_for_sort(&self, other: &Cell) -> std::cmp::Ordering {
        match (self.number, other.number) {
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => self.text.cmp(&other.text),
        }
    }
}

/// Short human durations as k9s and kubectl print them: 45s, 12m, 5h, 3d.
pub fn human_duration(secs: i64) -> String {
    let s = secs.abs();
    let (n, unit) = if s < 120 {
        (s, "s")
    } else if s < 7200 {
        (s / 60, "m")
    } else if s < 172_800 {
        (s / 3600, "h")
    } else {
        (s / 86_400, "d")
    };
    if secs < 0 {
        format!("-{n}{unit}")
    } else {
        format!("{n}{unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_kubectl() {
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(5 * 3600), "5h");
        assert_eq!(human_duration(5 * 86_400), "5d");
        assert_eq!(human_duration(-90), "-90s");
    }

    #[test]
    fn numbers_sort_before_text_and_by_value() {
        let mut v = [Cell::text("b"), Cell::count(10), Cell::count(9)];
        v.sort_by(Cell::cmp_for_sort);
        assert_eq!(v[0].number, Some(9));
        assert_eq!(v[1].number, Some(10));
        assert_eq!(v[2].text, "b");
    }

    #[test]
    fn scope_label_skips_empty_parts() {
        let s = Scope::kube("prod-cluster", "numinia");
        assert_eq!(s.label(), "prod-cluster/numinia");
        assert_eq!(
            Scope::aws("phenom", "us-east-1").label(),
            "phenom/us-east-1"
        );
    }
}
