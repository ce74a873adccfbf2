//! Starting the TUI on a backend.

use std::process::ExitCode;
use std::sync::Arc;

use crossterm::event::EventStream;

use super::Sources;
use crate::backend::demo::{self, DemoOptions, DemoWorld, MemoryGit};
use crate::backend::kube;
use crate::clock::whole_second_now;
use crate::clock::{SharedClock, SimClock, SystemClock};
use crate::inspect::route::Router;
use crate::row_actions::ActionRouter;
use crate::runbook::Ports;
use crate::runbook::from_world::WorldHints;
use crate::store::changes::MAX_CHANGES;
use crate::store::{self, Fleet};
use crate::timeline_db::{self, Recorder, TimelineDb};
use crate::ui::event_loop::Stop;
use crate::ui::terminal::{Signals, TerminalGuard};
use crate::ui::{App, Theme, event_loop};

/// The TUI on the configured kube contexts.
pub async fn real(
    sources: Sources,
    fleet_name: String,
    theme: Theme,
    read_only: bool,
    runbook_ports: Option<(Ports, WorldHints)>,
    protected: crate::ui::app::Protected,
) -> ExitCode {
    let clock: SharedClock = Arc::new(SystemClock);
    let (tx, rx) = store::channel();
    let loaded = sources
        .kube
        .as_ref()
        .and_then(|k| kube::kubeconfig::load(k.kubeconfig.as_deref()).ok());
    let aws = sources.aws.clone();
    let tasks = super::start_sources(sources, clock.clone(), tx).await;
    let mut fleet = Fleet::new(fleet_name);
    let (recorder, unkept) = keep_timeline(&mut fleet, open_timeline(false));
    let mut app = App::new(fleet, clock, theme, read_only)
        .with_protected(protected)
        .with_incident_file(crate::incident_mark::path(false))
        .with_notice(unkept);
    if let Some((ports, hints)) = runbook_ports {
        app = app
            .with_runbooks(ports, super::runbook::journal_dir())
            .with_world_hints(hints);
    }
    // Details and logs read each row from the side it came from.
    let mut router = Router::default();
    let mut actions = ActionRouter::default();
    if let Some(loaded) = loaded {
        let loaded = Arc::new(loaded);
        router.kube = Some(Arc::new(kube::inspect::KubeInspector::new(loaded.clone())));
        actions.kube = Some(Arc::new(kube::row_actions::KubeActions::new(
            loaded, !read_only,
        )));
    }
    if let Some(aws) = aws {
        router.aws = Some(Arc::new(crate::backend::aws::inspect::AwsInspector::new(
            aws.clone(),
        )));
        actions.aws = Some(Arc::new(crate::backend::aws::row_actions::AwsActions::new(
            aws,
            !read_only,
            crate::audit::path(),
        )));
    }
    let router = Arc::new(router);
    app = app
        .with_actions(Arc::new(actions))
        .with_inspector(router.clone())
        .with_logs(router);
    let code = run(app, rx).await;
    drop(tasks);
    if let Some(r) = recorder {
        r.finish();
    }
    code
}

pub async fn demo(scale: u32, speed: f64, theme: Theme, read_only: bool) -> ExitCode {
    let kept = open_timeline(true);
    // The demo's simulated time goes on from where the kept timeline ends: a run at --speed 60
    // went ahead of the wall clock, and the next run must not start before what it recorded.
    let newest = kept
        .as_ref()
        .ok()
        .and_then(|(_, kept)| kept.last())
        .map(|c| c.at);
    let origin = match newest {
        Some(n) if n >= whole_second_now() => {
            jiff::Timestamp::from_second(n.as_second() + 1).unwrap_or(n)
        }
        _ => whole_second_now(),
    };
    let clock = Arc::new(SimClock::new(origin, speed));
    let (tx, rx) = store::channel();
    let opts = DemoOptions {
        scale,
        speed,
        list_events: kept.as_ref().map_or(true, |(_, kept)| kept.is_empty()),
        ..DemoOptions::default()
    };
    // Runbooks act on the demo world, whose changes reach the fleet like the backend's.
    let world = DemoWorld::new(clock.clone(), Some(tx.clone()), MemoryGit::seeded());
    let (task, actions) = demo::spawn_writable(opts, clock.clone(), tx);
    let fleet_name = if scale > 1 {
        format!("demo ×{scale}")
    } else {
        "demo".to_string()
    };
    let inspector = Arc::new(demo::DemoInspector::new(clock.clone(), clock.origin()));
    let mut fleet = Fleet::new(fleet_name);
    let (recorder, unkept) = keep_timeline(&mut fleet, kept);
    let app = App::new(fleet, clock, theme, read_only)
        .with_incident_file(crate::incident_mark::path(true))
        .with_notice(unkept)
        .with_runbooks(world.ports(), super::runbook::journal_dir())
        .with_actions(Arc::new(actions))
        .with_inspector(inspector.clone())
        .with_logs(inspector);
    tracing::info!(scale, speed, "demo started");
    let code = run(app, rx).await;
    task.abort();
    if let Some(r) = recorder {
        r.finish();
    }
    code
}

/// Runs the TUI until `q`, an error or a stop signal (SIGHUP, SIGINT, SIGQUIT, SIGTERM). Each
/// way out leaves through the guard's drop, which restores the terminal before opsdeck exits; a
/// panic restores it in the guard's panic hook. After a signal the exit status is 128 + its
/// number (130 for SIGINT, 143 for SIGTERM): see `StopSignal::exit_code`.
async fn run(app: App, rx: crate::store::UpdateReceiver) -> ExitCode {
    let mut app = app.with_clipboard(Arc::new(crate::ui::terminal::copy_to_clipboard));
    // Before raw mode, so that no moment is left where a signal ends opsdeck with the terminal raw.
    let mut signals = match Signals::install() {
        Ok(s) => s,
        Err(e) => return super::fail(format!("cannot handle signals: {e}")),
    };
    let result = {
        let mut guard = match TerminalGuard::enter() {
            Ok(g) => g,
            Err(e) => return super::fail(format!("cannot set up the terminal: {e}")),
        };
        let events = EventStream::new();
        event_loop::run_until_signal(guard.terminal(), &mut app, events, rx, &mut signals).await
    };
    // The terminal is back: a run cut off says how to resume it, and the exit says it was.
    if let Some(resume) = app.cut_run() {
        eprintln!("opsdeck: {resume}");
        if matches!(result, Ok(Stop::Quit)) {
            return ExitCode::from(1);
        }
    }
    match result {
        Ok(Stop::Quit) => ExitCode::SUCCESS,
        Ok(Stop::Signal(signal)) => {
            tracing::info!(signal = signal.name(), "stopped by a signal");
            signal.exit_code()
        }
        Err(e) => {
            tracing::error!("TUI stopped: {e:#}");
            super::fail(e)
        }
    }
}

/// The file that keeps the timeline (the demo's apart), opened, and what it kept.
fn open_timeline(demo: bool) -> Result<(TimelineDb, Vec<crate::store::changes::Change>), String> {
    let path = timeline_db::path(demo).ok_or("no state directory")?;
    let db = TimelineDb::open(&path).map_err(|e| e.to_string())?;
    let kept = db
        .recent(MAX_CHANGES)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((db, kept))
}

/// Starts the fleet with what the file kept, and keeps every new change there from now on. A
/// file that cannot be used costs the keeping, not the TUI: the notice it gives says why.
fn keep_timeline(
    fleet: &mut Fleet,
    opened: Result<(TimelineDb, Vec<crate::store::changes::Change>), String>,
) -> (Option<Recorder>, Option<String>) {
    match opened {
        Ok((db, kept)) => {
            tracing::info!(path = %db.path().display(), kept = kept.len(), "timeline kept on disk");
            let (recorder, sink) = Recorder::start(db);
            fleet.keep_timeline(kept, sink);
            (Some(recorder), None)
        }
        Err(e) => {
            tracing::warn!("the timeline is not kept on disk: {e}");
            (None, Some(format!("the timeline is not kept on disk: {e}")))
        }
    }
}
