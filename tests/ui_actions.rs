//! Write actions from the TUI: refused read-only, asked before running, run in the background,
//! and on the kube backend they reach the API.

mod support;

use std::sync::{Arc, Mutex};

use crossterm::event::KeyCode;
use opsdeck::actions::{ActionFuture, ActionRunner, EventLine, EventSource, RowAction};
use opsdeck::backend::kube::actions::KubeActions;
use opsdeck::backend::kube::kubeconfig;
use opsdeck::model::{Facts, RowId};
use opsdeck::ui::app::UiEvent;
use support::kube_api::{KubeApi, all_resources, fixture};
use support::*;

#[derive(Default)]
struct Recorder(Mutex<Vec<(RowAction, String)>>);

impl ActionRunner for Recorder {
    fn run(&self, action: RowAction, row: &RowId, _: &Facts) -> ActionFuture {
        self.0.lock().unwrap().push((action, row.display_name()));
        let name = row.display_name();
        Box::pin(async move { Ok(format!("{} done on {name}", action.verb())) })
    }
}

/// The app on the HelmReleases pane with the failing release selected.
fn on_failing_release(read_only: bool, runner: Arc<Recorder>) -> opsdeck::ui::App {
    let (mut app, _) = demo_app();
    app.read_only = read_only;
    let mut app = app.with_actions(runner);
    type_line(&mut app, ":hr");
    type_line(&mut app, "/UpgradeFailed");
    app
}

#[tokio::test]
async fn actions_are_refused_read_only() {
    let runner = Arc::new(Recorder::default());
    let mut app = on_failing_release(true, runner.clone());
    app.handle_key(key('R'));
    let m = app.message.clone().unwrap();
    assert!(
        m.error && m.text.contains("read-only") && m.text.contains("--write"),
        "{m:?}"
    );
    assert!(app.confirm.is_none());
    assert!(runner.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn actions_ask_first_then_run_in_the_background() {
    let runner = Arc::new(Recorder::default());
    let mut app = on_failing_release(false, runner.clone());
    let mut notices = app.take_notices().unwrap();
    let mut term = terminal();

    app.handle_key(key('T'));
    let s = render(&mut term, &mut app);
    assert!(
        s.contains("Suspend HelmRelease numen-games/hyperfy2-world on prod-cluster? y confirms"),
        "{s}"
    );
    app.handle_key(code(KeyCode::Esc));
    assert!(app.message.as_ref().unwrap().text.contains("cancelled"));
    assert!(
        runner.0.lock().unwrap().is_empty(),
        "nothing runs without y"
    );

    app.handle_key(key('R'));
    assert_eq!(
        app.confirm.as_ref().map(|(a, _)| *a),
        Some(RowAction::Reconcile)
    );
    app.handle_key(key('y'));
    let outcome = notices.recv().await.unwrap();
    let UiEvent::Notice(outcome) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(outcome.text, "reconcile done on numen-games/hyperfy2-world");
    assert_eq!(
        runner.0.lock().unwrap().as_slice(),
        [(
            RowAction::Reconcile,
            "numen-games/hyperfy2-world".to_string()
        )]
    );

    // Rows without such an action say so.
    type_line(&mut app, ":ecs");
    app.handle_key(key('R'));
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("cannot reconcile or renew a ecs row")
    );
}

#[tokio::test]
async fn kube_actions_reach_the_api() {
    let api = KubeApi::start(all_resources()).await;
    for obj in fixture("helmreleases.json") {
        api.apply(obj);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, KubeApi::kubeconfig(&[("prod-cluster", &api.url())])).unwrap();
    let runner = KubeActions::new(kubeconfig::load(Some(&path)).unwrap(), true);
    let id = RowId::new(
        opsdeck::model::Kind::HelmRelease,
        opsdeck::model::Scope::kube("prod-cluster", "numinia"),
        "elizaos-numi",
    );
    let facts = Facts::HelmRelease(Default::default());
    let out = runner.run(RowAction::Suspend, &id, &facts).await.unwrap();
    assert_eq!(
        out,
        "HelmRelease numinia/elizaos-numi on prod-cluster suspended"
    );
    assert_eq!(
        api.get("HelmRelease", "numinia", "elizaos-numi").unwrap()["spec"]["suspend"],
        true
    );
    let read_only = KubeActions::new(kubeconfig::load(Some(&path)).unwrap(), false);
    let e = read_only
        .run(RowAction::Resume, &id, &facts)
        .await
        .unwrap_err();
    assert!(e.contains("read-only"), "{e}");
}

#[tokio::test]
async fn kube_events_of_a_row_newest_first() {
    let api = KubeApi::start(all_resources()).await;
    for f in ["helmreleases.json", "events.json"] {
        for obj in fixture(f) {
            api.apply(obj);
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("kubeconfig");
    std::fs::write(&path, KubeApi::kubeconfig(&[("prod-cluster", &api.url())])).unwrap();
    let source = KubeActions::new(kubeconfig::load(Some(&path)).unwrap(), false);
    let id = RowId::new(
        opsdeck::model::Kind::HelmRelease,
        opsdeck::model::Scope::kube("prod-cluster", "numinia"),
        "hyperfy2-world",
    );
    let events = source
        .events(&id, &Facts::HelmRelease(Default::default()))
        .await
        .unwrap();
    let reasons: Vec<&str> = events.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(
        reasons,
        ["UpgradeFailed", "InstallSucceeded"],
        "only this release's events, newest first"
    );
    assert_eq!(events[0].count, 3);
    assert_eq!(events[0].event_type, "Warning");
    assert!(!events[0].message.contains('\n'), "one line per event");
    assert!(
        api.requests()
            .iter()
            .any(|r| r.contains("/namespaces/numinia/events") && r.contains("involvedObject.name"))
    );
}

struct CannedEvents;

impl EventSource for CannedEvents {
    fn events(&self, _: &RowId, _: &Facts) -> opsdeck::actions::EventsFuture {
        Box::pin(async {
            Ok(vec![EventLine {
                last_seen: Some(origin()),
                event_type: "Warning".into(),
                reason: "UpgradeFailed".into(),
                message: "Helm upgrade failed: context deadline exceeded".into(),
                count: 3,
            }])
        })
    }
}

#[tokio::test]
async fn the_detail_view_shows_events_when_they_arrive() {
    let (app, _) = demo_app();
    let mut app = app.with_events(Arc::new(CannedEvents));
    let mut notices = app.take_notices().unwrap();
    let mut term = terminal();
    type_line(&mut app, ":hr");
    type_line(&mut app, "/UpgradeFailed");
    app.handle_key(code(KeyCode::Enter));
    let s = render(&mut term, &mut app);
    assert!(s.contains("── Events") && s.contains("loading…"), "{s}");
    let ev = notices.recv().await.unwrap();
    app.on_ui_event(ev);
    let s = render(&mut term, &mut app);
    assert!(
        s.contains("Warning  UpgradeFailed")
            && s.contains("x3")
            && s.contains("context deadline exceeded"),
        "{s}"
    );
    // Rows without events (AWS kinds) do not ask.
    app.handle_key(code(KeyCode::Esc));
    type_line(&mut app, ":rds");
    app.handle_key(code(KeyCode::Enter));
    assert!(!render(&mut term, &mut app).contains("── Events"));
}

/// `:runbooks` on the demo world: the form refuses bad input, the plan shows before anything
/// runs, the target must be typed, the steps run with their times, and the new organization
/// reaches the fleet.
#[tokio::test]
async fn a_runbook_runs_from_the_tui_on_the_demo_world() {
    use opsdeck::clock::JumpClock;
    use opsdeck::runbook::demo::{DemoWorld, MemoryGit};

    let (mut app, _) = demo_app();
    app.read_only = false;
    let (tx, mut rx) = opsdeck::store::channel();
    let world = DemoWorld::new(
        Arc::new(JumpClock::new(origin())),
        Some(tx),
        MemoryGit::seeded(),
    );
    let journals = tempfile::tempdir().unwrap();
    let mut app = app.with_runbooks(world.ports(), journals.path().to_path_buf());
    let mut notices = app.take_notices().unwrap();
    let mut term = terminal();

    type_line(&mut app, ":runbooks");
    let screen = render(&mut term, &mut app);
    assert!(
        screen.contains("create-org") && screen.contains("staging-refresh"),
        "{screen}"
    );
    app.handle_key(code(KeyCode::Enter));
    // A bad organization name is refused in the form.
    for c in "Acme!".chars() {
        app.handle_key(key(c));
    }
    app.handle_key(code(KeyCode::Enter));
    let screen = render(&mut term, &mut app);
    assert!(screen.contains("DNS-1123"), "{screen}");
    for _ in 0..5 {
        app.handle_key(code(KeyCode::Backspace));
    }
    for (i, value) in [
        "acme-games",
        "acmegames.io",
        "world",
        "111122223333",
        "5E1F3A0C9D2B4F6A8C7E",
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            app.handle_key(code(KeyCode::Tab));
        }
        for c in value.chars() {
            app.handle_key(key(c));
        }
    }
    app.handle_key(code(KeyCode::Enter));
    let planned = notices.recv().await.unwrap();
    app.on_ui_event(planned);
    let screen = render(&mut term, &mut app);
    assert!(
        screen.contains("plan (nothing written yet)") && screen.contains("aws iam create-role"),
        "{screen}"
    );
    assert!(world.creates().is_empty(), "the plan writes nothing");

    // The wrong target is refused; the right one runs.
    type_line(&mut app, "prod");
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("type prod-cluster exactly")
    );
    for _ in 0..4 {
        app.handle_key(code(KeyCode::Backspace));
    }
    type_line(&mut app, "prod-cluster");
    loop {
        let ev = notices.recv().await.unwrap();
        let done = matches!(ev, UiEvent::RunbookDone(_));
        app.on_ui_event(ev);
        if done {
            break;
        }
    }
    while let Ok(batch) = rx.try_recv() {
        app.fleet.apply(batch);
    }
    let screen = render(&mut term, &mut app);
    assert!(
        screen.contains("finished") && screen.contains("summary:") && screen.contains("journal:"),
        "{screen}"
    );
    assert!(
        screen.contains("Flux applies the organization") && screen.contains("done"),
        "{screen}"
    );
    app.handle_key(code(KeyCode::Esc));
    assert!(app.runbook.is_none());
    type_line(&mut app, ":org");
    let screen = render(&mut term, &mut app);
    assert!(
        screen.contains("acme-games"),
        "the new organization is a row:\n{screen}"
    );
}

#[tokio::test]
async fn runbooks_do_not_apply_read_only() {
    use opsdeck::clock::JumpClock;
    use opsdeck::runbook::demo::{DemoWorld, MemoryGit};

    let (app, _) = demo_app();
    let world = DemoWorld::new(
        Arc::new(JumpClock::new(origin())),
        None,
        MemoryGit::seeded(),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut app = app.with_runbooks(world.ports(), dir.path().to_path_buf());
    let mut notices = app.take_notices().unwrap();
    type_line(&mut app, ":runbooks");
    app.handle_key(code(KeyCode::Down));
    app.handle_key(code(KeyCode::Enter));
    app.handle_key(code(KeyCode::Enter));
    let planned = notices.recv().await.unwrap();
    app.on_ui_event(planned);
    type_line(&mut app, "sa-east-1");
    assert!(
        app.message.as_ref().unwrap().text.starts_with("read-only"),
        "{:?}",
        app.message
    );
    assert!(world.creates().is_empty());
}

/// An interrupted run is offered in `:runbooks` and resumes from its journal.
#[tokio::test]
async fn an_interrupted_run_resumes_from_the_tui() {
    use opsdeck::clock::JumpClock;
    use opsdeck::runbook::demo::{DemoWorld, MemoryGit};
    use opsdeck::runbook::engine::{self, Control, Event, Outcome, RunOptions};
    use opsdeck::runbook::failover::Failover;

    let world = DemoWorld::new(
        Arc::new(JumpClock::new(origin())),
        None,
        MemoryGit::seeded(),
    );
    let dir = tempfile::tempdir().unwrap();
    let rb = Failover::new(Failover {
        zone: "helpdev.io".into(),
        record: "api.helpdev.io".into(),
        from: "us-east-1".into(),
        to: "sa-east-1".into(),
    })
    .unwrap();
    let opts = RunOptions {
        apply: true,
        confirm: Some("sa-east-1".into()),
        ..RunOptions::plan(dir.path().to_path_buf())
    };
    // Killed right after the records were shifted.
    let out = engine::run(&rb, &world.ports(), &opts, &mut |e| {
        if matches!(e, Event::Applied { step: 1 }) {
            Control::Stop
        } else {
            Control::Continue
        }
    })
    .await;
    assert!(matches!(out, Outcome::Interrupted { .. }), "{out:?}");

    let (mut app, _) = demo_app();
    app.read_only = false;
    let mut app = app.with_runbooks(world.ports(), dir.path().to_path_buf());
    let mut notices = app.take_notices().unwrap();
    let mut term = terminal();
    type_line(&mut app, ":runbooks");
    let screen = render(&mut term, &mut app);
    assert!(
        screen.contains("Interrupted runs") && screen.contains("failover-sa-east-1-"),
        "{screen}"
    );
    for _ in 0..3 {
        app.handle_key(code(KeyCode::Down));
    }
    app.handle_key(code(KeyCode::Enter));
    // Resuming is guarded like a start: the plan, then the target typed.
    let screen = render(&mut term, &mut app);
    assert!(screen.contains("sa-east-1"), "{screen}");
    assert!(world.creates().is_empty() || world.creates().values().all(|n| *n == 1));
    type_line(&mut app, "sa-east-1");
    loop {
        let ev = notices.recv().await.unwrap();
        let done = matches!(ev, UiEvent::RunbookDone(_));
        app.on_ui_event(ev);
        if done {
            break;
        }
    }
    let screen = render(&mut term, &mut app);
    assert!(screen.contains("summary:"), "{screen}");
    let shifted = screen
        .lines()
        .find(|l| l.contains("Route53 records of api.helpdev.io") && l.contains("already done"));
    assert!(
        shifted.is_some(),
        "the shifted records are not shifted again:\n{screen}"
    );
    assert!(
        world.creates().values().all(|n| *n == 1),
        "{:?}",
        world.creates()
    );
}
