//! Where opsdeck's files live, via the `directories` crate (XDG on Linux).

use std::path::PathBuf;

use directories::ProjectDirs;

fn dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "opsdeck")
}

/// `$XDG_CONFIG_HOME/opsdeck`.
pub fn config_dir() -> Option<PathBuf> {
    dirs().map(|d| d.config_dir().to_path_buf())
}

/// `$XDG_CONFIG_HOME/opsdeck/config.toml`.
pub fn config_file() -> Option<PathBuf> {
    config_dir().map(|d| d.join("config.toml"))
}

/// `$XDG_CONFIG_HOME/opsdeck/themes`.
pub fn user_themes_dir() -> Option<PathBuf> {
    config_dir().map(|d| d.join("themes"))
}

/// `$XDG_STATE_HOME/opsdeck`: logs and runbook journals.
pub fn state_dir() -> Option<PathBuf> {
    dirs().map(|d| {
        d.state_dir()
            .map(|p| p.to_path_buf())
            .unwrap_or_else(|| d.data_local_dir().to_path_buf())
    })
}

/// `$XDG_STATE_HOME/opsdeck/opsdeck.log`.
pub fn log_file() -> Option<PathBuf> {
    state_dir().map(|d| d.join("opsdeck.log"))
}
