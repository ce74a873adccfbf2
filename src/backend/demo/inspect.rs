//! The demo world's answers on demand, as a cluster would give them: the pods of its workloads,
//! their events, the releases' history, the Kustomizations' revisions and inventories, the
//! certificates' issuance chains (`DemoInspector`), and logs (`logs.rs`). Everything follows
//! the incident timeline at the moment it is asked, so each incident tells one story:
//! `hyperfy2-world`'s upgrade leaves a new pod OOMKilled and then in CrashLoopBackOff, its
//! events show the back-off and the release history the last good revision; the researcher
//! agent's pod cannot start without its secret; `r3s3t-tls`'s Order waits on an HTTP-01
//! challenge the domain cannot answer.

use jiff::{SignedDuration, Timestamp};

use super::incidents::{Incidents, UpgradePhase};
use super::seed::{FAILING_RELEASE, VPN_CONTEXT};
use super::seed_rows;
use super::workloads::{self, BROKEN_WORKLOAD, MISSING_SECRET, replica_set};
use crate::clock::SharedClock;
use crate::inspect::manifest::{Manifest, ManifestFuture};
use crate::inspect::{Inspector, ObjectRef, SectionFuture, Subject, WorkloadRef};
use crate::model::drilldown::{
    Body, ChainLink, EventLine, InventoryEntry, KustomizeRevisions, MAX_PODS, PodLine, Revision,
    Section, newest_events,
};
use crate::model::kinds::flux::flux_name;
use crate::model::kinds::workload::{Workload, row_name};
use crate::model::{Facts, Health, Kind, KubeResource, Row, RowId, Scope};
use crate::store::changes::Change;
use crate::store::{Fleet, Update};

/// What a fetch from the cluster behind the dropped VPN says.
pub(super) const VPN_DOWN: &str =
    "no answer in 15 s (VPN? the API server?): dial tcp 10.42.0.1:443: i/o timeout; trying again";

/// The demo's answers about its world at the clock's moment.
#[derive(Clone)]
pub struct DemoInspector {
    pub(super) clock: SharedClock,
    pub(super) origin: Timestamp,
}

/// One moment of the demo: its time, its incidents and its rows.
pub(super) struct Moment {
    pub now: Timestamp,
    pub origin: Timestamp,
    pub inc: Incidents,
    pub rows: Vec<Row>,
}

impl Moment {
    fn ago(&self, s: i64) -> Timestamp {
        self.now - SignedDuration::from_secs(s)
    }

    /// When the current upgrade phase began.
    pub fn upgrade_since(&self) -> Timestamp {
        self.origin + SignedDuration::from_secs(self.inc.absolute(self.inc.upgrade_since))
    }

    fn row(&self, id: &RowId) -> Option<&Row> {
        self.rows.iter().find(|r| r.id == *id)
    }
}

impl DemoInspector {
    pub fn new(clock: SharedClock, origin: Timestamp) -> DemoInspector {
        DemoInspector { clock, origin }
    }

    pub(super) fn moment(&self) -> Moment {
        let now = self.clock.now();
        let elapsed = (now.as_second() - self.origin.as_second()).max(0) as f64;
        Moment {
            now,
            origin: self.origin,
            inc: Incidents::at(elapsed),
            rows: seed_rows(self.origin, elapsed),
        }
    }

    fn section(&self, subject: &Subject, section: Section) -> Result<Body, String> {
        let m = self.moment();
        let ctx = subject.context();
        if ctx == VPN_CONTEXT && m.inc.vpn_down {
            return Err(VPN_DOWN.into());
        }
        if let Some(body) = super::aws::section(&m, subject, section) {
            return Ok(body);
        }
        Ok(match section {
            Section::Pods => Body::Pods(pods_of_all(&m, ctx, &subject.workloads)),
            Section::Events => Body::Events(events(&m, subject)),
            Section::History => match &subject.facts {
                Facts::HelmRelease(_) => Body::Releases(releases(&m, subject)),
                Facts::Kustomization(k) => Body::Revisions(KustomizeRevisions {
                    applied: k.revision.clone(),
                    attempted: k.last_attempted_revision.clone(),
                    source: subject
                        .source
                        .as_ref()
                        .map(ObjectRef::to_string)
                        .unwrap_or_else(|| "-".into()),
                    artifact_revision: source_revision(&m, ctx, subject.source.as_ref()),
                    artifact_digest: Some("sha256:4f6d".into()),
                    artifact_at: Some(m.ago(600)),
                }),
                _ => return Err("no history for this kind".into()),
            },
            Section::Inventory => Body::Inventory(inventory(&m, subject)),
            Section::Chain => Body::Chain(chain(&m, subject)),
            other => return Err(format!("no {} for this row", other.title())),
        })
    }
}

impl Inspector for DemoInspector {
    fn fetch(&self, subject: &Subject, section: Section) -> SectionFuture {
        let result = self.section(subject, section);
        Box::pin(async move { result })
    }

    /// A Kubernetes row's object as YAML, as `y` shows a cluster's: its apiVersion, kind and
    /// metadata, and what the demo world holds of it; an AWS row's as JSON.
    fn manifest(&self, subject: &Subject) -> ManifestFuture {
        let result = match (&subject.object, subject.id.scope.account.is_some()) {
            (Some(obj), false) => {
                let api_version = KubeResource::of_api_kind(&obj.kind).map(|r| r.api_version);
                let object = serde_json::json!({
                    "apiVersion": api_version,
                    "kind": obj.kind,
                    "metadata": {"name": obj.name, "namespace": obj.namespace},
                    "opsdeck": {"facts": subject.facts},
                });
                Manifest::yaml(
                    object,
                    format!("demo world: {} {}/{}", obj.kind, obj.namespace, obj.name),
                )
            }
            _ => Ok(Manifest::of_facts(subject)),
        };
        Box::pin(async move { result })
    }
}

/// Nodes of the demo clusters, for the pods' NODE column.
const NODES: [&str; 6] = [
    "ip-10-0-1-23.compute.internal",
    "ip-10-0-1-87.compute.internal",
    "ip-10-0-2-14.compute.internal",
    "ip-10-0-2-201.compute.internal",
    "ip-10-0-3-17.compute.internal",
    "ip-10-0-3-96.compute.internal",
];

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// A pod name's random suffix, the same for the same seed.
fn suffix(seed: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut n = hash(seed);
    (0..5)
        .map(|_| {
            let c = ALPHABET[(n % ALPHABET.len() as u64) as usize] as char;
            n /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

fn node(seed: &str) -> String {
    NODES[(hash(seed) % NODES.len() as u64) as usize].to_string()
}

fn running(name: String, namespace: &str, container: &str, created: Timestamp) -> PodLine {
    PodLine {
        node: Some(node(&name)),
        name,
        namespace: namespace.to_string(),
        phase: "Running".into(),
        ready: 1,
        containers: vec![container.to_string()],
        created: Some(created),
        ..PodLine::default()
    }
}

/// The workload row behind a reference, at this moment.
fn workload_row<'a>(m: &'a Moment, ctx: &str, w: &WorkloadRef) -> Option<(&'a Row, &'a Workload)> {
    let id = RowId::new(
        Kind::Workload,
        Scope::kube(ctx, &w.namespace),
        row_name(&w.kind, &w.name),
    );
    let row = m.row(&id)?;
    match &row.facts {
        Facts::Workload(f) => Some((row, f)),
        _ => None,
    }
}

/// The container of a workload's pods: its app's name.
fn container(w: &WorkloadRef) -> String {
    // The seed's selectors name the app (`app.kubernetes.io/name=<app>`).
    w.selector
        .split(',')
        .find_map(|t| t.strip_prefix("app.kubernetes.io/name="))
        .unwrap_or(&w.name)
        .to_string()
}

/// Every pod of every workload in `ctx`.
pub(super) fn all_pods(m: &Moment, ctx: &str) -> Vec<PodLine> {
    let refs: Vec<WorkloadRef> = m
        .rows
        .iter()
        .filter(|r| r.id.scope.context() == ctx)
        .filter_map(|r| match &r.facts {
            Facts::Workload(w) => Some(WorkloadRef {
                kind: w.workload_kind.clone(),
                namespace: r.id.scope.namespace().into(),
                name: crate::model::kinds::workload::object_name(&r.id.name).into(),
                selector: w.selector.clone(),
            }),
            _ => None,
        })
        .collect();
    refs.iter().flat_map(|w| pods_of(m, ctx, w)).collect()
}

pub(super) fn pods_of_all(m: &Moment, ctx: &str, workloads: &[WorkloadRef]) -> Vec<PodLine> {
    let mut pods: Vec<PodLine> = workloads.iter().flat_map(|w| pods_of(m, ctx, w)).collect();
    pods.sort_by(|a, b| b.health().cmp(&a.health()).then(a.name.cmp(&b.name)));
    pods.truncate(MAX_PODS);
    pods
}

/// The failing release's new pod, in the Failing phase: how many times it restarted by now.
pub(super) fn crash_restarts(m: &Moment) -> u32 {
    3 + ((m.now.as_second() - m.upgrade_since().as_second()).max(0) / 90) as u32
}

/// The failing release's new ReplicaSet and its one pod's name.
pub(super) fn crashing_pod() -> String {
    let img = workloads::image("hyperfy2", "0.4.3");
    let rs = replica_set(FAILING_RELEASE.1, &img);
    format!("{rs}-{}", suffix(&rs))
}

pub(super) fn pods_of(m: &Moment, ctx: &str, w: &WorkloadRef) -> Vec<PodLine> {
    let Some((row, f)) = workload_row(m, ctx, w) else {
        return Vec::new();
    };
    let c = container(w);
    let created = row
        .conditions
        .iter()
        .filter_map(|c| c.last_transition)
        .min()
        .unwrap_or(m.ago(7200));
    let image = f.images.first().cloned().unwrap_or_default();
    if (w.namespace.as_str(), w.name.as_str()) == FAILING_RELEASE {
        return failing_release_pods(m, &c);
    }
    let names: Vec<String> = match w.kind.as_str() {
        "StatefulSet" => (0..f.desired).map(|i| format!("{}-{i}", w.name)).collect(),
        "DaemonSet" => (0..f.desired)
            .map(|i| format!("{}-{}", w.name, suffix(&format!("{}{i}", w.name))))
            .collect(),
        _ => {
            let rs = replica_set(&w.name, &image);
            (0..f.desired)
                .map(|i| format!("{rs}-{}", suffix(&format!("{rs}{i}"))))
                .collect()
        }
    };
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let mut p = running(name, &w.namespace, &c, created);
            if (w.namespace.as_str(), w.name.as_str()) == BROKEN_WORKLOAD {
                // Its secret went away: the kubelet cannot build the container's environment.
                p.phase = "Pending".into();
                p.ready = 0;
                p.waiting = Some(format!(
                    "CreateContainerConfigError: secret \"{MISSING_SECRET}\" not found"
                ));
                p.created = Some(m.ago(3 * 3600));
            } else if i as u32 >= f.ready {
                p.ready = 0;
                p.waiting = Some("ContainerCreating".into());
            }
            p
        })
        .collect()
}

fn failing_release_pods(m: &Moment, c: &str) -> Vec<PodLine> {
    let (ns, name) = FAILING_RELEASE;
    let old_rs = replica_set(name, &workloads::image("hyperfy2", "0.4.2"));
    let new_rs = replica_set(name, &workloads::image("hyperfy2", "0.4.3"));
    let old = |i: u32| {
        running(
            format!("{old_rs}-{}", suffix(&format!("{old_rs}{i}"))),
            ns,
            c,
            m.ago(86_400 * 12),
        )
    };
    let new = |i: u32| {
        running(
            format!("{new_rs}-{}", suffix(&format!("{new_rs}{i}"))),
            ns,
            c,
            m.upgrade_since(),
        )
    };
    match m.inc.upgrade {
        UpgradePhase::Failing => {
            let mut crashing = new(0);
            crashing.name = crashing_pod();
            crashing.ready = 0;
            crashing.restarts = crash_restarts(m);
            crashing.waiting = Some(format!(
                "CrashLoopBackOff: back-off 2m40s restarting failed container={c} pod={}_{ns}",
                crashing.name
            ));
            crashing.last_termination = Some("OOMKilled (exit 137)".into());
            crashing.last_termination_at = Some(m.ago(40));
            vec![crashing, old(0), old(1)]
        }
        UpgradePhase::Remediated => vec![old(0), old(1)],
        UpgradePhase::Retrying => {
            let mut starting = new(0);
            starting.ready = 0;
            starting.waiting = Some("ContainerCreating".into());
            vec![starting, old(0), old(1)]
        }
        UpgradePhase::Upgraded => vec![new(0), new(1)],
    }
}

/// What the timeline's event watches would bring of the rows that changed at `elapsed`: the
/// Warning events and Flux's own events their details show, each with a key that stays the same
/// while it repeats (its object, reason and message).
pub(super) fn timeline_events(
    origin: Timestamp,
    elapsed: f64,
    changed: &[RowId],
) -> Vec<(String, Change)> {
    let rows = seed_rows(origin, elapsed);
    let mut fleet = Fleet::new("demo");
    fleet.apply(rows.iter().cloned().map(Update::upsert));
    let m = Moment {
        now: origin + SignedDuration::from_secs_f64(elapsed),
        origin,
        inc: Incidents::at(elapsed),
        rows,
    };
    let mut out = Vec::new();
    for id in changed {
        let Some(row) = fleet.row(id).filter(|r| r.facts.api_kind().is_some()) else {
            continue;
        };
        let subject = Subject::of(row, &fleet);
        for e in events(&m, &subject) {
            let flux =
                e.object.starts_with("HelmRelease/") || e.object.starts_with("Kustomization/");
            if !(e.is_warning() || flux) {
                continue;
            }
            let key = format!("{}|{}|{}", e.object, e.reason, e.message);
            if let Some(c) = Change::of_event(id.scope.context(), id.scope.namespace.as_deref(), &e)
            {
                out.push((key, c));
            }
        }
    }
    out
}

fn event(
    at: Timestamp,
    kind: &str,
    reason: &str,
    message: String,
    count: u32,
    object: String,
) -> EventLine {
    EventLine {
        last_seen: Some(at),
        event_type: kind.into(),
        reason: reason.into(),
        message,
        count,
        object,
    }
}

fn events(m: &Moment, subject: &Subject) -> Vec<EventLine> {
    let mut out = Vec::new();
    let ctx = subject.context();
    if let Some(o) = &subject.object {
        out.extend(object_events(m, o, &subject.facts));
    }
    if let Some(src) = &subject.source {
        out.push(event(
            m.ago(300),
            "Normal",
            "ArtifactUpToDate",
            "artifact up-to-date with remote revision: 'sha256:9c1e2b7d'".into(),
            12,
            format!("{}/{}", src.kind, src.name),
        ));
    }
    for w in &subject.workloads {
        let failing = (w.namespace.as_str(), w.name.as_str()) == FAILING_RELEASE;
        if failing && m.inc.upgrade != UpgradePhase::Upgraded {
            let new_rs = replica_set(&w.name, &workloads::image("hyperfy2", "0.4.3"));
            let (verb, to) = if m.inc.upgrade == UpgradePhase::Remediated {
                ("down", "0 from 1")
            } else {
                ("up", "1 from 0")
            };
            out.push(event(
                m.upgrade_since(),
                "Normal",
                "ScalingReplicaSet",
                format!("Scaled {verb} replica set {new_rs} to {to}"),
                1,
                format!("{}/{}", w.kind, w.name),
            ));
        }
        for p in pods_of(m, ctx, w) {
            let about = format!("Pod/{}", p.name);
            if let Some(waiting) = &p.waiting {
                if waiting.starts_with("CrashLoopBackOff") {
                    out.push(event(
                        m.ago(20),
                        "Warning",
                        "BackOff",
                        format!(
                            "Back-off restarting failed container {} in pod {}_{}",
                            p.containers[0], p.name, p.namespace
                        ),
                        p.restarts * 4,
                        about.clone(),
                    ));
                    out.push(event(
                        m.ago(45),
                        "Normal",
                        "Pulled",
                        "Container image \"ghcr.io/numinia/hyperfy2:0.4.3\" already present on machine"
                            .into(),
                        p.restarts,
                        about.clone(),
                    ));
                } else if waiting.starts_with("CreateContainerConfigError") {
                    out.push(event(
                        m.ago(15),
                        "Warning",
                        "Failed",
                        format!("Error: secret \"{MISSING_SECRET}\" not found"),
                        57,
                        about.clone(),
                    ));
                } else if waiting.starts_with("ContainerCreating") {
                    out.push(event(
                        m.ago(5),
                        "Normal",
                        "Scheduled",
                        format!(
                            "Successfully assigned {}/{} to {}",
                            p.namespace,
                            p.name,
                            p.node.clone().unwrap_or_default()
                        ),
                        1,
                        about.clone(),
                    ));
                }
            }
        }
    }
    newest_events(out)
}

/// The events of the row's own object.
fn object_events(m: &Moment, o: &ObjectRef, facts: &Facts) -> Vec<EventLine> {
    let about = format!("{}/{}", o.kind, o.name);
    let failing = (o.namespace.as_str(), o.name.as_str()) == FAILING_RELEASE;
    match facts {
        Facts::HelmRelease(_) if failing => {
            let (ns, name) = FAILING_RELEASE;
            let failed = format!(
                "Helm upgrade failed for release {ns}/{name} with chart hyperfy2@0.4.3: context deadline exceeded"
            );
            let since = m.upgrade_since();
            match m.inc.upgrade {
                UpgradePhase::Failing => {
                    vec![event(since, "Warning", "UpgradeFailed", failed, 1, about)]
                }
                UpgradePhase::Remediated => vec![
                    event(
                        since,
                        "Normal",
                        "RollbackSucceeded",
                        format!(
                            "Helm rollback to previous release {ns}/{name}.v3 with chart hyperfy2@0.4.2 succeeded"
                        ),
                        1,
                        about.clone(),
                    ),
                    event(
                        since - SignedDuration::from_secs(150),
                        "Warning",
                        "UpgradeFailed",
                        failed,
                        1,
                        about,
                    ),
                ],
                UpgradePhase::Retrying => vec![event(
                    since,
                    "Normal",
                    "Progressing",
                    "Running 'upgrade' action with timeout of 5m0s".into(),
                    1,
                    about,
                )],
                UpgradePhase::Upgraded => vec![event(
                    since,
                    "Normal",
                    "UpgradeSucceeded",
                    format!(
                        "Helm upgrade succeeded for release {ns}/{name}.v6 with chart hyperfy2@0.4.3"
                    ),
                    1,
                    about,
                )],
            }
        }
        Facts::HelmRelease(h) => vec![event(
            m.ago(7200),
            "Normal",
            "UpgradeSucceeded",
            format!(
                "Helm upgrade succeeded for release {}/{}.v3 with chart {}@{}",
                o.namespace,
                o.name,
                h.chart,
                h.chart_version.as_deref().unwrap_or("?")
            ),
            1,
            about,
        )],
        Facts::Kustomization(k) if !k.suspended => vec![event(
            m.ago(240),
            "Normal",
            "ReconciliationSucceeded",
            "Reconciliation finished in 1.4s, next run in 10m0s".into(),
            6,
            about,
        )],
        Facts::Certificate(c) if c.days_left(m.now).is_some_and(|d| d < 14) => vec![
            event(
                m.ago(3 * 86_400),
                "Normal",
                "Issuing",
                format!(
                    "Renewing certificate as renewal was scheduled at {}",
                    c.renewal_time.map(|t| t.to_string()).unwrap_or_default()
                ),
                1,
                about.clone(),
            ),
            event(
                m.ago(3 * 86_400),
                "Normal",
                "Requested",
                format!("Created new CertificateRequest resource \"{}-1\"", o.name),
                1,
                about,
            ),
        ],
        Facts::Workload(_) => vec![event(
            m.ago(7200),
            "Normal",
            "ScalingReplicaSet",
            format!("Scaled up replica set {} to 2", replica_set(&o.name, "")),
            1,
            about,
        )],
        _ => Vec::new(),
    }
}

fn digest(seed: &str) -> String {
    format!(
        "sha256:{:016x}{:016x}",
        hash(seed),
        hash(&format!("{seed}!"))
    )
}

fn revision(
    version: u32,
    chart: &str,
    chart_version: &str,
    status: &str,
    at: Timestamp,
) -> Revision {
    Revision {
        version,
        chart: chart.into(),
        chart_version: chart_version.into(),
        app_version: Some(chart_version.trim_start_matches('v').into()),
        status: status.into(),
        digest: Some(digest(&format!("{chart}{chart_version}{version}"))),
        deployed: Some(at),
    }
}

fn releases(m: &Moment, subject: &Subject) -> Vec<Revision> {
    let Facts::HelmRelease(h) = &subject.facts else {
        return Vec::new();
    };
    let chart = h.chart.as_str();
    let o = subject.object.as_ref();
    let failing = o.is_some_and(|o| (o.namespace.as_str(), o.name.as_str()) == FAILING_RELEASE);
    let days = |d: i64| m.ago(d * 86_400);
    if !failing {
        let v = h.chart_version.as_deref().unwrap_or("0.0.0");
        return vec![
            revision(3, chart, v, "deployed", m.ago(7200)),
            revision(2, chart, v, "superseded", days(9)),
            revision(1, chart, v, "superseded", days(30)),
        ];
    }
    let since = m.upgrade_since();
    let first_try = since - SignedDuration::from_secs(i64::from(m.inc.upgrade_since));
    let base = [
        revision(3, chart, "0.4.2", "superseded", days(12)),
        revision(2, chart, "0.4.1", "superseded", days(30)),
    ];
    let mut v = match m.inc.upgrade {
        UpgradePhase::Failing => vec![
            revision(4, chart, "0.4.3", "failed", since),
            revision(3, chart, "0.4.2", "deployed", days(12)),
            revision(2, chart, "0.4.1", "superseded", days(30)),
        ],
        UpgradePhase::Remediated => vec![
            revision(5, chart, "0.4.2", "deployed", since),
            revision(4, chart, "0.4.3", "failed", first_try),
        ],
        UpgradePhase::Retrying => vec![
            revision(6, chart, "0.4.3", "pending-upgrade", since),
            revision(5, chart, "0.4.2", "deployed", first_try),
            revision(4, chart, "0.4.3", "failed", first_try),
        ],
        UpgradePhase::Upgraded => vec![
            revision(6, chart, "0.4.3", "deployed", since),
            revision(5, chart, "0.4.2", "superseded", first_try),
            revision(4, chart, "0.4.3", "failed", first_try),
        ],
    };
    if m.inc.upgrade != UpgradePhase::Failing {
        v.extend(base);
    }
    v
}

/// The artifact revision of a Kustomization's source, from the source's row.
fn source_revision(m: &Moment, ctx: &str, src: Option<&ObjectRef>) -> Option<String> {
    let src = src?;
    let id = Kind::row_id_of(ctx, &src.kind, &src.namespace, &src.name)?;
    match &m.row(&id)?.facts {
        Facts::FluxSource(s) => s.revision.clone(),
        _ => None,
    }
}

/// What a Kustomization applied: the Flux objects and workloads that name it in their labels
/// (the root one also applied the sources and certificates).
fn inventory(m: &Moment, subject: &Subject) -> Vec<InventoryEntry> {
    let Some(me) = &subject.object else {
        return Vec::new();
    };
    let ctx = subject.context();
    let root = me.namespace == "flux-system" && me.name == "flux-system";
    let mine = |by: Option<&crate::model::kinds::flux::FluxRef>| {
        by.is_some_and(|b| {
            b.kind == "Kustomization" && b.namespace == me.namespace && b.name == me.name
        })
    };
    let mut out = Vec::new();
    for r in m.rows.iter().filter(|r| r.id.scope.context() == ctx) {
        let applied = match &r.facts {
            Facts::HelmRelease(h) => mine(h.managed_by.as_ref()),
            Facts::Kustomization(k) => mine(k.managed_by.as_ref()),
            Facts::Workload(w) => mine(w.owner.as_ref()),
            Facts::FluxSource(_) | Facts::Certificate(_) => root,
            _ => false,
        };
        if !applied || r.id == subject.id {
            continue;
        }
        let Some(kind) = r.facts.api_kind() else {
            continue;
        };
        let resource = r
            .kind()
            .spec()
            .watch
            .and_then(|w| w.resources.iter().find(|res| res.api_kind == kind));
        let (group, version) = resource
            .map(|res| {
                res.api_version
                    .rsplit_once('/')
                    .unwrap_or(("", res.api_version))
            })
            .unwrap_or(("", "v1"));
        out.push(InventoryEntry {
            namespace: r.id.scope.namespace().into(),
            name: flux_name(&r.id.name).into(),
            group: group.into(),
            kind: kind.into(),
            version: version.into(),
        });
    }
    out.sort_by(|a, b| (&a.kind, &a.namespace, &a.name).cmp(&(&b.kind, &b.namespace, &b.name)));
    out
}

/// A certificate's issuance chain: the expiring one waits on its HTTP-01 challenge; the others'
/// last requests were issued.
fn chain(m: &Moment, subject: &Subject) -> Vec<ChainLink> {
    let (Some(o), Facts::Certificate(c)) = (&subject.object, &subject.facts) else {
        return Vec::new();
    };
    let request = format!("{}-1", o.name);
    let order = format!("{request}-{}", hash(&request) % 10_000_000_000);
    let link = |depth, kind: &str, name: String, health, state: String, reason: String| ChainLink {
        kind: kind.into(),
        name,
        state,
        reason,
        health,
        depth,
    };
    if c.days_left(m.now).is_some_and(|d| d < 14) {
        let apex = c.dns_names.first().cloned().unwrap_or_default();
        let wildcard = c.dns_names.get(1).cloned().unwrap_or_default();
        let challenge = |domain: &str| format!("{order}-{}", hash(domain) % 10_000_000_000);
        let waiting = Health::Progressing;
        return vec![
            link(
                0,
                "CertificateRequest",
                request,
                waiting,
                "Ready=False (Pending)".into(),
                format!(
                    "Waiting on certificate issuance from order {}/{order}: \"pending\"",
                    o.namespace
                ),
            ),
            link(
                1,
                "Order",
                order.clone(),
                waiting,
                "pending".into(),
                String::new(),
            ),
            link(
                2,
                "Challenge",
                challenge(&wildcard),
                Health::Healthy,
                format!("valid (DNS-01 {wildcard})"),
                "Successfully authorized domain".into(),
            ),
            link(
                2,
                "Challenge",
                challenge(&apex),
                waiting,
                format!("pending (HTTP-01 {apex})"),
                format!(
                    "Waiting for HTTP-01 challenge propagation: failed to perform self check GET request 'http://{apex}/.well-known/acme-challenge/Xq3…': Get \"http://{apex}/.well-known/acme-challenge/Xq3…\": dial tcp 203.0.113.7:80: connect: connection refused (does {apex} point at the ingress?)"
                ),
            ),
        ];
    }
    let issued = "Certificate fetched from issuer successfully";
    let mut links = vec![link(
        0,
        "CertificateRequest",
        request,
        Health::Healthy,
        "Ready=True (Issued)".into(),
        issued.into(),
    )];
    // A private CA issues at once: no ACME order.
    if c.issuer.starts_with("ClusterIssuer/letsencrypt") {
        links.push(link(
            1,
            "Order",
            order,
            Health::Healthy,
            "valid".into(),
            String::new(),
        ));
    }
    links
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::FixedClock;
    use crate::store::{Fleet, Update};

    fn origin() -> Timestamp {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    fn at(elapsed: i64) -> (DemoInspector, Fleet) {
        let now = origin() + SignedDuration::from_secs(elapsed);
        let clock = Arc::new(FixedClock::new(now));
        let mut fleet = Fleet::new("demo");
        fleet.apply(
            seed_rows(origin(), elapsed as f64)
                .into_iter()
                .map(Update::upsert),
        );
        (DemoInspector::new(clock, origin()), fleet)
    }

    fn subject(fleet: &Fleet, kind: Kind, ns: &str, name: &str) -> Subject {
        let row = fleet
            .rows_of(kind)
            .find(|r| r.id.scope.namespace() == ns && r.id.name == name)
            .unwrap_or_else(|| panic!("{kind} {ns}/{name}"));
        Subject::of(row, fleet)
    }

    #[test]
    fn the_failing_upgrade_tells_its_story_in_pods_events_and_history() {
        let (insp, fleet) = at(30);
        let s = subject(&fleet, Kind::HelmRelease, "numen-games", "hyperfy2-world");
        assert_eq!(s.workloads.len(), 1, "its Deployment, by its Flux labels");
        let Ok(Body::Pods(pods)) = insp.section(&s, Section::Pods) else {
            panic!()
        };
        assert_eq!(pods.len(), 3);
        assert_eq!(pods[0].status(), "CrashLoopBackOff");
        assert_eq!(
            pods[0].last_termination.as_deref(),
            Some("OOMKilled (exit 137)")
        );
        let Ok(Body::Events(events)) = insp.section(&s, Section::Events) else {
            panic!()
        };
        assert!(
            events
                .iter()
                .any(|e| e.reason == "BackOff" && e.object.starts_with("Pod/"))
        );
        assert!(events.iter().any(|e| e.reason == "UpgradeFailed"));
        let Ok(Body::Releases(history)) = insp.section(&s, Section::History) else {
            panic!()
        };
        assert_eq!(
            (
                history[0].status.as_str(),
                history[0].chart_version.as_str()
            ),
            ("failed", "0.4.3")
        );
        assert_eq!(
            (
                history[1].status.as_str(),
                history[1].chart_version.as_str()
            ),
            ("deployed", "0.4.2")
        );

        // Rolled back: the crashing pod is gone, the rollback is the newest release.
        let (insp, fleet) = at(200);
        let s = subject(&fleet, Kind::HelmRelease, "numen-games", "hyperfy2-world");
        let Ok(Body::Pods(pods)) = insp.section(&s, Section::Pods) else {
            panic!()
        };
        assert!(pods.iter().all(|p| p.health() == Health::Healthy));
        let Ok(Body::Releases(history)) = insp.section(&s, Section::History) else {
            panic!()
        };
        assert_eq!(history[0].version, 5);
    }

    #[test]
    fn the_expiring_certificate_waits_on_its_http01_challenge() {
        let (insp, fleet) = at(0);
        let s = subject(&fleet, Kind::Certificate, "r3s3t", "r3s3t-tls");
        let Ok(Body::Chain(links)) = insp.section(&s, Section::Chain) else {
            panic!()
        };
        let pending = links.last().unwrap();
        assert_eq!(pending.kind, "Challenge");
        assert!(pending.state.starts_with("pending (HTTP-01 r3s3t.io)"));
        assert!(pending.reason.contains("point at the ingress"));
    }

    #[test]
    fn a_kustomization_lists_what_it_applied() {
        let (insp, fleet) = at(0);
        let s = subject(
            &fleet,
            Kind::Kustomization,
            "numen-games",
            "numen-games-pro",
        );
        let Ok(Body::Inventory(entries)) = insp.section(&s, Section::Inventory) else {
            panic!()
        };
        assert!(
            entries
                .iter()
                .any(|e| e.label() == "HelmRelease/numen-games/hyperfy2-world"),
            "{entries:?}"
        );
    }
}
