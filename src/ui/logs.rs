//! The log view: a row's pods' logs interleaved (each line prefixed with its pod and container
//! when there are several, as stern does), a pod's, or the Flux controller's lines about an
//! object. It follows the tail until you scroll up; `f` stops or resumes reading, `p` shows
//! the previous (crashed) containers, `c` picks a container, `t` how far back to start, `w`
//! wraps, `/` filters. It keeps the newest `MAX_LOG_LINES`; closing it stops the reading.

use std::collections::BTreeSet;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};
use futures_util::StreamExt;
use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::component::{Component, Ctx, Effect, Regions};
use super::keymap::{Action, action_for};
use crate::inspect::live::Live;
use crate::inspect::logs::{LogBuffer, LogEvent, LogQuery, LogStream, LogTarget, MAX_LOG_LINES};
use crate::model::Health;

/// The starting points `t` cycles through: the last lines, or this many seconds back.
const SINCE: [Option<i64>; 6] = [
    None,
    Some(60),
    Some(300),
    Some(900),
    Some(3600),
    Some(21_600),
];

/// The keys of the log view, for the help and the title.
pub const LOG_KEYS: &[(&str, &str)] = &[
    ("f", "stop or resume reading (follow)"),
    (
        "p",
        "the previous containers' logs (why they crashed), or the current ones",
    ),
    ("c", "next container (all, then each one)"),
    (
        "t",
        "start from: last 200 lines, 1 m, 5 m, 15 m, 1 h, 6 h ago",
    ),
    ("w", "wrap long lines"),
    (
        "/",
        "filter lines (Enter keeps; Esc clears, then goes back)",
    ),
    ("G / g", "newest line (follows again) / oldest kept"),
    ("Esc", "clear the filter, else back"),
];

pub struct LogView {
    pub target: LogTarget,
    pub query: LogQuery,
    /// Which run of the stream the view shows: reports of an earlier run are dropped.
    pub run: u64,
    pub buffer: LogBuffer,
    /// Lines scrolled up from the newest (0: at the bottom, following the tail).
    pub offset: usize,
    pub wrap: bool,
    /// The filter applied, and the one being typed after `/`.
    pub filter: String,
    pub typing: Option<String>,
    /// The (pod, container) pairs seen: more than one and lines are prefixed.
    pub seen: BTreeSet<(String, String)>,
    /// The stream ended (not following, or it could not go on).
    pub ended: bool,
    /// Reading was stopped with `f`.
    pub paused: bool,
    since: usize,
    live: Live,
    /// Rows the last frame had for lines: scrolling stops where the oldest line is at the top
    /// of a full screen.
    page: std::cell::Cell<usize>,
}

impl std::fmt::Debug for LogView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogView({:?}, {} lines)", self.target, self.buffer.len())
    }
}

impl LogView {
    pub fn new(target: LogTarget, query: LogQuery, run: u64, live: Live) -> LogView {
        LogView {
            target,
            query,
            run,
            buffer: LogBuffer::default(),
            offset: 0,
            wrap: false,
            filter: String::new(),
            typing: None,
            seen: BTreeSet::new(),
            ended: false,
            paused: false,
            since: 0,
            live,
            page: std::cell::Cell::new(1),
        }
    }

    /// A new run of the stream: what it read so far goes, the view stays.
    pub fn restart(&mut self, run: u64, live: Live) {
        self.run = run;
        self.live = live;
        self.buffer.clear();
        self.seen.clear();
        self.offset = 0;
        self.ended = false;
        self.paused = false;
    }

    /// A batch the stream read.
    pub fn take(&mut self, events: Vec<LogEvent>) {
        let n = events.len();
        for e in events {
            // A few pods and containers: a scan, with no key built per line.
            if let LogEvent::Line(l) = &e
                && !self
                    .seen
                    .iter()
                    .any(|(p, c)| *p == l.pod && *c == l.container)
            {
                self.seen.insert((l.pod.clone(), l.container.clone()));
            }
            self.buffer.push(e);
        }
        // Scrolled up, the lines on screen stay where they are.
        if self.offset > 0 {
            self.offset = (self.offset + n).min(self.buffer.len());
        }
    }

    pub fn end(&mut self) {
        self.ended = true;
    }

    fn matches(&self, e: &LogEvent) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let needle = self.filter.to_lowercase();
        match e {
            LogEvent::Line(l) => {
                l.text.to_lowercase().contains(&needle) || l.pod.to_lowercase().contains(&needle)
            }
            LogEvent::Note(t) | LogEvent::Error(t) => t.to_lowercase().contains(&needle),
        }
    }

    fn containers(&self) -> Vec<String> {
        let mut v: Vec<String> = self.seen.iter().map(|(_, c)| c.clone()).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The query to read again with another option: a view stopped with `f` reads once and
    /// stays stopped.
    fn read_again(&self) -> LogQuery {
        let mut q = self.query.clone();
        if self.paused {
            q.follow = false;
        }
        q
    }

    /// The furthest up the view scrolls: the oldest matching line at the top of a full page.
    fn top_offset(&self) -> usize {
        let matching = self.buffer.iter().filter(|e| self.matches(e)).count();
        matching.saturating_sub(self.page.get().max(1))
    }

    fn scroll(&mut self, delta: i64) {
        let max = self.top_offset() as i64;
        self.offset = (self.offset as i64 + delta).clamp(0, max.max(0)) as usize;
    }
}

impl Component for LogView {
    fn key(&mut self, ev: KeyEvent, _: &Ctx) -> Effect {
        if let Some(input) = self.typing.as_mut() {
            match ev.code {
                KeyCode::Esc => {
                    self.typing = None;
                    self.filter.clear();
                }
                KeyCode::Enter => self.filter = self.typing.take().unwrap_or_default(),
                KeyCode::Backspace => {
                    input.pop();
                    self.filter = input.clone();
                }
                KeyCode::Char(c) => {
                    input.push(c);
                    self.filter = input.clone();
                }
                _ => {}
            }
            return Effect::None;
        }
        match ev.code {
            KeyCode::Char('f') => {
                if self.paused || self.ended {
                    let mut q = self.query.clone();
                    q.follow = true;
                    return Effect::RestartLogs(q);
                }
                // Stop reading, keep what was read.
                self.live = Live::default();
                self.paused = true;
                return Effect::None;
            }
            KeyCode::Char('p') => {
                let mut q = self.read_again();
                q.previous = !q.previous;
                return Effect::RestartLogs(q);
            }
            KeyCode::Char('c') => {
                let containers = self.containers();
                let mut q = self.read_again();
                q.container = match &q.container {
                    None => containers.first().cloned(),
                    Some(c) => containers
                        .iter()
                        .position(|x| x == c)
                        .and_then(|i| containers.get(i + 1))
                        .cloned(),
                };
                return Effect::RestartLogs(q);
            }
            KeyCode::Char('t') => {
                self.since = (self.since + 1) % SINCE.len();
                let mut q = self.read_again();
                q.since = SINCE[self.since];
                q.tail = if q.since.is_some() { None } else { Some(200) };
                return Effect::RestartLogs(q);
            }
            KeyCode::Char('w') => {
                self.wrap = !self.wrap;
                return Effect::None;
            }
            _ => {}
        }
        let Some(action) = action_for(&ev) else {
            return Effect::None;
        };
        match action {
            Action::Filter => self.typing = Some(String::new()),
            Action::Down => self.scroll(-1),
            Action::Up => self.scroll(1),
            Action::PageDown => self.scroll(-20),
            Action::PageUp => self.scroll(20),
            Action::Bottom => self.offset = 0,
            Action::Top => self.offset = self.top_offset(),
            // As in a table: Esc clears the filter first, then leaves.
            Action::Back if !self.filter.is_empty() => {
                self.filter.clear();
                self.offset = 0;
            }
            other => return Effect::common(other).unwrap_or(Effect::None),
        }
        Effect::None
    }

    fn draw(&self, f: &mut Frame, regions: Regions, ctx: &Ctx) {
        let t = ctx.theme;
        let area = regions.body;
        f.render_widget(Clear, area);
        let height = area.height.saturating_sub(2) as usize;
        let width = area.width.saturating_sub(2).max(1) as usize;
        self.page.set(height);
        // As `opsdeck logs` prints them: a line of a workload's pods or a service's tasks
        // names its pod or task even while only one has written.
        let prefixed =
            self.seen.len() > 1 || !self.target.workloads.is_empty() || self.target.ecs.is_some();
        // The lines on screen: from the newest (less the offset) up, as many as fit.
        let mut shown: Vec<Line> = Vec::new();
        let mut rows = 0;
        for e in self
            .buffer
            .iter()
            .rev()
            .filter(|e| self.matches(e))
            .skip(self.offset)
        {
            let line = match e {
                LogEvent::Line(l) => {
                    let mut spans = Vec::new();
                    if prefixed {
                        spans.push(Span::styled(
                            format!("{}/{} │ ", l.pod, l.container),
                            Style::default().fg(pod_color(&l.pod)),
                        ));
                    }
                    spans.push(Span::styled(l.text.clone(), Style::default().fg(t.fg)));
                    Line::from(spans)
                }
                LogEvent::Note(n) => Line::from(Span::styled(
                    format!("── {n}"),
                    t.dim().add_modifier(Modifier::ITALIC),
                )),
                LogEvent::Error(e) => Line::from(Span::styled(
                    format!("── {e}"),
                    t.health_style(Health::Failed),
                )),
            };
            rows += if self.wrap {
                line.width().div_ceil(width).max(1)
            } else {
                1
            };
            shown.push(line);
            if rows >= height {
                break;
            }
        }
        shown.reverse();
        let mut state = Vec::new();
        if self.query.previous {
            state.push("previous containers".to_string());
        }
        if let Some(c) = &self.query.container {
            state.push(format!("container {c}"));
        }
        if let Some(s) = self.query.since {
            state.push(format!("since {}", crate::model::row::human_duration(s)));
        }
        state.push(if self.paused {
            "stopped (f resumes)".into()
        } else if self.ended {
            "ended (f reads again)".into()
        } else if self.offset > 0 {
            format!("scrolled up {} (G follows)", self.offset)
        } else {
            "following".into()
        });
        if self.buffer.dropped > 0 {
            state.push(format!(
                "{} older lines dropped (keeps {MAX_LOG_LINES})",
                self.buffer.dropped
            ));
        }
        if let Some(input) = &self.typing {
            state.push(format!("/{input}▏"));
        } else if !self.filter.is_empty() {
            state.push(format!("filter /{}", self.filter));
        }
        let title = Line::from(vec![
            Span::styled(" Logs ", t.title()),
            Span::styled(
                format!("{} ", self.target.describe()),
                Style::default().fg(t.fg),
            ),
            Span::styled(format!("· {} ", state.join(" · ")), t.dim()),
        ]);
        let mut p = Paragraph::new(shown).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.border())
                .title(title)
                .title_bottom(Span::styled(
                    " f follow · p previous · c container · t since · w wrap · / filter · Esc back ",
                    t.dim(),
                )),
        );
        if self.wrap {
            p = p.wrap(Wrap { trim: false });
        }
        f.render_widget(p, area);
    }
}

/// A colour per pod, the same for the same name, as stern gives one.
fn pod_color(pod: &str) -> Color {
    const COLORS: [Color; 6] = [
        Color::Cyan,
        Color::Magenta,
        Color::Yellow,
        Color::Green,
        Color::Blue,
        Color::LightRed,
    ];
    let h = pod
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    COLORS[h as usize % COLORS.len()]
}

/// Reads `stream` and reports what it reads in batches: what arrives within 50 ms of a
/// batch's first event, up to a bound, so a flood of lines costs about 20 reports a second, not
/// one a line; then `ended`. The batch waits on the stream (it never takes only what happens
/// to be queued: tokio's cooperative budget makes a queue look empty after 128 reads in a row).
pub async fn forward(mut stream: LogStream, report: impl Fn(Vec<LogEvent>), ended: impl FnOnce()) {
    const MOST: usize = 2_000;
    const GATHER: Duration = Duration::from_millis(50);
    while let Some(first) = stream.next().await {
        let mut batch = vec![first];
        let gathering = tokio::time::sleep(GATHER);
        tokio::pin!(gathering);
        while batch.len() < MOST {
            tokio::select! {
                biased;
                next = stream.next() => match next {
                    Some(e) => batch.push(e),
                    None => {
                        report(batch);
                        ended();
                        return;
                    }
                },
                _ = &mut gathering => break,
            }
        }
        report(batch);
    }
    ended();
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::inspect::logs::LogLine;

    /// A flood already queued is taken in a few large batches: a batch waits on the stream
    /// rather than taking only what a first look finds (tokio's budget hides a queue after 128
    /// reads, which once held the view to about 2,500 lines a second).
    #[tokio::test(start_paused = true)]
    async fn a_queued_flood_goes_in_a_few_batches() {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<LogEvent>(20_000);
        for i in 0..10_000 {
            tx.try_send(LogEvent::Line(LogLine {
                pod: "p".into(),
                container: "c".into(),
                text: format!("line {i}"),
            }))
            .unwrap();
        }
        drop(tx);
        let stream: LogStream = Box::pin(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)));
        let batches = Arc::new(Mutex::new(Vec::new()));
        let seen = batches.clone();
        forward(stream, move |b| seen.lock().unwrap().push(b.len()), || {}).await;
        let batches = batches.lock().unwrap();
        assert_eq!(batches.iter().sum::<usize>(), 10_000);
        assert_eq!(*batches, vec![2_000; 5], "bounded batches, each full");
    }
}
