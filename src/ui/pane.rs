//! The panes and the commands that open them. The kinds' panes, their order, tab labels and
//! commands come from the kinds' specs (the registry in `model/kinds`).

use crate::model::Kind;
use crate::store::view::ViewSource;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Overview,
    Problems,
    Kind(Kind),
}

/// Tab order: the Overview, the Problems, then every kind in the registry's order.
pub const ORDER: [Pane; 2 + Kind::ALL.len()] = {
    let mut order = [Pane::Overview; 2 + Kind::ALL.len()];
    order[1] = Pane::Problems;
    let mut i = 0;
    while i < Kind::ALL.len() {
        order[2 + i] = Pane::Kind(Kind::ALL[i]);
        i += 1;
    }
    order
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Open(Pane),
    /// Open the pane with this `/` filter (a kind's filtered command, `:deploy`).
    OpenFiltered(Pane, &'static str),
    Help,
    Runbooks,
    /// `:sources`: the data sources and their status.
    Sources,
    /// `:timeline`: what changed.
    Timeline,
    Quit,
    /// Open the pane filtered to one of its API kinds (`:gitrepository`, `:statefulset`).
    OpenApiKind(Pane, &'static str),
    /// `:scale N`: set an ECS service's desired count (the argument is read by the bar).
    Scale,
    /// `:sync`: sync the selected Argo CD Application.
    Sync,
    /// `:ctx NAME`, `:ns NAME`: look only there (the argument is read by the bar).
    Context,
    Namespace,
}

/// The commands before the kinds' (which come from their specs, in registry order).
const PANE_COMMANDS: [(&str, Command); 2] = [
    ("overview", Command::Open(Pane::Overview)),
    ("problems", Command::Open(Pane::Problems)),
];
/// The commands after the kinds'.
const OTHER_COMMANDS: [(&str, Command); 13] = [
    ("sources", Command::Sources),
    ("timeline", Command::Timeline),
    ("scale", Command::Scale),
    ("sync", Command::Sync),
    ("ctx", Command::Context),
    ("context", Command::Context),
    ("ns", Command::Namespace),
    ("namespace", Command::Namespace),
    ("runbooks", Command::Runbooks),
    ("rb", Command::Runbooks),
    ("help", Command::Help),
    ("q", Command::Quit),
    ("quit", Command::Quit),
];

/// How many `:` commands the kinds declare, filtered ones included.
const fn kind_command_count() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < Kind::ALL.len() {
        n += Kind::ALL[i].spec().commands.len() + Kind::ALL[i].spec().filters.len();
        i += 1;
    }
    n
}

const COMMAND_COUNT: usize = PANE_COMMANDS.len() + kind_command_count() + OTHER_COMMANDS.len();

const COMMAND_TABLE: [(&str, Command); COMMAND_COUNT] = {
    let mut table = [("", Command::Quit); COMMAND_COUNT];
    let mut n = 0;
    let mut i = 0;
    while i < PANE_COMMANDS.len() {
        table[n] = PANE_COMMANDS[i];
        n += 1;
        i += 1;
    }
    let mut k = 0;
    while k < Kind::ALL.len() {
        let kind = Kind::ALL[k];
        let names = kind.spec().commands;
        let mut j = 0;
        while j < names.len() {
            table[n] = (names[j], Command::Open(Pane::Kind(kind)));
            n += 1;
            j += 1;
        }
        let filters = kind.spec().filters;
        j = 0;
        while j < filters.len() {
            table[n] = (
                filters[j].command,
                Command::OpenFiltered(Pane::Kind(kind), filters[j].filter),
            );
            n += 1;
            j += 1;
        }
        k += 1;
    }
    i = 0;
    while i < OTHER_COMMANDS.len() {
        table[n] = OTHER_COMMANDS[i];
        n += 1;
        i += 1;
    }
    table
};

/// Every command name the bar accepts, first the short ones k9s and flux users type.
pub const COMMANDS: &[(&str, Command)] = &COMMAND_TABLE;

impl Pane {
    pub fn title(self) -> &'static str {
        match self {
            Pane::Overview => "Overview",
            Pane::Problems => "Problems",
            Pane::Kind(k) => k.title(),
        }
    }

    /// The short label of the tab bar.
    pub fn tab_label(self) -> &'static str {
        match self {
            Pane::Overview | Pane::Problems => self.title(),
            Pane::Kind(k) => k.spec().tab,
        }
    }

    /// The table a pane shows (the Overview's is its problems list).
    pub fn view_source(self) -> ViewSource {
        match self {
            Pane::Overview | Pane::Problems => ViewSource::Problems,
            Pane::Kind(k) => ViewSource::Kind(k),
        }
    }

    /// The short command that opens the pane, for the tab bar.
    pub fn command(self) -> &'static str {
        COMMANDS
            .iter()
            .find(|(_, c)| *c == Command::Open(self))
            .map(|(n, _)| *n)
            .unwrap_or("")
    }

    pub fn next(self, step: isize) -> Pane {
        let i = ORDER.iter().position(|p| *p == self).unwrap_or(0) as isize;
        ORDER[(i + step).rem_euclid(ORDER.len() as isize) as usize]
    }
}

/// Whether `c` ends opsdeck: typed whole, never reached by a prefix or a completion.
fn quits(c: Command) -> bool {
    c == Command::Quit
}

/// Resolves a command name typed after `:` (the exact name, or an unambiguous prefix; quitting
/// only by its exact name).
pub fn parse_command(input: &str) -> Result<Command, String> {
    let input = input.trim();
    if let Some((_, c)) = COMMANDS.iter().find(|(n, _)| *n == input) {
        return Ok(*c);
    }
    // A kind named as the JSON, `opsdeck kube` and `describe` name it (`helm_release`,
    // `HelmRelease`, `gitrepositories`): one vocabulary everywhere.
    if let Some((kind, api_kind)) = Kind::by_name(input) {
        let pane = Pane::Kind(kind);
        return Ok(match api_kind {
            Some(api) => Command::OpenApiKind(pane, api),
            None => Command::Open(pane),
        });
    }
    let matches: Vec<&(&str, Command)> = COMMANDS
        .iter()
        .filter(|(n, c)| n.starts_with(input) && !quits(*c))
        .collect();
    match matches.as_slice() {
        [] => Err(format!("unknown command :{input} (try :help)")),
        [(_, c)] => Ok(*c),
        many if many.iter().all(|(_, c)| *c == many[0].1) => Ok(many[0].1),
        many => Err(format!(
            "ambiguous :{input}: {}",
            many.iter()
                .map(|(n, _)| format!(":{n}"))
                .collect::<Vec<_>>()
                .join(" ")
        )),
    }
}

/// A command line: the command, then its argument (`:hr numen-games`, `:scale 3`), trimmed.
pub fn parse_line(input: &str) -> Result<(Command, &str), String> {
    let input = input.trim();
    let (name, arg) = input.split_once(char::is_whitespace).unwrap_or((input, ""));
    Ok((parse_command(name)?, arg.trim()))
}

/// Command names completing `input`, shortest first; never a quit.
pub fn completions(input: &str) -> Vec<&'static str> {
    let mut v: Vec<&str> = COMMANDS
        .iter()
        .filter(|(n, c)| n.starts_with(input.trim()) && *n != input.trim() && !quits(*c))
        .map(|(n, _)| *n)
        .collect();
    v.sort_by_key(|n| (n.len(), *n));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_resolve_like_k9s() {
        assert_eq!(
            parse_command("ecs"),
            Ok(Command::Open(Pane::Kind(Kind::EcsService)))
        );
        assert_eq!(
            parse_command("hr"),
            Ok(Command::Open(Pane::Kind(Kind::HelmRelease)))
        );
        assert_eq!(
            parse_command("helm"),
            Ok(Command::Open(Pane::Kind(Kind::HelmRelease)))
        );
        assert_eq!(parse_command("q"), Ok(Command::Quit));
        assert!(parse_command("qu").is_err(), "quitting is typed whole");
        assert_eq!(
            parse_line("hr  numen-games "),
            Ok((Command::Open(Pane::Kind(Kind::HelmRelease)), "numen-games"))
        );
        assert_eq!(parse_command("pro"), Ok(Command::Open(Pane::Problems)));
        assert!(parse_command("c").unwrap_err().contains("ambiguous"));
        assert!(
            parse_command("zzz")
                .unwrap_err()
                .contains("unknown command")
        );
    }

    #[test]
    fn completion_and_tab_order() {
        assert_eq!(completions("ce"), ["cert", "certificates"]);
        assert_eq!(completions("re"), ["redis", "region", "regions"]);
        assert!(!completions("").contains(&"q") && completions("q").is_empty());
        assert_eq!(Pane::Overview.next(-1), Pane::Kind(Kind::Organization));
        assert_eq!(Pane::Kind(Kind::Organization).next(1), Pane::Overview);
        assert_eq!(Pane::Kind(Kind::FluxSource).command(), "src");
    }

    #[test]
    fn every_kind_has_a_pane_a_tab_and_distinct_commands() {
        for kind in Kind::ALL {
            let pane = Pane::Kind(kind);
            assert!(ORDER.contains(&pane), "{kind:?} has no pane");
            assert_eq!(pane.command(), kind.spec().commands[0]);
            assert!(!pane.tab_label().is_empty());
        }
        let mut names: Vec<&str> = COMMANDS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COMMANDS.len(), "a command declared twice");
        assert_eq!(ORDER[..2], [Pane::Overview, Pane::Problems]);
        assert_eq!(COMMANDS.last(), Some(&("quit", Command::Quit)));
    }
}
