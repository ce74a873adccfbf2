//! The Overview: a region matrix (region × clusters, ECS, RDS, alarms, health checks, coloured
//! by health) above the Problems list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell as TCell, Row as TRow, Table};

use super::component::Ctx;
use super::table;
use super::theme::Theme;
use crate::model::kinds::parts::PartCount;
use crate::model::kinds::region::Region;
use crate::model::{Facts, Health, Kind, Row};
use crate::store::view::TableView;

fn part_cell<'a>(theme: &Theme, p: &PartCount) -> TCell<'a> {
    match p.worst {
        None => TCell::from("-").style(theme.dim()),
        Some(h) => TCell::from(format!(
            "{} {}/{}",
            h.glyph(),
            p.total - p.unhealthy,
            p.total
        ))
        .style(theme.health_style(h)),
    }
}

fn own_cell<'a>(theme: &Theme, health: Option<Health>, text: String) -> TCell<'a> {
    match health {
        None => TCell::from("-").style(theme.dim()),
        Some(h) => TCell::from(format!("{} {text}", h.glyph())).style(theme.health_style(h)),
    }
}

fn matrix_row<'a>(ctx: &Ctx, row: &Row, region: &Region) -> TRow<'a> {
    let theme = ctx.theme;
    let firing = region.firing().count();
    let checks_ok = region
        .health_checks
        .iter()
        .filter(|h| h.healthy == Some(true))
        .count();
    let stale = ctx.fleet.is_stale(row);
    let mut health = row.health.as_str().to_string();
    if stale {
        health.push_str(" (stale)");
    }
    TRow::new(vec![
        TCell::from(format!("{} {}", row.id.scope.account(), row.id.name)),
        TCell::from(region.role()),
        part_cell(theme, &region.parts.clusters),
        part_cell(theme, &region.parts.ecs),
        part_cell(theme, &region.parts.rds),
        part_cell(theme, &region.parts.cache),
        own_cell(theme, region.alarm_health(), format!("{firing} firing")),
        own_cell(
            theme,
            region.check_health(),
            format!("{checks_ok}/{}", region.health_checks.len()),
        ),
        TCell::from(health).style(theme.health_style(row.health)),
        TCell::from(row.reason.clone()),
    ])
}

/// Draws the matrix above `problems`, the Problems list's view. Returns the rows a page of that
/// list holds.
pub fn render(
    f: &mut Frame,
    area: Rect,
    ctx: &Ctx,
    problems: &mut TableView,
    problems_total: usize,
) -> usize {
    let theme = ctx.theme;
    let mut regions: Vec<&Row> = ctx.fleet.rows_of(Kind::Region).collect();
    regions.sort_by(|a, b| {
        (a.id.scope.account(), &a.id.name).cmp(&(b.id.scope.account(), &b.id.name))
    });
    let matrix_height = (regions.len() as u16 + 3).min(area.height / 2).max(4);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(matrix_height), Constraint::Min(3)]).areas(area);

    let any_stale = regions.iter().any(|r| ctx.fleet.is_stale(r));
    let rows: Vec<TRow> = regions
        .iter()
        .filter_map(|r| match &r.facts {
            Facts::Region(region) => Some(matrix_row(ctx, r, region)),
            _ => None,
        })
        .collect();
    let header = TRow::new([
        "REGION", "ROLE", "CLUSTERS", "ECS", "RDS", "CACHE", "ALARMS", "CHECKS", "HEALTH", "REASON",
    ])
    .style(
        Style::default()
            .fg(theme.title)
            .add_modifier(Modifier::BOLD),
    );
    let widths = [
        Constraint::Length(24),
        Constraint::Length(11),
        Constraint::Length(9),
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
        .border_style(theme.border())
        .title(Line::from(Span::styled(" Regions ", theme.title())));
    f.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(block)
            .column_spacing(1),
        top,
    );
    table::render(f, bottom, ctx, problems, problems_total)
}
