//! The root layout: header, tab bar, the pane (or its detail), the input line, key hints.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::widgets::Block;

use super::app::App;
use super::pane::Pane;
use super::{chrome, detail, help, overview, runbook, table};

pub fn draw(f: &mut Frame, app: &mut App) {
    app.refresh();
    let area = f.area();
    f.render_widget(Block::default().style(app.theme.base()), area);
    let [header, tabs, body, input, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::header(f, header, app);
    chrome::tabs(f, tabs, app);
    if app.detail.is_some() {
        detail::render(f, body, app);
    } else {
        match app.pane {
            Pane::Overview => overview::render(f, body, app),
            pane => table::render(f, body, app, pane),
        }
    }
    chrome::input_line(f, input, app);
    chrome::footer(f, footer, app);
    if let Some(screen) = &app.runbook {
        runbook::render(f, body, app, screen);
    }
    if app.help {
        help::render(f, body, app);
    }
}
