//! Organization (tenant): the namespaces labelled `organization=<org>` in one kube context.
//! The store rolls up the worst of those namespaces' Flux objects and certificates.

use jiff::Timestamp;
use serde::Serialize;

use super::KindFacts;
use super::parts::PartCount;
use crate::model::row::cells;
use crate::model::{Assessment, Cell, Column, Condition, Health, Kind, Row};

pub const LABEL: &str = "organization";

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Organization {
    pub domain: Option<String>,
    pub namespaces: Vec<String>,
    /// Filled by the store.
    pub parts: OrgParts,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct OrgParts {
    pub kustomizations: PartCount,
    pub helm_releases: PartCount,
    pub sources: PartCount,
    pub certificates: PartCount,
}

impl OrgParts {
    pub fn count_mut(&mut self, kind: Kind) -> Option<&mut PartCount> {
        match kind {
            Kind::Kustomization => Some(&mut self.kustomizations),
            Kind::HelmRelease => Some(&mut self.helm_releases),
            Kind::FluxSource => Some(&mut self.sources),
            Kind::Certificate => Some(&mut self.certificates),
            _ => None,
        }
    }
}

impl KindFacts for Organization {
    const KIND: Kind = Kind::Organization;
    const COLUMNS: &'static [Column<Self>] = &[
        Column {
            title: "NAME",
            width: 18,
            cell: cells::name,
        },
        Column {
            title: "CONTEXT",
            width: 14,
            cell: cells::context,
        },
        Column {
            title: "DOMAIN",
            width: 22,
            cell: |_, o, _| Cell::opt(o.domain.as_deref()),
        },
        Column {
            title: "NAMESPACES",
            width: 24,
            cell: |_, o, _| Cell::text(o.namespaces.join(",")),
        },
        Column {
            title: "KS",
            width: 5,
            cell: |_, o, _| o.parts.kustomizations.cell(),
        },
        Column {
            title: "HR",
            width: 5,
            cell: |_, o, _| o.parts.helm_releases.cell(),
        },
        Column {
            title: "SRC",
            width: 5,
            cell: |_, o, _| o.parts.sources.cell(),
        },
        Column {
            title: "CERTS",
            width: 5,
            cell: |_, o, _| o.parts.certificates.cell(),
        },
        Column {
            title: "HEALTH",
            width: 11,
            cell: cells::health,
        },
        Column {
            title: "REASON",
            width: 44,
            cell: cells::reason,
        },
    ];

    fn assess(&self, _: &[Condition], _: Timestamp) -> Assessment {
        if self.namespaces.is_empty() {
            return Assessment::new(
                Health::Unknown,
                "no namespaces labelled for this organization",
            );
        }
        Assessment::new(
            Health::Healthy,
            format!("{} namespaces", self.namespaces.len()),
        )
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        let ctx = row.id.scope.context();
        let mut v = vec![format!(
            "kubectl --context {ctx} get namespaces -l {LABEL}={}",
            row.id.name
        )];
        for ns in &self.namespaces {
            v.push(format!("flux get all -n {ns} --context {ctx}"));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Facts;
    use crate::model::kinds::testing::{all_cells, row};

    #[test]
    fn own_health_needs_namespaces() {
        let r = row(
            Kind::Organization,
            Facts::Organization(Organization::default()),
            vec![],
        );
        assert_eq!(r.health, Health::Unknown);
        let o = Organization {
            namespaces: vec!["numinia".into(), "numinia-pre".into()],
            ..Organization::default()
        };
        let r = row(Kind::Organization, Facts::Organization(o), vec![]);
        assert_eq!(r.health, Health::Healthy);
        assert_eq!(all_cells(&r)[3].text, "numinia,numinia-pre");
        assert_eq!(
            r.facts.cli(&r)[0],
            "kubectl --context ctx get namespaces -l organization=name"
        );
    }
}
