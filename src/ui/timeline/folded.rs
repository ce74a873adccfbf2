//! The timeline's lines, folded into bursts and kept from frame to frame, so that a frame costs
//! the lines on screen and not the 100,000 changes of a busy night: changes that arrive are
//! added at the newest end, the ones the log lets go are dropped from the oldest, and the whole
//! log is read again only when the filter changes or a change went in before the newest (an
//! event listed late).
//!
//! A burst is a run of changes of one kind, in one place (a namespace in its context, or an
//! account and region), to one health, within `BURST_WINDOW_S` of the run's first: "12
//! HelmReleases in numen-games → failed within 40 s". A run shorter than `BURST_MIN` shows each
//! change.
//!
//! The lines' changes are also counted per minute, so that the sparkline above them shows what
//! the filter lets through.

use std::collections::{BTreeMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::model::{Health, Kind};
use crate::store::changes::{Change, ChangeLog, Subject};
use crate::store::view::Filter;

/// Changes of one kind, in one place, to one health, within this many seconds of the first make
/// a burst.
pub const BURST_WINDOW_S: i64 = 60;
/// The fewest changes a burst folds.
pub const BURST_MIN: u32 = 3;

/// A line of the timeline: one change, or a burst of alike ones.
pub enum Entry<'a> {
    One(&'a Change),
    Burst {
        newest: &'a Change,
        count: u32,
        span_s: i64,
        kind: Kind,
        place: String,
    },
}

impl Entry<'_> {
    pub fn at(&self) -> jiff::Timestamp {
        match self {
            Entry::One(c) | Entry::Burst { newest: c, .. } => c.at,
        }
    }
}

/// Where a row's health transition happened, for bursts: its kind, its namespace in its
/// context or its account and region, and the health it went to.
pub fn place(change: &Change) -> Option<(Kind, String, Option<Health>)> {
    let Subject::Row(id) = &change.subject else {
        return None;
    };
    change.is_transition().then(|| {
        let s = &id.scope;
        let place = match &s.namespace {
            Some(ns) => ns.clone(),
            None => s.label(),
        };
        (id.kind, place, change.to)
    })
}

fn key(change: &Change) -> Option<u64> {
    place(change).map(|k| {
        let mut h = DefaultHasher::new();
        k.hash(&mut h);
        h.finish()
    })
}

/// Whether the filter lets the change through. Its fields are matched as they are, without
/// allocating (a keystroke reads 100,000 changes again); only a filter that spans two of them —
/// "ns/name", "degraded → healthy" — is matched against the line's joined words.
fn passes(filter: &Filter, change: &Change) -> bool {
    let raw = filter.raw();
    if raw.contains('/') || raw.contains('→') {
        filter.matches_text(&joined_words(change))
    } else {
        filter.matches_text(&fields(change))
    }
}

/// A change's fields: its source, kind, namespace, name, healths and note.
fn fields(change: &Change) -> [&str; 7] {
    let (kind, scope, name): (&str, Option<&str>, &str) = match &change.subject {
        Subject::Row(id) => (id.kind.short(), id.scope.namespace.as_deref(), &id.name),
        Subject::Source(name) => ("source", None, name),
        Subject::Runbook { name, target } => (name, Some("runbook"), target),
        Subject::Object { kind, scope, name } => (kind, scope.namespace.as_deref(), name),
    };
    let health = |h: Option<Health>| h.map_or("gone", Health::as_str);
    let (from, to) = if change.is_transition() {
        (health(change.from), health(change.to))
    } else {
        ("", "")
    };
    [
        &change.source,
        kind,
        scope.unwrap_or(""),
        name,
        from,
        to,
        &change.note,
    ]
}

/// What the change's line shows, joined: "kind ns/name", "from → to".
fn joined_words(change: &Change) -> [String; 4] {
    let (kind, name) = change.label();
    let health = |h: Option<Health>| h.map_or("gone", Health::as_str);
    let transition = if change.is_transition() {
        format!("{} → {}", health(change.from), health(change.to))
    } else {
        String::new()
    };
    [
        change.source.to_string(),
        format!("{kind} {name}"),
        transition,
        change.note.clone(),
    ]
}

/// A run of alike changes (or one change), by their places in the log.
struct Group {
    key: Option<u64>,
    first_at: i64,
    last_at: i64,
    count: u32,
    /// The first two, shown one by one while the run is too short to fold.
    members: [u64; 2],
    newest: u64,
}

impl Group {
    /// The lines it takes.
    fn shown(&self) -> usize {
        if self.count >= BURST_MIN {
            1
        } else {
            self.count as usize
        }
    }
}

/// The lines, oldest first, as groups of the log's places.
pub struct Folded {
    filter: Filter,
    reordered: u64,
    /// One past the newest place read.
    end: u64,
    groups: VecDeque<Group>,
    shown: usize,
    /// The changes let through, per minute since the epoch (the newest `MINUTES_KEPT`).
    minutes: BTreeMap<i64, u64>,
}

/// The minutes counted: the timeline's day.
const MINUTES_KEPT: usize = 24 * 60;

impl Folded {
    pub fn new(filter: &str, log: &ChangeLog) -> Folded {
        let mut f = Folded {
            filter: Filter::parse(filter),
            reordered: log.reordered(),
            end: log.places().start,
            groups: VecDeque::new(),
            shown: 0,
            minutes: BTreeMap::new(),
        };
        f.update(log);
        f
    }

    /// Whether these lines were folded with `filter`.
    pub fn filtered_by(&self, filter: &str) -> bool {
        self.filter.raw() == filter
    }

    /// Brings the lines up to the log; `false` when the log must be read again (`new`).
    pub fn update(&mut self, log: &ChangeLog) -> bool {
        if log.reordered() != self.reordered {
            return false;
        }
        let places = log.places();
        for place in self.end.max(places.start)..places.end {
            let Some(c) = log.get(place) else { break };
            if self.filter.is_empty() || passes(&self.filter, c) {
                self.add(place, c);
                self.count_in_minute(c.at);
            }
        }
        self.end = places.end;
        self.drop_before(places.start);
        true
    }

    fn add(&mut self, place: u64, c: &Change) {
        let key = key(c);
        let at = c.at.as_second();
        if let (Some(k), Some(last)) = (key, self.groups.back_mut())
            && last.key == Some(k)
            && at - last.first_at <= BURST_WINDOW_S
        {
            let before = last.shown();
            last.count += 1;
            if last.count == 2 {
                last.members[1] = place;
            }
            last.newest = place;
            last.last_at = at;
            self.shown = self.shown + last.shown() - before;
            return;
        }
        self.groups.push_back(Group {
            key,
            first_at: at,
            last_at: at,
            count: 1,
            members: [place, place],
            newest: place,
        });
        self.shown += 1;
    }

    fn count_in_minute(&mut self, at: jiff::Timestamp) {
        *self
            .minutes
            .entry(at.as_second().div_euclid(60))
            .or_default() += 1;
        if self.minutes.len() > MINUTES_KEPT {
            self.minutes.pop_first();
        }
    }

    /// The changes let through in each of the `n` minutes up to `now`'s, oldest first.
    pub fn per_minute(&self, now: jiff::Timestamp, n: usize) -> Vec<u64> {
        let last = now.as_second().div_euclid(60);
        (0..n as i64)
            .rev()
            .map(|ago| self.minutes.get(&(last - ago)).copied().unwrap_or(0))
            .collect()
    }

    /// Lets go of what the log let go.
    fn drop_before(&mut self, first: u64) {
        while let Some(g) = self.groups.front_mut() {
            if g.newest < first {
                self.shown -= g.shown();
                self.groups.pop_front();
            } else if g.count < BURST_MIN && g.count == 2 && g.members[0] < first {
                // A pair whose older change went: the newer one stays, alone.
                g.members[0] = g.members[1];
                g.count = 1;
                self.shown -= 1;
                break;
            } else {
                break;
            }
        }
    }

    /// How many lines.
    pub fn len(&self) -> usize {
        self.shown
    }

    /// The lines `skip..skip + take` counted from the newest.
    pub fn window<'a>(&self, log: &'a ChangeLog, skip: usize, take: usize) -> Vec<Entry<'a>> {
        let mut out = Vec::with_capacity(take);
        let mut skip = skip;
        for g in self.groups.iter().rev() {
            if out.len() == take {
                break;
            }
            let shown = g.shown();
            if skip >= shown {
                skip -= shown;
                continue;
            }
            if g.count >= BURST_MIN {
                if let Some(newest) = log.get(g.newest)
                    && let Some((kind, place, _)) = place(newest)
                {
                    out.push(Entry::Burst {
                        newest,
                        count: g.count,
                        span_s: g.last_at - g.first_at,
                        kind,
                        place,
                    });
                }
            } else {
                let members = &g.members[..g.count as usize];
                for m in members.iter().rev().skip(skip) {
                    if out.len() < take
                        && let Some(c) = log.get(*m)
                    {
                        out.push(Entry::One(c));
                    }
                }
            }
            skip = 0;
        }
        out
    }

    /// The line at `index` from the newest.
    pub fn at<'a>(&self, log: &'a ChangeLog, index: usize) -> Option<Entry<'a>> {
        self.window(log, index, 1).pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RowId, Scope};
    use jiff::Timestamp;

    fn failed(name: &str, ns: &str, second: i64) -> Change {
        Change {
            at: Timestamp::from_second(1_800_000_000 + second).unwrap(),
            source: "prod-cluster".into(),
            subject: Subject::Row(RowId::new(
                Kind::HelmRelease,
                Scope::kube("prod-cluster", ns),
                name,
            )),
            from: Some(Health::Healthy),
            to: Some(Health::Failed),
            note: "UpgradeFailed".into(),
        }
    }

    fn log_of(changes: &[Change]) -> ChangeLog {
        let mut log = ChangeLog::default();
        for c in changes {
            log.push(c.clone());
        }
        log
    }

    /// Oldest first: one of numen-games two minutes before, one elsewhere, then four releases
    /// of numen-games failing within 40 s.
    fn night() -> Vec<Change> {
        vec![
            failed("f", "numen-games", -30),
            failed("e", "numinia", 55),
            failed("d", "numen-games", 60),
            failed("c", "numen-games", 70),
            failed("b", "numen-games", 90),
            failed("a", "numen-games", 100),
        ]
    }

    #[test]
    fn alike_changes_within_a_minute_fold_into_a_burst() {
        let changes = night();
        let log = log_of(&changes);
        let folded = Folded::new("", &log);
        assert_eq!(folded.len(), 3);
        let lines = folded.window(&log, 0, 10);
        let Entry::Burst {
            count,
            span_s,
            kind,
            place,
            newest,
        } = &lines[0]
        else {
            panic!("a burst first")
        };
        assert_eq!((*count, *span_s, *kind), (4, 40, Kind::HelmRelease));
        assert_eq!((place.as_str(), newest.at), ("numen-games", changes[5].at));
        assert!(matches!(lines[1], Entry::One(c) if c == &changes[1]));
        assert!(matches!(lines[2], Entry::One(c) if c == &changes[0]));
        // Two alike are not a burst.
        let two = log_of(&changes[2..4]);
        assert_eq!(Folded::new("", &two).len(), 2);
    }

    #[test]
    fn changes_arriving_one_by_one_fold_as_if_read_at_once() {
        let changes = night();
        let mut log = ChangeLog::default();
        let mut folded = Folded::new("", &log);
        for c in &changes {
            log.push(c.clone());
            assert!(folded.update(&log));
        }
        let at_once = Folded::new("", &log);
        let ats = |f: &Folded| -> Vec<_> { f.window(&log, 0, 10).iter().map(Entry::at).collect() };
        assert_eq!(folded.len(), at_once.len());
        assert_eq!(ats(&folded), ats(&at_once));
        // A window further down, and one line picked.
        assert_eq!(folded.window(&log, 1, 10).len(), 2);
        assert!(matches!(folded.at(&log, 2), Some(Entry::One(c)) if c == &changes[0]));
    }

    #[test]
    fn a_filter_keeps_what_it_matches_and_a_late_change_asks_for_a_new_read() {
        let changes = night();
        let mut log = log_of(&changes);
        let folded = Folded::new("numinia", &log);
        assert_eq!(folded.len(), 1);
        // What the line shows, across two fields.
        assert_eq!(Folded::new("numinia/e", &log).len(), 1);
        assert_eq!(Folded::new("healthy → failed", &log).len(), 3);
        assert!(folded.filtered_by("numinia") && !folded.filtered_by(""));
        let mut folded = Folded::new("", &log);
        log.push(failed("late", "numinia", 0));
        assert!(!folded.update(&log), "went in before the newest");
    }

    #[test]
    fn the_minutes_count_what_the_filter_lets_through() {
        let changes = night();
        let log = log_of(&changes);
        let now = changes.iter().map(|c| c.at).max().unwrap();
        let all: u64 = Folded::new("", &log).per_minute(now, 60).iter().sum();
        assert_eq!(all, changes.len() as u64);
        let numinia = Folded::new("numinia", &log).per_minute(now, 60);
        assert_eq!(numinia.iter().sum::<u64>(), 1, "{numinia:?}");
        assert_eq!(numinia.len(), 60);
        // An hour later, none of them is in the last hour.
        let later = now + jiff::SignedDuration::from_hours(1);
        assert_eq!(
            Folded::new("", &log)
                .per_minute(later, 60)
                .iter()
                .sum::<u64>(),
            0
        );
    }
}
