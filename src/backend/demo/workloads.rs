//! The demo's workloads: what each HelmRelease's chart runs (a Deployment, a StatefulSet for an
//! agent with memory, a DaemonSet for the ingress), the Flux controllers in every cluster, and
//! the two incidents that live in workloads: the failing upgrade of `hyperfy2-world` (its new
//! ReplicaSet's pod is OOMKilled, then in CrashLoopBackOff, until the rollout passes its
//! deadline; rolled back; retried; upgraded) and `elizaos-researcher`, a release Flux calls
//! Ready whose StatefulSet has no ready pod (its secret is gone).

use super::incidents::UpgradePhase;
use super::objects::{self, WorkloadSpec};
use super::seed::{Builder, FAILING_RELEASE};

/// The release whose workload is broken while the release is Ready.
pub const BROKEN_WORKLOAD: (&str, &str) = ("active-inference", "elizaos-researcher");
/// The secret its pod needs and cannot find.
pub const MISSING_SECRET: &str = "elizaos-researcher-env";
/// The Flux controllers every Flux cluster runs.
pub const FLUX_CONTROLLERS: [&str; 4] = [
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
];

/// A HelmRelease of the seed, as its workloads need it.
pub struct Release<'a> {
    /// Applied by an Argo CD Application of that name (seed 003's clusters), not a HelmRelease.
    pub argo: bool,
    /// Its Deployment's new rollout passed its deadline at this time (an Argo CD sync that
    /// degraded it).
    pub stuck_since: Option<jiff::Timestamp>,
    pub context: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    pub chart: &'a str,
    pub version: &'a str,
}

/// What a chart runs: (kind, name suffix, replicas); a DaemonSet's count is the nodes'.
fn shape(chart: &str) -> &'static [(&'static str, &'static str, u32)] {
    match chart {
        "cert-manager" => &[
            ("Deployment", "", 1),
            ("Deployment", "-cainjector", 1),
            ("Deployment", "-webhook", 1),
        ],
        "traefik" => &[("DaemonSet", "", 6)],
        "elizaos" | "keycloak" => &[("StatefulSet", "", 1)],
        "worker" => &[("Deployment", "", 3)],
        _ => &[("Deployment", "", 2)],
    }
}

/// The image of a chart's app at a version.
pub fn image(chart: &str, version: &str) -> String {
    match chart {
        "hyperfy2" => format!("ghcr.io/numinia/hyperfy2:{version}"),
        "elizaos" => format!("ghcr.io/elizaos/eliza:{version}"),
        "traefik" => "docker.io/traefik:v3.2.1".to_string(),
        "cert-manager" => "quay.io/jetstack/cert-manager-controller:v1.16.2".to_string(),
        c => format!("registry.example.com/{c}:{version}"),
    }
}

/// The workloads of a healthy release (the broken agent's aside).
pub fn of_release(b: &mut Builder<'_>, r: &Release<'_>) {
    let since = b.ago(7200);
    for (kind, suffix, replicas) in shape(r.chart) {
        let name = format!("{}{suffix}", r.name);
        let broken = (r.namespace, r.name) == BROKEN_WORKLOAD;
        let ready = if broken { 0 } else { *replicas };
        let img = image(r.chart, r.version);
        let rs = replica_set(&name, &img);
        b.kube(
            r.context,
            objects::workload(WorkloadSpec {
                kind,
                namespace: r.namespace,
                name: &name,
                owner: if r.argo {
                    ("Application", "argocd", r.name)
                } else {
                    ("HelmRelease", r.namespace, r.name)
                },
                app: r.chart,
                image: &img,
                desired: *replicas,
                ready,
                updated: *replicas,
                stuck: if *kind == "Deployment" {
                    r.stuck_since.map(|at| (rs.as_str(), at))
                } else {
                    None
                },
                since,
            }),
        );
    }
}

/// Argo CD's own controllers in a cluster that runs it (installed by hand or by Terraform, not
/// by an Application).
pub fn argo_controllers(b: &mut Builder<'_>, context: &str) {
    let since = b.ago(30 * 86_400);
    for (kind, name) in [
        ("Deployment", "argocd-server"),
        ("Deployment", "argocd-repo-server"),
        ("Deployment", "argocd-applicationset-controller"),
        ("StatefulSet", "argocd-application-controller"),
    ] {
        let img = "quay.io/argoproj/argocd:v2.13.2";
        b.kube(
            context,
            objects::workload(WorkloadSpec {
                kind,
                namespace: "argocd",
                name,
                owner: ("", "", ""),
                app: name,
                image: img,
                desired: 1,
                ready: 1,
                updated: 1,
                stuck: None,
                since,
            }),
        );
    }
}

/// The Flux controllers of a cluster, applied by its root Kustomization.
pub fn flux_controllers(b: &mut Builder<'_>, context: &str) {
    let since = b.ago(30 * 86_400);
    for c in FLUX_CONTROLLERS {
        let img = format!("ghcr.io/fluxcd/{c}:v1.4.0");
        b.kube(
            context,
            objects::workload(WorkloadSpec {
                kind: "Deployment",
                namespace: "flux-system",
                name: c,
                owner: ("Kustomization", "flux-system", "flux-system"),
                app: c,
                image: &img,
                desired: 1,
                ready: 1,
                updated: 1,
                stuck: None,
                since,
            }),
        );
    }
}

/// A deterministic ReplicaSet hash for a Deployment's template (its image), as the
/// controller names ReplicaSets `<deployment>-<hash>`.
pub fn replica_set(deployment: &str, image: &str) -> String {
    let h = format!("{deployment}{image}")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
    // The pod-template-hash alphabet: no vowels, so no words.
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut n = h;
    let hash: String = (0..9)
        .map(|_| {
            let c = ALPHABET[(n % ALPHABET.len() as u64) as usize] as char;
            n /= ALPHABET.len() as u64;
            c
        })
        .collect();
    format!("{deployment}-{hash}")
}

/// The failing release's Deployment in each phase of the upgrade incident.
pub fn failing_release_workload(b: &mut Builder<'_>, context: &str) {
    let (ns, name) = FAILING_RELEASE;
    let since = b.at(b.inc.absolute(b.inc.upgrade_since));
    let (version, ready, updated, stuck) = match b.inc.upgrade {
        // The new ReplicaSet's one pod crashes; the two old ones serve; the deadline passed.
        UpgradePhase::Failing => ("0.4.3", 2, 1, true),
        // Rolled back to the old template: all its pods are current again.
        UpgradePhase::Remediated => ("0.4.2", 2, 2, false),
        // Retrying: the new ReplicaSet's first pod is starting.
        UpgradePhase::Retrying => ("0.4.3", 2, 1, false),
        UpgradePhase::Upgraded => ("0.4.3", 2, 2, false),
    };
    let img = image("hyperfy2", version);
    let rs = replica_set(name, &img);
    b.kube(
        context,
        objects::workload(WorkloadSpec {
            kind: "Deployment",
            namespace: ns,
            name,
            owner: ("HelmRelease", ns, name),
            app: "hyperfy2",
            image: &img,
            desired: 2,
            ready,
            updated,
            stuck: stuck.then_some((rs.as_str(), since)),
            since: b.ago(86_400 * 12),
        }),
    );
}
