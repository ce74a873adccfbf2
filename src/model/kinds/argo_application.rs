//! Argo CD Application (`argoproj.io/v1alpha1`): what seed 003's clusters run instead of Flux.
//! Its sync status (does the live state match Git), its health as Argo CD assesses it, the
//! last operation (a sync: phase, message, when), the revision, where it comes from (repo,
//! path or chart) and where it goes (cluster, namespace), its project, and the resources of
//! `status.resources` that are not healthy, as `argocd app get` lists them.
//!
//! The health rule follows Argo CD's own semantics: its health status first (Degraded is a
//! failure, Missing a resource not there, Suspended paused), then a failed or erroring last
//! operation, an error condition (ComparisonError, SyncError, InvalidSpecError…), and drift
//! (OutOfSync) as degraded: the cluster does not run what Git says.

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::{KindFacts, flux};
use crate::model::drilldown::Section;
use crate::model::json::at;
use crate::model::{
    Assessment, Cell, Column, Condition, Facts, Health, KindSpec, KubeResource, Refresh, Row,
};

pub const API_VERSION: &str = "argoproj.io/v1alpha1";

/// The most resources kept per application, those not healthy or not synced first (a row stays
/// small at fleet scale; `resources_total` says how many there are).
const RESOURCES_KEPT: usize = 50;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ArgoApplication {
    /// `status.sync.status`: Synced, OutOfSync, Unknown.
    pub sync: String,
    /// `status.health.status`: Healthy, Progressing, Degraded, Suspended, Missing, Unknown.
    pub argo_health: String,
    pub health_message: Option<String>,
    /// `status.sync.revision`: the Git commit (or chart version) the app is compared with —
    /// what Git says now; while OutOfSync, not what runs.
    pub revision: Option<String>,
    /// What the last sync applied (`status.operationState.syncResult.revision`, else the
    /// newest of `status.history`): what runs.
    pub deployed_revision: Option<String>,
    /// `spec.source` (the first of `spec.sources`): "repo path" or "repo chart@version".
    pub source: String,
    /// `spec.destination`: "in-cluster ns checkout" (the cluster's name or server, the
    /// namespace).
    pub destination: String,
    pub project: String,
    /// `spec.syncPolicy.automated` is set: Argo CD syncs by itself.
    pub auto_sync: bool,
    /// The last operation (`status.operationState`).
    pub operation: Option<Operation>,
    /// Error conditions (`status.conditions`): "ComparisonError: …".
    pub errors: Vec<String>,
    /// How many resources `status.resources` lists, and those kept: the ones not healthy or
    /// not synced first, as `argocd app get` lists them.
    pub resources_total: usize,
    pub resources: Vec<AppResource>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Operation {
    /// Running, Succeeded, Failed, Error, Terminating.
    pub phase: String,
    pub message: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// A resource of `status.resources`, as `argocd app get` lists it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AppResource {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub sync: String,
    pub health: Option<String>,
    pub message: Option<String>,
}

/// A revision as messages shorten a commit: its first 8 characters.
pub fn short_revision(r: &str) -> &str {
    r.char_indices().nth(8).map_or(r, |(i, _)| &r[..i])
}

fn text_at(obj: &Value, pointer: &str) -> Option<String> {
    flux::string_at(obj, pointer).filter(|s| !s.is_empty())
}

impl ArgoApplication {
    pub fn project(obj: &Value, context: &str, source: Arc<str>, now: Timestamp) -> Option<Row> {
        let m = flux::meta(obj)?;
        let source_spec = at(obj, "/spec/source")
            .or_else(|| at(obj, "/spec/sources/0"))
            .cloned()
            .unwrap_or(Value::Null);
        let repo = text_at(&source_spec, "/repoURL").unwrap_or_else(|| "-".into());
        let where_in_repo = match (
            text_at(&source_spec, "/chart"),
            text_at(&source_spec, "/path"),
        ) {
            (Some(chart), _) => match text_at(&source_spec, "/targetRevision") {
                Some(v) => format!("{chart}@{v}"),
                None => chart,
            },
            (None, Some(path)) => path,
            (None, None) => ".".into(),
        };
        // Argo CD calls the cluster it runs in "in-cluster"; a URL then a path would read as one.
        let cluster = text_at(obj, "/spec/destination/name")
            .or_else(|| text_at(obj, "/spec/destination/server"))
            .map(|c| {
                if c == "https://kubernetes.default.svc" {
                    "in-cluster".to_string()
                } else {
                    c
                }
            })
            .unwrap_or_else(|| "-".into());
        let destination = format!(
            "{cluster} ns {}",
            text_at(obj, "/spec/destination/namespace").unwrap_or_else(|| "-".into())
        );
        let operation = at(obj, "/status/operationState").map(|o| Operation {
            phase: text_at(o, "/phase").unwrap_or_else(|| "Unknown".into()),
            message: crate::text::one_line(&text_at(o, "/message").unwrap_or_default()),
            started_at: text_at(o, "/startedAt"),
            finished_at: text_at(o, "/finishedAt"),
        });
        let errors = at(obj, "/status/conditions")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| {
                        let kind = c.get("type")?.as_str()?;
                        kind.ends_with("Error").then(|| {
                            let msg = c.get("message").and_then(Value::as_str).unwrap_or("");
                            format!("{kind}: {}", crate::text::one_line(msg))
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let listed = at(obj, "/status/resources").and_then(Value::as_array);
        let mut resources: Vec<AppResource> = listed
            .into_iter()
            .flatten()
            .map(|r| AppResource {
                kind: text_at(r, "/kind").unwrap_or_default(),
                namespace: text_at(r, "/namespace").unwrap_or_default(),
                name: text_at(r, "/name").unwrap_or_default(),
                sync: text_at(r, "/status").unwrap_or_else(|| "Unknown".into()),
                health: text_at(r, "/health/status"),
                message: text_at(r, "/health/message").map(|m| crate::text::one_line(&m)),
            })
            .collect();
        // Stable: the not-fine ones first, each group in the API's order.
        resources.sort_by_key(AppResource::is_fine);
        resources.truncate(RESOURCES_KEPT);
        let facts = ArgoApplication {
            sync: text_at(obj, "/status/sync/status").unwrap_or_else(|| "Unknown".into()),
            argo_health: text_at(obj, "/status/health/status").unwrap_or_else(|| "Unknown".into()),
            health_message: text_at(obj, "/status/health/message")
                .map(|m| crate::text::one_line(&m)),
            revision: text_at(obj, "/status/sync/revision"),
            deployed_revision: text_at(obj, "/status/operationState/syncResult/revision").or_else(
                || {
                    at(obj, "/status/history")
                        .and_then(Value::as_array)
                        .and_then(|h| h.last())
                        .and_then(|h| text_at(h, "/revision"))
                },
            ),
            source: format!("{repo} {where_in_repo}"),
            destination,
            project: text_at(obj, "/spec/project").unwrap_or_else(|| "default".into()),
            auto_sync: at(obj, "/spec/syncPolicy/automated").is_some_and(|a| !a.is_null()),
            operation,
            errors,
            resources_total: listed.map_or(0, Vec::len),
            resources,
        };
        flux::object_row(
            obj,
            m.name,
            context,
            source,
            Facts::ArgoApplication(facts),
            now,
        )
    }

    /// The first unhealthy resource, "Deployment/checkout-api: Degraded: …", for a reason.
    fn first_unhealthy(&self) -> Option<String> {
        let r = self.resources.first().filter(|r| !r.is_fine())?;
        let state = r.health.as_deref().unwrap_or(&r.sync);
        Some(match &r.message {
            Some(m) => format!("{}/{} {state}: {m}", r.kind, r.name),
            None => format!("{}/{} {state}", r.kind, r.name),
        })
    }
}

impl AppResource {
    /// Synced, and healthy or without a health (a ConfigMap has none).
    fn is_fine(&self) -> bool {
        self.sync == "Synced" && self.health.as_deref().is_none_or(|h| h == "Healthy")
    }
}

/// Watched from `argoproj.io/v1alpha1`, as `argocd app list` lists them.
pub const RESOURCE: KubeResource = KubeResource {
    api_version: API_VERSION,
    api_kind: "Application",
    plural: "applications",
    provided_by: "Argo CD",
    flux_noun: None,
};

impl KindFacts for ArgoApplication {
    const SPEC: &'static KindSpec =
        &KindSpec::namespaced("argo_application", "Argo CD Applications")
            .labels("Argo", "app", &["app", "apps", "applications", "argo"])
            .watched(&[RESOURCE], ArgoApplication::project)
            .refreshed_by(Refresh::ArgoRefresh)
            .drills_into(&[Section::Pods, Section::Events]);
    const COLUMNS: &'static [Column<Self>] = &[
        Column::NAMESPACE,
        Column::name(24),
        Column::CONTEXT,
        Column::new("SYNC", 10, |_, a, _| Cell::text(a.sync.clone())),
        Column::new("ARGO HEALTH", 11, |_, a, _| {
            Cell::text(a.argo_health.clone())
        }),
        Column::new("REVISION", 12, |_, a, _| {
            Cell::opt(a.revision.as_deref().map(|r| &r[..r.len().min(12)]))
        }),
        Column::new("PROJECT", 10, |_, a, _| Cell::text(a.project.clone())),
        Column::new("DESTINATION", 24, |_, a, _| {
            Cell::text(a.destination.clone())
        }),
        Column::HEALTH,
        Column::reason(40),
    ];

    /// A new commit in Git (the merge), a new revision synced, an operation ending, the sync
    /// status moving.
    fn happened(&self, before: &Self) -> Vec<String> {
        let mut lines: Vec<String> = [
            super::moved(
                "revision in Git",
                before.revision.as_deref(),
                self.revision.as_deref(),
            ),
            super::moved(
                "synced revision",
                before.deployed_revision.as_deref(),
                self.deployed_revision.as_deref(),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        if let Some(op) = &self.operation
            && before.operation.as_ref().map(|b| (&b.phase, &b.started_at))
                != Some((&op.phase, &op.started_at))
            && op.phase != "Running"
        {
            lines.push(format!("sync {}: {}", op.phase.to_lowercase(), op.message));
        }
        if before.sync != self.sync {
            lines.push(format!("sync status {} → {}", before.sync, self.sync));
        }
        lines
    }

    fn assess(&self, _conditions: &[Condition], _now: Timestamp) -> Assessment {
        let with_message = |what: &str| match &self.health_message {
            Some(m) => format!("{what}: {m}"),
            None => self
                .first_unhealthy()
                .map_or(what.to_string(), |r| format!("{what}: {r}")),
        };
        let failed_op = self
            .operation
            .as_ref()
            .filter(|o| o.phase == "Failed" || o.phase == "Error");
        match self.argo_health.as_str() {
            "Degraded" => return Assessment::new(Health::Failed, with_message("Degraded")),
            "Suspended" => return Assessment::new(Health::Suspended, with_message("Suspended")),
            _ => {}
        }
        if let Some(op) = failed_op {
            return Assessment::new(
                Health::Failed,
                format!("sync {}: {}", op.phase.to_lowercase(), op.message),
            );
        }
        if let Some(e) = self.errors.first() {
            return Assessment::new(Health::Failed, e.clone());
        }
        if self.argo_health == "Missing" {
            return Assessment::new(Health::Degraded, with_message("Missing"));
        }
        if let Some(op) = self
            .operation
            .as_ref()
            .filter(|o| o.phase == "Running" || o.phase == "Terminating")
        {
            return Assessment::new(Health::Progressing, format!("sync running: {}", op.message));
        }
        if self.argo_health == "Progressing" {
            return Assessment::new(Health::Progressing, with_message("Progressing"));
        }
        if self.sync == "OutOfSync" {
            let how = if self.auto_sync {
                "auto-sync has not caught up"
            } else {
                "no auto-sync: sync it"
            };
            let short = |r: &Option<String>| r.as_deref().map_or("-", short_revision).to_string();
            let runs = match &self.deployed_revision {
                Some(_) => format!(": the cluster runs {}", short(&self.deployed_revision)),
                None => String::new(),
            };
            return Assessment::new(
                Health::Degraded,
                format!("OutOfSync from {}{runs} ({how})", short(&self.revision)),
            );
        }
        match (self.argo_health.as_str(), self.sync.as_str()) {
            ("Healthy", "Synced") => Assessment::new(
                Health::Healthy,
                format!("Synced to {}", self.revision.as_deref().unwrap_or("-")),
            ),
            (h, s) => Assessment::new(Health::Unknown, format!("health {h}, sync {s}")),
        }
    }

    /// The argocd CLI in core mode (`--core`: straight to the cluster's API, as opsdeck reads
    /// it): without it, `--kube-context` is ignored and the CLI talks to whichever Argo CD
    /// server `argocd context` points at — another cluster's app of the same name.
    fn cli(&self, row: &Row) -> Vec<String> {
        let name = &row.id.name;
        let ns = row.id.scope.namespace();
        let ctx = row.id.scope.context();
        let app = format!("{ns}/{name}");
        vec![
            format!("argocd --core --kube-context {ctx} app get {app}"),
            format!("argocd --core --kube-context {ctx} app diff {app}"),
            format!("argocd --core --kube-context {ctx} app sync {app}"),
            format!("kubectl get applications.argoproj.io -n {ns} {name} --context {ctx} -o yaml"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::testing::{all_cells, now};
    use serde_json::json;

    /// Shaped as the Argo CD API reference's Application, as a cluster serves it.
    pub fn object() -> Value {
        json!({
            "apiVersion": API_VERSION, "kind": "Application",
            "metadata": {"name": "checkout-api", "namespace": "argocd", "resourceVersion": "9121"},
            "spec": {
                "project": "payments",
                "source": {"repoURL": "https://github.com/acme/gitops.git",
                           "path": "apps/checkout-api/overlays/prod", "targetRevision": "main"},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "checkout"},
                "syncPolicy": {"automated": {"prune": true, "selfHeal": true}}
            },
            "status": {
                "sync": {"status": "Synced", "revision": "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"},
                "health": {"status": "Healthy"},
                "operationState": {"phase": "Succeeded", "message": "successfully synced (all tasks run)",
                                   "startedAt": "2026-11-23T11:50:00Z", "finishedAt": "2026-11-23T11:50:12Z",
                                   "syncResult": {"revision": "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"}},
                "resources": [
                    {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "checkout",
                     "name": "checkout-api", "status": "Synced", "health": {"status": "Healthy"}},
                    {"version": "v1", "kind": "Service", "namespace": "checkout",
                     "name": "checkout-api", "status": "Synced", "health": {"status": "Healthy"}}
                ],
                "reconciledAt": "2026-11-23T11:58:00Z"
            }
        })
    }

    fn project(o: &Value) -> Row {
        ArgoApplication::project(o, "eks-prod-use1", "eks-prod-use1".into(), now()).unwrap()
    }

    #[test]
    fn a_synced_healthy_application_is_healthy_with_its_source_and_destination() {
        let r = project(&object());
        assert_eq!(r.id.display_name(), "argocd/checkout-api");
        assert_eq!(r.health, Health::Healthy);
        assert_eq!(
            r.reason,
            "Synced to 9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
        );
        let Facts::ArgoApplication(a) = &r.facts else {
            panic!()
        };
        assert_eq!(
            a.source,
            "https://github.com/acme/gitops.git apps/checkout-api/overlays/prod"
        );
        assert_eq!(a.destination, "in-cluster ns checkout");
        assert!(a.auto_sync);
        assert_eq!((a.resources_total, a.resources.len()), (2, 2));
        let cells = all_cells(&r);
        assert_eq!(cells[3].text, "Synced");
        assert_eq!(cells[5].text, "9f8e7d6c5b4a");
    }

    #[test]
    fn each_health_and_sync_state_maps_as_argo_means_it() {
        let with = |health: &str, sync: &str| {
            let mut o = object();
            o["status"]["health"] = json!({"status": health, "message": "because"});
            o["status"]["sync"]["status"] = json!(sync);
            project(&o)
        };
        let cases = [
            ("Healthy", "Synced", Health::Healthy),
            ("Degraded", "Synced", Health::Failed),
            ("Suspended", "Synced", Health::Suspended),
            ("Missing", "OutOfSync", Health::Degraded),
            ("Progressing", "Synced", Health::Progressing),
            ("Healthy", "OutOfSync", Health::Degraded),
            ("Unknown", "Unknown", Health::Unknown),
        ];
        for (health, sync, want) in cases {
            let r = with(health, sync);
            assert_eq!(r.health, want, "{health}/{sync}: {}", r.reason);
        }
        assert_eq!(with("Degraded", "Synced").reason, "Degraded: because");
        assert!(with("Healthy", "OutOfSync").reason.starts_with("OutOfSync"));
    }

    #[test]
    fn a_failed_sync_an_error_condition_and_a_degraded_resource_say_why() {
        let mut o = object();
        o["status"]["operationState"] = json!({"phase": "Failed",
            "message": "one or more objects failed to apply, reason: admission webhook denied",
            "startedAt": "2026-11-23T11:55:00Z", "finishedAt": "2026-11-23T11:55:03Z"});
        let r = project(&o);
        assert_eq!(r.health, Health::Failed);
        assert_eq!(
            r.reason,
            "sync failed: one or more objects failed to apply, reason: admission webhook denied"
        );

        let mut o = object();
        o["status"]["conditions"] = json!([{"type": "ComparisonError",
            "message": "rpc error: repository not found", "lastTransitionTime": "2026-11-23T11:57:00Z"}]);
        let r = project(&o);
        assert_eq!(
            (r.health, r.reason.as_str()),
            (
                Health::Failed,
                "ComparisonError: rpc error: repository not found"
            )
        );

        let mut o = object();
        o["status"]["health"] = json!({"status": "Degraded"});
        o["status"]["resources"][0]["health"] = json!({"status": "Degraded", "message": "Deployment \"checkout-api\" exceeded its progress deadline"});
        let r = project(&o);
        assert_eq!(
            r.reason,
            "Degraded: Deployment/checkout-api Degraded: Deployment \"checkout-api\" exceeded its progress deadline"
        );
        let Facts::ArgoApplication(a) = &r.facts else {
            panic!()
        };
        assert_eq!(
            a.resources
                .iter()
                .map(|r| r.kind.as_str())
                .collect::<Vec<_>>(),
            ["Deployment", "Service"],
            "the degraded one first"
        );
    }

    #[test]
    fn resources_not_fine_come_first_and_the_list_is_bounded() {
        let mut o = object();
        o["status"]["resources"][1]["status"] = json!("OutOfSync");
        let many: Vec<Value> = (0..80)
            .map(|i| json!({"kind": "ConfigMap", "namespace": "checkout", "name": format!("cm-{i}"), "status": "Synced"}))
            .collect();
        o["status"]["resources"]
            .as_array_mut()
            .unwrap()
            .extend(many);
        let Facts::ArgoApplication(a) = &project(&o).facts else {
            panic!()
        };
        assert_eq!(a.resources_total, 82);
        assert_eq!(a.resources.len(), RESOURCES_KEPT);
        assert_eq!(
            (a.resources[0].kind.as_str(), a.resources[0].sync.as_str()),
            ("Service", "OutOfSync")
        );
        assert_eq!(a.resources[1].kind, "Deployment");
    }

    #[test]
    fn a_running_sync_progresses_and_a_chart_source_names_its_version() {
        let mut o = object();
        o["status"]["operationState"]["phase"] = json!("Running");
        o["status"]["operationState"]["message"] =
            json!("waiting for healthy state of apps/Deployment/checkout-api");
        assert_eq!(project(&o).health, Health::Progressing);
        let mut o = object();
        o["spec"]["source"] = json!({"repoURL": "https://charts.acme.io", "chart": "checkout-api", "targetRevision": "1.4.2"});
        let Facts::ArgoApplication(a) = &project(&o).facts else {
            panic!()
        };
        assert_eq!(a.source, "https://charts.acme.io checkout-api@1.4.2");
    }

    #[test]
    fn what_happened_between_two_readings() {
        let before = project(&object());
        let mut o = object();
        o["status"]["sync"] = json!({"status": "OutOfSync", "revision": "0123456789abcdef"});
        o["status"]["operationState"] = json!({"phase": "Failed", "message": "hook failed",
            "startedAt": "2026-11-23T11:59:00Z", "syncResult": {"revision": "0123456789abcdef"}});
        let now = project(&o);
        let (Facts::ArgoApplication(b), Facts::ArgoApplication(n)) = (&before.facts, &now.facts)
        else {
            panic!()
        };
        assert_eq!(
            n.happened(b),
            [
                "revision in Git 9f8e7d6c5b4a39281706f5e4d3c2b1a098765432 → 0123456789abcdef",
                "synced revision 9f8e7d6c5b4a39281706f5e4d3c2b1a098765432 → 0123456789abcdef",
                "sync failed: hook failed",
                "sync status Synced → OutOfSync",
            ]
        );
        assert!(n.happened(n).is_empty());
    }

    #[test]
    fn cli_names_the_app_as_argocd_does() {
        let r = project(&object());
        assert_eq!(
            r.facts.cli(&r)[0],
            "argocd --core --kube-context eks-prod-use1 app get argocd/checkout-api"
        );
        let mut o = object();
        o["metadata"]["namespace"] = json!("team-a");
        let r = project(&o);
        assert_eq!(
            r.facts.cli(&r)[2],
            "argocd --core --kube-context eks-prod-use1 app sync team-a/checkout-api"
        );
    }
}
