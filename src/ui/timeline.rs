//! `:timeline`: what changed, across every source, newest first (the store's change log): a
//! line per change (time, source, kind, name, from → to, reason), bursts folded into one line
//! ("12 HelmReleases in numen-games → failed within 40 s"), a sparkline of changes per minute
//! over the last hour on top. `j`/`k` pick a line, Enter opens its row (a burst: its pane,
//! filtered to where it happened), `/` filters, `m` marks "the incident started here" (the
//! header then counts the time since), Esc closes it. It reads the log as it is at each frame.

use crossterm::event::{KeyCode, KeyEvent};
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Sparkline};

use super::component::{Component, Ctx, Effect, Overlay, Regions};
use super::keymap::{Action, action_for};
use super::pane::Pane;
use crate::model::{Health, Kind};
use crate::store::changes::{Change, Subject};
use crate::store::view::Filter;

/// Changes of one kind, in one place, to one health, within this many seconds of the newest
/// make a burst.
const BURST_WINDOW_S: i64 = 60;
/// The fewest changes a burst folds.
const BURST_MIN: usize = 3;

/// A line of the timeline: one change, or a burst of alike ones.
pub enum Entry<'a> {
    One(&'a Change),
    Burst {
        newest: &'a Change,
        count: usize,
        span_s: i64,
        kind: Kind,
        place: String,
    },
}

impl Entry<'_> {
    fn at(&self) -> Timestamp {
        match self {
            Entry::One(c) | Entry::Burst { newest: c, .. } => c.at,
        }
    }
}

/// Where a row's change happened, for bursts: its namespace in its context, or its account and
/// region.
fn place(change: &Change) -> Option<(Kind, String, Option<Health>)> {
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

/// The log as lines, newest first, bursts folded.
pub fn entries<'a>(changes: impl Iterator<Item = &'a Change>) -> Vec<Entry<'a>> {
    let changes: Vec<&Change> = changes.collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < changes.len() {
        let head = changes[i];
        let mut j = i + 1;
        if let Some(key) = place(head) {
            while j < changes.len()
                && place(changes[j]).as_ref() == Some(&key)
                && head.at.as_second() - changes[j].at.as_second() <= BURST_WINDOW_S
            {
                j += 1;
            }
            if j - i >= BURST_MIN {
                out.push(Entry::Burst {
                    newest: head,
                    count: j - i,
                    span_s: head.at.as_second() - changes[j - 1].at.as_second(),
                    kind: key.0,
                    place: key.1,
                });
                i = j;
                continue;
            }
        }
        out.push(Entry::One(head));
        i += 1;
    }
    out
}

/// The words a change is found by (`/`): its source, kind, name, place, healths and note.
fn words(change: &Change) -> [String; 4] {
    let (kind, name) = change.label();
    let healths = [change.from, change.to]
        .map(|h| h.map_or("gone", Health::as_str))
        .join(" ");
    [
        change.source.to_string(),
        format!("{kind} {name}"),
        healths,
        change.note.clone(),
    ]
}

#[derive(Default)]
pub struct TimelineView {
    /// The line picked, counted from the newest.
    pub cursor: usize,
    /// The lines scrolled past.
    scroll: std::cell::Cell<usize>,
    pub filter: String,
    /// How many lines the last frame listed (keys stop at the last).
    shown: std::cell::Cell<usize>,
}

impl TimelineView {
    /// The log's lines the filter lets through, newest first.
    fn lines<'a>(&self, ctx: &'a Ctx) -> Vec<Entry<'a>> {
        let filter = Filter::parse(&self.filter);
        let changes = ctx
            .fleet
            .timeline()
            .newest_first()
            .filter(|c| filter.is_empty() || filter.matches_text(&words(c)));
        entries(changes)
    }
}

impl Component for TimelineView {
    fn key(&mut self, ev: KeyEvent, ctx: &Ctx) -> Effect {
        if ev.code == KeyCode::Char('m') {
            let lines = self.lines(ctx);
            return match lines.get(self.cursor) {
                Some(entry) => Effect::MarkIncident(entry.at()),
                None => Effect::None,
            };
        }
        let Some(action) = action_for(&ev) else {
            return Effect::None;
        };
        let last = self.shown.get().saturating_sub(1);
        match action {
            Action::Down => self.cursor = (self.cursor + 1).min(last),
            Action::Up => self.cursor = self.cursor.saturating_sub(1),
            Action::PageDown => self.cursor = (self.cursor + 10).min(last),
            Action::PageUp => self.cursor = self.cursor.saturating_sub(10),
            Action::Top => self.cursor = 0,
            Action::Bottom => self.cursor = last,
            // Esc clears a kept filter first, as on a table.
            Action::Back if !self.filter.is_empty() => {
                self.filter.clear();
                self.cursor = 0;
            }
            Action::Filter => return Effect::Open(Overlay::Filter),
            // What Enter opens lies below the timeline in the stack: the app puts the timeline
            // aside while it is open (`back.rs`).
            Action::Open => {
                let lines = self.lines(ctx);
                let open = match lines.get(self.cursor) {
                    Some(Entry::One(c)) => match &c.subject {
                        Subject::Row(id) if ctx.fleet.row(id).is_some() => {
                            Effect::OpenDetail(id.clone())
                        }
                        Subject::Row(id) => {
                            Effect::OpenPaneFiltered(Pane::Kind(id.kind), format!("^{}$", id.name))
                        }
                        Subject::Source(_) => Effect::close_then(Effect::Open(Overlay::Sources)),
                        Subject::Runbook { .. } => {
                            Effect::close_then(Effect::Open(Overlay::Runbooks))
                        }
                        // A pod's, a node's: opsdeck has no row to open.
                        Subject::Object { .. } => return Effect::None,
                    },
                    Some(Entry::Burst { kind, place, .. }) => {
                        Effect::OpenPaneFiltered(Pane::Kind(*kind), format!("^{place}$"))
                    }
                    None => return Effect::None,
                };
                // The app parks the timeline, so Esc from what opens comes back to it.
                return open;
            }
            other => return Effect::common(other).unwrap_or(Effect::None),
        }
        Effect::None
    }

    fn draw(&self, f: &mut Frame, regions: Regions, ctx: &Ctx) {
        let lines = self.lines(ctx);
        self.shown.set(lines.len());
        let (t, area) = (ctx.theme, regions.body);
        f.render_widget(Clear, area);
        let total = ctx.fleet.timeline().len();
        let filtered = if self.filter.is_empty() {
            String::new()
        } else {
            format!(" /{}", self.filter)
        };
        let title = format!(
            " Timeline [{}/{total}]{filtered} — Enter opens, m marks the incident's start, / filters, Esc closes ",
            lines.len()
        );
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(t.accent))
            .title(Span::styled(title, t.title()))
            .style(t.base());
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [spark, list] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(inner);
        let per_minute = per_minute(ctx);
        let busiest = per_minute.iter().max().copied().unwrap_or(0);
        f.render_widget(
            Sparkline::default()
                .block(Block::default().title(Span::styled(
                    format!(" changes a minute, last hour (busiest: {busiest}) "),
                    t.dim(),
                )))
                .data(&per_minute)
                .style(Style::default().fg(t.accent)),
            spark,
        );
        let room = list.height as usize;
        let cursor = self.cursor.min(lines.len().saturating_sub(1));
        let mut scroll = self.scroll.get().min(cursor);
        if cursor >= scroll + room {
            scroll = cursor + 1 - room;
        }
        self.scroll.set(scroll);
        let shown: Vec<Line> = lines
            .iter()
            .enumerate()
            .skip(scroll)
            .take(room)
            .map(|(i, e)| line(ctx, e, i == cursor, list.width))
            .collect();
        let shown = if shown.is_empty() {
            vec![Line::from(Span::styled(
                "  nothing changed yet (health transitions, sources dropping out, your writes and runbook steps show here)",
                t.dim(),
            ))]
        } else {
            shown
        };
        f.render_widget(Paragraph::new(shown), list);
    }
}

/// Changes a minute over the last hour, oldest first.
fn per_minute(ctx: &Ctx) -> Vec<u64> {
    let mut buckets = vec![0u64; 60];
    let now = ctx.now.as_second();
    for c in ctx.fleet.timeline().newest_first() {
        let ago = (now - c.at.as_second()) / 60;
        if ago >= 60 {
            break;
        }
        if ago >= 0 {
            buckets[59 - ago as usize] += 1;
        }
    }
    buckets
}

/// One line: time, source, kind, name, from → to, note.
/// On a narrow terminal the source and the name give up room (cut with `…` in the middle) so
/// that the from → to and the start of the reason still show.
fn line<'a>(ctx: &Ctx, entry: &Entry, selected: bool, width: u16) -> Line<'a> {
    use super::fit::cut;
    use crate::model::column::Priority;
    let source_w = if width >= 150 { 26 } else { 14 };
    // Time 10, kind 8, from → to about 24, and some of the reason.
    let name_w = width
        .saturating_sub(1 + 10 + source_w + 1 + 8 + 24 + 16)
        .clamp(16, 44);
    let t = ctx.theme;
    let mark = if selected { "▌" } else { " " };
    let time = |at: Timestamp| at.strftime("%H:%M:%S").to_string();
    let health = |h: Option<Health>| match h {
        Some(h) => Span::styled(h.as_str().to_string(), t.health_style(h)),
        None => Span::styled("gone".to_string(), t.dim()),
    };
    let mut spans = vec![Span::styled(
        mark.to_string(),
        Style::default().fg(t.accent),
    )];
    match entry {
        Entry::Burst {
            newest,
            count,
            span_s,
            kind,
            place,
        } => {
            spans.push(Span::raw(format!("{}  ", time(newest.at))));
            spans.push(Span::styled(
                format!("{count} {} in {place} → ", kind.title()),
                Style::default().fg(t.fg),
            ));
            spans.push(health(newest.to));
            spans.push(Span::styled(
                format!(" within {span_s} s (Enter: the pane, there)"),
                t.dim(),
            ));
        }
        Entry::One(c) => {
            let (kind, name) = c.label();
            let pad = |text: String, w: u16| {
                let text = cut(&text, w, Priority::Identity);
                let room = w.saturating_sub(super::fit::text_width(&text)) as usize;
                format!("{text}{} ", " ".repeat(room))
            };
            // What opsdeck did reads by its note: the name takes no more than it needs.
            let name = if c.is_transition() {
                pad(name, name_w)
            } else {
                format!("{} ", cut(&name, name_w, Priority::Identity))
            };
            spans.push(Span::raw(format!(
                "{}  {}{:<7} {name}",
                time(c.at),
                pad(c.source.to_string(), source_w),
                kind,
            )));
            if c.is_transition() {
                spans.push(health(c.from));
                spans.push(Span::raw(" → "));
                spans.push(health(c.to));
                spans.push(Span::raw("  "));
            }
            spans.push(Span::styled(c.note.clone(), t.dim()));
        }
    }
    let line = Line::from(spans);
    if selected {
        line.style(t.selection())
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RowId, Scope};

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

    #[test]
    fn alike_changes_within_a_minute_fold_into_a_burst() {
        // Newest first: four releases of numen-games failing within 40 s, then one elsewhere,
        // then one of numen-games two minutes before (too long ago to join the burst).
        let changes = [
            failed("a", "numen-games", 100),
            failed("b", "numen-games", 90),
            failed("c", "numen-games", 70),
            failed("d", "numen-games", 60),
            failed("e", "numinia", 55),
            failed("f", "numen-games", -30),
        ];
        let lines = entries(changes.iter());
        assert_eq!(lines.len(), 3);
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
        assert_eq!((place.as_str(), newest.at), ("numen-games", changes[0].at));
        assert!(matches!(lines[1], Entry::One(c) if c == &changes[4]));
        assert!(matches!(lines[2], Entry::One(c) if c == &changes[5]));
        // Two alike are not a burst.
        assert_eq!(entries(changes[..2].iter()).len(), 2);
    }
}
