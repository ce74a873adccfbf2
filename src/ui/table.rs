//! A pane's table: only the visible rows are built, their columns fitted to the terminal
//! (`fit`), the cursor row highlighted with its health colour kept, stale rows
//! are dimmed and marked, the health column is coloured.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Cell as TCell, HighlightSpacing, Paragraph, Row as TRow, Table, TableState,
};

use super::component::Ctx;
use super::fit;
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

    // Each visible row's cells as text first: the columns are fitted to what is on screen.
    let shown: Vec<(&crate::model::Row, bool, Vec<String>)> = view.keys()[window.clone()]
        .iter()
        .filter_map(|k| fleet.get(*k))
        .map(|row| {
            let stale = fleet.is_stale(row);
            let texts = (0..columns.len())
                .map(|i| {
                    let mut text = view.cell(row, i, now).text;
                    if stale && Some(i) == health_col {
                        text.push_str(" (stale)");
                    }
                    text
                })
                .collect();
            (row, stale, texts)
        })
        .collect();
    let titles: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mark = match sort {
                Some(s) if s.column == i && s.descending => "↓",
                Some(s) if s.column == i => "↑",
                _ => "",
            };
            format!("{}{mark}", c.title)
        })
        .collect();
    let widest: Vec<u16> = (0..columns.len())
        .map(|i| {
            shown
                .iter()
                .map(|(_, _, t)| fit::text_width(&t[i]))
                .chain([fit::text_width(&titles[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Inside the borders, less the selection mark's column.
    let room = area.width.saturating_sub(3);
    let widths = fit::fit(&columns, &widest, room);
    let kept: Vec<(usize, u16)> = widths
        .iter()
        .enumerate()
        .filter_map(|(i, w)| w.map(|w| (i, w)))
        .collect();
    let header = TRow::new(
        kept.iter()
            .map(|&(i, w)| TCell::from(fit::cut(&titles[i], w, columns[i].priority()))),
    )
    .style(
        Style::default()
            .fg(theme.title)
            .add_modifier(Modifier::BOLD),
    );
    let selected = cursor.checked_sub(window.start);
    let rows: Vec<TRow> = shown
        .iter()
        .enumerate()
        .map(|(n, (row, stale, texts))| {
            let is_selected = Some(n) == selected;
            let cells = kept.iter().map(|&(i, w)| {
                let cell = TCell::from(fit::cut(&texts[i], w, columns[i].priority()));
                if Some(i) != health_col {
                    return cell;
                }
                // A stale row's health is what it was, not what it is: not in its colour.
                // The selection keeps the colour, on its own background.
                let style = if *stale {
                    theme.dim()
                } else {
                    theme.health_style(row.health)
                };
                cell.style(style)
            });
            let r = TRow::new(cells);
            match (is_selected, *stale) {
                (true, _) => r.style(theme.selection()),
                (false, true) => r.style(theme.dim().add_modifier(Modifier::ITALIC)),
                (false, false) => r,
            }
        })
        .collect();

    let constraints: Vec<Constraint> = kept.iter().map(|&(_, w)| Constraint::Length(w)).collect();
    let empty = rows.is_empty();
    let table = Table::new(rows, constraints)
        .header(header)
        .block(block)
        .column_spacing(fit::SPACING)
        // The mark's column is kept when nothing is selected: the header never shifts.
        .highlight_spacing(HighlightSpacing::Always)
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
