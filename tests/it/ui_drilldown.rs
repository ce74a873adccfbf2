//! The TUI's drill-down on the demo world and on stand-in sources: a detail fetches its
//! sections, keeps them live while open and stops when it closes; the pods list; the log view
//! follows, keeps a bounded buffer, reads again with `p`/`c`/`t`, filters with `/`, and stops
//! reading when closed; the k9s aliases open the workloads pane filtered.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crossterm::event::KeyCode;
use futures_util::stream::{self, StreamExt};
use opsdeck::backend::demo::DemoInspector;
use opsdeck::inspect::logs::{
    LogEvent, LogLine, LogQuery, LogSource, LogStream, LogTarget, MAX_LOG_LINES,
};
use opsdeck::inspect::{Inspector, SectionFuture, Subject};
use opsdeck::model::drilldown::{Body, Section};
use opsdeck::ui::App;
use opsdeck::ui::tasks::{Notices, UiEvent};
use testkit::*;

/// Hands the app what background work reports until `done` holds of the app (or the reports
/// stop for a minute of — paused — time).
async fn drive(app: &mut App, notices: &mut Notices, done: impl Fn(&App) -> bool) {
    while !done(app) {
        match tokio::time::timeout(Duration::from_secs(60), notices.recv()).await {
            Ok(Some(ev)) => app.on_ui_event(ev),
            _ => panic!("the reports stopped before the app got there"),
        }
    }
}

/// The demo app with the demo world's inspector and logs, and its notices.
fn demo_app_inspected() -> (App, Notices) {
    let (app, clock) = demo_app();
    let inspector = Arc::new(DemoInspector::new(clock, origin()));
    let mut app = app.with_inspector(inspector.clone()).with_logs(inspector);
    let notices = app.take_notices().unwrap();
    (app, notices)
}

/// The open detail's sections have all answered.
fn all_sections_loaded(app: &App) -> bool {
    app.detail.as_ref().is_some_and(|d| {
        d.sections
            .iter()
            .all(|(_, v)| v.part != opsdeck::model::drilldown::Part::Loading)
    })
}

/// Counts fetches; every section answers with no events.
struct Counting(Arc<AtomicUsize>);

impl Inspector for Counting {
    fn fetch(&self, _: &Subject, _: Section) -> SectionFuture {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(Body::Events(Vec::new())) })
    }
}

#[tokio::test(start_paused = true)]
async fn a_detail_refreshes_while_open_and_stops_when_closed() {
    let (app, _) = demo_app();
    let fetches = Arc::new(AtomicUsize::new(0));
    let mut app = app.with_inspector(Arc::new(Counting(fetches.clone())));
    let mut notices = app.take_notices().unwrap();
    type_line(&mut app, ":hr");
    type_line(&mut app, "/hyperfy2-world");
    app.handle_key(code(KeyCode::Enter));
    // Three sections (pods, events, history): each fetched, then again 5 s later.
    let mut reports = 0;
    while reports < 6 {
        let ev = notices.recv().await.unwrap();
        assert!(matches!(ev, UiEvent::Section { .. }));
        app.on_ui_event(ev);
        reports += 1;
    }
    assert!(fetches.load(Ordering::SeqCst) >= 6);
    app.handle_key(code(KeyCode::Esc));
    let after_close = fetches.load(Ordering::SeqCst);
    // A minute of quiet: nothing is fetched for a closed detail.
    let quiet = tokio::time::timeout(Duration::from_secs(60), notices.recv()).await;
    assert!(
        quiet.is_err(),
        "a report after the detail closed: {quiet:?}"
    );
    assert_eq!(fetches.load(Ordering::SeqCst), after_close);
}

/// `G` pressed while the sections still load is the end they grow to: the commands, at the
/// bottom, are on screen once everything arrived (the tmux run pressed it that early).
#[tokio::test(start_paused = true)]
async fn g_before_the_sections_load_stays_at_the_end() {
    let (mut app, mut notices) = demo_app_inspected();
    // A laptop's terminal: the detail is taller than the screen.
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
    type_line(&mut app, ":hr");
    type_line(&mut app, "/UpgradeFailed");
    app.handle_key(code(KeyCode::Enter));
    render(&mut term, &mut app);
    app.handle_key(key('G'));
    render(&mut term, &mut app);
    drive(&mut app, &mut notices, all_sections_loaded).await;
    let s = render(&mut term, &mut app);
    assert!(s.contains("$ flux reconcile helmrelease"), "{s}");
    assert!(!s.contains("── Fields"), "{s}");
}

#[tokio::test(start_paused = true)]
async fn the_demos_failing_release_shows_pods_history_events_and_its_crash() {
    let (mut app, mut notices) = demo_app_inspected();
    let mut term = terminal();
    type_line(&mut app, ":hr");
    type_line(&mut app, "/UpgradeFailed");
    app.handle_key(code(KeyCode::Enter));
    drive(&mut app, &mut notices, all_sections_loaded).await;
    shows(
        &mut term,
        &mut app,
        &[
            "── Workloads",
            "deployment/hyperfy2-world",
            "── Pods (p lists them, l shows their logs)",
            "CrashLoopBackOff",
            "OOMKilled (exit 137)",
            "── History",
            "last good: v3 (hyperfy2@0.4.2)",
            "── Events (warnings; e shows all)",
        ],
    );
    // `e`: the Normal events too.
    app.handle_key(key('e'));
    let s = render(&mut term, &mut app);
    assert!(s.contains("Events (all; e shows warnings only)"), "{s}");

    // `p`: the pods to pick from; `l` on the crashing one: how it died.
    app.handle_key(key('g'));
    app.handle_key(key('p'));
    let s = render(&mut term, &mut app);
    assert!(s.contains("Pods of numen-games/hyperfy2-world"), "{s}");
    app.handle_key(key('l'));
    drive(&mut app, &mut notices, |a| {
        a.logs.as_ref().is_some_and(|l| l.ended)
    })
    .await;
    let s = render(&mut term, &mut app);
    assert!(
        s.contains(
            "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"
        ),
        "{s}"
    );
    assert!(s.contains("OOMKilled, exit 137"), "{s}");
    // Back to the pods, back to the detail, back to the table.
    for title in ["Pods of", "── Pods", "HelmReleases ["] {
        app.handle_key(code(KeyCode::Esc));
        let s = render(&mut term, &mut app);
        assert!(s.contains(title), "{title} after Esc:\n{s}");
    }
    // `L` on the release: the controller's lines about it only.
    app.handle_key(key('L'));
    drive(&mut app, &mut notices, |a| {
        a.logs.as_ref().is_some_and(|l| l.ended)
    })
    .await;
    let s = render(&mut term, &mut app);
    assert!(
        s.contains("helm-controller lines about HelmRelease/numen-games/hyperfy2-world"),
        "{s}"
    );
    assert!(
        s.contains("HelmRelease/hyperfy2-world.numen-games - Reconciler error"),
        "{s}"
    );
    assert!(
        !s.contains("hyperfy2-plaza"),
        "other releases' lines are filtered out:\n{s}"
    );
}

/// A follow stream that writes `lines` at once, then one line per second forever; `dropped`
/// turns true when the view lets it go; `queries` records what each run asked.
struct Flood {
    lines: usize,
    dropped: Arc<AtomicBool>,
    queries: Arc<std::sync::Mutex<Vec<LogQuery>>>,
}

struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl LogSource for Flood {
    fn logs(&self, _: &LogTarget, query: &LogQuery) -> LogStream {
        self.queries.lock().unwrap().push(query.clone());
        let flag = DropFlag(self.dropped.clone());
        let line = |i: usize| {
            LogEvent::Line(LogLine {
                pod: format!("pod-{}", i % 3),
                container: "app".into(),
                text: format!("line {i}"),
            })
        };
        let n = self.lines;
        let burst = stream::iter((0..n).map(line));
        let trickle = stream::unfold((n, flag), move |(i, flag)| async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Some((line(i), (i + 1, flag)))
        });
        Box::pin(burst.chain(trickle))
    }
}

#[tokio::test(start_paused = true)]
async fn the_log_view_keeps_a_bounded_buffer_reads_again_and_stops_when_closed() {
    let (app, _) = demo_app();
    let dropped = Arc::new(AtomicBool::new(false));
    let queries = Arc::default();
    let flood = Flood {
        lines: MAX_LOG_LINES + 500,
        dropped: dropped.clone(),
        queries: Arc::clone(&queries),
    };
    let mut app = app
        .with_inspector(Arc::new(Counting(Arc::default())))
        .with_logs(Arc::new(flood));
    let mut notices = app.take_notices().unwrap();
    let mut term = terminal();
    // `:deploy` opens the workloads filtered to Deployments; `l` reads the selected one's pods.
    type_line(&mut app, ":deploy");
    let s = render(&mut term, &mut app);
    assert!(
        s.contains("Workloads [") && s.contains("/deployment/"),
        "{s}"
    );
    assert!(!s.contains("statefulset/"), "{s}");
    app.handle_key(key('l'));
    drive(&mut app, &mut notices, |a| {
        a.logs
            .as_ref()
            .is_some_and(|l| l.buffer.len() == MAX_LOG_LINES && l.buffer.dropped >= 500)
    })
    .await;
    let s = render(&mut term, &mut app);
    assert!(s.contains("older lines dropped (keeps 10000)"), "{s}");
    assert!(
        s.contains("pod-1/app │ line"),
        "several pods: each line says whose:\n{s}"
    );
    assert!(s.contains("following"), "{s}");

    // `g`: the oldest line kept at the top of a full screen; `G` back to following.
    app.handle_key(key('g'));
    let s = render(&mut term, &mut app);
    let shown: Vec<&str> = s.lines().filter(|l| l.contains("/app │ line ")).collect();
    assert!(shown.len() > 40, "a full screen: {s}");
    assert!(
        shown[0].contains("│ line 500 "),
        "the oldest kept first: {s}"
    );
    app.handle_key(key('G'));
    assert!(render(&mut term, &mut app).contains("following"));

    // `/` filters the lines; Esc in the filter clears it.
    for c in "/line 10499".chars() {
        app.handle_key(key(c));
    }
    app.handle_key(code(KeyCode::Enter));
    let s = render(&mut term, &mut app);
    assert!(
        s.contains("filter /line 10499") && s.contains("│ line 10499"),
        "{s}"
    );
    assert!(!s.contains("│ line 10498"), "{s}");

    // `p`: the previous containers, read anew; `t`: from 1 m ago.
    app.handle_key(key('p'));
    app.handle_key(key('t'));
    // The runtime drops what was aborted when it next runs.
    let _ = tokio::time::timeout(Duration::from_millis(100), notices.recv()).await;
    {
        let q = queries.lock().unwrap();
        assert_eq!(q.len(), 3);
        assert!(q[1].previous && q[2].previous);
        assert_eq!((q[2].since, q[2].tail), (Some(60), None));
    }
    assert!(
        dropped.load(Ordering::SeqCst),
        "each new run lets the old one go"
    );
    dropped.store(false, Ordering::SeqCst);

    // Esc clears the filter the restarts kept, then closes the view, which stops the reading.
    app.handle_key(code(KeyCode::Esc));
    assert!(app.logs.as_ref().is_some_and(|l| l.filter.is_empty()));
    app.handle_key(code(KeyCode::Esc));
    assert!(app.logs.is_none());
    // Reports already queued may come first; the runtime drops the aborted reader meanwhile.
    for _ in 0..50 {
        if dropped.load(Ordering::SeqCst) {
            break;
        }
        let _ = tokio::time::timeout(Duration::from_millis(100), notices.recv()).await;
    }
    assert!(
        dropped.load(Ordering::SeqCst),
        "the stream was dropped with the view"
    );
}

#[test]
fn l_on_a_row_without_pods_says_where_logs_are() {
    let (app, clock) = demo_app();
    let inspector = Arc::new(DemoInspector::new(clock, origin()));
    let mut app = app.with_inspector(inspector.clone()).with_logs(inspector);
    let mut term = terminal();
    type_line(&mut app, ":rds");
    app.handle_key(key('l'));
    let s = render(&mut term, &mut app);
    assert!(
        s.contains("l shows the logs of workloads, HelmReleases, Kustomizations and ECS services"),
        "{s}"
    );
    app.handle_key(key('L'));
    let s = render(&mut term, &mut app);
    assert!(
        s.contains("L shows the Flux controller's lines about a Flux object"),
        "{s}"
    );
}

/// `y` fetches the object when asked and shows it as YAML, with where it came from; `c` copies
/// the whole text there and the row's name on a table; `Ctrl-a` lists every command's aliases.
#[tokio::test]
async fn y_shows_the_object_c_copies_and_ctrl_a_lists_the_aliases() {
    let (app, mut notices) = demo_app_inspected();
    let copied = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = copied.clone();
    let mut app = app.with_clipboard(Arc::new(move |t: &str| {
        sink.lock().unwrap().push(t.to_string())
    }));
    let mut term = terminal();
    type_line(&mut app, ":hr hyperfy2-world");
    let selected = app.selected_id().expect("a row");
    app.handle_key(key('y'));
    let screen = render(&mut term, &mut app);
    assert!(screen.contains("fetching…"), "{screen}");
    drive(&mut app, &mut notices, |a| {
        a.text.as_ref().is_some_and(|t| t.body.is_some())
    })
    .await;
    shows(
        &mut term,
        &mut app,
        &[
            "YAML hyperfy2-world",
            "apiVersion: helm.toolkit.fluxcd.io/v2",
            "kind: HelmRelease",
            "namespace: numen-games",
        ],
    );
    app.handle_key(key('c'));
    let text = copied.lock().unwrap().last().cloned().unwrap();
    assert!(
        text.starts_with("apiVersion:") && text.contains("\nkind: HelmRelease"),
        "{text}"
    );
    app.handle_key(code(KeyCode::Esc));
    assert!(app.text.is_none());

    // On the table, c copies the name.
    app.handle_key(key('c'));
    assert_eq!(app.copied.as_deref(), Some(selected.name.as_str()));
    assert_eq!(copied.lock().unwrap().last(), Some(&selected.name));

    // An AWS row's object is the JSON of what opsdeck read.
    type_line(&mut app, ":ecs");
    app.handle_key(key('y'));
    drive(&mut app, &mut notices, |a| {
        a.text.as_ref().is_some_and(|t| t.body.is_some())
    })
    .await;
    let text = app.text.as_ref().unwrap().text().unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(json["kind"], "ecs_service", "{text}");
    app.handle_key(code(KeyCode::Esc));

    let ctrl_a = crossterm::event::KeyEvent::new(
        KeyCode::Char('a'),
        crossterm::event::KeyModifiers::CONTROL,
    );
    app.handle_key(ctrl_a);
    shows(&mut term, &mut app, &["aliases", ":hr", ":ks", ":runbooks"]);
}
