//! The panes and the commands that open them.

use crate::model::Kind;
use crate::store::view::ViewSource;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Overview,
    Problems,
    Kind(Kind),
}

/// Tab order.
pub const ORDER: [Pane; 11] = [
    Pane::Overview,
    Pane::Problems,
    Pane::Kind(Kind::Cluster),
    Pane::Kind(Kind::EcsService),
    Pane::Kind(Kind::Kustomization),
    Pane::Kind(Kind::HelmRelease),
    Pane::Kind(Kind::FluxSource),
    Pane::Kind(Kind::Certificate),
    Pane::Kind(Kind::DbInstance),
    Pane::Kind(Kind::Region),
    Pane::Kind(Kind::Organization),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Open(Pane),
    Help,
    Runbooks,
    Quit,
}

/// Every command name the bar accepts, first the short ones k9s and flux users type.
pub const COMMANDS: &[(&str, Command)] = &[
    ("overview", Command::Open(Pane::Overview)),
    ("problems", Command::Open(Pane::Problems)),
    ("clusters", Command::Open(Pane::Kind(Kind::Cluster))),
    ("eks", Command::Open(Pane::Kind(Kind::Cluster))),
    ("ecs", Command::Open(Pane::Kind(Kind::EcsService))),
    ("ks", Command::Open(Pane::Kind(Kind::Kustomization))),
    (
        "kustomizations",
        Command::Open(Pane::Kind(Kind::Kustomization)),
    ),
    ("hr", Command::Open(Pane::Kind(Kind::HelmRelease))),
    ("helmreleases", Command::Open(Pane::Kind(Kind::HelmRelease))),
    ("src", Command::Open(Pane::Kind(Kind::FluxSource))),
    ("sources", Command::Open(Pane::Kind(Kind::FluxSource))),
    ("cert", Command::Open(Pane::Kind(Kind::Certificate))),
    ("certificates", Command::Open(Pane::Kind(Kind::Certificate))),
    ("rds", Command::Open(Pane::Kind(Kind::DbInstance))),
    ("region", Command::Open(Pane::Kind(Kind::Region))),
    ("regions", Command::Open(Pane::Kind(Kind::Region))),
    ("org", Command::Open(Pane::Kind(Kind::Organization))),
    (
        "organizations",
        Command::Open(Pane::Kind(Kind::Organization)),
    ),
    ("runbooks", Command::Runbooks),
    ("rb", Command::Runbooks),
    ("help", Command::Help),
    ("q", Command::Quit),
    ("quit", Command::Quit),
];

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
            Pane::Kind(Kind::Cluster) => "Clusters",
            Pane::Kind(Kind::EcsService) => "ECS",
            Pane::Kind(Kind::Kustomization) => "Ks",
            Pane::Kind(Kind::HelmRelease) => "HR",
            Pane::Kind(Kind::FluxSource) => "Sources",
            Pane::Kind(Kind::Certificate) => "Certs",
            Pane::Kind(Kind::DbInstance) => "RDS",
            Pane::Kind(Kind::Region) => "Regions",
            Pane::Kind(Kind::Organization) => "Orgs",
            other => other.title(),
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

/// Resolves what was typed after `:` (exact name, or an unambiguous prefix).
pub fn parse_command(input: &str) -> Result<Command, String> {
    let input = input.trim();
    if let Some((_, c)) = COMMANDS.iter().find(|(n, _)| *n == input) {
        return Ok(*c);
    }
    let matches: Vec<&(&str, Command)> = COMMANDS
        .iter()
        .filter(|(n, _)| n.starts_with(input))
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

/// Command names completing `input`, shortest first.
pub fn completions(input: &str) -> Vec<&'static str> {
    let mut v: Vec<&str> = COMMANDS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.starts_with(input.trim()) && *n != input.trim())
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
        assert_eq!(completions("re"), ["region", "regions"]);
        assert_eq!(Pane::Overview.next(-1), Pane::Kind(Kind::Organization));
        assert_eq!(Pane::Kind(Kind::Organization).next(1), Pane::Overview);
        assert_eq!(Pane::Kind(Kind::FluxSource).command(), "src");
    }
}
