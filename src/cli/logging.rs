//! Logs go to a file through tracing, never to the terminal while the TUI runs.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts file logging; keep the guard alive until exit so the last lines are flushed.
/// The level comes from `OPSDECK_LOG` (e.g. `debug`, `opsdeck=trace`), `info` by default.
pub fn init(path: Option<PathBuf>) -> Result<WorkerGuard, String> {
    let path = path
        .or_else(crate::config::paths::log_file)
        .ok_or("cannot find a state directory for the log file; pass --log-file")?;
    let dir = path
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir).map_err(|e| format!("log directory {}: {e}", dir.display()))?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("log file {}: {e}", path.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env("OPSDECK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .map_err(|e| format!("logging: {e}"))?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "opsdeck starting");
    Ok(guard)
}
