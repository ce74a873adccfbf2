//! The input line's own component: the command bar after `:` (Tab and Shift-Tab go round the
//! completions, Enter runs the command with its argument) and the filter after `/` (it applies
//! as you type).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::component::{Component, Ctx, Effect, Message, Overlay, Regions};
use super::keymap::pasted;
use super::pane::{Command, completions, parse_command, parse_line};
use crate::row_actions::RowAction;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No input open: keys go to what lies below.
    Normal,
    /// Typing after `:`, and where Tab is among the completions.
    Command(String, Completing),
    /// Typing after `/`; the filter applies as you type.
    Filter(String),
}

/// What the command typed after `:` does once the bar has closed. An argument to a pane's
/// command filters it (`:hr numen-games`, `:deploy hyperfy`), as k9s takes one.
fn command(input: &str, ctx: &Ctx) -> Effect {
    if input.trim().is_empty() {
        return Effect::None;
    }
    let (command, arg) = match parse_line(input) {
        Ok(parsed) => parsed,
        Err(e) => return Effect::Say(Message::error(e)),
    };
    // As k9s's `:hr NAMESPACE`: a namespace (or context) by its whole name is that one only, not
    // every one it begins (numen-games, not numen-games-pre too).
    let opens_pane = matches!(
        command,
        Command::Open(_) | Command::OpenFiltered(..) | Command::OpenApiKind(..)
    );
    let exact;
    let arg = if opens_pane && !arg.contains(' ') && is_scope(arg, ctx) {
        // Names are DNS labels: only a dot means more in a regex (`regex::escape` would
        // escape every `-` too, and the title shows the filter).
        exact = format!("^{}$", arg.replace('.', "\\."));
        exact.as_str()
    } else {
        arg
    };
    if !arg.is_empty()
        && matches!(
            command,
            Command::Help
                | Command::Runbooks
                | Command::Sources
                | Command::Timeline
                | Command::Sync
        )
    {
        let name = input.split_whitespace().next().unwrap_or_default();
        return Effect::Say(Message::error(format!(":{name} takes no argument")));
    }
    match command {
        Command::Open(p) if arg.is_empty() => Effect::OpenPane(p),
        Command::Open(p) => Effect::OpenPaneFiltered(p, arg.to_string()),
        Command::OpenFiltered(p, filter) if arg.is_empty() => {
            Effect::OpenPaneFiltered(p, filter.to_string())
        }
        Command::OpenFiltered(p, filter) => Effect::OpenPaneFiltered(p, format!("{filter} {arg}")),
        Command::OpenApiKind(p, api) => {
            let filter = format!("{}/ {arg}", api.to_ascii_lowercase());
            Effect::OpenPaneFiltered(p, filter.trim_end().to_string())
        }
        Command::Help => Effect::Open(Overlay::Help),
        Command::Runbooks => Effect::Open(Overlay::Runbooks),
        Command::Sources => Effect::Open(Overlay::Sources),
        Command::Timeline => Effect::Open(Overlay::Timeline),
        Command::Quit => Effect::Quit,
        // k9s's `:ctx` and `:ns`: with no name, the ones there are; `-` or `all`, every one.
        Command::Context if arg.is_empty() => Effect::ListScopes(true),
        Command::Namespace if arg.is_empty() => Effect::ListScopes(false),
        Command::Context => Effect::ScopeContext(scope_arg(arg)),
        Command::Namespace => Effect::ScopeNamespace(scope_arg(arg)),
        Command::Sync => Effect::AskAction(RowAction::Sync, None),
        // `:scale N` takes its number.
        Command::Scale => match arg.parse::<u32>() {
            Ok(n) if n <= 10_000 => Effect::AskAction(RowAction::Scale(n), None),
            _ if arg.is_empty() => Effect::Say(Message::error(
                ":scale takes the desired count (:scale 3)".to_string(),
            )),
            _ => Effect::Say(Message::error(format!(
                ":scale takes the desired count, 0 to 10000 (:scale 3), not {arg:?}"
            ))),
        },
    }
}

/// A character typed into the bar: itself, or with Ctrl as a shell's line editing has it
/// (Ctrl-u clears the line, Ctrl-w deletes the word before the cursor); other Ctrl keys do
/// nothing rather than type their letter.
fn edit(input: &mut String, c: char, modifiers: crossterm::event::KeyModifiers) {
    if !modifiers.contains(crossterm::event::KeyModifiers::CONTROL) {
        input.push(c);
        return;
    }
    match c {
        'u' => input.clear(),
        'w' => {
            let kept = input.trim_end().rfind(' ').map_or(0, |i| i + 1);
            input.truncate(kept);
        }
        _ => {}
    }
}

/// What Tab goes round for `stem`: command names, or after `:ctx ` / `:ns ` the contexts or
/// namespaces the rows have, as whole command lines (`ctx prod-cluster`).
fn candidates(stem: &str, ctx: &Ctx) -> Vec<String> {
    if let Some((name, arg)) = stem.split_once(' ') {
        let context = match parse_command(name) {
            Ok(Command::Context) => true,
            Ok(Command::Namespace) => false,
            _ => return Vec::new(),
        };
        let arg = arg.trim_start();
        return ctx
            .fleet
            .scope_names(context)
            .into_iter()
            .filter(|n| n.starts_with(arg) && n != arg)
            .map(|n| format!("{name} {n}"))
            .collect();
    }
    completions(stem).into_iter().map(str::to_string).collect()
}

/// Whether `name` is a namespace or a context the rows have.
fn is_scope(name: &str, ctx: &Ctx) -> bool {
    ctx.fleet.scope_names(false).contains(name) || ctx.fleet.scope_names(true).contains(name)
}

/// `-` or `all` looks everywhere again.
fn scope_arg(arg: &str) -> Option<String> {
    (arg != "-" && arg != "all").then(|| arg.to_string())
}

/// Tab's place among the completions of what was typed before the first Tab: each Tab shows
/// the next, round (`:r` Tab Tab: `:rb`, `:rds`, …), so none is taken silently.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completing {
    stem: Option<String>,
    /// The candidate shown now, by its place among the stem's.
    shown: Option<usize>,
}

impl Component for Mode {
    fn key(&mut self, ev: KeyEvent, ctx: &Ctx) -> Effect {
        match self {
            Mode::Normal => Effect::None,
            Mode::Command(input, tab) => match ev.code {
                KeyCode::Esc => Effect::close(),
                KeyCode::Enter => Effect::close_then(command(input, ctx)),
                KeyCode::Tab | KeyCode::BackTab => {
                    let stem = tab.stem.get_or_insert_with(|| input.clone());
                    let all = candidates(stem, ctx);
                    let n = all.len();
                    if n > 0 {
                        let i = match (tab.shown, ev.code == KeyCode::BackTab) {
                            (None, false) => 0,
                            (None, true) => n - 1,
                            (Some(i), false) => (i + 1) % n,
                            (Some(i), true) => (i + n - 1) % n,
                        };
                        *input = all[i].clone();
                        tab.shown = Some(i);
                    }
                    Effect::None
                }
                // Backspace on nothing closes the bar.
                KeyCode::Backspace => {
                    *tab = Completing::default();
                    match input.pop() {
                        Some(_) => Effect::None,
                        None => Effect::close(),
                    }
                }
                KeyCode::Char(c) => {
                    *tab = Completing::default();
                    edit(input, c, ev.modifiers);
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
                    edit(input, c, ev.modifiers);
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
            Mode::Command(input, tab) => {
                *tab = Completing::default();
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
            Mode::Command(input, tab) => {
                let stem = tab.stem.as_deref().unwrap_or(input);
                // An argument's candidates show by the name alone.
                let shown = |c: String| match c.split_once(' ') {
                    Some((_, arg)) => arg.to_string(),
                    None => c,
                };
                let hints = candidates(stem, ctx)
                    .into_iter()
                    .take(8)
                    .map(shown)
                    .collect::<Vec<_>>()
                    .join("  ");
                typed(':', input, format!("   {hints}"))
            }
            Mode::Filter(input) => typed(
                '/',
                input,
                "   regex or text, on every column; spaces: all terms · ! inverts · Enter keeps · Esc clears"
                    .to_string(),
            ),
        };
        f.render_widget(Paragraph::new(line), regions.input);
    }
}
