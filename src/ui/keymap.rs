//! Key bindings: one table that both the input handler and the help overlay read, so help always
//! lists exactly what works.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    CommandBar,
    Filter,
    Help,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    Open,
    Back,
    NextPane,
    PrevPane,
    SortNext,
    SortReverse,
    /// Reconcile a Flux object, renew a certificate.
    Refresh,
    /// Suspend or resume a Flux object.
    ToggleSuspend,
    /// The logs of the row's pods (of the pod, in the pods list).
    Logs,
    /// The Flux controller's lines about the object (`flux logs`).
    ControllerLogs,
    /// The row's pods, as a list to pick one from.
    Pods,
    /// In a detail: Normal events too, or warnings only.
    ToggleEvents,
    /// An ECS service: set its desired count (the command bar opens with `:scale `).
    Scale,
    /// Every context and namespace again (k9s's `0`).
    Everywhere,
    /// The object as its API serves it: YAML from a cluster, JSON for AWS rows.
    Yaml,
    /// Copy the row's name (a text view: its text) to the clipboard, by OSC 52.
    Copy,
    /// Every command and its aliases.
    Aliases,
}

pub struct Binding {
    pub keys: &'static [&'static str],
    pub action: Action,
    pub help: &'static str,
}

const fn bind(keys: &'static [&'static str], action: Action, help: &'static str) -> Binding {
    Binding { keys, action, help }
}

/// Normal-mode bindings, in the order help lists them.
pub const BINDINGS: &[Binding] = &[
    bind(
        &[":"],
        Action::CommandBar,
        "command bar (:ks, :hr numen-games, :ecs… Tab goes round)",
    ),
    bind(
        &["/"],
        Action::Filter,
        "filter rows: regex or text, on every column; spaces separate terms; ! inverts",
    ),
    bind(&["?"], Action::Help, "this help"),
    bind(&["j", "Down"], Action::Down, "next row"),
    bind(&["k", "Up"], Action::Up, "previous row"),
    bind(&["PgDn", "Ctrl-f", "Ctrl-d"], Action::PageDown, "page down"),
    bind(&["PgUp", "Ctrl-b", "Ctrl-u"], Action::PageUp, "page up"),
    bind(&["g", "Home"], Action::Top, "first row"),
    bind(&["G", "End"], Action::Bottom, "last row"),
    bind(
        &["Enter", "d"],
        Action::Open,
        "details (k9s's describe): fields, conditions, related rows, CLI commands",
    ),
    bind(
        &["Esc"],
        Action::Back,
        "back where you came from (clears the filter first)",
    ),
    bind(&["Tab"], Action::NextPane, "next pane"),
    bind(&["Shift-Tab"], Action::PrevPane, "previous pane"),
    bind(&["s"], Action::SortNext, "sort by the next column"),
    bind(&["S"], Action::SortReverse, "reverse the sort"),
    bind(
        &["R"],
        Action::Refresh,
        "reconcile, renew, redeploy, refresh (Argo CD); needs --write, asks first",
    ),
    bind(
        &["T"],
        Action::ToggleSuspend,
        "suspend or resume (Flux); needs --write, asks first",
    ),
    bind(
        &["l"],
        Action::Logs,
        "logs of the row's pods (in the pods list: of the pod)",
    ),
    bind(
        &["L"],
        Action::ControllerLogs,
        "Flux controller's log lines about the object (flux logs)",
    ),
    bind(
        &["p"],
        Action::Pods,
        "the row's pods, to pick one (l: its logs)",
    ),
    bind(
        &["e"],
        Action::ToggleEvents,
        "in a detail: Normal events too, or warnings only",
    ),
    bind(
        &["="],
        Action::Scale,
        "ECS service: set the desired count (:scale N); needs --write, asks first",
    ),
    bind(
        &["y"],
        Action::Yaml,
        "the object's YAML, fetched now (AWS rows: JSON of what opsdeck read)",
    ),
    bind(
        &["c"],
        Action::Copy,
        "copy the row's name (in y, Ctrl-a: the text) to the clipboard, OSC 52",
    ),
    bind(
        &["Ctrl-a"],
        Action::Aliases,
        "every command and its aliases",
    ),
    bind(
        &["0"],
        Action::Everywhere,
        "every context and namespace again (after :ctx NAME, :ns NAME)",
    ),
    bind(
        &["q", "Ctrl-c"],
        Action::Quit,
        "quit (Ctrl-c also quits while typing)",
    ),
];

/// Keys a table takes beyond `BINDINGS`: a capital letter no binding has sorts by the column
/// whose title starts with it, as k9s's `Shift-N`, `Shift-A`… do.
pub const TABLE_KEYS: &[(&str, &str)] = &[(
    "Shift-letter",
    "sort by the column whose title starts with it (N name, H health, C context…); again: reverse",
)];

/// The column a capital letter sorts by, among `titles`, when no binding has that key.
pub fn sort_letter(ev: &KeyEvent, titles: &[&str]) -> Option<usize> {
    let KeyCode::Char(c) = ev.code else {
        return None;
    };
    if !c.is_ascii_uppercase() || ev.modifiers.contains(KeyModifiers::CONTROL) {
        return None;
    }
    if action_for(ev).is_some() {
        return None;
    }
    // k9s's Shift-N is the name, before a NAMESPACE left of it.
    let name = (c == 'N')
        .then(|| titles.iter().position(|t| *t == "NAME"))
        .flatten();
    name.or_else(|| titles.iter().position(|t| t.starts_with(c)))
}

/// Keys while typing in the command bar or the filter.
pub const INPUT_BINDINGS: &[(&str, &str)] = &[
    ("Enter", "run the command / keep the filter"),
    ("Esc", "cancel (the filter is cleared)"),
    ("Tab", "the next completion (Shift-Tab: the one before)"),
    ("Backspace", "delete a character"),
];

/// The canonical name of a key press, as `BINDINGS` spells it.
pub fn key_name(ev: &KeyEvent) -> Option<String> {
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    let name = match ev.code {
        KeyCode::Char(c) if ctrl => format!("Ctrl-{}", c.to_ascii_lowercase()),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => "Shift-Tab".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Down => "Down".into(),
        KeyCode::Up => "Up".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Backspace => "Backspace".into(),
        _ => return None,
    };
    Some(name)
}

/// What a paste types into an input: its text on one line (`text::one_line`: line breaks, tabs
/// and other control characters become spaces, a run of them one space, none at either end).
/// Every input is one line, and nothing in a paste may act as a key: a line break in it never
/// presses Enter, an escape sequence in it is only its printable characters. A paste arrives
/// whole (bracketed paste), and only an input being typed in takes it.
pub fn pasted(text: &str) -> String {
    crate::text::one_line(text)
}

pub fn action_for(ev: &KeyEvent) -> Option<Action> {
    let name = key_name(ev)?;
    BINDINGS
        .iter()
        .find(|b| b.keys.contains(&name.as_str()))
        .map(|b| b.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn keys_resolve_to_actions() {
        assert_eq!(
            action_for(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for(&key(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevPane)
        );
        assert_eq!(
            action_for(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            action_for(&key(KeyCode::Char('x'), KeyModifiers::NONE)),
            None
        );
        let titles = ["NAMESPACE", "NAME", "HEALTH", "REASON"];
        let shift = |c| key(KeyCode::Char(c), KeyModifiers::SHIFT);
        assert_eq!(sort_letter(&shift('N'), &titles), Some(1), "the name");
        assert_eq!(sort_letter(&shift('H'), &titles), Some(2));
        assert_eq!(sort_letter(&shift('R'), &titles), None, "R reconciles");
        assert_eq!(sort_letter(&shift('Z'), &titles), None);
    }

    #[test]
    fn a_paste_is_one_line_of_text() {
        assert_eq!(pasted("hyperfy2\nRyes\n"), "hyperfy2 Ryes");
        assert_eq!(pasted("hyperfy2\r\nRyes\r\n"), "hyperfy2 Ryes");
        assert_eq!(pasted("\r prod-cluster\r"), "prod-cluster");
        assert_eq!(pasted("a\tb\u{1b}[201~c"), "a b [201~c");
        assert_eq!(pasted("\n\r\n"), "");
    }

    #[test]
    fn no_key_is_bound_twice() {
        let mut all: Vec<&str> = BINDINGS
            .iter()
            .flat_map(|b| b.keys.iter().copied())
            .collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn the_keybindings_doc_lists_every_binding() {
        let doc = include_str!("../../docs/keybindings.md");
        for b in BINDINGS {
            for k in b.keys {
                assert!(
                    doc.contains(&format!("`{k}`")),
                    "docs/keybindings.md does not mention `{k}`"
                );
            }
        }
        for (k, _) in TABLE_KEYS {
            assert!(
                doc.contains(&format!("`{k}`")),
                "docs/keybindings.md: `{k}`"
            );
        }
        for (name, _) in crate::ui::pane::COMMANDS {
            assert!(
                doc.contains(&format!("`:{name}`")),
                "docs/keybindings.md does not mention `:{name}`"
            );
        }
    }
}
