//! Drives the real binary in a terminal: a tmux server of its own (one socket per test) running
//! a bare bash in a pane called `demo`, typed into with send-keys and read with capture-pane.
//! `scripts/test` installs tmux when it is missing; without it these tests fail, never skip.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(home: &Path) -> Tmux {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = format!("opsdeck-test-{}-{n}", std::process::id());
        let t = Tmux { socket };
        let env = format!(
            "env -i PATH=/usr/bin:/bin HOME={h} TERM=xterm-256color XDG_CONFIG_HOME={h}/config XDG_STATE_HOME={h}/state PS1='$ ' bash --norc --noprofile",
            h = home.display()
        );
        let out = t.tmux(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "demo",
            "-x",
            "160",
            "-y",
            "48",
            &env,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    /// `start`, then waits for the shell's prompt.
    pub fn at_prompt(home: &Path) -> Tmux {
        let t = Tmux::start(home);
        t.wait_for(&["$"]);
        t
    }

    /// `bin args` started at a shell in `home` (its settings saved for `assert_stty_restored`
    /// when `saved`), once its first frame is up: the demo's header and every source.
    pub fn opsdeck(home: &Path, bin: &Path, args: &str, saved: bool) -> Tmux {
        let t = if saved {
            Tmux::at_prompt_saved(home)
        } else {
            Tmux::at_prompt(home)
        };
        t.run(&format!("{} {args}", bin.display()));
        t.wait_for(&["opsdeck │ demo", "sources 11/11"]);
        t
    }

    /// `at_prompt`, with the terminal's settings saved for `assert_stty_restored`.
    pub fn at_prompt_saved(home: &Path) -> Tmux {
        let t = Tmux::at_prompt(home);
        t.save_stty(home);
        t
    }

    pub fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed (scripts/test installs it)")
    }

    pub fn capture(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "demo"]).stdout)
            .into_owned()
    }

    /// Literal text, then nothing else.
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "demo", "-l", text]);
    }

    /// Named keys: Enter, Escape, Tab…
    pub fn press(&self, key: &str) {
        self.tmux(&["send-keys", "-t", "demo", key]);
    }

    /// Records the shell's terminal settings, to compare after opsdeck exits.
    pub fn save_stty(&self, home: &Path) {
        let h = home.display();
        self.type_text(&format!("cd {h} && stty -g > {h}/before.stty; clear"));
        self.press("Enter");
    }

    /// The shell works and its terminal settings are what they were before opsdeck ran.
    pub fn assert_stty_restored(&self, home: &Path, after_what: &str) {
        let h = home.display();
        self.type_text(&format!("stty -g > {h}/after.stty; echo usable-$((6*7))"));
        self.press("Enter");
        self.wait_for(&["usable-42"]);
        let read = |f: &str| std::fs::read_to_string(home.join(f)).unwrap_or_default();
        let deadline = Instant::now() + Duration::from_secs(5);
        while read("after.stty").is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            !read("after.stty").is_empty(),
            "stty -g after {after_what} did not run"
        );
        assert_eq!(
            read("before.stty"),
            read("after.stty"),
            "terminal settings are restored after {after_what}"
        );
    }

    /// Polls the screen until every needle is on it; panics with the screen otherwise.
    pub fn wait_for(&self, needles: &[&str]) -> String {
        self.wait_until(&format!("{needles:?}"), |s| {
            needles.iter().all(|n| s.contains(n))
        })
    }

    pub fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.capture();
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("waited for {what}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A tmux format of the pane, e.g. `#{alternate_on}`.
    pub fn pane_format(&self, format: &str) -> String {
        let out = self.tmux(&["display-message", "-p", "-t", "demo", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Types a command line and Enter.
    pub fn run(&self, line: &str) {
        self.type_text(line);
        self.press("Enter");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}
