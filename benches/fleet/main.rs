//! The fleet-scale run: the kube backend against the Kubernetes API emulator serving many
//! contexts × Flux and cert-manager objects, every request delayed like a VPN round trip.
//! Measures, in one run: the time to the first frame (before any answer), the time until every
//! context is connected and every row present, the same for one context alone (the physical
//! floor) and the ratio of the two, and the peak RSS. Writes the figures to
//! `target/bench-fleet.txt` (or `$OPSDECK_BENCH_OUT`).
//!
//! `cargo bench --bench fleet` runs 20 contexts × 2,000 objects with 100 ms per request; under
//! `cargo test --all-targets` (no `--bench` flag) it runs 2 contexts × 40 objects without delay,
//! only to prove the harness still works.

#[allow(dead_code)]
#[path = "../tests/support/kube_api.rs"]
mod kube_api;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kube_api::{Fault, KubeApi, all_resources};
use opsdeck::backend::kube::{self, KubeOptions};
use opsdeck::clock::SystemClock;
use opsdeck::store::{self, Fleet, SourceStatus};
use opsdeck::ui::{App, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

/// Objects of one context: a quarter each of Kustomizations, HelmReleases, GitRepositories
/// and Certificates, in tenant namespaces, shaped like the real ones.
fn objects(per_context: usize) -> Vec<Value> {
    let ready = |reason: &str, message: &str| {
        json!([{"type": "Ready", "status": "True", "reason": reason, "message": message,
                "lastTransitionTime": "2026-11-23T11:00:00Z"}])
    };
    let quarter = per_context / 4;
    let mut v = Vec::new();
    for i in 0..quarter {
        let ns = format!("tenant-{:02}", i % 40);
        let name = format!("space-{i:04}");
        v.push(json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"interval": "10m", "path": format!("./tenants/{ns}/{name}"), "prune": true,
                     "sourceRef": {"kind": "GitRepository", "name": "tenants"}},
            "status": {"lastAppliedRevision": "main@sha1:5f1c2e7a", "conditions": ready("ReconciliationSucceeded", "Applied revision: main@sha1:5f1c2e7a")}}));
        v.push(
            json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"interval": "10m", "chart": {"spec": {"chart": "hyperfy2", "version": "0.4.x",
                     "sourceRef": {"kind": "HelmRepository", "name": "charts"}}}},
            "status": {"history": [{"chartVersion": "0.4.2", "status": "deployed"}],
                       "conditions": ready("UpgradeSucceeded", "Helm upgrade succeeded")}}),
        );
        v.push(json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"interval": "1m", "url": format!("ssh://git@github.com/tenants/{name}")},
            "status": {"artifact": {"revision": "main@sha1:5f1c2e7a"}, "conditions": ready("Succeeded", "stored artifact")}}));
        v.push(json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": format!("{name}-tls"), "namespace": ns},
            "spec": {"secretName": format!("{name}-tls"), "dnsNames": [format!("{name}.example.io")],
                     "issuerRef": {"name": "letsencrypt-prod", "kind": "ClusterIssuer"}},
            "status": {"notAfter": "2027-02-01T00:00:00Z", "renewalTime": "2027-01-02T00:00:00Z",
                       "conditions": ready("Ready", "Certificate is up to date and has not expired")}}));
    }
    v
}

/// Peak resident set size of this process, from /proc (Linux), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Starts the backend on `contexts` contexts of `api` and waits until every one is connected
/// and `rows` rows are in the store. Returns the fill time.
async fn fill(api: &KubeApi, contexts: usize, rows: usize) -> Duration {
    let names: Vec<String> = (0..contexts).map(|i| format!("ctx-{i:02}")).collect();
    let pairs: Vec<(&str, String)> = names.iter().map(|n| (n.as_str(), api.url())).collect();
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(n, u)| (*n, u.as_str())).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, KubeApi::kubeconfig(&pairs)).unwrap();
    let (tx, mut rx) = store::channel();
    let start = Instant::now();
    let _tasks = kube::start(
        KubeOptions {
            kubeconfig: Some(path),
            contexts: names.clone(),
        },
        Arc::new(SystemClock),
        tx,
    )
    .await;
    let mut fleet = Fleet::new("bench");
    loop {
        let batch = rx.recv().await.expect("the backend runs");
        fleet.apply(batch);
        let connected = names.iter().all(|n| {
            fleet
                .source(n)
                .is_some_and(|s| s.status == SourceStatus::Connected)
        });
        if connected && fleet.len() >= rows {
            return start.elapsed();
        }
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (contexts, per_context, latency) = if full {
        (20, 2000, Duration::from_millis(100))
    } else {
        (2, 40, Duration::ZERO)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut report = Vec::new();
    report.push(format!(
        "fleet: {contexts} contexts × {per_context} objects, {} ms per request",
        latency.as_millis()
    ));

    // The first frame: the app and its first draw, before any source has answered.
    let start = Instant::now();
    let mut app = App::new(
        Fleet::new("bench"),
        Arc::new(SystemClock),
        Theme::default_theme(),
        true,
    );
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    term.draw(|f| opsdeck::ui::draw(f, &mut app)).unwrap();
    report.push(format!(
        "first frame: {:.2} ms",
        start.elapsed().as_secs_f64() * 1000.0
    ));

    let (all, one) = runtime.block_on(async {
        let api = KubeApi::start(all_resources()).await;
        for obj in objects(per_context) {
            api.apply(obj);
        }
        let namespaces: std::collections::BTreeSet<String> = (0..40.min(per_context / 4))
            .map(|i| format!("tenant-{i:02}"))
            .collect();
        for ns in &namespaces {
            api.apply(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        }
        for r in all_resources() {
            if latency > Duration::ZERO {
                api.set_fault(r.plural, Some(Fault::Delay(latency)));
            }
        }
        // Flux objects and certificates become rows; per context, plus its cluster row.
        let rows_per_context = per_context / 4 * 4 + 1;
        let one = fill(&api, 1, rows_per_context).await;
        let all = fill(&api, contexts, rows_per_context * contexts).await;
        (all, one)
    });
    report.push(format!(
        "full fill, {contexts} contexts: {:.0} ms",
        all.as_secs_f64() * 1000.0
    ));
    report.push(format!(
        "one context alone (the floor): {:.0} ms",
        one.as_secs_f64() * 1000.0
    ));
    report.push(format!(
        "ratio: {:.2} (target ≤ 1.5)",
        all.as_secs_f64() / one.as_secs_f64().max(1e-9)
    ));
    if let Some(rss) = peak_rss_mb() {
        report.push(format!(
            "peak RSS: {rss:.0} MB (the emulator runs in this process too)"
        ));
    }
    let text = report.join("\n") + "\n";
    print!("{text}");
    let out = std::env::var("OPSDECK_BENCH_OUT").unwrap_or_else(|_| {
        let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
        format!("{dir}/bench-fleet.txt")
    });
    if let Err(e) = std::fs::write(&out, &text) {
        eprintln!("cannot write {out}: {e}");
    }
}
