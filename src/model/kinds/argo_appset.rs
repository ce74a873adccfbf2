//! Argo CD ApplicationSet (`argoproj.io/v1alpha1`): the template seed 003's platform stamps its
//! Applications from, one per cluster or per tenant. Listed with its generators, how many
//! Applications it generated and their worst health (`status.resources`, as Argo CD reports the
//! generated Applications), and its own conditions: a generator that fails (`ErrorOccurred`,
//! `ParametersGenerated=False`) generates nothing new, which the Applications alone never show.

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::argo_application::API_VERSION;
use super::{KindFacts, flux};
use crate::model::condition::find;
use crate::model::json::at;
use crate::model::{
    Assessment, Cell, Column, Condition, Facts, Health, KindSpec, KubeResource, Row,
};

/// The most generated Applications kept per set, the least healthy first.
const APPS_KEPT: usize = 50;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ArgoAppSet {
    /// The generators' kinds, in order: "list", "clusters", "git", "matrix"…
    pub generators: Vec<String>,
    /// The generated Applications' name template.
    pub template: String,
    pub apps_total: usize,
    /// The generated Applications, the least healthy first.
    pub apps: Vec<GeneratedApp>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GeneratedApp {
    pub name: String,
    pub sync: String,
    pub health: String,
    pub message: Option<String>,
}

impl GeneratedApp {
    /// Where Argo CD's health puts it, worst last: a sort key and opsdeck's health.
    fn health(&self) -> Health {
        match self.health.as_str() {
            "Degraded" => Health::Failed,
            "Missing" => Health::Degraded,
            "Progressing" => Health::Progressing,
            "Suspended" => Health::Suspended,
            "Healthy" if self.sync == "OutOfSync" => Health::Degraded,
            "Healthy" => Health::Healthy,
            _ => Health::Unknown,
        }
    }
}

fn text_at(obj: &Value, pointer: &str) -> Option<String> {
    flux::string_at(obj, pointer).filter(|s| !s.is_empty())
}

impl ArgoAppSet {
    pub fn project(obj: &Value, context: &str, source: Arc<str>, now: Timestamp) -> Option<Row> {
        let m = flux::meta(obj)?;
        let generators = at(obj, "/spec/generators")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|g| g.as_object()?.keys().next().cloned())
            .collect();
        let listed = at(obj, "/status/resources").and_then(Value::as_array);
        let mut apps: Vec<GeneratedApp> = listed
            .into_iter()
            .flatten()
            .filter(|r| r.get("kind").and_then(Value::as_str) == Some("Application"))
            .map(|r| GeneratedApp {
                name: text_at(r, "/name").unwrap_or_default(),
                sync: text_at(r, "/status").unwrap_or_else(|| "Unknown".into()),
                health: text_at(r, "/health/status").unwrap_or_else(|| "Unknown".into()),
                message: text_at(r, "/health/message").map(|m| crate::text::one_line(&m)),
            })
            .collect();
        let apps_total = apps.len();
        apps.sort_by_key(|a| std::cmp::Reverse(a.health().severity()));
        apps.truncate(APPS_KEPT);
        let facts = ArgoAppSet {
            generators,
            template: text_at(obj, "/spec/template/metadata/name").unwrap_or_default(),
            apps_total,
            apps,
        };
        flux::object_row(obj, m.name, context, source, Facts::ArgoAppSet(facts), now)
    }

    fn not_healthy(&self) -> usize {
        self.apps
            .iter()
            .filter(|a| a.health() != Health::Healthy)
            .count()
    }
}

/// Watched from `argoproj.io/v1alpha1`, as `argocd appset list` lists them.
pub const RESOURCE: KubeResource = KubeResource {
    api_version: API_VERSION,
    api_kind: "ApplicationSet",
    plural: "applicationsets",
    provided_by: "Argo CD's ApplicationSet controller",
    flux_noun: None,
};

impl KindFacts for ArgoAppSet {
    const SPEC: &'static KindSpec =
        &KindSpec::namespaced("argo_app_set", "Argo CD ApplicationSets")
            .labels(
                "AppSets",
                "appset",
                &["appset", "appsets", "applicationsets"],
            )
            .watched(&[RESOURCE], ArgoAppSet::project);
    const COLUMNS: &'static [Column<Self>] = &[
        Column::NAMESPACE,
        Column::name(24),
        Column::CONTEXT,
        Column::new("GENERATORS", 16, |_, a, _| {
            Cell::text(a.generators.join(","))
        }),
        Column::new("APPS", 5, |_, a, _| Cell::count(a.apps_total as i64)),
        Column::new("NOT HEALTHY", 11, |_, a, _| {
            Cell::count(a.not_healthy() as i64)
        }),
        Column::HEALTH,
        Column::reason(40),
    ];

    fn assess(&self, conditions: &[Condition], _now: Timestamp) -> Assessment {
        let said = |c: &Condition| {
            let msg = flux::first_line(&c.message);
            if msg.is_empty() {
                c.reason.clone()
            } else {
                msg.to_string()
            }
        };
        if let Some(c) = find(conditions, "ErrorOccurred").filter(|c| c.is_true()) {
            return Assessment::new(Health::Failed, format!("error: {}", said(c)));
        }
        if let Some(c) = find(conditions, "ParametersGenerated").filter(|c| c.is_false()) {
            return Assessment::new(Health::Failed, format!("generators failed: {}", said(c)));
        }
        match self.apps.first() {
            None => Assessment::new(Health::Unknown, "no Application generated"),
            Some(worst) if worst.health() == Health::Healthy => Assessment::new(
                Health::Healthy,
                format!("{} Applications synced and healthy", self.apps_total),
            ),
            Some(worst) => {
                let why = match &worst.message {
                    Some(m) => format!(": {m}"),
                    None => String::new(),
                };
                Assessment::new(
                    worst.health(),
                    format!(
                        "{} of {} not healthy; worst {} {}/{}{why}",
                        self.not_healthy(),
                        self.apps_total,
                        worst.name,
                        worst.sync,
                        worst.health
                    ),
                )
            }
        }
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        let (name, ns, ctx) = (
            &row.id.name,
            row.id.scope.namespace(),
            row.id.scope.context(),
        );
        vec![
            format!("argocd --core --kube-context {ctx} appset get {name}"),
            format!(
                "kubectl get applicationsets.argoproj.io -n {ns} {name} --context {ctx} -o yaml"
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::testing::{all_cells, now};
    use serde_json::json;

    /// Shaped as the Argo CD API reference's ApplicationSet, with the generated Applications in
    /// `status.resources` as Argo CD 2.9 and later report them.
    fn object() -> Value {
        json!({
            "apiVersion": API_VERSION, "kind": "ApplicationSet",
            "metadata": {"name": "checkout", "namespace": "argocd"},
            "spec": {
                "generators": [{"clusters": {"selector": {"matchLabels": {"env": "prod"}}}}],
                "template": {"metadata": {"name": "{{name}}-checkout"},
                             "spec": {"project": "payments", "source": {"repoURL": "https://github.com/acme/gitops.git", "path": "apps/checkout"},
                                      "destination": {"server": "{{server}}", "namespace": "checkout"}}}
            },
            "status": {
                "conditions": [
                    {"type": "ErrorOccurred", "status": "False", "reason": "ApplicationSetUpToDate", "message": "Successfully generated parameters for all Applications"},
                    {"type": "ParametersGenerated", "status": "True", "reason": "ParametersGenerated", "message": "Successfully generated parameters for all Applications"},
                    {"type": "ResourcesUpToDate", "status": "True", "reason": "ApplicationSetUpToDate", "message": "ApplicationSet up to date"}
                ],
                "resources": [
                    {"group": "argoproj.io", "version": "v1alpha1", "kind": "Application", "namespace": "argocd",
                     "name": "use1-checkout", "status": "Synced", "health": {"status": "Healthy"}},
                    {"group": "argoproj.io", "version": "v1alpha1", "kind": "Application", "namespace": "argocd",
                     "name": "sae1-checkout", "status": "Synced", "health": {"status": "Healthy"}}
                ]
            }
        })
    }

    fn project(o: &Value) -> Row {
        ArgoAppSet::project(o, "eks-prod-use1", "eks-prod-use1".into(), now()).unwrap()
    }

    #[test]
    fn a_set_whose_applications_are_healthy_is_healthy() {
        let r = project(&object());
        assert_eq!(r.health, Health::Healthy);
        assert_eq!(r.reason, "2 Applications synced and healthy");
        let cells = all_cells(&r);
        assert_eq!(
            (
                cells[3].text.as_str(),
                cells[4].text.as_str(),
                cells[5].text.as_str()
            ),
            ("clusters", "2", "0")
        );
    }

    #[test]
    fn the_worst_generated_application_is_the_sets_health() {
        let mut o = object();
        o["status"]["resources"][1]["health"] = json!({"status": "Degraded", "message": "Deployment \"checkout\" exceeded its progress deadline"});
        let r = project(&o);
        assert_eq!(r.health, Health::Failed);
        assert_eq!(
            r.reason,
            "1 of 2 not healthy; worst sae1-checkout Synced/Degraded: Deployment \"checkout\" exceeded its progress deadline"
        );
        let mut o = object();
        o["status"]["resources"][0]["status"] = json!("OutOfSync");
        assert_eq!(project(&o).health, Health::Degraded);
    }

    #[test]
    fn a_failing_generator_fails_the_set() {
        let mut o = object();
        o["status"]["conditions"][0] = json!({"type": "ErrorOccurred", "status": "True",
            "reason": "ApplicationGenerationFromParamsError",
            "message": "failed to execute go template {{.name}}-checkout: map has no entry for key \"name\""});
        let r = project(&o);
        assert_eq!(r.health, Health::Failed);
        assert!(
            r.reason.starts_with("error: failed to execute go template"),
            "{}",
            r.reason
        );
        let mut o = object();
        o["status"]["resources"] = json!([]);
        assert_eq!(project(&o).health, Health::Unknown);
    }
}
