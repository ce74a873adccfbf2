//! Logs go to a file through tracing, never to the terminal while the TUI runs. The log is the
//! owner's only (0600, its default directory 0700): it names accounts, clusters and runs.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// What is logged without `OPSDECK_LOG`.
const DEFAULT_FILTER: &str = "warn,opsdeck=info";

/// Starts file logging; keep the guard alive until exit so the last lines are flushed.
/// The level comes from `OPSDECK_LOG` (e.g. `debug`, `opsdeck=trace`), `DEFAULT_FILTER` else.
pub fn init(path: Option<PathBuf>) -> Result<WorkerGuard, String> {
    // The default location is opsdeck's own directory, made private even if it exists; a
    // directory given with --log-file is only created (private) when missing.
    let default = path.is_none();
    let path = path
        .or_else(crate::config::paths::log_file)
        .ok_or("cannot find a state directory for the log file; pass --log-file")?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    crate::private_files::private_dir(&dir, default)
        .map_err(|e| format!("log directory {}: {e}", dir.display()))?;
    let file = crate::private_files::open_append(&path)
        .map_err(|e| format!("log file {}: {e}", path.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    // opsdeck's own info by default; the libraries' warnings only: the AWS SDK's info lines
    // name credential providers and access key ids, which a log shared in a ticket should not.
    let filter =
        EnvFilter::try_from_env("OPSDECK_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .map_err(|e| format!("logging: {e}"))?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "opsdeck starting");
    Ok(guard)
}
