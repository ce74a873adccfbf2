//! Real-shaped Flux and cert-manager objects, so demo rows go through the same projections as
//! rows read from a cluster.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::model::kinds::{certificate, flux_source, helm_release, kustomization};

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

fn meta(name: &str, namespace: &str) -> Value {
    json!({"name": name, "namespace": namespace, "generation": 1,
           "labels": {"kustomize.toolkit.fluxcd.io/name": "flux-system"}})
}

pub struct KsSpec<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub path: &'a str,
    pub revision: &'a str,
    pub suspended: bool,
    pub conditions: Vec<Value>,
}

pub fn kustomization(k: KsSpec<'_>) -> Value {
    json!({
        "apiVersion": kustomization::API_VERSION, "kind": "Kustomization",
        "metadata": meta(k.name, k.namespace),
        "spec": {"interval": "10m", "path": k.path, "prune": true, "suspend": k.suspended,
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"}},
        "status": {"lastAppliedRevision": k.revision, "lastAttemptedRevision": k.revision,
                   "observedGeneration": 1, "conditions": k.conditions}
    })
}

pub struct HrSpec<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub chart: &'a str,
    pub version: &'a str,
    pub repository: &'a str,
    pub attempted: &'a str,
    pub upgrade_failures: u32,
    pub conditions: Vec<Value>,
}

pub fn helm_release(h: HrSpec<'_>) -> Value {
    json!({
        "apiVersion": helm_release::API_VERSION, "kind": "HelmRelease",
        "metadata": meta(h.name, h.namespace),
        "spec": {"interval": "5m", "releaseName": h.name,
                 "chart": {"spec": {"chart": h.chart, "version": "*",
                   "sourceRef": {"kind": "HelmRepository", "name": h.repository, "namespace": h.namespace}}}},
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
