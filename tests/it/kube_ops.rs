//! Write actions through the real kube client against the emulator: reconcile, suspend/resume,
//! renew, each refused without --write; reconcile refused on a suspended object.

use std::time::Duration;

use kube::config::Kubeconfig;
use opsdeck::backend::kube::context::client;
use opsdeck::backend::kube::resources::Watched;
use opsdeck::backend::kube::writes::{FORCE_AT, KubeOps, OpError, REQUESTED_AT, ReconcileOptions};
use testkit::kube_api::{KubeApi, loaded};

async fn setup() -> (KubeApi, kube::Client) {
    let api = loaded().await;
    for app in testkit::kube_api::fixture("applications.json") {
        api.apply(app);
    }
    let kc = Kubeconfig::from_yaml(&api.one_context()).unwrap();
    let c = client(&kc, "prod-cluster").await.unwrap();
    (api, c)
}

fn kind(name: &str) -> &'static Watched {
    Watched::by_name(name).unwrap()
}

fn patches(api: &KubeApi) -> Vec<String> {
    api.requests()
        .into_iter()
        .filter(|r| r.starts_with("PATCH"))
        .collect()
}

/// Reconciles `kind` `ns/name` with the default options, which must fail: the error.
async fn reconcile_error(ops: &KubeOps, kind_name: &str, ns: &str, name: &str) -> OpError {
    ops.reconcile(kind(kind_name), ns, name, ReconcileOptions::default())
        .await
        .unwrap_err()
}

/// Plays the Flux controller: handles every requested reconcile of `kind` and marks it Ready.
fn fake_controller(
    api: KubeApi,
    kind: &'static str,
    ns: &'static str,
    name: &'static str,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let Some(mut obj) = api.get(kind, ns, name) else {
                continue;
            };
            let requested = obj["metadata"]["annotations"][REQUESTED_AT].clone();
            if requested.is_string() && obj["status"]["lastHandledReconcileAt"] != requested {
                obj["status"]["lastHandledReconcileAt"] = requested;
                obj["status"]["conditions"] = serde_json::json!([{"type": "Ready", "status": "True",
                    "reason": "UpgradeSucceeded", "message": "Helm upgrade succeeded for release numinia/hyperfy2-world.v7 with chart hyperfy2@0.4.3"}]);
                api.apply(obj);
            }
        }
    })
}

#[tokio::test]
async fn reconcile_annotates_and_waits_for_the_controller() {
    let (api, c) = setup().await;
    let controller = fake_controller(api.clone(), "HelmRelease", "numinia", "hyperfy2-world");
    let ops = KubeOps::new(c, true);
    let done = ops
        .reconcile(
            kind("hr"),
            "numinia",
            "hyperfy2-world",
            ReconcileOptions {
                force: true,
                reset: false,
            },
        )
        .await
        .unwrap();
    assert!(done.ready);
    assert!(done.message.starts_with("Helm upgrade succeeded"));
    let obj = api.get("HelmRelease", "numinia", "hyperfy2-world").unwrap();
    assert_eq!(
        obj["metadata"]["annotations"][REQUESTED_AT],
        done.requested_at.as_str()
    );
    assert_eq!(
        obj["metadata"]["annotations"][FORCE_AT],
        done.requested_at.as_str(),
        "--force sets forceAt to the same value"
    );
    assert_eq!(
        obj["status"]["lastHandledReconcileAt"],
        done.requested_at.as_str()
    );
    assert_eq!(patches(&api).len(), 1);
    assert!(patches(&api)[0].contains("/namespaces/numinia/helmreleases/hyperfy2-world"));
    controller.abort();
}

#[tokio::test]
async fn reconcile_times_out_without_a_controller() {
    let (_api, c) = setup().await;
    let mut ops = KubeOps::new(c, true);
    ops.timeout = Duration::from_millis(300);
    let e = reconcile_error(&ops, "ks", "numinia", "numinia-pro").await;
    assert!(matches!(e, OpError::Timeout { .. }), "{e}");
    assert!(e.to_string().contains("flux check"));
}

#[tokio::test]
async fn reconcile_is_refused_on_a_suspended_object() {
    let (api, c) = setup().await;
    let ops = KubeOps::new(c, true);
    let e = reconcile_error(&ops, "ks", "numinia-pre", "numinia-pre").await;
    assert_eq!(
        e.to_string(),
        "Kustomization numinia-pre/numinia-pre is suspended: resume it first (flux resume kustomization numinia-pre -n numinia-pre)"
    );
    assert!(patches(&api).is_empty(), "nothing was written");
}

#[tokio::test]
async fn suspend_and_resume_flip_spec_suspend() {
    let (api, c) = setup().await;
    let ops = KubeOps::new(c, true);
    ops.set_suspend(kind("hr"), "numinia", "elizaos-numi", true)
        .await
        .unwrap();
    assert_eq!(
        api.get("HelmRelease", "numinia", "elizaos-numi").unwrap()["spec"]["suspend"],
        true
    );
    ops.set_suspend(kind("hr"), "numinia", "elizaos-numi", false)
        .await
        .unwrap();
    let obj = api.get("HelmRelease", "numinia", "elizaos-numi").unwrap();
    assert_eq!(obj["spec"]["suspend"], false);
    assert_eq!(
        obj["spec"]["chart"]["spec"]["chart"], "elizaos",
        "the rest of the spec is kept"
    );
    assert_eq!(patches(&api).len(), 2);
}

#[tokio::test]
async fn renew_sets_issuing_through_the_status_subresource() {
    let (api, c) = setup().await;
    let ops = KubeOps::new(c, true);
    ops.renew(kind("certificate"), "numinia", "numinia-tls")
        .await
        .unwrap();
    let p = patches(&api);
    assert_eq!(p.len(), 1);
    assert!(p[0].contains("/certificates/numinia-tls/status"), "{p:?}");
    let obj = api.get("Certificate", "numinia", "numinia-tls").unwrap();
    let conds = obj["status"]["conditions"].as_array().unwrap();
    let issuing = conds.iter().find(|c| c["type"] == "Issuing").unwrap();
    assert_eq!(
        (issuing["status"].as_str(), issuing["reason"].as_str()),
        (Some("True"), Some("ManuallyTriggered"))
    );
    assert!(
        conds.iter().any(|c| c["type"] == "Ready"),
        "other conditions are kept"
    );
    // A second renew while one is under way writes nothing, like cmctl.
    ops.renew(kind("certificate"), "numinia", "numinia-tls")
        .await
        .unwrap();
    assert_eq!(patches(&api).len(), 1);
}

#[tokio::test]
async fn every_action_is_refused_without_write() {
    let (api, c) = setup().await;
    let ops = KubeOps::new(c, false);
    let r = reconcile_error(&ops, "hr", "numinia", "hyperfy2-world").await;
    assert!(
        matches!(r, OpError::ReadOnly(_)) && r.to_string().contains("--write"),
        "{r}"
    );
    assert!(matches!(
        ops.set_suspend(kind("ks"), "numinia", "numinia-pro", true)
            .await,
        Err(OpError::ReadOnly(_))
    ));
    assert!(matches!(
        ops.set_suspend(kind("ks"), "numinia", "numinia-pro", false)
            .await,
        Err(OpError::ReadOnly(_))
    ));
    assert!(matches!(
        ops.renew(kind("cert"), "numinia", "numinia-tls").await,
        Err(OpError::ReadOnly(_))
    ));
    assert!(patches(&api).is_empty(), "nothing was written");
    assert!(
        !api.requests()
            .iter()
            .any(|r| r.starts_with("GET") && r.contains("/hyperfy2-world")),
        "not even read"
    );
}

/// The runbooks' cluster port over the same client: namespaces, service accounts, Flux
/// readiness and the ingress load balancer, by context or by the EKS cluster it points at.
#[tokio::test]
async fn the_runbook_cluster_port_reads_namespaces_accounts_flux_and_the_ingress() {
    use opsdeck::backend::kube::kubeconfig::Loaded;
    use opsdeck::backend::kube::runbook_port::KubeClusterOps;
    use opsdeck::runbook::ports::{ClusterOps, InCluster};
    use testkit::kube_api::{Resource, all_resources};

    const SERVICE_ACCOUNTS: Resource = Resource {
        group: "",
        version: "v1",
        kind: "ServiceAccount",
        plural: "serviceaccounts",
        namespaced: true,
    };
    const SERVICES: Resource = Resource {
        group: "",
        version: "v1",
        kind: "Service",
        plural: "services",
        namespaced: true,
    };
    let mut resources = all_resources();
    resources.extend([SERVICE_ACCOUNTS, SERVICES]);
    let api = KubeApi::start(resources).await;
    for f in testkit::kube_api::CLUSTER_FIXTURES {
        for obj in testkit::kube_api::fixture(f) {
            api.apply(obj);
        }
    }
    let arn = "arn:aws:eks:eu-west-1:111122223333:cluster/prod-cluster";
    let yaml = KubeApi::kubeconfig(&[("numinia-prod", &api.url())])
        .replacen(
            "- name: numinia-prod\n  cluster:",
            &format!("- name: {arn}\n  cluster:"),
            1,
        )
        .replace("cluster: numinia-prod", &format!("cluster: {arn}"));
    let ops = KubeClusterOps::new(Loaded {
        config: Kubeconfig::from_yaml(&yaml).unwrap(),
        files: vec![],
    });

    // By the EKS cluster name its context points at.
    assert!(
        ops.namespace_exists("prod-cluster", "numinia")
            .await
            .unwrap()
    );
    assert!(
        !ops.namespace_exists("prod-cluster", "acme-games")
            .await
            .unwrap()
    );
    let missing = ops
        .namespace_exists("forge-prod", "x")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("aws eks update-kubeconfig --name forge-prod"),
        "{missing}"
    );

    let ks = ops
        .kustomization(InCluster {
            cluster: "numinia-prod",
            ns: "numinia",
            name: "numinia-pro",
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ks.ready, Some(true));
    assert!(
        ops.kustomization(InCluster {
            cluster: "numinia-prod",
            ns: "numinia",
            name: "nope"
        })
        .await
        .unwrap()
        .is_none()
    );
    let mut hrs = ops.helm_releases("numinia-prod", "numinia").await.unwrap();
    hrs.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(
        hrs.iter()
            .map(|h| (h.name.as_str(), h.ready))
            .collect::<Vec<_>>(),
        [
            ("elizaos-numi", Some(true)),
            ("hyperfy2-world", Some(false))
        ]
    );

    let not_yet = ops.cluster_ready("prod-cluster").await.unwrap();
    assert!(
        !not_yet.ready && not_yet.reason.contains("flux-system"),
        "{not_yet:?}"
    );
    api.apply(serde_json::json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "flux-system", "namespace": "flux-system"},
        "spec": {"interval": "10m", "path": "./clusters/prod-cluster", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "Applied revision: main@sha1:7d3e"}]}
    }));
    assert!(ops.cluster_ready("prod-cluster").await.unwrap().ready);

    let numinia_sa = InCluster {
        cluster: "prod-cluster",
        ns: "numinia",
        name: "numinia",
    };
    assert_eq!(ops.service_account_role(numinia_sa).await.unwrap(), None);
    api.apply(serde_json::json!({
        "apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {"name": "numinia", "namespace": "numinia", "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/numinia-secret-manager-role"}}
    }));
    assert_eq!(
        ops.service_account_role(numinia_sa)
            .await
            .unwrap()
            .as_deref(),
        Some("arn:aws:iam::111122223333:role/numinia-secret-manager-role")
    );
    api.apply(serde_json::json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "traefik", "namespace": "traefik"},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 443}]},
        "status": {"loadBalancer": {"ingress": [{"hostname": "k8s-traefik-2c1f3d.elb.eu-west-1.amazonaws.com"}]}}
    }));
    assert_eq!(
        ops.ingress_address("prod-cluster")
            .await
            .unwrap()
            .as_deref(),
        Some("k8s-traefik-2c1f3d.elb.eu-west-1.amazonaws.com")
    );
}

/// Plays Argo CD's application controller on `argocd/name`: a refresh annotation is handled
/// and removed; a sync operation is run (to the revision it names), removed, and its phase
/// reported in `status.operationState`, as the controller does. `fail` makes the sync fail.
fn fake_argo_controller(
    api: KubeApi,
    name: &'static str,
    fail: bool,
) -> tokio::task::JoinHandle<()> {
    use opsdeck::backend::kube::argo::REFRESH;
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let Some(mut obj) = api.get("Application", "argocd", name) else {
                continue;
            };
            let mut changed = false;
            if let Some(a) = obj["metadata"]["annotations"].as_object_mut()
                && a.remove(REFRESH).is_some()
            {
                obj["status"]["reconciledAt"] = serde_json::json!("2026-12-08T01:00:00Z");
                changed = true;
            }
            let op = obj["operation"].take();
            if op.is_object() {
                let revision = op["sync"]["revision"].clone();
                obj["status"]["operationState"] = if fail {
                    serde_json::json!({"phase": "Failed", "message": "one or more objects failed to apply, reason: Deployment.apps \"catalog\" is invalid",
                        "operation": op, "syncResult": {"revision": revision}})
                } else {
                    obj["status"]["sync"]["status"] = serde_json::json!("Synced");
                    serde_json::json!({"phase": "Succeeded", "message": "successfully synced (all tasks run)",
                        "operation": op, "syncResult": {"revision": revision}})
                };
                changed = true;
            }
            if changed {
                if let Some(o) = obj.as_object_mut() {
                    o.remove("operation");
                }
                api.apply(obj);
            }
        }
    })
}

#[tokio::test]
async fn argo_refresh_annotates_and_waits_for_the_controller_to_remove_it() {
    let (api, c) = setup().await;
    let controller = fake_argo_controller(api.clone(), "catalog", false);
    let ops = KubeOps::new(c, true);
    let done = ops
        .argo_refresh(kind("app"), "argocd", "catalog")
        .await
        .unwrap();
    assert_eq!(done.to_string(), "OutOfSync, Healthy");
    let p = patches(&api);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("/namespaces/argocd/applications/catalog"));
    let obj = api.get("Application", "argocd", "catalog").unwrap();
    assert_eq!(
        obj["status"]["reconciledAt"], "2026-12-08T01:00:00Z",
        "the controller refreshed it"
    );
    controller.abort();

    // Without a controller, the wait ends and says what to look at.
    let mut ops = ops;
    ops.timeout = Duration::from_millis(300);
    let e = ops
        .argo_refresh(kind("app"), "argocd", "search")
        .await
        .unwrap_err();
    assert!(matches!(e, OpError::ArgoTimeout { .. }), "{e}");
    assert!(e.to_string().contains("application controller"), "{e}");
}

#[tokio::test]
async fn argo_sync_sets_the_operation_as_argocd_does_and_reports_its_phase() {
    let (api, c) = setup().await;
    let controller = fake_argo_controller(api.clone(), "catalog", false);
    let ops = KubeOps::new(c, true);
    let done = ops
        .argo_sync(kind("app"), "argocd", "catalog")
        .await
        .unwrap();
    assert!(!done.failed());
    assert_eq!(
        done.to_string(),
        "sync Succeeded: successfully synced (all tasks run); now Synced"
    );
    let obj = api.get("Application", "argocd", "catalog").unwrap();
    let op = &obj["status"]["operationState"]["operation"];
    assert_eq!(
        op["sync"]["revision"], "main",
        "spec.source.targetRevision, as argocd app sync without --revision"
    );
    assert_eq!(op["sync"]["syncStrategy"], serde_json::json!({"hook": {}}));
    assert!(
        op["initiatedBy"]["username"]
            .as_str()
            .is_some_and(|u| !u.is_empty())
    );
    assert!(obj.get("operation").is_none(), "the controller took it");
    controller.abort();

    // A failing sync is reported as failed, with Argo CD's message.
    let controller = fake_argo_controller(api.clone(), "billing", true);
    let done = ops
        .argo_sync(kind("app"), "argocd", "billing")
        .await
        .unwrap();
    assert!(done.failed());
    assert!(
        done.to_string()
            .starts_with("sync Failed: one or more objects failed to apply"),
        "{done}"
    );
    controller.abort();
}

#[tokio::test]
async fn argo_sync_is_refused_while_another_operation_runs_and_never_overwrites_one() {
    let (api, c) = setup().await;
    let mut running = api.get("Application", "argocd", "search").unwrap();
    running["operation"] =
        serde_json::json!({"sync": {"revision": "3.1.0"}, "initiatedBy": {"username": "alice"}});
    api.apply(running);
    let ops = KubeOps::new(c, true);
    let e = ops
        .argo_sync(kind("app"), "argocd", "search")
        .await
        .unwrap_err();
    assert!(matches!(e, OpError::OperationInProgress(..)), "{e}");
    assert!(
        e.to_string()
            .contains("argocd app terminate-op argocd/search"),
        "{e}"
    );
    assert!(patches(&api).is_empty(), "nothing was written");
    let obj = api.get("Application", "argocd", "search").unwrap();
    assert_eq!(obj["operation"]["initiatedBy"]["username"], "alice");

    // The patch carries the resourceVersion it read: the emulator refuses it once the object
    // changed, as the apiserver does, so an operation set meanwhile is not overwritten.
    let stale =
        serde_json::json!({"metadata": {"resourceVersion": "1"}, "operation": {"sync": {}}});
    let r = kube::Api::<kube::api::DynamicObject>::namespaced_with(
        client(
            &Kubeconfig::from_yaml(&api.one_context()).unwrap(),
            "prod-cluster",
        )
        .await
        .unwrap(),
        "argocd",
        &kind("app").api_resource(),
    )
    .patch(
        "search",
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(&stale),
    )
    .await;
    assert!(
        matches!(r, Err(kube::Error::Api(ref s)) if s.code == 409),
        "{r:?}"
    );
}

#[tokio::test]
async fn argo_writes_are_refused_without_write_and_on_other_kinds() {
    let (api, c) = setup().await;
    let ops = KubeOps::new(c.clone(), false);
    for e in [
        ops.argo_refresh(kind("app"), "argocd", "catalog")
            .await
            .unwrap_err(),
        ops.argo_sync(kind("app"), "argocd", "catalog")
            .await
            .unwrap_err(),
    ] {
        assert!(
            matches!(e, OpError::ReadOnly(_)) && e.to_string().contains("--write"),
            "{e}"
        );
    }
    assert!(
        api.requests().iter().all(|r| !r.contains("/applications/")),
        "not even read"
    );
    let ops = KubeOps::new(c, true);
    let e = ops
        .argo_sync(kind("hr"), "numinia", "hyperfy2-world")
        .await
        .unwrap_err();
    assert!(matches!(e, OpError::Unsupported(..)), "{e}");
    assert!(patches(&api).is_empty());
}
