//! A pane's table: only the visible rows are built, the cursor row is highlighted, stale rows
//! are dimmed and marked, the health column is coloured.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell as TCell, Paragraph, Row as TRow, Table, TableState};

use super::component::Ctx;
use crate::store::view::{TableView, ViewSource};

/// Draws `view`'s table; `problems_total` is the fleet's problem count (counted once per fleet
/// generation, not per frame). Returns the rows a page holds, for paging.
pub fn render(
    f: &mut Frame,
    area: Rect,
    ctx: &Ctx,
    view: &mut TableView,
    problems_total: usize,
) -> usize {
    let now = ctx.now;
    let theme = ctx.theme;
    let fleet = ctx.fleet;
    view.refresh(fleet, now);
    let columns = view.columns();
    let health_col = columns.iter().position(|c| c.title == "HEALTH");
    let sort = view.sort();

    let mut title = vec![Span::styled(format!(" {} ", view.title()), theme.title())];
    let total = match view.source {
        ViewSource::Kind(k) => fleet.count(k),
        ViewSource::Problems => problems_total,
    };
    title.push(Span::styled(
        format!("[{}/{total}] ", view.len()),
        theme.dim(),
    ));
    if !view.filter().is_empty() {
        title.push(Span::styled(
            format!("/{} ", view.filter().raw()),
            Style::default().fg(theme.accent),
        ));
    }
    // What some sources cannot show of this kind: "prod-cluster: forbidden (RBAC)".
    if let ViewSource::Kind(k) = view.source {
        for note in fleet.notes_for(k) {
            title.push(Span::styled(
                format!("⚠ {note} "),
                theme.health_style(crate::model::Health::Degraded),
            ));
        }
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Line::from(title));
    let inner_height = area.height.saturating_sub(3) as usize;
    let window = view.window(inner_height);
    let cursor = view.cursor();

    // Room for the "(stale)" mark when a visible row needs it.
    let any_stale = view.keys()[window.clone()]
        .iter()
        .any(|k| fleet.get(*k).is_some_and(|r| fleet.is_stale(r)));
    let header = TRow::new(columns.iter().enumerate().map(|(i, c)| {
        let mark = match sort {
            Some(s) if s.column == i => {
                if s.descending {
                    "↓"
                } else {
                    "↑"
                }
            }
            _ => "",
        };
        TCell::from(format!("{}{mark}", c.title))
    }))
    .style(
        Style::default()
            .fg(theme.title)
            .add_modifier(Modifier::BOLD),
    );

    let rows: Vec<TRow> = view.keys()[window.clone()]
        .iter()
        .filter_map(|k| fleet.get(*k))
        .map(|row| {
            let stale = fleet.is_stale(row);
            let cells = (0..columns.len()).map(|i| {
                let mut text = view.cell(row, i, now).text;
                if stale && Some(i) == health_col {
                    text.push_str(" (stale)");
                }
                let cell = TCell::from(text);
                if Some(i) == health_col {
                    cell.style(theme.health_style(row.health))
                } else {
                    cell
                }
            });
            let r = TRow::new(cells);
            if stale {
                r.style(theme.dim().add_modifier(Modifier::ITALIC))
            } else {
                r
            }
        })
        .collect();

    let widths: Vec<Constraint> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| match i {
            _ if i + 1 == columns.len() => Constraint::Fill(1),
            _ if any_stale && Some(i) == health_col => Constraint::Length(c.width.max(19)),
            _ => Constraint::Length(c.width),
        })
        .collect();
    let empty = rows.is_empty();
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(theme.selection())
        .highlight_symbol("▌");
    let mut state = TableState::default();
    if !empty {
        state.select(Some(cursor - window.start));
    }
    f.render_stateful_widget(table, area, &mut state);
    if empty {
        let msg = if view.filter().is_empty() {
            "nothing here yet"
        } else {
            "no row matches the filter"
        };
        let inner = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 1,
        };
        f.render_widget(Paragraph::new(Span::styled(msg, theme.dim())), inner);
    }
    inner_height.max(1)
}
