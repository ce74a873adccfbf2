//! The log phase of the fleet run: in the TUI as a user opens it (`:wl`, `/bench-logs`, `l`),
//! the logs of a Deployment's 10 pods followed while each writes 1,000 lines a second, through
//! the real event loop and kube-rs against the first context's emulator. Measures the lines
//! that reached the view, opsdeck's CPU meanwhile, its memory over the phase (it should stay
//! flat: the view keeps 10,000 lines) and how long a key takes to show while the lines pour in.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use opsdeck::ui::App;

use crate::emulator::Emulators;
use crate::readings;
use crate::session::Keys;

/// What a key waits to see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// Scrolled up (`k`).
    ScrolledUp,
    /// At the newest line again (`G`).
    AtBottom,
}

/// What the event loop's observer saw, for the phase to read.
#[derive(Default)]
pub struct Probe {
    open: bool,
    offset: usize,
    /// Lines the view took in: kept and dropped.
    lines: u64,
    pending: Option<(Instant, Want)>,
    key_latencies: Vec<Duration>,
}

/// Called after every frame.
pub fn observe(probe: &Arc<Mutex<Probe>>, app: &App) {
    let mut p = probe.lock().unwrap();
    match &app.logs {
        Some(v) => {
            p.open = true;
            p.offset = v.offset;
            p.lines = v.buffer.len() as u64 + v.buffer.dropped;
        }
        None => p.open = false,
    }
    if let Some((sent, want)) = p.pending {
        let seen = match want {
            Want::ScrolledUp => p.offset > 0,
            Want::AtBottom => p.offset == 0,
        };
        if seen {
            p.key_latencies.push(sent.elapsed());
            p.pending = None;
        }
    }
}

/// What the phase measured.
pub struct Following {
    pub written: usize,
    pub received: u64,
    pub seconds: f64,
    /// Share of one core opsdeck used while following.
    pub cpu: f64,
    pub rss_start: f64,
    pub rss_end: f64,
    pub rss_most: f64,
    /// Key to frame, while following.
    pub keys: Vec<Duration>,
}

fn press(keys: &Keys, c: char) {
    let code = match c {
        '\n' => KeyCode::Enter,
        '\u{1b}' => KeyCode::Esc,
        c => KeyCode::Char(c),
    };
    let _ = keys.send(Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))));
}

fn type_text(keys: &Keys, text: &str) {
    for c in text.chars() {
        press(keys, c);
    }
}

async fn until(probe: &Arc<Mutex<Probe>>, what: &str, ok: impl Fn(&Probe) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ok(&probe.lock().unwrap()) {
        assert!(Instant::now() < deadline, "the log phase waited for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Opens the logs, has the pods write for `secs`, presses keys meanwhile, then closes the view.
pub async fn follow(
    keys: &Keys,
    probe: &Arc<Mutex<Probe>>,
    mut remote: Emulators,
    per_second: u32,
    secs: u64,
) -> (Following, Emulators) {
    type_text(keys, ":wl\n/bench-logs\nl");
    until(probe, "the log view", |p| p.open).await;
    let (cpu0, start) = (readings::cpu_seconds(), Instant::now());
    let rss_start = readings::rss_mb();
    let writer = tokio::task::spawn_blocking(move || (remote.write_logs(per_second, secs), remote));
    let mut rss_most = rss_start;
    let mut up = true;
    while !writer.is_finished() {
        tokio::time::sleep(Duration::from_millis(500)).await;
        rss_most = rss_most.max(readings::rss_mb());
        let want = if up { Want::ScrolledUp } else { Want::AtBottom };
        probe.lock().unwrap().pending = Some((Instant::now(), want));
        press(keys, if up { 'k' } else { 'G' });
        up = !up;
    }
    let (written, remote) = writer.await.unwrap();
    let seconds = start.elapsed().as_secs_f64();
    let cpu = (readings::cpu_seconds() - cpu0) / seconds;
    // The last lines on their way.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_end = readings::rss_mb();
    let (received, keys_seen) = {
        let p = probe.lock().unwrap();
        (p.lines, p.key_latencies.clone())
    };
    // Close it, and the filter and the pane with it.
    type_text(keys, "\u{1b}\u{1b}");
    until(probe, "the log view to close", |p| !p.open).await;
    (
        Following {
            written,
            received,
            seconds,
            cpu,
            rss_start,
            rss_end,
            rss_most,
            keys: keys_seen,
        },
        remote,
    )
}
