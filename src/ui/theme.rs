//! Themes: `themes/*.toml` shipped in the binary, user themes in `$XDG_CONFIG_HOME/opsdeck/themes`.
//! A user theme may set only some keys; the rest come from the default theme.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::model::Health;

/// The shipped themes, embedded at build time.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme file {file}: {message}")]
    Invalid { file: String, message: String },
    #[error("theme {name:?} not found: looked in {user_dir} and the built-in themes ({builtin})")]
    NotFound {
        name: String,
        user_dir: String,
        builtin: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    pub fg: Color,
    pub bg: Color,
    pub border: Color,
    pub title: Color,
    pub header: Color,
    pub header_bg: Color,
    pub dim: Color,
    pub accent: Color,
    pub selection_fg: Color,
    pub selection_bg: Color,
    pub badge_fg: Color,
    pub badge_bg: Color,
    health: [Color; 6],
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    ui: UiSection,
    #[serde(default)]
    health: HealthSection,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct UiSection {
    foreground: Option<String>,
    background: Option<String>,
    border: Option<String>,
    title: Option<String>,
    header: Option<String>,
    header_background: Option<String>,
    dim: Option<String>,
    accent: Option<String>,
    selection_foreground: Option<String>,
    selection_background: Option<String>,
    badge_foreground: Option<String>,
    badge_background: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct HealthSection {
    healthy: Option<String>,
    suspended: Option<String>,
    progressing: Option<String>,
    unknown: Option<String>,
    degraded: Option<String>,
    failed: Option<String>,
}

impl Theme {
    /// The built-in default theme.
    pub fn default_theme() -> Theme {
        Theme::parse("default", BUILTIN[0].1, None).expect("the built-in default theme is valid")
    }

    /// Parses a theme file's text. `base` supplies keys the file leaves out.
    pub fn parse(file: &str, text: &str, base: Option<&Theme>) -> Result<Theme, ThemeError> {
        let invalid = |message: String| ThemeError::Invalid {
            file: file.to_string(),
            message,
        };
        let raw: ThemeFile =
            toml::from_str(text).map_err(|e| invalid(e.to_string().trim_end().to_string()))?;
        // A key the file leaves out comes from `base` (the field `inherit` picks), if there is one.
        let colour = |key: &str,
                      v: &Option<String>,
                      inherit: fn(&Theme) -> Color|
         -> Result<Color, ThemeError> {
            match (v, base.map(inherit)) {
                (Some(s), _) => Color::from_str(s).map_err(|_| invalid(format!("key {key}: {s:?} is not a colour (use a name such as \"lightred\", an index such as \"208\" or \"#rrggbb\")"))),
                (None, Some(c)) => Ok(c),
                (None, None) => Err(invalid(format!("key {key} is missing"))),
            }
        };
        let u = &raw.ui;
        let h = &raw.health;
        Ok(Theme {
            name: file.to_string(),
            fg: colour("ui.foreground", &u.foreground, |b| b.fg)?,
            bg: colour("ui.background", &u.background, |b| b.bg)?,
            border: colour("ui.border", &u.border, |b| b.border)?,
            title: colour("ui.title", &u.title, |b| b.title)?,
            header: colour("ui.header", &u.header, |b| b.header)?,
            header_bg: colour("ui.header_background", &u.header_background, |b| {
                b.header_bg
            })?,
            dim: colour("ui.dim", &u.dim, |b| b.dim)?,
            accent: colour("ui.accent", &u.accent, |b| b.accent)?,
            selection_fg: colour("ui.selection_foreground", &u.selection_foreground, |b| {
                b.selection_fg
            })?,
            selection_bg: colour("ui.selection_background", &u.selection_background, |b| {
                b.selection_bg
            })?,
            badge_fg: colour("ui.badge_foreground", &u.badge_foreground, |b| b.badge_fg)?,
            badge_bg: colour("ui.badge_background", &u.badge_background, |b| b.badge_bg)?,
            health: [
                colour("health.healthy", &h.healthy, |b| b.health[0])?,
                colour("health.suspended", &h.suspended, |b| b.health[1])?,
                colour("health.progressing", &h.progressing, |b| b.health[2])?,
                colour("health.unknown", &h.unknown, |b| b.health[3])?,
                colour("health.degraded", &h.degraded, |b| b.health[4])?,
                colour("health.failed", &h.failed, |b| b.health[5])?,
            ],
        })
    }

    /// Finds a theme by name (user directory first, then built-in) or by path to a `.toml` file.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let base = Theme::default_theme();
        let read = |path: &Path| -> Result<Theme, ThemeError> {
            let text = std::fs::read_to_string(path).map_err(|e| ThemeError::Invalid {
                file: path.display().to_string(),
                message: e.to_string(),
            })?;
            let mut t = Theme::parse(&path.display().to_string(), &text, Some(&base))?;
            t.name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(t)
        };
        if name.ends_with(".toml") || name.contains('/') {
            return read(Path::new(name));
        }
        if let Some(path) = user_dir
            .map(|d| d.join(format!("{name}.toml")))
            .filter(|p| p.exists())
        {
            return read(&path);
        }
        match BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => {
                Theme::parse(&format!("themes/{n}.toml"), text, Some(&base)).map(|mut t| {
                    t.name = n.to_string();
                    t
                })
            }
            None => Err(ThemeError::NotFound {
                name: name.to_string(),
                user_dir: user_dir
                    .map(|d| d.display().to_string())
                    .unwrap_or_else(|| "(no config dir)".into()),
                builtin: BUILTIN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Names of every theme available: built-in and user.
    pub fn available(user_dir: Option<&Path>) -> Vec<String> {
        let mut names: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
        if let Some(entries) = user_dir.and_then(|d| std::fs::read_dir(d).ok()) {
            for e in entries.flatten() {
                let p: PathBuf = e.path();
                if p.extension().is_some_and(|x| x == "toml")
                    && let Some(stem) = p.file_stem()
                {
                    names.push(stem.to_string_lossy().into_owned());
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }

    pub fn health(&self, h: Health) -> Color {
        self.health[h.severity() as usize]
    }

    pub fn health_style(&self, h: Health) -> Style {
        let s = Style::default().fg(self.health(h));
        if h == Health::Failed {
            s.add_modifier(Modifier::BOLD)
        } else {
            s
        }
    }

    pub fn base(&self) -> Style {
        Style::default().fg(self.fg).bg(self.bg)
    }

    pub fn dim(&self) -> Style {
        Style::default().fg(self.dim)
    }

    pub fn selection(&self) -> Style {
        Style::default()
            .fg(self.selection_fg)
            .bg(self.selection_bg)
            .add_modifier(Modifier::BOLD)
    }

    pub fn badge(&self) -> Style {
        Style::default()
            .fg(self.badge_fg)
            .bg(self.badge_bg)
            .add_modifier(Modifier::BOLD)
    }

    pub fn header(&self) -> Style {
        Style::default().fg(self.header).bg(self.header_bg)
    }

    pub fn title(&self) -> Style {
        Style::default().fg(self.title).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self) -> Style {
        Style::default().fg(self.border)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_is_complete_and_valid() {
        for (name, text) in BUILTIN {
            Theme::parse(name, text, None).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(Theme::load("light", None).unwrap().name, "light");
    }

    /// Writes the user theme `name` into `dir`.
    fn write_theme(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(format!("{name}.toml")), text).unwrap();
    }

    #[test]
    fn a_bad_theme_names_the_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        // The theme, its file's text (none: no such theme), what the error names.
        let cases: [(&str, Option<&str>, &[&str]); 3] = [
            (
                "mine",
                Some("[health]\nfailed = \"blurple\"\n"),
                &["mine.toml", "health.failed", "blurple"],
            ),
            (
                "typo",
                Some("[ui]\nbordr = \"red\"\n"),
                &["typo.toml", "bordr", "line 2"],
            ),
            ("nope", None, &["not found", "high-contrast"]),
        ];
        for (name, text, named) in cases {
            if let Some(text) = text {
                write_theme(dir.path(), name, text);
            }
            let e = Theme::load(name, Some(dir.path())).unwrap_err().to_string();
            assert!(named.iter().all(|n| e.contains(n)), "{e}");
        }
    }

    #[test]
    fn a_partial_user_theme_inherits_the_default() {
        let dir = tempfile::tempdir().unwrap();
        write_theme(dir.path(), "red", "[health]\nfailed = \"#ff0000\"\n");
        let t = Theme::load("red", Some(dir.path())).unwrap();
        assert_eq!(t.health(Health::Failed), Color::Rgb(255, 0, 0));
        assert_eq!(t.border, Theme::default_theme().border);
        assert!(Theme::available(Some(dir.path())).contains(&"red".to_string()));
    }
}
