//! A Kubernetes API emulator speaking the real REST protocol over HTTP, for kube-rs tests:
//! discovery (`/api`, `/apis`, `/apis/{g}/{v}`), list with `resourceVersion`, `watch=true`
//! streams of ADDED/MODIFIED/DELETED/BOOKMARK events, `410 Gone` for a compacted
//! resourceVersion, JSON merge patch, the status subresource, and per-resource faults (403, 500,
//! delay). Clients connect through a TCP proxy that a test can take down, like a dropped VPN.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use opsdeck::backend::kube::resources::{WATCHED, Watched};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};

/// `opsdeck --write kube reconcile` of the fixtures' suspended Kustomization (numinia-pre), which
/// opsdeck refuses: a write that fails before it reaches the API.
pub const RECONCILE_SUSPENDED: &[&str] = &[
    "--write",
    "kube",
    "reconcile",
    "ks",
    "numinia-pre/numinia-pre",
];

#[derive(Clone, Debug)]
pub struct Resource {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
}

impl Resource {
    /// A resource the kube backend watches. Flux's and cert-manager's are all namespaced.
    pub fn watched(w: &Watched) -> Resource {
        Resource {
            group: w.group(),
            version: w.version(),
            kind: w.api_kind,
            plural: w.plural,
            namespaced: true,
        }
    }

    /// Whether the resource has a status subresource. Argo CD's CRDs declare none: its
    /// controller writes `status` with the object, and so does a patch of the object.
    fn has_status_subresource(&self) -> bool {
        self.group != "argoproj.io"
    }

    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

pub const NAMESPACES: Resource = Resource {
    group: "",
    version: "v1",
    kind: "Namespace",
    plural: "namespaces",
    namespaced: false,
};
pub const EVENTS: Resource = Resource {
    group: "",
    version: "v1",
    kind: "Event",
    plural: "events",
    namespaced: true,
};
pub const PODS: Resource = Resource {
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    namespaced: true,
};

/// The resources read on demand, never watched: a certificate's issuance chain.
pub fn chain_resources() -> Vec<Resource> {
    use opsdeck::model::kinds::certificate::{CERTIFICATE_REQUESTS, CHALLENGES, ORDERS};
    [CERTIFICATE_REQUESTS, ORDERS, CHALLENGES]
        .iter()
        .map(|r| {
            let (group, version) = r.api_version.split_once('/').unwrap();
            Resource {
                group: Box::leak(group.to_string().into_boxed_str()),
                version: Box::leak(version.to_string().into_boxed_str()),
                kind: r.api_kind,
                plural: r.plural,
                namespaced: true,
            }
        })
        .collect()
}

/// Namespaces, events and pods (core resources the backend reads beside its watched ones), the
/// certificate chain's, then every resource opsdeck watches, from the crate's own list: a kind
/// added there is served here too.
pub fn all_resources() -> Vec<Resource> {
    let mut all = vec![NAMESPACES, EVENTS, PODS];
    all.extend(chain_resources());
    all.extend(WATCHED.iter().map(Resource::watched));
    all
}

/// The objects of a fixture file in `tests/fixtures/kube/`.
pub fn fixture(name: &str) -> Vec<Value> {
    // The fixtures stay with the tests, one directory up from this crate.
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/kube")
        .join(name);
    serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fixtures of one Flux + cert-manager cluster (the events are loaded where a test needs them).
pub const CLUSTER_FIXTURES: [&str; 5] = [
    "namespaces.json",
    "kustomizations.json",
    "helmreleases.json",
    "sources.json",
    "certificates.json",
];

/// An emulator serving every resource, loaded with `CLUSTER_FIXTURES`.
pub async fn loaded() -> KubeApi {
    let api = KubeApi::start(all_resources()).await;
    for f in CLUSTER_FIXTURES {
        for obj in fixture(f) {
            api.apply(obj);
        }
    }
    api
}

#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// 403 Forbidden, as RBAC answers.
    Forbidden,
    /// 500 Internal Server Error.
    ServerError,
    /// 503 Service Unavailable with `Retry-After` (seconds), as an aggregated API that is down
    /// or an apiserver shedding load answers.
    Unavailable { retry_after: u32 },
    /// 429 Too Many Requests with `Retry-After: 1`, as API priority and fairness answers.
    TooManyRequests,
    /// Every request for the resource waits this long first.
    Delay(Duration),
    /// Watches of the resource send this many events, then the connection is cut in the middle
    /// of the next one (half a JSON line, then EOF), as a dropped VPN or a proxy timeout does.
    CutWatchAfter(usize),
}

#[derive(Clone, Debug)]
struct WatchEvent {
    rv: u64,
    plural: String,
    kind: &'static str,
    object: Value,
    /// The object before a MODIFIED, so label-selector watches can turn it into ADDED/DELETED.
    old: Value,
}

struct Inner {
    resources: Vec<Resource>,
    /// (plural, namespace, name) → object
    objects: BTreeMap<(String, String, String), Value>,
    rv: u64,
    /// Events older than this resourceVersion are gone: asking for them is 410.
    compacted: u64,
    log: Vec<WatchEvent>,
    /// Fault per resource, and for how many more requests (`None`: until cleared).
    faults: BTreeMap<String, (Fault, Option<u32>)>,
    /// Requests seen, "METHOD path?query", for assertions.
    requests: Vec<String>,
    /// Every request waits this long first, like a round trip over a VPN.
    latency: Duration,
    bookmark_every: Duration,
    /// Serialized lists at the current resourceVersion, by what they select.
    list_cache: BTreeMap<String, Bytes>,
    /// Discovery requests (`/api/v1`, `/apis/{g}/{v}`) in flight now, and the most at once.
    discovery_in_flight: usize,
    discovery_most: usize,
    /// Container logs by (namespace, pod, container).
    logs: BTreeMap<(String, String, String), ContainerLog>,
}

/// One container's log, as the kubelet keeps it in a file: the running container's lines and
/// the previous (terminated) one's. A follower reads on from where it is, at its own pace, as
/// `tail -f` does: nothing is lost when it is slow.
#[derive(Clone, Debug, Default)]
struct ContainerLog {
    current: Vec<(jiff::Timestamp, String)>,
    previous: Option<Vec<(jiff::Timestamp, String)>>,
    /// Which run of the container `current` is: a restart starts a new one.
    run: u64,
    /// The container stopped (or its pod went away): followers end.
    stopped: bool,
    /// Wakes this container's followers (and only them) when it writes, restarts or stops.
    written: Arc<tokio::sync::Notify>,
}

/// The fault key of the log subresource: RBAC grants `pods/log` apart from pods.
const LOG_LINE: &str = "pods/log";

/// The fault key of a group's discovery (`/apis/{g}/{v}`): `set_fault_for(DISCOVERY, …)` makes
/// the cluster's first question fail, as an apiserver restarting or a dropped VPN does.
pub const DISCOVERY: &str = "(discovery)";

#[derive(Clone)]
pub struct KubeApi {
    inner: Arc<Mutex<Inner>>,
    events: broadcast::Sender<WatchEvent>,
    /// The address clients use (the proxy).
    pub addr: SocketAddr,
    up: watch::Sender<bool>,
}

type Shared = (Arc<Mutex<Inner>>, broadcast::Sender<WatchEvent>);

impl KubeApi {
    pub async fn start(resources: Vec<Resource>) -> KubeApi {
        let inner = Arc::new(Mutex::new(Inner {
            resources,
            objects: BTreeMap::new(),
            rv: 100,
            compacted: 0,
            log: Vec::new(),
            faults: BTreeMap::new(),
            requests: Vec::new(),
            latency: Duration::ZERO,
            bookmark_every: Duration::from_millis(200),
            list_cache: BTreeMap::new(),
            discovery_in_flight: 0,
            discovery_most: 0,
            logs: BTreeMap::new(),
        }));
        let (events, _) = broadcast::channel(4096);
        let app = Router::new()
            .route("/api", get(core_versions))
            .route("/api/v1", get(core_resources))
            .route("/apis", get(groups))
            .route("/apis/{g}/{v}", get(group_resources))
            .route(
                "/version",
                get(|| async {
                    axum::Json(
                        json!({"major": "1", "minor": "33", "gitVersion": "v1.33.4-emulator"}),
                    )
                }),
            )
            .fallback(resource_request)
            .layer(axum::middleware::from_fn_with_state(
                (inner.clone(), events.clone()),
                round_trip,
            ))
            .with_state((inner.clone(), events.clone()));
        let backend = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let backend_addr = backend.local_addr().unwrap();
        // TCP_NODELAY, as the apiserver's Go net/http sets it: a log stream's small writes go
        // out at once instead of waiting on the reader's delayed ACKs.
        let backend = axum::serve::ListenerExt::tap_io(backend, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        tokio::spawn(async move {
            axum::serve(backend, app).await.unwrap();
        });
        let (up, up_rx) = watch::channel(true);
        let addr = proxy(backend_addr, up_rx).await;
        // Bookmarks keep watchers' resourceVersions fresh, as the apiserver does (every 200 ms
        // unless set otherwise, so tests see them soon).
        let ev = events.clone();
        let inner2 = inner.clone();
        tokio::spawn(async move {
            loop {
                let every = inner2.lock().unwrap().bookmark_every;
                tokio::time::sleep(every).await;
                let rv = inner2.lock().unwrap().rv;
                let _ = ev.send(WatchEvent {
                    rv,
                    plural: String::new(),
                    kind: "BOOKMARK",
                    object: Value::Null,
                    old: Value::Null,
                });
            }
        });
        KubeApi {
            inner,
            events,
            addr,
            up,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A kubeconfig with one context per (name, server) pair, the first current.
    pub fn kubeconfig(contexts: &[(&str, &str)]) -> String {
        let mut clusters = String::new();
        let mut ctxs = String::new();
        for (name, server) in contexts {
            clusters.push_str(&format!(
                "- name: {name}\n  cluster:\n    server: {server}\n"
            ));
            ctxs.push_str(&format!(
                "- name: {name}\n  context:\n    cluster: {name}\n    user: tester\n"
            ));
        }
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: {}\nclusters:\n{clusters}contexts:\n{ctxs}users:\n- name: tester\n  user:\n    token: emulator-token\n",
            contexts[0].0
        )
    }

    /// A kubeconfig of one context, prod-cluster, on this emulator: what most tests connect with.
    pub fn one_context(&self) -> String {
        Self::kubeconfig(&[("prod-cluster", &self.url())])
    }

    /// Writes `one_context` as `dir/kubeconfig`; its path.
    pub fn write_kubeconfig(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("kubeconfig");
        std::fs::write(&path, self.one_context()).unwrap();
        path
    }

    /// A kubeconfig of one context, `eks-prod-use1`, on `server`, whose user's credentials come
    /// from the exec plugin `command args` (as `aws eks get-token` does).
    pub fn exec_kubeconfig(server: &str, command: &str, args: &[&str]) -> String {
        let args = serde_json::to_string(args).unwrap();
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: eks-prod-use1\nclusters:\n- name: c\n  cluster:\n    server: {server}\ncontexts:\n- name: eks-prod-use1\n  context:\n    cluster: c\n    user: eks\nusers:\n- name: eks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {command}\n      args: {args}\n"
        )
    }

    /// `exec_kubeconfig` whose plugin runs with `AWS_PROFILE=profile` and never asks for input,
    /// as `aws eks update-kubeconfig` writes it for an SSO profile.
    pub fn profile_exec_kubeconfig(
        server: &str,
        command: &str,
        args: &[&str],
        profile: &str,
    ) -> String {
        Self::exec_kubeconfig(server, command, args)
            + &format!(
                "      env: [{{name: AWS_PROFILE, value: {profile}}}]\n      interactiveMode: Never\n"
            )
    }

    fn resource_for_kind(&self, kind: &str) -> Resource {
        let g = self.inner.lock().unwrap();
        g.resources
            .iter()
            .find(|r| r.kind == kind)
            .cloned()
            .unwrap_or_else(|| panic!("{kind} not registered"))
    }

    /// Creates or replaces an object (ADDED or MODIFIED), keeping its status as given.
    pub fn apply(&self, mut obj: Value) -> u64 {
        let kind = obj["kind"]
            .as_str()
            .expect("objects have a kind")
            .to_string();
        let res = self.resource_for_kind(&kind);
        let mut g = self.inner.lock().unwrap();
        g.rv += 1;
        g.list_cache.clear();
        let rv = g.rv;
        let ns = if res.namespaced {
            obj["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default")
                .to_string()
        } else {
            String::new()
        };
        let name = obj["metadata"]["name"].as_str().unwrap().to_string();
        obj["apiVersion"] = json!(res.api_version());
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        if obj["metadata"].get("uid").is_none() {
            obj["metadata"]["uid"] = json!(format!("uid-{}-{ns}-{name}", res.plural));
        }
        let key = (res.plural.to_string(), ns, name);
        let old = g.objects.get(&key).cloned().unwrap_or(Value::Null);
        let kind_ev = if old.is_null() { "ADDED" } else { "MODIFIED" };
        g.objects.insert(key, obj.clone());
        let ev = WatchEvent {
            rv,
            plural: res.plural.to_string(),
            kind: kind_ev,
            object: obj,
            old,
        };
        g.log.push(ev.clone());
        drop(g);
        let _ = self.events.send(ev);
        rv
    }

    pub fn delete(&self, kind: &str, ns: &str, name: &str) {
        let res = self.resource_for_kind(kind);
        let mut g = self.inner.lock().unwrap();
        let ns = if res.namespaced {
            ns.to_string()
        } else {
            String::new()
        };
        let Some(mut obj) =
            g.objects
                .remove(&(res.plural.to_string(), ns.clone(), name.to_string()))
        else {
            return;
        };
        g.rv += 1;
        g.list_cache.clear();
        let rv = g.rv;
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        let ev = WatchEvent {
            rv,
            plural: res.plural.to_string(),
            kind: "DELETED",
            object: obj,
            old: Value::Null,
        };
        g.log.push(ev.clone());
        drop(g);
        let _ = self.events.send(ev);
        if kind == "Pod" {
            self.end_logs(&ns, name);
        }
    }

    pub fn get(&self, kind: &str, ns: &str, name: &str) -> Option<Value> {
        let res = self.resource_for_kind(kind);
        let ns = if res.namespaced {
            ns.to_string()
        } else {
            String::new()
        };
        self.inner
            .lock()
            .unwrap()
            .objects
            .get(&(res.plural.to_string(), ns, name.to_string()))
            .cloned()
    }

    pub fn set_fault(&self, plural: &str, fault: Option<Fault>) {
        let mut g = self.inner.lock().unwrap();
        match fault {
            Some(f) => g.faults.insert(plural.to_string(), (f, None)),
            None => g.faults.remove(plural),
        };
    }

    /// A fault for the next `calls` requests of the resource only, then it answers again.
    pub fn set_fault_for(&self, plural: &str, fault: Fault, calls: u32) {
        self.inner
            .lock()
            .unwrap()
            .faults
            .insert(plural.to_string(), (fault, Some(calls)));
    }

    /// Stores an object as given, valid for its kind or not (a field of the wrong type, a
    /// missing status): what a CRD without a strict schema, or an old version, can hold.
    pub fn apply_unchecked(&self, plural: &str, ns: &str, name: &str, obj: Value) {
        let mut g = self.inner.lock().unwrap();
        g.rv += 1;
        g.list_cache.clear();
        let rv = g.rv;
        let key = (plural.to_string(), ns.to_string(), name.to_string());
        let old = g.objects.get(&key).cloned().unwrap_or(Value::Null);
        g.objects.insert(key, obj.clone());
        let ev = WatchEvent {
            rv,
            plural: plural.to_string(),
            kind: if old.is_null() { "ADDED" } else { "MODIFIED" },
            object: obj,
            old,
        };
        g.log.push(ev.clone());
        drop(g);
        let _ = self.events.send(ev);
    }

    /// Delays every request, discovery included, by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        self.inner.lock().unwrap().latency = latency;
    }

    /// How often open watches get a BOOKMARK (the apiserver sends about one a minute).
    pub fn set_bookmark_interval(&self, every: Duration) {
        self.inner.lock().unwrap().bookmark_every = every;
    }

    /// The most discovery requests that were in flight at one moment.
    pub fn most_concurrent_discovery(&self) -> usize {
        self.inner.lock().unwrap().discovery_most
    }

    /// Serializes every resource's whole list now, so the first clients do not wait for it.
    pub fn prewarm_lists(&self) {
        let resources = self.inner.lock().unwrap().resources.clone();
        for res in resources {
            let t = Target {
                res,
                namespace: None,
                name: None,
                status: false,
                log: false,
            };
            list(&self.inner, &t, &BTreeMap::new());
        }
    }

    /// Forgets history: every resourceVersion up to now is too old, so a watch resuming from
    /// one gets 410 Gone and must relist. Open watches are told so with an ERROR event.
    pub fn compact(&self) {
        let mut g = self.inner.lock().unwrap();
        g.compacted = g.rv + 1;
        g.log.clear();
        drop(g);
        let _ = self.events.send(WatchEvent {
            rv: 0,
            plural: String::new(),
            kind: "EXPIRE",
            object: Value::Null,
            old: Value::Null,
        });
    }

    /// Drops every connection and refuses new ones until `come_back`.
    pub fn go_down(&self) {
        self.up.send_replace(false);
    }

    pub fn come_back(&self) {
        self.up.send_replace(true);
    }

    pub fn requests(&self) -> Vec<String> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// Appends a line to a container's log (as the container writes it, now), for readers and
    /// followers alike.
    pub fn write_log(&self, ns: &str, pod: &str, container: &str, text: &str) {
        let at = jiff::Timestamp::now();
        let mut g = self.inner.lock().unwrap();
        let log = g
            .logs
            .entry((ns.into(), pod.into(), container.into()))
            .or_default();
        log.current.push((at, text.to_string()));
        log.written.notify_waiters();
    }

    /// The container restarted: its log becomes the previous one (`--previous`), and the new
    /// one starts empty. Followers of the old one see their stream end.
    pub fn restart_container(&self, ns: &str, pod: &str, container: &str) {
        let mut g = self.inner.lock().unwrap();
        let log = g
            .logs
            .entry((ns.into(), pod.into(), container.into()))
            .or_default();
        log.previous = Some(std::mem::take(&mut log.current));
        log.run += 1;
        log.stopped = false;
        log.written.notify_waiters();
    }

    /// Ends every follow stream of the pod's containers, as the kubelet does when they stop.
    pub fn end_logs(&self, ns: &str, pod: &str) {
        let mut g = self.inner.lock().unwrap();
        for ((n, p, _), log) in g.logs.iter_mut() {
            if n == ns && p == pod {
                log.stopped = true;
                log.written.notify_waiters();
            }
        }
    }

    /// How many requests so far (`METHOD path?query`) `matching` holds for.
    pub fn count_requests(&self, matching: impl Fn(&str) -> bool) -> usize {
        self.requests().iter().filter(|r| matching(r)).count()
    }
}

/// Forwards connections to the emulator while up; while down, kills them and refuses new ones.
async fn proxy(backend: SocketAddr, up: watch::Receiver<bool>) -> SocketAddr {
    let front = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = front.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = front.accept().await else {
                continue;
            };
            if !*up.borrow() {
                drop(client);
                continue;
            }
            let mut up = up.clone();
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    _ = up.wait_for(|u| !*u) => {}
                }
            });
        }
    });
    addr
}

fn status(code: u16, reason: &str, message: String) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": message, "reason": reason, "code": code});
    (StatusCode::from_u16(code).unwrap(), axum::Json(body)).into_response()
}

async fn core_versions() -> impl IntoResponse {
    axum::Json(json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}))
}

fn resource_list(group_version: &str, resources: &[&Resource]) -> Value {
    let list: Vec<Value> = resources
        .iter()
        .flat_map(|r| {
            let main = json!({"name": r.plural, "singularName": r.kind.to_lowercase(), "namespaced": r.namespaced,
                              "kind": r.kind, "verbs": ["get", "list", "watch", "patch", "update"]});
            let status = json!({"name": format!("{}/status", r.plural), "singularName": "", "namespaced": r.namespaced,
                                "kind": r.kind, "verbs": ["get", "patch", "update"]});
            [main, status]
        })
        .collect();
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": list})
}

async fn core_resources(State((inner, _)): State<Shared>) -> impl IntoResponse {
    let g = inner.lock().unwrap();
    let core: Vec<&Resource> = g.resources.iter().filter(|r| r.group.is_empty()).collect();
    axum::Json(resource_list("v1", &core))
}

async fn groups(State((inner, _)): State<Shared>) -> impl IntoResponse {
    let g = inner.lock().unwrap();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for r in g.resources.iter().filter(|r| !r.group.is_empty()) {
        seen.insert(r.group, r.version);
    }
    let groups: Vec<Value> = seen
        .iter()
        .map(|(group, v)| {
            let gv = json!({"groupVersion": format!("{group}/{v}"), "version": v});
            json!({"name": group, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    axum::Json(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
}

async fn group_resources(
    State((inner, _)): State<Shared>,
    Path((group, version)): Path<(String, String)>,
) -> Response {
    let mut g = inner.lock().unwrap();
    if let Some(fault) = take_fault(&mut g, DISCOVERY) {
        return status(
            500,
            "InternalError",
            format!("discovery of {group}/{version} failed: {fault:?}"),
        );
    }
    let rs: Vec<&Resource> = g
        .resources
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    if rs.is_empty() {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource".into(),
        );
    }
    axum::Json(resource_list(&format!("{group}/{version}"), &rs)).into_response()
}

/// What a resource path names.
struct Target {
    res: Resource,
    namespace: Option<String>,
    name: Option<String>,
    status: bool,
    /// `pods/{name}/log`.
    log: bool,
}

fn parse_path(resources: &[Resource], path: &str) -> Option<Target> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match parts.as_slice() {
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return None,
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, r, tail @ ..] => (Some(ns.to_string()), [&[*r][..], tail].concat()),
        other => (None, other.to_vec()),
    };
    let (plural, name, status, log) = match rest.as_slice() {
        [p] => (*p, None, false, false),
        [p, n] => (*p, Some(n.to_string()), false, false),
        [p, n, "status"] => (*p, Some(n.to_string()), true, false),
        ["pods", n, "log"] => ("pods", Some(n.to_string()), false, true),
        _ => return None,
    };
    // `/api/v1/namespaces/{name}` names a namespace object, not a namespaced collection.
    if group.is_empty() && namespace.is_some() && plural == "namespaces" {
        return None;
    }
    let res = resources
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)?
        .clone();
    Some(Target {
        res,
        namespace,
        name,
        status,
        log,
    })
}

/// The fault set on `key` for this request, counting it down when it is for a few calls only.
fn take_fault(g: &mut Inner, key: &str) -> Option<Fault> {
    match g.faults.get_mut(key) {
        Some((_, Some(0))) => {
            g.faults.remove(key);
            None
        }
        Some((f, Some(n))) => {
            *n -= 1;
            Some(f.clone())
        }
        Some((f, None)) => Some(f.clone()),
        None => None,
    }
}

/// JSON merge patch (RFC 7386).
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = json!({});
            }
            let t = target.as_object_mut().unwrap();
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

async fn resource_request(
    State((inner, events)): State<Shared>,
    method: Method,
    uri: axum::http::Uri,
    Query(q): Query<BTreeMap<String, String>>,
    _headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    if method == Method::POST && path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" {
        return access_review(&inner, &body);
    }
    let (target, fault) = {
        let mut g = inner.lock().unwrap();
        g.requests.push(format!("{method} {uri}"));
        let Some(t) = parse_path(&g.resources, &path) else {
            return status(
                404,
                "NotFound",
                format!("the server could not find the requested resource ({path})"),
            );
        };
        // The log subresource has faults of its own (RBAC grants `pods/log` apart from pods).
        let plural = if t.log { LOG_LINE } else { t.res.plural };
        let fault = take_fault(&mut g, plural);
        (t, fault)
    };
    let mut cut_after = None;
    match fault {
        Some(Fault::Forbidden) if target.log => {
            return status(
                403,
                "Forbidden",
                format!(
                    "pods \"{}\" is forbidden: User \"tester\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"{}\"",
                    target.name.as_deref().unwrap_or_default(),
                    target.namespace.as_deref().unwrap_or_default()
                ),
            );
        }
        Some(Fault::Forbidden) => {
            return status(
                403,
                "Forbidden",
                format!(
                    "{}.{} is forbidden: User \"tester\" cannot {} resource \"{}\" in API group \"{}\" at the cluster scope",
                    target.res.plural,
                    target.res.group,
                    if method == Method::GET {
                        "list"
                    } else {
                        "patch"
                    },
                    target.res.plural,
                    target.res.group
                ),
            );
        }
        Some(Fault::ServerError) => return status(
            500,
            "InternalError",
            "an error on the server (\"etcd timeout\") has prevented the request from succeeding"
                .into(),
        ),
        Some(Fault::Unavailable { retry_after }) => {
            let mut r = status(
                503,
                "ServiceUnavailable",
                format!(
                    "the server is currently unable to handle the request (get {})",
                    target.res.plural
                ),
            );
            r.headers_mut()
                .insert("retry-after", retry_after.to_string().parse().unwrap());
            return r;
        }
        Some(Fault::TooManyRequests) => {
            let mut r = status(
                429,
                "TooManyRequests",
                "the server has received too many requests and has asked us to try again later"
                    .into(),
            );
            r.headers_mut().insert("retry-after", "1".parse().unwrap());
            return r;
        }
        Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
        Some(Fault::CutWatchAfter(n)) => cut_after = Some(n),
        None => {}
    }
    let watching = q.get("watch").is_some_and(|w| w == "true" || w == "1");
    match (method, &target.name) {
        (Method::GET, Some(_)) if target.log => pod_log(inner, target, &q, cut_after),
        (Method::GET, None) if watching => watch_stream(inner, events, target, &q, cut_after),
        (Method::GET, None) => list(&inner, &target, &q),
        (Method::GET, Some(name)) => {
            let g = inner.lock().unwrap();
            let key = (
                target.res.plural.to_string(),
                target.namespace.clone().unwrap_or_default(),
                name.clone(),
            );
            match g.objects.get(&key) {
                Some(o) => axum::Json(o.clone()).into_response(),
                None => status(
                    404,
                    "NotFound",
                    format!(
                        "{}.{} \"{name}\" not found",
                        target.res.plural, target.res.group
                    ),
                ),
            }
        }
        (Method::PATCH, Some(name)) => patch(&inner, &events, &target, name, &body),
        _ => status(
            405,
            "MethodNotAllowed",
            "the emulator does not serve this".into(),
        ),
    }
}

/// `kubectl auth can-i`'s question (a SelfSubjectAccessReview), answered as RBAC would for the
/// emulator's faults: a resource set `Forbidden` is denied every verb, the rest allowed.
fn access_review(inner: &Arc<Mutex<Inner>>, body: &Bytes) -> Response {
    let Ok(mut review) = serde_json::from_slice::<Value>(body) else {
        return status(400, "BadRequest", "not a SelfSubjectAccessReview".into());
    };
    let resource = review["spec"]["resourceAttributes"]["resource"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut g = inner.lock().unwrap();
    g.requests
        .push(format!("POST selfsubjectaccessreviews {resource}"));
    let denied = matches!(g.faults.get(&resource), Some((Fault::Forbidden, _)));
    review["status"] = if denied {
        json!({"allowed": false, "denied": true,
               "reason": format!("RBAC: no rule of the user's roles grants {resource}")})
    } else {
        json!({"allowed": true, "reason": "RBAC: allowed by ClusterRoleBinding \"opsdeck-view\""})
    };
    review["apiVersion"] = json!("authorization.k8s.io/v1");
    review["kind"] = json!("SelfSubjectAccessReview");
    (StatusCode::CREATED, axum::Json(review)).into_response()
}

/// Field selectors such as `metadata.name=x` (as `await_condition` sends) or
/// `involvedObject.kind=HelmRelease,involvedObject.name=x` (as event lists do).
fn matches_fields(obj: &Value, selector: Option<&String>) -> bool {
    let Some(sel) = selector.filter(|s| !s.is_empty()) else {
        return true;
    };
    sel.split(',').all(|term| match term.split_once('=') {
        Some((path, v)) => {
            let field = path.split('.').fold(obj, |o, key| &o[key]);
            field.as_str() == Some(v.trim_start_matches('='))
        }
        None => true,
    })
}

fn matches_labels(obj: &Value, selector: Option<&String>) -> bool {
    let Some(sel) = selector.filter(|s| !s.is_empty()) else {
        return true;
    };
    sel.split(',').all(|term| {
        let labels = &obj["metadata"]["labels"];
        match term.split_once('=') {
            Some((k, v)) => {
                labels.get(k).and_then(Value::as_str) == Some(v.trim_start_matches('='))
            }
            None => labels.get(term).is_some(),
        }
    })
}

fn list(inner: &Arc<Mutex<Inner>>, t: &Target, q: &BTreeMap<String, String>) -> Response {
    let mut g = inner.lock().unwrap();
    if let Some(rv) = q.get("resourceVersion").and_then(|v| v.parse::<u64>().ok())
        && rv != 0
        && rv < g.compacted
    {
        return status(
            410,
            "Expired",
            format!("too old resource version: {rv} ({})", g.compacted),
        );
    }
    // Like the apiserver's watch cache, a list is served from memory: the same list at the same
    // resourceVersion is serialized once (the fleet bench asks for it from many clients).
    let key = format!(
        "{} {:?} {:?} {:?}",
        t.res.plural,
        t.namespace,
        q.get("labelSelector"),
        q.get("fieldSelector")
    );
    if let Some(body) = g.list_cache.get(&key) {
        return json_response(body.clone());
    }
    let items: Vec<&Value> = g
        .objects
        .iter()
        .filter(|((p, ns, _), _)| {
            *p == t.res.plural && t.namespace.as_ref().is_none_or(|n| n == ns)
        })
        .map(|(_, o)| o)
        .filter(|o| {
            matches_labels(o, q.get("labelSelector")) && matches_fields(o, q.get("fieldSelector"))
        })
        .collect();
    let body = Bytes::from(
        serde_json::to_vec(&json!({
            "kind": format!("{}List", t.res.kind), "apiVersion": t.res.api_version(),
            "metadata": {"resourceVersion": g.rv.to_string()}, "items": items
        }))
        .unwrap(),
    );
    g.list_cache.insert(key, body.clone());
    json_response(body)
}

fn json_response(body: Bytes) -> Response {
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

/// Every request first waits the configured latency.
async fn round_trip(
    State((inner, _)): State<Shared>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    let discovery =
        path == "/api/v1" || (path.starts_with("/apis/") && path.split('/').count() == 4);
    let latency = {
        let mut g = inner.lock().unwrap();
        if discovery {
            g.discovery_in_flight += 1;
            g.discovery_most = g.discovery_most.max(g.discovery_in_flight);
        }
        g.latency
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = next.run(request).await;
    if discovery {
        inner.lock().unwrap().discovery_in_flight -= 1;
    }
    response
}

/// One watch event, `type` before `object` as the apiserver writes it (Go's field order).
fn watch_line(kind: &str, object: &Value) -> Bytes {
    let object = serde_json::to_string(object).unwrap();
    Bytes::from(format!("{{\"type\":\"{kind}\",\"object\":{object}}}\n"))
}

fn watch_stream(
    inner: Arc<Mutex<Inner>>,
    events: broadcast::Sender<WatchEvent>,
    t: Target,
    q: &BTreeMap<String, String>,
    cut_after: Option<usize>,
) -> Response {
    let from: u64 = q
        .get("resourceVersion")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let bookmarks = q.get("allowWatchBookmarks").is_some_and(|v| v == "true");
    let selector = q.get("labelSelector").cloned();
    let fields = q.get("fieldSelector").cloned();
    let mut rx = events.subscribe();
    let (tx, body_rx) = tokio::sync::mpsc::channel::<Result<Bytes, Infallible>>(256);
    let plural = t.res.plural.to_string();
    let namespace = t.namespace.clone();
    let api_version = t.res.api_version();
    let kind = t.res.kind;
    let replay: Result<Vec<WatchEvent>, u64> = {
        let g = inner.lock().unwrap();
        if from != 0 && from < g.compacted {
            Err(g.compacted)
        } else {
            Ok(g.log
                .iter()
                .filter(|e| e.rv > from && e.plural == plural)
                .cloned()
                .collect())
        }
    };
    let tx = CuttingSender {
        tx,
        left: cut_after,
    };
    tokio::spawn(async move {
        let mut tx = tx;
        // What a watcher with this filter sees of an event: like the apiserver, an object that
        // starts or stops matching a label selector arrives as ADDED or DELETED.
        let seen_as = |e: &WatchEvent| -> Option<&'static str> {
            if e.plural != plural
                || namespace
                    .as_ref()
                    .is_some_and(|n| e.object["metadata"]["namespace"].as_str() != Some(n))
                || !matches_fields(&e.object, fields.as_ref())
            {
                return None;
            }
            let now = matches_labels(&e.object, selector.as_ref());
            let before = !e.old.is_null() && matches_labels(&e.old, selector.as_ref());
            match (e.kind, before, now) {
                ("MODIFIED", false, true) => Some("ADDED"),
                ("MODIFIED", true, false) => Some("DELETED"),
                ("MODIFIED", false, false) => None,
                (k, _, true) => Some(k),
                _ => None,
            }
        };
        let gone = |rv: u64| {
            watch_line(
                "ERROR",
                &json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
            "message": format!("too old resource version: {from} ({rv})"), "reason": "Expired", "code": 410}),
            )
        };
        let mut last = from;
        match replay {
            Err(rv) => {
                let _ = tx.send(Ok(gone(rv))).await;
                return;
            }
            Ok(evs) => {
                for e in &evs {
                    let Some(kind) = seen_as(e) else { continue };
                    last = e.rv;
                    if tx.send(Ok(watch_line(kind, &e.object))).await.is_err() {
                        return;
                    }
                }
            }
        }
        loop {
            let Ok(e) = rx.recv().await else { return };
            let line = match e.kind {
                "EXPIRE" => {
                    let _ = tx.send(Ok(gone(e.rv))).await;
                    return;
                }
                "BOOKMARK" if bookmarks && e.rv > last => watch_line(
                    "BOOKMARK",
                    &json!({
                    "kind": kind, "apiVersion": api_version, "metadata": {"resourceVersion": e.rv.to_string()}}),
                ),
                "BOOKMARK" => continue,
                _ if e.rv > last => match seen_as(&e) {
                    Some(kind) => {
                        last = e.rv;
                        watch_line(kind, &e.object)
                    }
                    None => continue,
                },
                _ => continue,
            };
            if tx.send(Ok(line)).await.is_err() {
                return;
            }
        }
    });
    streamed(body_rx, "application/json")
}

/// The sending end of a watch body that, given a count, cuts the stream in the middle of the
/// event after it: half a line, then the body ends.
struct CuttingSender {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, Infallible>>,
    left: Option<usize>,
}

impl CuttingSender {
    async fn send(&mut self, line: Result<Bytes, Infallible>) -> Result<(), ()> {
        let Ok(line) = line;
        match &mut self.left {
            Some(0) => {
                let half = line.slice(..line.len() / 2);
                let _ = self.tx.send(Ok(half)).await;
                Err(())
            }
            Some(n) => {
                *n -= 1;
                self.tx.send(Ok(line)).await.map_err(|_| ())
            }
            None => self.tx.send(Ok(line)).await.map_err(|_| ()),
        }
    }
}

fn patch(
    inner: &Arc<Mutex<Inner>>,
    events: &broadcast::Sender<WatchEvent>,
    t: &Target,
    name: &str,
    body: &Bytes,
) -> Response {
    let Ok(patch) = serde_json::from_slice::<Value>(body) else {
        return status(400, "BadRequest", "the patch is not JSON".into());
    };
    let mut g = inner.lock().unwrap();
    let key = (
        t.res.plural.to_string(),
        t.namespace.clone().unwrap_or_default(),
        name.to_string(),
    );
    let Some(current) = g.objects.get(&key).cloned() else {
        return status(
            404,
            "NotFound",
            format!("{}.{} \"{name}\" not found", t.res.plural, t.res.group),
        );
    };
    // A resourceVersion in the patch is a precondition (optimistic concurrency, as the
    // apiserver has it): the object must not have changed since it was read.
    if let Some(rv) = patch
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        && current["metadata"]["resourceVersion"].as_str() != Some(rv)
    {
        return status(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {}.{} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                t.res.plural, t.res.group
            ),
        );
    }
    let mut next = current.clone();
    if t.status && !t.res.has_status_subresource() {
        return status(
            404,
            "NotFound",
            format!("{}.{} has no status subresource", t.res.plural, t.res.group),
        );
    }
    if t.status {
        // The status subresource changes status only.
        let mut st = next["status"].take();
        merge_patch(&mut st, &patch["status"]);
        next["status"] = st;
    } else {
        // The main resource ignores status where a status subresource exists.
        let mut p = patch.clone();
        if let Some(o) = p.as_object_mut()
            && t.res.has_status_subresource()
        {
            o.remove("status");
        }
        merge_patch(&mut next, &p);
        if next["spec"] != current["spec"] {
            let generation = current["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            next["metadata"]["generation"] = json!(generation);
        }
    }
    g.rv += 1;
    g.list_cache.clear();
    let rv = g.rv;
    next["metadata"]["resourceVersion"] = json!(rv.to_string());
    g.objects.insert(key, next.clone());
    let ev = WatchEvent {
        rv,
        plural: t.res.plural.to_string(),
        kind: "MODIFIED",
        object: next.clone(),
        old: current,
    };
    g.log.push(ev.clone());
    drop(g);
    let _ = events.send(ev);
    axum::Json(next).into_response()
}

fn bad_request(message: String) -> Response {
    status(400, "BadRequest", message)
}

/// `GET /api/v1/namespaces/{ns}/pods/{name}/log`, as the kubelet answers through the apiserver:
/// `container` (needed when the pod has several), `previous`, `sinceSeconds`, `sinceTime`,
/// `tailLines`, `timestamps`, and `follow`, which keeps the stream open for new lines until the
/// container stops or the pod is deleted. Plain text, one line per log line.
fn pod_log(
    inner: Arc<Mutex<Inner>>,
    t: Target,
    q: &BTreeMap<String, String>,
    cut_after: Option<usize>,
) -> Response {
    let ns = t.namespace.clone().unwrap_or_default();
    let name = t.name.clone().unwrap_or_default();
    let flag = |k: &str| q.get(k).is_some_and(|v| v == "true" || v == "1");
    let (follow, previous, timestamps) = (flag("follow"), flag("previous"), flag("timestamps"));
    let (container, lines, read, run, stopped, notify) = {
        let mut g = inner.lock().unwrap();
        let Some(pod) = g
            .objects
            .get(&("pods".to_string(), ns.clone(), name.clone()))
        else {
            return status(404, "NotFound", format!("pods \"{name}\" not found"));
        };
        let containers: Vec<String> = pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str().map(String::from))
            .collect();
        let container = match q.get("container") {
            Some(c) if containers.contains(c) => c.clone(),
            Some(c) => return bad_request(format!("container {c} is not valid for pod {name}")),
            None if containers.len() == 1 => containers[0].clone(),
            None => {
                return bad_request(format!(
                    "a container name must be specified for pod {name}, choose one of: [{}]",
                    containers.join(" ")
                ));
            }
        };
        let state = pod["status"]["containerStatuses"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["name"] == container.as_str())
            .map(|s| s["state"].clone())
            .unwrap_or(Value::Null);
        // Made if it is not there yet, so a follower waits on the Notify its writes will use.
        let log = g
            .logs
            .entry((ns.clone(), name.clone(), container.clone()))
            .or_default()
            .clone();
        let (read, run, stopped) = (log.current.len(), log.run, log.stopped);
        let lines = if previous {
            match log.previous {
                Some(p) => p,
                None => {
                    return bad_request(format!(
                        "previous terminated container \"{container}\" in pod \"{name}\" not found"
                    ));
                }
            }
        } else {
            if let Some(reason) = state["waiting"]["reason"].as_str()
                && log.current.is_empty()
            {
                return bad_request(format!(
                    "container \"{container}\" in pod \"{name}\" is waiting to start: {reason}"
                ));
            }
            log.current
        };
        (container, lines, read, run, stopped, log.written.clone())
    };
    let since: Option<jiff::Timestamp> =
        q.get("sinceTime").and_then(|t| t.parse().ok()).or_else(|| {
            q.get("sinceSeconds")
                .and_then(|s| s.parse::<i64>().ok())
                .map(|s| jiff::Timestamp::now() - jiff::SignedDuration::from_secs(s))
        });
    let mut lines: Vec<(jiff::Timestamp, String)> = lines
        .into_iter()
        .filter(|(at, _)| since.is_none_or(|s| *at >= s))
        .collect();
    if let Some(n) = q.get("tailLines").and_then(|n| n.parse::<usize>().ok()) {
        let skip = lines.len().saturating_sub(n);
        lines.drain(..skip);
    }
    let format = move |at: &jiff::Timestamp, text: &str| {
        if timestamps {
            Bytes::from(format!("{at} {text}\n"))
        } else {
            Bytes::from(format!("{text}\n"))
        }
    };
    let (tx, body_rx) = tokio::sync::mpsc::channel::<Result<Bytes, Infallible>>(256);
    let mut tx = CuttingSender {
        tx,
        left: cut_after,
    };
    tokio::spawn(async move {
        for (at, text) in &lines {
            if tx.send(Ok(format(at, text))).await.is_err() {
                return;
            }
        }
        if !follow || previous || stopped {
            return;
        }
        // Read on from where the file was, as lines are written, until the container stops,
        // restarts or its pod goes away.
        let key = (ns, name, container);
        let mut read = read;
        loop {
            let written = notify.notified();
            tokio::pin!(written);
            written.as_mut().enable();
            let new: Vec<(jiff::Timestamp, String)> = {
                let g = inner.lock().unwrap();
                match g.logs.get(&key) {
                    Some(log) if log.run == run && !log.stopped => log.current[read..].to_vec(),
                    Some(log) if log.run == run => {
                        // Stopped: what it wrote last, then the end.
                        log.current[read..].to_vec()
                    }
                    _ => return,
                }
            };
            if new.is_empty() {
                let done = {
                    let g = inner.lock().unwrap();
                    g.logs.get(&key).is_none_or(|l| l.run != run || l.stopped)
                };
                if done {
                    return;
                }
                written.await;
                continue;
            }
            read += new.len();
            if tx.left.is_none() {
                // As `tail -f` reads a file: what was written since, in one piece, so a
                // follower keeps up with thousands of lines a second.
                let mut chunk = Vec::new();
                for (at, text) in &new {
                    chunk.extend_from_slice(&format(at, text));
                }
                if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                    return;
                }
                continue;
            }
            for (at, text) in &new {
                if tx.send(Ok(format(at, text))).await.is_err() {
                    return;
                }
            }
        }
    });
    streamed(body_rx, "text/plain")
}

/// A 200 whose body is what arrives on `body_rx`, until its sender is dropped.
fn streamed(
    body_rx: tokio::sync::mpsc::Receiver<Result<Bytes, Infallible>>,
    content_type: &str,
) -> Response {
    let stream =
        futures_util::stream::unfold(
            body_rx,
            |mut rx| async move { rx.recv().await.map(|b| (b, rx)) },
        );
    Response::builder()
        .status(200)
        .header("content-type", content_type)
        .body(Body::from_stream(stream))
        .unwrap()
}
