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
    runbook_ports: Option<Ports>,
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
    let recorder = keep_timeline(&mut fleet, false);
    let mut app = App::new(fleet, clock, theme, read_only).with_protected(protected);
    if let Some(ports) = runbook_ports {
        app = app.with_runbooks(ports, super::runbook::journal_dir());
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
    let clock = Arc::new(SimClock::new(whole_second_now(), speed));
    let (tx, rx) = store::channel();
    let opts = DemoOptions {
        scale,
        speed,
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
    let recorder = keep_timeline(&mut fleet, true);
    let app = App::new(fleet, clock, theme, read_only)
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

/// Starts the fleet with the timeline kept on disk (the demo's apart), and keeps it there from
/// now on. A file that cannot be used costs the keeping, not the TUI: the log says why.
fn keep_timeline(fleet: &mut Fleet, demo: bool) -> Option<Recorder> {
    let path = timeline_db::path(demo)?;
    let opened = TimelineDb::open(&path).and_then(|db| {
        let kept = db.recent(MAX_CHANGES).map_err(|e| timeline_db::DbError {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok((db, kept))
    });
    match opened {
        Ok((db, kept)) => {
            tracing::info!(path = %path.display(), kept = kept.len(), "timeline kept on disk");
            let (recorder, sink) = Recorder::start(db);
            fleet.keep_timeline(kept, sink);
            Some(recorder)
        }
        Err(e) => {
            tracing::warn!("the timeline is not kept on disk: {e}");
            None
        }
    }
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
