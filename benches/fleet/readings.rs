//! What the kernel says about this process (Linux `/proc`): resident memory and CPU time.

fn status_kb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Resident set size now, in MB.
pub fn rss_mb() -> f64 {
    status_kb("VmRSS:").map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The highest resident set size so far, in MB.
pub fn peak_rss_mb() -> f64 {
    status_kb("VmHWM:").map_or(f64::NAN, |kb| kb / 1024.0)
}

/// User + system CPU seconds this process has used, all threads.
pub fn cpu_seconds() -> f64 {
    cpu_seconds_of("self")
}

/// User + system CPU seconds process `pid` ("self" for this one) has used, all threads.
pub fn cpu_seconds_of(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    // Fields after the command name (which may hold spaces) start at state: utime and stime
    // are fields 14 and 15 of the line, 12 and 13 after the closing parenthesis.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        // The kernel reports in clock ticks, USER_HZ, which is 100 on Linux.
        (Some(u), Some(s)) => (u + s) / 100.0,
        _ => f64::NAN,
    }
}

/// CPU seconds of this process's main thread alone (where the bench runs the UI).
pub fn main_thread_cpu_seconds() -> f64 {
    let pid = std::process::id();
    cpu_seconds_of(&format!("{pid}/task/{pid}"))
}
