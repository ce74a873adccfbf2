//! The Fleet: rows in a slab addressed by `RowKey`, with the indexes the panes and roll-ups need.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;
use jiff::Timestamp;

use super::Update;
use super::changes::{Change, ChangeLog, Subject};
use super::source::{SourceState, SourceStatus};
use super::tally::HealthTally;
use crate::model::{Facts, Health, Kind, KindScope, Row, RowId};

/// A stable handle to a row for as long as the row exists.
pub type RowKey = u32;

/// (account, region)
pub(super) type RegionKey = (String, String);
/// (context, namespace)
pub(super) type NsKey = (String, String);

#[derive(Default)]
pub struct Fleet {
    name: String,
    /// Rows by key. Boxed: a slot is a pointer, so growing the vector moves 8 bytes a row, not
    /// the row (over 500 bytes), and never holds two copies of every row while it grows.
    slots: Vec<Option<Box<Row>>>,
    free: Vec<RowKey>,
    /// Each row's key, found by hashing its id and comparing with the id in its slot: the id
    /// is kept once, in the row.
    keys: HashTable<RowKey>,
    hasher: RandomState,
    by_kind: BTreeMap<Kind, BTreeSet<RowKey>>,
    pub(super) by_region: HashMap<RegionKey, BTreeSet<RowKey>>,
    pub(super) by_namespace: HashMap<NsKey, BTreeSet<RowKey>>,
    pub(super) region_rows: HashMap<RegionKey, RowKey>,
    pub(super) org_of_ns: HashMap<NsKey, RowKey>,
    pub(super) dirty_regions: HashSet<RegionKey>,
    pub(super) dirty_orgs: HashSet<RowKey>,
    /// EKS ARN → the id of its joined cluster row (see join.rs).
    pub(super) cluster_ids: HashMap<String, RowId>,
    /// The other side's id of a joined cluster → the row's id.
    pub(super) joined: HashMap<RowId, RowId>,
    sources: BTreeMap<String, SourceState>,
    generation: u64,
    /// Rows' health by kind (roll-ups included).
    pub(super) tallies: BTreeMap<Kind, HealthTally>,
    /// Rows whose own health is not healthy: the Problems list's length.
    own_problems: usize,
    /// The rows changed lately, with the generation of each change, so a view can move those
    /// rows instead of sorting all of them again.
    changes: VecDeque<(u64, RowKey)>,
    /// Changes up to this generation have left `changes`.
    changes_floor: u64,
    /// What changed, for `:timeline` (`changes.rs`).
    timeline: ChangeLog,
}

/// How many recent row changes the fleet remembers for the views.
const CHANGE_LOG: usize = 4096;

pub(super) fn region_key(row: &Row) -> Option<RegionKey> {
    let s = &row.id.scope;
    // A region row is named after its region; the other kinds carry one in their scope.
    let region = match row.kind().spec().scope {
        KindScope::RegionRollup => row.id.name.clone(),
        KindScope::Regional { .. }
        | KindScope::Namespaced { .. }
        | KindScope::OrganizationRollup => s.region.clone()?,
    };
    Some((s.account.clone().unwrap_or_default(), region))
}

/// Whether slot `key` holds the row `id`.
fn is_row(slots: &[Option<Box<Row>>], key: RowKey, id: &RowId) -> bool {
    slots
        .get(key as usize)
        .and_then(Option::as_deref)
        .is_some_and(|r| r.id == *id)
}

pub(super) fn ns_key(row: &Row) -> Option<NsKey> {
    let s = &row.id.scope;
    Some((s.context.clone()?, s.namespace.clone()?))
}

impl Fleet {
    pub fn new(name: impl Into<String>) -> Fleet {
        Fleet {
            name: name.into(),
            ..Fleet::default()
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// What changed: health transitions, sources dropping out and back, opsdeck's own writes.
    pub fn timeline(&self) -> &ChangeLog {
        &self.timeline
    }

    /// Puts back the timeline kept from before this process (oldest first), then sends every
    /// new change to `sink` (the file that keeps it).
    pub fn keep_timeline(&mut self, kept: Vec<Change>, sink: std::sync::mpsc::Sender<Change>) {
        self.timeline.restore(kept);
        self.timeline.persist(sink);
        self.generation += 1;
    }

    /// Records what opsdeck did (a write, a runbook step): the store sees the others itself.
    pub fn record(&mut self, change: Change) {
        self.timeline.push(change);
        self.generation += 1;
    }

    /// Bumped on every change that can alter what a pane shows.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn get(&self, key: RowKey) -> Option<&Row> {
        self.slots.get(key as usize).and_then(Option::as_deref)
    }

    pub fn key_of(&self, id: &RowId) -> Option<RowKey> {
        let slots = &self.slots;
        self.keys
            .find(self.hasher.hash_one(id), |&k| is_row(slots, k, id))
            .copied()
    }

    pub fn row(&self, id: &RowId) -> Option<&Row> {
        self.key_of(id).and_then(|k| self.get(k))
    }

    pub fn keys_of(&self, kind: Kind) -> impl Iterator<Item = RowKey> + '_ {
        self.by_kind.get(&kind).into_iter().flatten().copied()
    }

    pub fn rows_of(&self, kind: Kind) -> impl Iterator<Item = &Row> + '_ {
        self.keys_of(kind).filter_map(|k| self.get(k))
    }

    pub fn count(&self, kind: Kind) -> usize {
        self.by_kind.get(&kind).map_or(0, BTreeSet::len)
    }

    /// How many rows of `kind` are in each health state.
    pub fn tally(&self, kind: Kind) -> HealthTally {
        self.tallies.get(&kind).copied().unwrap_or_default()
    }

    /// The rows changed (upserted, removed, rolled up) after `generation`; `None` when that
    /// is too long ago to tell. A key may have been removed, or reused by another row.
    pub fn changed_since(&self, generation: u64) -> Option<Vec<RowKey>> {
        (generation >= self.changes_floor).then(|| {
            self.changes
                .iter()
                .filter(|(g, _)| *g > generation)
                .map(|(_, k)| *k)
                .collect()
        })
    }

    /// Counts a change of row `key` as a new generation.
    pub(super) fn changed(&mut self, key: RowKey) {
        self.generation += 1;
        if self.changes.len() == CHANGE_LOG
            && let Some((g, _)) = self.changes.pop_front()
        {
            self.changes_floor = g;
        }
        self.changes.push_back((self.generation, key));
    }

    /// How many rows `problems` lists, without listing them.
    pub fn problem_count(&self) -> usize {
        self.own_problems
    }

    pub fn all(&self) -> impl Iterator<Item = (RowKey, &Row)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_deref().map(|r| (i as RowKey, r)))
    }

    pub fn sources(&self) -> impl Iterator<Item = &SourceState> + '_ {
        self.sources.values()
    }

    pub fn source(&self, name: &str) -> Option<&SourceState> {
        self.sources.get(name)
    }

    /// Whether the row's source is stale, or in error after it had answered, so the row may be
    /// out of date.
    pub fn is_stale(&self, row: &Row) -> bool {
        self.sources
            .get(&*row.source)
            .is_some_and(SourceState::rows_may_be_stale)
    }

    /// Every row whose own health is not healthy, worst first, newest first. Roll-up rows count
    /// only for their own problems (a firing alarm), not for their parts', which are listed anyway.
    pub fn problems(&self) -> Vec<RowKey> {
        let mut keys: Vec<RowKey> = self
            .all()
            .filter(|(_, r)| r.own.health != Health::Healthy)
            .map(|(k, _)| k)
            .collect();
        self.sort_worst_first(&mut keys);
        keys
    }

    pub fn sort_worst_first(&self, keys: &mut [RowKey]) {
        keys.sort_by(|a, b| {
            let (ra, rb) = (self.get(*a).unwrap(), self.get(*b).unwrap());
            rb.health
                .cmp(&ra.health)
                .then(rb.updated_at.cmp(&ra.updated_at))
                .then_with(|| ra.id.cmp(&rb.id))
        });
    }

    /// Applies a batch of updates, then the roll-ups they touch. Returns whether anything changed.
    pub fn apply(&mut self, updates: impl IntoIterator<Item = Update>) -> bool {
        let before = self.generation;
        for u in updates {
            match u {
                Update::Upsert(row) => {
                    let row = self.join(*row);
                    self.upsert(row)
                }
                Update::Remove(id) => self.remove_joined(&id),
                Update::Source { name, status, at } => self.set_source(name, status, at),
                Update::SourceNote { name, kind, note } => self.set_note(name, kind, note),
                Update::Happened(change) => self.record(*change),
            }
        }
        self.recompute_rollups();
        self.generation != before
    }

    pub(super) fn row_mut(&mut self, key: RowKey) -> Option<&mut Row> {
        self.slots
            .get_mut(key as usize)
            .and_then(Option::as_deref_mut)
    }

    fn set_source(&mut self, name: String, status: SourceStatus, at: Timestamp) {
        self.timeline.saw(at);
        match self.sources.get_mut(&name) {
            Some(s) if s.status == status => {}
            Some(s) => {
                // Dropping out, and coming back once it had been there: not the first connect.
                let was = s.status.label();
                if s.ever_connected && (status.is_stale() || s.status.is_stale()) {
                    self.timeline.push(Change {
                        at,
                        source: name.as_str().into(),
                        subject: Subject::Source(name.clone()),
                        from: None,
                        to: None,
                        note: match status.reason() {
                            Some(r) => format!("{was} → {}: {r}", status.label()),
                            None => format!("{was} → {}", status.label()),
                        },
                    });
                }
                s.ever_connected |= status == SourceStatus::Connected;
                s.status = status;
                s.since = at;
                self.generation += 1;
            }
            None => {
                self.sources.insert(
                    name.clone(),
                    SourceState {
                        name,
                        ever_connected: status == SourceStatus::Connected,
                        status,
                        since: at,
                        notes: Default::default(),
                    },
                );
                self.generation += 1;
            }
        }
    }

    fn set_note(&mut self, name: String, kind: Kind, note: Option<String>) {
        let Some(s) = self.sources.get_mut(&name) else {
            tracing::debug!(source = %name, "note for an unknown source ignored");
            return;
        };
        let changed = match note {
            Some(n) => s.notes.insert(kind, n.clone()).as_ref() != Some(&n),
            None => s.notes.remove(&kind).is_some(),
        };
        if changed {
            self.generation += 1;
        }
    }

    /// "prod-cluster: forbidden (RBAC)" for every source with a note on `kind`.
    pub fn notes_for(&self, kind: Kind) -> Vec<String> {
        self.sources
            .values()
            .filter_map(|s| s.notes.get(&kind).map(|n| format!("{}: {n}", s.name)))
            .collect()
    }

    pub(super) fn upsert(&mut self, mut row: Row) {
        if let Some(key) = self.key_of(&row.id) {
            let old = self.slots[key as usize]
                .as_ref()
                .expect("indexed row exists");
            if row.facts.keep_unreported(&old.facts) {
                // Two sources write this row: keep the other one's layer (and the roll-up).
                row.reassess();
                if row.facts == old.facts && row.own == old.own {
                    return;
                }
            }
            if old.same_content(&row) {
                return;
            }
            self.timeline.saw(row.updated_at);
            // What happened first (a new revision, an alarm firing), then the health it left.
            for note in row.facts.happened(&old.facts) {
                self.timeline.push(Change {
                    at: row.updated_at,
                    source: row.source.clone(),
                    subject: Subject::Row(row.id.clone()),
                    from: None,
                    to: None,
                    note,
                });
            }
            // The row's own health: a roll-up's parts are recorded as themselves, and its own
            // (a region's alarms and checks) comes in here, before the roll-up is worked out.
            if old.own.health != row.own.health {
                self.timeline.push(Change {
                    at: row.updated_at,
                    source: row.source.clone(),
                    subject: Subject::Row(row.id.clone()),
                    from: Some(old.own.health),
                    to: Some(row.own.health),
                    note: row.own.reason.clone(),
                });
            }
            let old = self.slots[key as usize].take().expect("indexed row exists");
            self.unindex(key, &old);
            self.index(key, &row);
            self.slots[key as usize] = Some(Box::new(row));
            self.changed(key);
        } else {
            self.timeline.saw(row.updated_at);
            let key = match self.free.pop() {
                Some(k) => k,
                None => {
                    self.slots.push(None);
                    (self.slots.len() - 1) as RowKey
                }
            };
            let hash = self.hasher.hash_one(&row.id);
            self.index(key, &row);
            self.slots[key as usize] = Some(Box::new(row));
            let (slots, hasher) = (&self.slots, &self.hasher);
            self.keys.insert_unique(hash, key, |&k| {
                hasher.hash_one(&slots[k as usize].as_ref().expect("keyed rows exist").id)
            });
            self.changed(key);
        }
    }

    /// A row gone from its source, at the latest time the store has seen (a removal carries
    /// none of its own).
    pub(super) fn record_gone(&mut self, row: Row) {
        let Some(at) = self.timeline.latest else {
            return;
        };
        self.timeline.push(Change {
            at,
            source: row.source.clone(),
            subject: Subject::Row(row.id),
            from: Some(row.health),
            to: None,
            note: "gone".into(),
        });
    }

    /// Removes a row and gives it back.
    pub(super) fn remove(&mut self, id: &RowId) -> Option<Row> {
        let slots = &self.slots;
        let (key, _) = self
            .keys
            .find_entry(self.hasher.hash_one(id), |&k| is_row(slots, k, id))
            .ok()?
            .remove();
        let old = self.slots[key as usize].take().map(|b| *b);
        if let Some(old) = &old {
            self.unindex(key, old);
        }
        self.free.push(key);
        self.changed(key);
        old
    }

    fn index(&mut self, key: RowKey, row: &Row) {
        self.by_kind.entry(row.kind()).or_default().insert(key);
        self.tallies.entry(row.kind()).or_default().add(row.health);
        if row.own.health != Health::Healthy {
            self.own_problems += 1;
        }
        self.mark_dirty(key, row);
        if let Some(rk) = region_key(row) {
            match row.kind().spec().scope {
                KindScope::RegionRollup => {
                    self.region_rows.insert(rk, key);
                }
                KindScope::Regional { .. } => {
                    self.by_region.entry(rk).or_default().insert(key);
                }
                KindScope::Namespaced { .. } | KindScope::OrganizationRollup => {}
            }
        }
        if row.kind().is_namespaced()
            && let Some(nk) = ns_key(row)
        {
            self.by_namespace.entry(nk).or_default().insert(key);
        }
        if let Facts::Organization(o) = &row.facts {
            for ns in &o.namespaces {
                self.org_of_ns
                    .insert((row.id.scope.context().to_string(), ns.clone()), key);
            }
        }
    }

    fn unindex(&mut self, key: RowKey, row: &Row) {
        if let Some(s) = self.by_kind.get_mut(&row.kind()) {
            s.remove(&key);
        }
        if let Some(t) = self.tallies.get_mut(&row.kind()) {
            t.remove(row.health);
        }
        if row.own.health != Health::Healthy {
            self.own_problems -= 1;
        }
        self.mark_dirty(key, row);
        if let Some(rk) = region_key(row) {
            if matches!(row.kind().spec().scope, KindScope::RegionRollup) {
                self.region_rows.remove(&rk);
            } else if let Some(s) = self.by_region.get_mut(&rk) {
                s.remove(&key);
            }
        }
        if let Some(nk) = ns_key(row)
            && let Some(s) = self.by_namespace.get_mut(&nk)
        {
            s.remove(&key);
        }
        if let Facts::Organization(o) = &row.facts {
            self.dirty_orgs.remove(&key);
            for ns in &o.namespaces {
                let nk = (row.id.scope.context().to_string(), ns.clone());
                if self.org_of_ns.get(&nk) == Some(&key) {
                    self.org_of_ns.remove(&nk);
                }
            }
        }
    }

    /// Marks the roll-ups a row takes part in (or is) for recomputation.
    fn mark_dirty(&mut self, key: RowKey, row: &Row) {
        match row.kind().spec().scope {
            KindScope::RegionRollup | KindScope::Regional { .. } => {
                if let Some(rk) = region_key(row) {
                    self.dirty_regions.insert(rk);
                }
            }
            KindScope::OrganizationRollup => {
                self.dirty_orgs.insert(key);
            }
            KindScope::Namespaced { .. } => {
                if let Some(org) = ns_key(row).and_then(|nk| self.org_of_ns.get(&nk)) {
                    self.dirty_orgs.insert(*org);
                }
            }
        }
    }
}
