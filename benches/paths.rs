//! Peak memory of the real binary on each demo path a user runs at 40,000 rows (issue #18):
//! `opsdeck snapshot --demo --scale 20` as JSON and as a table, and the TUI on the same demo,
//! once its every source is in. Each path is a process of its own, so its peak is its own: the
//! process's VmHWM (Linux), read every 5 ms until it exits (the TUI: after its fill and two
//! seconds of frames, then quit). The target is 150 MB on every path.
//!
//! `cargo bench --bench paths`. Under `cargo test --all-targets` (no `--bench` flag) it runs
//! the same paths on the seed fleet (`--scale 1`), only to prove the harness works; no test
//! judges a figure. The live paths (the TUI and the snapshot on 80,000 objects through the API
//! emulators and moto) are the fleet bench's (`--bench fleet`), through this same binary.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use testkit::peak::{newest_pid_of, peak_mb, watch};
use testkit::tmux::Tmux;

const TARGET_MB: f64 = 150.0;

/// The demo's scale: 20 (39,178 rows) under `cargo bench`, the seed fleet otherwise.
fn scale() -> &'static str {
    if std::env::args().any(|a| a == "--bench") {
        "20"
    } else {
        "1"
    }
}

fn snapshot(bin: &Path, home: &Path, json: bool) -> (f64, Duration) {
    let mut cmd = testkit::opsdeck_in(bin, home);
    cmd.args(["snapshot", "--demo", "--scale", scale()]);
    if json {
        cmd.arg("--json");
    }
    watch(cmd.stdout(Stdio::null()).spawn().unwrap())
}

/// The TUI on the demo: its peak once every source is in and two seconds of frames went by.
fn tui(bin: &Path, home: &Path) -> f64 {
    let tmux = Tmux::at_prompt(home);
    tmux.run(&format!("{} demo --scale {}", bin.display(), scale()));
    let all_in = if scale() == "1" {
        "sources 11/11"
    } else {
        "sources 36/36"
    };
    tmux.wait_for(&["opsdeck │ demo", all_in]);
    std::thread::sleep(Duration::from_secs(2));
    let pid = newest_pid_of(bin);
    let peak = peak_mb(pid).unwrap();
    tmux.press("q");
    peak
}

fn main() {
    let bin = Path::new(env!("CARGO_BIN_EXE_opsdeck"));
    let home = tempfile::tempdir().unwrap();
    println!("paths: the real binary on the demo at --scale {}", scale());
    let mut over = Vec::new();
    let mut line = |path: &str, peak: f64, extra: String| {
        println!("  {path:<36} peak RSS {peak:>6.1} MB{extra}");
        if peak >= TARGET_MB {
            over.push(path.to_string());
        }
    };
    let (peak, took) = snapshot(bin, home.path(), true);
    line(
        "snapshot --demo --json",
        peak,
        format!(" in {:.2} s", took.as_secs_f64()),
    );
    let (peak, took) = snapshot(bin, home.path(), false);
    line(
        "snapshot --demo (table)",
        peak,
        format!(" in {:.2} s", took.as_secs_f64()),
    );
    line("TUI: demo", tui(bin, home.path()), String::new());
    if over.is_empty() {
        println!("  every path under {TARGET_MB:.0} MB");
    } else {
        println!("  OVER {TARGET_MB:.0} MB: {}", over.join(", "));
    }
}
