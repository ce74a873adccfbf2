//! What a row's detail fetches on demand, as data: the sections a kind drills into (pods,
//! events, history, inventory, the certificate chain) and what each holds. Never watched
//! fleet-wide: a backend fetches a section while a detail (or `opsdeck describe`) asks for it,
//! and each is bounded (`MAX_*`) however much the cluster holds.

use jiff::Timestamp;
use serde::Serialize;

use super::Health;

/// At most this many pods, events, history entries, inventory entries are kept per section.
pub const MAX_PODS: usize = 200;
pub const MAX_EVENTS: usize = 50;
pub const MAX_HISTORY: usize = 20;
pub const MAX_INVENTORY: usize = 500;

/// A part of a detail fetched on demand. A kind's spec lists the ones it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// A HelmRelease's releases (`status.history`); a Kustomization's applied and attempted
    /// revisions beside its source's artifact.
    History,
    /// The pods of the row's workloads (of a HelmRelease or Kustomization: of the workloads
    /// it applied).
    Pods,
    /// What a Kustomization applied (`status.inventory.entries`).
    Inventory,
    /// Certificate → CertificateRequest → Order → Challenges.
    Chain,
    /// Events of the object, its source, its workloads and their pods (`flux events --for`);
    /// an ECS service's events, an RDS instance's.
    Events,
    /// An ECS service's deployments: primary and active, task definition, rollout state.
    Deployments,
    /// An ECS service's recently stopped tasks: why each stopped, each container's exit.
    Tasks,
    /// An ECS service's task definition: CPU, memory, each container's image and where its
    /// logs go.
    TaskDefinition,
    /// An RDS instance's pending maintenance, parameter group and standby.
    Maintenance,
    /// A region's alarms' state changes.
    AlarmHistory,
    /// A region's Route53 health checks, as each checker region sees them.
    HealthChecks,
    /// An EKS cluster's health issues.
    Issues,
    /// An EKS cluster's node groups.
    NodeGroups,
    /// An EKS cluster's add-ons.
    Addons,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::History => "History",
            Section::Pods => "Pods",
            Section::Inventory => "Inventory",
            Section::Chain => "Certificate chain",
            Section::Events => "Events",
            Section::Deployments => "Deployments",
            Section::Tasks => "Stopped tasks",
            Section::TaskDefinition => "Task definition",
            Section::Maintenance => "Maintenance and backups",
            Section::AlarmHistory => "Alarm history",
            Section::HealthChecks => "Health checks",
            Section::Issues => "Health issues",
            Section::NodeGroups => "Node groups",
            Section::Addons => "Add-ons",
        }
    }

    /// The columns of a section shown as a table, one list for every backend (the demo's and
    /// AWS's tables read alike); empty for the others.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Section::Deployments => &[
                "DEPLOYMENT",
                "STATUS",
                "TASK DEFINITION",
                "ROLLOUT",
                "RUNNING",
                "PENDING",
                "DESIRED",
                "FAILED",
                "UPDATED",
            ],
            Section::Tasks => &["TASK", "STOPPED", "STOP CODE", "TASK DEFINITION", "REASON"],
            Section::TaskDefinition => &["CONTAINER", "IMAGE", "CPU", "MEMORY", "ESSENTIAL"],
            Section::Maintenance => &["WHAT", "STATE", "DETAIL"],
            Section::AlarmHistory => &["WHEN", "ALARM", "CHANGE"],
            Section::HealthChecks => &["CHECK", "TARGET", "CHECKERS", "STATUS"],
            Section::Issues => &["CODE", "RESOURCES", "MESSAGE"],
            Section::NodeGroups => &[
                "NODE GROUP",
                "STATUS",
                "DESIRED",
                "MIN",
                "MAX",
                "INSTANCE TYPES",
            ],
            Section::Addons => &["ADD-ON", "VERSION", "STATUS"],
            _ => &[],
        }
    }
}

/// A section's state in a detail.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Part {
    Loading,
    Loaded {
        body: Body,
    },
    /// Could not be read ("forbidden (RBAC): …", "not installed: …", a timeout): said in its
    /// section while the rest shows.
    Unavailable {
        reason: String,
    },
}

/// What a section holds once fetched.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", content = "items", rename_all = "snake_case")]
pub enum Body {
    Pods(Vec<PodLine>),
    Events(Vec<EventLine>),
    Releases(Vec<Revision>),
    Revisions(KustomizeRevisions),
    Inventory(Vec<InventoryEntry>),
    Chain(Vec<ChainLink>),
    /// Rows under named columns: what the AWS APIs answer about a service, a database, a
    /// region or a cluster.
    Table(Table),
}

/// A table a section shows: its columns, and each row's cells with its health.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<TableRow>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TableRow {
    pub cells: Vec<String>,
    /// How the row reads: its colour, and whether it explains a problem.
    pub health: Option<Health>,
    /// A line under the row: a reason, a message.
    pub note: Option<String>,
}

impl Table {
    /// An empty table with `section`'s columns.
    pub fn of(section: Section) -> Table {
        Table::new(section.columns())
    }

    pub fn new(columns: &[&str]) -> Table {
        Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>, health: Option<Health>, note: Option<String>) {
        self.rows.push(TableRow {
            cells,
            health,
            note: note.filter(|n| !n.is_empty()),
        });
    }
}

/// One pod as `kubectl get pods` and k9s show it, with why it is not running.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PodLine {
    pub name: String,
    pub namespace: String,
    /// Pending, Running, Succeeded, Failed, Unknown.
    pub phase: String,
    pub ready: u32,
    pub containers: Vec<String>,
    pub restarts: u32,
    /// A container waiting, and why: "CrashLoopBackOff: back-off 5m0s restarting failed
    /// container", "ImagePullBackOff", "CreateContainerConfigError: secret "x" not found".
    pub waiting: Option<String>,
    /// The last time a container stopped: "OOMKilled (exit 137)".
    pub last_termination: Option<String>,
    pub last_termination_at: Option<Timestamp>,
    /// Why a Pending pod is not scheduled (the `PodScheduled` condition's message).
    pub unscheduled: Option<String>,
    pub node: Option<String>,
    pub created: Option<Timestamp>,
    /// Being deleted (`deletionTimestamp` set).
    pub terminating: bool,
}

impl PodLine {
    /// "1/2": ready containers of all.
    pub fn ready_text(&self) -> String {
        format!("{}/{}", self.ready, self.containers.len())
    }

    /// What STATUS shows, as kubectl does: the waiting reason, else Terminating, else the phase.
    pub fn status(&self) -> &str {
        if let Some(w) = &self.waiting {
            return w.split(':').next().unwrap_or(w);
        }
        if self.terminating {
            return "Terminating";
        }
        &self.phase
    }

    pub fn health(&self) -> Health {
        match (self.waiting.as_deref(), self.phase.as_str()) {
            (Some(w), _)
                if w.starts_with("ContainerCreating") || w.starts_with("PodInitializing") =>
            {
                Health::Progressing
            }
            (Some(_), _) => Health::Failed,
            (None, "Failed") => Health::Failed,
            (None, "Pending") | (None, "Unknown") => Health::Progressing,
            (None, "Succeeded") => Health::Healthy,
            _ if self.terminating => Health::Progressing,
            _ if (self.ready as usize) < self.containers.len() => Health::Degraded,
            _ => Health::Healthy,
        }
    }

    /// Why it is not healthy, in one line; empty for a healthy pod.
    pub fn why(&self) -> String {
        let mut parts = Vec::new();
        if let Some(w) = &self.waiting {
            parts.push(w.clone());
        }
        if let Some(u) = &self.unscheduled {
            parts.push(u.clone());
        }
        if let Some(t) = &self.last_termination {
            parts.push(format!("last: {t}"));
        }
        parts.join("; ")
    }
}

/// One Kubernetes event, as `kubectl events` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventLine {
    pub last_seen: Option<Timestamp>,
    /// Normal or Warning.
    pub event_type: String,
    pub reason: String,
    /// The first line of the message.
    pub message: String,
    pub count: u32,
    /// "Pod/hyperfy2-world-5c6d7f9b8-x2kqp", the object it is about.
    pub object: String,
}

impl EventLine {
    pub fn is_warning(&self) -> bool {
        self.event_type == "Warning"
    }
}

/// Sorts events newest first and keeps `MAX_EVENTS`.
pub fn newest_events(mut events: Vec<EventLine>) -> Vec<EventLine> {
    events.sort_by_key(|e| std::cmp::Reverse(e.last_seen));
    events.truncate(MAX_EVENTS);
    events
}

/// One release of a HelmRelease (an entry of `status.history`, newest first).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Revision {
    pub version: u32,
    pub chart: String,
    pub chart_version: String,
    pub app_version: Option<String>,
    /// deployed, superseded, failed, uninstalled…
    pub status: String,
    /// `configDigest`: the values the release was made with.
    pub digest: Option<String>,
    pub deployed: Option<Timestamp>,
}

/// A Kustomization's revisions beside its source's artifact: what runs, what Flux last tried,
/// what the source offers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KustomizeRevisions {
    pub applied: Option<String>,
    pub attempted: Option<String>,
    /// "GitRepository/flux-system/flux-system".
    pub source: String,
    pub artifact_revision: Option<String>,
    pub artifact_digest: Option<String>,
    pub artifact_at: Option<Timestamp>,
}

/// One object a Kustomization applied, from its inventory id
/// (`<namespace>_<name>_<group>_<kind>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InventoryEntry {
    pub namespace: String,
    pub name: String,
    pub group: String,
    pub kind: String,
    pub version: String,
}

impl InventoryEntry {
    /// Parses an inventory id; `None` when it has not the four parts.
    pub fn parse(id: &str, version: &str) -> Option<InventoryEntry> {
        // Names, groups and kinds hold no underscore (DNS-1123 and the API's naming rules), so
        // the four parts split cleanly; a core object's group is empty.
        let mut parts = id.splitn(4, '_');
        let (namespace, name, group, kind) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if name.is_empty() || kind.is_empty() {
            return None;
        }
        Some(InventoryEntry {
            namespace: namespace.into(),
            name: name.into(),
            group: group.into(),
            kind: kind.into(),
            version: version.into(),
        })
    }

    /// "HelmRelease/numen-games/hyperfy2-world" (no namespace for a cluster-scoped object).
    pub fn label(&self) -> String {
        if self.namespace.is_empty() {
            format!("{}/{}", self.kind, self.name)
        } else {
            format!("{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// One link of a certificate's issuance chain, as `cmctl status certificate` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainLink {
    /// CertificateRequest, Order, Challenge.
    pub kind: String,
    pub name: String,
    /// "Ready=False (Pending)", "pending", "valid"…
    pub state: String,
    /// Why, in the controller's words.
    pub reason: String,
    pub health: Health,
    /// How deep in the chain (0 for the request, 1 for its order, 2 for a challenge).
    pub depth: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_ids_parse_like_flux_writes_them() {
        let e = InventoryEntry::parse(
            "numen-games_hyperfy2-world_helm.toolkit.fluxcd.io_HelmRelease",
            "v2",
        )
        .unwrap();
        assert_eq!(e.label(), "HelmRelease/numen-games/hyperfy2-world");
        let ns = InventoryEntry::parse("_numen-games__Namespace", "v1").unwrap();
        assert_eq!(
            (ns.group.as_str(), ns.label().as_str()),
            ("", "Namespace/numen-games")
        );
        assert!(InventoryEntry::parse("garbage", "v1").is_none());
    }

    #[test]
    fn a_pod_says_why_it_is_not_running() {
        let p = PodLine {
            phase: "Running".into(),
            containers: vec!["app".into()],
            waiting: Some("CrashLoopBackOff: back-off 5m0s restarting failed container".into()),
            last_termination: Some("OOMKilled (exit 137)".into()),
            restarts: 7,
            ..PodLine::default()
        };
        assert_eq!(p.status(), "CrashLoopBackOff");
        assert_eq!(p.health(), Health::Failed);
        assert_eq!(
            p.why(),
            "CrashLoopBackOff: back-off 5m0s restarting failed container; last: OOMKilled (exit 137)"
        );
        let ok = PodLine {
            phase: "Running".into(),
            containers: vec!["app".into()],
            ready: 1,
            ..PodLine::default()
        };
        assert_eq!((ok.status(), ok.health()), ("Running", Health::Healthy));
    }
}
