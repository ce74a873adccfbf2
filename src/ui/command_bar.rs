//! The input line's own component: the command bar after `:` (Tab completes, Enter runs the
//! command) and the filter after `/` (it applies as you type).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::component::{Component, Ctx, Effect, Message, Overlay, Regions};
use super::keymap::pasted;
use super::pane::{Command, completions, parse_command};
use crate::row_actions::RowAction;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No input open: keys go to what lies below.
    Normal,
    /// Typing after `:`.
    Command(String),
    /// Typing after `/`; the filter applies as you type.
    Filter(String),
}

/// What the command typed after `:` does once the bar has closed.
fn command(input: &str) -> Effect {
    if input.trim().is_empty() {
        return Effect::None;
    }
    // `:scale N` takes its number.
    if let Some(n) = input.trim().strip_prefix("scale") {
        let n = n.trim();
        return match n.parse::<u32>() {
            Ok(n) if n <= 10_000 => Effect::AskAction(RowAction::Scale(n), None),
            _ => Effect::Say(Message::error(format!(
                ":scale takes the desired count, 0 to 10000 (:scale 3), not {n:?}"
            ))),
        };
    }
    match parse_command(input) {
        Ok(Command::Open(p)) => Effect::OpenPane(p),
        Ok(Command::OpenFiltered(p, filter)) => Effect::OpenPaneFiltered(p, filter.to_string()),
        Ok(Command::Help) => Effect::Open(Overlay::Help),
        Ok(Command::Runbooks) => Effect::Open(Overlay::Runbooks),
        Ok(Command::Quit) => Effect::Quit,
        Ok(Command::Scale) => Effect::Say(Message::error(
            ":scale takes the desired count (:scale 3)".to_string(),
        )),
        Err(e) => Effect::Say(Message::error(e)),
    }
}

impl Component for Mode {
    fn key(&mut self, ev: KeyEvent, _: &Ctx) -> Effect {
        match self {
            Mode::Normal => Effect::None,
            Mode::Command(input) => match ev.code {
                KeyCode::Esc => Effect::close(),
                KeyCode::Enter => Effect::close_then(command(input)),
                KeyCode::Tab => {
                    if let Some(first) = completions(input).first() {
                        *input = first.to_string();
                    }
                    Effect::None
                }
                // Backspace on nothing closes the bar.
                KeyCode::Backspace => match input.pop() {
                    Some(_) => Effect::None,
                    None => Effect::close(),
                },
                KeyCode::Char(c) => {
                    input.push(c);
                    Effect::None
                }
                _ => Effect::None,
            },
            Mode::Filter(input) => match ev.code {
                // Esc drops the filter, Enter keeps it.
                KeyCode::Esc => Effect::close_then(Effect::Filter(String::new())),
                KeyCode::Enter => Effect::close_then(Effect::Filter(input.clone())),
                KeyCode::Backspace => {
                    input.pop();
                    Effect::Filter(input.clone())
                }
                KeyCode::Char(c) => {
                    input.push(c);
                    Effect::Filter(input.clone())
                }
                _ => Effect::None,
            },
        }
    }

    /// The paste's text is typed into the command or the filter; nothing in it runs the command
    /// or keeps the filter.
    fn paste(&mut self, text: &str) -> Option<Effect> {
        let text = pasted(text);
        if text.is_empty() {
            return None;
        }
        match self {
            Mode::Normal => None,
            Mode::Command(input) => {
                input.push_str(&text);
                Some(Effect::None)
            }
            Mode::Filter(input) => {
                input.push_str(&text);
                Some(Effect::Filter(input.clone()))
            }
        }
    }

    fn draw(&self, f: &mut Frame, regions: Regions, ctx: &Ctx) {
        let t = ctx.theme;
        let typed = |prefix: char, input: &str, hint: String| {
            Line::from(vec![
                Span::styled(
                    format!(" {prefix}{input}"),
                    Style::default().fg(t.accent).add_modifier(Modifier::BOLD),
                ),
                Span::styled("▏", Style::default().fg(t.accent)),
                Span::styled(hint, t.dim()),
            ])
        };
        let line = match self {
            Mode::Normal => return,
            Mode::Command(input) => {
                let hints = completions(input)
                    .into_iter()
                    .take(8)
                    .collect::<Vec<_>>()
                    .join("  ");
                typed(':', input, format!("   {hints}"))
            }
            Mode::Filter(input) => typed(
                '/',
                input,
                "   Enter keeps the filter · Esc clears it · a leading ! inverts".to_string(),
            ),
        };
        f.render_widget(Paragraph::new(line), regions.input);
    }
}
