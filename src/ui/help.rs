//! The `?` overlay: every key binding and every command, from the same tables the handler uses.
//! Any bound key closes it (`:` opens the command bar in its place, `q` quits).

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::component::{Component, Ctx, Effect, Overlay, Regions};
use super::keymap::{Action, BINDINGS, INPUT_BINDINGS, action_for};
use super::pane::{COMMANDS, Command};

/// The help overlay; it has no state of its own.
pub struct Help;

impl Component for Help {
    fn key(&mut self, ev: KeyEvent, _: &Ctx) -> Effect {
        match action_for(&ev) {
            None => Effect::None,
            Some(Action::Quit) => Effect::Quit,
            Some(Action::CommandBar) => Effect::close_then(Effect::Open(Overlay::CommandBar)),
            Some(_) => Effect::close(),
        }
    }

    fn draw(&self, f: &mut Frame, regions: Regions, ctx: &Ctx) {
        render(f, regions.body, ctx);
    }
}

fn render(f: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let key_style = Style::default().fg(t.accent);
    let mut lines = vec![Line::from(Span::styled("Keys", t.title()))];
    for b in BINDINGS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<24}", b.keys.join(" ")), key_style),
            Span::raw(b.help),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "While typing (: and /)",
        t.title(),
    )));
    for (k, what) in INPUT_BINDINGS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {k:<24}"), key_style),
            Span::raw(*what),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("Commands", t.title())));
    // One line per target, its aliases together: ":ks :kustomizations  Kustomizations".
    let mut groups: Vec<(Command, Vec<&str>)> = Vec::new();
    for (name, cmd) in COMMANDS {
        match groups.iter_mut().find(|(c, _)| c == cmd) {
            Some((_, names)) => names.push(name),
            None => groups.push((*cmd, vec![name])),
        }
    }
    for (cmd, names) in groups {
        let what = match cmd {
            Command::Open(p) => p.title(),
            Command::Help => "this help",
            Command::Runbooks => "runbooks: create-org, failover, staging-refresh, resume",
            Command::Quit => "quit",
        };
        let names = names
            .iter()
            .map(|n| format!(":{n}"))
            .collect::<Vec<_>>()
            .join(" ");
        lines.push(Line::from(vec![
            Span::styled(format!("  {names:<24}"), key_style),
            Span::raw(what),
        ]));
    }
    let width = area.width.min(100);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    f.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(t.accent))
        .title(Span::styled(" Help — Esc closes ", t.title()))
        .style(t.base());
    f.render_widget(Paragraph::new(lines).block(block), popup);
}
