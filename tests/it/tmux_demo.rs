//! Drives the real binary in tmux: `opsdeck demo`, every pane, `:ecs`, `/phenom`, Enter, Esc,
//! `?`, `q`, asserting on what `tmux capture-pane` shows at each step, and that the terminal is
//! usable afterwards. `scripts/test` installs tmux when it is missing; this test fails (it does
//! not skip) without it.

use testkit::kube_api::{Fault, KubeApi, loaded};
use testkit::tmux::Tmux;

fn body_title(pane: &str) -> String {
    format!("┌ {pane} [")
}

/// `opsdeck <args>` started in tmux at a shell in `home`, once its first frame is up.
fn opsdeck_in_tmux(home: &std::path::Path, args: &str) -> Tmux {
    Tmux::opsdeck(home, crate::opsdeck_bin(), args, false)
}

#[test]
fn demo_in_tmux_navigates_and_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::opsdeck(home.path(), crate::opsdeck_bin(), "demo", true);
    let s = tmux.wait_for(&["┌ Regions", "┌ Problems [7/7]"]);
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
    let tmux = opsdeck_in_tmux(home.path(), "--write demo");
    tmux.wait_for(&[" WRITE "]);
    tmux.type_text(":ks art-unchained-pre");
    tmux.press("Enter");
    tmux.wait_for(&["┌ Kustomizations [1/15] /^art-unchained-pre$", "suspended"]);
    tmux.type_text("T");
    tmux.wait_for(&[
        "Resume Kustomization art-unchained-pre/art-unchained-pre on prod-cluster? y confirms",
    ]);
    tmux.type_text("y");
    tmux.wait_for(&["Kustomization art-unchained-pre/art-unchained-pre on prod-cluster resumed"]);
    tmux.wait_until("the row healthy", |s| {
        s.lines().any(|l| {
            l.contains("art-unchained-pre") && l.contains("prod-cluster") && l.contains("healthy")
        })
    });
    tmux.type_text("q");
}

/// A runbook in the real TUI: started, left running while the user looks at HelmReleases (the
/// header shows it), quitting asked and declined, back with `:runbooks`, `a` pressed during its
/// last step (which is waited for), its steps then on the timeline. The demo runs 6× faster, so
/// the DNS step's minute of TTL is ten seconds: long enough to look elsewhere, short enough to
/// wait for.
#[test]
fn a_runbook_runs_on_while_the_user_looks_elsewhere_and_completes_its_last_step() {
    let home = tempfile::tempdir().unwrap();
    let tmux = opsdeck_in_tmux(home.path(), "--write demo --speed 6");
    tmux.wait_for(&[" WRITE "]);
    tmux.run(":runbooks");
    tmux.wait_for(&["Runbooks — Enter opens"]);
    tmux.press("Down");
    tmux.press("Enter");
    // The form is filled from the world (Route53's routed name and regions), then planned.
    tmux.wait_for(&["failover — Tab moves", "api.helpdev.io", "sa-east-1"]);
    tmux.press("Enter");
    tmux.wait_for(&["plan (nothing written yet)"]);
    tmux.type_text("sa-east-1");
    tmux.press("Enter");
    tmux.wait_for(&["failover — running"]);

    tmux.press("Escape");
    tmux.run(":hr");
    let s = tmux.wait_for(&["┌ HelmReleases [", "▶ failover "]);
    assert!(!s.contains("failover — running"), "{s}");

    tmux.type_text("q");
    tmux.wait_for(&["a runbook is running", "--confirm sa-east-1"]);
    tmux.type_text("j");
    tmux.wait_until("the question taken back", |s| {
        !s.contains("a runbook is running") && s.contains("┌ HelmReleases [")
    });

    tmux.run(":runbooks");
    tmux.wait_for(&["failover — "]);
    // `a` during the last step (the DNS wait) leaves nothing to stop: the step is waited for
    // and the run completes. (A stop between steps: `ui_actions`.)
    tmux.type_text("a");
    tmux.wait_for(&["stopping once the current step is verified"]);
    tmux.wait_for(&["failover — finished", "summary:"]);
    tmux.press("Escape");
    // Typed at once, ESC and ':' can arrive in one read and be taken for Alt-':'.
    tmux.wait_until("the runbook screen closed", |s| {
        !s.contains("failover — finished")
    });
    tmux.run(":timeline");
    tmux.wait_for(&["runbook", "step 3: Route53 serves sa-east-1 done"]);
    tmux.press("Escape");
    tmux.type_text("q");
    tmux.wait_until("the shell after quitting", |s| !s.contains("opsdeck │"));

    // The handover: the steps among the changes, the writes the audit log holds (who, what,
    // how it went), and the run with its journal.
    let out = crate::run_in(home.path(), &["timeline", "--demo", "--markdown"]);
    assert!(out.status.success(), "{out:?}");
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("| runbook | failover sa-east-1 |  | step 3: Route53 serves sa-east-1 done |"),
        "{md}"
    );
    let actions = md.split("## Actions taken").nth(1).expect("actions");
    assert!(
        actions.contains(
            "| runbook failover step shift-records on sa-east-1 in the demo world | ok |"
        ),
        "{md}"
    );
    let journal = std::fs::read_dir(home.path().join("state/opsdeck/runbooks"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("the run's journal");
    let runs = md.split("## Runbooks run (1)").nth(1).expect("one run");
    assert!(
        runs.contains(&format!(
            "| failover | sa-east-1 | 3/3 | finished | `{}` |",
            journal.display()
        )),
        "{md}"
    );
}

/// The k9s habits in the real TUI: `:ctx`, `:ns` and `0` scope every pane; a regex filter; a
/// `Shift`+letter sort; `d` describes, `y` shows the YAML, `c` copies by OSC 52 (tmux keeps it
/// as a paste buffer), `Ctrl-a` lists the aliases, `:sources` the data sources.
#[test]
fn the_k9s_habits_work_in_the_real_tui() {
    let home = tempfile::tempdir().unwrap();
    let tmux = opsdeck_in_tmux(home.path(), "demo");
    tmux.tmux(&["set-option", "-s", "set-clipboard", "on"]);

    tmux.run(":ctx forge-prod");
    tmux.run(":hr");
    let s = tmux.wait_for(&["│ ctx forge-prod", "┌ HelmReleases ["]);
    assert!(!s.contains("prod-cluster "), "only forge-prod's rows:\n{s}");
    tmux.type_text("0");
    tmux.wait_until("every context again", |s| {
        !s.contains("│ ctx forge-prod") && s.contains("prod-cluster ")
    });
    tmux.run(":ns numen-games");
    tmux.wait_for(&["│ ns numen-games"]);
    tmux.type_text("0");

    tmux.type_text("/^hyperfy2-(world|arena)$");
    tmux.press("Enter");
    let s = tmux.wait_until("the regex applied", |s| {
        s.contains("/^hyperfy2-(world|arena)$") && !s.contains("elizaos")
    });
    assert!(
        s.contains("hyperfy2-world") && s.contains("hyperfy2-arena"),
        "{s}"
    );

    tmux.type_text("H");
    tmux.wait_for(&["HEALTH↑"]);
    tmux.type_text("N");
    tmux.wait_for(&["NAME↑"]);

    tmux.type_text("d");
    tmux.wait_for(&["── Fields", "── Conditions"]);
    tmux.type_text("y");
    tmux.wait_for(&["apiVersion: helm.toolkit.fluxcd.io/v2", "kind: HelmRelease"]);
    tmux.press("Escape");
    tmux.press("Escape");
    tmux.wait_for(&["┌ HelmReleases ["]);
    tmux.type_text("c");
    let s = tmux.wait_for(&["copied hyperfy2-"]);
    let copied = s
        .lines()
        .find_map(|l| l.split("copied ").nth(1))
        .map(|c| c.trim().to_string())
        .unwrap();
    let buffer = tmux.tmux(&["show-buffer"]);
    assert_eq!(
        String::from_utf8_lossy(&buffer.stdout),
        copied,
        "the clipboard holds it"
    );

    tmux.press("C-a");
    tmux.wait_for(&["Commands and their aliases", ":hr :helmreleases"]);
    tmux.press("Escape");
    tmux.run(":sources");
    tmux.wait_for(&["Data sources — 11/11 connected", "prod-cluster"]);
    tmux.press("Escape");
    tmux.type_text("q");
    tmux.wait_until("the shell after quitting", |s| !s.contains("opsdeck │"));
}
