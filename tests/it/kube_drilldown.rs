//! Why it is broken, on Kubernetes, through the real binary and kube-rs against the API
//! emulator: workloads watched with their Flux owner; `opsdeck describe` with pods, merged
//! events, history, inventory, the trace and the certificate chain; each part that cannot be
//! read said in its own section; `opsdeck logs` with pods interleaved, `--previous`, `--tail`,
//! `--since`, the Flux controller's lines, following (a new line, a pod deleted, a stream cut
//! mid-line), 403 on pods/log and a 1 MB line.

use std::io::{BufRead, BufReader};
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};
use testkit::kube_api::{Fault, KubeApi, fixture, loaded};

/// The cluster fixtures, plus workloads, their pods and the pods' events, and a certificate's
/// issuance chain; the failing HelmRelease applied by the org's Kustomization.
async fn cluster() -> KubeApi {
    let api = loaded().await;
    for f in [
        "workloads.json",
        "pods.json",
        "events.json",
        "pod-events.json",
        "chain.json",
    ] {
        for obj in fixture(f) {
            api.apply(obj);
        }
    }
    let mut hr = api.get("HelmRelease", "numinia", "hyperfy2-world").unwrap();
    hr["metadata"]["labels"] = json!({"kustomize.toolkit.fluxcd.io/name": "numinia-pro",
                                      "kustomize.toolkit.fluxcd.io/namespace": "numinia"});
    api.apply(hr);
    let mut ks = api.get("Kustomization", "numinia", "numinia-pro").unwrap();
    ks["status"]["inventory"] = json!({"entries": [
        {"id": "_numinia__Namespace", "v": "v1"},
        {"id": "numinia_hyperfy2-world_helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"},
        {"id": "numinia_numi-memory_apps_StatefulSet", "v": "v1"},
        {"id": "numinia_numinia-charts_source.toolkit.fluxcd.io_HelmRepository", "v": "v1"}]});
    ks["status"]["lastAttemptedRevision"] = json!("main@sha1:9d0e1f2a");
    api.apply(ks);
    api
}

async fn opsdeck(api: &KubeApi, args: &[&str]) -> (Output, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let kc = api.write_kubeconfig(home.path());
    let out = crate::run_kube(crate::opsdeck_in(home.path()), &kc, args).await;
    (out, home)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn describe_json(api: &KubeApi, path: &str) -> (Value, Output) {
    let (out, _home) = opsdeck(api, &["describe", path, "--json", "--timeout", "20"]).await;
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
    (v, out)
}

/// A section's items, once loaded.
fn items<'a>(v: &'a Value, section: &str) -> &'a Vec<Value> {
    let s = &v["sections"][section];
    assert_eq!(s["state"], "loaded", "{section}: {s}");
    s["body"]["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{section}: {s}"))
}

/// Each of `list`'s `a` and `b` fields, joined by `sep`: "HelmRelease numinia/x".
fn pairs(list: &[Value], a: &str, b: &str, sep: &str) -> Vec<String> {
    let field = |v: &Value, k: &str| {
        v[k].as_str()
            .unwrap_or_else(|| panic!("{k}: {v}"))
            .to_string()
    };
    list.iter()
        .map(|v| format!("{}{sep}{}", field(v, a), field(v, b)))
        .collect()
}

#[tokio::test]
async fn workloads_are_watched_with_their_owner_and_a_ready_release_is_not_the_end_of_it() {
    let api = cluster().await;
    let (out, _home) = opsdeck(&api, &["snapshot", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let workload = |name: &str| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "workload" && r["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let stuck = workload("deployment/hyperfy2-world");
    assert_eq!(stuck["health"], "failed");
    assert!(
        stuck["reason"]
            .as_str()
            .unwrap()
            .contains("ProgressDeadlineExceeded")
    );
    assert_eq!(
        stuck["fields"]["owner"],
        "HelmRelease/numinia/hyperfy2-world"
    );
    assert_eq!(workload("deployment/elizaos-numi")["reason"], "0/2 ready");
    assert_eq!(
        workload("statefulset/numi-memory")["fields"]["owner"],
        "Kustomization/numinia/numinia-pro"
    );
    assert_eq!(workload("daemonset/node-agent")["reason"], "3/3 ready");

    // The release says Ready; its detail says what the cluster says.
    let (d, out) = describe_json(&api, "hr/numinia/elizaos-numi").await;
    assert_eq!(d["health"], "healthy", "{}", stderr(&out));
    assert_eq!(
        d["headline"],
        "release Ready, but deployment elizaos-numi 0/2 ready"
    );
    let pods = items(&d, "pods");
    assert_eq!(
        pods[0]["waiting"],
        "CreateContainerConfigError: secret \"elizaos-numi-env\" not found"
    );
}

#[tokio::test]
async fn describe_drills_into_pods_events_history_and_the_trace() {
    let api = cluster().await;
    let (d, out) = describe_json(&api, "hr/numinia/hyperfy2-world").await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Pods: the crashing one first, with why and how it last died.
    let pods = items(&d, "pods");
    assert_eq!(pods.len(), 3);
    assert_eq!(pods[0]["name"], "hyperfy2-world-5c6d7f9b8-x2kqp");
    assert!(
        pods[0]["waiting"]
            .as_str()
            .unwrap()
            .starts_with("CrashLoopBackOff")
    );
    assert_eq!(pods[0]["last_termination"], "OOMKilled (exit 137)");
    assert_eq!(pods[0]["restarts"], 6);
    // Events: the release's, its source's, its Deployment's, ReplicaSet's and pod's, newest
    // first; not another pod's.
    let events = items(&d, "events");
    let objects: Vec<&str> = events
        .iter()
        .map(|e| e["object"].as_str().unwrap())
        .collect();
    assert_eq!(
        objects,
        [
            "Pod/hyperfy2-world-5c6d7f9b8-x2kqp",
            "HelmRelease/hyperfy2-world",
            "Deployment/hyperfy2-world",
            "ReplicaSet/hyperfy2-world-5c6d7f9b8",
            "HelmRepository/numinia-charts",
            "HelmRelease/hyperfy2-world",
        ],
        "{events:?}"
    );
    assert_eq!(events[0]["count"], 24);
    // History: status.history as helm-controller keeps it.
    let history = items(&d, "history");
    assert_eq!(history[0]["version"], 6);
    assert_eq!(history[0]["chart_version"], "0.4.2");
    assert_eq!(history[0]["app_version"], "2.1.0");
    assert_eq!(history[0]["status"], "deployed");
    // The trace: the release, its chart's source, the Kustomization that applied it, and its
    // Git source with the revision.
    assert_eq!(
        pairs(d["trace"].as_array().unwrap(), "kind", "name", " "),
        [
            "HelmRelease numinia/hyperfy2-world",
            "HelmRepository numinia/numinia-charts",
            "Kustomization numinia/numinia-pro",
            "GitRepository flux-system/flux-system",
            "Kustomization flux-system/flux-system",
        ]
    );
    assert_eq!(
        d["trace"][4]["health"],
        Value::Null,
        "the root Kustomization is not in the fixtures"
    );
    // The workload it applied, failing.
    assert_eq!(d["workloads"][0]["name"], "deployment/hyperfy2-world");

    // From the workload up: the same chain, starting at the Deployment.
    let (w, _) = describe_json(&api, "deploy/numinia/hyperfy2-world").await;
    assert_eq!(w["trace"][0]["kind"], "Deployment");
    assert_eq!(w["trace"][1]["kind"], "HelmRelease");
    assert_eq!(items(&w, "pods").len(), 3);

    // And the text form, for a ticket.
    let (out, _home) = opsdeck(&api, &["describe", "hr/numinia/hyperfy2-world"]).await;
    let text = stdout(&out);
    for wanted in [
        "HelmReleases numinia/hyperfy2-world @ prod-cluster",
        "── Pods (opsdeck logs shows their logs)",
        "hyperfy2-world-5c6d7f9b8-x2kqp",
        "CrashLoopBackOff",
        "last: OOMKilled (exit 137)",
        "── Events (warnings; --all-events shows all)",
        "BackOff",
        "── History",
        "hyperfy2@0.4.2",
        "── Trace (flux trace)",
        "$ flux reconcile helmrelease -n numinia hyperfy2-world",
    ] {
        assert!(text.contains(wanted), "{wanted:?} missing:\n{text}");
    }
    assert!(!text.contains("not this workload's"), "{text}");
    assert!(
        !text.contains("ScalingReplicaSet"),
        "Normal events need --all-events"
    );
}

#[tokio::test]
async fn a_kustomization_shows_its_inventory_and_revisions() {
    let api = cluster().await;
    let (d, out) = describe_json(&api, "ks/numinia/numinia-pro").await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        pairs(items(&d, "inventory"), "kind", "name", "/"),
        [
            "Namespace/numinia",
            "HelmRelease/hyperfy2-world",
            "StatefulSet/numi-memory",
            "HelmRepository/numinia-charts"
        ]
    );
    let r = &d["sections"]["history"]["body"]["items"];
    assert_eq!(r["applied"], "main@sha1:5f1c2e7a9d0b");
    assert_eq!(r["attempted"], "main@sha1:9d0e1f2a");
    assert_eq!(r["source"], "GitRepository/flux-system/flux-system");
    assert!(r["artifact_revision"].as_str().is_some(), "{r}");
    // Its pods: of the StatefulSet it applied (no pod matches its selector here).
    assert_eq!(items(&d, "pods").len(), 0);
    let (out, _home) = opsdeck(&api, &["describe", "ks/numinia/numinia-pro"]).await;
    let text = stdout(&out);
    assert!(
        text.contains("HelmRelease/numinia/hyperfy2-world") && text.contains("failed"),
        "inventory entries carry the health opsdeck knows:\n{text}"
    );
    assert!(text.contains("Flux last tried another revision"), "{text}");
}

#[tokio::test]
async fn the_certificate_chain_reaches_the_pending_challenge() {
    let api = cluster().await;
    let (d, out) = describe_json(&api, "cert/numinia/numinia-tls").await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let chain = items(&d, "chain");
    assert_eq!(
        pairs(chain, "kind", "state", ": "),
        [
            "CertificateRequest: Ready=False (Pending)",
            "Order: pending",
            "Challenge: pending (HTTP-01 numinia.xyz)",
            "Challenge: valid (DNS-01 *.numinia.xyz)",
        ],
        "the newest request (revision 3), not the issued one before it"
    );
    assert_eq!(
        chain[2]["reason"],
        "Waiting for HTTP-01 challenge propagation: wrong status code '404', expected '200'"
    );
}

#[tokio::test]
async fn a_cluster_without_acme_shows_the_request_alone() {
    // cert-manager with a CA issuer: no acme.cert-manager.io group served.
    let resources = testkit::kube_api::all_resources()
        .into_iter()
        .filter(|r| r.group != "acme.cert-manager.io")
        .collect();
    let api = KubeApi::start(resources).await;
    for f in ["namespaces.json", "certificates.json"] {
        for obj in fixture(f) {
            api.apply(obj);
        }
    }
    for obj in fixture("chain.json")
        .into_iter()
        .filter(|o| o["kind"] == "CertificateRequest")
    {
        api.apply(obj);
    }
    let (d, out) = describe_json(&api, "cert/numinia/numinia-tls").await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(items(&d, "chain").len(), 1);
}

#[tokio::test]
async fn a_section_that_cannot_be_read_says_why_and_the_rest_shows() {
    let api = cluster().await;
    api.set_fault("pods", Some(Fault::Forbidden));
    let (d, out) = describe_json(&api, "hr/numinia/hyperfy2-world").await;
    assert_eq!(out.status.code(), Some(3), "partial: {}", stderr(&out));
    assert_eq!(d["sections"]["pods"]["state"], "unavailable");
    assert_eq!(
        d["sections"]["pods"]["reason"],
        "forbidden (RBAC): cannot list pods in numinia"
    );
    // Events still read, without the pods' own.
    let events = items(&d, "events");
    assert!(events.iter().any(|e| e["reason"] == "UpgradeFailed"));
    assert!(
        events
            .iter()
            .all(|e| !e["object"].as_str().unwrap().starts_with("Pod/"))
    );
    assert!(!items(&d, "history").is_empty());
    assert!(
        stderr(&out).contains("Pods: forbidden (RBAC)"),
        "{}",
        stderr(&out)
    );

    // A 500 on events: that section only.
    api.set_fault("pods", None);
    api.set_fault("events", Some(Fault::ServerError));
    let (d, out) = describe_json(&api, "hr/numinia/hyperfy2-world").await;
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(d["sections"]["events"]["state"], "unavailable");
    assert!(
        d["sections"]["events"]["reason"]
            .as_str()
            .unwrap()
            .contains("500"),
        "{}",
        d["sections"]["events"]
    );
    assert_eq!(items(&d, "pods").len(), 3);
}

#[tokio::test]
async fn describe_names_what_it_cannot_find() {
    let api = cluster().await;
    let (out, _home) = opsdeck(&api, &["describe", "hr/numinia/nope"]).await;
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("hr/numinia/nope: not found (2 HelmReleases read"),
        "{}",
        stderr(&out)
    );
    let (out, _home) = opsdeck(&api, &["describe", "pods/numinia/x"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown kind \"pods\""),
        "{}",
        stderr(&out)
    );
}

fn write_crash_logs(api: &KubeApi) {
    let (ns, crashing, old) = (
        "numinia",
        "hyperfy2-world-5c6d7f9b8-x2kqp",
        "hyperfy2-world-7d9f8c6b5-ab12c",
    );
    for line in ["[hyperfy2] starting", "FATAL ERROR: Reached heap limit"] {
        api.write_log(ns, crashing, "hyperfy2", line);
    }
    api.restart_container(ns, crashing, "hyperfy2");
    api.write_log(ns, crashing, "hyperfy2", "[hyperfy2] starting again");
    for i in 0..5 {
        api.write_log(
            ns,
            old,
            "hyperfy2",
            &format!("[hyperfy2] GET /health 200 ({i})"),
        );
    }
    api.write_log(
        ns,
        "hyperfy2-world-7d9f8c6b5-cd34e",
        "hyperfy2",
        "[hyperfy2] ws client connected",
    );
}

#[tokio::test]
async fn logs_interleave_a_releases_pods_and_read_the_previous_container() {
    let api = cluster().await;
    write_crash_logs(&api);
    let (out, _home) = opsdeck(&api, &["logs", "hr/numinia/hyperfy2-world"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("hyperfy2-world-5c6d7f9b8-x2kqp/hyperfy2 │ [hyperfy2] starting again"),
        "{text}"
    );
    assert!(
        text.contains("hyperfy2-world-7d9f8c6b5-ab12c/hyperfy2 │ [hyperfy2] GET /health 200 (4)"),
        "{text}"
    );
    assert!(
        text.contains("hyperfy2-world-7d9f8c6b5-cd34e/hyperfy2 │ [hyperfy2] ws client connected"),
        "{text}"
    );
    assert!(
        !text.contains("FATAL"),
        "the current containers only:\n{text}"
    );
    assert!(
        !text.contains("2026-"),
        "the API's timestamps are stripped:\n{text}"
    );

    // Why the new pod crashed: its previous container's log. The old pods have none (the
    // API's 400): said as a note, not a failure.
    let (out, _home) = opsdeck(
        &api,
        &["logs", "deploy/numinia/hyperfy2-world", "--previous"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("FATAL ERROR: Reached heap limit"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("/hyperfy2: no previous container (it has not restarted)"),
        "{}",
        stderr(&out)
    );

    // One pod, its last two lines.
    let (out, _home) = opsdeck(
        &api,
        &[
            "logs",
            "pod/numinia/hyperfy2-world-7d9f8c6b5-ab12c",
            "--tail",
            "2",
            "--context",
            "prod-cluster",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "[hyperfy2] GET /health 200 (3)\n[hyperfy2] GET /health 200 (4)\n"
    );
    assert!(api.requests().iter().any(
        |r| r.contains("/pods/hyperfy2-world-7d9f8c6b5-ab12c/log") && r.contains("tailLines=2")
    ));

    // --since asks the API for newer lines only.
    let (out, _home) = opsdeck(
        &api,
        &[
            "logs",
            "pod/numinia/hyperfy2-world-7d9f8c6b5-ab12c",
            "--since",
            "1h",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert!(
        api.requests()
            .iter()
            .any(|r| r.contains("sinceSeconds=3600"))
    );

    // A pod that never started: the API's answer, as an error.
    let (out, _home) = opsdeck(&api, &["logs", "deploy/numinia/elizaos-numi"]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("is waiting to start: CreateContainerConfigError"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn the_flux_controllers_lines_about_one_object_only() {
    let api = cluster().await;
    let pod = "helm-controller-57c6d9f4b-k8s2m";
    let line = |name: &str, level: &str, msg: &str| {
        json!({"level": level, "ts": "2026-11-23T11:55:00.1Z", "msg": msg, "controller": "helmrelease",
               "controllerGroup": "helm.toolkit.fluxcd.io", "controllerKind": "HelmRelease",
               "HelmRelease": {"name": name, "namespace": "numinia"}, "namespace": "numinia", "name": name,
               "reconcileID": "1b2c", "error": if level == "error" {"Helm upgrade failed: context deadline exceeded"} else {""}})
        .to_string()
    };
    api.write_log(
        "flux-system",
        pod,
        "manager",
        &line("elizaos-numi", "info", "release in-sync with desired state"),
    );
    api.write_log(
        "flux-system",
        pod,
        "manager",
        &line("hyperfy2-world", "error", "Reconciler error"),
    );
    api.write_log("flux-system", pod, "manager", "not json at all");
    let (out, _home) = opsdeck(&api, &["logs", "hr/numinia/hyperfy2-world", "--flux"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "2026-11-23T11:55:00.1Z error HelmRelease/hyperfy2-world.numinia - Reconciler error Helm upgrade failed: context deadline exceeded\n"
    );
    let (out, _home) = opsdeck(&api, &["logs", "deploy/numinia/hyperfy2-world", "--flux"]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "a workload is not a Flux object"
    );
}

#[tokio::test]
async fn a_forbidden_log_and_a_megabyte_line_are_handled() {
    let api = cluster().await;
    let old = "hyperfy2-world-7d9f8c6b5-ab12c";
    api.write_log("numinia", old, "hyperfy2", &"x".repeat(1024 * 1024));
    api.write_log("numinia", old, "hyperfy2", "after the big one");
    let (out, _home) = opsdeck(&api, &["logs", &format!("pod/numinia/{old}")]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].len() < 17 * 1024,
        "cut to 16 KiB, not {}",
        lines[0].len()
    );
    let cut: usize = lines[0]
        .rsplit_once(" … [")
        .and_then(|(_, n)| n.strip_suffix(" more bytes cut]"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", &lines[0][lines[0].len() - 60..]));
    assert!(
        cut > 1024 * 1024 - 16 * 1024 && cut < 1024 * 1024,
        "{cut} bytes cut"
    );
    assert_eq!(lines[1], "after the big one");

    api.set_fault("pods/log", Some(Fault::Forbidden));
    let (out, _home) = opsdeck(&api, &["logs", &format!("pod/numinia/{old}")]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains(&format!(
            "forbidden (RBAC): cannot get pods/log of numinia/{old}"
        )),
        "{}",
        stderr(&out)
    );
}

/// `opsdeck logs --follow …` running, its stdout read line by line on a thread.
struct Following {
    child: Child,
    lines: mpsc::Receiver<String>,
    _home: tempfile::TempDir,
}

impl Following {
    fn start(api: &KubeApi, args: &[&str]) -> Following {
        let home = tempfile::tempdir().unwrap();
        let kc = api.write_kubeconfig(home.path());
        let mut cmd = crate::opsdeck_in(home.path());
        cmd.args(["logs", "--follow"])
            .args(args)
            .env("KUBECONFIG", &kc)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let (tx, lines) = mpsc::channel();
        for out in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for l in BufReader::new(out).lines().map_while(Result::ok) {
                    let _ = tx.send(l);
                }
            });
        }
        Following {
            child,
            lines,
            _home: home,
        }
    }

    /// Waits (off the runtime) for a line containing `wanted`; the lines seen until then.
    async fn until(&self, wanted: &str) -> Vec<String> {
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            match self.lines.try_recv() {
                Ok(l) => {
                    let done = l.contains(wanted);
                    seen.push(l);
                    if done {
                        return seen;
                    }
                }
                Err(_) if std::time::Instant::now() > deadline => {
                    panic!("waited for {wanted:?}; saw {seen:?}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }
}

impl Drop for Following {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn following_shows_new_lines_a_deleted_pod_and_survives_a_cut_stream() {
    let api = cluster().await;
    let pod = "hyperfy2-world-7d9f8c6b5-cd34e";
    api.write_log("numinia", pod, "hyperfy2", "line 1");
    let f = Following::start(
        &api,
        &[&format!("pod/numinia/{pod}"), "--context", "prod-cluster"],
    );
    f.until("line 1").await;
    api.write_log("numinia", pod, "hyperfy2", "line 2 written while following");
    f.until("line 2 written while following").await;

    // The pod goes away: its stream ends and the next listing says so.
    api.delete("Pod", "numinia", pod);
    f.until("log ended").await;
    f.until(&format!("pod numinia/{pod} is gone")).await;
    drop(f);

    // A stream cut in the middle of a line: what arrived shows, and the next read starts after
    // the last whole line, so nothing is shown twice or lost.
    let pod = "hyperfy2-world-7d9f8c6b5-ab12c";
    for i in 1..=3 {
        api.write_log("numinia", pod, "hyperfy2", &format!("whole line {i}"));
    }
    api.set_fault_for("pods/log", Fault::CutWatchAfter(2), 1);
    let f = Following::start(&api, &[&format!("pod/numinia/{pod}")]);
    // stdout (the lines) and stderr (the note) are two pipes: either may be read first.
    let mut seen = f.until("whole line 2").await;
    if !seen.iter().any(|l| l.contains("log ended")) {
        seen.extend(f.until("log ended").await);
    }
    assert!(seen.iter().any(|l| l == "whole line 1"), "{seen:?}");
    // The reader starts again on the next listing and reads line 3 whole.
    let seen = f.until("whole line 3").await;
    assert!(seen.iter().any(|l| l == "whole line 3"), "{seen:?}");
    api.write_log("numinia", pod, "hyperfy2", "after the cut");
    let seen = f.until("after the cut").await;
    assert!(
        !seen.iter().any(|l| l == "whole line 2"),
        "not twice: {seen:?}"
    );
}
