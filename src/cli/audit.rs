//! `opsdeck audit [--since DURATION_OR_TIMESTAMP] [--json]`: the writes the audit log records
//! (kube and ECS actions, runbook steps), one line each, newest last: a write's `started` line
//! is folded into its outcome, and shown only when no outcome followed.

use std::io::Write;
use std::process::ExitCode;

use jiff::Timestamp;

use crate::audit;

/// `--since`'s parser: a duration back from now or a time (see `audit::parse_since`).
pub fn parse_since(text: &str) -> Result<Timestamp, String> {
    audit::parse_since(text, Timestamp::now())
}

pub fn run(since: Option<Timestamp>, json: bool) -> ExitCode {
    let Some(path) = audit::path() else {
        return super::fail("cannot find a state directory, where the audit log is kept");
    };
    let entries = match audit::read_from(&path, since) {
        Ok(v) => audit::fold(v),
        Err(e) => return super::fail(format!("audit log {}: {e}", path.display())),
    };
    if entries.is_empty() {
        eprintln!(
            "opsdeck: no writes recorded in {}{}",
            path.display(),
            since
                .map(|s| format!(" since {}", s.strftime("%Y-%m-%dT%H:%M:%SZ")))
                .unwrap_or_default()
        );
        return ExitCode::SUCCESS;
    }
    let mut out = std::io::stdout().lock();
    for entry in &entries {
        let line = if json {
            match serde_json::to_string(entry) {
                Ok(l) => l,
                Err(e) => return super::fail(format!("audit log {}: {e}", path.display())),
            }
        } else {
            entry.to_string()
        };
        // A closed pipe (`| head`) ends the listing quietly.
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
}
