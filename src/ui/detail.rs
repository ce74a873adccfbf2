//! The detail view of one row: health and reason, source, every field, conditions with reasons
//! and times, related rows, the row's Kubernetes events, and the equivalent commands of the CLIs
//! people already use. It scrolls; `R` and `T` act on its row.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use serde_json::Value;

use super::component::{Component, Ctx, Effect, Overlay, Regions};
use super::keymap::{Action, action_for};
use super::theme::Theme;
use crate::model::row::human_duration;
use crate::model::{Health, RowId};
use crate::row_actions::EventLine;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detail {
    pub id: RowId,
    pub scroll: u16,
    pub events: DetailEvents,
}

/// The Kubernetes events of the row in the detail view, fetched when it opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DetailEvents {
    /// The row's kind has no events, or the backend serves none.
    NotApplicable,
    Loading,
    Loaded(Vec<EventLine>),
    Failed(String),
}

impl Component for Detail {
    fn key(&mut self, ev: KeyEvent, _: &Ctx) -> Effect {
        let Some(action) = action_for(&ev) else {
            return Effect::None;
        };
        match action {
            Action::Down => self.scroll = self.scroll.saturating_add(1),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = self.scroll.saturating_add(10),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Action::Top => self.scroll = 0,
            Action::Back => return Effect::close(),
            Action::Quit => return Effect::Quit,
            Action::Help => return Effect::Open(Overlay::Help),
            Action::CommandBar => return Effect::Open(Overlay::CommandBar),
            Action::Refresh | Action::ToggleSuspend => {
                return Effect::AskRowAction(action, Some(self.id.clone()));
            }
            _ => {}
        }
        Effect::None
    }

    fn draw(&self, f: &mut Frame, regions: Regions, ctx: &Ctx) {
        render(f, regions.body, self, ctx);
    }
}

fn section<'a>(theme: &Theme, title: &str) -> Line<'a> {
    Line::from(Span::styled(format!("── {title} "), theme.title()))
}

fn kv<'a>(theme: &Theme, key: &str, value: String) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("  {key:<24}"), Style::default().fg(theme.accent)),
        Span::raw(value),
    ])
}

/// A JSON value in one line: scalars as is, small objects as `k=v` pairs.
fn inline(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(inline).collect::<Vec<_>>().join(", "),
        Value::Object(o) => o
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{k}={}", inline(v)))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

fn field_lines<'a>(theme: &Theme, prefix: &str, v: &Value, out: &mut Vec<Line<'a>>) {
    let Value::Object(map) = v else { return };
    for (k, v) in map {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(_) => field_lines(theme, &key, v, out),
            Value::Array(items) if items.iter().any(Value::is_object) => {
                out.push(kv(theme, &key, format!("{} item(s)", items.len())));
                for item in items {
                    out.push(Line::from(Span::raw(format!(
                        "  {:<24}• {}",
                        "",
                        inline(item)
                    ))));
                }
            }
            _ => out.push(kv(theme, &key, inline(v))),
        }
    }
}

fn render(f: &mut Frame, area: Rect, detail: &Detail, ctx: &Ctx) {
    let theme = ctx.theme;
    let now = ctx.now;
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
    let mut lines: Vec<Line> = Vec::new();
    let stale = fleet.is_stale(row);
    lines.push(Line::from(vec![
        Span::styled(
            format!(" {} ", row.health.as_str()),
            theme
                .health_style(row.health)
                .add_modifier(Modifier::REVERSED),
        ),
        Span::raw(" "),
        Span::styled(row.reason.clone(), theme.health_style(row.health)),
    ]));
    if row.own
        != (crate::model::Assessment {
            health: row.health,
            reason: row.reason.clone(),
        })
    {
        lines.push(kv(
            theme,
            "own health",
            format!("{} — {}", row.own.health, row.own.reason),
        ));
    }
    let source = fleet.source(&row.source);
    let source_text = match source {
        Some(s) => {
            let mut t = s.describe(now);
            if let Some(r) = s.status.reason() {
                t.push_str(&format!(" — {r}"));
            }
            if stale {
                t.push_str("  (this row may be out of date)");
            }
            t
        }
        None => row.source.to_string(),
    };
    lines.push(kv(theme, "source", source_text));
    lines.push(kv(theme, "scope", row.id.scope.label()));
    lines.push(kv(
        theme,
        "updated",
        format!(
            "{} ago ({})",
            human_duration(now.as_second() - row.updated_at.as_second()),
            row.updated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        ),
    ));

    lines.push(Line::default());
    lines.push(section(theme, "Fields"));
    field_lines(theme, "", &row.facts.to_json(), &mut lines);

    let metrics = row.facts.metrics();
    if !metrics.is_empty() {
        lines.push(Line::default());
        lines.push(section(theme, "Metrics (last 3 h, 5-minute averages)"));
        for m in metrics {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<18}", m.name),
                    Style::default().fg(theme.title),
                ),
                Span::styled(m.sparkline(), Style::default().fg(theme.accent)),
                Span::raw(format!("  now {:.1}", m.last().unwrap_or_default())),
            ]));
        }
    }

    if !row.conditions.is_empty() {
        lines.push(Line::default());
        lines.push(section(theme, "Conditions"));
        lines.push(Line::from(Span::styled(
            format!(
                "  {:<14}{:<8}{:<26}{:<6}MESSAGE",
                "TYPE", "STATUS", "REASON", "AGE"
            ),
            Style::default().fg(theme.title),
        )));
        for c in &row.conditions {
            let age = c
                .last_transition
                .map(|t| human_duration(now.as_second() - t.as_second()))
                .unwrap_or_else(|| "-".into());
            let style = match (c.kind.as_str(), c.status.as_str()) {
                ("Ready", "False") | ("Stalled", "True") => theme.health_style(Health::Failed),
                _ => Style::default().fg(theme.fg),
            };
            lines.push(Line::from(Span::styled(
                format!(
                    "  {:<14}{:<8}{:<26}{:<6}{}",
                    c.kind, c.status, c.reason, age, c.message
                ),
                style,
            )));
        }
    }

    let related = fleet.related(row);
    if !related.is_empty() {
        lines.push(Line::default());
        lines.push(section(theme, "Related"));
        for k in related {
            let Some(r) = fleet.get(k) else { continue };
            lines.push(Line::from(vec![
                Span::raw(format!("  {:<7}", r.kind().short())),
                Span::raw(format!("{:<44}", r.id.display_name())),
                Span::styled(
                    format!("{:<12}", r.health.as_str()),
                    theme.health_style(r.health),
                ),
                Span::styled(r.reason.clone(), theme.dim()),
            ]));
        }
    }

    if detail.events != DetailEvents::NotApplicable {
        lines.push(Line::default());
        lines.push(section(theme, "Events"));
        match &detail.events {
            DetailEvents::Loading => {
                lines.push(Line::from(Span::styled("  loading…", theme.dim())))
            }
            DetailEvents::Failed(e) => lines.push(Line::from(Span::styled(
                format!("  {e}"),
                theme.health_style(Health::Failed),
            ))),
            DetailEvents::Loaded(v) if v.is_empty() => {
                lines.push(Line::from(Span::styled("  no recent events", theme.dim())))
            }
            DetailEvents::Loaded(v) => {
                lines.push(Line::from(Span::styled(
                    format!(
                        "  {:<9}{:<26}{:<6}{:<6}MESSAGE",
                        "TYPE", "REASON", "AGE", "COUNT"
                    ),
                    Style::default().fg(theme.title),
                )));
                for e in v {
                    let age = e
                        .last_seen
                        .map(|t| human_duration(now.as_second() - t.as_second()))
                        .unwrap_or_else(|| "-".into());
                    let style = if e.event_type == "Warning" {
                        theme.health_style(Health::Degraded)
                    } else {
                        Style::default().fg(theme.fg)
                    };
                    lines.push(Line::from(Span::styled(
                        format!(
                            "  {:<9}{:<26}{:<6}{:<6}{}",
                            e.event_type,
                            e.reason,
                            age,
                            format!("x{}", e.count),
                            e.message
                        ),
                        style,
                    )));
                }
            }
            DetailEvents::NotApplicable => {}
        }
    }

    lines.push(Line::default());
    lines.push(section(theme, "Commands"));
    for cmd in row.facts.cli(row) {
        lines.push(Line::from(vec![
            Span::styled("  $ ", theme.dim()),
            Span::raw(cmd),
        ]));
    }

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
    let p = Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border())
                .title(title),
        )
        .wrap(Wrap { trim: false })
        .scroll((detail.scroll, 0));
    f.render_widget(p, area);
}
