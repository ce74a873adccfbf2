//! SIGTERM, SIGINT, SIGHUP and SIGQUIT sent to the TUI give the terminal back: for each, the
//! real binary runs `opsdeck demo` in tmux, the signal goes to its pid once the first frame is
//! up, and then the same tty must be in cooked mode with its settings as before, the pane back on
//! the main screen and the cursor shown. `scripts/test` installs tmux when it is missing; these
//! tests fail (they do not skip) without it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use testkit::tmux::Tmux;

/// Single-quoted for sh.
fn quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// Reads `path` once `what` wrote it, waiting up to `secs` seconds.
fn wait_for_file(path: &Path, secs: u64, what: &str, tmux: &Tmux) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.trim().is_empty()
        {
            return text;
        }
        if Instant::now() > deadline {
            panic!(
                "{what} did not happen within {secs} s; the screen shows:\n{}",
                tmux.capture()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the script below in the pane: it records the tty's settings, runs opsdeck in the
/// foreground (an inner sh writes its own pid and then becomes opsdeck, so the pid file names
/// opsdeck itself), and on the same tty, as soon as opsdeck exits, records its exit status and the
/// settings again, then writes `done`. The bash around it would repair the tty itself before its
/// next prompt; the script looks first.
const SCRIPT: &str = r#"d="$1"
stty -g > "$d/before.stty"
sh -c 'echo $$ > "$1/opsdeck.pid"; exec "$2" demo' sh "$d" "$2"
echo $? > "$d/status"
stty -g > "$d/after.stty"
stty -a > "$d/after.txt"
echo done > "$d/done"
"#;

fn signal_restores_the_terminal(name: &str, number: u8) {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let script = h.join("run.sh");
    std::fs::write(&script, SCRIPT).unwrap();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_opsdeck"));
    let tmux = Tmux::start(h);
    tmux.wait_for(&["$"]);
    tmux.run(&format!(
        "clear; sh {} {} {}",
        quoted(&script),
        quoted(h),
        quoted(&bin)
    ));
    tmux.wait_for(&["opsdeck │ demo"]);
    assert_eq!(
        tmux.pane_format("#{alternate_on}"),
        "1",
        "the TUI is on the alternate screen before SIG{name}"
    );
    let pid = wait_for_file(&h.join("opsdeck.pid"), 10, "the pid file", &tmux);
    let pid: u32 = pid.trim().parse().expect("the pid file holds a pid");
    let kill = Command::new("sh")
        .arg("-c")
        .arg(format!("kill -{name} {pid}"))
        .output()
        .expect("sh runs");
    assert!(
        kill.status.success(),
        "kill -{name} {pid}: {}",
        String::from_utf8_lossy(&kill.stderr)
    );

    wait_for_file(
        &h.join("done"),
        10,
        &format!("opsdeck exiting after SIG{name}"),
        &tmux,
    );
    let read = |f: &str| std::fs::read_to_string(h.join(f)).unwrap_or_default();
    let settings = read("after.txt");
    let flags: Vec<&str> = settings
        .split(|c: char| c.is_whitespace() || c == ';')
        .collect();
    for flag in ["icanon", "echo", "isig"] {
        assert!(
            flags.contains(&flag) && !flags.contains(&format!("-{flag}").as_str()),
            "`{flag}` is on again after SIG{name} (cooked mode); stty -a says:\n{settings}"
        );
    }
    assert_eq!(
        read("before.stty"),
        read("after.stty"),
        "the tty's settings after SIG{name} are the ones before opsdeck"
    );
    assert_eq!(
        read("status").trim(),
        (128 + u32::from(number)).to_string(),
        "opsdeck exits with 128 + the signal's number after SIG{name}"
    );
    assert_eq!(
        tmux.pane_format("#{alternate_on}"),
        "0",
        "the pane is back on the main screen after SIG{name}:\n{}",
        tmux.capture()
    );
    assert_eq!(
        tmux.pane_format("#{cursor_flag}"),
        "1",
        "the cursor is shown after SIG{name}"
    );
    let screen = tmux.capture();
    assert!(
        !screen.contains("opsdeck │"),
        "the TUI's screen is gone after SIG{name}:\n{screen}"
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_restores_the_terminal("TERM", 15);
}

#[test]
fn sigint_restores_the_terminal() {
    signal_restores_the_terminal("INT", 2);
}

#[test]
fn sighup_restores_the_terminal() {
    signal_restores_the_terminal("HUP", 1);
}

#[test]
fn sigquit_restores_the_terminal() {
    signal_restores_the_terminal("QUIT", 3);
}
