//! A page of text over the body: a row's object as its API serves it (`y`, fetched when opened,
//! its fetch stopped when it closes) or the commands and their aliases (`Ctrl-a`). It scrolls
//! like the help (`j` `k` PgUp PgDn Space `g` `G`) and shows where it is; `c` copies the whole
//! text; Esc closes it.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::{Line, Span};

use super::component::{Component, Ctx, Effect, Regions};
use super::keymap::Action;
use super::pager::Pager;
use crate::inspect::live::Live;
use crate::model::{Health, RowId};

pub struct TextView {
    pub title: String,
    /// The lines; `None` while they are fetched, an error when they could not be.
    pub body: Option<Result<Vec<String>, String>>,
    /// The row whose object it shows (`y`): a fetch that comes back for another is dropped.
    pub id: Option<RowId>,
    pub pager: Pager,
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
            pager: Pager::default(),
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
        let body = &self.body;
        self.pager.key(&ev, |action| match (action, body) {
            (Action::Copy, Some(Ok(lines))) => Effect::Copy(lines.join("\n")),
            _ => Effect::None,
        })
    }

    fn draw(&self, f: &mut Frame, regions: Regions, ctx: &Ctx) {
        let t = ctx.theme;
        let lines: Vec<Line> = match &self.body {
            None => vec![Line::from(Span::styled("  fetching…", t.dim()))],
            Some(Err(e)) => vec![Line::from(Span::styled(
                format!("  {e}"),
                t.health_style(Health::Failed),
            ))],
            Some(Ok(lines)) => lines.iter().map(|l| Line::from(l.as_str())).collect(),
        };
        self.pager.draw(f, regions.body, ctx, lines, |position| {
            format!(" {} — c copies, Esc closes {position}", self.title)
        });
    }
}
