//! The runbook screen drawn: the list, the form with each field's problems beside it, the plan,
//! a resume's plan, and a run's steps with their gauges and times.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::state::{Ended, RunbookScreen, Stage};
use crate::model::Health;
use crate::runbook::render::secs;
use crate::runbook::{RUNBOOKS, StepSpec, journal};
use crate::ui::component::Ctx;
use crate::ui::theme::Theme;

fn gauge(progress: Option<f64>, width: usize) -> String {
    match progress {
        Some(p) => {
            let filled = ((p.clamp(0.0, 1.0)) * width as f64).round() as usize;
            format!(
                "[{}{}] {:>3.0}%",
                "█".repeat(filled),
                "·".repeat(width - filled),
                p * 100.0
            )
        }
        None => " ".repeat(width + 7),
    }
}

/// What the list says of each runbook; one without a line here shows its CLI description.
const SUMMARIES: &[(&str, &str)] = &[
    ("create-org", "onboard a tenant organization (seed 001)"),
    (
        "failover",
        "fail a routed name over to the other region (seed 003)",
    ),
    (
        "staging-refresh",
        "make staging a copy of production (seed 004)",
    ),
];

/// A step of a plan still to do: what it changes, where, and the equivalent command.
fn step_lines(t: &Theme, s: &StepSpec, lines: &mut Vec<Line<'_>>) {
    lines.push(Line::from(format!(
        "     {} → {}",
        s.description.what, s.description.target
    )));
    if let Some(cli) = &s.description.equivalent_cli {
        lines.push(Line::from(Span::styled(
            format!("     $ {cli}"),
            Style::default().fg(t.dim),
        )));
    }
}

/// A step's title in the column it has: up to 52 cells, less on a narrow terminal (where the
/// `others` cells of state, gauge and time must still fit), cut with `…` in the middle.
fn step_title(title: &str, width: u16, others: u16) -> String {
    let room = width.saturating_sub(2 + 5 + others).clamp(16, 52);
    let cut = crate::ui::fit::cut(title, room, crate::model::column::Priority::Identity);
    let pad = room.saturating_sub(crate::ui::fit::text_width(&cut)) as usize;
    format!("{cut}{}", " ".repeat(pad))
}

pub fn render(f: &mut Frame, area: Rect, ctx: &Ctx, screen: &RunbookScreen) {
    let t = ctx.theme;
    let accent = Style::default().fg(t.accent);
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = Vec::new();
    // What the screen asks to be typed: drawn below the body, always on screen.
    let mut prompt: Vec<Line> = Vec::new();
    let title: String;
    match &screen.stage {
        Stage::List { cursor, journals } => {
            title = " Runbooks — Enter opens, Esc closes ".to_string();
            for (i, spec) in RUNBOOKS.iter().enumerate() {
                let name = spec.name;
                let what = SUMMARIES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or(spec.about, |(_, what)| *what);
                let style = if i == *cursor {
                    t.selection()
                } else {
                    Style::default()
                };
                lines.push(Line::from(vec![
                    Span::styled(format!(" {name:<18}"), style.patch(accent)),
                    Span::styled(what, style),
                ]));
            }
            if !journals.is_empty() {
                lines.push(Line::default());
                lines.push(Line::from(Span::styled(
                    " Interrupted runs (Enter shows what is left to resume)",
                    bold,
                )));
                for (j, path) in journals.iter().enumerate() {
                    let style = if RUNBOOKS.len() + j == *cursor {
                        t.selection()
                    } else {
                        Style::default()
                    };
                    let progress = journal::replay(path)
                        .map(|r| format!("{} steps verified", r.verified.len()))
                        .unwrap_or_default();
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    lines.push(Line::from(Span::styled(
                        format!(" {name}  {progress}"),
                        style,
                    )));
                }
            }
            if ctx.read_only {
                lines.push(Line::default());
                lines.push(Line::from(Span::styled(
                    " read-only: plans only; start opsdeck with --write to apply",
                    Style::default().fg(t.health(Health::Degraded)),
                )));
            }
        }
        Stage::Form {
            spec,
            fields,
            focus,
            problems,
            world,
        } => {
            title = format!(" {} — Tab moves, Enter plans, Esc back ", spec.name);
            let failed = Style::default().fg(t.health(Health::Failed));
            for (i, fl) in fields.iter().enumerate() {
                let cursor = if i == *focus { "▏" } else { "" };
                let style = if i == *focus {
                    t.selection()
                } else {
                    Style::default()
                };
                lines.push(Line::from(vec![
                    Span::styled(format!(" {:<34}", fl.label), accent),
                    Span::styled(format!("{}{cursor}", fl.value), style),
                ]));
                // Under the field's value, what is wrong with it.
                for p in &fl.problems {
                    lines.push(Line::from(Span::styled(
                        format!(" {:<34}✗ {p}", ""),
                        failed,
                    )));
                }
            }
            for p in problems {
                lines.push(Line::from(Span::styled(format!(" ✗ {p}"), failed)));
            }
            // What the world told: read values and where from, the choices not picked.
            if world.asked.is_some() {
                lines.push(Line::from(Span::styled(
                    " reading what the world tells…",
                    t.dim(),
                )));
            }
            if !world.said.is_empty() {
                lines.push(Line::from(""));
            }
            for said in &world.said {
                lines.push(Line::from(Span::styled(format!(" · {said}"), t.dim())));
            }
        }
        Stage::Checking { name } => {
            title = format!(" {name} ");
            lines.push(Line::from(" checking the world and building the plan…"));
        }
        Stage::Plan {
            rb,
            steps,
            findings,
            overridable,
            confirm,
            reason,
            focus_reason,
        } => {
            title = format!(
                " {} → {} — plan (nothing written yet) ",
                rb.name(),
                rb.target()
            );
            for (i, s) in steps.iter().enumerate() {
                lines.push(Line::from(vec![
                    Span::styled(format!("{:>3}. ", i + 1), accent),
                    Span::styled(s.title.clone(), bold),
                ]));
                step_lines(t, s, &mut lines);
            }
            for fi in findings {
                lines.push(Line::from(format!(" note: {fi}")));
            }
            for o in overridable {
                lines.push(Line::from(Span::styled(
                    format!(" ! {o}"),
                    Style::default().fg(t.health(Health::Degraded)),
                )));
            }
            if !overridable.is_empty() {
                let style = if *focus_reason {
                    t.selection()
                } else {
                    Style::default()
                };
                prompt.push(Line::from(vec![
                    Span::styled(" reason to go ahead anyway (Tab): ", accent),
                    Span::styled(reason.clone(), style),
                ]));
            }
            let style = if *focus_reason {
                Style::default()
            } else {
                t.selection()
            };
            prompt.push(Line::from(vec![
                Span::styled(
                    format!(" type {} and Enter to apply: ", rb.target()),
                    accent,
                ),
                Span::styled(confirm.clone(), style),
            ]));
        }
        Stage::Resume(plan) => {
            title = format!(
                " resume {} → {} — plan (nothing written yet), Esc back ",
                plan.runbook, plan.target
            );
            let name = plan
                .journal
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(" journal: ", accent),
                Span::raw(name),
            ]));
            lines.push(Line::from(vec![
                Span::styled(" ran in:  ", accent),
                Span::raw(match &plan.world {
                    Some(w) => w.to_string(),
                    None => "(not recorded)".to_string(),
                }),
            ]));
            lines.push(Line::default());
            for (i, (s, done)) in plan.steps.iter().enumerate() {
                let state = if *done { "done" } else { "to do" };
                lines.push(Line::from(vec![
                    Span::styled(format!("{:>3}. ", i + 1), accent),
                    Span::styled(step_title(&s.title, area.width, 16), bold),
                    Span::styled(format!(" {state}"), accent),
                ]));
                if !*done {
                    step_lines(t, s, &mut lines);
                }
            }
            let done = plan.steps.iter().filter(|(_, d)| *d).count();
            if !plan.steps.is_empty() {
                lines.push(Line::from(format!(
                    " {done} of {} steps done; the first step left is checked again before it is applied",
                    plan.steps.len()
                )));
            }
            let failed = Style::default().fg(t.health(Health::Failed));
            for p in &plan.problems {
                lines.push(Line::from(Span::styled(format!(" ✗ {p}"), failed)));
            }
            if let Some(m) = &plan.message {
                lines.push(Line::from(Span::styled(format!(" ✗ {m}"), failed)));
            }
            if ctx.read_only {
                lines.push(Line::from(Span::styled(
                    " read-only: start opsdeck with --write to resume",
                    Style::default().fg(t.health(Health::Degraded)),
                )));
            }
            if plan.problems.is_empty() {
                prompt.push(Line::from(vec![
                    Span::styled(
                        format!(" type {} and Enter to resume: ", plan.target),
                        accent,
                    ),
                    Span::styled(plan.confirm.clone(), t.selection()),
                ]));
            }
        }
        Stage::Running {
            name,
            steps,
            journal,
            outcome,
            ..
        } => {
            title = if let Some((Ended::Stopped, _)) = outcome {
                format!(" {name} — stopped, Esc closes ")
            } else if outcome.is_some() {
                format!(" {name} — finished, Esc closes ")
            } else if screen.aborting() {
                format!(" {name} — stopping after the current step ")
            } else {
                format!(" {name} — running · Esc: leave it running · a: stop after this step ")
            };
            for (i, s) in steps.iter().enumerate() {
                let elapsed = s.elapsed.map(secs).unwrap_or_default();
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("{:>3}. {}", i + 1, step_title(&s.title, area.width, 40)),
                        bold,
                    ),
                    Span::styled(format!(" {:<12}", s.state), accent),
                    Span::raw(format!(" {} {elapsed:>6}", gauge(s.progress, 10))),
                ]));
                if !s.note.is_empty() && s.state != "done" {
                    lines.push(Line::from(Span::styled(
                        format!("      {}", s.note),
                        Style::default().fg(t.dim),
                    )));
                }
            }
            if let Some(j) = journal {
                lines.push(Line::from(format!(" journal: {}", j.display())));
            }
            if let Some((_, text)) = outcome {
                for l in text.lines() {
                    lines.push(Line::from(l.to_string()));
                }
            }
        }
    }
    // The whole body, so nothing of the pane underneath shows at the edges.
    let popup = area;
    f.render_widget(Clear, popup);
    let body = Paragraph::new(lines).wrap(Wrap { trim: false });
    let inner = Block::default().borders(Borders::ALL).inner(popup);
    let prompt_height = (prompt.len() as u16 + 1).min(inner.height / 2);
    let body_height =
        inner
            .height
            .saturating_sub(if prompt.is_empty() { 0 } else { prompt_height });
    let limit = body
        .line_count(inner.width)
        .saturating_sub(body_height as usize);
    let limit = u16::try_from(limit).unwrap_or(u16::MAX);
    screen.scroll_limit.set(limit);
    let scroll = screen.scroll.min(limit);
    // Where the body is, when it does not all fit: "lines 1–20 of 34, ↑↓ PgUp PgDn".
    let title = if limit > 0 {
        let total = body_height as usize + limit as usize;
        let last = scroll as usize + body_height as usize;
        format!(
            "{title}· lines {}–{last} of {total}, ↑↓ PgUp PgDn ",
            scroll + 1
        )
    } else {
        title
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(accent)
        .title(Span::styled(title, t.title()))
        .style(t.base());
    f.render_widget(block, popup);
    let body_area = Rect {
        height: body_height,
        ..inner
    };
    f.render_widget(body.scroll((scroll, 0)), body_area);
    if !prompt.is_empty() {
        let prompt_area = Rect {
            y: inner.y + body_height,
            height: inner.height - body_height,
            ..inner
        };
        let mut with_gap = vec![Line::default()];
        with_gap.extend(prompt);
        f.render_widget(
            Paragraph::new(with_gap).wrap(Wrap { trim: false }),
            prompt_area,
        );
    }
}
