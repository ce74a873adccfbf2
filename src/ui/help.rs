//! The `?` overlay: the keys of the view it opened over first, then every key binding and every
//! command, from the same tables the handler uses, in two columns on a wide terminal. It scrolls
//! like every page (`pager`); Esc, `?` or Enter close it, and any other key does nothing.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::component::{Component, Ctx, Effect, Regions};
use super::hints::Hint;
use super::keymap::{Action, BINDINGS, INPUT_BINDINGS, TABLE_KEYS, action_for};
use super::pager::{self, Pager};
use super::pane::{COMMANDS, Command};

/// The help overlay: its scroll position, and how far the last frame could scroll.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Help {
    pub pager: Pager,
    /// The view it was opened over and that view's keys, listed first.
    pub here: Option<(String, Vec<Hint>)>,
}

impl Help {
    /// The help opened over `view`, whose keys it lists first.
    pub fn over(view: String, keys: Vec<Hint>) -> Help {
        Help {
            here: Some((view, keys)),
            ..Help::default()
        }
    }
}

impl Component for Help {
    /// It scrolls like a pager (Space a page, `G` the end); Esc, `?` or Enter close it, and
    /// any other key does nothing rather than close it unasked.
    fn key(&mut self, ev: KeyEvent, _: &Ctx) -> Effect {
        if matches!(action_for(&ev), Some(Action::Help | Action::Open)) {
            return Effect::close();
        }
        self.pager.key(&ev, |_| Effect::None)
    }

    fn draw(&self, f: &mut Frame, regions: Regions, ctx: &Ctx) {
        render(f, regions.body, ctx, &self.pager, self.here.as_ref());
    }
}

/// The widest key column: longer keys (a command's many aliases) get a line of their own.
const KEY_WIDTH: usize = 24;

/// The key column's width: its longest key, at most `KEY_WIDTH`.
fn widest(lengths: impl Iterator<Item = usize>) -> usize {
    lengths.max().unwrap_or(0).min(KEY_WIDTH)
}

/// A key and what it does, as help lines; keys are padded to `width`, the column's longest.
fn entry<'a>(key_style: Style, key: &str, width: usize, what: impl Into<String>) -> Vec<Line<'a>> {
    let what = Span::raw(what.into());
    if key.len() > width {
        return vec![
            Line::from(Span::styled(format!("  {key}"), key_style)),
            Line::from(vec![Span::raw(" ".repeat(width + 4)), what]),
        ];
    }
    vec![Line::from(vec![
        Span::styled(format!("  {key:<width$}  "), key_style),
        what,
    ])]
}

/// What a command opens or does, for the help.
fn command_help(cmd: Command) -> String {
    match cmd {
        Command::Open(p) => p.title().to_string(),
        Command::OpenFiltered(p, filter) => format!("{}, filtered to {filter}", p.title()),
        Command::OpenApiKind(p, api) => format!("{}, only {api}", p.title()),
        Command::Help => "this help".into(),
        Command::Runbooks => "runbooks: create-org, failover, staging-refresh, resume".into(),
        Command::Sources => "the data sources: status, what each brings, errors".into(),
        Command::Timeline => "what changed, newest first, across every source".into(),
        Command::Quit => "quit".into(),
        Command::Scale => "scale N: set the ECS service's desired count".into(),
        Command::Sync => "sync the Argo CD Application (argocd app sync)".into(),
        Command::Context => "ctx NAME: every pane in that context only (0: all)".into(),
        Command::Namespace => "ns NAME: every pane in that namespace only (0: all)".into(),
    }
}

/// Each command target once, its aliases together: (":ks :kustomizations", "Kustomizations").
fn command_lines() -> Vec<(String, String)> {
    let mut groups: Vec<(Command, Vec<&str>)> = Vec::new();
    for (name, cmd) in COMMANDS {
        match groups.iter_mut().find(|(c, _)| c == cmd) {
            Some((_, names)) => names.push(name),
            None => groups.push((*cmd, vec![name])),
        }
    }
    groups
        .into_iter()
        .map(|(cmd, names)| {
            let names: Vec<String> = names.iter().map(|n| format!(":{n}")).collect();
            (names.join(" "), command_help(cmd))
        })
        .collect()
}

/// The commands and their aliases, one per line, for `Ctrl-a`.
pub(super) fn alias_lines() -> Vec<String> {
    let commands = command_lines();
    let width = commands.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    commands
        .into_iter()
        .map(|(names, what)| format!("  {names:<width$}  {what}"))
        .collect()
}

/// Draws the help; how far it can scroll.
fn render(f: &mut Frame, area: Rect, ctx: &Ctx, pager: &Pager, here: Option<&(String, Vec<Hint>)>) {
    let t = ctx.theme;
    let key_style = Style::default().fg(t.accent);
    let bound: Vec<(String, &str)> = BINDINGS
        .iter()
        .map(|b| (b.keys.join(" "), b.help))
        .chain(TABLE_KEYS.iter().map(|(k, what)| (k.to_string(), *what)))
        .collect();
    let keys_width = widest(
        bound
            .iter()
            .map(|(k, _)| k.len())
            .chain(INPUT_BINDINGS.iter().map(|(k, _)| k.len())),
    );
    let mut keys = Vec::new();
    if let Some((view, hints)) = here {
        keys.push(Line::from(Span::styled(
            format!("Keys here ({view})"),
            t.title(),
        )));
        for h in hints {
            keys.extend(entry(key_style, h.key, keys_width, h.what));
        }
        keys.push(Line::default());
    }
    keys.push(Line::from(Span::styled("All keys", t.title())));
    for (k, what) in &bound {
        keys.extend(entry(key_style, k, keys_width, *what));
    }
    keys.push(Line::default());
    keys.push(Line::from(Span::styled(
        "While typing (: and /)",
        t.title(),
    )));
    for (k, what) in INPUT_BINDINGS {
        keys.extend(entry(key_style, k, keys_width, *what));
    }
    let commands = command_lines();
    let more_width = widest(
        super::logs::LOG_KEYS
            .iter()
            .map(|(k, _)| k.len())
            .chain(commands.iter().map(|(names, _)| names.len())),
    );
    let mut more = vec![Line::from(Span::styled(
        "In the log view (l, L)",
        t.title(),
    ))];
    for (k, what) in super::logs::LOG_KEYS {
        more.extend(entry(key_style, k, more_width, *what));
    }
    more.push(Line::default());
    more.push(Line::from(Span::styled("Commands", t.title())));
    for (names, what) in commands {
        more.extend(entry(key_style, &names, more_width, what));
    }
    // A wide terminal shows the keys beside the rest; a narrow one, one after the other.
    let two = area.width >= 160;
    let columns: Vec<Vec<Line>> = if two {
        vec![keys, more]
    } else {
        keys.push(Line::default());
        keys.extend(more);
        vec![keys]
    };
    let tallest = columns.iter().map(Vec::len).max().unwrap_or(0) as u16;
    let width = if two {
        area.width.min(200)
    } else {
        area.width.min(100)
    };
    let height = (tallest + 2).min(area.height);
    let room = height.saturating_sub(2);
    let (scroll, position) = pager.frame(tallest as usize, room as usize);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    f.render_widget(Clear, popup);
    let block = pager::block(ctx, format!(" Help — Esc closes {position}"));
    let inner = block.inner(popup);
    f.render_widget(block, popup);
    let n = columns.len() as u16;
    for (i, col) in columns.into_iter().enumerate() {
        let w = inner.width / n;
        let x = inner.x + w * i as u16;
        let rect = Rect {
            x,
            y: inner.y,
            width: if i as u16 == n - 1 {
                inner.width - w * (n - 1)
            } else {
                w
            },
            height: inner.height,
        };
        let end = (col.len() as u16).saturating_sub(rect.height);
        f.render_widget(Paragraph::new(col).scroll((scroll.min(end), 0)), rect);
    }
}
