//! The kube backend through the real kube client against the API emulator: rows and health for
//! every kind, live updates by watch, deletes, and the failures an on-call engineer meets.

use std::sync::Arc;
use std::time::Duration;

use opsdeck::backend::kube::{self, KUBECONFIG_SOURCE, KubeOptions};
use opsdeck::clock::FixedClock;
use opsdeck::model::{Facts, Health, Kind};
use opsdeck::store::{self, Fleet, SourceStatus, UpdateReceiver};
use testkit::kube_api::{Fault, KubeApi, all_resources, fixture, loaded};
use tokio::task::JoinSet;

struct Harness {
    fleet: Fleet,
    rx: UpdateReceiver,
    _tasks: JoinSet<()>,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn start(kubeconfig: &str, contexts: &[&str]) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig");
        std::fs::write(&path, kubeconfig).unwrap();
        let clock = Arc::new(FixedClock::new(testkit::origin()));
        let (tx, rx) = store::channel();
        let opts = KubeOptions {
            kubeconfig: Some(path),
            contexts: contexts.iter().map(|s| s.to_string()).collect(),
        };
        let tasks = kube::start(opts, clock, tx).await;
        Harness {
            fleet: Fleet::new("t"),
            rx,
            _tasks: tasks,
            _dir: dir,
        }
    }

    /// Applies updates until `ok` holds; panics with what it saw after 15 s.
    async fn until(&mut self, what: &str, ok: impl Fn(&Fleet) -> bool) {
        let within = Duration::from_secs(15);
        testkit::apply_until(&mut self.fleet, &mut self.rx, within, what, ok).await;
    }

    fn health(&self, kind: Kind, ns: &str, name: &str) -> Option<Health> {
        self.fleet
            .rows_of(kind)
            .find(|r| r.id.scope.namespace() == ns && r.id.name == name)
            .map(|r| r.health)
    }

    fn status(&self, source: &str) -> Option<SourceStatus> {
        self.fleet.source(source).map(|s| s.status.clone())
    }
}

fn connected(f: &Fleet, source: &str) -> bool {
    f.source(source)
        .is_some_and(|s| s.status == SourceStatus::Connected)
}

#[tokio::test]
async fn every_kind_appears_with_its_health_and_follows_the_watch() {
    let api = loaded().await;
    let mut h = Harness::start(&api.one_context(), &[]).await;
    h.until("the context to connect", |f| connected(f, "prod-cluster"))
        .await;

    for (kind, ns, name, health) in [
        (
            Kind::Kustomization,
            "numinia",
            "numinia-pro",
            Health::Healthy,
        ),
        (
            Kind::Kustomization,
            "numinia-pre",
            "numinia-pre",
            Health::Suspended,
        ),
        (
            Kind::HelmRelease,
            "numinia",
            "hyperfy2-world",
            Health::Failed,
        ),
        (
            Kind::HelmRelease,
            "numinia",
            "elizaos-numi",
            Health::Healthy,
        ),
        (
            Kind::FluxSource,
            "flux-system",
            "gitrepository/flux-system",
            Health::Healthy,
        ),
        (
            Kind::FluxSource,
            "numinia",
            "helmrepository/numinia-charts",
            Health::Healthy,
        ),
        (
            Kind::FluxSource,
            "numinia-pre",
            "ocirepository/podinfo",
            Health::Failed,
        ),
    ] {
        assert_eq!(h.health(kind, ns, name), Some(health), "{ns}/{name}");
    }
    assert_eq!(
        h.health(Kind::Certificate, "numinia", "numinia-tls"),
        Some(Health::Degraded),
        "expires in 5 days"
    );
    let org = h
        .fleet
        .rows_of(Kind::Organization)
        .next()
        .expect("an organization row from labelled namespaces");
    assert_eq!(org.id.name, "numinia");
    let Facts::Organization(o) = &org.facts else {
        panic!()
    };
    assert_eq!(o.namespaces, ["numinia", "numinia-pre"]);
    assert_eq!(
        org.health,
        Health::Failed,
        "the org rolls up its failed HelmRelease"
    );
    let cluster = h
        .fleet
        .rows_of(Kind::Cluster)
        .next()
        .expect("a cluster row from the kube side");
    assert_eq!(cluster.health, Health::Healthy);
    let Facts::Cluster(c) = &cluster.facts else {
        panic!()
    };
    assert_eq!(c.server_version.as_deref(), Some("v1.33.4-emulator"));
    let helmrelease_lists =
        || api.count_requests(|r| r.contains("/helmreleases") && !r.contains("watch="));
    let lists_before = helmrelease_lists();

    // An update reaches the store through the open watch.
    let mut hr = api.get("HelmRelease", "numinia", "hyperfy2-world").unwrap();
    hr["status"]["conditions"] = serde_json::json!([{"type": "Ready", "status": "True", "reason": "UpgradeSucceeded",
        "message": "Helm upgrade succeeded", "lastTransitionTime": "2026-11-23T12:01:00Z"}]);
    hr["status"]["history"][0]["chartVersion"] = "0.4.3".into();
    api.apply(hr);
    h.until("the upgrade to show", |f| {
        f.rows_of(Kind::HelmRelease)
            .any(|r| r.id.name == "hyperfy2-world" && r.health == Health::Healthy)
    })
    .await;
    let lists_after = helmrelease_lists();
    assert_eq!(
        lists_before, lists_after,
        "no list (no polling) was needed to see the change"
    );

    // A delete removes the row.
    api.delete("Kustomization", "numinia-pre", "numinia-pre");
    h.until("the deleted Kustomization to go", |f| {
        f.rows_of(Kind::Kustomization)
            .all(|r| r.id.name != "numinia-pre")
    })
    .await;
    // A namespace losing its label leaves the organization.
    let mut ns = api.get("Namespace", "", "numinia-pre").unwrap();
    ns["metadata"]["labels"]
        .as_object_mut()
        .unwrap()
        .remove("organization");
    api.apply(ns);
    h.until("the organization to shrink", |f| {
        f.rows_of(Kind::Organization)
            .any(|r| matches!(&r.facts, Facts::Organization(o) if o.namespaces == ["numinia"]))
    })
    .await;
}

#[tokio::test]
async fn forbidden_helmreleases_leave_the_rest_live() {
    let api = loaded().await;
    api.set_fault("helmreleases", Some(Fault::Forbidden));
    let mut h = Harness::start(&api.one_context(), &[]).await;
    h.until("the context to connect and note RBAC", |f| {
        connected(f, "prod-cluster")
            && f.notes_for(Kind::HelmRelease) == ["prod-cluster: forbidden (RBAC)"]
    })
    .await;
    assert_eq!(h.fleet.count(Kind::HelmRelease), 0);
    assert_eq!(h.fleet.count(Kind::Kustomization), 2);
    // Kustomizations stay live.
    let mut ks = api.get("Kustomization", "numinia", "numinia-pro").unwrap();
    ks["spec"]["suspend"] = true.into();
    api.apply(ks);
    h.until("the suspend to show", |f| {
        f.rows_of(Kind::Kustomization)
            .any(|r| r.id.name == "numinia-pro" && r.health == Health::Suspended)
    })
    .await;
}

#[tokio::test]
async fn a_cluster_without_cert_manager_says_so_once() {
    let api = KubeApi::start(
        all_resources()
            .into_iter()
            .filter(|r| r.plural != "certificates")
            .collect(),
    )
    .await;
    for obj in fixture("kustomizations.json") {
        api.apply(obj);
    }
    let mut h = Harness::start(&KubeApi::kubeconfig(&[("forge-prod", &api.url())]), &[]).await;
    h.until("the note", |f| {
        connected(f, "forge-prod")
            && f.notes_for(Kind::Certificate) == ["forge-prod: cert-manager not installed"]
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cert_requests = api.count_requests(|r| r.contains("/certificates"));
    assert_eq!(
        cert_requests, 0,
        "no watch loop on a resource that is not served"
    );
}

#[tokio::test]
async fn a_dropped_connection_goes_stale_and_recovers() {
    let api = loaded().await;
    let mut h = Harness::start(&KubeApi::kubeconfig(&[("eks-prod-sae1", &api.url())]), &[]).await;
    h.until("connected", |f| connected(f, "eks-prod-sae1"))
        .await;
    let rows = h.fleet.len();
    api.go_down();
    h.until("stale", |f| {
        matches!(
            f.source("eks-prod-sae1").map(|s| &s.status),
            Some(SourceStatus::Stale { .. })
        )
    })
    .await;
    let Some(SourceStatus::Stale { reason }) = h.status("eks-prod-sae1") else {
        unreachable!()
    };
    assert!(reason.contains("unreachable"), "{reason}");
    assert_eq!(h.fleet.len(), rows, "stale rows are kept");
    assert!(
        h.fleet
            .rows_of(Kind::HelmRelease)
            .all(|r| h.fleet.is_stale(r))
    );
    // While it is down the world moves on.
    api.delete("HelmRelease", "numinia", "elizaos-numi");
    api.come_back();
    h.until("recovered with the change", |f| {
        connected(f, "eks-prod-sae1")
            && f.rows_of(Kind::HelmRelease)
                .all(|r| r.id.name != "elizaos-numi")
    })
    .await;
}

#[tokio::test]
async fn a_forced_410_relists_without_duplicates_or_losses() {
    let api = loaded().await;
    let mut h = Harness::start(&api.one_context(), &[]).await;
    h.until("connected", |f| connected(f, "prod-cluster")).await;
    let watches_before =
        api.count_requests(|r| r.contains("/helmreleases") && r.contains("watch="));
    // History is forgotten and, at the same moment, one release is replaced by another.
    api.delete("HelmRelease", "numinia", "elizaos-numi");
    let mut new = api.get("HelmRelease", "numinia", "hyperfy2-world").unwrap();
    new["metadata"]["name"] = "hyperfy2-plaza".into();
    new["metadata"].as_object_mut().unwrap().remove("uid");
    api.apply(new);
    api.compact();
    h.until("the relist to settle", |f| {
        let names: Vec<&str> = f
            .rows_of(Kind::HelmRelease)
            .map(|r| r.id.name.as_str())
            .collect();
        names.len() == 2 && names.contains(&"hyperfy2-plaza") && names.contains(&"hyperfy2-world")
    })
    .await;
    let lists = api.count_requests(|r| r.contains("/helmreleases") && !r.contains("watch="));
    assert!(lists >= 2, "the watcher relisted after 410");
    assert!(
        api.count_requests(|r| r.contains("/helmreleases") && r.contains("watch="))
            > watches_before
    );
    // Every object exactly once.
    assert_eq!(h.fleet.count(Kind::Kustomization), 2);
    assert_eq!(h.fleet.count(Kind::FluxSource), 3);
    assert_eq!(h.fleet.count(Kind::Certificate), 1);
}

#[tokio::test]
async fn a_failing_second_context_does_not_disturb_the_first() {
    let api = loaded().await;
    let dead = "http://127.0.0.1:9"; // discard port: nothing listens
    let cfg = KubeApi::kubeconfig(&[("prod-cluster", &api.url()), ("eks-dead", dead)]);
    let mut h = Harness::start(&cfg, &["prod-cluster", "eks-dead"]).await;
    h.until("one up, one in error", |f| {
        connected(f, "prod-cluster")
            && matches!(
                f.source("eks-dead").map(|s| &s.status),
                Some(SourceStatus::Error { .. })
            )
    })
    .await;
    let Some(SourceStatus::Error { reason }) = h.status("eks-dead") else {
        unreachable!()
    };
    assert!(reason.contains("unreachable"), "{reason}");
    api.delete("Certificate", "numinia", "numinia-tls");
    h.until("the first context still live", |f| {
        f.count(Kind::Certificate) == 0
    })
    .await;
    assert!(
        h.fleet
            .rows_of(Kind::HelmRelease)
            .all(|r| &*r.source == "prod-cluster")
    );
}

#[tokio::test]
async fn kubeconfig_problems_name_the_file_or_context_and_the_fix() {
    // Malformed file.
    let mut h = Harness::start("apiVersion: v1\nclusters: [oops\n", &[]).await;
    h.until("the kubeconfig error", |f| {
        f.source(KUBECONFIG_SOURCE).is_some()
    })
    .await;
    let Some(SourceStatus::Error { reason }) = h.status(KUBECONFIG_SOURCE) else {
        panic!()
    };
    assert!(
        reason.starts_with("kubeconfig ") && reason.contains("kubeconfig:"),
        "{reason}"
    );
    assert!(!reason.contains('\n'), "one line: {reason}");

    // Missing context: the other context still runs.
    let api = loaded().await;
    let mut h = Harness::start(&api.one_context(), &["prod-cluster", "forge-prod"]).await;
    h.until("the missing context's error", |f| {
        connected(f, "prod-cluster") && f.source("forge-prod").is_some()
    })
    .await;
    let Some(SourceStatus::Error { reason }) = h.status("forge-prod") else {
        panic!()
    };
    assert!(
        reason.contains("\"forge-prod\"")
            && reason.contains("prod-cluster")
            && reason.contains("update-kubeconfig"),
        "{reason}"
    );
}

#[tokio::test]
async fn an_exec_plugin_that_fails_says_how_to_renew() {
    let api = loaded().await;
    let cfg = KubeApi::profile_exec_kubeconfig(
        &api.url(),
        "sh",
        &[
            "-c",
            "echo 'Error when retrieving token from sso: Token has expired and refresh failed' >&2; exit 255",
        ],
        "helpdev-prod",
    );
    let mut h = Harness::start(&cfg, &[]).await;
    h.until("the auth error", |f| {
        matches!(
            f.source("eks-prod-use1").map(|s| &s.status),
            Some(SourceStatus::Error { .. })
        )
    })
    .await;
    let Some(SourceStatus::Error { reason }) = h.status("eks-prod-use1") else {
        unreachable!()
    };
    assert!(
        reason.contains("aws sso login --profile helpdev-prod"),
        "{reason}"
    );
    assert!(!reason.contains('\n'), "one line: {reason}");
}

/// Over a VPN every request is a round trip: the API groups are discovered all at once, not
/// one after the other.
#[tokio::test]
async fn api_groups_are_discovered_at_once() {
    let api = loaded().await;
    api.set_latency(Duration::from_millis(200));
    let mut h = Harness::start(&api.one_context(), &[]).await;
    h.until("the context to connect", |f| connected(f, "prod-cluster"))
        .await;
    let most = api.most_concurrent_discovery();
    assert!(
        most >= 4,
        "at most {most} discovery requests were in flight at once"
    );
}

/// A core/v1 Event about `object` ("Pod/name") in numinia.
fn event(
    name: &str,
    object: &str,
    kind: &str,
    reason: &str,
    message: &str,
    at: &str,
) -> serde_json::Value {
    let (object_kind, object_name) = object.split_once('/').unwrap();
    serde_json::json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": "numinia"},
        "involvedObject": {"kind": object_kind, "name": object_name, "namespace": "numinia"},
        "reason": reason, "message": message, "type": kind, "count": 1, "lastTimestamp": at
    })
}

/// The events on the timeline, newest first, as "what it is about: note".
fn event_lines(f: &Fleet) -> Vec<String> {
    f.timeline()
        .newest_first()
        .filter(|c| c.note.starts_with("Warning ") || c.note.starts_with("Normal "))
        .map(|c| format!("{} {}: {}", c.label().0, c.label().1, c.note))
        .collect()
}

/// Warning events and Flux's own events reach the timeline through watches filtered at the
/// server (no list per refresh): each on its row, in the order they happened, once; one that
/// comes later arrives by the watch; a relist after the history is compacted records nothing
/// twice.
#[tokio::test]
async fn events_reach_the_timeline_by_watch_each_once_in_order() {
    let api = loaded().await;
    for e in fixture("events.json") {
        api.apply(e);
    }
    let mut h = Harness::start(&api.one_context(), &[]).await;
    h.until("the three events and the rows", |f| {
        event_lines(f).len() >= 3 && f.rows_of(Kind::HelmRelease).count() > 0
    })
    .await;
    assert_eq!(
        event_lines(&h.fleet),
        [
            "hr numinia/hyperfy2-world: Warning UpgradeFailed: Helm upgrade failed for release \
             numinia/hyperfy2-world with chart hyperfy2@0.4.3: context deadline exceeded Last \
             Helm logs: waiting for 1 pods (×3)",
            "hr numinia/elizaos-numi: Normal UpgradeSucceeded: Helm upgrade succeeded",
            "hr numinia/hyperfy2-world: Normal InstallSucceeded: Helm install succeeded for \
             release numinia/hyperfy2-world.v1 with chart hyperfy2@0.4.0",
        ]
    );
    // The Warning is on the HelmRelease's row: Enter opens it.
    let warning = h
        .fleet
        .timeline()
        .newest_first()
        .find(|c| c.note.starts_with("Warning"));
    let id = warning.and_then(|c| c.row()).expect("on a row");
    assert!(h.fleet.row(id).is_some(), "{id:?}");

    // A pod backing off, later: by the watch, on the pod (opsdeck has no row for it).
    api.apply(event(
        "hyperfy2-world-5c6d7f9b8-x2kqp.1",
        "Pod/hyperfy2-world-5c6d7f9b8-x2kqp",
        "Warning",
        "BackOff",
        "Back-off restarting failed container",
        "2026-11-23T12:00:00Z",
    ));
    // A Normal event of something else is not asked for (filtered at the server).
    api.apply(event(
        "noise.1",
        "Pod/noise",
        "Normal",
        "Pulled",
        "Container image pulled",
        "2026-11-23T12:00:01Z",
    ));
    h.until("the pod's back-off", |f| event_lines(f).len() >= 4)
        .await;
    assert_eq!(
        event_lines(&h.fleet)[0],
        "pod numinia/hyperfy2-world-5c6d7f9b8-x2kqp: Warning BackOff: Back-off restarting failed container"
    );
    let lists =
        |api: &KubeApi| api.count_requests(|r| r.contains("/events?") && !r.contains("watch=true"));
    assert_eq!(
        lists(&api),
        3,
        "one list per selector, then watches: {:?}",
        api.requests()
    );
    for selector in [
        "type%3DWarning",
        "type%3DNormal%2CinvolvedObject.kind%3DHelmRelease",
    ] {
        assert!(
            api.count_requests(|r| r.contains("/events?")
                && r.contains("watch=true")
                && r.contains(selector))
                >= 1,
            "a watch with {selector}: {:?}",
            api.requests()
        );
    }

    // History compacted: every watch relists, and nothing is recorded twice.
    api.compact();
    h.until("the events relisted", |_| lists(&api) >= 6).await;
    // A marker after the relist, to know the relist's events have been applied.
    api.apply(event(
        "marker.1",
        "Pod/marker",
        "Warning",
        "Marker",
        "after the relist",
        "2026-11-23T12:05:00Z",
    ));
    h.until("the marker", |f| {
        event_lines(f).iter().any(|l| l.contains("Marker"))
    })
    .await;
    assert_eq!(
        event_lines(&h.fleet).len(),
        5,
        "{:#?}",
        event_lines(&h.fleet)
    );
}

/// A HelmRelease upgrade and a Kustomization's new revision are on the timeline when the
/// watch brings them, on their rows.
#[tokio::test]
async fn revisions_moving_are_on_the_timeline() {
    let api = loaded().await;
    let mut h = Harness::start(&api.one_context(), &[]).await;
    h.until("the context to connect", |f| connected(f, "prod-cluster"))
        .await;
    let mut hr = api.get("HelmRelease", "numinia", "hyperfy2-world").unwrap();
    hr["status"]["lastAttemptedRevision"] = serde_json::json!("0.4.4");
    api.apply(hr);
    let mut ks = api.get("Kustomization", "numinia", "numinia-pro").unwrap();
    let before = ks["status"]["lastAppliedRevision"]
        .as_str()
        .unwrap()
        .to_string();
    ks["status"]["lastAppliedRevision"] = serde_json::json!("main@sha1:0123abcd");
    api.apply(ks);
    let revisions = |f: &Fleet| -> Vec<String> {
        f.timeline()
            .newest_first()
            .filter(|c| c.note.contains("revision"))
            .map(|c| format!("{} {}: {}", c.label().0, c.label().1, c.note))
            .collect()
    };
    h.until("both revisions", |f| revisions(f).len() == 2).await;
    let lines = revisions(&h.fleet);
    assert!(
        lines.contains(&format!(
            "ks numinia/numinia-pro: applied revision {before} → main@sha1:0123abcd"
        )),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("hr numinia/hyperfy2-world: revision ")
                && l.ends_with(" → 0.4.4")),
        "{lines:?}"
    );
}

/// Argo CD Applications and ApplicationSets (seed 003's clusters) are watched like Flux's kinds:
/// each health and sync state as Argo CD means it, what Argo CD says as the reason, a set's
/// worst generated Application as its health, a change by watch on the timeline.
#[tokio::test]
async fn argo_cd_applications_appear_with_argo_health_and_follow_the_watch() {
    let api = loaded().await;
    for app in fixture("applications.json") {
        api.apply(app);
    }
    let mut h = Harness::start(&api.one_context(), &[]).await;
    h.until("the four applications", |f| {
        f.rows_of(Kind::ArgoApplication).count() == 4
    })
    .await;
    for (name, health, reason) in [
        ("checkout-api", Health::Healthy, "Synced to 9f8e7d6c"),
        (
            "catalog",
            Health::Degraded,
            "OutOfSync from 1b2c3d4e (no auto-sync: sync it)",
        ),
        (
            "search",
            Health::Failed,
            "Degraded: Deployment \"search\" exceeded its progress deadline",
        ),
        (
            "billing",
            Health::Failed,
            "sync failed: one or more synchronization tasks",
        ),
    ] {
        let row = h
            .fleet
            .rows_of(Kind::ArgoApplication)
            .find(|r| r.id.name == name)
            .unwrap();
        assert_eq!(row.health, health, "{name}: {}", row.reason);
        assert!(row.reason.starts_with(reason), "{name}: {}", row.reason);
        assert_eq!(row.id.scope.namespace(), "argocd");
    }
    assert!(
        h.fleet.problems().iter().any(|k| h
            .fleet
            .get(*k)
            .is_some_and(|r| r.id.kind == Kind::ArgoApplication && r.id.name == "search")),
        "a degraded application is a problem"
    );
    // The ApplicationSet that generated two of them: their worst is its health.
    h.until("the ApplicationSet", |f| {
        f.rows_of(Kind::ArgoAppSet).count() == 1
    })
    .await;
    let set = h.fleet.rows_of(Kind::ArgoAppSet).next().unwrap();
    assert_eq!(set.health, Health::Failed, "{}", set.reason);
    assert!(
        set.reason
            .starts_with("2 of 2 not healthy; worst search Synced/Degraded"),
        "{}",
        set.reason
    );

    // A sync brings catalog back in sync: by watch, on its row and on the timeline.
    let mut catalog = fixture("applications.json")
        .into_iter()
        .find(|a| a["metadata"]["name"] == "catalog")
        .unwrap();
    catalog["status"]["sync"] = serde_json::json!({"status": "Synced", "revision": "2c3d4e5f"});
    api.apply(catalog);
    h.until("catalog synced", |f| {
        f.rows_of(Kind::ArgoApplication)
            .any(|r| r.id.name == "catalog" && r.health == Health::Healthy)
    })
    .await;
    let lines: Vec<String> = h
        .fleet
        .timeline()
        .newest_first()
        .filter(|c| c.label().1 == "argocd/catalog")
        .map(|c| c.note.clone())
        .collect();
    assert!(
        lines.iter().any(|l| l == "sync status OutOfSync → Synced"),
        "{lines:#?}"
    );
}
