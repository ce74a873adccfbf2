//! A page of text over the body: a row's object as its API serves it (`y`, fetched when opened,
//! its fetch stopped when it closes) or the commands and their aliases (`Ctrl-a`). It scrolls
//! like the help (`j` `k` PgUp PgDn Space `g` `G`) and shows where it is; `c` copies the whole
//! text; Esc closes it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::component::{Component, Ctx, Effect, Overlay, Regions};
use super::keymap::{Action, action_for};
use crate::inspect::live::Live;
use crate::model::{Health, RowId};

pub struct TextView {
    pub title: String,
    /// The lines; `None` while they are fetched, an error when they could not be.
    pub body: Option<Result<Vec<String>, String>>,
    /// The row whose object it shows (`y`): a fetch that comes back for another is dropped.
    pub id: Option<RowId>,
    pub scroll: u16,
    pub scroll_limit: std::cell::Cell<u16>,
    /// The fetch, stopped when the view closes.
    pub live: Live,
}

impl TextView {
    /// A view of `lines`, ready.
    pub fn ready(title: impl Into<String>, lines: Vec<String>) -> TextView {
        TextView {
            title: title.into(),
            body: Some(Ok(lines)),
            id: None,
            scroll: 0,
            scroll_limit: std::cell::Cell::new(0),
            live: Live::default(),
        }
    }

    /// A view of `id`'s object, its lines still to come.
    pub fn loading(title: impl Into<String>, id: RowId, live: Live) -> TextView {
        TextView {
            id: Some(id),
            body: None,
            live,
            ..TextView::ready(title, vec![])
        }
    }

    pub fn text(&self) -> Option<String> {
        match &self.body {
            Some(Ok(lines)) => Some(lines.join("\n")),
            _ => None,
        }
    }
}

impl Component for TextView {
    fn key(&mut self, ev: KeyEvent, _: &Ctx) -> Effect {
        if ev.code == KeyCode::Char(' ') {
            self.scroll = self.scroll.saturating_add(10).min(self.scroll_limit.get());
            return Effect::None;
        }
        let Some(action) = action_for(&ev) else {
            return Effect::None;
        };
        let limit = self.scroll_limit.get();
        self.scroll = match action {
            Action::Down => self.scroll.saturating_add(1).min(limit),
            Action::Up => self.scroll.min(limit).saturating_sub(1),
            Action::PageDown => self.scroll.saturating_add(10).min(limit),
            Action::PageUp => self.scroll.min(limit).saturating_sub(10),
            Action::Top => 0,
            Action::Bottom => limit,
            Action::Back => return Effect::close(),
            Action::Quit => return Effect::Quit,
            Action::Help => return Effect::Open(Overlay::Help),
            Action::CommandBar => return Effect::close_then(Effect::Open(Overlay::CommandBar)),
            Action::Copy => {
                return match self.text() {
                    Some(text) => Effect::Copy(text),
                    None => Effect::None,
                };
            }
            _ => return Effect::None,
        };
        Effect::None
    }

    fn draw(&self, f: &mut Frame, regions: Regions, ctx: &Ctx) {
        let t = ctx.theme;
        let area = regions.body;
        let lines: Vec<Line> = match &self.body {
            None => vec![Line::from(Span::styled("  fetching…", t.dim()))],
            Some(Err(e)) => vec![Line::from(Span::styled(
                format!("  {e}"),
                t.health_style(Health::Failed),
            ))],
            Some(Ok(lines)) => lines.iter().map(|l| Line::from(l.as_str())).collect(),
        };
        let room = area.height.saturating_sub(2) as usize;
        let limit = lines.len().saturating_sub(room);
        let limit = u16::try_from(limit).unwrap_or(u16::MAX);
        self.scroll_limit.set(limit);
        let scroll = self.scroll.min(limit);
        let position = if limit > 0 {
            format!(
                "· lines {}–{} of {} ",
                scroll + 1,
                (scroll as usize + room).min(lines.len()),
                lines.len()
            )
        } else {
            String::new()
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(t.accent))
            .title(Span::styled(
                format!(" {} — c copies, Esc closes {position}", self.title),
                t.title(),
            ))
            .style(t.base());
        f.render_widget(Clear, area);
        f.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
    }
}
