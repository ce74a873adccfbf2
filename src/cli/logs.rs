//! `opsdeck logs KIND/NAMESPACE/NAME`: the logs the TUI's log view shows, printed as they come
//! (`--follow` keeps reading): a workload's, a HelmRelease's or a Kustomization's pods
//! interleaved with a `pod/container │` prefix when there are several, one pod's
//! (`pod/NAMESPACE/NAME`), or with `--flux` the Flux controller's lines about a Flux object.
//! Notes (a pod gone, a stream ended) and errors go to standard error.
//!
//! Exit status: 0 read to the end (or stopped by the reader); 1 bad config or kubeconfig;
//! 2 usage; 3 some stream could not be read (it says why); 4 the object was not found.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use futures_util::StreamExt;

use super::describe::{Locate, parse_path, world};
use crate::config::Config;
use crate::inspect::Subject;
use crate::inspect::logs::{LogEvent, LogQuery, LogTarget};
use crate::text::terminal_safe;

#[derive(Args, Debug)]
pub struct LogsArgs {
    #[command(flatten)]
    pub at: Locate,
    /// Keep reading as lines are written; new pods and restarted containers join
    #[arg(short, long)]
    pub follow: bool,
    /// The previous, terminated containers' logs (why they crashed)
    #[arg(short, long)]
    pub previous: bool,
    /// Only lines newer than this (90s, 30m, 2h)
    #[arg(long, value_name = "DURATION", value_parser = parse_age)]
    pub since: Option<i64>,
    /// Only the last N lines of each container
    #[arg(long, value_name = "N")]
    pub tail: Option<i64>,
    /// Only this container
    #[arg(short, long)]
    pub container: Option<String>,
    /// The Flux controller's lines about the object instead (flux logs --kind --name -n)
    #[arg(long)]
    pub flux: bool,
}

/// "90s", "30m", "2h", "1d" in seconds.
fn parse_age(s: &str) -> Result<i64, String> {
    let d: jiff::SignedDuration = s
        .parse::<jiff::Span>()
        .map_err(|e| format!("{s:?}: {e}"))
        .and_then(|span| {
            span.to_duration(jiff::SpanRelativeTo::days_are_24_hours())
                .map_err(|e| format!("{s:?}: {e}"))
        })
        .or_else(|_| {
            s.parse::<jiff::SignedDuration>()
                .map_err(|e| format!("{s:?} is not a duration like 90s, 30m or 2h: {e}"))
        })?;
    if d.as_secs() <= 0 {
        return Err(format!("{s:?}: give a positive duration"));
    }
    Ok(d.as_secs())
}

pub async fn run(args: LogsArgs, config: &Config) -> ExitCode {
    let query = LogQuery {
        follow: args.follow,
        previous: args.previous,
        since: args.since,
        tail: args.tail,
        container: args.container.clone(),
    };
    let pod = args
        .at
        .path
        .strip_prefix("pod/")
        .or_else(|| args.at.path.strip_prefix("pods/"))
        .map(str::to_string);
    let wanted = match pod {
        Some(_) => None,
        None => match parse_path(&args.at.path) {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!("opsdeck: {e} (or pod/NAMESPACE/NAME)");
                return ExitCode::from(2);
            }
        },
    };
    let kube_only = wanted.as_ref().is_none_or(|w| w.kube_only());
    let world = match world(&args.at, config, kube_only).await {
        Ok(w) => w,
        Err((e, code)) => {
            eprintln!("opsdeck: {e}");
            return ExitCode::from(code);
        }
    };
    let target = match (&pod, &wanted) {
        (Some(p), _) => {
            let Some((ns, name)) = p.split_once('/') else {
                eprintln!("opsdeck: give pod/NAMESPACE/NAME");
                return ExitCode::from(2);
            };
            let context = match &args.at.context {
                Some(c) => c.clone(),
                None => world
                    .fleet
                    .sources()
                    .next()
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
            };
            let context = if args.at.demo {
                crate::backend::demo::seed::PLATFORM_CONTEXT.to_string()
            } else {
                context
            };
            LogTarget::pod(&context, ns, name)
        }
        (None, Some(w)) => {
            let row = match w.find(&world.fleet, &args.at.path, &args.at) {
                Ok(r) => r,
                Err((e, code)) => {
                    eprintln!("opsdeck: {e}");
                    return ExitCode::from(code);
                }
            };
            let subject = Subject::of(row, &world.fleet);
            let target = if args.flux {
                LogTarget::controller(&subject)
            } else {
                Some(LogTarget::of(&subject)).filter(LogTarget::has_logs)
            };
            match target {
                Some(t) => t,
                None if args.flux => {
                    eprintln!(
                        "opsdeck: --flux reads the Flux controller's lines about a Flux object (ks, hr, a source)"
                    );
                    return ExitCode::from(2);
                }
                None => {
                    eprintln!(
                        "opsdeck: {}: no workloads to read logs from (logs reads workloads, HelmReleases and Kustomizations; --flux the controller's lines)",
                        args.at.path
                    );
                    return ExitCode::from(4);
                }
            }
        }
        (None, None) => unreachable!("a path is either a pod or a row"),
    };
    let Some(source) = world.logs.clone() else {
        eprintln!("opsdeck: this backend serves no logs");
        return ExitCode::from(1);
    };
    let mut stream = source.logs(&target, &query);
    let mut stdout = std::io::stdout().lock();
    let mut seen = std::collections::BTreeSet::new();
    let mut failed = false;
    while let Some(ev) = stream.next().await {
        match ev {
            LogEvent::Line(l) => {
                seen.insert((l.pod.clone(), l.container.clone()));
                let prefix =
                    if !target.workloads.is_empty() || target.ecs.is_some() || seen.len() > 1 {
                        format!("{}/{} │ ", l.pod, l.container)
                    } else {
                        String::new()
                    };
                // What a container wrote must not drive this terminal (a title, a clear).
                let line = terminal_safe(&format!("{prefix}{}", l.text)).into_owned();
                if let Err(e) = writeln!(stdout, "{line}") {
                    if e.kind() == std::io::ErrorKind::BrokenPipe {
                        return ExitCode::from(141);
                    }
                    return super::fail(format!("cannot write: {e}"));
                }
            }
            LogEvent::Note(n) => {
                let _ = stdout.flush();
                eprintln!("opsdeck: {}", terminal_safe(&n));
            }
            LogEvent::Error(e) => {
                let _ = stdout.flush();
                eprintln!("opsdeck: {}", terminal_safe(&e));
                failed = true;
            }
        }
    }
    let _ = stdout.flush();
    ExitCode::from(if failed { 3 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_kubectl_since() {
        assert_eq!(parse_age("90s"), Ok(90));
        assert_eq!(parse_age("2h"), Ok(7200));
        assert_eq!(parse_age("1h30m"), Ok(5400));
        assert!(parse_age("soon").is_err());
        assert!(parse_age("0s").is_err());
    }
}
