//! `opsdeck snapshot`: the demo fleet or the configured sources, printed once.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::Sources;
use crate::backend::demo::{self, DemoOptions};
use crate::clock::{SharedClock, SimClock, SystemClock, whole_second_now};
use crate::snapshot::{Snapshot, settle};
use crate::store::source::note_is_failure;
use crate::store::{self, Fleet, UpdateReceiver};

/// The demo fleet `at_s` simulated seconds into its incidents.
pub async fn demo(scale: u32, json: bool, timeout_s: u64, at_s: f64) -> ExitCode {
    let clock = Arc::new(SimClock::starting_at(whole_second_now(), 1.0, at_s));
    let (tx, rx) = store::channel();
    let opts = DemoOptions {
        scale,
        connect_stagger: Duration::ZERO,
        ..DemoOptions::default()
    };
    let task = demo::spawn(opts, clock.clone(), tx);
    let code = print(clock, rx, json, timeout_s).await;
    task.abort();
    code
}

pub async fn real(sources: Sources, json: bool, timeout_s: u64) -> ExitCode {
    let clock: SharedClock = Arc::new(SystemClock);
    let (tx, rx) = store::channel();
    let tasks = super::start_sources(sources, clock.clone(), tx).await;
    let code = print(clock, rx, json, timeout_s).await;
    drop(tasks);
    code
}

/// What a shell reports for a process ended by SIGPIPE (128 + 13): what `| head` expects.
const BROKEN_PIPE: u8 = 141;

async fn print(clock: SharedClock, mut rx: UpdateReceiver, json: bool, timeout_s: u64) -> ExitCode {
    let mut fleet = Fleet::new("snapshot");
    settle(&mut fleet, &mut rx, Duration::from_secs(timeout_s)).await;
    let snap = Snapshot::of(&fleet, clock.now(), timeout_s);
    // Written as it is made, through a buffer. A reader that stopped early (`| head`) is not an
    // error to shout about; a full disk or a closed stdout is one, said once, never a panic.
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let written = if json {
        snap.write_json(&mut stdout)
    } else {
        snap.write_table(&mut stdout)
    };
    if let Err(e) = written.and_then(|_| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return ExitCode::from(BROKEN_PIPE);
        }
        return super::fail(format!("cannot write the snapshot: {e}"));
    }
    for s in &snap.sources {
        if let Some(e) = &s.error {
            eprintln!("opsdeck: {}: {e}", s.name);
        }
        for (kind, note) in s.notes.iter().filter(|(_, n)| note_is_failure(n)) {
            eprintln!("opsdeck: {}: {kind}: {note}", s.name);
        }
    }
    ExitCode::from(snap.completeness().exit_code())
}
