//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::sync::Arc;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use opsdeck::backend::demo;
use opsdeck::clock::FixedClock;
use opsdeck::store::Fleet;
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

/// The opsdeck binary in a scratch `home`: its config and state there, and nothing of the
/// machine's own — no kubeconfig, AWS profile, region, keys or endpoint, no OPSDECK_CONFIG, no
/// instance metadata.
pub fn opsdeck_in(home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"));
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

/// `opsdeck_in` with moto's test credentials: what the AWS tests run the CLI with (an AWS call
/// goes to the configured endpoint).
pub fn opsdeck_on_moto(home: &std::path::Path) -> std::process::Command {
    let mut cmd = opsdeck_in(home);
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

pub mod cbor_proxy;
pub mod gitops;
pub mod tmux;
