//! Workloads (`apps/v1`): Deployments, StatefulSets and DaemonSets, projected to their replica
//! counts, their rollout state and the Flux object that manages them. Rows are named
//! "<kind>/<name>" in lower case ("deployment/hyperfy2-world"), as kubectl prints them, so a
//! Deployment and a StatefulSet of the same name stay two rows.
//!
//! The health rule follows `kubectl rollout status`: a Deployment whose `Progressing`
//! condition says `ProgressDeadlineExceeded` is stuck (failed); a rollout still going (the
//! controller has not seen the spec yet, or fewer replicas are updated than desired) is
//! progressing; no ready replica of a desired one is failed; fewer ready than desired is
//! degraded. A paused Deployment is suspended, as a suspended Flux object is.

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::KindFacts;
use super::flux::{self, FluxRef};
use crate::model::condition::find;
use crate::model::drilldown::Section;
use crate::model::json::at;
use crate::model::kind::KindFilter;
use crate::model::{
    Assessment, Cell, Column, Condition, Facts, Health, KindSpec, KubeResource, Row,
};

pub const API_VERSION: &str = "apps/v1";

/// The workload resources watched, in the order kubectl lists them.
pub const RESOURCES: [KubeResource; 3] = [
    apps_resource("Deployment", "deployments"),
    apps_resource("StatefulSet", "statefulsets"),
    apps_resource("DaemonSet", "daemonsets"),
];

const fn apps_resource(api_kind: &'static str, plural: &'static str) -> KubeResource {
    KubeResource {
        api_version: API_VERSION,
        api_kind,
        plural,
        provided_by: "the Kubernetes apps API",
        flux_noun: None,
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Workload {
    /// Deployment, StatefulSet or DaemonSet.
    pub workload_kind: String,
    /// Replicas wanted (a DaemonSet: nodes it should run on).
    pub desired: u32,
    pub ready: u32,
    /// Replicas running the current template.
    pub updated: u32,
    pub available: u32,
    /// `spec.paused` (Deployments only).
    pub paused: bool,
    /// The controller has not yet seen the latest spec (`observedGeneration` < `generation`).
    pub generation_pending: bool,
    /// The Flux object that applied it, from the labels Flux sets on what it applies.
    pub owner: Option<FluxRef>,
    /// `spec.selector` as a label selector ("app=x,release=y"): how its pods are found.
    pub selector: String,
    pub images: Vec<String>,
}

impl Workload {
    pub fn project(obj: &Value, context: &str, source: Arc<str>, now: Timestamp) -> Option<Row> {
        let m = flux::meta(obj)?;
        let workload_kind = flux::str_at(obj, "/kind")?;
        let count = |p: &str| at(obj, p).and_then(Value::as_u64).unwrap_or(0) as u32;
        let desired = if workload_kind == "DaemonSet" {
            count("/status/desiredNumberScheduled")
        } else {
            // An absent `spec.replicas` is 1, as the API defaults it.
            at(obj, "/spec/replicas")
                .and_then(Value::as_u64)
                .unwrap_or(1) as u32
        };
        let (ready, updated, available) = if workload_kind == "DaemonSet" {
            (
                count("/status/numberReady"),
                count("/status/updatedNumberScheduled"),
                count("/status/numberAvailable"),
            )
        } else {
            (
                count("/status/readyReplicas"),
                count("/status/updatedReplicas"),
                count("/status/availableReplicas"),
            )
        };
        let generation = count("/metadata/generation");
        let observed = count("/status/observedGeneration");
        let facts = Workload {
            workload_kind: workload_kind.to_string(),
            desired,
            ready,
            updated,
            available,
            paused: at(obj, "/spec/paused")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            generation_pending: observed < generation,
            owner: FluxRef::owner_of(obj),
            selector: selector(obj),
            images: images(obj),
        };
        flux::object_row(
            obj,
            row_name(workload_kind, m.name),
            context,
            source,
            Facts::Workload(facts),
            now,
        )
    }

    /// "2/2", the replica count kubectl's READY column shows.
    pub fn ready_text(&self) -> String {
        format!("{}/{}", self.ready, self.desired)
    }

    /// "deployment hyperfy2-world 0/2 ready": the workload in a sentence about its owner.
    pub fn summary(&self, row: &Row) -> String {
        format!(
            "{} {} {} ready",
            self.workload_kind.to_ascii_lowercase(),
            object_name(&row.id.name),
            self.ready_text()
        )
    }
}

/// "deployment/<name>": the row name of a workload.
pub fn row_name(workload_kind: &str, name: &str) -> String {
    format!("{}/{name}", workload_kind.to_ascii_lowercase())
}

/// The object's own name from a row name.
pub fn object_name(row_name: &str) -> &str {
    row_name.split_once('/').map_or(row_name, |(_, n)| n)
}

/// `spec.selector` as a label selector string: `matchLabels` as `k=v`, and the
/// `matchExpressions` in the API's set-based syntax (`k in (a,b)`, `k notin (a)`, `k`, `!k`).
fn selector(obj: &Value) -> String {
    let mut terms: Vec<String> = Vec::new();
    if let Some(labels) = at(obj, "/spec/selector/matchLabels").and_then(Value::as_object) {
        for (k, v) in labels {
            terms.push(format!("{k}={}", v.as_str().unwrap_or_default()));
        }
    }
    for e in at(obj, "/spec/selector/matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
        let values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        match e.get("operator").and_then(Value::as_str) {
            Some("In") => terms.push(format!("{key} in ({})", values.join(","))),
            Some("NotIn") => terms.push(format!("{key} notin ({})", values.join(","))),
            Some("Exists") => terms.push(key.to_string()),
            Some("DoesNotExist") => terms.push(format!("!{key}")),
            _ => {}
        }
    }
    terms.join(",")
}

/// The images of the pod template's containers, in order.
fn images(obj: &Value) -> Vec<String> {
    at(obj, "/spec/template/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("image").and_then(Value::as_str).map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

impl KindFacts for Workload {
    const SPEC: &'static KindSpec = &KindSpec::namespaced("workload", "Workloads")
        // `deployments`, `statefulsets`, `daemonsets` are the resources' plurals: like
        // `deploy`, they open the pane filtered to their type (`Kind::by_name`).
        .labels("Workloads", "wl", &["workloads", "wl"])
        .filtered_by(&[
            KindFilter::new("deploy", "deployment/"),
            KindFilter::new("sts", "statefulset/"),
            KindFilter::new("ds", "daemonset/"),
        ])
        .counted_in_org(|p| &mut p.workloads)
        .watched(&RESOURCES, Workload::project)
        .named_by(row_name)
        .drills_into(&[Section::Pods, Section::Events]);
    const COLUMNS: &'static [Column<Self>] = &[
        Column::NAMESPACE,
        Column::name(30),
        Column::CONTEXT,
        Column::new("READY", 7, |_, w, _| Cell::ratio(w.ready, w.desired)),
        Column::new("UP-TO-DATE", 10, |_, w, _| Cell::count(w.updated)),
        Column::new("AVAILABLE", 9, |_, w, _| Cell::count(w.available)),
        Column::new("OWNER", 30, |_, w, _| {
            Cell::text(w.owner.as_ref().map_or("-".into(), FluxRef::short))
        }),
        Column::new("IMAGES", 30, |_, w, _| Cell::text(w.images.join(","))),
        Column::HEALTH,
        Column::reason(40),
    ];

    fn api_kind(&self) -> Option<&str> {
        Some(&self.workload_kind)
    }

    fn assess(&self, conditions: &[Condition], _now: Timestamp) -> Assessment {
        let n = self.desired;
        if self.paused {
            return Assessment::new(Health::Suspended, "rollout paused");
        }
        if let Some(c) = find(conditions, "Progressing")
            .filter(|c| c.is_false() && c.reason == "ProgressDeadlineExceeded")
        {
            return Assessment::new(
                Health::Failed,
                format!(
                    "rollout stuck, {}/{n} ready: {}",
                    self.ready,
                    flux::reason_text(c)
                ),
            );
        }
        if n == 0 {
            return Assessment::new(Health::Healthy, "scaled to 0");
        }
        if self.generation_pending || self.updated < n {
            return Assessment::new(
                Health::Progressing,
                format!(
                    "rolling out: {}/{n} updated, {}/{n} ready",
                    self.updated, self.ready
                ),
            );
        }
        if self.ready == 0 {
            return Assessment::new(Health::Failed, format!("0/{n} ready"));
        }
        if self.ready < n || self.available < n {
            return Assessment::new(
                Health::Degraded,
                format!("{}/{n} ready, {}/{n} available", self.ready, self.available),
            );
        }
        Assessment::new(Health::Healthy, format!("{n}/{n} ready"))
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        let (ctx, ns) = (row.id.scope.context(), row.id.scope.namespace());
        let kind = self.workload_kind.to_ascii_lowercase();
        let name = object_name(&row.id.name);
        let mut v = vec![
            format!("kubectl --context {ctx} -n {ns} rollout status {kind}/{name}"),
            format!("kubectl --context {ctx} -n {ns} describe {kind} {name}"),
            format!(
                "kubectl --context {ctx} -n {ns} get pods -l {}",
                self.selector
            ),
            format!(
                "kubectl --context {ctx} -n {ns} logs -l {} --all-containers --prefix",
                self.selector
            ),
        ];
        if self.owner.is_some() {
            v.push(format!(
                "flux trace {name} --kind {} --api-version {API_VERSION} -n {ns} --context {ctx}",
                self.workload_kind
            ));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::testing::{all_cells, now};
    use serde_json::json;

    fn deployment(replicas: u64, ready: u64, updated: u64) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "hyperfy2-world", "namespace": "numen-games", "generation": 4,
                         "labels": {"helm.toolkit.fluxcd.io/name": "hyperfy2-world",
                                    "helm.toolkit.fluxcd.io/namespace": "numen-games"}},
            "spec": {"replicas": replicas,
                     "selector": {"matchLabels": {"app.kubernetes.io/instance": "hyperfy2-world",
                                                  "app.kubernetes.io/name": "hyperfy2"}},
                     "template": {"spec": {"containers": [
                         {"name": "hyperfy2", "image": "ghcr.io/numinia/hyperfy2:0.4.3"}]}}},
            "status": {"observedGeneration": 4, "replicas": replicas, "readyReplicas": ready,
                       "updatedReplicas": updated, "availableReplicas": ready,
                       "conditions": [
                           {"type": "Available", "status": if ready > 0 {"True"} else {"False"},
                            "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."},
                           {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                            "message": "ReplicaSet \"hyperfy2-world-7d9f8c6b5\" has successfully progressed."}]}
        })
    }

    fn project(obj: &Value) -> Row {
        Workload::project(obj, "prod-cluster", "prod-cluster".into(), now()).unwrap()
    }

    #[test]
    fn a_deployment_projects_counts_owner_selector_and_images() {
        let r = project(&deployment(2, 2, 2));
        assert_eq!(r.id.name, "deployment/hyperfy2-world");
        assert_eq!(r.id.scope.namespace(), "numen-games");
        let Facts::Workload(w) = &r.facts else {
            panic!("a workload")
        };
        assert_eq!((w.desired, w.ready, w.updated, w.available), (2, 2, 2, 2));
        assert_eq!(
            w.owner.as_ref().map(ToString::to_string).as_deref(),
            Some("HelmRelease/numen-games/hyperfy2-world")
        );
        assert_eq!(
            w.selector,
            "app.kubernetes.io/instance=hyperfy2-world,app.kubernetes.io/name=hyperfy2"
        );
        assert_eq!(w.images, ["ghcr.io/numinia/hyperfy2:0.4.3"]);
        assert_eq!(r.health, Health::Healthy);
        assert_eq!(r.reason, "2/2 ready");
        let cells = all_cells(&r);
        assert_eq!(cells[3].text, "2/2");
        assert_eq!(cells[6].text, "HelmRelease/hyperfy2-world");
    }

    #[test]
    fn no_ready_replica_of_a_finished_rollout_is_failed_and_some_is_degraded() {
        let r = project(&deployment(2, 0, 2));
        assert_eq!((r.health, r.reason.as_str()), (Health::Failed, "0/2 ready"));
        let r = project(&deployment(2, 1, 2));
        assert_eq!(r.health, Health::Degraded);
        assert_eq!(r.reason, "1/2 ready, 1/2 available");
    }

    #[test]
    fn a_rollout_under_way_is_progressing_until_its_deadline_passes() {
        let r = project(&deployment(2, 1, 1));
        assert_eq!(r.health, Health::Progressing);
        assert_eq!(r.reason, "rolling out: 1/2 updated, 1/2 ready");
        let mut o = deployment(2, 1, 1);
        o["status"]["conditions"][1] = json!({"type": "Progressing", "status": "False",
            "reason": "ProgressDeadlineExceeded",
            "message": "ReplicaSet \"hyperfy2-world-5c6d7f9b8\" has timed out progressing."});
        let r = project(&o);
        assert_eq!(r.health, Health::Failed);
        assert_eq!(
            r.reason,
            "rollout stuck, 1/2 ready: ProgressDeadlineExceeded: ReplicaSet \"hyperfy2-world-5c6d7f9b8\" has timed out progressing."
        );
        // A spec the controller has not seen yet is a rollout too.
        let mut o = deployment(2, 2, 2);
        o["metadata"]["generation"] = json!(5);
        assert_eq!(project(&o).health, Health::Progressing);
    }

    #[test]
    fn paused_is_suspended_and_zero_replicas_healthy() {
        let mut o = deployment(2, 0, 0);
        o["spec"]["paused"] = json!(true);
        assert_eq!(project(&o).health, Health::Suspended);
        let r = project(&deployment(0, 0, 0));
        assert_eq!(
            (r.health, r.reason.as_str()),
            (Health::Healthy, "scaled to 0")
        );
    }

    #[test]
    fn statefulsets_and_daemonsets_read_their_own_counters() {
        let sts = json!({"kind": "StatefulSet", "apiVersion": "apps/v1",
            "metadata": {"name": "elizaos-researcher", "namespace": "active-inference", "generation": 1,
                         "labels": {"kustomize.toolkit.fluxcd.io/name": "active-inference-pro",
                                    "kustomize.toolkit.fluxcd.io/namespace": "active-inference"}},
            "spec": {"selector": {"matchLabels": {"app": "elizaos-researcher"},
                                  "matchExpressions": [{"key": "tier", "operator": "In", "values": ["agent", "worker"]},
                                                       {"key": "canary", "operator": "DoesNotExist"}]}},
            "status": {"observedGeneration": 1, "replicas": 1, "readyReplicas": 0, "updatedReplicas": 1}});
        let r = project(&sts);
        assert_eq!(r.id.name, "statefulset/elizaos-researcher");
        assert_eq!((r.health, r.reason.as_str()), (Health::Failed, "0/1 ready"));
        let Facts::Workload(w) = &r.facts else {
            panic!()
        };
        assert_eq!(
            w.owner.as_ref().unwrap().to_string(),
            "Kustomization/active-inference/active-inference-pro"
        );
        assert_eq!(
            w.selector,
            "app=elizaos-researcher,tier in (agent,worker),!canary"
        );

        let ds = json!({"kind": "DaemonSet", "apiVersion": "apps/v1",
            "metadata": {"name": "traefik", "namespace": "traefik", "generation": 2},
            "spec": {"selector": {"matchLabels": {"app": "traefik"}}},
            "status": {"observedGeneration": 2, "desiredNumberScheduled": 6, "numberReady": 6,
                       "updatedNumberScheduled": 6, "numberAvailable": 6}});
        let r = project(&ds);
        assert_eq!(
            (r.health, r.reason.as_str()),
            (Health::Healthy, "6/6 ready")
        );
        let Facts::Workload(w) = &r.facts else {
            panic!()
        };
        assert!(w.owner.is_none());
    }
}
