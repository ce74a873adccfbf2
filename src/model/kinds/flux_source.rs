//! Flux sources (`source.toolkit.fluxcd.io/v1`): GitRepository, HelmRepository, OCIRepository.
//! Rows are named "<kind>/<name>" in lower case, as the flux CLI prints them, so a
//! GitRepository and a HelmRepository of the same name stay two rows.

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::{KindFacts, flux};
use crate::model::row::cells;
use crate::model::{Assessment, Cell, Column, Condition, Facts, Kind, Row};

pub const API_VERSION: &str = "source.toolkit.fluxcd.io/v1";
pub const SOURCE_KINDS: [&str; 3] = ["GitRepository", "HelmRepository", "OCIRepository"];

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
    const KIND: Kind = Kind::FluxSource;
    const COLUMNS: &'static [Column<Self>] = &[
        Column {
            title: "NAMESPACE",
            width: 16,
            cell: cells::namespace,
        },
        Column {
            title: "NAME",
            width: 30,
            cell: cells::name,
        },
        Column {
            title: "CONTEXT",
            width: 14,
            cell: cells::context,
        },
        Column {
            title: "READY",
            width: 7,
            cell: |r, _, _| cells::condition(r, "Ready"),
        },
        Column {
            title: "SUSPENDED",
            width: 9,
            cell: |_, s, _| Cell::flag(s.suspended),
        },
        Column {
            title: "REVISION",
            width: 24,
            cell: |_, s, _| Cell::opt(s.revision.as_deref()),
        },
        Column {
            title: "URL",
            width: 36,
            cell: |_, s, _| Cell::text(s.url.clone()),
        },
        Column {
            title: "HEALTH",
            width: 11,
            cell: cells::health,
        },
        Column {
            title: "REASON",
            width: 36,
            cell: cells::reason,
        },
    ];

    fn assess(&self, conditions: &[Condition], _now: Timestamp) -> Assessment {
        flux::assess(self.suspended, conditions)
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        let scope = flux::cli_scope(row);
        let sub = match self.source_kind.as_str() {
            "HelmRepository" => "helm",
            "OCIRepository" => "oci",
            _ => "git",
        };
        vec![
            format!("flux get sources {sub} {scope}"),
            format!("flux reconcile source {sub} {scope}"),
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
