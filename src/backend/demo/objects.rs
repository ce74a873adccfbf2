//! Real-shaped Flux and cert-manager objects, so demo rows go through the same projections as
//! rows read from a cluster.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::model::kinds::{
    argo_application, certificate, flux_source, helm_release, kustomization,
};

pub fn condition(kind: &str, status: &str, reason: &str, message: &str, at: Timestamp) -> Value {
    json!({"type": kind, "status": status, "reason": reason, "message": message,
           "lastTransitionTime": at.to_string(), "observedGeneration": 1})
}

pub fn ready(reason: &str, message: &str, at: Timestamp) -> Value {
    condition("Ready", "True", reason, message, at)
}

pub fn not_ready(reason: &str, message: &str, at: Timestamp) -> Value {
    condition("Ready", "False", reason, message, at)
}

/// The Kustomization that applied an object, as (namespace, name): kustomize-controller labels
/// what it applies with both.
pub type AppliedBy<'a> = (&'a str, &'a str);

/// What the cluster's root Kustomization applies.
pub const ROOT: AppliedBy<'static> = ("flux-system", "flux-system");

fn meta_by(name: &str, namespace: &str, (ks_ns, ks): AppliedBy<'_>) -> Value {
    json!({"name": name, "namespace": namespace, "generation": 1,
           "labels": {"kustomize.toolkit.fluxcd.io/name": ks,
                      "kustomize.toolkit.fluxcd.io/namespace": ks_ns}})
}

fn meta(name: &str, namespace: &str) -> Value {
    meta_by(name, namespace, ROOT)
}

pub struct KsSpec<'a> {
    pub applied_by: AppliedBy<'a>,
    pub namespace: &'a str,
    pub name: &'a str,
    pub path: &'a str,
    pub revision: &'a str,
    pub suspended: bool,
    pub conditions: Vec<Value>,
    /// The GitRepository it applies from: (namespace, name).
    pub source: (&'a str, &'a str),
}

pub fn kustomization(k: KsSpec<'_>) -> Value {
    json!({
        "apiVersion": kustomization::API_VERSION, "kind": "Kustomization",
        "metadata": meta_by(k.name, k.namespace, k.applied_by),
        "spec": {"interval": "10m", "path": k.path, "prune": true, "suspend": k.suspended,
                 "sourceRef": {"kind": "GitRepository", "name": k.source.1, "namespace": k.source.0}},
        "status": {"lastAppliedRevision": k.revision, "lastAttemptedRevision": k.revision,
                   "observedGeneration": 1, "conditions": k.conditions}
    })
}

pub struct HrSpec<'a> {
    pub applied_by: AppliedBy<'a>,
    pub namespace: &'a str,
    pub name: &'a str,
    pub chart: &'a str,
    pub version: &'a str,
    pub repository: &'a str,
    /// Where the HelmRepository is (Flux defaults it to the release's namespace).
    pub repository_namespace: &'a str,
    pub attempted: &'a str,
    pub upgrade_failures: u32,
    pub conditions: Vec<Value>,
}

pub fn helm_release(h: HrSpec<'_>) -> Value {
    json!({
        "apiVersion": helm_release::API_VERSION, "kind": "HelmRelease",
        "metadata": meta_by(h.name, h.namespace, h.applied_by),
        "spec": {"interval": "5m", "releaseName": h.name,
                 "chart": {"spec": {"chart": h.chart, "version": "*",
                   "sourceRef": {"kind": "HelmRepository", "name": h.repository, "namespace": h.repository_namespace}}}},
        "status": {
            "history": [{"chartName": h.chart, "chartVersion": h.version, "status": "deployed",
                         "name": h.name, "namespace": h.namespace, "version": 3}],
            "lastAttemptedRevision": h.attempted,
            "upgradeFailures": h.upgrade_failures,
            "observedGeneration": 1,
            "conditions": h.conditions
        }
    })
}

pub fn source(
    kind: &str,
    namespace: &str,
    name: &str,
    url: &str,
    revision: &str,
    at: Timestamp,
) -> Value {
    debug_assert!(flux_source::SOURCE_KINDS.contains(&kind));
    json!({
        "apiVersion": flux_source::API_VERSION, "kind": kind,
        "metadata": meta(name, namespace),
        "spec": {"interval": "1m", "url": url},
        "status": {"artifact": {"revision": revision, "digest": "sha256:4f6d", "lastUpdateTime": at.to_string()},
                   "conditions": [ready("Succeeded", &format!("stored artifact for revision '{revision}'"), at)]}
    })
}

pub struct CertSpec<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub dns_names: Vec<String>,
    pub issuer: &'a str,
    pub not_after: Timestamp,
    pub renewal_time: Timestamp,
    pub conditions: Vec<Value>,
}

pub fn certificate(c: CertSpec<'_>) -> Value {
    json!({
        "apiVersion": certificate::API_VERSION, "kind": "Certificate",
        "metadata": meta(c.name, c.namespace),
        "spec": {"secretName": c.name, "dnsNames": c.dns_names,
                 "issuerRef": {"name": c.issuer, "kind": "ClusterIssuer", "group": "cert-manager.io"}},
        "status": {"notAfter": c.not_after.to_string(), "renewalTime": c.renewal_time.to_string(),
                   "notBefore": c.renewal_time.to_string(), "revision": 3, "conditions": c.conditions}
    })
}

/// A Deployment, StatefulSet or DaemonSet as the API returns it, applied by a HelmRelease (its
/// `helm.toolkit.fluxcd.io` labels) or a Kustomization.
pub struct WorkloadSpec<'a> {
    /// Deployment, StatefulSet, DaemonSet.
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    /// ("HelmRelease" | "Kustomization", namespace, name).
    pub owner: (&'a str, &'a str, &'a str),
    /// The chart or app, for the `app.kubernetes.io/name` label.
    pub app: &'a str,
    pub image: &'a str,
    pub desired: u32,
    pub ready: u32,
    pub updated: u32,
    /// A Deployment whose rollout passed its progress deadline: the ReplicaSet that timed out,
    /// and when.
    pub stuck: Option<(&'a str, Timestamp)>,
    pub since: Timestamp,
}

pub fn workload(w: WorkloadSpec<'_>) -> Value {
    let (owner_kind, owner_ns, owner) = w.owner;
    let selector = json!({"app.kubernetes.io/name": w.app, "app.kubernetes.io/instance": w.name});
    // Flux labels what it applies with its object's name and namespace; Argo CD with the
    // Application's name (its tracking label).
    let owner_labels = match owner_kind {
        "" => json!({}),
        "Application" => json!({crate::model::kinds::flux::ARGO_INSTANCE_LABEL: owner}),
        "HelmRelease" => json!({"helm.toolkit.fluxcd.io/name": owner,
                                "helm.toolkit.fluxcd.io/namespace": owner_ns}),
        _ => json!({"kustomize.toolkit.fluxcd.io/name": owner,
                    "kustomize.toolkit.fluxcd.io/namespace": owner_ns}),
    };
    let mut labels = json!({"app.kubernetes.io/name": w.app, "app.kubernetes.io/instance": w.name});
    if let (Some(l), Value::Object(o)) = (labels.as_object_mut(), owner_labels) {
        l.extend(o);
    }
    let mut obj = json!({
        "apiVersion": "apps/v1", "kind": w.kind,
        "metadata": {"name": w.name, "namespace": w.namespace, "generation": 3,
                     "creationTimestamp": w.since.to_string(),
                     "labels": labels},
        "spec": {"selector": {"matchLabels": selector.clone()},
                 "template": {"metadata": {"labels": selector},
                              "spec": {"containers": [{"name": w.app, "image": w.image,
                                                       "resources": {"limits": {"memory": "512Mi"}}}]}}},
        "status": {"observedGeneration": 3}
    });
    match w.kind {
        "DaemonSet" => {
            obj["status"] = json!({"observedGeneration": 3, "desiredNumberScheduled": w.desired,
                "currentNumberScheduled": w.desired, "numberReady": w.ready,
                "updatedNumberScheduled": w.updated, "numberAvailable": w.ready});
        }
        kind => {
            obj["spec"]["replicas"] = json!(w.desired);
            obj["status"] = json!({"observedGeneration": 3, "replicas": w.desired.max(w.updated),
                "readyReplicas": w.ready, "updatedReplicas": w.updated, "availableReplicas": w.ready,
                "currentReplicas": w.desired});
            if kind == "Deployment" {
                let progressing = match w.stuck {
                    Some((rs, at)) => condition(
                        "Progressing",
                        "False",
                        "ProgressDeadlineExceeded",
                        &format!("ReplicaSet \"{rs}\" has timed out progressing."),
                        at,
                    ),
                    None => condition(
                        "Progressing",
                        "True",
                        "NewReplicaSetAvailable",
                        &format!("ReplicaSet \"{}\" has successfully progressed.", w.name),
                        w.since,
                    ),
                };
                let available = if w.ready > 0 { "True" } else { "False" };
                obj["status"]["conditions"] = json!([
                    condition(
                        "Available",
                        available,
                        "MinimumReplicasAvailable",
                        "Deployment has minimum availability.",
                        w.since
                    ),
                    progressing
                ]);
            }
        }
    }
    obj
}

/// An Argo CD Application as seed 003's clusters run them: one Argo CD per cluster, in the
/// `argocd` namespace, each app a path of the platform's GitOps repository.
pub struct ArgoSpec<'a> {
    pub name: &'a str,
    pub project: &'a str,
    pub repo: &'a str,
    pub path: &'a str,
    pub destination_namespace: &'a str,
    /// Synced or OutOfSync.
    pub sync: &'a str,
    /// Healthy, Progressing, Degraded…, and Argo CD's message.
    pub health: (&'a str, Option<&'a str>),
    /// What Git says (`status.sync.revision`), and what the last sync applied.
    pub revision: &'a str,
    pub deployed_revision: &'a str,
    pub auto_sync: bool,
    /// The resources Argo CD tracks: (kind, name, sync, health).
    pub resources: Vec<(&'a str, String, &'a str, &'a str)>,
    pub synced_at: Timestamp,
}

pub fn argo_application(a: ArgoSpec<'_>) -> Value {
    let mut health = json!({"status": a.health.0});
    if let Some(m) = a.health.1 {
        health["message"] = json!(m);
    }
    let resources: Vec<Value> = a
        .resources
        .iter()
        .map(|(kind, name, sync, h)| {
            json!({"group": if *kind == "Service" { "" } else { "apps" }, "version": "v1",
                   "kind": kind, "namespace": a.destination_namespace, "name": name,
                   "status": sync, "health": {"status": h}})
        })
        .collect();
    let mut spec = json!({
        "project": a.project,
        "source": {"repoURL": a.repo, "path": a.path, "targetRevision": "main"},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": a.destination_namespace}
    });
    if a.auto_sync {
        spec["syncPolicy"] = json!({"automated": {"prune": true, "selfHeal": true}});
    }
    json!({
        "apiVersion": argo_application::API_VERSION, "kind": "Application",
        "metadata": {"name": a.name, "namespace": "argocd", "generation": 4},
        "spec": spec,
        "status": {
            "sync": {"status": a.sync, "revision": a.revision},
            "health": health,
            "operationState": {"phase": "Succeeded", "message": "successfully synced (all tasks run)",
                               "startedAt": a.synced_at.to_string(), "finishedAt": a.synced_at.to_string(),
                               "syncResult": {"revision": a.deployed_revision}},
            "resources": resources,
            "reconciledAt": a.synced_at.to_string()
        }
    })
}

/// The ApplicationSet that stamps a seed-003 cluster's Applications from the platform's GitOps
/// repository: a git directory generator, and the generated Applications (name, sync, health)
/// as Argo CD reports them in `status.resources`.
pub fn argo_appset(name: &str, repo: &str, apps: &[(String, &str, &str)]) -> Value {
    let resources: Vec<Value> = apps
        .iter()
        .map(|(app, sync, health)| {
            json!({"group": "argoproj.io", "version": "v1alpha1", "kind": "Application",
                   "namespace": "argocd", "name": app, "status": sync, "health": {"status": health}})
        })
        .collect();
    json!({
        "apiVersion": argo_application::API_VERSION, "kind": "ApplicationSet",
        "metadata": {"name": name, "namespace": "argocd", "generation": 2},
        "spec": {
            "generators": [{"git": {"repoURL": repo, "revision": "main", "directories": [{"path": "apps/*/*"}]}}],
            "template": {"metadata": {"name": "{{path.basename}}"},
                         "spec": {"project": "helpdev", "source": {"repoURL": repo, "path": "{{path}}"},
                                  "destination": {"server": "https://kubernetes.default.svc", "namespace": "{{path[1]}}"}}}
        },
        "status": {
            "conditions": [
                {"type": "ErrorOccurred", "status": "False", "reason": "ApplicationSetUpToDate", "message": "Successfully generated parameters for all Applications"},
                {"type": "ParametersGenerated", "status": "True", "reason": "ParametersGenerated", "message": "Successfully generated parameters for all Applications"},
                {"type": "ResourcesUpToDate", "status": "True", "reason": "ApplicationSetUpToDate", "message": "ApplicationSet up to date"}
            ],
            "resources": resources
        }
    })
}
