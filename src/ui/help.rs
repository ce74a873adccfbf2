//! The `?` overlay: every key binding and every command, from the same tables the handler uses.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::app::App;
use super::keymap::{BINDINGS, INPUT_BINDINGS};
use super::pane::{COMMANDS, Command};

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
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
