//! A process's peak resident set (Linux: `VmHWM` in /proc/PID/status), for the benchmarks that
//! run the real binary on a path and report its memory: one process per path, so its peak is
//! its own.

use std::process::Child;
use std::time::{Duration, Instant};

/// The process's peak resident set so far, in MB; `None` once it is gone.
pub fn peak_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Waits for `child`, reading its peak every 5 ms until it exits; the last reading and the
/// time taken.
pub fn watch(mut child: Child) -> (f64, Duration) {
    let start = Instant::now();
    let mut peak = 0.0_f64;
    loop {
        if let Some(mb) = peak_mb(child.id()) {
            peak = peak.max(mb);
        }
        if child.try_wait().unwrap().is_some() {
            return (peak, start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The newest process whose name is `bin`'s file name (the kernel keeps 15 characters): the
/// binary a tmux shell started.
pub fn newest_pid_of(bin: &std::path::Path) -> u32 {
    let name: String = bin
        .file_name()
        .unwrap()
        .to_string_lossy()
        .chars()
        .take(15)
        .collect();
    let out = std::process::Command::new("pgrep")
        .args(["-n", "-x", &name])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no process named {name}"))
}
