//! A table view over the fleet: which rows a pane shows (one kind, or the problems of all
//! kinds), filtered and sorted, with a cursor that stays on the same row when rows update.

use jiff::Timestamp;

use super::fleet::{Fleet, RowKey};
use crate::model::kinds::{self, default_sort_column};
use crate::model::row::human_duration;
use crate::model::{Cell, ColumnSpec, Kind, Row, RowId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewSource {
    Kind(Kind),
    /// Every row that is not healthy, across kinds.
    Problems,
}

/// The `/` filter: terms separated by spaces, all of which must match; each a case-insensitive
/// regex, or a substring when it is not one; a leading `!` inverts the whole.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    raw: String,
    /// Each whitespace-separated term: all must match, each in some field.
    terms: Vec<Term>,
    inverted: bool,
}

/// One term of a filter: lower-cased text, and the same as a case-insensitive regex when it has
/// a regex's characters and is one (`prod.*func`, `^hyperfy2-(world|lab)$`); a substring
/// otherwise (`a.b(` still finds itself).
#[derive(Clone, Debug)]
struct Term {
    needle: String,
    pattern: Option<regex::Regex>,
}

impl Term {
    fn parse(text: &str) -> Term {
        let special = |c: char| "\\.+*?()|[]{}^$".contains(c);
        let pattern = text
            .contains(special)
            .then(|| {
                regex::RegexBuilder::new(text)
                    .case_insensitive(true)
                    // A pasted pattern cannot cost more than a small automaton.
                    .size_limit(1 << 20)
                    .build()
                    .ok()
            })
            .flatten();
        Term {
            needle: text.to_ascii_lowercase(),
            pattern,
        }
    }

    fn hits(&self, hay: &str) -> bool {
        match &self.pattern {
            Some(re) => re.is_match(hay),
            None => contains_ignore_case(hay, &self.needle),
        }
    }
}

impl PartialEq for Filter {
    fn eq(&self, other: &Filter) -> bool {
        self.raw == other.raw
    }
}

impl Eq for Filter {}

impl Filter {
    pub fn parse(raw: &str) -> Filter {
        let (inverted, needle) = match raw.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        Filter {
            raw: raw.to_string(),
            terms: needle.split_whitespace().map(Term::parse).collect(),
            inverted,
        }
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether the row matches: each term in its name, scope, health, reason or kind, or in a
    /// cell its table shows (`cells`, made only when a term found none of those).
    pub fn matches<I: IntoIterator<Item = String>>(
        &self,
        row: &Row,
        cells: impl FnOnce() -> I,
    ) -> bool {
        if self.terms.is_empty() {
            return true;
        }
        let s = &row.id.scope;
        let fields = [
            row.id.name.as_str(),
            s.namespace(),
            s.context(),
            s.account(),
            s.region(),
            row.health.as_str(),
            row.reason.as_str(),
            row.kind().short(),
        ];
        let in_fields = |t: &Term| fields.iter().any(|f| t.hits(f));
        let hit = self.terms.iter().all(in_fields) || {
            let cells: Vec<String> = cells().into_iter().collect();
            self.terms
                .iter()
                .all(|t| in_fields(t) || cells.iter().any(|c| t.hits(c)))
        };
        hit != self.inverted
    }

    /// Whether every term is found in one of `fields` (the timeline's lines, which are no rows).
    pub fn matches_text<S: AsRef<str>>(&self, fields: &[S]) -> bool {
        let hit = self
            .terms
            .iter()
            .all(|t| fields.iter().any(|f| t.hits(f.as_ref())));
        hit != self.inverted
    }
}

/// Substring test without allocating; `needle` is already lower case.
fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub descending: bool,
}

const PROBLEM_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        title: "KIND",
        width: 7,
    },
    ColumnSpec {
        title: "SCOPE",
        width: 36,
    },
    ColumnSpec {
        title: "NAME",
        width: 30,
    },
    ColumnSpec {
        title: "HEALTH",
        width: 11,
    },
    ColumnSpec {
        title: "AGE",
        width: 5,
    },
    ColumnSpec {
        title: "REASON",
        width: 60,
    },
];

/// The order of two rows under a sort: by the column's cell, then by id (unique).
fn order(sort: Sort, a: (&Cell, &RowId), b: (&Cell, &RowId)) -> std::cmp::Ordering {
    let ord = a.0.cmp_for_sort(b.0);
    let ord = if sort.descending { ord.reverse() } else { ord };
    ord.then_with(|| a.1.cmp(b.1))
}

fn problem_cell(row: &Row, col: usize, now: Timestamp) -> Cell {
    match col {
        0 => Cell::text(row.kind().short()),
        1 => Cell::text(row.id.scope.label()),
        2 => Cell::text(row.id.name.clone()),
        3 => Cell::number(row.health.severity() as i64, row.health.as_str()),
        4 => {
            let age = now.as_second() - row.updated_at.as_second();
            Cell::number(age, human_duration(age))
        }
        _ => Cell::text(row.reason.clone()),
    }
}

/// Where every pane looks (`:ctx NAME`, `:ns NAME`, `0` for everywhere), as k9s scopes its
/// views: a row with a context or a namespace shows only when it is the one scoped to; a row
/// without one (an RDS instance has no namespace) is not hidden by it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scoping {
    pub context: Option<String>,
    pub namespace: Option<String>,
}

impl Scoping {
    pub fn is_everywhere(&self) -> bool {
        self.context.is_none() && self.namespace.is_none()
    }

    pub fn admits(&self, row: &Row) -> bool {
        let s = &row.id.scope;
        let fits = |wanted: &Option<String>, has: &Option<String>| match (wanted, has) {
            (Some(w), Some(h)) => w == h,
            _ => true,
        };
        fits(&self.context, &s.context) && fits(&self.namespace, &s.namespace)
    }

    /// "ctx prod-cluster · ns numinia", for the header; empty when everywhere.
    pub fn label(&self) -> String {
        let parts: Vec<String> = [("ctx", &self.context), ("ns", &self.namespace)]
            .into_iter()
            .filter_map(|(what, v)| v.as_ref().map(|v| format!("{what} {v}")))
            .collect();
        parts.join(" · ")
    }
}

pub struct TableView {
    pub source: ViewSource,
    filter: Filter,
    scoping: Scoping,
    /// `None`: the source's natural order (by name; certificates by expiry; problems worst first).
    sort: Option<Sort>,
    keys: Vec<RowKey>,
    cursor: usize,
    selected: Option<RowId>,
    built_from: Option<u64>,
    /// Every row of the source in sort order, unfiltered: a filter keystroke only re-filters it.
    sorted: Vec<RowKey>,
    sorted_from: Option<(u64, Option<Sort>)>,
    /// First row on screen; kept so the cursor moves within the page before the page scrolls.
    offset: usize,
}

impl TableView {
    pub fn new(source: ViewSource) -> TableView {
        TableView {
            source,
            filter: Filter::default(),
            scoping: Scoping::default(),
            sort: None,
            keys: Vec::new(),
            cursor: 0,
            selected: None,
            built_from: None,
            sorted: Vec::new(),
            sorted_from: None,
            offset: 0,
        }
    }

    pub fn columns(&self) -> Vec<ColumnSpec> {
        match self.source {
            ViewSource::Kind(k) => kinds::columns(k),
            ViewSource::Problems => PROBLEM_COLUMNS.to_vec(),
        }
    }

    pub fn cell(&self, row: &Row, col: usize, now: Timestamp) -> Cell {
        match self.source {
            ViewSource::Kind(_) => row.facts.cell(row, col, now),
            ViewSource::Problems => problem_cell(row, col, now),
        }
    }

    pub fn title(&self) -> &'static str {
        match self.source {
            ViewSource::Kind(k) => k.title(),
            ViewSource::Problems => "Problems",
        }
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    pub fn set_filter(&mut self, raw: &str) {
        let f = Filter::parse(raw);
        if f != self.filter {
            self.filter = f;
            self.built_from = None;
        }
    }

    /// The effective sort: the chosen one or the source's default.
    pub fn sort(&self) -> Option<Sort> {
        self.sort.or(match self.source {
            ViewSource::Kind(k) => Some(Sort {
                column: default_sort_column(k),
                descending: false,
            }),
            ViewSource::Problems => None,
        })
    }

    /// `s`: sort by the next column (after the last one, back to the natural order).
    pub fn cycle_sort(&mut self) {
        let n = self.columns().len();
        self.sort = match self.sort {
            None => Some(Sort {
                column: match self.sort() {
                    Some(s) => (s.column + 1) % n,
                    None => 0,
                },
                descending: false,
            }),
            Some(s) if s.column + 1 < n => Some(Sort {
                column: s.column + 1,
                descending: false,
            }),
            Some(_) => None,
        };
        self.built_from = None;
    }

    /// `S`: reverse the current sort.
    /// Looks only where `scoping` says (`:ctx`, `:ns`, `0`).
    pub fn set_scoping(&mut self, scoping: &Scoping) {
        if self.scoping != *scoping {
            self.scoping = scoping.clone();
            self.built_from = None;
        }
    }

    /// `Shift-letter`: sort by `column`, ascending; if it already is the sort, reverse it.
    pub fn sort_by(&mut self, column: usize) {
        self.sort = Some(match self.sort() {
            Some(s) if s.column == column => Sort {
                column,
                descending: !s.descending,
            },
            _ => Sort {
                column,
                descending: false,
            },
        });
        self.built_from = None;
    }

    pub fn reverse_sort(&mut self) {
        let current = self.sort().unwrap_or(Sort {
            column: 3,
            descending: true,
        });
        self.sort = Some(Sort {
            descending: !current.descending,
            ..current
        });
        self.built_from = None;
    }

    /// Rebuilds the row list if the fleet, the filter or the sort changed since the last build.
    /// Cheap when nothing did; a new filter alone does not sort again.
    pub fn refresh(&mut self, fleet: &Fleet, now: Timestamp) {
        let generation = fleet.generation();
        if self.built_from == Some(generation) {
            return;
        }
        self.built_from = Some(generation);
        let sort = self.sort();
        if self.sorted_from != Some((generation, sort)) {
            match self.few_changes(fleet, sort) {
                Some((changed, sort)) => self.move_changed(fleet, &changed, sort, now),
                None => self.sorted = self.sorted_keys(fleet, sort, now),
            }
            self.sorted_from = Some((generation, sort));
        }
        self.keys = if self.filter.is_empty() && self.scoping.is_everywhere() {
            self.sorted.clone()
        } else {
            // The columns the row's own fields do not already say, searched only when those fail.
            let own = |t: &str| {
                matches!(
                    t,
                    "NAME"
                        | "NAMESPACE"
                        | "CONTEXT"
                        | "ACCOUNT"
                        | "REGION"
                        | "HEALTH"
                        | "REASON"
                        | "SCOPE"
                        | "KIND"
                )
            };
            let extra: Vec<usize> = (self.columns().iter().enumerate())
                .filter(|(_, c)| !own(c.title))
                .map(|(i, _)| i)
                .collect();
            self.sorted
                .iter()
                .copied()
                .filter(|k| {
                    fleet.get(*k).is_some_and(|r| {
                        let cells = || extra.iter().map(|&i| self.cell(r, i, now).text);
                        self.scoping.admits(r) && self.filter.matches(r, cells)
                    })
                })
                .collect()
        };
        self.reselect(fleet);
    }

    fn sorted_keys(&self, fleet: &Fleet, sort: Option<Sort>, now: Timestamp) -> Vec<RowKey> {
        let keys: Vec<RowKey> = match self.source {
            ViewSource::Kind(k) => fleet.keys_of(k).collect(),
            ViewSource::Problems => fleet.problems(),
        };
        let Some(sort) = sort else { return keys };
        // Each row's cell is made once, and ties are broken by id: unique, so an unstable sort
        // gives the same order every time.
        let mut cells: Vec<(Cell, &RowId, RowKey)> = keys
            .iter()
            .filter_map(|k| {
                fleet
                    .get(*k)
                    .map(|r| (self.cell(r, sort.column, now), &r.id, *k))
            })
            .collect();
        cells.sort_unstable_by(|(a, ia, _), (b, ib, _)| order(sort, (a, ia), (b, ib)));
        cells.into_iter().map(|(_, _, k)| k).collect()
    }

    /// The rows changed since the last sort, when they are few enough to move one by one
    /// (a kind's table, same sort): a storm of watch events then costs each frame a few
    /// binary searches, not a sort of 40,000 rows.
    fn few_changes(&self, fleet: &Fleet, sort: Option<Sort>) -> Option<(Vec<RowKey>, Sort)> {
        let (ViewSource::Kind(_), Some((from, sorted_by)), Some(sort)) =
            (self.source, self.sorted_from, sort)
        else {
            return None;
        };
        if sorted_by != Some(sort) {
            return None;
        }
        let changed = fleet.changed_since(from)?;
        (changed.len() * 16 <= self.sorted.len()).then_some((changed, sort))
    }

    /// Takes the changed rows out of the sorted list and puts back those still of this kind,
    /// each where the sort wants it.
    fn move_changed(&mut self, fleet: &Fleet, changed: &[RowKey], sort: Sort, now: Timestamp) {
        let ViewSource::Kind(kind) = self.source else {
            return;
        };
        let changed: std::collections::HashSet<RowKey> = changed.iter().copied().collect();
        self.sorted.retain(|k| !changed.contains(k));
        for key in changed {
            let Some(row) = fleet.get(key).filter(|r| r.kind() == kind) else {
                continue;
            };
            let cell = self.cell(row, sort.column, now);
            let at = self.sorted.partition_point(|k| {
                let other = fleet.get(*k).expect("sorted rows exist");
                let other_cell = self.cell(other, sort.column, now);
                order(sort, (&other_cell, &other.id), (&cell, &row.id)).is_lt()
            });
            self.sorted.insert(at, key);
        }
    }

    /// Puts the cursor back on the selected row; if it is gone, keeps the cursor's position.
    fn reselect(&mut self, fleet: &Fleet) {
        let found = self.selected.as_ref().and_then(|id| {
            let key = fleet.key_of(id)?;
            self.keys.iter().position(|k| *k == key)
        });
        self.cursor = match found {
            Some(i) => i,
            None => self.cursor.min(self.keys.len().saturating_sub(1)),
        };
        self.selected = self
            .selected_key()
            .and_then(|k| fleet.get(k))
            .map(|r| r.id.clone());
    }

    pub fn keys(&self) -> &[RowKey] {
        &self.keys
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn selected_key(&self) -> Option<RowKey> {
        self.keys.get(self.cursor).copied()
    }

    pub fn selected_id(&self) -> Option<&RowId> {
        self.selected.as_ref()
    }

    /// The rows to draw in `height` lines, scrolled so the cursor is visible.
    pub fn window(&mut self, height: usize) -> std::ops::Range<usize> {
        if height == 0 {
            return 0..0;
        }
        if self.cursor < self.offset {
            self.offset = self.cursor;
        }
        if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
        self.offset = self.offset.min(self.keys.len().saturating_sub(height));
        self.offset..(self.offset + height).min(self.keys.len())
    }

    pub fn move_by(&mut self, fleet: &Fleet, delta: i64) {
        if self.keys.is_empty() {
            return;
        }
        let last = self.keys.len() as i64 - 1;
        self.select_index(fleet, (self.cursor as i64 + delta).clamp(0, last) as usize);
    }

    pub fn to_top(&mut self, fleet: &Fleet) {
        self.select_index(fleet, 0);
    }

    pub fn to_bottom(&mut self, fleet: &Fleet) {
        self.select_index(fleet, self.keys.len().saturating_sub(1));
    }

    fn select_index(&mut self, fleet: &Fleet, i: usize) {
        self.cursor = i;
        self.selected = self
            .selected_key()
            .and_then(|k| fleet.get(k))
            .map(|r| r.id.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_is_case_insensitive_and_invertible() {
        assert!(contains_ignore_case("phenom-prod-cluster", "prod"));
        assert!(contains_ignore_case("Phenom", "phen"));
        assert!(!contains_ignore_case("ph", "phenom"));
        let f = Filter::parse("!PHENOM");
        assert_eq!(f.raw(), "!PHENOM");
        assert!(f.inverted);
        assert_eq!(f.terms[0].needle, "phenom");
        assert!(Filter::parse("!").is_empty());
    }

    #[test]
    fn terms_are_regexes_or_substrings_and_all_must_match() {
        let t = Term::parse("prod.*func");
        assert!(t.pattern.is_some() && t.hits("phenom-PROD-cluster/functions"));
        // Not a regex (an open parenthesis): the text itself.
        let t = Term::parse("a.b(");
        assert!(t.pattern.is_none() && t.hits("x a.b( y") && !t.hits("axb("));
        let f = Filter::parse("deployment/ numen");
        assert_eq!(f.terms.len(), 2);
    }
}
