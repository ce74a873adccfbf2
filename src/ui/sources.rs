//! `:sources`: the data sources opsdeck reads (each kube context, each AWS account and region),
//! live: status and for how long, what each brings (rows per kind), the kinds it cannot show
//! and why, and the last error. What the header's "sources 10/11" counts, spelled out. It
//! scrolls like the help; Esc closes it.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::component::{Component, Ctx, Effect, Regions};
use super::fit::{cut, text_width};
use super::pager::Pager;
use crate::model::column::Priority;
use crate::model::row::human_duration;
use crate::model::{Health, Kind};
use crate::store::{Fleet, SourceStatus};

#[derive(Default)]
pub struct SourcesView {
    pub pager: Pager,
}

impl Component for SourcesView {
    fn key(&mut self, ev: KeyEvent, _: &Ctx) -> Effect {
        self.pager.key(&ev, |_| Effect::None)
    }

    fn draw(&self, f: &mut Frame, regions: Regions, ctx: &Ctx) {
        let t = ctx.theme;
        let area = regions.body;
        let rows = rows_by_source(ctx.fleet);
        let mut sources: Vec<_> = ctx.fleet.sources().collect();
        // Those that need attention first, as in the header.
        sources.sort_by_key(|s| (s.attention(), s.name.clone()));
        let name_w = sources
            .iter()
            .map(|s| text_width(&s.name))
            .max()
            .unwrap_or(6)
            .clamp(6, 40);
        let inner_w = area.width.saturating_sub(2);
        let rows_w = 44u16.min(inner_w.saturating_sub(name_w + 24) / 2);
        let rest = inner_w.saturating_sub(name_w + 1 + 12 + 9 + rows_w + 1);
        let head = format!(
            "{:<nw$} {:<12}{:<9}{:<rw$} {}",
            "SOURCE",
            "STATUS",
            "FOR",
            "ROWS",
            "WHY (ERROR, KINDS NOT SHOWN)",
            nw = name_w as usize,
            rw = rows_w as usize,
        );
        let mut lines = vec![Line::from(Span::styled(head, Style::default().fg(t.title)))];
        for s in &sources {
            let style = t.health_style(s.health().unwrap_or(Health::Healthy));
            let brings = rows
                .get(s.name.as_str())
                .map(|kinds| {
                    kinds
                        .iter()
                        .map(|(k, n)| format!("{} {n}", k.short()))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_else(|| "-".into());
            let mut why: Vec<String> = s.status.reason().map(str::to_string).into_iter().collect();
            why.extend(s.notes.iter().map(|(k, n)| format!("{}: {n}", k.short())));
            lines.push(Line::from(vec![
                Span::raw(format!(
                    "{:<nw$} ",
                    cut(&s.name, name_w, Priority::Identity),
                    nw = name_w as usize
                )),
                Span::styled(format!("{:<12}", s.status.label()), style),
                Span::raw(format!("{:<9}", human_duration(s.age_s(ctx.now)))),
                Span::raw(format!(
                    "{:<rw$} ",
                    cut(&brings, rows_w, Priority::Reason),
                    rw = rows_w as usize
                )),
                Span::styled(cut(&why.join(" · "), rest, Priority::Reason), style),
            ]));
        }
        let connected = sources
            .iter()
            .filter(|s| s.status == SourceStatus::Connected)
            .count();
        self.pager.draw(f, area, ctx, lines, |position| {
            format!(
                " Data sources — {connected}/{} connected, Esc closes {position}",
                sources.len()
            )
        });
    }
}

/// How many rows of each kind each source brought (roll-ups, which no source brings, left out).
fn rows_by_source(fleet: &Fleet) -> HashMap<&str, BTreeMap<Kind, usize>> {
    let mut out: HashMap<&str, BTreeMap<Kind, usize>> = HashMap::new();
    for kind in Kind::ALL.into_iter().filter(|k| !k.is_rollup()) {
        for row in fleet.rows_of(kind) {
            *out.entry(&row.source).or_default().entry(kind).or_default() += 1;
        }
    }
    out
}
