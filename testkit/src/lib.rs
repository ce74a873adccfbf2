//! The rigs the integration tests (`tests/it`) and the benches share: a demo app and its
//! rendering, key events, the binary in a scratch home, and the peers in the modules below (a
//! Kubernetes API emulator, moto, a CBOR proxy for CloudWatch, tmux, GitOps repositories). A crate
//! of its own so the benches import it by name rather than compiling test files by `#[path]`.
//!
//! `CARGO_BIN_EXE_opsdeck` is only set while compiling the test crate itself, so the helpers that
//! run the binary take its path as an argument (`tests/it/main.rs` passes it once, through its
//! own `opsdeck_in`): exact, with no guessing at the target directory's layout.

use std::sync::Arc;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use opsdeck::backend::demo;
use opsdeck::clock::FixedClock;
use opsdeck::store::{Fleet, UpdateReceiver};
use opsdeck::ui::{App, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub fn origin() -> Timestamp {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

/// An app on the seed demo fleet, at a fixed time.
pub fn demo_app() -> (App, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(origin()));
    let mut fleet = Fleet::new("demo");
    fleet.apply(demo::initial_updates(origin(), 1));
    (
        App::new(fleet, clock.clone(), Theme::default_theme(), true),
        clock,
    )
}

/// Applies the updates `rx` brings to `fleet` until `ok` holds of it; panics naming `what` and
/// showing the sources and the row count if it does not `within` this long.
pub async fn apply_until(
    fleet: &mut Fleet,
    rx: &mut UpdateReceiver,
    within: std::time::Duration,
    what: &str,
    ok: impl Fn(&Fleet) -> bool,
) {
    let deadline = tokio::time::Instant::now() + within;
    while !ok(fleet) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(batch)) => {
                fleet.apply(batch);
            }
            _ => panic!(
                "waited for {what}; sources: {:#?}; rows: {}",
                fleet.sources().collect::<Vec<_>>(),
                fleet.len()
            ),
        }
    }
}

pub fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(200, 60)).unwrap()
}

/// Renders the app and returns the screen as text, one line per row.
pub fn render(term: &mut Terminal<TestBackend>, app: &mut App) -> String {
    term.draw(|f| opsdeck::ui::draw(f, app)).unwrap();
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Renders the app and asserts that every one of `words` is on screen; the screen.
pub fn shows(term: &mut Terminal<TestBackend>, app: &mut App, words: &[&str]) -> String {
    let screen = render(term, app);
    for w in words {
        assert!(screen.contains(w), "{w:?} missing:\n{screen}");
    }
    screen
}

pub fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

pub fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// Types text, then Enter.
pub fn type_line(app: &mut App, text: &str) {
    for c in text.chars() {
        app.handle_key(key(c));
    }
    app.handle_key(code(KeyCode::Enter));
}

pub fn key_events(text: &str) -> Vec<Event> {
    text.chars()
        .map(|c| match c {
            '\n' => Event::Key(code(KeyCode::Enter)),
            c => Event::Key(key(c)),
        })
        .collect()
}

/// The opsdeck binary `bin` in a scratch `home`: its config and state there, and nothing of the
/// machine's own — no kubeconfig, AWS profile, region, keys or endpoint, no OPSDECK_CONFIG, no
/// instance metadata.
pub fn opsdeck_in(bin: &std::path::Path, home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(bin);
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for ambient in [
        "KUBECONFIG",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ENDPOINT_URL",
        "OPSDECK_CONFIG",
    ] {
        cmd.env_remove(ambient);
    }
    cmd
}

/// The binary `bin` in the scratch `home` with `args`, run to its end.
pub fn run(bin: &std::path::Path, home: &std::path::Path, args: &[&str]) -> std::process::Output {
    opsdeck_in(bin, home)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// A process's output as text (lossily: a test wants to read it, not to check its encoding).
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Asserts the process succeeded, showing its stdout and stderr if it did not.
pub fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Asserts the binary refused before it did anything: exit code 2, each of `wanted` in its
/// stderr, and nothing on stdout (no line of progress before the refusal).
pub fn assert_refused(out: &std::process::Output, wanted: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}\nstderr: {err}",
        text(&out.stdout)
    );
    for w in wanted {
        assert!(err.contains(w), "{w:?} not in:\n{err}");
    }
    assert_eq!(text(&out.stdout), "", "no progress before the refusal");
}

/// `opsdeck_in` with moto's test credentials: what the AWS tests run the CLI with (an AWS call
/// goes to the configured endpoint).
pub fn opsdeck_on_moto(bin: &std::path::Path, home: &std::path::Path) -> std::process::Command {
    let mut cmd = opsdeck_in(bin, home);
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    cmd
}

/// Waits (10 s at most) until process `pid` is gone or a zombie, and fails naming `what`
/// otherwise: a process opsdeck started must not outlive it.
pub fn assert_process_ends(pid: &str, what: &str) {
    let stat = std::path::PathBuf::from(format!("/proc/{pid}/stat"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let alive = std::fs::read_to_string(&stat)
            .ok()
            .and_then(|s| s.rsplit(')').next().map(|r| r.trim_start().to_string()))
            .is_some_and(|state| !state.starts_with('Z'));
        if !alive {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what} (pid {pid}) is still running"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

pub mod kube_api;

pub mod fleet;
pub mod moto;
pub mod peak;

pub mod cbor_proxy;
pub mod gitops;
pub mod tmux;

pub mod runbooks;
