//! Flux HelmRelease (`helm.toolkit.fluxcd.io/v2`).
//!
//! v2 has no `lastAppliedRevision`: like `flux get hr`, the version shown is
//! `status.history[0].chartVersion`, falling back to `status.lastAttemptedRevision`.

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::flux::FluxRef;
use super::{KindFacts, flux};
use crate::model::column::namespaced_columns;
use crate::model::condition::find;
use crate::model::drilldown::Section;
use crate::model::{
    Assessment, Cell, Column, Condition, Facts, Health, KindSpec, KubeResource, Refresh, Row,
};

pub const API_VERSION: &str = "helm.toolkit.fluxcd.io/v2";

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HelmRelease {
    pub suspended: bool,
    pub chart: String,
    pub chart_version: Option<String>,
    pub source: String,
    pub interval: String,
    pub install_failures: u32,
    pub upgrade_failures: u32,
    pub last_attempted_revision: Option<String>,
    pub last_handled_reconcile_at: Option<String>,
    /// The Kustomization that applied it, from the labels kustomize-controller sets.
    pub managed_by: Option<FluxRef>,
}

impl HelmRelease {
    pub fn project(obj: &Value, context: &str, source: Arc<str>, now: Timestamp) -> Option<Row> {
        let m = flux::meta(obj)?;
        let count = |p: &str| {
            crate::model::json::at(obj, p)
                .and_then(Value::as_u64)
                .unwrap_or(0) as u32
        };
        let last_attempted = flux::string_at(obj, "/status/lastAttemptedRevision");
        let facts = HelmRelease {
            suspended: flux::suspended(obj),
            chart: flux::string_at(obj, "/spec/chart/spec/chart")
                .or_else(|| flux::string_at(obj, "/spec/chartRef/name"))
                .unwrap_or_default(),
            chart_version: flux::string_at(obj, "/status/history/0/chartVersion")
                .or_else(|| last_attempted.clone()),
            source: if crate::model::json::at(obj, "/spec/chartRef").is_some() {
                flux::source_ref(obj, "/spec/chartRef")
            } else {
                flux::source_ref(obj, "/spec/chart/spec/sourceRef")
            },
            interval: flux::string_at(obj, "/spec/interval").unwrap_or_default(),
            install_failures: count("/status/installFailures"),
            upgrade_failures: count("/status/upgradeFailures"),
            last_attempted_revision: last_attempted,
            last_handled_reconcile_at: flux::string_at(obj, "/status/lastHandledReconcileAt"),
            managed_by: FluxRef::owner_of(obj),
        };
        flux::object_row(obj, m.name, context, source, Facts::HelmRelease(facts), now)
    }
}

/// Watched from `helm.toolkit.fluxcd.io/v2`, as the flux CLI's `helmrelease`.
pub const RESOURCE: KubeResource = KubeResource {
    api_version: API_VERSION,
    api_kind: "HelmRelease",
    plural: "helmreleases",
    provided_by: "Flux helm-controller",
    flux_noun: Some("helmrelease"),
};

impl KindFacts for HelmRelease {
    const SPEC: &'static KindSpec = &KindSpec::namespaced("helm_release", "HelmReleases")
        .labels("HR", "hr", &["hr", "helmreleases"])
        .counted_in_org(|p| &mut p.helm_releases)
        .watched(&[RESOURCE], HelmRelease::project)
        .refreshed_by(Refresh::Reconcile)
        .drills_into(&[Section::Pods, Section::Events, Section::History]);
    const COLUMNS: &'static [Column<Self>] = namespaced_columns!(
        26,
        [
            Column::new("SUSPENDED", 9, |_, h, _| Cell::flag(h.suspended)),
            Column::new("CHART", 18, |_, h, _| Cell::text(h.chart.clone())),
            Column::new("VERSION", 10, |_, h, _| {
                Cell::opt(h.chart_version.as_deref())
            }),
            Column::new("FAILURES", 8, |_, h, _| {
                Cell::count(h.install_failures + h.upgrade_failures)
            }),
        ],
        40,
    );

    fn suspended(&self) -> Option<bool> {
        Some(self.suspended)
    }

    /// An upgrade (the chart version last attempted), when it starts, failed or not.
    fn happened(&self, before: &Self) -> Vec<String> {
        fn attempted(h: &HelmRelease) -> Option<&str> {
            h.last_attempted_revision
                .as_deref()
                .or(h.chart_version.as_deref())
        }
        super::moved("revision", attempted(before), attempted(self))
            .into_iter()
            .collect()
    }

    fn assess(&self, conditions: &[Condition], _now: Timestamp) -> Assessment {
        let base = flux::assess(self.suspended, conditions);
        // A rolled-back upgrade leaves Ready=False but the previous release serving: degraded,
        // not down.
        let remediated = find(conditions, "Remediated").filter(|c| c.is_true());
        match remediated {
            Some(c) if base.health == Health::Failed => Assessment::new(
                Health::Degraded,
                format!("remediated: {}", flux::reason_text(c)),
            ),
            _ => base,
        }
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        flux::cli_commands(row, &RESOURCE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::testing::{all_cells, now};
    use serde_json::json;

    fn object(ready: Value) -> Value {
        json!({
            "apiVersion": API_VERSION, "kind": "HelmRelease",
            "metadata": {"name": "hyperfy2-world-pro", "namespace": "numen-games"},
            "spec": {"interval": "5m", "chart": {"spec": {"chart": "hyperfy2", "version": "0.4.x",
                     "sourceRef": {"kind": "HelmRepository", "name": "hyperfy", "namespace": "flux-system"}}}},
            "status": {
                "history": [{"chartName": "hyperfy2", "chartVersion": "0.4.2", "status": "deployed", "version": 7}],
                "lastAttemptedRevision": "0.4.3",
                "upgradeFailures": 2,
                "conditions": [ready]
            }
        })
    }

    #[test]
    fn version_comes_from_history_then_last_attempted() {
        let o = object(
            json!({"type": "Ready", "status": "True", "reason": "UpgradeSucceeded",
            "message": "Helm upgrade succeeded for release numen-games/hyperfy2-world-pro.v7 with chart hyperfy2@0.4.2"}),
        );
        let r = HelmRelease::project(&o, "prod-cluster", "p".into(), now()).unwrap();
        let Facts::HelmRelease(h) = &r.facts else {
            panic!()
        };
        assert_eq!(h.chart_version.as_deref(), Some("0.4.2"));
        assert_eq!(h.source, "HelmRepository/flux-system/hyperfy");
        assert_eq!(r.health, Health::Healthy);
        assert_eq!(all_cells(&r)[7].text, "2");

        let mut o = o;
        o["status"].as_object_mut().unwrap().remove("history");
        let r = HelmRelease::project(&o, "prod-cluster", "p".into(), now()).unwrap();
        let Facts::HelmRelease(h) = &r.facts else {
            panic!()
        };
        assert_eq!(h.chart_version.as_deref(), Some("0.4.3"));
    }

    #[test]
    fn failed_upgrade_is_failed_and_remediated_is_degraded() {
        let failed = json!({"type": "Ready", "status": "False", "reason": "UpgradeFailed",
            "message": "Helm upgrade failed: context deadline exceeded"});
        let r = HelmRelease::project(&object(failed.clone()), "c", "p".into(), now()).unwrap();
        assert_eq!(r.health, Health::Failed);
        assert_eq!(
            r.reason,
            "UpgradeFailed: Helm upgrade failed: context deadline exceeded"
        );

        let mut o = object(failed);
        o["status"]["conditions"].as_array_mut().unwrap().push(json!({
            "type": "Remediated", "status": "True", "reason": "RollbackSucceeded",
            "message": "Helm rollback to previous release numen-games/hyperfy2-world-pro.v6 succeeded"}));
        let r = HelmRelease::project(&o, "c", "p".into(), now()).unwrap();
        assert_eq!(r.health, Health::Degraded);
        assert!(r.reason.starts_with("remediated: RollbackSucceeded"));
    }
}
