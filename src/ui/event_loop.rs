//! The UI task: waits on input, store updates and the next moment the screen's text changes
//! (clock, ages), and redraws only then. Nothing here waits on the network: backends run in
//! their own tasks and only ever reach the UI through the update channel.

use std::io;
use std::time::Duration;

use crossterm::event::Event;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;

use super::app::App;
use super::draw::draw;
use super::pane::Pane;
use crate::store::{SourceStatus, UpdateReceiver};

/// At most this many queued batches are applied before the loop looks at input again.
const MAX_BATCHES_PER_WAKE: usize = 256;

pub async fn run<B, E>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut events: E,
    mut updates: UpdateReceiver,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    E: Stream<Item = io::Result<Event>> + Unpin,
{
    let mut dirty = true;
    let mut updates_open = true;
    let mut notices = app
        .take_notices()
        .unwrap_or_else(|| tokio::sync::mpsc::unbounded_channel().1);
    loop {
        if dirty {
            terminal.draw(|f| draw(f, app))?;
            dirty = false;
            panic_for_tests();
        }
        if app.quit {
            return Ok(());
        }
        let wake = next_display_change(app);
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(key))) => dirty |= app.handle_key(key),
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            batch = updates.recv(), if updates_open => match batch {
                Some(batch) => {
                    let mut changed = app.fleet.apply(batch);
                    // A burst costs one redraw.
                    for _ in 0..MAX_BATCHES_PER_WAKE {
                        match updates.try_recv() {
                            Ok(more) => changed |= app.fleet.apply(more),
                            Err(_) => break,
                        }
                    }
                    dirty |= changed;
                }
                None => updates_open = false,
            },
            Some(ev) = notices.recv() => {
                app.on_ui_event(ev);
                dirty = true;
            }
            _ = tokio::time::sleep(wake) => dirty = true,
        }
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
