//! Flux sources (`source.toolkit.fluxcd.io/v1`): GitRepository, HelmRepository, OCIRepository.
//! Rows are named "<kind>/<name>" in lower case, as the flux CLI prints them, so a
//! GitRepository and a HelmRepository of the same name stay two rows.

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::{KindFacts, flux};
use crate::model::column::namespaced_columns;
use crate::model::drilldown::Section;
use crate::model::{
    Assessment, Cell, Column, Condition, Facts, KindSpec, KubeResource, Refresh, Row,
};

pub const API_VERSION: &str = "source.toolkit.fluxcd.io/v1";

/// The source resources watched, each with the flux CLI's noun for it (`flux reconcile source git`).
pub const RESOURCES: [KubeResource; 3] = [
    source_resource("GitRepository", "gitrepositories", "source git"),
    source_resource("HelmRepository", "helmrepositories", "source helm"),
    source_resource("OCIRepository", "ocirepositories", "source oci"),
];
pub const SOURCE_KINDS: [&str; 3] = [
    RESOURCES[0].api_kind,
    RESOURCES[1].api_kind,
    RESOURCES[2].api_kind,
];

const fn source_resource(
    api_kind: &'static str,
    plural: &'static str,
    flux_noun: &'static str,
) -> KubeResource {
    KubeResource {
        api_version: API_VERSION,
        api_kind,
        plural,
        provided_by: "Flux source-controller",
        flux_noun: Some(flux_noun),
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FluxSource {
    pub source_kind: String,
    pub url: String,
    pub suspended: bool,
    pub interval: String,
    /// `status.artifact.revision`.
    pub revision: Option<String>,
}

impl FluxSource {
    pub fn project(obj: &Value, context: &str, source: Arc<str>, now: Timestamp) -> Option<Row> {
        let m = flux::meta(obj)?;
        let source_kind = flux::str_at(obj, "/kind")?;
        let facts = FluxSource {
            source_kind: source_kind.to_string(),
            url: flux::string_at(obj, "/spec/url").unwrap_or_default(),
            suspended: flux::suspended(obj),
            interval: flux::string_at(obj, "/spec/interval").unwrap_or_default(),
            revision: flux::string_at(obj, "/status/artifact/revision"),
        };
        flux::object_row(
            obj,
            row_name(source_kind, m.name),
            context,
            source,
            Facts::FluxSource(facts),
            now,
        )
    }
}

pub fn row_name(source_kind: &str, name: &str) -> String {
    format!("{}/{name}", source_kind.to_ascii_lowercase())
}

impl KindFacts for FluxSource {
    // "Flux sources": "sources" alone is what opsdeck reads from (`:sources`).
    const SPEC: &'static KindSpec = &KindSpec::namespaced("flux_source", "Flux sources")
        .labels("Flux sources", "src", &["src", "fluxsources"])
        .counted_in_org(|p| &mut p.sources)
        .watched(&RESOURCES, FluxSource::project)
        .refreshed_by(Refresh::Reconcile)
        .named_by(row_name)
        .drills_into(&[Section::Events]);
    const COLUMNS: &'static [Column<Self>] = namespaced_columns!(
        30,
        [
            Column::new("SUSPENDED", 9, |_, s, _| Cell::flag(s.suspended)),
            Column::new("REVISION", 24, |_, s, _| Cell::opt(s.revision.as_deref())),
            Column::new("URL", 36, |_, s, _| Cell::text(s.url.clone())),
        ],
        36,
    );

    fn suspended(&self) -> Option<bool> {
        Some(self.suspended)
    }

    fn api_kind(&self) -> Option<&str> {
        Some(&self.source_kind)
    }

    fn assess(&self, conditions: &[Condition], _now: Timestamp) -> Assessment {
        flux::assess(self.suspended, conditions)
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        let scope = flux::cli_scope(row);
        let noun = RESOURCES
            .iter()
            .find(|r| r.api_kind == self.source_kind)
            .and_then(|r| r.flux_noun)
            .unwrap_or("source git");
        let sub = noun.trim_start_matches("source ");
        vec![
            format!("flux get sources {sub} {scope}"),
            format!("flux reconcile {noun} {scope}"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Health;
    use crate::model::kinds::testing::now;
    use serde_json::json;

    #[test]
    fn projects_a_git_repository_with_its_artifact_revision() {
        let o = json!({
            "apiVersion": API_VERSION, "kind": "GitRepository",
            "metadata": {"name": "flux-system", "namespace": "flux-system"},
            "spec": {"interval": "1m", "url": "ssh://git@github.com/numinia/numinia-k8s", "ref": {"branch": "main"}},
            "status": {"artifact": {"revision": "main@sha1:5f1c2e7a", "digest": "sha256:00"},
                       "conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded",
                                       "message": "stored artifact for revision 'main@sha1:5f1c2e7a'"}]}
        });
        let r = FluxSource::project(&o, "prod-cluster", "p".into(), now()).unwrap();
        assert_eq!(r.id.name, "gitrepository/flux-system");
        assert_eq!(r.health, Health::Healthy);
        let Facts::FluxSource(s) = &r.facts else {
            panic!()
        };
        assert_eq!(s.revision.as_deref(), Some("main@sha1:5f1c2e7a"));
        assert_eq!(
            r.facts.cli(&r)[0],
            "flux get sources git -n flux-system flux-system --context prod-cluster"
        );
    }

    #[test]
    fn a_fetch_failure_is_failed() {
        let o = json!({"kind": "HelmRepository",
            "metadata": {"name": "hyperfy", "namespace": "flux-system"},
            "spec": {"url": "https://charts.example.org"},
            "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "IndexationFailed",
                "message": "failed to fetch index: 503"}]}});
        let r = FluxSource::project(&o, "c", "p".into(), now()).unwrap();
        assert_eq!(r.id.name, "helmrepository/hyperfy");
        assert_eq!(r.health, Health::Failed);
    }
}
