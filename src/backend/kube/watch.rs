//! Watching one resource of one context with `kube::runtime::watcher` (list, then watch from the
//! list's resourceVersion). `supervise` owns the life of a watcher: after any error it starts
//! over with a list, whose InitDone proves the context is back and catches what changed while it
//! was away; 410 Gone relists at once; other errors back off. A `Handler` turns events into
//! updates: objects into rows (`ObjectRows`), namespaces into organizations (`namespaces.rs`).

use std::collections::{BTreeMap, HashSet};
use std::fmt::Debug;
use std::time::Duration;

use futures_util::StreamExt;
use kube::api::Api;
use kube::runtime::watcher::{self, Event};
use serde::de::DeserializeOwned;

use super::board::{Board, WatchState};
use super::errors::{Failure, classify_watch};
use super::raw::RawObject;
use super::resources::Watched;
use crate::model::kinds::project_object;
use crate::model::{Kind, RowId, Scope};
use crate::store::Update;

/// Upserts are sent in batches of this size during a list.
const BATCH: usize = 500;

/// Turns watch events into store updates.
pub trait Handler<K> {
    /// A list starts: forget what the last list saw.
    fn init(&mut self);
    fn init_apply(&mut self, obj: K, out: &mut Vec<Update>);
    /// The list is complete: remove what it no longer has.
    fn init_done(&mut self, out: &mut Vec<Update>);
    fn apply(&mut self, obj: K, out: &mut Vec<Update>);
    fn delete(&mut self, obj: K, out: &mut Vec<Update>);
    /// The objects that could not be read, when that changed since the last call.
    fn take_skipped(&mut self) -> Option<Vec<String>> {
        None
    }
}

/// What a watcher is, for the board: which kind, which resource, what provides it.
#[derive(Clone, Copy)]
pub struct Identity {
    pub kind: Kind,
    pub plural: &'static str,
    pub provided_by: &'static str,
}

pub async fn supervise<K, H>(
    api: Api<K>,
    config: watcher::Config,
    id: Identity,
    board: Board,
    aws_profile: Option<String>,
    mut handler: H,
) where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    H: Handler<K>,
{
    let mut batch: Vec<Update> = Vec::new();
    let mut backoff = Backoff::default();
    board
        .set_watch(id.kind, id.plural, WatchState::Listing)
        .await;
    loop {
        let mut stream = watcher::watcher(api.clone(), config.clone()).boxed();
        let failure = loop {
            let Some(event) = stream.next().await else {
                break None;
            };
            match event {
                Ok(Event::Init) => handler.init(),
                Ok(Event::InitApply(obj)) => {
                    handler.init_apply(obj, &mut batch);
                    if batch.len() >= BATCH {
                        flush(&board, &mut batch).await;
                    }
                }
                Ok(Event::InitDone) => {
                    handler.init_done(&mut batch);
                    flush(&board, &mut batch).await;
                    backoff.reset();
                    report_skipped(&board, id, &mut handler).await;
                    board
                        .set_watch(id.kind, id.plural, WatchState::Synced)
                        .await;
                }
                Ok(Event::Apply(obj)) => {
                    handler.apply(obj, &mut batch);
                    flush(&board, &mut batch).await;
                    report_skipped(&board, id, &mut handler).await;
                }
                Ok(Event::Delete(obj)) => {
                    handler.delete(obj, &mut batch);
                    flush(&board, &mut batch).await;
                }
                Err(e) if is_expired(&e) => {
                    tracing::debug!(context = %board.context, resource = id.plural, "410 Gone, relisting");
                    break None;
                }
                Err(e) => {
                    tracing::debug!(context = %board.context, resource = id.plural, "watch error: {e}");
                    break Some(classify_watch(&e, aws_profile.as_deref()));
                }
            }
        };
        // A list cut short is not applied: the next list replaces it.
        batch.clear();
        if let Some(failure) = failure {
            let state = match failure {
                Failure::Forbidden(_) => WatchState::Forbidden,
                Failure::NotFound => WatchState::NotInstalled(id.provided_by),
                f => WatchState::Failing(f),
            };
            board.set_watch(id.kind, id.plural, state).await;
            tokio::time::sleep(backoff.next()).await;
        }
    }
}

async fn report_skipped<K, H: Handler<K>>(board: &Board, id: Identity, handler: &mut H) {
    if let Some(skipped) = handler.take_skipped() {
        board.set_skipped(id.kind, id.plural, skipped).await;
    }
}

fn is_expired(e: &watcher::Error) -> bool {
    match e {
        watcher::Error::WatchError(s) => s.code == 410,
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s)) => s.code == 410,
        _ => false,
    }
}

/// Exponential backoff between restarts: 250 ms doubling to 30 s.
#[derive(Default)]
struct Backoff {
    attempt: u32,
}

impl Backoff {
    fn next(&mut self) -> Duration {
        let ms = 250u64.saturating_mul(1 << self.attempt.min(7)).min(30_000);
        self.attempt += 1;
        Duration::from_millis(ms)
    }

    fn reset(&mut self) {
        self.attempt = 0;
    }
}

async fn flush(board: &Board, batch: &mut Vec<Update>) {
    if !batch.is_empty() {
        let _ = board.tx().send(std::mem::take(batch)).await;
    }
}

/// At most this many unreadable objects are named in a kind's note; the rest are counted.
const SKIPPED_NAMED: usize = 3;

/// Flux and cert-manager objects into rows: each object is projected as it arrives and dropped.
pub struct ObjectRows {
    board: Board,
    /// Rows this watcher put in the store, so a relist can remove what disappeared.
    known: HashSet<Known>,
    listing: HashSet<Known>,
    /// Objects that could not be projected ("ns/name: why"), by label, and whether that set
    /// changed since the board was told.
    skipped: BTreeMap<String, String>,
    listing_skipped: BTreeMap<String, String>,
    skipped_changed: bool,
}

/// A row a watcher put in the store, by what tells it from the watcher's other rows: its kind
/// and "namespace/name" in one allocation (the context is the watcher's own). Tens of
/// thousands of these live as long as the watchers; a whole `RowId` each would double what the
/// store already holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Known {
    kind: Kind,
    path: Box<str>,
}

impl Known {
    fn of(id: &RowId) -> Known {
        Known {
            kind: id.kind,
            path: format!("{}/{}", id.scope.namespace(), id.name).into(),
        }
    }

    /// The row's id again: object rows are scoped to the context and their namespace, and a
    /// namespace has no `/` (a row's name may: "deployment/api").
    fn id(&self, context: &str) -> RowId {
        let (namespace, name) = self.path.split_once('/').unwrap_or(("", &self.path));
        RowId::new(self.kind, Scope::kube(context, namespace), name)
    }
}

impl ObjectRows {
    fn new(board: Board) -> ObjectRows {
        ObjectRows {
            board,
            known: HashSet::new(),
            listing: HashSet::new(),
            skipped: BTreeMap::new(),
            listing_skipped: BTreeMap::new(),
            skipped_changed: false,
        }
    }

    /// The object's row, or why it has none.
    fn project(&self, obj: &RawObject) -> Result<crate::model::Row, String> {
        if let Some(why) = obj.malformed() {
            return Err(why.to_string());
        }
        let json = obj.json().map_err(|e| e.to_string())?;
        project_object(
            &json,
            &self.board.context,
            self.board.source(),
            self.board.clock().now(),
        )
        .ok_or_else(|| "not a readable object of its kind".to_string())
    }

    fn skip(&mut self, obj: &RawObject, why: String) {
        tracing::debug!(context = %self.board.context, object = %obj.label(), "skipped: {why}");
        if self.skipped.insert(obj.label(), why.clone()).as_ref() != Some(&why) {
            self.skipped_changed = true;
        }
    }
}

impl Handler<RawObject> for ObjectRows {
    fn init(&mut self) {
        self.listing.clear();
        self.listing_skipped.clear();
    }

    fn init_apply(&mut self, obj: RawObject, out: &mut Vec<Update>) {
        match self.project(&obj) {
            Ok(row) => {
                self.listing.insert(Known::of(&row.id));
                out.push(Update::upsert(row));
            }
            Err(why) => {
                self.listing_skipped.insert(obj.label(), why);
            }
        }
    }

    fn init_done(&mut self, out: &mut Vec<Update>) {
        let seen = std::mem::take(&mut self.listing);
        let context = &self.board.context;
        out.extend(
            self.known
                .difference(&seen)
                .map(|k| Update::Remove(k.id(context))),
        );
        self.known = seen;
        let skipped = std::mem::take(&mut self.listing_skipped);
        if skipped != self.skipped {
            self.skipped = skipped;
            self.skipped_changed = true;
        }
    }

    fn apply(&mut self, obj: RawObject, out: &mut Vec<Update>) {
        match self.project(&obj) {
            Ok(row) => {
                if self.skipped.remove(&obj.label()).is_some() {
                    self.skipped_changed = true;
                }
                self.known.insert(Known::of(&row.id));
                out.push(Update::upsert(row));
            }
            Err(why) => self.skip(&obj, why),
        }
    }

    fn take_skipped(&mut self) -> Option<Vec<String>> {
        if !std::mem::take(&mut self.skipped_changed) {
            return None;
        }
        let mut named: Vec<String> = self
            .skipped
            .iter()
            .take(SKIPPED_NAMED)
            .map(|(label, why)| format!("{label} ({why})"))
            .collect();
        if self.skipped.len() > SKIPPED_NAMED {
            named.push(format!("{} more", self.skipped.len() - SKIPPED_NAMED));
        }
        Some(named)
    }

    fn delete(&mut self, obj: RawObject, out: &mut Vec<Update>) {
        if self.skipped.remove(&obj.label()).is_some() {
            self.skipped_changed = true;
        }
        if let Ok(row) = self.project(&obj) {
            self.known.remove(&Known::of(&row.id));
            out.push(Update::Remove(row.id));
        }
    }
}

pub async fn run(
    client: kube::Client,
    watched: Watched,
    board: Board,
    aws_profile: Option<String>,
) {
    let api: Api<RawObject> = Api::all_with(client, &watched.api_resource());
    let id = Identity {
        kind: watched.kind,
        plural: watched.plural,
        provided_by: watched.provided_by,
    };
    let handler = ObjectRows::new(board.clone());
    supervise(
        api,
        watcher::Config::default(),
        id,
        board,
        aws_profile,
        handler,
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_row_gives_its_id_back() {
        for (kind, ns, name) in [
            (Kind::Workload, "numen-games", "deployment/hyperfy2-world"),
            (Kind::HelmRelease, "flux-system", "podinfo"),
            (Kind::Certificate, "", "cluster-wide"),
        ] {
            let id = RowId::new(kind, Scope::kube("prod-cluster", ns), name);
            assert_eq!(Known::of(&id).id("prod-cluster"), id);
        }
    }
}
