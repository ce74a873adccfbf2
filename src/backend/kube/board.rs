//! One context's status, from the states of its watchers: connecting until every watcher has
//! listed once; stale (rows kept) while the API server cannot be reached; an error when the
//! credentials fail; per-kind notes for what RBAC forbids or the cluster does not have.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::clock::SharedClock;
use crate::model::kinds::cluster::{Cluster, Sides};
use crate::model::{Facts, Kind, Row, RowId, Scope};
use crate::store::{SourceStatus, Update, UpdateSender};

use super::errors::Failure;
use super::kubeconfig::ClusterRef;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchState {
    Listing,
    Synced,
    Forbidden,
    NotInstalled(&'static str),
    Failing(Failure),
}

struct Inner {
    states: BTreeMap<(Kind, &'static str), WatchState>,
    /// A failure before any watcher exists (client, discovery).
    context_failure: Option<Failure>,
    ever_synced: bool,
    status: Option<SourceStatus>,
    notes: BTreeMap<Kind, Option<String>>,
    server_version: Option<String>,
    cluster_row: Option<Row>,
}

#[derive(Clone)]
pub struct Board {
    pub context: String,
    source: Arc<str>,
    cluster: ClusterRef,
    tx: UpdateSender,
    clock: SharedClock,
    inner: Arc<Mutex<Inner>>,
}

impl Board {
    pub fn new(context: &str, cluster: ClusterRef, tx: UpdateSender, clock: SharedClock) -> Board {
        Board {
            context: context.to_string(),
            source: context.into(),
            cluster,
            tx,
            clock,
            inner: Arc::new(Mutex::new(Inner {
                states: BTreeMap::new(),
                context_failure: None,
                ever_synced: false,
                status: None,
                notes: BTreeMap::new(),
                server_version: None,
                cluster_row: None,
            })),
        }
    }

    pub fn source(&self) -> Arc<str> {
        self.source.clone()
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    pub fn tx(&self) -> &UpdateSender {
        &self.tx
    }

    pub async fn set_watch(&self, kind: Kind, plural: &'static str, state: WatchState) {
        let updates = {
            let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            if g.states.get(&(kind, plural)) == Some(&state) {
                return;
            }
            if state == WatchState::Synced {
                g.context_failure = None;
            }
            g.states.insert((kind, plural), state);
            self.recompute(&mut g)
        };
        self.send(updates).await;
    }

    /// Registers the watchers about to start, so the context is not "connected" until all of
    /// them have listed once.
    pub fn register(&self, watchers: impl IntoIterator<Item = (Kind, &'static str)>) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        for key in watchers {
            g.states.entry(key).or_insert(WatchState::Listing);
        }
    }

    pub async fn set_context_failure(&self, failure: Option<Failure>) {
        let updates = {
            let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            if g.context_failure == failure {
                return;
            }
            g.context_failure = failure;
            self.recompute(&mut g)
        };
        self.send(updates).await;
    }

    pub async fn set_server_version(&self, version: Option<String>) {
        let updates = {
            let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            g.server_version = version;
            self.recompute(&mut g)
        };
        self.send(updates).await;
    }

    /// Starts as connecting; call once before anything else.
    pub async fn announce(&self) {
        let updates = {
            let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            self.recompute(&mut g)
        };
        self.send(updates).await;
    }

    async fn send(&self, updates: Vec<Update>) {
        if !updates.is_empty() {
            // The store going away means opsdeck is exiting: nothing to do.
            let _ = self.tx.send(updates).await;
        }
    }

    fn recompute(&self, g: &mut Inner) -> Vec<Update> {
        let failing: Vec<&Failure> = g
            .context_failure
            .iter()
            .chain(g.states.values().filter_map(|s| match s {
                WatchState::Failing(f) => Some(f),
                _ => None,
            }))
            .collect();
        // Connected once every watcher has finished its first list (or learnt it cannot).
        if failing.is_empty()
            && !g.states.is_empty()
            && g.states.values().all(|s| *s != WatchState::Listing)
        {
            g.ever_synced = true;
        }
        let auth = failing.iter().find_map(|f| match f {
            Failure::Auth(r) => Some(r.clone()),
            _ => None,
        });
        let other = failing.iter().find_map(|f| match f {
            Failure::Unreachable(r) | Failure::Other(r) => Some(r.clone()),
            _ => None,
        });
        let status = if let Some(reason) = auth {
            SourceStatus::Error { reason }
        } else if let Some(reason) = other {
            if g.ever_synced {
                SourceStatus::Stale { reason }
            } else {
                SourceStatus::Error { reason }
            }
        } else if !g.ever_synced
            && (g.states.is_empty() || g.states.values().any(|s| *s == WatchState::Listing))
        {
            SourceStatus::Connecting
        } else {
            SourceStatus::Connected
        };
        let now = self.clock.now();
        let mut out = Vec::new();
        if g.status.as_ref() != Some(&status) {
            g.status = Some(status.clone());
            out.push(Update::Source {
                name: self.context.clone(),
                status: status.clone(),
                at: now,
            });
        }
        // A kind gets a note when none of its watchers can show anything.
        let mut by_kind: BTreeMap<Kind, Vec<&WatchState>> = BTreeMap::new();
        for ((kind, _), s) in &g.states {
            by_kind.entry(*kind).or_default().push(s);
        }
        let mut notes = Vec::new();
        for (kind, states) in by_kind {
            let note = if states.iter().all(|s| **s == WatchState::Forbidden) {
                Some("forbidden (RBAC)".to_string())
            } else if let Some(WatchState::NotInstalled(what)) = states
                .iter()
                .find(|s| matches!(s, WatchState::NotInstalled(_)))
                .copied()
                && states
                    .iter()
                    .all(|s| matches!(s, WatchState::NotInstalled(_) | WatchState::Forbidden))
            {
                Some(format!("{what} not installed"))
            } else {
                None
            };
            notes.push((kind, note));
        }
        for (kind, note) in notes {
            if g.notes.get(&kind) != Some(&note) {
                g.notes.insert(kind, note.clone());
                out.push(Update::SourceNote {
                    name: self.context.clone(),
                    kind,
                    note,
                });
            }
        }
        // The cluster row: the API's reachability as the kube side sees it.
        let reachable = match &status {
            SourceStatus::Connected => Some(true),
            SourceStatus::Stale { .. } | SourceStatus::Error { .. } => Some(false),
            SourceStatus::Connecting => None,
        };
        if let Some(reachable) = reachable {
            let row = self.cluster_row(
                reachable,
                status.reason().map(str::to_string),
                g.server_version.clone(),
                now,
            );
            if g.cluster_row
                .as_ref()
                .is_none_or(|old| !old.same_content(&row))
            {
                g.cluster_row = Some(row.clone());
                out.push(Update::upsert(row));
            }
        }
        out
    }

    fn cluster_row(
        &self,
        reachable: bool,
        api_error: Option<String>,
        server_version: Option<String>,
        now: jiff::Timestamp,
    ) -> Row {
        let c = &self.cluster;
        let scope = Scope {
            account: c.account.clone(),
            region: c.region.clone(),
            context: Some(self.context.clone()),
            namespace: None,
        };
        let facts = Cluster {
            provider: if c.account.is_some() {
                "EKS".into()
            } else {
                "Kubernetes".into()
            },
            // The kube side does not know the EKS status; the AWS backend fills it.
            status: String::new(),
            version: server_version
                .as_deref()
                .map(minor_version)
                .unwrap_or_default(),
            api_reachable: Some(reachable),
            api_error,
            server_version,
            arn: c.arn.clone(),
            kube_context: Some(self.context.clone()),
            reported: Sides::KUBE,
            ..Cluster::default()
        };
        Row::new(
            RowId::new(Kind::Cluster, scope, c.name.clone()),
            self.source.clone(),
            Facts::Cluster(facts),
            vec![],
            now,
        )
    }
}

/// "v1.31.4-eks-2d98532" → "1.31".
fn minor_version(v: &str) -> String {
    v.trim_start_matches('v')
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".")
}
