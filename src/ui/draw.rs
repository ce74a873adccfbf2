//! The root layout: header, tab bar, the body, the input line, key hints. The body shows the pane,
//! then the open overlays over it in the stack's order (`App::draw_overlays`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;

use super::app::{App, Layer};
use super::component::{Ctx, Regions};
use super::pane::Pane;
use super::{chrome, overview, table};

pub fn draw(f: &mut Frame, app: &mut App) {
    app.refresh();
    let area = f.area();
    f.render_widget(Block::default().style(app.theme.base()), area);
    let layers = app.layers();
    // A message (an outcome, a prompt that names account and region) gets the lines it needs,
    // up to three, so a narrow terminal does not cut the reason or the question.
    let input_height = match (&app.message, layers.contains(&Layer::CommandBar)) {
        (Some(m), false) => {
            let cells = super::fit::text_width(&m.text) as usize + 1;
            cells.div_ceil(area.width.max(1) as usize).clamp(1, 3) as u16
        }
        _ => 1,
    };
    let [header, tabs, body, input, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(input_height),
        Constraint::Length(1),
    ])
    .areas(area);
    // The detail fills the body: the pane under it is not drawn, and keeps the page size it drew.
    if !layers.contains(&Layer::Detail) {
        draw_pane(f, body, app);
    }
    let ctx = app.ctx();
    chrome::header(f, header, &ctx, app.tab_stats.problems);
    chrome::tabs(f, tabs, &ctx, app.pane, &app.tab_stats);
    if !layers.contains(&Layer::CommandBar) {
        chrome::message_line(f, input, &ctx, app.message.as_ref());
    }
    chrome::footer(f, footer, &ctx, &app.hints());
    app.draw_overlays(f, Regions { body, input }, &ctx);
}

/// The current pane: the Overview's matrix and problems, or a kind's table.
fn draw_pane(f: &mut Frame, body: Rect, app: &mut App) {
    let ctx = Ctx::new(&app.theme, &app.fleet, app.clock.now(), app.read_only);
    let problems = app.tab_stats.problems;
    let view = app.views.get_mut(&app.pane).expect("every pane has a view");
    app.page = match app.pane {
        Pane::Overview => overview::render(f, body, &ctx, view, problems),
        _ => table::render(f, body, &ctx, view, problems),
    };
}
