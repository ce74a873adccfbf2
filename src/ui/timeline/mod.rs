//! `:timeline`: what changed, across every source, newest first (the store's change log): a
//! line per change (time, source, kind, name, from → to, reason), bursts folded into one line
//! ("12 HelmReleases in numen-games → failed within 40 s"), a sparkline of changes per minute
//! over the last hour on top. `j`/`k` pick a line, Enter opens its row (a burst: its pane,
//! filtered to where it happened), `/` filters, `m` marks "the incident started here" (the
//! header then counts the time since), Esc closes it. It keeps its folded lines between frames
//! (`folded.rs`) and draws those on screen.

mod folded;

use std::cell::RefCell;

pub use folded::Entry;
use folded::Folded;

use crossterm::event::{KeyCode, KeyEvent};
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Sparkline};

use super::component::{Component, Ctx, Effect, Message, Overlay, Regions};
use super::keymap::{Action, action_for};
use super::pane::Pane;
use crate::model::Health;
use crate::store::changes::{ChangeLog, Subject};

#[derive(Default)]
pub struct TimelineView {
    /// The line picked, counted from the newest.
    pub cursor: usize,
    /// The lines scrolled past.
    scroll: std::cell::Cell<usize>,
    pub filter: String,
    /// How many lines the last frame listed (keys stop at the last).
    shown: std::cell::Cell<usize>,
    /// The cursor, as the frame moved it to stay on its change while new ones came on top.
    followed: std::cell::Cell<Option<usize>>,
    /// The lines, folded, kept up to the log between frames.
    folded: RefCell<Option<Folded>>,
}

impl TimelineView {
    /// The lines the filter lets through, up to date with the log.
    fn lines<R>(&self, log: &ChangeLog, read: impl FnOnce(&Folded) -> R) -> R {
        let mut folded = self.folded.borrow_mut();
        let fresh = match folded.as_mut() {
            Some(f) => f.filtered_by(&self.filter) && f.update(log),
            None => false,
        };
        if !fresh {
            *folded = Some(Folded::new(&self.filter, log));
        }
        read(folded.as_ref().expect("just folded"))
    }

    /// The line at `index` from the newest.
    fn line_at<'a>(&self, log: &'a ChangeLog, index: usize) -> Option<Entry<'a>> {
        self.lines(log, |f| f.at(log, index))
    }
}

impl Component for TimelineView {
    fn key(&mut self, ev: KeyEvent, ctx: &Ctx) -> Effect {
        let log = ctx.fleet.timeline();
        if let Some(cursor) = self.followed.take() {
            self.cursor = cursor;
        }
        if ev.code == KeyCode::Char('m') {
            return match self.line_at(log, self.cursor) {
                Some(entry) => Effect::MarkIncident(Some(entry.at())),
                None => Effect::None,
            };
        }
        if ev.code == KeyCode::Char('M') {
            return Effect::MarkIncident(None);
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
                let open = match self.line_at(log, self.cursor) {
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
                        Subject::Object { kind, .. } => {
                            return Effect::Say(Message::info(format!(
                                "opsdeck has no row for a {kind}: its workload's detail lists its pods (p) and their events"
                            )));
                        }
                    },
                    Some(Entry::Burst { kind, place, .. }) => {
                        Effect::OpenPaneFiltered(Pane::Kind(kind), format!("^{place}$"))
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
        let log = ctx.fleet.timeline();
        let count = self.lines(log, Folded::len);
        // New changes come on top: a cursor away from the top stays on the change it was on.
        let before = self.shown.replace(count);
        let mut cursor = self.followed.get().unwrap_or(self.cursor);
        if cursor > 0 && count > before && before > 0 {
            cursor += count - before;
            self.followed.set(Some(cursor));
        }
        let (t, area) = (ctx.theme, regions.body);
        f.render_widget(Clear, area);
        let total = log.len();
        let filtered = if self.filter.is_empty() {
            String::new()
        } else {
            format!(" /{}", self.filter)
        };
        let title = format!(
            " Timeline [{count}/{total}]{filtered} — Enter opens, m marks the incident's start (M clears), / filters, Esc closes "
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
        // A bar a minute, the newest at the right: a pane narrower than an hour shows the
        // newest minutes it has room for.
        let minutes = usize::from(spark.width).clamp(1, 60);
        let per_minute = self.lines(log, |folded| folded.per_minute(ctx.now, minutes));
        let busiest = per_minute.iter().max().copied().unwrap_or(0);
        let of = if self.filter.is_empty() {
            String::new()
        } else {
            format!(", matching /{}", self.filter)
        };
        let span = if minutes == 60 {
            "last hour".to_string()
        } else {
            format!("last {minutes} min")
        };
        f.render_widget(
            Sparkline::default()
                .block(Block::default().title(Span::styled(
                    format!(" changes a minute, {span}{of} (busiest: {busiest}) "),
                    t.dim(),
                )))
                .data(&per_minute)
                .style(Style::default().fg(t.accent)),
            spark,
        );
        let room = list.height as usize;
        let cursor = cursor.min(count.saturating_sub(1));
        let mut scroll = self.scroll.get().min(cursor);
        if cursor >= scroll + room {
            scroll = cursor + 1 - room;
        }
        self.scroll.set(scroll);
        let shown: Vec<Line> = self.lines(log, |folded| {
            folded
                .window(log, scroll, room)
                .iter()
                .enumerate()
                .map(|(i, e)| line(ctx, e, scroll + i == cursor, list.width))
                .collect()
        });
        let shown = if shown.is_empty() && total > 0 {
            vec![Line::from(Span::styled(
                format!(
                    "  no change of the {total} matches /{} (Esc clears it)",
                    self.filter
                ),
                t.dim(),
            ))]
        } else if shown.is_empty() {
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
