//! The health rule Flux objects share, helpers to read Flux API objects, and their flux CLI commands.
//!
//! Flux sets `Reconciling` and `Stalled` only while they are True; `Ready` is always present
//! once the controller has seen the object.

use serde_json::Value;

use crate::model::condition::{find, is_true};
use crate::model::json::at;
use crate::model::{Assessment, Condition, Health, KubeResource};

pub fn assess(suspended: bool, conditions: &[Condition]) -> Assessment {
    if suspended {
        return Assessment::new(Health::Suspended, "suspended");
    }
    if let Some(c) = find(conditions, "Stalled").filter(|c| c.is_true()) {
        return Assessment::new(Health::Failed, format!("stalled: {}", reason_text(c)));
    }
    if is_true(conditions, "Reconciling") {
        let msg = find(conditions, "Reconciling").map(reason_text);
        return Assessment::new(
            Health::Progressing,
            msg.unwrap_or_else(|| "reconciling".into()),
        );
    }
    match find(conditions, "Ready") {
        Some(c) if c.is_true() => Assessment::new(Health::Healthy, first_line(&c.message)),
        Some(c) if c.is_false() => Assessment::new(Health::Failed, reason_text(c)),
        Some(c) => Assessment::new(Health::Progressing, reason_text(c)),
        None => Assessment::new(Health::Unknown, "no Ready condition yet"),
    }
}

/// "Reason: first line of the message", or whichever of the two is present.
pub fn reason_text(c: &Condition) -> String {
    let msg = first_line(&c.message);
    match (c.reason.is_empty(), msg.is_empty()) {
        (false, false) => format!("{}: {msg}", c.reason),
        (false, true) => c.reason.clone(),
        (true, _) => msg.to_string(),
    }
}

pub fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

pub fn str_at<'a>(obj: &'a Value, pointer: &str) -> Option<&'a str> {
    at(obj, pointer).and_then(Value::as_str)
}

pub fn string_at(obj: &Value, pointer: &str) -> Option<String> {
    str_at(obj, pointer).map(str::to_string)
}

pub fn suspended(obj: &Value) -> bool {
    at(obj, "/spec/suspend")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// "Kind/name" of a `sourceRef`, with the namespace when it differs from the object's.
pub fn source_ref(obj: &Value, pointer: &str) -> String {
    let Some(r) = at(obj, pointer) else {
        return "-".into();
    };
    let kind = r.get("kind").and_then(Value::as_str).unwrap_or("?");
    let name = r.get("name").and_then(Value::as_str).unwrap_or("?");
    let own_ns = str_at(obj, "/metadata/namespace");
    match r.get("namespace").and_then(Value::as_str) {
        Some(ns) if Some(ns) != own_ns => format!("{kind}/{ns}/{name}"),
        _ => format!("{kind}/{name}"),
    }
}

/// A Flux object named from another object: the HelmRelease or Kustomization that applied a
/// workload (from the labels Flux sets on what it applies), the Kustomization that applied a
/// HelmRelease. Shown and serialized as "HelmRelease/<namespace>/<name>".
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FluxRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// The label Argo CD tracks what an Application applied by.
pub const ARGO_INSTANCE_LABEL: &str = "argocd.argoproj.io/instance";

/// The labels helm-controller and kustomize-controller put on every object they apply, in the
/// order an owner is looked for: a HelmRelease's objects carry the helm labels.
const OWNER_LABELS: [(&str, &str); 2] = [
    ("HelmRelease", "helm.toolkit.fluxcd.io"),
    ("Kustomization", "kustomize.toolkit.fluxcd.io"),
];

impl FluxRef {
    /// The Flux object that applied `obj`, from its labels; the namespace label defaults to the
    /// object's own namespace.
    pub fn owner_of(obj: &Value) -> Option<FluxRef> {
        let labels = at(obj, "/metadata/labels")?;
        // Argo CD's tracking label: the Application's name, "<namespace>_<name>" for an
        // Application outside Argo CD's own namespace.
        if let Some(instance) = labels.get(ARGO_INSTANCE_LABEL).and_then(Value::as_str) {
            let (namespace, name) = instance.split_once('_').unwrap_or(("argocd", instance));
            return Some(FluxRef {
                kind: "Application".into(),
                namespace: namespace.into(),
                name: name.into(),
            });
        }
        OWNER_LABELS.iter().find_map(|(kind, group)| {
            let name = labels.get(format!("{group}/name"))?.as_str()?;
            let namespace = labels
                .get(format!("{group}/namespace"))
                .and_then(Value::as_str)
                .or_else(|| str_at(obj, "/metadata/namespace"))
                .unwrap_or("default");
            Some(FluxRef {
                kind: kind.to_string(),
                namespace: namespace.to_string(),
                name: name.to_string(),
            })
        })
    }

    /// "HelmRelease/<name>", for a column where the namespace is the row's own.
    pub fn short(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }

    /// The row that stands for it in a kube context.
    pub fn row_id(&self, context: &str) -> Option<crate::model::RowId> {
        crate::model::Kind::row_id_of(context, &self.kind, &self.namespace, &self.name)
    }
}

impl std::fmt::Display for FluxRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
    }
}

impl serde::Serialize for FluxRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Name, namespace and the object's own metadata every Flux projection needs.
pub struct Meta<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
}

pub fn meta(obj: &Value) -> Option<Meta<'_>> {
    Some(Meta {
        name: str_at(obj, "/metadata/name")?,
        namespace: str_at(obj, "/metadata/namespace").unwrap_or("default"),
    })
}

/// The row of a namespaced API object: its id from the object's namespace and `name`, its
/// conditions from `status.conditions`, its health from the kind's rule.
pub fn object_row(
    obj: &Value,
    name: impl Into<String>,
    context: &str,
    source: std::sync::Arc<str>,
    facts: crate::model::Facts,
    now: jiff::Timestamp,
) -> Option<crate::model::Row> {
    let m = meta(obj)?;
    Some(crate::model::Row::new(
        crate::model::RowId::new(
            facts.kind(),
            crate::model::Scope::kube(context, m.namespace),
            name,
        ),
        source,
        facts,
        Condition::all_from_object(obj),
        now,
    ))
}

/// The flux CLI's get, reconcile and events commands for a row of a Flux kind watched from
/// one resource (Kustomization, HelmRelease).
pub fn cli_commands(row: &crate::model::Row, resource: &KubeResource) -> Vec<String> {
    let scope = cli_scope(row);
    vec![
        format!("flux get {} {scope}", resource.plural),
        format!(
            "flux reconcile {} {scope} --with-source",
            resource.flux_noun.unwrap_or(resource.plural)
        ),
        format!(
            "flux events --for {}/{} -n {} --context {}",
            resource.api_kind,
            row.id.name,
            row.id.scope.namespace(),
            row.id.scope.context()
        ),
    ]
}

/// Flux CLI flags shared by every Flux command of a row.
pub fn cli_scope(row: &crate::model::Row) -> String {
    format!(
        "-n {} {} --context {}",
        row.id.scope.namespace(),
        flux_name(&row.id.name),
        row.id.scope.context()
    )
}

/// The object's own name: source rows are named "gitrepository/<name>".
pub fn flux_name(row_name: &str) -> &str {
    row_name.rsplit('/').next().unwrap_or(row_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(status: &str, reason: &str, msg: &str) -> Condition {
        Condition::new("Ready", status, reason, msg)
    }

    #[test]
    fn suspended_wins_over_everything() {
        let c = [ready("False", "Failed", "x")];
        assert_eq!(assess(true, &c).health, Health::Suspended);
    }

    #[test]
    fn stalled_is_failed_and_reconciling_is_progressing() {
        let c = [
            ready("False", "ArtifactFailed", "x"),
            Condition::new("Stalled", "True", "InvalidPath", "path not found"),
        ];
        let a = assess(false, &c);
        assert_eq!(a.health, Health::Failed);
        assert_eq!(a.reason, "stalled: InvalidPath: path not found");
        let c = [
            ready("Unknown", "Progressing", "reconciliation in progress"),
            Condition::new("Reconciling", "True", "Progressing", "applying revision"),
        ];
        assert_eq!(assess(false, &c).health, Health::Progressing);
    }

    #[test]
    fn ready_status_maps_to_health() {
        assert_eq!(
            assess(
                false,
                &[ready(
                    "True",
                    "ReconciliationSucceeded",
                    "Applied revision: main@sha1:abc"
                )]
            ),
            Assessment::new(Health::Healthy, "Applied revision: main@sha1:abc")
        );
        let a = assess(
            false,
            &[ready(
                "False",
                "BuildFailed",
                "kustomize build failed\ndetails",
            )],
        );
        assert_eq!(
            a,
            Assessment::new(Health::Failed, "BuildFailed: kustomize build failed")
        );
        assert_eq!(assess(false, &[]).health, Health::Unknown);
    }
}
