//! Every integration test, as the modules of one binary: each test binary links the crate and
//! its nine AWS SDKs, so one binary links them once. The rigs they share (emulators, moto, tmux,
//! GitOps repositories) are the `testkit` crate, which the benches import too.
//!
//! Nothing here is process-wide: no test sets environment variables or changes directory (the
//! binary runs as a child with its own environment), every peer (moto, the API emulator, tmux)
//! is one per test on a port or socket of its own, and scratch files live in each test's own
//! temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod audit;
mod aws_backend;
mod aws_drilldown;
mod aws_errors;
mod aws_runbooks;
mod cli;
mod config_validation;
mod gitops_ownership;
mod gitops_safety;
mod kube_backend;
mod kube_cli;
mod kube_drilldown;
mod kube_faults;
mod kube_ops;
mod onboarding;
mod runbook_inputs;
mod runbook_safety;
mod runbook_world;
mod runbooks;
mod timeline;
mod tmux_demo;
mod tui_paste;
mod tui_signals;
mod ui_actions;
mod ui_drilldown;
mod ui_input;
mod ui_render;
mod vocabulary;

/// The binary under test. `CARGO_BIN_EXE_opsdeck` is only set while compiling this crate, so the
/// testkit's helpers take the path from here rather than guessing it from the target directory.
pub fn opsdeck_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_opsdeck"))
}

/// `testkit::opsdeck_in` for the binary under test: it in a scratch `home`, none of the
/// machine's own configuration.
pub fn opsdeck_in(home: &Path) -> Command {
    testkit::opsdeck_in(opsdeck_bin(), home)
}

/// `testkit::opsdeck_on_moto` for the binary under test: `opsdeck_in` with moto's credentials.
pub fn opsdeck_on_moto(home: &Path) -> Command {
    testkit::opsdeck_on_moto(opsdeck_bin(), home)
}

/// Runs the binary in `home` with `args` (`opsdeck_in`) and waits for it.
pub fn run_in(home: &Path, args: &[&str]) -> Output {
    testkit::run(opsdeck_bin(), home, args)
}

/// Runs the binary with moto's credentials in `home` with `args` (`opsdeck_on_moto`).
pub fn run_on_moto(home: &Path, args: &[&str]) -> Output {
    opsdeck_on_moto(home)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs `cmd` with its stdout closed before it writes, as `| head -0` would leave it.
pub fn with_stdout_closed(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    drop(child.stdout.take());
    child.wait_with_output().expect("the binary ends")
}

/// Runs `cmd` off the async runtime, so that the peers a test serves in its own process (the
/// API emulator, the CBOR proxy) keep serving while the binary talks to them.
pub async fn output_off_runtime(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("the binary runs"))
        .await
        .unwrap()
}

/// Runs `cmd` with `args` and `kubeconfig` (KUBECONFIG) off the async runtime, so the API
/// emulator keeps serving meanwhile.
pub async fn run_kube(mut cmd: Command, kubeconfig: &Path, args: &[&str]) -> Output {
    cmd.args(args).env("KUBECONFIG", kubeconfig);
    output_off_runtime(cmd).await
}

/// A scratch home holding `text` as the config file `mine.toml`: the home and the file.
pub fn home_with_config(text: &str) -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("mine.toml");
    std::fs::write(&file, text).unwrap();
    (home, file)
}

/// Runs the binary in `home` with `--config file`, then `args`.
pub fn run_with_config(home: &Path, file: &Path, args: &[&str]) -> Output {
    let mut cmd = opsdeck_in(home);
    cmd.arg("--config").arg(file).args(args);
    cmd.output().expect("the binary runs")
}

/// Writes `home/config.toml`: one account, phenom, in us-east-1 at `endpoint` (moto). Its path.
pub fn phenom_config(home: &Path, endpoint: &str) -> PathBuf {
    let config = home.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"phenom\"\nregions = [\"us-east-1\"]\nendpoint_url = \"{endpoint}\"\n"
        ),
    )
    .unwrap();
    config
}
