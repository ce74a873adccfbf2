//! The Overview: a region matrix (region × clusters, ECS, RDS, alarms, health checks, coloured
//! by health) above the Problems list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell as TCell, Row as TRow, Table};

use super::app::App;
use super::pane::Pane;
use super::table;
use crate::model::kinds::parts::PartCount;
use crate::model::kinds::region::Region;
use crate::model::{Facts, Health, Kind, Row};

fn part_cell<'a>(app: &App, p: &PartCount) -> TCell<'a> {
    match p.worst {
        None => TCell::from("-").style(app.theme.dim()),
        Some(h) => TCell::from(format!(
            "{} {}/{}",
            h.glyph(),
            p.total - p.unhealthy,
            p.total
        ))
        .style(app.theme.health_style(h)),
    }
}

fn own_cell<'a>(app: &App, health: Option<Health>, text: String) -> TCell<'a> {
    match health {
        None => TCell::from("-").style(app.theme.dim()),
        Some(h) => TCell::from(format!("{} {text}", h.glyph())).style(app.theme.health_style(h)),
    }
}

fn matrix_row<'a>(app: &App, row: &Row, region: &Region) -> TRow<'a> {
    let firing = region.firing().count();
    let checks_ok = region
        .health_checks
        .iter()
        .filter(|h| h.healthy == Some(true))
        .count();
    let stale = app.fleet.is_stale(row);
    let mut health = row.health.as_str().to_string();
    if stale {
        health.push_str(" (stale)");
    }
    TRow::new(vec![
        TCell::from(format!("{} {}", row.id.scope.account(), row.id.name)),
        TCell::from(region.role()),
        part_cell(app, &region.parts.clusters),
        part_cell(app, &region.parts.ecs),
        part_cell(app, &region.parts.rds),
        own_cell(app, region.alarm_health(), format!("{firing} firing")),
        own_cell(
            app,
            region.check_health(),
            format!("{checks_ok}/{}", region.health_checks.len()),
        ),
        TCell::from(health).style(app.theme.health_style(row.health)),
        TCell::from(row.reason.clone()),
    ])
}

pub fn render(f: &mut Frame, area: Rect, app: &mut App) {
    let mut regions: Vec<&Row> = app.fleet.rows_of(Kind::Region).collect();
    regions.sort_by(|a, b| {
        (a.id.scope.account(), &a.id.name).cmp(&(b.id.scope.account(), &b.id.name))
    });
    let matrix_height = (regions.len() as u16 + 3).min(area.height / 2).max(4);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(matrix_height), Constraint::Min(3)]).areas(area);

    let any_stale = regions.iter().any(|r| app.fleet.is_stale(r));
    let rows: Vec<TRow> = regions
        .iter()
        .filter_map(|r| match &r.facts {
            Facts::Region(region) => Some(matrix_row(app, r, region)),
            _ => None,
        })
        .collect();
    let header = TRow::new([
        "REGION", "ROLE", "CLUSTERS", "ECS", "RDS", "ALARMS", "CHECKS", "HEALTH", "REASON",
    ])
    .style(
        Style::default()
            .fg(app.theme.title)
            .add_modifier(Modifier::BOLD),
    );
    let widths = [
        Constraint::Length(24),
        Constraint::Length(11),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(11),
        Constraint::Length(8),
        Constraint::Length(if any_stale { 19 } else { 11 }),
        Constraint::Fill(1),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.border())
        .title(Line::from(Span::styled(" Regions ", app.theme.title())));
    f.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(block)
            .column_spacing(1),
        top,
    );
    table::render(f, bottom, app, Pane::Overview);
}
