//! Organization (tenant): the namespaces labelled `organization=<org>` in one kube context.
//! The store rolls up the worst of those namespaces' Flux objects and certificates.

use jiff::Timestamp;
use serde::Serialize;

use super::KindFacts;
use super::parts::PartCount;
use crate::model::{Assessment, Cell, Column, Condition, Health, KindSpec, Row};

pub const LABEL: &str = "organization";

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Organization {
    pub domain: Option<String>,
    pub namespaces: Vec<String>,
    /// Filled by the store.
    pub parts: OrgParts,
}

/// The counts of an organization's parts; each namespaced kind's spec names its counter.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct OrgParts {
    pub kustomizations: PartCount,
    pub helm_releases: PartCount,
    pub sources: PartCount,
    pub certificates: PartCount,
    pub workloads: PartCount,
}

impl KindFacts for Organization {
    // Read from labelled namespaces by the kube backend (see backend/kube/namespaces.rs).
    const SPEC: &'static KindSpec = &KindSpec::organization_rollup("organization", "Organizations")
        .labels("Orgs", "org", &["org", "organizations"]);
    const COLUMNS: &'static [Column<Self>] = &[
        Column::name(18),
        Column::CONTEXT,
        Column::new("DOMAIN", 22, |_, o, _| Cell::opt(o.domain.as_deref())),
        Column::new("NAMESPACES", 24, |_, o, _| {
            Cell::text(o.namespaces.join(","))
        }),
        Column::new("KS", 5, |_, o, _| o.parts.kustomizations.cell()),
        Column::new("HR", 5, |_, o, _| o.parts.helm_releases.cell()),
        Column::new("SRC", 5, |_, o, _| o.parts.sources.cell()),
        Column::new("CERTS", 5, |_, o, _| o.parts.certificates.cell()),
        Column::new("WL", 5, |_, o, _| o.parts.workloads.cell()),
        Column::HEALTH,
        Column::reason(44),
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
    use crate::model::kinds::testing::{all_cells, row};
    use crate::model::{Facts, Kind};

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
