//! Drives the real binary in tmux: `opsdeck demo`, every pane, `:ecs`, `/phenom`, Enter, Esc,
//! `?`, `q`, asserting on what `tmux capture-pane` shows at each step, and that the terminal is
//! usable afterwards. `scripts/test` installs tmux when it is missing; this test fails (it does
//! not skip) without it.

use testkit::kube_api::{Fault, KubeApi, loaded};
use testkit::tmux::Tmux;

fn body_title(pane: &str) -> String {
    format!("┌ {pane} [")
}

#[test]
fn demo_in_tmux_navigates_and_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::at_prompt_saved(home.path());
    let bin = crate::opsdeck_bin();

    tmux.type_text(&format!("{} demo", bin.display()));
    tmux.press("Enter");
    let s = tmux.wait_for(&[
        "opsdeck │ demo",
        "sources 11/11",
        "┌ Regions",
        "┌ Problems [7/7]",
    ]);
    assert!(s.contains("READ-ONLY"));
    assert!(
        s.lines()
            .any(|l| l.contains("hyperfy2-world") && l.contains("failed")),
        "{s}"
    );

    // Every pane, by Tab: the Problems, then each kind of the registry.
    let panes = std::iter::once("Problems").chain(opsdeck::model::Kind::ALL.map(|k| k.title()));
    for pane in panes {
        tmux.press("Tab");
        tmux.wait_for(&[&body_title(pane)]);
    }
    tmux.press("Tab");
    tmux.wait_for(&["┌ Regions", "┌ Problems ["]);

    tmux.type_text(":ecs");
    tmux.wait_for(&[":ecs▏"]);
    tmux.press("Enter");
    let s = tmux.wait_for(&["┌ ECS services [8/8]"]);
    assert!(s.contains("phenom-dev-cluster") && s.contains("1/2"), "{s}");

    tmux.type_text("/phenom");
    tmux.wait_for(&["/phenom▏"]);
    tmux.press("Enter");
    tmux.wait_until("the filter kept after Enter", |s| {
        s.contains("┌ ECS services [8/8] /phenom") && !s.contains("/phenom▏")
    });

    tmux.press("Enter");
    let s = tmux.wait_for(&["── Fields", "── Deployments", "── Stopped tasks"]);
    assert!(s.contains("ECS services") && s.contains("@ phenom-"), "{s}");
    // G: the end of the detail, where the equivalent commands are.
    tmux.press("G");
    tmux.wait_for(&["── Commands", "$ aws ecs describe-services --cluster"]);

    tmux.press("Escape");
    tmux.wait_for(&["┌ ECS services [8/8] /phenom"]);

    tmux.type_text("?");
    let s = tmux.wait_for(&["Help — Esc closes", "command bar", ":ks :kustomizations"]);
    assert!(s.contains("sort by the next column"));

    tmux.type_text("q");
    // The alternate screen is left: the shell's screen is back.
    tmux.wait_until("the shell after quitting", |s| {
        !s.contains("opsdeck │") && s.contains("$")
    });

    // The terminal is usable: the shell echoes and its settings are what they were.
    tmux.assert_stty_restored(home.path(), "quit");
}

#[test]
fn a_panic_restores_the_terminal_and_says_what_happened() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::at_prompt_saved(home.path());
    let bin = crate::opsdeck_bin();
    tmux.type_text(&format!(
        "OPSDECK_TEST_PANIC=1 {} demo; echo exit-$?",
        bin.display()
    ));
    tmux.press("Enter");
    let s = tmux.wait_for(&["panicking on purpose", "exit-101"]);
    assert!(
        !s.contains("opsdeck │"),
        "the alternate screen is left after a panic:\n{s}"
    );
    tmux.assert_stty_restored(home.path(), "a panic");
}

#[test]
fn kubeconfig_errors_show_in_the_tui_without_crashing_it() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path().display().to_string();
    let bad = home.path().join("bad-kubeconfig");
    std::fs::write(&bad, "apiVersion: v1\nclusters: [oops\n").unwrap();
    // A context whose credential plugin fails, as an expired AWS SSO session makes it.
    let expired = home.path().join("expired-kubeconfig");
    std::fs::write(
        &expired,
        KubeApi::profile_exec_kubeconfig(
            "http://127.0.0.1:9",
            "sh",
            &[
                "-c",
                "echo 'Token has expired and refresh failed' >&2; exit 255",
            ],
            "helpdev-prod",
        ),
    )
    .unwrap();
    let tmux = Tmux::at_prompt(home.path());
    let bin = crate::opsdeck_bin();
    tmux.type_text(&format!(
        "cd {h} && KUBECONFIG={} {}",
        bad.display(),
        bin.display()
    ));
    tmux.press("Enter");
    let s = tmux.wait_for(&["kubeconfig · error", "bad-kubeconfig"]);
    assert!(s.contains("sources 0/1"), "{s}");
    tmux.type_text(":hr");
    tmux.press("Enter");
    tmux.wait_for(&["┌ HelmReleases [0/0]"]);
    tmux.type_text("q");
    tmux.wait_until("the shell after quitting", |s| {
        !s.contains("opsdeck │") && s.contains("$")
    });

    tmux.type_text(&format!(
        "clear; KUBECONFIG={} {}",
        expired.display(),
        bin.display()
    ));
    tmux.press("Enter");
    let s = tmux.wait_for(&["eks-prod-use1 · error", "the credential plugin sh failed"]);
    assert!(
        s.lines()
            .any(|l| l.contains("cluster") && l.contains("the credential plugin sh failed")),
        "the cluster row says why:\n{s}"
    );
    // The details carry the whole message, wrapped.
    tmux.press("Enter");
    tmux.wait_for(&["── Fields", "aws sso login --profile helpdev-prod"]);
    tmux.type_text("q");
    tmux.wait_until("the shell after quitting", |s| {
        !s.contains("opsdeck │") && s.contains("$")
    });
}

/// A credential plugin that never answers: the TUI draws, says the context is connecting, and
/// `q` exits at once — the plugin sleeps for ten minutes, the wait below is 20 s.
#[test]
fn a_hanging_credential_plugin_never_holds_the_tui_hostage() {
    let home = tempfile::tempdir().unwrap();
    let kc = home.path().join("hanging-kubeconfig");
    let pidfile = home.path().join("plugin.pid");
    let script = format!("echo $$ > {}; exec sleep 600", pidfile.display());
    std::fs::write(
        &kc,
        KubeApi::exec_kubeconfig("http://127.0.0.1:9", "sh", &["-c", &script]),
    )
    .unwrap();
    let tmux = Tmux::at_prompt_saved(home.path());
    let bin = crate::opsdeck_bin();
    tmux.type_text(&format!("KUBECONFIG={} {}", kc.display(), bin.display()));
    tmux.press("Enter");
    tmux.wait_for(&["eks-prod-use1 · connecting", "Overview"]);
    tmux.type_text("q");
    tmux.wait_until("the shell right after q", |s| {
        !s.contains("opsdeck │") && s.contains("$")
    });
    tmux.assert_stty_restored(home.path(), "q with a hanging plugin");
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    testkit::assert_process_ends(pid.trim(), "the plugin, once opsdeck quit");
}

/// One resource answering 500 in a live cluster: the TUI names the kind in the header, the
/// cluster row is degraded, and the other kinds' rows are there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_on_one_kind_shows_as_that_kinds_note_in_the_tui() {
    let api = loaded().await;
    api.set_fault("helmreleases", Some(Fault::ServerError));
    let home = tempfile::tempdir().unwrap();
    let kc = api.write_kubeconfig(home.path());
    tokio::task::spawn_blocking(move || {
        let tmux = Tmux::at_prompt(home.path());
        let bin = crate::opsdeck_bin();
        tmux.type_text(&format!("KUBECONFIG={} {}", kc.display(), bin.display()));
        tmux.press("Enter");
        // Connected (1/1) with the kind's note: the context stays up for one failing kind.
        tmux.wait_for(&[
            "sources 1/1",
            "[hr: unavailable: 500",
            "Ks 1/2",
            "degraded: HelmReleases unavailable",
        ]);
        tmux.type_text(":hr");
        tmux.press("Enter");
        tmux.wait_for(&["prod-cluster: unavailable: 500"]);
        tmux.type_text("q");
        tmux.wait_until("the shell after quitting", |s| {
            !s.contains("opsdeck │") && s.contains("$")
        });
    })
    .await
    .unwrap();
}

/// A context marked protected in the config: `R` asks for its name, `y` is not enough, and
/// nothing is patched until the name is typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protected_context_needs_its_name_typed_in_the_real_tui() {
    let api = loaded().await;
    let home = tempfile::tempdir().unwrap();
    let kc = api.write_kubeconfig(home.path());
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        "[kube]\nprotected = [\"prod-cluster\"]\n\n[aws]\nenabled = false\n",
    )
    .unwrap();
    let api2 = api.clone();
    tokio::task::spawn_blocking(move || {
        let tmux = Tmux::at_prompt(home.path());
        let bin = crate::opsdeck_bin();
        tmux.type_text(&format!(
            "KUBECONFIG={} {} --write --config {}",
            kc.display(),
            bin.display(),
            config.display()
        ));
        tmux.press("Enter");
        tmux.wait_for(&["sources 1/1"]);
        tmux.type_text(":hr");
        tmux.press("Enter");
        tmux.wait_for(&["┌ HelmReleases [2/2]"]);
        tmux.type_text("R");
        tmux.wait_for(&["Protected context", "prod-cluster"]);
        tmux.type_text("y");
        tmux.press("Enter");
        std::thread::sleep(std::time::Duration::from_millis(500));
        assert!(
            !api2.requests().iter().any(|r| r.starts_with("PATCH")),
            "y and Enter do not confirm a protected write: {:?}",
            api2.requests()
        );
        tmux.type_text("R");
        tmux.wait_for(&["Protected context"]);
        tmux.type_text("prod-cluster");
        tmux.press("Enter");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !api2.requests().iter().any(|r| r.starts_with("PATCH")) {
            assert!(
                std::time::Instant::now() < deadline,
                "the typed name confirms: {:?}",
                api2.requests()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        tmux.type_text("q");
    })
    .await
    .unwrap();
}

/// `opsdeck --write demo`: a write asks first, then the demo fleet carries it out and the row
/// and the notice show the outcome.
#[test]
fn demo_writes_ask_then_show_their_outcome() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::at_prompt(home.path());
    let bin = crate::opsdeck_bin();
    tmux.type_text(&format!("{} --write demo", bin.display()));
    tmux.press("Enter");
    tmux.wait_for(&["opsdeck │ demo", "sources 11/11", " WRITE "]);
    tmux.type_text(":ks art-unchained-pre");
    tmux.press("Enter");
    tmux.wait_for(&["┌ Kustomizations [1/21] /art-unchained-pre", "suspended"]);
    tmux.type_text("T");
    tmux.wait_for(&[
        "Resume Kustomization art-unchained-pre/art-unchained-pre on prod-cluster? y confirms",
    ]);
    tmux.type_text("y");
    tmux.wait_for(&["Kustomization art-unchained-pre/art-unchained-pre resumed"]);
    tmux.wait_until("the row healthy", |s| {
        s.lines().any(|l| {
            l.contains("art-unchained-pre") && l.contains("prod-cluster") && l.contains("healthy")
        })
    });
    tmux.type_text("q");
}
