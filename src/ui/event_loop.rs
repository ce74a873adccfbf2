//! The UI task: waits on input, store updates, the next moment the screen's text changes (clock,
//! ages) and, in the real TUI, the signals that stop it; redraws only on change, updates at most
//! 30 times a second. Nothing here waits on the network: backends run in their own tasks and
//! only ever reach the UI through the update channel.
//!
//! The app's background work (row actions, events, runbooks) is posted with its notices, and the
//! loop spawns it on its own runtime as it reads them (`tasks`).
//!
//! A paste arrives as one `Event::Paste` (the terminal is in bracketed paste mode) and goes to
//! `App::handle_paste`, as text. A confirmation prompt answers only a key pressed after it was
//! on screen: right after the frame that first shows one, the loop takes the input already
//! queued (typed ahead, or a paste from a terminal that sends pastes as keys) and hands it to
//! `App::handle_queued_key`, which never lets it answer.

use std::io;
use std::task::Poll;
use std::time::Duration;

use crossterm::event::Event;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::time::Instant;

use super::app::App;
use super::draw::draw;
use super::pane::Pane;
use super::tasks::Notices;
use super::terminal::{Signals, StopSignal};
use crate::store::{SourceStatus, UpdateReceiver};

/// A terminal backend whose errors can travel in `anyhow`: the real one and the tests' alike.
pub trait TermBackend: Backend<Error: Send + Sync + 'static> {}
impl<B: Backend<Error: Send + Sync + 'static>> TermBackend for B {}

/// The terminal's events, as crossterm's `EventStream` yields them.
pub trait Input: Stream<Item = io::Result<Event>> + Unpin {}
impl<E: Stream<Item = io::Result<Event>> + Unpin> Input for E {}

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
    B: TermBackend,
    E: Input,
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
    B: TermBackend,
    E: Input,
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
    B: TermBackend,
    E: Input,
{
    run_inner(terminal, app, events, updates, observe, None).await?;
    Ok(())
}

async fn run_inner<B, E>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    events: E,
    updates: &mut UpdateReceiver,
    observe: impl FnMut(&App) -> bool,
    signals: Option<&mut Signals>,
) -> anyhow::Result<Stop>
where
    B: TermBackend,
    E: Input,
{
    // Reading the notices also spawns, on this loop's runtime, the work the app posted. They go
    // back to the app when the loop ends, so a later loop over the same app (the fleet
    // benchmark's phases) still starts its work.
    let (mut notices, taken) = match app.take_notices() {
        Some(n) => (n, true),
        None => (Notices::none(), false),
    };
    let result = run_loop(
        terminal,
        app,
        events,
        updates,
        observe,
        signals,
        &mut notices,
    )
    .await;
    if taken {
        app.put_back_notices(notices);
    }
    result
}

async fn run_loop<B, E>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut events: E,
    updates: &mut UpdateReceiver,
    mut observe: impl FnMut(&App) -> bool,
    mut signals: Option<&mut Signals>,
    notices: &mut Notices,
) -> anyhow::Result<Stop>
where
    B: TermBackend,
    E: Input,
{
    let mut dirty = true;
    // Changed by updates, waiting for the next frame slot.
    let mut pending = false;
    let mut last_frame = Instant::now();
    let mut updates_open = true;
    // The confirmation prompt the last frame showed (`App::prompt`).
    let mut prompt_shown: Option<u64> = None;
    loop {
        if dirty {
            terminal.draw(|f| draw(f, app))?;
            (dirty, pending, last_frame) = (false, false, Instant::now());
            panic_for_tests();
            let prompt = app.prompt();
            if prompt.is_some() && prompt != prompt_shown {
                match take_queued_input(app, &mut events).await? {
                    Queued::Taken { redraw } => dirty |= redraw,
                    Queued::Ended => return Ok(Stop::Quit),
                }
            }
            prompt_shown = prompt;
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
                Some(Ok(Event::Paste(text))) => dirty |= app.handle_paste(&text) || pending,
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

/// What `take_queued_input` left.
enum Queued {
    /// Nothing more is queued; `redraw` if what was taken changed the screen.
    Taken { redraw: bool },
    /// The input ended.
    Ended,
}

/// Takes every input event already queued, without waiting for more, once a new confirmation
/// prompt is on screen: all of it was sent before the prompt could be read. Keys go to
/// `App::handle_queued_key` (dropped while the prompt is up, Ctrl-c aside); a paste is dropped
/// too, being no more an answer than those keys; a resize redraws.
async fn take_queued_input<E>(app: &mut App, events: &mut E) -> io::Result<Queued>
where
    E: Stream<Item = io::Result<Event>> + Unpin,
{
    let mut redraw = false;
    loop {
        // Polled with this task's waker (not a no-op one): a stream that is not ready remembers
        // the waker to wake once input comes (crossterm's hands it to a thread that waits), and
        // the loop's `select!` must then wake up.
        let next = std::future::poll_fn(|cx| Poll::Ready(events.poll_next_unpin(cx))).await;
        match next {
            Poll::Pending => return Ok(Queued::Taken { redraw }),
            Poll::Ready(None) => return Ok(Queued::Ended),
            Poll::Ready(Some(Err(e))) => return Err(e),
            Poll::Ready(Some(Ok(Event::Key(key)))) => redraw |= app.handle_queued_key(key),
            Poll::Ready(Some(Ok(Event::Resize(..)))) => redraw = true,
            Poll::Ready(Some(Ok(_))) => {}
        }
        if app.quit {
            return Ok(Queued::Taken { redraw: true });
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
