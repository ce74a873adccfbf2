//! Header (fleet, sources and their staleness, read-only badge, clock), tab bar and the counts
//! it shows, the message line and key hints: what frames the body whatever is open in it.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::component::{Ctx, Message};
use super::pane::{ORDER, Pane};
use crate::model::Health;
use crate::store::{Fleet, SourceStatus};

/// Per-pane counts for the tab bar, cached per fleet generation.
#[derive(Clone, Debug, Default)]
pub struct TabStats {
    pub generation: Option<u64>,
    pub problems: usize,
    pub per_pane: HashMap<Pane, (usize, usize, Option<Health>)>,
}

impl TabStats {
    /// Counts again if the fleet changed since the last count.
    pub fn refresh(&mut self, fleet: &Fleet) {
        let generation = fleet.generation();
        if self.generation == Some(generation) {
            return;
        }
        let per_pane = ORDER
            .into_iter()
            .filter_map(|pane| match pane {
                Pane::Kind(k) => {
                    let t = fleet.tally(k);
                    Some((pane, (t.total(), t.not_healthy(), t.worst())))
                }
                _ => None,
            })
            .collect();
        *self = TabStats {
            generation: Some(generation),
            problems: fleet.problem_count(),
            per_pane,
        };
    }
}

pub fn header(f: &mut Frame, area: Rect, ctx: &Ctx, problems: usize) {
    let t = ctx.theme;
    let now = ctx.now;
    let hs = t.header();
    let mut top = vec![
        Span::styled(" opsdeck ", hs.add_modifier(Modifier::BOLD)),
        Span::styled(format!("│ {} ", ctx.fleet.name()), hs),
        Span::styled(format!("│ {} rows ", ctx.fleet.len()), hs),
    ];
    let pstyle = if problems > 0 {
        hs.fg(t.health(Health::Degraded))
    } else {
        hs.fg(t.health(Health::Healthy))
    };
    top.push(Span::styled(format!("│ {problems} problems "), pstyle));
    let badge = if ctx.read_only {
        " READ-ONLY "
    } else {
        " WRITE "
    };
    top.push(Span::styled("│ ", hs));
    top.push(Span::styled(badge, t.badge()));
    if !ctx.scope.is_empty() {
        top.push(Span::styled(
            format!(" │ {} ", ctx.scope),
            hs.fg(t.accent).add_modifier(Modifier::BOLD),
        ));
    }
    if let Some(start) = ctx.incident {
        // A mark ahead of this clock (another machine's) counts from now, never below zero.
        let since = crate::model::row::human_duration((now.as_second() - start.as_second()).max(0));
        top.push(Span::styled(
            format!(" │ incident +{since} "),
            hs.fg(t.health(Health::Failed)).add_modifier(Modifier::BOLD),
        ));
    }
    if let Some(run) = &ctx.runbook {
        top.push(Span::styled(
            format!(" │ ▶ {run} "),
            hs.fg(t.health(Health::Progressing))
                .add_modifier(Modifier::BOLD),
        ));
    }
    // The clock gives way first (to its time alone, then whole) to the scope and a run.
    let used: usize = top.iter().map(|s| s.width()).sum();
    let room = (area.width as usize).saturating_sub(used);
    let clock = [
        format!(" {} UTC ", now.strftime("%Y-%m-%d %H:%M")),
        format!(" {} UTC ", now.strftime("%H:%M")),
    ]
    .into_iter()
    .find(|c| c.chars().count() <= room)
    .unwrap_or_default();
    let pad = room.saturating_sub(clock.chars().count());
    top.push(Span::styled(" ".repeat(pad), hs));
    top.push(Span::styled(clock, hs.add_modifier(Modifier::BOLD)));

    let sources: Vec<_> = ctx.fleet.sources().collect();
    let ok = sources
        .iter()
        .filter(|s| s.status == SourceStatus::Connected)
        .count();
    let mut line2 = vec![Span::styled(
        format!(" sources {ok}/{} ", sources.len()),
        t.title(),
    )];
    // Sources that need attention first, then the connected ones, dimmed.
    let mut ordered = sources.clone();
    ordered.sort_by_key(|s| s.attention());
    for s in ordered {
        let style = s.health().map_or(t.dim(), |h| t.health_style(h));
        let mut text = s.describe(now);
        if let Some(reason) = s.status.reason() {
            text.push_str(&format!(" ({reason})"));
        }
        for (kind, note) in &s.notes {
            text.push_str(&format!(" [{}: {note}]", kind.short()));
        }
        line2.push(Span::styled("│ ", t.dim()));
        line2.push(Span::styled(format!("{text} "), style));
    }
    f.render_widget(
        Paragraph::new(vec![Line::from(top), Line::from(line2)]),
        area,
    );
}

/// The tab bar. When the full labels do not fit, the kinds' short names stand in for them
/// (`hr 1/50`, `src 19`); when even those do not, the bar shows the tabs around the current
/// one, with `…` where it is cut, so the current tab is always on screen.
pub fn tabs(f: &mut Frame, area: Rect, ctx: &Ctx, shown: Pane, stats: &TabStats) {
    let t = ctx.theme;
    let label = |pane: Pane, short: bool| -> (String, Option<Health>) {
        let name = match pane {
            Pane::Kind(k) if short => k.short(),
            _ => pane.tab_label(),
        };
        match pane {
            Pane::Overview => (name.to_string(), None),
            Pane::Problems => (format!("{name} {}", stats.problems), None),
            Pane::Kind(_) => match stats.per_pane.get(&pane) {
                Some((n, bad, worst)) if *bad > 0 => (format!("{name} {bad}/{n}"), *worst),
                Some((n, _, _)) => (format!("{name} {n}"), None),
                None => (name.to_string(), None),
            },
        }
    };
    let room = area.width as usize;
    // Each tab is " label " and a separator.
    let width_of = |labels: &[(String, Option<Health>)]| -> usize {
        1 + labels
            .iter()
            .map(|(l, _)| l.chars().count() + 3)
            .sum::<usize>()
    };
    // Full labels when they fit; else the empty kinds' give up room first (a Flux-only fleet's
    // Argo CD tabs, an AWS-only one's Flux tabs): their short names, then without their 0;
    // then every kind's.
    let empty =
        |p: &Pane| matches!(p, Pane::Kind(_)) && stats.per_pane.get(p).is_none_or(|s| s.0 == 0);
    let mut labels: Vec<(String, Option<Health>)> =
        ORDER.iter().map(|p| label(*p, false)).collect();
    if width_of(&labels) > room {
        labels = ORDER.iter().map(|p| label(*p, empty(p))).collect();
    }
    if width_of(&labels) > room {
        labels = ORDER
            .iter()
            .map(|p| match p {
                Pane::Kind(k) if empty(p) => (k.short().to_string(), None),
                _ => label(*p, false),
            })
            .collect();
    }
    if width_of(&labels) > room {
        labels = ORDER.iter().map(|p| label(*p, true)).collect();
    }
    let current = ORDER.iter().position(|p| *p == shown).unwrap_or(0);
    // The window of tabs that fits, grown from the current one, right first.
    let (mut first, mut last) = (current, current);
    let fits = |a: usize, b: usize| {
        let more = usize::from(a > 0) + usize::from(b + 1 < labels.len());
        width_of(&labels[a..=b]) + 2 * more <= room
    };
    loop {
        if last + 1 < labels.len() && fits(first, last + 1) {
            last += 1;
        } else if first > 0 && fits(first - 1, last) {
            first -= 1;
        } else {
            break;
        }
    }
    let mut spans = vec![Span::raw(" ")];
    if first > 0 {
        spans.push(Span::styled("… ", t.dim()));
    }
    for (i, (text, worst)) in labels.iter().enumerate().take(last + 1).skip(first) {
        let style = if i == current {
            t.selection()
        } else if let Some(h) = worst {
            t.health_style(*h)
        } else {
            Style::default().fg(t.fg)
        };
        spans.push(Span::styled(format!(" {text} "), style));
        spans.push(Span::styled("│", t.dim()));
    }
    if last + 1 < labels.len() {
        spans.push(Span::styled(" …", t.dim()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The input line when no input is open there: the last message, if any.
pub fn message_line(f: &mut Frame, area: Rect, ctx: &Ctx, message: Option<&Message>) {
    let t = ctx.theme;
    let line = match message {
        Some(m) if m.error => Line::from(Span::styled(
            format!(" {}", m.text),
            t.health_style(Health::Failed),
        )),
        Some(m) => Line::from(Span::styled(
            format!(" {}", m.text),
            Style::default().fg(t.accent),
        )),
        None => Line::default(),
    };
    f.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), area);
}

/// The key hints of the view on top (`hints`), as many as fit.
pub fn footer(f: &mut Frame, area: Rect, ctx: &Ctx, hints: &[super::hints::Hint]) {
    let t = ctx.theme;
    let width_of = |h: &super::hints::Hint| h.key.chars().count() + h.word.chars().count() + 4;
    // `?` and `q` (last in every list) always show: the others take the room before them.
    let kept: usize = hints
        .iter()
        .filter(|h| matches!(h.key, "?" | "q"))
        .map(width_of)
        .sum();
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1 + kept;
    for h in hints {
        let last = matches!(h.key, "?" | "q");
        if !last {
            if used + width_of(h) > area.width as usize {
                continue;
            }
            used += width_of(h);
        }
        spans.push(Span::styled(
            format!("<{}>", h.key),
            Style::default().fg(t.accent).add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::styled(format!("{}  ", h.word), t.dim()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
