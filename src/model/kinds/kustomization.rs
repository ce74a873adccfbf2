//! Flux Kustomization (`kustomize.toolkit.fluxcd.io/v1`).

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::flux::FluxRef;
use super::{KindFacts, flux};
use crate::model::column::namespaced_columns;
use crate::model::drilldown::Section;
use crate::model::{
    Assessment, Cell, Column, Condition, Facts, KindSpec, KubeResource, Refresh, Row,
};

pub const API_VERSION: &str = "kustomize.toolkit.fluxcd.io/v1";

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Kustomization {
    pub suspended: bool,
    pub path: String,
    pub source: String,
    pub interval: String,
    /// `status.lastAppliedRevision`: what is running.
    pub revision: Option<String>,
    /// `status.lastAttemptedRevision`: what Flux last tried.
    pub last_attempted_revision: Option<String>,
    pub last_handled_reconcile_at: Option<String>,
    /// The Kustomization that applied it, from the labels kustomize-controller sets.
    pub managed_by: Option<FluxRef>,
}

impl Kustomization {
    /// Projects a Kustomization object into a row, keeping only what the pane shows.
    pub fn project(obj: &Value, context: &str, source: Arc<str>, now: Timestamp) -> Option<Row> {
        let m = flux::meta(obj)?;
        let facts = Kustomization {
            suspended: flux::suspended(obj),
            path: flux::string_at(obj, "/spec/path").unwrap_or_else(|| "./".into()),
            source: flux::source_ref(obj, "/spec/sourceRef"),
            interval: flux::string_at(obj, "/spec/interval").unwrap_or_default(),
            revision: flux::string_at(obj, "/status/lastAppliedRevision"),
            last_attempted_revision: flux::string_at(obj, "/status/lastAttemptedRevision"),
            last_handled_reconcile_at: flux::string_at(obj, "/status/lastHandledReconcileAt"),
            managed_by: FluxRef::owner_of(obj),
        };
        flux::object_row(
            obj,
            m.name,
            context,
            source,
            Facts::Kustomization(facts),
            now,
        )
    }
}

/// Watched from `kustomize.toolkit.fluxcd.io/v1`, as the flux CLI's `kustomization`.
pub const RESOURCE: KubeResource = KubeResource {
    api_version: API_VERSION,
    api_kind: "Kustomization",
    plural: "kustomizations",
    provided_by: "Flux kustomize-controller",
    flux_noun: Some("kustomization"),
};

impl KindFacts for Kustomization {
    const SPEC: &'static KindSpec = &KindSpec::namespaced("kustomization", "Kustomizations")
        .labels("Ks", "ks", &["ks", "kustomizations"])
        .counted_in_org(|p| &mut p.kustomizations)
        .watched(&[RESOURCE], Kustomization::project)
        .refreshed_by(Refresh::Reconcile)
        .drills_into(&[
            Section::Pods,
            Section::Events,
            Section::History,
            Section::Inventory,
        ]);
    const COLUMNS: &'static [Column<Self>] = namespaced_columns!(
        24,
        [
            Column::new("SUSPENDED", 9, |_, k, _| Cell::flag(k.suspended)),
            Column::new("REVISION", 22, |_, k, _| Cell::opt(k.revision.as_deref())),
            Column::new("PATH", 24, |_, k, _| Cell::text(k.path.clone())),
        ],
        40,
    );

    fn suspended(&self) -> Option<bool> {
        Some(self.suspended)
    }

    /// A new revision applied.
    fn happened(&self, before: &Self) -> Vec<String> {
        super::moved(
            "applied revision",
            before.revision.as_deref(),
            self.revision.as_deref(),
        )
        .into_iter()
        .collect()
    }

    fn assess(&self, conditions: &[Condition], _now: Timestamp) -> Assessment {
        flux::assess(self.suspended, conditions)
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        flux::cli_commands(row, &RESOURCE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Health;
    use crate::model::kinds::testing::{all_cells, now};
    use serde_json::json;

    fn object() -> Value {
        json!({
            "apiVersion": API_VERSION, "kind": "Kustomization",
            "metadata": {"name": "numinia-pro", "namespace": "numinia", "resourceVersion": "812"},
            "spec": {"interval": "10m", "path": "./clusters/prod-cluster/organizations/numinia/pro",
                     "prune": true, "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"}},
            "status": {
                "lastAppliedRevision": "main@sha1:5f1c2e7a",
                "lastAttemptedRevision": "main@sha1:5f1c2e7a",
                "conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded",
                                "message": "Applied revision: main@sha1:5f1c2e7a",
                                "lastTransitionTime": "2026-11-23T11:58:00Z"}]
            }
        })
    }

    #[test]
    fn projects_a_ready_kustomization() {
        let r = Kustomization::project(&object(), "prod-cluster", "prod-cluster".into(), now())
            .unwrap();
        assert_eq!(r.id.display_name(), "numinia/numinia-pro");
        assert_eq!(r.id.scope.context(), "prod-cluster");
        assert_eq!(r.health, Health::Healthy);
        assert_eq!(r.reason, "Applied revision: main@sha1:5f1c2e7a");
        let Facts::Kustomization(k) = &r.facts else {
            panic!()
        };
        assert_eq!(k.source, "GitRepository/flux-system/flux-system");
        assert_eq!(k.revision.as_deref(), Some("main@sha1:5f1c2e7a"));
        let cells = all_cells(&r);
        assert_eq!(cells[3].text, "True");
        assert_eq!(cells[4].text, "False");
    }

    #[test]
    fn suspended_and_failed_kustomizations() {
        let mut o = object();
        o["spec"]["suspend"] = json!(true);
        let r = Kustomization::project(&o, "c", "c".into(), now()).unwrap();
        assert_eq!(r.health, Health::Suspended);
        let mut o = object();
        o["status"]["conditions"][0] = json!({"type": "Ready", "status": "False",
            "reason": "BuildFailed", "message": "kustomization path not found"});
        let r = Kustomization::project(&o, "c", "c".into(), now()).unwrap();
        assert_eq!(r.health, Health::Failed);
        assert_eq!(r.reason, "BuildFailed: kustomization path not found");
    }

    #[test]
    fn cli_names_the_context() {
        let r = Kustomization::project(&object(), "prod-cluster", "x".into(), now()).unwrap();
        assert_eq!(
            r.facts.cli(&r)[0],
            "flux get kustomizations -n numinia numinia-pro --context prod-cluster"
        );
    }
}
