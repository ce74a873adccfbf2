//! What every read-only page over the body shares (the help, `y` and `Ctrl-a`, `:sources`): a
//! scroll position kept within what the last frame could show, the pager's keys (`j` `k`
//! PgUp PgDn Space `g` `G`), the keys that leave it (Esc closes, `:` the command bar, `?` the
//! help, `q` quits), the "lines a–b of n" of its title, and its bordered block.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::component::{Ctx, Effect, Overlay};
use super::keymap::{Action, action_for};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pager {
    pub scroll: u16,
    /// How far the last frame could scroll.
    pub limit: std::cell::Cell<u16>,
}

impl Pager {
    /// A key on the page: the pager's keys move it, the leaving keys give their effect, and
    /// any other bound key is the page's own (`other`: `c` copies, in `y`).
    pub fn key(&mut self, ev: &KeyEvent, other: impl FnOnce(Action) -> Effect) -> Effect {
        let limit = self.limit.get();
        if ev.code == KeyCode::Char(' ') {
            self.scroll = self.scroll.saturating_add(10).min(limit);
            return Effect::None;
        }
        let Some(action) = action_for(ev) else {
            return Effect::None;
        };
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
            action => return other(action),
        };
        Effect::None
    }

    /// Keeps the scroll within `total` lines shown `room` at a time; the scroll to draw at, and
    /// where the title says it is ("· lines 11–40 of 97 ", or nothing when all fit).
    pub fn frame(&self, total: usize, room: usize) -> (u16, String) {
        let limit = u16::try_from(total.saturating_sub(room)).unwrap_or(u16::MAX);
        self.limit.set(limit);
        let scroll = self.scroll.min(limit);
        let position = if limit > 0 {
            format!(
                "· lines {}–{} of {total} ",
                scroll + 1,
                (scroll as usize + room).min(total)
            )
        } else {
            String::new()
        };
        (scroll, position)
    }
}

impl Pager {
    /// Draws `lines` over `area` in a bordered block, scrolled where the pager is; `title` is
    /// told where that is ("· lines 11–40 of 97 ", or nothing when all fit).
    pub fn draw(
        &self,
        f: &mut Frame,
        area: Rect,
        ctx: &Ctx,
        lines: Vec<Line>,
        title: impl FnOnce(&str) -> String,
    ) {
        let room = area.height.saturating_sub(2) as usize;
        let (scroll, position) = self.frame(lines.len(), room);
        f.render_widget(Clear, area);
        f.render_widget(
            Paragraph::new(lines)
                .block(block(ctx, title(&position)))
                .scroll((scroll, 0)),
            area,
        );
    }
}

/// A page's bordered block with its title.
pub fn block<'a>(ctx: &Ctx, title: String) -> Block<'a> {
    let t = ctx.theme;
    Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(t.accent))
        .title(Span::styled(title, t.title()))
        .style(t.base())
}
