//! The pods of a row, as a list to pick one from (k9s's pod view under a deployment): the
//! detail's Pods section, kept live by the detail's fetches, with a cursor. `l` opens the
//! selected pod's logs, Esc goes back to the detail.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::component::{Component, Ctx, Effect, Regions};
use super::keymap::{Action, action_for};
use crate::inspect::document::{pod_header, pod_row};
use crate::inspect::logs::LogTarget;
use crate::model::RowId;
use crate::model::drilldown::{Part, PodLine};

#[derive(Debug)]
pub struct PodsView {
    /// The row whose pods these are (its detail fetches them).
    pub id: RowId,
    pub pods: Vec<PodLine>,
    /// Loading, or why they could not be read.
    pub state: Part,
    pub cursor: usize,
}

impl PodsView {
    pub fn new(id: RowId) -> PodsView {
        PodsView {
            id,
            pods: Vec::new(),
            state: Part::Loading,
            cursor: 0,
        }
    }

    /// The pods as fetched now; the cursor stays on its pod when it is still there.
    pub fn set(&mut self, pods: &[PodLine]) {
        let selected = self.pods.get(self.cursor).map(|p| p.name.clone());
        self.pods = pods.to_vec();
        self.cursor = selected
            .and_then(|n| self.pods.iter().position(|p| p.name == n))
            .unwrap_or(self.cursor)
            .min(self.pods.len().saturating_sub(1));
    }

    fn move_by(&mut self, delta: i64) {
        let last = self.pods.len().saturating_sub(1) as i64;
        self.cursor = (self.cursor as i64 + delta).clamp(0, last.max(0)) as usize;
    }
}

impl Component for PodsView {
    fn key(&mut self, ev: KeyEvent, _: &Ctx) -> Effect {
        let Some(action) = action_for(&ev) else {
            return Effect::None;
        };
        match action {
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            Action::PageDown => self.move_by(10),
            Action::PageUp => self.move_by(-10),
            Action::Top => self.cursor = 0,
            Action::Bottom => self.move_by(i64::MAX / 2),
            Action::Logs | Action::Open => {
                if let Some(p) = self.pods.get(self.cursor) {
                    return Effect::OpenPodLogs(LogTarget::pod(
                        self.id.scope.context(),
                        &p.namespace,
                        &p.name,
                    ));
                }
            }
            Action::Copy => {
                if let Some(p) = self.pods.get(self.cursor) {
                    return Effect::Copy(p.name.clone());
                }
            }
            other => return Effect::common(other).unwrap_or(Effect::None),
        }
        Effect::None
    }

    fn draw(&self, f: &mut Frame, regions: Regions, ctx: &Ctx) {
        let t = ctx.theme;
        let area: Rect = regions.body;
        f.render_widget(Clear, area);
        let mut lines: Vec<Line> = Vec::new();
        match &self.state {
            Part::Loading if self.pods.is_empty() => {
                lines.push(Line::from(Span::styled("  loading…", t.dim())))
            }
            Part::Unavailable { reason } => lines.push(Line::from(Span::styled(
                format!("  {reason}"),
                t.health_style(crate::model::Health::Failed),
            ))),
            _ if self.pods.is_empty() => lines.push(Line::from(Span::styled("  no pods", t.dim()))),
            _ => {
                lines.push(Line::from(Span::styled(
                    pod_header(),
                    Style::default().fg(t.header),
                )));
                // Keep the cursor on screen: two lines per pod at most.
                let room = area.height.saturating_sub(3) as usize;
                let first = self.cursor.saturating_sub(room.saturating_sub(2) / 2);
                for (i, p) in self.pods.iter().enumerate().skip(first) {
                    let mut style = t.health_style(p.health());
                    if i == self.cursor {
                        style = style.patch(t.selection());
                    }
                    lines.push(Line::from(Span::styled(pod_row(p, ctx.now), style)));
                    let why = p.why();
                    if !why.is_empty() {
                        lines.push(Line::from(Span::styled(format!("      {why}"), t.dim())));
                    }
                    if lines.len() > room {
                        break;
                    }
                }
            }
        }
        let title = Line::from(vec![
            Span::styled(" Pods ", t.title()),
            Span::styled(
                format!(
                    "of {} @ {} — l logs · Esc back ",
                    self.id.display_name(),
                    self.id.scope.context()
                ),
                t.dim(),
            ),
        ]);
        f.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(t.border())
                    .title(title),
            ),
            area,
        );
    }
}
