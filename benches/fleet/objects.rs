//! Objects of one context, shaped like the real ones: a quarter each of Kustomizations,
//! HelmReleases, GitRepositories and Certificates in tenant namespaces, each with its status.

use serde_json::{Value, json};

/// Tenant namespaces the objects spread over.
pub const NAMESPACES: usize = 40;

/// The four kinds holding rows, as `kubectl get` names them.
pub const KINDS: [&str; 4] = [
    "kustomizations",
    "helmreleases",
    "gitrepositories",
    "certificates",
];

fn ready(reason: &str, message: &str) -> Value {
    json!([{"type": "Ready", "status": "True", "reason": reason, "message": message,
            "lastTransitionTime": "2026-11-23T11:00:00Z"}])
}

fn names(i: usize) -> (String, String) {
    (
        format!("tenant-{:02}", i % NAMESPACES),
        format!("space-{i:04}"),
    )
}

/// The `i`th object of kind `k` (an index into `KINDS`) as of its `generation`th change.
pub fn object(k: usize, i: usize, generation: u64) -> Value {
    let (ns, name) = names(i);
    let revision = &format!("main@sha1:{:08x}", 0x5f1c_2e7a + generation);
    match k % 4 {
        0 => json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"interval": "10m", "path": format!("./tenants/{ns}/{name}"), "prune": true,
                     "sourceRef": {"kind": "GitRepository", "name": "tenants"}},
            "status": {"lastAppliedRevision": revision,
                       "conditions": ready("ReconciliationSucceeded", &format!("Applied revision: {revision}"))}}),
        1 => json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"interval": "10m", "chart": {"spec": {"chart": "hyperfy2", "version": "0.4.x",
                     "sourceRef": {"kind": "HelmRepository", "name": "charts"}}}},
            "status": {"history": [{"chartVersion": "0.4.2", "status": "deployed"}],
                       "lastAttemptedRevision": revision,
                       "conditions": ready("UpgradeSucceeded", "Helm upgrade succeeded")}}),
        2 => json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"interval": "1m", "url": format!("ssh://git@github.com/tenants/{name}")},
            "status": {"artifact": {"revision": revision},
                       "conditions": ready("Succeeded", &format!("stored artifact for revision '{revision}'"))}}),
        _ => json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": format!("{name}-tls"), "namespace": ns},
            "spec": {"secretName": format!("{name}-tls"), "dnsNames": [format!("{name}.example.io")],
                     "issuerRef": {"name": "letsencrypt-prod", "kind": "ClusterIssuer"}},
            "status": {"notAfter": "2027-02-01T00:00:00Z", "renewalTime": "2027-01-02T00:00:00Z",
                       "revision": generation + 1,
                       "conditions": ready("Ready", "Certificate is up to date and has not expired")}}),
    }
}

/// Every object of one context: `per_context / 4` of each kind.
pub fn objects(per_context: usize) -> Vec<Value> {
    let quarter = per_context / 4;
    (0..quarter)
        .flat_map(|i| (0..4).map(move |k| object(k, i, 0)))
        .collect()
}

/// The tenant namespaces the objects live in.
pub fn namespaces(per_context: usize) -> Vec<Value> {
    (0..NAMESPACES.min(per_context / 4))
        .map(|i| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": names(i).0}}))
        .collect()
}

/// The kinds of workload, as `kubectl get` names them, in the share they take: most
/// Deployments, some StatefulSets, a few DaemonSets.
pub const WORKLOAD_KINDS: [&str; 3] = ["deployments", "statefulsets", "daemonsets"];

/// The `i`th workload of a context as of its `generation`th change: each applied by the
/// HelmRelease of the same index, with its pod template and rollout status.
pub fn workload(i: usize, generation: u64) -> Value {
    let (ns, release) = names(i);
    let (kind, replicas) = match i % 10 {
        0 => ("DaemonSet", 6),
        1 | 2 => ("StatefulSet", 1),
        _ => ("Deployment", 2),
    };
    let name = format!("{release}-app");
    let image = format!("ghcr.io/tenants/app:1.{}.{generation}", i % 7);
    let mut obj = json!({"apiVersion": "apps/v1", "kind": kind,
        "metadata": {"name": name, "namespace": ns, "generation": generation + 1,
                     "labels": {"helm.toolkit.fluxcd.io/name": release, "helm.toolkit.fluxcd.io/namespace": ns,
                                "app.kubernetes.io/name": "app", "app.kubernetes.io/instance": name}},
        "spec": {"selector": {"matchLabels": {"app.kubernetes.io/instance": name}},
                 "template": {"metadata": {"labels": {"app.kubernetes.io/instance": name}},
                              "spec": {"containers": [{"name": "app", "image": image,
                                  "ports": [{"containerPort": 8080}],
                                  "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                                "limits": {"memory": "512Mi"}}}]}}},
        "status": {"observedGeneration": generation + 1}});
    if kind == "DaemonSet" {
        obj["status"] = json!({"observedGeneration": generation + 1, "desiredNumberScheduled": replicas,
            "numberReady": replicas, "updatedNumberScheduled": replicas, "numberAvailable": replicas});
    } else {
        obj["spec"]["replicas"] = json!(replicas);
        obj["status"] = json!({"observedGeneration": generation + 1, "replicas": replicas,
            "readyReplicas": replicas, "updatedReplicas": replicas, "availableReplicas": replicas,
            "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                            "message": "Deployment has minimum availability."}]});
    }
    obj
}

/// `n` workloads of a context.
pub fn workloads(n: usize) -> Vec<Value> {
    (0..n).map(|i| workload(i, 0)).collect()
}

/// The Deployment whose pods the log phase follows, in the first tenant namespace.
pub const LOG_DEPLOYMENT: &str = "bench-logs";

/// `LOG_DEPLOYMENT` and its `pods` running pods, one container `app` each.
pub fn log_workload(pods: usize) -> Vec<Value> {
    let ns = names(0).0;
    let mut v = vec![json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": LOG_DEPLOYMENT, "namespace": ns, "generation": 1},
        "spec": {"replicas": pods, "selector": {"matchLabels": {"app": LOG_DEPLOYMENT}},
                 "template": {"metadata": {"labels": {"app": LOG_DEPLOYMENT}},
                              "spec": {"containers": [{"name": "app", "image": "ghcr.io/tenants/api:2.0"}]}}},
        "status": {"observedGeneration": 1, "replicas": pods, "readyReplicas": pods,
                   "updatedReplicas": pods, "availableReplicas": pods}})];
    v.extend((0..pods).map(|p| {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": log_pod(p), "namespace": ns, "labels": {"app": LOG_DEPLOYMENT}},
            "spec": {"containers": [{"name": "app", "image": "ghcr.io/tenants/api:2.0"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": true,
                "restartCount": 0, "image": "ghcr.io/tenants/api:2.0", "imageID": "",
                "state": {"running": {"startedAt": "2026-11-23T11:00:00Z"}}}]}})
    }));
    v
}

/// The namespace and name of the log phase's `p`th pod.
pub fn log_pod(p: usize) -> String {
    format!("{LOG_DEPLOYMENT}-6d8f7c9b5-p{p:02}")
}

pub fn log_namespace() -> String {
    names(0).0
}
