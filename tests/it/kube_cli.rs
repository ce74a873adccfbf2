//! The binary against the API emulator: `opsdeck snapshot --json` through KUBECONFIG, the
//! `opsdeck kube` write commands, and one-line errors for bad kubeconfigs and contexts.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use testkit::kube_api::{KubeApi, RECONCILE_SUSPENDED, loaded};

/// Runs the binary off the async runtime, so the emulator keeps serving meanwhile.
async fn opsdeck(home: &Path, kubeconfig: &Path, args: &[&str]) -> Output {
    crate::run_kube(crate::opsdeck_in(home), kubeconfig, args).await
}

/// Asserts a write was refused for want of --write (exit 1, the refusal naming it); the
/// refusal.
fn assert_read_only(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains("read-only") && err.contains("--write"),
        "{err}"
    );
    err
}

fn write_kubeconfig(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("kubeconfig");
    std::fs::write(&p, text).unwrap();
    p
}

#[tokio::test]
async fn snapshot_json_through_kubeconfig_prints_the_clusters_rows() {
    let api = loaded().await;
    let home = tempfile::tempdir().unwrap();
    let kc = api.write_kubeconfig(home.path());
    let out = opsdeck(home.path(), &kc, &["snapshot", "--json"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sources = v["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(
        (sources[0]["name"].as_str(), sources[0]["status"].as_str()),
        (Some("prod-cluster"), Some("connected"))
    );
    let rows: BTreeSet<(String, String, String)> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().into(),
                r["scope"]["namespace"].as_str().unwrap_or("").into(),
                r["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = [
        ("cluster", "", "prod-cluster"),
        ("organization", "", "numinia"),
        ("kustomization", "numinia", "numinia-pro"),
        ("kustomization", "numinia-pre", "numinia-pre"),
        ("helm_release", "numinia", "hyperfy2-world"),
        ("helm_release", "numinia", "elizaos-numi"),
        ("flux_source", "flux-system", "gitrepository/flux-system"),
        ("flux_source", "numinia", "helmrepository/numinia-charts"),
        ("flux_source", "numinia-pre", "ocirepository/podinfo"),
        ("certificate", "numinia", "numinia-tls"),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.into(), b.into(), c.into()))
    .collect();
    assert_eq!(rows, expected);
    let hr = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "hyperfy2-world")
        .unwrap();
    assert_eq!(hr["health"], "failed");
    assert_eq!(hr["fields"]["chart_version"], "0.4.2");
}

#[tokio::test]
async fn kube_commands_write_only_with_write() {
    let api = loaded().await;
    let home = tempfile::tempdir().unwrap();
    let kc = api.write_kubeconfig(home.path());
    let out = opsdeck(
        home.path(),
        &kc,
        &["kube", "suspend", "hr", "numinia/elizaos-numi"],
    )
    .await;
    assert_read_only(&out);
    assert!(!api.requests().iter().any(|r| r.starts_with("PATCH")));

    let out = opsdeck(
        home.path(),
        &kc,
        &[
            "--write",
            "kube",
            "suspend",
            "hr",
            "numinia/elizaos-numi",
            "--context",
            "prod-cluster",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("suspended"));
    assert_eq!(
        api.get("HelmRelease", "numinia", "elizaos-numi").unwrap()["spec"]["suspend"],
        true
    );

    let out = opsdeck(home.path(), &kc, RECONCILE_SUSPENDED).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is suspended: resume it first"));

    let out = opsdeck(
        home.path(),
        &kc,
        &["--write", "kube", "renew", "cert", "numinia/numinia-tls"],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        api.requests()
            .iter()
            .any(|r| r.starts_with("PATCH") && r.contains("/certificates/numinia-tls/status"))
    );
}

#[tokio::test]
async fn bad_kubeconfigs_and_contexts_are_one_line_errors() {
    let api = loaded().await;
    let home = tempfile::tempdir().unwrap();
    let bad = write_kubeconfig(home.path(), "apiVersion: v1\nclusters: [oops\n");
    let out = opsdeck(home.path(), &bad, &["snapshot", "--json"]).await;
    assert_eq!(out.status.code(), Some(4), "nothing could be read");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&bad.display().to_string()), "{err}");

    let kc = api.write_kubeconfig(home.path());
    let out = opsdeck(
        home.path(),
        &kc,
        &[
            "--write",
            "kube",
            "resume",
            "ks",
            "numinia/numinia-pro",
            "--context",
            "forge-prod",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("\"forge-prod\"") && err.contains("update-kubeconfig"),
        "{err}"
    );
}

/// What a write names goes into a URL path: a name with `/`, `..` or `?` is refused before any
/// request, so `…/hyperfy2-world/status` can never patch the status subresource.
#[tokio::test]
async fn names_that_are_not_object_names_are_refused_before_any_request() {
    let api = loaded().await;
    let home = tempfile::tempdir().unwrap();
    let kc = api.write_kubeconfig(home.path());
    for object in [
        "numinia/hyperfy2-world/status",
        "numinia/..",
        "numinia/hyperfy2-world?dryRun=All",
        "../numinia/x",
        "numinia/Hyperfy2",
    ] {
        let out = opsdeck(
            home.path(),
            &kc,
            &["--write", "kube", "suspend", "hr", object],
        )
        .await;
        assert_eq!(out.status.code(), Some(1), "{object}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("DNS-1123"), "{object}: {err}");
    }
    assert!(
        !api.requests().iter().any(|r| r.starts_with("PATCH")),
        "{:?}",
        api.requests()
    );
}

/// Without --write nothing happens at all: no credential plugin, no request, no "annotating…".
#[tokio::test]
async fn a_write_without_write_is_refused_before_the_plugin_runs() {
    let api = loaded().await;
    let home = tempfile::tempdir().unwrap();
    let marker = home.path().join("plugin-ran");
    let touch = format!("touch {}; exit 1", marker.display());
    let kc = write_kubeconfig(
        home.path(),
        &KubeApi::exec_kubeconfig(&api.url(), "sh", &["-c", &touch]),
    );
    let out = opsdeck(
        home.path(),
        &kc,
        &["kube", "reconcile", "hr", "numinia/hyperfy2-world"],
    )
    .await;
    let err = assert_read_only(&out);
    assert!(
        !err.contains("annotating") && !err.contains("waiting"),
        "{err}"
    );
    assert!(!marker.exists(), "the credential plugin must not run");
    assert!(api.requests().is_empty(), "{:?}", api.requests());
}

/// An action that cannot apply to the kind is refused before any request, in words that say
/// what applies instead; a refused reconcile never says it is waiting.
#[tokio::test]
async fn an_action_the_kind_has_not_is_refused_before_any_request() {
    let api = loaded().await;
    let home = tempfile::tempdir().unwrap();
    let kc = api.write_kubeconfig(home.path());
    for (args, says) in [
        (
            &["reconcile", "cert", "numinia/numinia-tls"][..],
            "a Certificate is not a Flux object",
        ),
        (
            &["resume", "cert", "numinia/numinia-tls"],
            "opsdeck kube renew cert",
        ),
        (
            &["renew", "ks", "numinia/numinia-pro"],
            "only certificates are renewed: a Kustomization is reconciled",
        ),
        (
            &["reconcile", "ks", "numinia/numinia-pro", "--force"],
            "--force and --reset are HelmRelease options, not Kustomization's",
        ),
        (
            &["sync", "hr", "numinia/hyperfy2-world"],
            "a HelmRelease is not an Argo CD Application",
        ),
        (
            &["reconcile", "app", "argocd/catalog"],
            "opsdeck kube sync app NAMESPACE/NAME",
        ),
        (
            &["suspend", "app", "argocd/catalog"],
            "an Argo CD Application is refreshed or synced",
        ),
    ] {
        let out = opsdeck(home.path(), &kc, &[&["--write", "kube"][..], args].concat()).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(
            !err.contains("annotating") && !err.contains("waiting"),
            "{err}"
        );
    }
    assert!(api.requests().is_empty(), "{:?}", api.requests());

    // A reconcile the API refuses stops at the annotation: no "waiting".
    let reconcile = "--write kube reconcile hr numinia/no-such-release";
    let args: Vec<&str> = reconcile.split(' ').collect();
    let refused = opsdeck(home.path(), &kc, &args).await;
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(
        err.contains("not found") && !err.contains("waiting"),
        "{err}"
    );
}

/// A write lands where it is named: with several contexts configured and no --context, `opsdeck
/// kube` asks which (exit 2) before any request; with one configured, it goes there; `describe`
/// reads the configured contexts, as the TUI does, not only the kubeconfig's current one.
#[tokio::test]
async fn with_several_contexts_configured_a_write_names_its_context() {
    let api = loaded().await;
    let home = tempfile::tempdir().unwrap();
    let kc = write_kubeconfig(
        home.path(),
        &KubeApi::kubeconfig(&[("staging", &api.url()), ("prod-cluster", &api.url())]),
    );
    let config = home.path().join("two.toml");
    std::fs::write(
        &config,
        "[kube]\ncontexts = [\"staging\", \"prod-cluster\"]\n",
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    let suspend = ["--write", "kube", "suspend", "hr", "numinia/elizaos-numi"];
    let args: Vec<&str> = ["--config", config_arg]
        .into_iter()
        .chain(suspend)
        .collect();
    let out = opsdeck(home.path(), &kc, &args).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("which context?") && err.contains("staging, prod-cluster"),
        "{err}"
    );
    assert!(api.requests().is_empty(), "{:?}", api.requests());

    // Named, it goes there.
    let named: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--context", "prod-cluster"])
        .collect();
    let out = opsdeck(home.path(), &kc, &named).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // describe reads the configured contexts: the object is found in both, and said so.
    let describe = [
        "--config",
        config_arg,
        "describe",
        "hr/numinia/elizaos-numi",
    ];
    let out = opsdeck(home.path(), &kc, &describe).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("staging") && err.contains("prod-cluster"),
        "both contexts hold it: {err}"
    );
}

/// `opsdeck kube sync app` and `refresh app`: refused without --write before any request; with
/// it, the operation is set as `argocd app sync` sets it and the outcome printed once Argo CD's
/// controller (played here) has run it; a sync that fails exits 1 with Argo CD's message.
#[tokio::test]
async fn argo_sync_and_refresh_through_the_binary() {
    let api = loaded().await;
    for app in testkit::kube_api::fixture("applications.json") {
        api.apply(app);
    }
    let home = tempfile::tempdir().unwrap();
    let kc = api.write_kubeconfig(home.path());
    let out = opsdeck(home.path(), &kc, &["kube", "sync", "app", "argocd/catalog"]).await;
    assert_read_only(&out);
    assert!(api.requests().is_empty(), "{:?}", api.requests());
    // With --write, the app's name typed: missing or another name, nothing is read or written.
    for (confirm, says) in [
        (None, "add --confirm catalog to do it"),
        (Some("billing"), "is not the Application's name"),
    ] {
        let mut args = vec!["--write", "kube", "sync", "app", "argocd/catalog"];
        args.extend(confirm.map(|c| ["--confirm", c]).into_iter().flatten());
        let out = opsdeck(home.path(), &kc, &args).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{err}");
    }
    assert!(api.requests().is_empty(), "{:?}", api.requests());

    // Argo CD's controller: a refresh is handled, a sync run (catalog's fails, billing's not).
    let controller = {
        let api = api.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                for name in ["catalog", "billing"] {
                    let Some(mut obj) = api.get("Application", "argocd", name) else {
                        continue;
                    };
                    let refresh = obj["metadata"]["annotations"]
                        .as_object_mut()
                        .and_then(|a| a.remove("argocd.argoproj.io/refresh"));
                    let op = obj.as_object_mut().and_then(|o| o.remove("operation"));
                    if let Some(op) = &op {
                        let (phase, message) = if name == "catalog" {
                            (
                                "Failed",
                                "one or more synchronization tasks completed unsuccessfully",
                            )
                        } else {
                            ("Succeeded", "successfully synced (all tasks run)")
                        };
                        obj["status"]["operationState"] = serde_json::json!({
                            "phase": phase, "message": message, "operation": op,
                            "syncResult": {"revision": "2c3d4e5f"}});
                    }
                    if refresh.is_some() || op.is_some() {
                        api.apply(obj);
                    }
                }
            }
        })
    };
    let out = opsdeck(
        home.path(),
        &kc,
        &[
            "--write",
            "kube",
            "sync",
            "app",
            "argocd/billing",
            "--confirm",
            "billing",
        ],
    )
    .await;
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("✔ Application argocd/billing: sync Succeeded: successfully synced"),
        "{said}"
    );
    let out = opsdeck(
        home.path(),
        &kc,
        &[
            "--write",
            "kube",
            "sync",
            "app",
            "argocd/catalog",
            "--confirm",
            "catalog",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "✗ Application argocd/catalog: sync Failed: one or more synchronization tasks"
        ),
        "{err}"
    );
    let out = opsdeck(
        home.path(),
        &kc,
        &["--write", "kube", "refresh", "app", "argocd/catalog"],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("refreshed: OutOfSync, Healthy"));
    controller.abort();
    // Each is in the audit log, with the context it used.
    let audit = std::fs::read_to_string(home.path().join("state/opsdeck/audit.jsonl")).unwrap();
    assert_eq!(
        audit.lines().filter(|l| l.contains("\"sync\"")).count(),
        4,
        "{audit}"
    );
    assert!(audit.contains("prod-cluster"), "{audit}");
}

/// A wait bounded as every other command's: `--timeout 0` or a year is refused before anything
/// is read (clap's exit 2), for the Flux and the Argo CD writes alike.
#[test]
fn a_writes_timeout_is_bounded() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &[
            "--write",
            "kube",
            "sync",
            "app",
            "argocd/catalog",
            "--timeout",
            "0",
        ][..],
        &[
            "--write",
            "kube",
            "refresh",
            "app",
            "argocd/catalog",
            "--timeout",
            "31536000",
        ],
        &[
            "--write",
            "kube",
            "reconcile",
            "hr",
            "numinia/hyperfy2-world",
            "--timeout",
            "0",
        ],
    ] {
        let out = crate::run_in(home.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("1..=86400"), "{args:?}: {err}");
    }
}
