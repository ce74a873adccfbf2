//! The UI task: waits on input, store updates, the next moment the screen's text changes (clock,
//! ages) and, in the real TUI, the signals that stop it; redraws only on change, updates at most
//! 30 times a second. Nothing here waits on the network: backends run in their own tasks and
//! only ever reach the UI through the update channel.

use std::io;
use std::time::Duration;

use crossterm::event::Event;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::time::Instant;

use super::app::App;
use super::draw::draw;
use super::pane::Pane;
use super::terminal::{Signals, StopSignal};
use crate::store::{SourceStatus, UpdateReceiver};

/// At most this many queued batches are applied before the loop looks at input again.
const MAX_BATCHES_PER_WAKE: usize = 256;

/// Store updates redraw at most this often (30 frames a second): a fill or a burst of changes
/// costs a few frames rather than one per batch. Keys redraw at once.
const UPDATE_FRAME_GAP: Duration = Duration::from_millis(33);

pub async fn run<B, E>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    events: E,
    mut updates: UpdateReceiver,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    E: Stream<Item = io::Result<Event>> + Unpin,
{
    run_observed(terminal, app, events, &mut updates, |_| true).await
}

/// Why the loop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// `q`, the end of the input, or the observer said so.
    Quit,
    /// SIGHUP, SIGINT, SIGQUIT or SIGTERM arrived: the caller restores the terminal and exits.
    Signal(StopSignal),
}

/// `run` that also ends when one of `signals` arrives, saying which: the real TUI's loop. The
/// signals are one more thing the loop waits on, so input never waits on them nor they on it.
pub async fn run_until_signal<B, E>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    events: E,
    mut updates: UpdateReceiver,
    signals: &mut Signals,
) -> anyhow::Result<Stop>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    E: Stream<Item = io::Result<Event>> + Unpin,
{
    run_inner(terminal, app, events, &mut updates, |_| true, Some(signals)).await
}

/// `run`, calling `observe` after every frame with the app as drawn; the loop ends when it
/// returns false. The fleet benchmark watches the real loop fill this way.
pub async fn run_observed<B, E>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    events: E,
    updates: &mut UpdateReceiver,
    observe: impl FnMut(&App) -> bool,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    E: Stream<Item = io::Result<Event>> + Unpin,
{
    run_inner(terminal, app, events, updates, observe, None).await?;
    Ok(())
}

async fn run_inner<B, E>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut events: E,
    updates: &mut UpdateReceiver,
    mut observe: impl FnMut(&App) -> bool,
    mut signals: Option<&mut Signals>,
) -> anyhow::Result<Stop>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    E: Stream<Item = io::Result<Event>> + Unpin,
{
    let mut dirty = true;
    // Changed by updates, waiting for the next frame slot.
    let mut pending = false;
    let mut last_frame = Instant::now();
    let mut updates_open = true;
    let mut notices = app
        .take_notices()
        .unwrap_or_else(|| tokio::sync::mpsc::unbounded_channel().1);
    loop {
        if dirty {
            terminal.draw(|f| draw(f, app))?;
            (dirty, pending, last_frame) = (false, false, Instant::now());
            panic_for_tests();
            if !observe(app) {
                return Ok(Stop::Quit);
            }
        }
        if app.quit {
            return Ok(Stop::Quit);
        }
        let wake = next_display_change(app);
        let frame_slot = last_frame + UPDATE_FRAME_GAP;
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(key))) => dirty |= app.handle_key(key) || pending,
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(Stop::Quit),
            },
            batch = updates.recv(), if updates_open => match batch {
                Some(batch) => {
                    let mut changed = app.fleet.apply(batch);
                    for _ in 0..MAX_BATCHES_PER_WAKE {
                        match updates.try_recv() {
                            Ok(more) => changed |= app.fleet.apply(more),
                            Err(_) => break,
                        }
                    }
                    if changed && Instant::now() >= frame_slot {
                        dirty = true;
                    } else {
                        pending |= changed;
                    }
                }
                None => updates_open = false,
            },
            _ = tokio::time::sleep_until(frame_slot), if pending => dirty = true,
            Some(ev) = notices.recv() => {
                app.on_ui_event(ev);
                dirty = true;
            }
            _ = tokio::time::sleep(wake) => dirty = true,
            sig = next_signal(signals.as_deref_mut()) => return Ok(Stop::Signal(sig)),
        }
    }
}

/// The next stop signal; never, without handlers (tests and benchmarks).
async fn next_signal(signals: Option<&mut Signals>) -> StopSignal {
    match signals {
        Some(signals) => signals.recv().await,
        None => std::future::pending().await,
    }
}

/// Debug builds only: `OPSDECK_TEST_PANIC=1` panics after the first frame, so a test can check
/// that a crash restores the terminal. Compiled out of release builds.
fn panic_for_tests() {
    if cfg!(debug_assertions) && std::env::var_os("OPSDECK_TEST_PANIC").is_some() {
        panic!("OPSDECK_TEST_PANIC is set: panicking on purpose after the first frame");
    }
}

/// Real time until something time-dependent on screen changes: every second while an age in
/// seconds is shown (stale sources, the Problems list), else when the clock's minute turns.
pub fn next_display_change(app: &App) -> Duration {
    let ages_shown = matches!(app.pane, Pane::Overview | Pane::Problems)
        || app.detail.is_some()
        || app
            .fleet
            .sources()
            .any(|s| s.status != SourceStatus::Connected);
    if ages_shown {
        return Duration::from_secs(1);
    }
    let now = app.clock.now();
    let next_minute = jiff::Timestamp::from_second((now.as_second() / 60 + 1) * 60).unwrap_or(now);
    app.clock
        .until(next_minute)
        .clamp(Duration::from_millis(50), Duration::from_secs(60))
}
