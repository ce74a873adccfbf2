//! The detail view of one row, laid out by `inspect::document` (the same text
//! `opsdeck describe` prints): health and reason, fields, conditions, the workloads a Flux object
//! applied, the sections fetched on demand (pods, events, history, inventory, the certificate
//! chain) kept live while it is open, the trace to its sources, related rows and the commands
//! of the CLIs people already use. It scrolls; `R` and `T` act on its row, `p` lists its pods,
//! `l` and `L` open logs, `e` shows Normal events too. Closing it stops its fetches.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::component::{Component, Ctx, Effect, Overlay, Regions};
use super::keymap::{Action, action_for};
use super::theme::Theme;
use crate::inspect::document::{self, DocLine, DocOptions, SectionView, Tone};
use crate::inspect::live::Live;
use crate::model::RowId;
use crate::model::drilldown::{Body, Part, PodLine, Section};

#[derive(Debug)]
pub struct Detail {
    pub id: RowId,
    /// Lines scrolled past; `u16::MAX` after `G` means "the end", wherever it gets to.
    pub scroll: u16,
    /// How far the last frame could scroll (its wrapped lines past the screen): keys stop
    /// there, so `k` after `G` moves at once.
    pub scroll_limit: std::cell::Cell<u16>,
    /// The sections fetched on demand, in the kind's order.
    pub sections: Vec<(Section, SectionView)>,
    pub options: DocOptions,
    /// The sections' fetches: dropped with the detail, which stops them.
    pub live: Live,
    /// A related row was just marked: the next frame scrolls it into view (only a frame knows
    /// where it lands once wrapped) and leaves the scroll it chose in `revealed`.
    reveal: std::cell::Cell<bool>,
    /// The scroll a frame chose to show the marked row, taken up by the next key.
    revealed: std::cell::Cell<Option<u16>>,
}

impl Detail {
    pub fn new(id: RowId, sections: Vec<Section>, live: Live) -> Detail {
        Detail {
            id,
            scroll: 0,
            scroll_limit: std::cell::Cell::new(u16::MAX),
            sections: sections
                .into_iter()
                .map(|s| (s, SectionView::loading()))
                .collect(),
            options: DocOptions::default(),
            live,
            reveal: std::cell::Cell::new(false),
            revealed: std::cell::Cell::new(None),
        }
    }

    /// Marks the next (`step` 1) or previous (-1) related row, round the list; the next frame
    /// scrolls it into view.
    fn mark(&mut self, step: i64, ctx: &Ctx) {
        let Some(row) = ctx.fleet.row(&self.id) else {
            return;
        };
        let n = ctx.fleet.related(row).len() as i64;
        if n == 0 {
            return;
        }
        let next = match self.options.marked {
            Some(i) => (i as i64 + step).rem_euclid(n),
            None if step > 0 => 0,
            None => n - 1,
        };
        self.options.marked = Some(next as usize);
        self.reveal.set(true);
    }

    /// The related row marked, as the fleet is now.
    fn marked(&self, ctx: &Ctx) -> Option<RowId> {
        let row = ctx.fleet.row(&self.id)?;
        let key = *ctx.fleet.related(row).get(self.options.marked?)?;
        ctx.fleet.get(key).map(|r| r.id.clone())
    }

    /// A fetch's outcome for one of its sections.
    pub fn update(&mut self, section: Section, result: Result<Body, String>) {
        if let Some((_, view)) = self.sections.iter_mut().find(|(s, _)| *s == section) {
            view.update(result);
        }
    }

    pub fn section(&self, section: Section) -> Option<&SectionView> {
        self.sections
            .iter()
            .find(|(s, _)| *s == section)
            .map(|(_, v)| v)
    }

    /// The pods as last fetched; `None` until they are.
    pub fn pods(&self) -> Option<&[PodLine]> {
        match self.section(Section::Pods).map(|v| &v.part) {
            Some(Part::Loaded {
                body: Body::Pods(p),
            }) => Some(p),
            _ => None,
        }
    }
}

impl Component for Detail {
    fn key(&mut self, ev: KeyEvent, ctx: &Ctx) -> Effect {
        let Some(action) = action_for(&ev) else {
            return Effect::None;
        };
        if let Some(scroll) = self.revealed.take() {
            self.scroll = scroll;
        }
        let limit = self.scroll_limit.get();
        self.scroll = self.scroll.min(limit);
        match action {
            Action::Down => self.scroll = self.scroll.saturating_add(1).min(limit),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = self.scroll.saturating_add(10).min(limit),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Action::Top => self.scroll = 0,
            // The end as it will be: sections still loading grow the document, and the view
            // stays at its end until the next key (drawing clamps it).
            Action::Bottom => self.scroll = u16::MAX,
            Action::Back => return Effect::Back,
            Action::Quit => return Effect::Quit,
            Action::Help => return Effect::Open(Overlay::Help),
            Action::CommandBar => return Effect::Open(Overlay::CommandBar),
            Action::NextPane => self.mark(1, ctx),
            Action::PrevPane => self.mark(-1, ctx),
            Action::Open => {
                if let Some(id) = self.marked(ctx) {
                    return Effect::OpenDetail(id);
                }
            }
            Action::Refresh | Action::ToggleSuspend => {
                return Effect::AskRowAction(action, Some(self.id.clone()));
            }
            Action::ToggleEvents => self.options.all_events = !self.options.all_events,
            Action::Logs => return Effect::OpenLogs(Some(self.id.clone()), false),
            Action::ControllerLogs => return Effect::OpenLogs(Some(self.id.clone()), true),
            Action::Pods => return Effect::OpenPods(self.id.clone()),
            Action::Scale => return Effect::OpenCommand("scale ".into()),
            Action::Yaml => return Effect::OpenManifest(Some(self.id.clone())),
            Action::Copy => return Effect::Copy(self.id.name.clone()),
            Action::Aliases => return Effect::Open(Overlay::Aliases),
            _ => {}
        }
        Effect::None
    }

    fn draw(&self, f: &mut Frame, regions: Regions, ctx: &Ctx) {
        render(f, regions.body, self, ctx);
    }
}

/// A piece's style in the theme.
pub fn tone_style(theme: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Plain => Style::default().fg(theme.fg),
        Tone::Dim => theme.dim(),
        Tone::Key => Style::default().fg(theme.accent),
        Tone::Heading => theme.title(),
        Tone::Columns => Style::default().fg(theme.title),
        Tone::Health(h) => theme.health_style(h),
        Tone::Badge(h) => theme.health_style(h).add_modifier(Modifier::REVERSED),
        Tone::Marked => theme.selection(),
    }
}

/// Document lines as styled lines.
pub fn styled<'a>(theme: &Theme, lines: Vec<DocLine>) -> Vec<Line<'a>> {
    lines
        .into_iter()
        .map(|l| {
            Line::from(
                l.into_iter()
                    .map(|p| Span::styled(p.text, tone_style(theme, p.tone)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

fn render(f: &mut Frame, area: Rect, detail: &Detail, ctx: &Ctx) {
    let theme = ctx.theme;
    let fleet = ctx.fleet;
    let Some(row) = fleet.row(&detail.id) else {
        let p = Paragraph::new(" This row no longer exists (deleted upstream). Esc goes back.")
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border()),
            );
        f.render_widget(p, area);
        return;
    };
    let sections: Vec<(Section, &SectionView)> =
        detail.sections.iter().map(|(s, v)| (*s, v)).collect();
    // Inside the borders; a long value goes on under its own column.
    let wrapped = super::wrap::wrap(
        document::lines(row, fleet, &sections, ctx.now, detail.options),
        area.width.saturating_sub(2) as usize,
    );
    let mut scroll = detail.revealed.get().unwrap_or(detail.scroll);
    if detail.reveal.take()
        && let Some(at) = wrapped
            .iter()
            .position(|l| l.iter().any(|p| p.tone == document::Tone::Marked))
    {
        let at = u16::try_from(at).unwrap_or(u16::MAX);
        let room = area.height.saturating_sub(2);
        let shown = scroll.min(detail.scroll_limit.get());
        if at < shown || at >= shown.saturating_add(room) {
            scroll = at.saturating_sub(room / 2);
        }
        detail.revealed.set(Some(scroll));
    }
    let lines = styled(theme, wrapped);
    let title = Line::from(vec![
        Span::styled(format!(" {} ", row.kind().title()), theme.title()),
        Span::styled(
            format!("{} ", row.id.display_name()),
            Style::default().fg(theme.fg).add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!(
                "{} ",
                row.id
                    .scope
                    .context
                    .as_deref()
                    .map(|c| format!("@ {c}"))
                    .unwrap_or_default()
            ),
            theme.dim(),
        ),
    ]);
    // The lines are wrapped to the inner width already: their count is the document's height.
    let total = lines.len();
    let room = area.height.saturating_sub(2) as usize;
    let limit = u16::try_from(total.saturating_sub(room)).unwrap_or(u16::MAX);
    detail.scroll_limit.set(limit);
    let scroll = scroll.min(limit);
    let mut title = title;
    if limit > 0 {
        let last = (scroll as usize + room).min(total);
        title.push_span(Span::styled(
            format!("· lines {}–{last} of {total} ", scroll + 1),
            theme.dim(),
        ));
    }
    let p = Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border())
                .title(title),
        )
        .wrap(Wrap { trim: false });
    f.render_widget(p.scroll((scroll, 0)), area);
}
