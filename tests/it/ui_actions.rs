//! Write actions from the TUI: refused read-only, asked before running, run in the background,
//! and on the kube backend they reach the API. A paste is text for the input it lands in and
//! never answers a prompt, nor does a key typed before the prompt was on screen.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::stream;
use opsdeck::backend::demo::{DemoWorld, MemoryGit};
use opsdeck::backend::kube::inspect::KubeInspector;
use opsdeck::backend::kube::kubeconfig;
use opsdeck::backend::kube::row_actions::KubeActions;
use opsdeck::clock::JumpClock;
use opsdeck::inspect::{Inspector, ObjectRef, SectionFuture, Subject};
use opsdeck::model::drilldown::{Body, EventLine, Section};
use opsdeck::model::{Facts, RowId};
use opsdeck::row_actions::{ActionFuture, ActionRunner, RowAction};
use opsdeck::ui::App;
use opsdeck::ui::app::{Mode, Protected, UiEvent};
use opsdeck::ui::event_loop;
use opsdeck::ui::runbook::Stage;
use opsdeck::ui::tasks::Notices;
use testkit::kube_api::{KubeApi, all_resources, fixture};
use testkit::*;

#[derive(Default)]
struct Recorder(Mutex<Vec<(RowAction, String)>>);

impl ActionRunner for Recorder {
    fn run(&self, action: RowAction, row: &RowId, _: &Facts) -> ActionFuture {
        self.0.lock().unwrap().push((action, row.display_name()));
        let name = row.display_name();
        Box::pin(async move { Ok(format!("{} done on {name}", action.verb())) })
    }
}

/// The demo app, read-only or not, made by `setup`, on the HelmReleases pane with the failing
/// release selected.
fn failing_release_of(read_only: bool, setup: impl FnOnce(App) -> App) -> App {
    let (mut app, _) = demo_app();
    app.read_only = read_only;
    let mut app = setup(app);
    type_line(&mut app, ":hr");
    type_line(&mut app, "/UpgradeFailed");
    app
}

/// The app on the HelmReleases pane with the failing release selected.
fn on_failing_release(read_only: bool, runner: Arc<Recorder>) -> App {
    failing_release_of(read_only, |app| app.with_actions(runner))
}

/// The demo app with --write and the recording `runner`.
fn writable_app(runner: &Arc<Recorder>) -> App {
    let (mut app, _) = demo_app();
    app.read_only = false;
    app.with_actions(runner.clone())
}

/// Asserts the runner ran one action: the reconcile of the failing release.
fn assert_reconciled_once(runner: &Recorder) {
    assert_eq!(
        runner.0.lock().unwrap().as_slice(),
        [(
            RowAction::Reconcile,
            "numen-games/hyperfy2-world".to_string()
        )]
    );
}

/// Waits for the action's notice, which must say the failing release was reconciled, and
/// asserts the runner ran that one reconcile.
async fn assert_reconcile_notice(notices: &mut Notices, runner: &Recorder) {
    let outcome = notices.recv().await.unwrap();
    let UiEvent::ActionDone {
        outcome: Ok(text), ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(text, "reconcile done on numen-games/hyperfy2-world");
    assert_reconciled_once(runner);
}

/// The demo world on a jumping clock, sending its fleet updates to `updates` if given.
fn demo_world(updates: Option<opsdeck::store::UpdateSender>) -> Arc<DemoWorld> {
    DemoWorld::new(
        Arc::new(JumpClock::new(origin())),
        updates,
        MemoryGit::seeded(),
    )
}

/// The demo app on the `:runbooks` list of `world`, journalling in `journals`, with --write if
/// `writable`; and its notices.
fn runbooks_app(
    world: &Arc<DemoWorld>,
    journals: &std::path::Path,
    writable: bool,
) -> (App, Notices) {
    let (mut app, _) = demo_app();
    if writable {
        app.read_only = false;
    }
    let mut app = app.with_runbooks(world.ports(), journals.to_path_buf());
    let notices = app.take_notices().unwrap();
    type_line(&mut app, ":runbooks");
    (app, notices)
}

/// Hands the app what the open form read from the world (`UiEvent::InputsRead`).
async fn form_read(app: &mut App, notices: &mut Notices) {
    let read = notices.recv().await.unwrap();
    assert!(matches!(read, UiEvent::InputsRead { .. }), "{read:?}");
    app.on_ui_event(read);
}

/// What the world told the open form, one line each, joined.
fn form_said(app: &App) -> String {
    let Stage::Form { world, .. } = &app.runbook.as_ref().unwrap().stage else {
        panic!("the form is open");
    };
    world.said.join("\n")
}

/// From the `:runbooks` list: the failover's form, as the world fills it, planned.
async fn plan_failover(app: &mut App, notices: &mut Notices) {
    app.handle_key(code(KeyCode::Down));
    app.handle_key(code(KeyCode::Enter));
    form_read(app, notices).await;
    app.handle_key(code(KeyCode::Enter));
    let planned = notices.recv().await.unwrap();
    app.on_ui_event(planned);
}

/// The failover planned from `:runbooks` on a fresh demo world and its target typed: started
/// with --write, refused without. The world, the journals' folder, the app and its notices.
async fn failover_typed(writable: bool) -> (Arc<DemoWorld>, tempfile::TempDir, App, Notices) {
    let world = demo_world(None);
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut notices) = runbooks_app(&world, dir.path(), writable);
    plan_failover(&mut app, &mut notices).await;
    type_line(&mut app, "sa-east-1");
    (world, dir, app, notices)
}

/// Hands the app its notices until a runbook is done.
async fn until_runbook_done(app: &mut App, notices: &mut Notices) {
    loop {
        let ev = notices.recv().await.unwrap();
        let done = matches!(ev, UiEvent::RunbookDone(..));
        app.on_ui_event(ev);
        if done {
            break;
        }
    }
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
    assert_reconcile_notice(&mut notices, &runner).await;

    // Rows without such an action say so.
    type_line(&mut app, ":rds");
    app.handle_key(key('R'));
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("cannot reconcile, refresh, renew or redeploy RDS")
    );
}

/// The app with --write on the failing release (context prod-cluster, whose EKS cluster is in
/// the numinia account, eu-west-1), with these contexts and accounts protected.
fn protected_app(runner: Arc<Recorder>, contexts: &[&str], accounts: &[&str]) -> App {
    let protected = Protected {
        contexts: names(contexts),
        accounts: names(accounts),
    };
    failing_release_of(false, |app| {
        app.with_actions(runner).with_protected(protected)
    })
}

/// The prompts say what is written, where, and what to type.
const RECONCILE_ON_PROTECTED_CONTEXT: &str = "Reconcile HelmRelease numen-games/hyperfy2-world \
    on prod-cluster (account numinia, region eu-west-1)? Protected context: type prod-cluster \
    then Enter to confirm";
const SUSPEND_ON_PROTECTED_ACCOUNT: &str = "Suspend HelmRelease numen-games/hyperfy2-world on \
    prod-cluster (account numinia, region eu-west-1)? Protected account: type numinia then Enter";

/// The app's screen, which shows each of `words`.
fn names(list: &[&str]) -> std::collections::BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Issue #11: on a protected context `y` does not confirm; the context's name typed, then
/// Enter, does. The prompt says what is written, where: kind, namespace/name, context, account
/// and region.
#[tokio::test]
async fn a_protected_context_needs_its_name_typed_not_y() {
    let runner = Arc::new(Recorder::default());
    let mut app = protected_app(runner.clone(), &["prod-cluster"], &[]);
    let mut notices = app.take_notices().unwrap();
    let mut term = terminal();

    app.handle_key(key('R'));
    let s = render(&mut term, &mut app);
    assert!(s.contains(RECONCILE_ON_PROTECTED_CONTEXT), "{s}");
    assert!(!s.contains("y confirms"), "{s}");

    // `y` is only a letter of the name: nothing runs, and Enter with it cancels.
    app.handle_key(key('y'));
    assert_eq!(
        app.confirm.as_ref().map(|(a, _)| *a),
        Some(RowAction::Reconcile)
    );
    assert_eq!(app.confirm_name.as_ref().unwrap().typed, "y");
    app.handle_key(code(KeyCode::Enter));
    assert!(app.confirm.is_none() && app.confirm_name.is_none());
    let m = app.message.clone().unwrap();
    assert!(m.text.contains("reconcile cancelled"), "{m:?}");
    assert!(runner.0.lock().unwrap().is_empty(), "y did not reconcile");

    // Esc cancels; a paste does not type the name; a wrong name cancels.
    app.handle_key(key('R'));
    assert!(!app.handle_paste("prod-cluster"));
    assert_eq!(app.confirm_name.as_ref().unwrap().typed, "");
    app.handle_key(code(KeyCode::Esc));
    assert!(app.confirm.is_none());
    app.handle_key(key('R'));
    type_line(&mut app, "prod-cluste");
    assert!(app.confirm.is_none());
    assert!(runner.0.lock().unwrap().is_empty(), "nothing ran");

    // The exact name, typed (a typo mended with Backspace), then Enter: the reconcile runs.
    app.handle_key(key('R'));
    for c in "prod-clusterr".chars() {
        app.handle_key(key(c));
    }
    app.handle_key(code(KeyCode::Backspace));
    let s = render(&mut term, &mut app);
    assert!(s.contains("› prod-cluster"), "{s}");
    assert!(
        runner.0.lock().unwrap().is_empty(),
        "nothing ran before Enter"
    );
    app.handle_key(code(KeyCode::Enter));
    assert_reconcile_notice(&mut notices, &runner).await;
}

/// A protected (or production) account protects the kube contexts of its EKS clusters: the
/// account's name is typed. A target that is not protected keeps `y`.
#[tokio::test]
async fn a_protected_account_needs_its_name_typed_and_others_keep_y() {
    let runner = Arc::new(Recorder::default());
    let mut app = protected_app(runner.clone(), &[], &["numinia"]);
    let mut term = terminal();
    app.handle_key(key('T'));
    let s = render(&mut term, &mut app);
    assert!(s.contains(SUSPEND_ON_PROTECTED_ACCOUNT), "{s}");
    type_line(&mut app, "prod-cluster");
    assert!(
        runner.0.lock().unwrap().is_empty(),
        "the context is not the account"
    );
    app.handle_key(key('T'));
    type_line(&mut app, "numinia");
    assert_eq!(
        runner.0.lock().unwrap().as_slice(),
        [(RowAction::Suspend, "numen-games/hyperfy2-world".to_string())]
    );

    // Other contexts and accounts are protected: this one still confirms with `y`.
    let runner = Arc::new(Recorder::default());
    let mut app = protected_app(runner.clone(), &["eks-prod-use1"], &["helpdev-prod"]);
    app.handle_key(key('R'));
    assert!(app.confirm_name.is_none());
    let s = render(&mut term, &mut app);
    assert!(
        s.contains("Reconcile HelmRelease numen-games/hyperfy2-world on prod-cluster? y confirms"),
        "{s}"
    );
    app.handle_key(key('y'));
    assert_eq!(runner.0.lock().unwrap().len(), 1);
}

/// What a config marks protected: `[kube] protected`, `protected = true` accounts and
/// production ones.
#[test]
fn protection_comes_from_the_config() {
    let config = opsdeck::config::Config::parse(
        "[kube]\nprotected = [\"eks-prod-use1\"]\n\
         [[accounts]]\nname = \"numinia\"\nprotected = true\n\
         [[accounts]]\nname = \"helpdev-prod\"\nenvironment = \"prod\"\n\
         [[accounts]]\nname = \"helpdev-hml\"\nenvironment = \"staging\"\n",
        std::path::Path::new("c.toml"),
    )
    .unwrap();
    assert_eq!(
        Protected::from_config(&config),
        Protected {
            contexts: names(&["eks-prod-use1"]),
            accounts: names(&["helpdev-prod", "numinia"]),
        }
    );
}

/// The API emulator holding the objects of `fixtures`.
async fn api_holding(fixtures: &[&str]) -> KubeApi {
    let api = KubeApi::start(all_resources()).await;
    for f in fixtures {
        for obj in fixture(f) {
            api.apply(obj);
        }
    }
    api
}

/// The HelmRelease `name` in prod-cluster's numinia namespace.
fn numinia_release(name: &str) -> RowId {
    RowId::new(
        opsdeck::model::Kind::HelmRelease,
        opsdeck::model::Scope::kube("prod-cluster", "numinia"),
        name,
    )
}

#[tokio::test]
async fn kube_actions_reach_the_api() {
    let api = api_holding(&["helmreleases.json"]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = api.write_kubeconfig(dir.path());
    let runner = KubeActions::new(Arc::new(kubeconfig::load(Some(&path)).unwrap()), true);
    let id = numinia_release("elizaos-numi");
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
    let read_only = KubeActions::new(Arc::new(kubeconfig::load(Some(&path)).unwrap()), false);
    let e = read_only
        .run(RowAction::Resume, &id, &facts)
        .await
        .unwrap_err();
    assert!(e.contains("read-only"), "{e}");
}

#[tokio::test]
async fn kube_events_of_a_row_newest_first() {
    let api = api_holding(&["helmreleases.json", "events.json"]).await;
    let tmp = tempfile::tempdir().unwrap();
    let path = api.write_kubeconfig(tmp.path());
    let source = KubeInspector::new(Arc::new(kubeconfig::load(Some(&path)).unwrap()));
    let subject = Subject {
        id: numinia_release("hyperfy2-world"),
        facts: Facts::HelmRelease(Default::default()),
        object: Some(ObjectRef::new("HelmRelease", "numinia", "hyperfy2-world")),
        workloads: Vec::new(),
        source: None,
    };
    let Body::Events(events) = source.fetch(&subject, Section::Events).await.unwrap() else {
        panic!("events")
    };
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

/// `y` on a cluster's row: the object as the API serves it now, as YAML, `managedFields` left
/// out as `kubectl get -o yaml` leaves them; a deleted object is said as such.
#[tokio::test]
async fn kube_manifest_is_the_objects_yaml() {
    let api = api_holding(&["helmreleases.json"]).await;
    let tmp = tempfile::tempdir().unwrap();
    let path = api.write_kubeconfig(tmp.path());
    let source = KubeInspector::new(Arc::new(kubeconfig::load(Some(&path)).unwrap()));
    let subject = |name: &str| Subject {
        id: numinia_release(name),
        facts: Facts::HelmRelease(Default::default()),
        object: Some(ObjectRef::new("HelmRelease", "numinia", name)),
        workloads: Vec::new(),
        source: None,
    };
    let m = source.manifest(&subject("elizaos-numi")).await.unwrap();
    assert_eq!(m.format, "YAML");
    let stored = api.get("HelmRelease", "numinia", "elizaos-numi").unwrap();
    let back: serde_json::Value = serde_saphyr::from_str(&m.text).expect("the YAML parses");
    assert_eq!(back["spec"], stored["spec"], "{}", m.text);
    assert_eq!(back["metadata"]["name"], "elizaos-numi");
    assert!(!m.text.contains("managedFields"), "{}", m.text);
    assert!(
        m.origin
            .contains("HelmRelease numinia/elizaos-numi in prod-cluster"),
        "{}",
        m.origin
    );
    let gone = source
        .manifest(&subject("no-such-release"))
        .await
        .unwrap_err();
    assert!(
        gone.starts_with("not found: HelmRelease numinia/no-such-release"),
        "{gone}"
    );
}

struct CannedEvents;

impl Inspector for CannedEvents {
    fn fetch(&self, _: &Subject, section: Section) -> SectionFuture {
        Box::pin(async move {
            match section {
                Section::Events => Ok(Body::Events(vec![EventLine {
                    last_seen: Some(origin()),
                    event_type: "Warning".into(),
                    reason: "UpgradeFailed".into(),
                    message: "Helm upgrade failed: context deadline exceeded".into(),
                    count: 3,
                    object: "HelmRelease/hyperfy2-world".into(),
                }])),
                _ => Err("not served here".into()),
            }
        })
    }
}

#[tokio::test]
async fn the_detail_view_shows_events_when_they_arrive() {
    let (app, _) = demo_app();
    let mut app = app.with_inspector(Arc::new(CannedEvents));
    let mut notices = app.take_notices().unwrap();
    let mut term = terminal();
    type_line(&mut app, ":hr");
    type_line(&mut app, "/UpgradeFailed");
    app.handle_key(code(KeyCode::Enter));
    let s = render(&mut term, &mut app);
    assert!(s.contains("── Events") && s.contains("loading…"), "{s}");
    // The release's three sections (pods, events, history) each report once.
    for _ in 0..3 {
        let ev = notices.recv().await.unwrap();
        app.on_ui_event(ev);
    }
    let s = render(&mut term, &mut app);
    assert!(
        s.contains("Warning  UpgradeFailed")
            && s.contains("x3")
            && s.contains("context deadline exceeded"),
        "{s}"
    );
    // Rows whose kind drills into nothing (organizations) do not ask.
    app.handle_key(code(KeyCode::Esc));
    type_line(&mut app, ":org");
    app.handle_key(code(KeyCode::Enter));
    assert!(!render(&mut term, &mut app).contains("── Events"));
}

/// `:runbooks` on the demo world: the form refuses bad input, the plan shows before anything
/// runs, the target must be typed, the steps run with their times, and the new organization
/// reaches the fleet.
#[tokio::test]
async fn a_runbook_runs_from_the_tui_on_the_demo_world() {
    let (tx, mut rx) = opsdeck::store::channel();
    let world = demo_world(Some(tx));
    let journals = tempfile::tempdir().unwrap();
    let (mut app, mut notices) = runbooks_app(&world, journals.path(), true);
    let mut term = terminal();

    shows(&mut term, &mut app, &["create-org", "staging-refresh"]);
    app.handle_key(code(KeyCode::Enter));
    // The account and the cluster's OIDC provider are read from the world into the form.
    let read = notices.recv().await.unwrap();
    assert!(matches!(read, UiEvent::InputsRead { .. }));
    app.on_ui_event(read);
    let said = form_said(&app);
    assert!(
        said.contains("account id 111122223333: read from sts:GetCallerIdentity")
            && said
                .contains("OIDC provider id 5E1F3A0C9D2B4F6A8C7E: read from eks:DescribeCluster"),
        "{said}"
    );
    shows(
        &mut term,
        &mut app,
        &["111122223333", "5E1F3A0C9D2B4F6A8C7E"],
    );
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
    for (i, value) in ["acme-games", "acmegames.io", "world"].iter().enumerate() {
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
    shows(
        &mut term,
        &mut app,
        &["plan (nothing written yet)", "aws iam create-role"],
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
    until_runbook_done(&mut app, &mut notices).await;
    while let Ok(batch) = rx.try_recv() {
        app.fleet.apply(batch);
    }
    let done = [
        "finished",
        "summary:",
        "journal:",
        "Flux applies the organization",
        "done",
    ];
    shows(&mut term, &mut app, &done);
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
    let (world, _dir, app, _notices) = failover_typed(false).await;
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
    use opsdeck::runbook::engine::{self, Control, Event, Outcome, RunOptions};

    let world = demo_world(None);
    let dir = tempfile::tempdir().unwrap();
    let rb = testkit::runbooks::failover();
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

    let (mut app, mut notices) = runbooks_app(&world, dir.path(), true);
    let mut term = terminal();
    shows(
        &mut term,
        &mut app,
        &["Interrupted runs", "failover-sa-east-1-"],
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
    until_runbook_done(&mut app, &mut notices).await;
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

/// The paste of issue #11: `hyperfy2⏎Ryes⏎` into the filter, with --write. As keys it would keep
/// the filter, ask to reconcile the failing release and answer `y`; as a paste it is the filter's
/// text, on one line, and nothing else happens.
#[tokio::test]
async fn a_paste_into_the_filter_is_text_and_never_starts_a_reconcile() {
    let runner = Arc::new(Recorder::default());
    let mut app = on_failing_release(false, runner.clone());
    app.handle_key(key('/'));
    assert!(app.handle_paste("hyperfy2\nRyes\n"));
    assert_eq!(app.mode, Mode::Filter("hyperfy2 Ryes".into()));
    assert_eq!(app.view(app.pane).filter().raw(), "hyperfy2 Ryes");
    assert!(app.confirm.is_none(), "no reconcile was asked for");
    assert!(app.message.is_none(), "{:?}", app.message);
    assert!(runner.0.lock().unwrap().is_empty(), "nothing ran");

    // The filter's text is what Enter, a key, keeps; the paste's line breaks did not.
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.view(app.pane).filter().raw(), "hyperfy2 Ryes");
    assert!(app.confirm.is_none());

    // With no input open a paste does nothing at all: it is never read as keys.
    let pane = app.pane;
    assert!(!app.handle_paste("Ry\n:q\n"));
    assert_eq!((app.pane, &app.mode), (pane, &Mode::Normal));
    assert!(app.confirm.is_none() && !app.quit);

    // Nor does it answer the `y` of a write action: only a key does.
    type_line(&mut app, "/UpgradeFailed");
    app.handle_key(key('R'));
    assert_eq!(
        app.confirm.as_ref().map(|(a, _)| *a),
        Some(RowAction::Reconcile)
    );
    assert!(!app.handle_paste("y\n"));
    assert!(app.confirm.is_some(), "the prompt is still up");
    // A `y` the event loop found already queued when it drew the prompt does not answer it.
    assert!(!app.handle_queued_key(key('y')));
    assert!(app.confirm.is_some(), "the prompt is still up");
    assert!(runner.0.lock().unwrap().is_empty(), "nothing ran");
    app.handle_key(key('y'));
    assert_reconciled_once(&runner);
}

/// A paste into the command bar is text too: its line break does not run the command.
#[test]
fn a_paste_into_the_command_bar_does_not_run_it() {
    let (mut app, _) = demo_app();
    app.handle_key(key(':'));
    assert!(app.handle_paste("q\n"));
    assert!(matches!(&app.mode, Mode::Command(typed, _) if typed == "q"));
    assert!(!app.quit);
    app.handle_key(code(KeyCode::Esc));
    assert_eq!(app.mode, Mode::Normal);
}

/// Events as a terminal's event stream would send them, then the end of the input.
fn input(events: Vec<Event>) -> impl futures_util::Stream<Item = std::io::Result<Event>> + Unpin {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    for e in events {
        tx.send(e).unwrap();
    }
    channel_input(rx)
}

fn channel_input(
    rx: tokio::sync::mpsc::UnboundedReceiver<Event>,
) -> impl futures_util::Stream<Item = std::io::Result<Event>> + Unpin {
    Box::pin(stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok(e), rx))
    }))
}

/// Through the real event loop: a bracketed paste (`Event::Paste`) fills the filter, and a
/// paste from a terminal without bracketed paste, which arrives as keys all queued at once,
/// cannot answer the prompt its `R` raised: the `y` was queued before the prompt was drawn.
#[tokio::test]
async fn the_event_loop_never_lets_a_paste_answer_a_prompt() {
    /// The real event loop over `events`, until they end.
    async fn run_over(app: &mut App, events: Vec<Event>) {
        let (_updates_tx, updates) = opsdeck::store::channel();
        let mut term = terminal();
        let run = event_loop::run(&mut term, app, input(events), updates);
        tokio::time::timeout(Duration::from_secs(20), run)
            .await
            .expect("the loop ends with its input")
            .unwrap();
    }

    let runner = Arc::new(Recorder::default());
    let mut app = writable_app(&runner);
    let mut events = key_events(":hr\n/");
    events.push(Event::Paste("hyperfy2\r\nRyes\r\n".into()));
    run_over(&mut app, events).await;
    assert_eq!(app.mode, Mode::Filter("hyperfy2 Ryes".into()));
    assert!(app.confirm.is_none() && app.message.is_none());

    // The same text pasted as keys, all queued before the loop reads the first.
    let mut app = writable_app(&runner);
    run_over(&mut app, key_events(":hr\n/UpgradeFailed\nRyes\n")).await;
    assert_eq!(
        app.confirm.as_ref().map(|(a, _)| *a),
        Some(RowAction::Reconcile),
        "the prompt waits for a key pressed after it appeared"
    );
    assert!(app.detail.is_none(), "the queued Enter did nothing either");
    assert!(runner.0.lock().unwrap().is_empty(), "nothing ran");

    // A `y` pressed once the prompt is on screen confirms.
    let mut app = writable_app(&runner);
    let (_updates_tx, mut updates) = opsdeck::store::channel();
    let (key_tx, key_rx) = tokio::sync::mpsc::unbounded_channel();
    for e in key_events(":hr\n/UpgradeFailed\nR") {
        key_tx.send(e).unwrap();
    }
    let mut pressed = false;
    let recorded = runner.clone();
    let mut term = terminal();
    let run = event_loop::run_observed(
        &mut term,
        &mut app,
        channel_input(key_rx),
        &mut updates,
        |app| {
            if app.confirm.is_some() && !pressed {
                key_tx.send(Event::Key(key('y'))).unwrap();
                pressed = true;
            }
            recorded.0.lock().unwrap().is_empty()
        },
    );
    tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("the y pressed after the prompt confirmed")
        .unwrap();
    assert_reconciled_once(&runner);
}

/// A runbook's typed target can be pasted, but only Enter, a key pressed of its own, applies:
/// the paste's line break does not, nor does the form's paste plan.
#[tokio::test]
async fn a_paste_fills_a_runbook_confirmation_but_never_applies_it() {
    let world = demo_world(None);
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut notices) = runbooks_app(&world, dir.path(), true);
    // A paste in the list does nothing.
    assert!(!app.handle_paste("\n"));
    app.handle_key(code(KeyCode::Down));
    app.handle_key(code(KeyCode::Enter));
    form_read(&mut app, &mut notices).await;

    // The failover form: a paste is the focused field's text, and its line break plans nothing.
    app.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    assert!(app.handle_paste("helpdev.io\n"));
    let stage = &app.runbook.as_ref().unwrap().stage;
    let Stage::Form { fields, focus, .. } = stage else {
        panic!("still the form");
    };
    assert_eq!((*focus, fields[0].value.as_str()), (0, "helpdev.io"));
    assert!(notices.try_recv().is_err(), "no plan was asked for");
    app.handle_key(code(KeyCode::Enter));
    let planned = notices.recv().await.unwrap();
    app.on_ui_event(planned);

    // The plan: the target, pasted with line breaks around it, fills the field, and that is all.
    assert!(app.handle_paste("\r\nsa-east-1\r\n"));
    let stage = &app.runbook.as_ref().unwrap().stage;
    let Stage::Plan { confirm, .. } = stage else {
        panic!("the plan is on screen");
    };
    assert_eq!(confirm, "sa-east-1");
    assert!(notices.try_recv().is_err(), "nothing runs");
    assert!(world.creates().is_empty(), "nothing was written");
    // A key the event loop found queued when it drew the plan does not apply it.
    assert!(!app.handle_queued_key(code(KeyCode::Enter)));
    assert!(matches!(
        app.runbook.as_ref().unwrap().stage,
        Stage::Plan { .. }
    ));

    // Enter, pressed, applies.
    app.handle_key(code(KeyCode::Enter));
    assert!(
        matches!(app.runbook.as_ref().unwrap().stage, Stage::Running { .. }),
        "{:?}",
        app.message
    );
}

/// `opsdeck demo --write`: the demo fleet carries out what the TUI asks, after the same
/// confirmation, and the row shows the outcome. Resuming the suspended Kustomization makes it
/// healthy and a later incident tick leaves it so; reconciling the failing release answers as
/// helm-controller does; renewing the expiring certificate says why its challenge fails.
#[tokio::test(start_paused = true)]
async fn the_demo_carries_out_writes_and_shows_their_outcome() {
    use opsdeck::backend::demo::{self, DemoOptions};
    use opsdeck::clock::SimClock;
    use opsdeck::model::{Health, Kind};

    let clock = Arc::new(SimClock::new(origin(), 1.0));
    let (tx, mut rx) = opsdeck::store::channel();
    let (task, actions) = demo::spawn_writable(DemoOptions::default(), clock.clone(), tx);
    let audit = tempfile::tempdir().unwrap();
    let log = audit.path().join("audit.jsonl");
    let actions = actions.audited(Some(log.clone()));
    let mut app = App::new(
        opsdeck::store::Fleet::new("demo"),
        clock,
        opsdeck::ui::Theme::default_theme(),
        false,
    )
    .with_actions(Arc::new(actions));
    let mut notices = app.take_notices().unwrap();
    // Every source connected.
    while app.fleet.count(Kind::Organization) < 5 || app.fleet.count(Kind::Workload) == 0 {
        app.fleet.apply(rx.recv().await.unwrap());
    }
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        while let Ok(batch) = rx.try_recv() {
            app.fleet.apply(batch);
        }
    }
    let health = |app: &App, kind: Kind, name: &str| {
        app.fleet
            .rows_of(kind)
            .find(|r| r.id.name == name)
            .map(|r| r.health)
            .unwrap()
    };
    assert_eq!(
        health(&app, Kind::Kustomization, "art-unchained-pre"),
        Health::Suspended
    );

    // The outcome of the action the prompt asked for, once confirmed.
    async fn outcome(app: &mut App, notices: &mut Notices, keys: &str) -> String {
        for c in keys.chars() {
            app.handle_key(match c {
                '\n' => code(KeyCode::Enter),
                c => key(c),
            });
        }
        assert!(app.confirm.is_some(), "{:?}", app.message);
        app.handle_key(key('y'));
        loop {
            let ev = notices.recv().await.unwrap();
            let said = match &ev {
                UiEvent::ActionDone { outcome, .. } => Some(outcome.clone().unwrap_or_else(|e| e)),
                _ => None,
            };
            app.on_ui_event(ev);
            if let Some(text) = said {
                return text;
            }
        }
    }

    type_line(&mut app, ":ks");
    type_line(&mut app, "/art-unchained-pre");
    let said = outcome(&mut app, &mut notices, "T").await;
    assert!(
        said.contains("Kustomization art-unchained-pre/art-unchained-pre on prod-cluster resumed"),
        "{said}"
    );
    // The write is on the timeline, as opsdeck's, on its row.
    let written = app.fleet.timeline().newest_first().next().cloned().unwrap();
    assert_eq!(&*written.source, "opsdeck");
    assert_eq!(
        written.row().map(|id| id.name.as_str()),
        Some("art-unchained-pre")
    );
    assert_eq!(written.note, format!("resume: {said}"));
    while let Ok(batch) = rx.try_recv() {
        app.fleet.apply(batch);
    }
    assert_eq!(
        health(&app, Kind::Kustomization, "art-unchained-pre"),
        Health::Healthy
    );
    // A Kustomization the incidents never touch, suspended: it stays so while they tick on.
    type_line(&mut app, "/^active-inference-pro$");
    let said = outcome(&mut app, &mut notices, "T").await;
    assert!(said.contains("suspended"), "{said}");
    let mut ticks = 0;
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_secs(100)).await;
        while let Ok(batch) = rx.try_recv() {
            ticks += 1;
            app.fleet.apply(batch);
        }
    }
    assert!(ticks > 0, "the incidents ticked");
    assert_eq!(
        health(&app, Kind::Kustomization, "active-inference-pro"),
        Health::Suspended
    );

    // Reconciling the failing release, renewing the expiring certificate, `:scale 3` on the
    // ECS service that runs short: each outcome says what the controller would.
    for (pane, filter, keys, words) in [
        (
            ":hr",
            "/UpgradeFailed",
            "R",
            &["reconciled but not Ready", "UpgradeFailed"][..],
        ),
        (
            ":cert",
            "/r3s3t-tls",
            "R",
            &["HTTP-01 challenge", "r3s3t.io"],
        ),
        (
            ":ecs",
            "/phenom-prod functions",
            ":scale 3\n",
            &["functions on phenom-prod-cluster: 2 → 3 tasks, rollout completed"],
        ),
        (
            ":app",
            "/eks-hml-use1 ^keycloak$",
            "R",
            &["Application argocd/keycloak on eks-hml-use1 refreshed: Synced, Healthy"],
        ),
        (
            ":app",
            "/eks-hml-use1 ^payment-api$",
            ":sync\n",
            &[
                "payment-api on eks-hml-use1: sync Succeeded to ",
                "; now Synced",
            ],
        ),
    ] {
        type_line(&mut app, pane);
        type_line(&mut app, filter);
        let said = outcome(&mut app, &mut notices, keys).await;
        for w in words {
            assert!(said.contains(w), "{w:?}: {said}");
        }
    }
    while let Ok(batch) = rx.try_recv() {
        app.fleet.apply(batch);
    }
    let prod = |r: &&opsdeck::model::Row| r.id.scope.context() == "phenom-prod-cluster";
    let row = app
        .fleet
        .rows_of(Kind::EcsService)
        .filter(prod)
        .find(|r| r.id.name == "functions")
        .unwrap();
    assert!(row.reason.starts_with("3/3 running"), "{}", row.reason);
    // Each write is in the audit log, started then done, marked as the demo world's.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outcomes: Vec<(String, String)> = lines
        .iter()
        .filter(|l| l["outcome"] != "started")
        .map(|l| (l["action"].to_string(), l["outcome"].to_string()))
        .collect();
    assert_eq!(outcomes.len(), 7, "{lines:#?}");
    assert!(
        outcomes[0].0.contains("resume") && outcomes[0].1.contains("ok"),
        "{outcomes:?}"
    );
    assert!(
        outcomes[2].0.contains("reconcile") && outcomes[2].1.contains("failed"),
        "{outcomes:?}"
    );
    assert!(outcomes[4].0.contains("scale to 3"), "{outcomes:?}");
    assert!(outcomes[5].0.contains("refresh"), "{outcomes:?}");
    assert!(
        outcomes[6].0.contains("sync") && outcomes[6].1.contains("ok"),
        "{outcomes:?}"
    );
    // The sync's prompt says what it changes: the revision that runs and the one Git names.
    type_line(&mut app, ":app");
    type_line(&mut app, "/eks-hml-use1 ^istiod$");
    type_line(&mut app, ":sync");
    assert!(app.confirm.is_some());
    let asked = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(
        asked.starts_with("Sync Argo CD Application argocd/istiod on eks-hml-use1 (Synced: runs ")
            && asked.contains(", Git names ")
            && asked.ends_with("; as argocd app sync)? y confirms, any other key cancels"),
        "{asked}"
    );
    app.handle_key(key('n'));
    assert!(app.confirm.is_none());
    // `:sync` is an Argo CD Application's: on another row it says so and asks nothing.
    type_line(&mut app, ":hr");
    type_line(&mut app, ":sync");
    assert!(app.confirm.is_none());
    let said = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(
        said.contains(":sync syncs an Argo CD Application"),
        "{said}"
    );
    assert!(
        lines.iter().all(|l| l["world"]["kind"] == "demo"),
        "{lines:#?}"
    );
    task.abort();
}

/// On a laptop's 80×24 the plan scrolls with the arrows and pages, says where it is, and the
/// prompt that asks for the typed target stays on screen below it; letters go to the prompt.
#[tokio::test]
async fn a_plan_taller_than_the_screen_scrolls_and_keeps_its_prompt() {
    let world = demo_world(None);
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut notices) = runbooks_app(&world, dir.path(), true);
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    plan_failover(&mut app, &mut notices).await;
    let top = render(&mut term, &mut app);
    assert!(top.contains("type sa-east-1 and Enter to apply:"), "{top}");
    assert!(top.contains("· lines 1–"), "{top}");
    app.handle_key(code(KeyCode::PageDown));
    let end = render(&mut term, &mut app);
    assert!(end.contains("type sa-east-1 and Enter to apply:"), "{end}");
    assert!(!end.contains("· lines 1–"), "the plan moved: {end}");
    assert!(
        end.contains("this is a drill"),
        "its end is on screen: {end}"
    );
    // `j` is a letter of the target, not a scroll key.
    app.handle_key(key('j'));
    let s = render(&mut term, &mut app);
    assert!(s.contains("type sa-east-1 and Enter to apply: j"), "{s}");
    assert!(world.creates().is_empty());
}

/// On an 80-column terminal the protected prompt, which names the object, the context, the
/// account and the region, is shown whole on the lines it needs, never cut.
#[tokio::test]
async fn a_long_prompt_is_shown_whole_on_a_narrow_terminal() {
    let runner = Arc::new(Recorder::default());
    let mut app = protected_app(runner.clone(), &["prod-cluster"], &[]);
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    app.handle_key(key('R'));
    let s = render(&mut term, &mut app);
    let flat: String = s.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Protected context: type prod-cluster then Enter to confirm"),
        "{s}"
    );
    assert!(flat.contains("(account numinia, region eu-west-1)"), "{s}");
}

/// A run goes on while the user looks elsewhere: Esc leaves its screen, the header shows its
/// progress, `:runbooks` comes back to it; quitting asks first and names the journal; the abort
/// key stops it after the current step, journals the stop, and the run is offered for resume.
#[tokio::test]
async fn a_running_runbook_runs_on_in_the_background_and_stops_when_asked() {
    let (_world, dir, mut app, mut notices) = failover_typed(true).await;
    let mut term = terminal();
    assert!(app.runbook.as_ref().unwrap().is_running());

    // Leaving asks nothing; the run goes on and the header says where it is.
    app.handle_key(code(KeyCode::Esc));
    assert!(app.runbook.as_ref().unwrap().is_running());
    type_line(&mut app, ":hr");
    let screen = render(&mut term, &mut app);
    assert!(screen.contains("▶ failover 0/"), "{screen}");
    assert!(screen.contains("HelmReleases"), "{screen}");

    // Quitting asks, names the way back, and any other key takes the question back.
    app.handle_key(key('q'));
    assert!(!app.quit);
    let asked = app.message.clone().unwrap().text;
    assert!(asked.contains("opsdeck runbook resume"), "{asked}");
    app.handle_key(key('j'));
    assert!(!app.quit && app.message.is_none());

    // Back to it, and stopped after the current step.
    type_line(&mut app, ":runbooks");
    assert!(matches!(
        app.runbook.as_ref().unwrap().stage,
        Stage::Running { .. }
    ));
    app.handle_key(key('a'));
    shows(&mut term, &mut app, &["stopping after the current step"]);
    until_runbook_done(&mut app, &mut notices).await;
    let screen = render(&mut term, &mut app);
    assert!(screen.contains("stopped, as asked"), "{screen}");
    // Its one step done is on the timeline, with the runbook and its target.
    let steps: Vec<_> = app
        .fleet
        .timeline()
        .newest_first()
        .filter(|c| {
            c.subject
                == opsdeck::store::changes::Subject::Runbook {
                    name: "failover".into(),
                    target: "sa-east-1".into(),
                }
        })
        .collect();
    assert_eq!(steps.len(), 1, "{steps:#?}");
    assert!(
        steps[0].note.starts_with("step 1: ") && steps[0].note.ends_with(" done"),
        "{steps:?}"
    );
    let journal = app.runbook.as_ref().unwrap().journal().unwrap().to_owned();
    let text = std::fs::read_to_string(&journal).unwrap();
    let verified = text.matches(r#""phase":"verified""#).count();
    assert_eq!(verified, 1, "one step, then the stop:\n{text}");
    assert!(text.contains(r#""event":"stopped""#), "{text}");
    let replay = opsdeck::runbook::journal::replay(&journal).unwrap();
    assert!(replay.stopped && replay.finished.is_none());
    assert_eq!(
        opsdeck::runbook::journal::interrupted(dir.path()),
        vec![journal],
        "a stopped run is offered for resume"
    );

    // Ended: q closes the screen, and quitting no longer asks.
    app.handle_key(key('q'));
    assert!(app.runbook.is_none());
    app.handle_key(key('q'));
    assert!(app.quit);
}

/// Ctrl-c with a run going on asks too, even while a command is being typed (the question takes
/// the input line), and names the whole resume command once the journal exists; `a` at the
/// question stops the run after its step instead; a second Ctrl-c quits.
#[tokio::test]
async fn ctrl_c_with_a_run_going_on_asks_then_quits() {
    let (_world, _dir, mut app, mut notices) = failover_typed(true).await;
    // Until the run has its journal.
    while app.runbook.as_ref().unwrap().journal().is_none() {
        let ev = notices.recv().await.unwrap();
        app.on_ui_event(ev);
    }
    app.handle_key(code(KeyCode::Esc));
    app.handle_key(key(':'));
    app.handle_key(key('h'));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    app.handle_key(ctrl_c);
    assert!(!app.quit, "asked first");
    assert_eq!(app.mode, Mode::Normal, "the question takes the input line");
    let asked = app.message.as_ref().unwrap().text.clone();
    assert!(
        asked.contains("opsdeck runbook resume --demo") && asked.contains("--confirm sa-east-1"),
        "{asked}"
    );
    // A paste is no answer: `q` pasted (or a line break) neither quits nor takes it back.
    assert!(!app.handle_paste("q\n"));
    assert!(!app.quit && app.message.as_ref().is_some_and(|m| m.text == asked));
    app.handle_key(key('a'));
    assert!(!app.quit);
    assert!(app.runbook.as_ref().unwrap().aborting(), "a stops the run");
    // Quit all the same: the terminal, once given back, is told how to resume.
    let told = app.cut_run().expect("the run is cut off");
    assert!(
        told.starts_with("the runbook failover was cut off mid-run")
            && told.contains("--write --apply --confirm sa-east-1"),
        "{told}"
    );
    app.handle_key(ctrl_c);
    app.handle_key(ctrl_c);
    assert!(app.quit);
}

/// The sizes people's terminals have.
const SIZES: [(u16, u16); 4] = [(80, 24), (100, 30), (180, 50), (250, 60)];

/// No line of `screen` is wider than `width`.
fn fits(screen: &str, width: u16, at: &str) {
    assert!(
        screen.lines().all(|l| l.chars().count() <= width as usize),
        "{at}: a line wider than {width}:\n{screen}"
    );
}

/// Every runbook screen at every size: the list, the form, the plan with its prompt, the run
/// with each step's state on its own line (a long title is cut with `…`, never pushing the
/// state off), the detail and the help.
#[tokio::test]
async fn every_runbook_screen_the_detail_and_the_help_fit_every_size() {
    for (width, height) in SIZES {
        let at = format!("{width}×{height}");
        let world = demo_world(None);
        let dir = tempfile::tempdir().unwrap();
        let (mut app, mut notices) = runbooks_app(&world, dir.path(), true);
        let mut term =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
        let s = render(&mut term, &mut app);
        fits(&s, width, &at);
        for name in ["create-org", "failover", "staging-refresh"] {
            assert!(s.contains(name), "{at}: {name}\n{s}");
        }
        app.handle_key(code(KeyCode::Down));
        app.handle_key(code(KeyCode::Enter));
        form_read(&mut app, &mut notices).await;
        let s = render(&mut term, &mut app);
        fits(&s, width, &at);
        assert!(s.contains("Tab moves, Enter plans"), "{at}: the form\n{s}");
        app.handle_key(code(KeyCode::Enter));
        let planned = notices.recv().await.unwrap();
        app.on_ui_event(planned);
        let s = render(&mut term, &mut app);
        fits(&s, width, &at);
        assert!(
            s.contains("type sa-east-1 and Enter to apply:"),
            "{at}: the prompt on screen\n{s}"
        );
        // Stopped after its first step, so the resume screen has a run to show.
        type_line(&mut app, "sa-east-1");
        app.handle_key(key('a'));
        until_runbook_done(&mut app, &mut notices).await;
        app.handle_key(code(KeyCode::Home));
        let s = render(&mut term, &mut app);
        fits(&s, width, &at);
        let first = s.lines().find(|l| l.contains("  1. ")).unwrap_or_default();
        assert!(
            first.contains("done") && first.contains("100%"),
            "{at}: the step's state and gauge on its line: {first}\n{s}"
        );
        let second = s.lines().find(|l| l.contains("  2. ")).unwrap_or_default();
        assert!(second.contains("pending"), "{at}: {second}\n{s}");
        app.handle_key(code(KeyCode::Esc));
        type_line(&mut app, ":runbooks");
        for _ in 0..3 {
            app.handle_key(code(KeyCode::Down));
        }
        app.handle_key(code(KeyCode::Enter));
        let s = render(&mut term, &mut app);
        fits(&s, width, &at);
        assert!(
            s.contains("type sa-east-1 and Enter to resume:"),
            "{at}: the resume's prompt on screen\n{s}"
        );
        app.handle_key(code(KeyCode::Esc));
        app.handle_key(code(KeyCode::Esc));

        // The detail of the failing release and the help over it.
        type_line(&mut app, ":hr hyperfy2-world");
        app.handle_key(code(KeyCode::Enter));
        let s = render(&mut term, &mut app);
        fits(&s, width, &at);
        let flat: String = s
            .lines()
            .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flat.contains("context deadline exceeded"),
            "{at}: the reason, wrapped whole\n{s}"
        );
        // Taller than the screen, the title says where it is, and G goes to its end.
        let whole = s.contains("── Commands");
        assert_eq!(s.contains("· lines 1–"), !whole, "{at}: the position\n{s}");
        app.handle_key(key('G'));
        let s = shows(&mut term, &mut app, &["── Commands"]);
        assert!(!s.contains("· lines 1–"), "{at}: G shows the end\n{s}");
        app.handle_key(key('?'));
        let s = render(&mut term, &mut app);
        fits(&s, width, &at);
        assert!(s.contains("Keys here (a detail)"), "{at}\n{s}");
    }
}

/// The runbooks' forms start from what the world tells, not from example names: on the demo
/// world, the failover's routed name and regions from Route53, the staging refresh's instances
/// and buckets by their environment tags, each said with where it came from.
#[tokio::test]
async fn runbook_forms_are_filled_from_the_world() {
    let world = demo_world(None);
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut notices) = runbooks_app(&world, dir.path(), true);
    let values = |app: &App| -> Vec<String> {
        let Stage::Form { fields, .. } = &app.runbook.as_ref().unwrap().stage else {
            panic!("the form");
        };
        fields.iter().map(|f| f.value.clone()).collect()
    };
    app.handle_key(code(KeyCode::Down));
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(
        values(&app),
        ["", "", "", ""],
        "nothing before the world answers"
    );
    form_read(&mut app, &mut notices).await;
    assert_eq!(
        values(&app),
        ["helpdev.io", "api.helpdev.io", "us-east-1", "sa-east-1"]
    );
    let said = form_said(&app);
    assert!(
        said.contains("from us-east-1: the region Route53 serves it from now"),
        "{said}"
    );
    // Said in the form, whole, not in the one-line message.
    let mut term = terminal();
    shows(
        &mut term,
        &mut app,
        &["· from us-east-1: the region Route53 serves it from now"],
    );
    app.handle_key(code(KeyCode::Esc));
    app.handle_key(code(KeyCode::Down));
    app.handle_key(code(KeyCode::Enter));
    form_read(&mut app, &mut notices).await;
    let v = values(&app);
    assert_eq!(
        v[..4],
        [
            "phenom-prod-postgres",
            "phenom-dev-postgres",
            "phenom-prod-media",
            "phenom-staging-media"
        ],
        "{}",
        form_said(&app)
    );

    // Typed while the world is read: nothing overwritten, and Enter reads again with it.
    app.handle_key(code(KeyCode::Esc));
    app.handle_key(code(KeyCode::Enter));
    for c in "phenom-prod-postgres".chars() {
        app.handle_key(key(c));
    }
    form_read(&mut app, &mut notices).await;
    let v = values(&app);
    assert_eq!(
        v[..2],
        ["phenom-prod-postgres", ""],
        "nothing filled over an edit"
    );
    assert!(
        form_said(&app).contains("edited meanwhile"),
        "{}",
        form_said(&app)
    );
    app.handle_key(code(KeyCode::Enter));
    form_read(&mut app, &mut notices).await;
    // The target follows the source typed: phenom's non-production instance.
    assert_eq!(
        values(&app)[..2],
        ["phenom-prod-postgres", "phenom-dev-postgres"],
        "{}",
        form_said(&app)
    );
}

/// A write on one of the scale's rows (which the demo does not keep a copy of) is carried out
/// on the row made again, and the changed row reaches the fleet.
#[tokio::test]
async fn the_demo_writes_on_a_scaled_row_too() {
    use opsdeck::backend::demo::{self, DemoOptions};
    use opsdeck::clock::SimClock;
    use opsdeck::model::{Health, Kind};

    let clock = Arc::new(SimClock::new(origin(), 1.0));
    let (tx, mut rx) = opsdeck::store::channel();
    let opts = DemoOptions {
        scale: 2,
        connect_stagger: Duration::ZERO,
        ..DemoOptions::default()
    };
    let (task, actions) = demo::spawn_writable(opts, clock, tx);
    let seed = demo::seed_rows(origin(), 0.0);
    let mut fleet = opsdeck::store::Fleet::new("demo");
    let scaled = loop {
        fleet.apply(rx.recv().await.unwrap());
        if let Some(r) = fleet
            .rows_of(Kind::HelmRelease)
            .find(|r| r.health == Health::Healthy && !seed.iter().any(|s| s.id == r.id))
        {
            break r.clone();
        }
    };
    let said = actions
        .run(RowAction::Suspend, &scaled.id, &scaled.facts)
        .await
        .unwrap();
    assert!(said.ends_with("suspended"), "{said}");
    loop {
        fleet.apply(rx.recv().await.unwrap());
        if fleet
            .row(&scaled.id)
            .is_some_and(|r| r.health == Health::Suspended)
        {
            break;
        }
    }
    task.abort();
}
