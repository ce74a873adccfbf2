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
