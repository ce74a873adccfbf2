//! One context's status, from the states of its watchers: connecting until every watcher has
//! listed once (or failed twice: its first retry is the answer); connected while any of them
//! answers; stale (rows kept) or an error only when none does, or when the client, discovery or
//! the credentials fail for the whole context. A watcher that fails on its own (5xx, 429, a cut
//! stream) is its kind's note, as RBAC and missing CRDs are, and the cluster row's "degraded":
//! one kind never takes the context down with it (the Kubernetes API conventions let any one
//! list fail; kube-rs's watcher retries it).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::clock::SharedClock;
use crate::model::kinds::cluster::{Cluster, Sides};
use crate::model::{Facts, Kind, Row, RowId, Scope};
use crate::store::{SourceStatus, Update, UpdateSender};

use super::errors::Failure;
use super::kubeconfig::ClusterRef;
use crate::store::source::{SKIPPED, UNAVAILABLE};
use crate::text::shorten;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchState {
    Listing,
    Synced,
    Forbidden,
    NotInstalled(&'static str),
    Failing(Failure),
}

/// Consecutive failures after which a watcher counts as answered, for "connecting".
const SETTLED_AFTER_FAILURES: u32 = 2;

struct Inner {
    states: BTreeMap<(Kind, &'static str), WatchState>,
    /// Consecutive failures per watcher, reset when it lists.
    failures: BTreeMap<(Kind, &'static str), u32>,
    /// Objects a watcher could not read, named ("ns/name (why)").
    skipped: BTreeMap<(Kind, &'static str), Vec<String>>,
    /// A failure before any watcher exists (client, discovery), and how many times in a row.
    context_failure: Option<Failure>,
    context_failures: u32,
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
                failures: BTreeMap::new(),
                skipped: BTreeMap::new(),
                context_failure: None,
                context_failures: 0,
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
            let key = (kind, plural);
            let failures = g.failures.entry(key).or_insert(0);
            let before = *failures;
            *failures = match state {
                WatchState::Failing(_) => failures.saturating_add(1),
                _ => 0,
            };
            // A repeated failure matters once: when it makes the watcher count as answered.
            let newly_settled =
                before < SETTLED_AFTER_FAILURES && *failures >= SETTLED_AFTER_FAILURES;
            if g.states.get(&key) == Some(&state) && !newly_settled {
                return;
            }
            if state == WatchState::Synced {
                g.context_failure = None;
            }
            g.states.insert(key, state);
            self.recompute(&mut g)
        };
        self.send(updates).await;
    }

    /// The objects of a watcher that could not be read: its kind's note names them.
    pub async fn set_skipped(&self, kind: Kind, plural: &'static str, skipped: Vec<String>) {
        let updates = {
            let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            if skipped.is_empty() {
                g.skipped.remove(&(kind, plural));
            } else {
                g.skipped.insert((kind, plural), skipped);
            }
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
            let before = g.context_failures;
            g.context_failures = match failure {
                Some(_) => before.saturating_add(1),
                None => 0,
            };
            // As for a watcher: a repeated failure matters once more, when it settles.
            let newly_settled =
                before < SETTLED_AFTER_FAILURES && g.context_failures >= SETTLED_AFTER_FAILURES;
            if g.context_failure == failure && !newly_settled {
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
        let settled = |key: &(Kind, &'static str), s: &WatchState| match s {
            WatchState::Listing => false,
            WatchState::Failing(_) => {
                g.failures.get(key).copied().unwrap_or(0) >= SETTLED_AFTER_FAILURES
            }
            _ => true,
        };
        let all_settled = !g.states.is_empty() && g.states.iter().all(|(k, s)| settled(k, s));
        let answering = g.states.values().any(|s| {
            matches!(
                s,
                WatchState::Synced | WatchState::Forbidden | WatchState::NotInstalled(_)
            )
        });
        let watch_failures: Vec<&Failure> = g
            .states
            .values()
            .filter_map(|s| match s {
                WatchState::Failing(f) => Some(f),
                _ => None,
            })
            .collect();
        let whole = |f: &Failure, ever_synced: bool| match f {
            Failure::Auth(reason) => SourceStatus::Error {
                reason: reason.clone(),
            },
            Failure::Unreachable(reason) | Failure::Other(reason) | Failure::Forbidden(reason)
                if ever_synced =>
            {
                SourceStatus::Stale {
                    reason: reason.clone(),
                }
            }
            Failure::Unreachable(reason) | Failure::Other(reason) | Failure::Forbidden(reason) => {
                SourceStatus::Error {
                    reason: reason.clone(),
                }
            }
            Failure::NotFound => SourceStatus::Error {
                reason: "the API server answered 404 for its own API".into(),
            },
        };
        // Credentials belong to the context, not to a kind: a 401 anywhere is everyone's.
        let auth = watch_failures
            .iter()
            .find(|f| matches!(f, Failure::Auth(_)))
            .copied();
        // A context failing once before it ever answered is retried, as a watcher is: one
        // blip (an apiserver restarting, the VPN reconnecting) is not the context's answer.
        // Refused credentials are: asking again gets the same answer.
        let context_failure = g.context_failure.as_ref().filter(|f| {
            matches!(f, Failure::Auth(_))
                || g.ever_synced
                || g.context_failures >= SETTLED_AFTER_FAILURES
        });
        let status = if let Some(f) = context_failure.or(auth) {
            whole(f, g.ever_synced)
        } else if answering {
            if all_settled {
                g.ever_synced = true;
            }
            if g.ever_synced {
                SourceStatus::Connected
            } else {
                SourceStatus::Connecting
            }
        } else if let Some(f) = watch_failures
            .iter()
            .find(|f| matches!(f, Failure::Unreachable(_)))
            .or(watch_failures.first())
            .filter(|_| all_settled || g.ever_synced)
        {
            // Nothing of the context answers: that is the context's own failure.
            whole(f, g.ever_synced)
        } else {
            SourceStatus::Connecting
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
        let mut by_kind: BTreeMap<Kind, Vec<(&'static str, &WatchState)>> = BTreeMap::new();
        for ((kind, plural), s) in &g.states {
            by_kind.entry(*kind).or_default().push((plural, s));
        }
        // A context that answers as a whole names its failing kinds; when it does not, its own
        // status says why and the kinds have nothing to add.
        let name_failures = matches!(status, SourceStatus::Connected | SourceStatus::Connecting);
        let mut notes = Vec::new();
        let mut unavailable = Vec::new();
        for (kind, watchers) in by_kind {
            let failing: Vec<(&str, &Failure)> = watchers
                .iter()
                .filter_map(|(p, s)| match s {
                    WatchState::Failing(f) => Some((*p, f)),
                    _ => None,
                })
                .collect();
            let states: Vec<&WatchState> = watchers.iter().map(|(_, s)| *s).collect();
            let note = if name_failures && !failing.is_empty() {
                let text = unavailable_text(watchers.len(), &failing);
                unavailable.push(format!("{} {text}", kind.title()));
                Some(text)
            } else if states.iter().all(|s| **s == WatchState::Forbidden) {
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
            let skipped: Vec<&String> = watchers
                .iter()
                .filter_map(|(p, _)| g.skipped.get(&(kind, *p)))
                .flatten()
                .collect();
            let note = match (note, skipped.is_empty()) {
                (note, true) => note,
                (note, false) => {
                    let list: Vec<&str> = skipped.iter().map(|s| s.as_str()).collect();
                    let text = format!("{SKIPPED} {}", list.join(", "));
                    Some(match note {
                        Some(n) => format!("{n}; {text}"),
                        None => text,
                    })
                }
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
        // The cluster row: the API's reachability as the kube side sees it, reachable as soon as
        // any kind answers.
        let reachable = match &status {
            SourceStatus::Connected => Some(true),
            SourceStatus::Stale { .. } | SourceStatus::Error { .. } => Some(false),
            SourceStatus::Connecting => answering.then_some(true),
        };
        if let Some(reachable) = reachable {
            let row = self.cluster_row(
                reachable,
                status.reason().map(str::to_string),
                g.server_version.clone(),
                unavailable,
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
        unavailable: Vec<String>,
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
            unavailable,
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

/// "unavailable (500: etcd timeout); retrying", naming the resources when the kind has several
/// and only some fail.
fn unavailable_text(watchers: usize, failing: &[(&str, &Failure)]) -> String {
    let which = if watchers > 1 {
        let plurals: Vec<&str> = failing.iter().map(|(p, _)| *p).collect();
        format!(" ({})", plurals.join(", "))
    } else {
        String::new()
    };
    format!(
        "{UNAVAILABLE}{which}: {}; retrying",
        shorten(&failing[0].1.reason(), 160)
    )
}

/// "v1.31.4-eks-2d98532" → "1.31".
fn minor_version(v: &str) -> String {
    v.trim_start_matches('v')
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".")
}
