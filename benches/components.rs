//! Criterion benchmarks of opsdeck's parts at fleet scale (50,000 rows of the demo fleet):
//! store apply throughput, projection of real-shaped Flux, cert-manager and ECS objects, filter
//! and sort, a full frame of each pane into ratatui's TestBackend at 200×60, and a filter
//! keystroke end to end (key handling, re-filtering, the frame).
//!
//! `cargo bench --bench components` measures; under `cargo test --all-targets` criterion runs
//! each benchmark once on a small fleet, only to prove they still work.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use opsdeck::backend::demo;
use opsdeck::backend::kube::raw::RawObject;
use opsdeck::clock::FixedClock;
use opsdeck::model::Kind;
use opsdeck::model::kinds::project_object;
use opsdeck::store::view::{TableView, ViewSource};
use opsdeck::store::{Fleet, Update};
use opsdeck::ui::pane::ORDER;
use opsdeck::ui::{App, Pane, Theme, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn origin() -> Timestamp {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

/// Whether criterion measures (`cargo bench`) rather than runs each benchmark once.
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The demo fleet's updates at the smallest scale with at least `rows` rows.
fn updates(rows: usize) -> Vec<Update> {
    (1..)
        .map(|scale| demo::initial_updates(origin(), scale))
        .find(|u| u.len() >= rows)
        .unwrap()
}

fn rows() -> usize {
    if measuring() { 50_000 } else { 2_000 }
}

fn fleet() -> Fleet {
    let mut f = Fleet::new("bench");
    f.apply(updates(rows()));
    f
}

fn app() -> App {
    App::new(
        fleet(),
        Arc::new(FixedClock::new(origin())),
        Theme::default_theme(),
        true,
    )
}

fn store(c: &mut Criterion) {
    let updates = updates(rows());
    let mut g = c.benchmark_group("store");
    g.throughput(Throughput::Elements(updates.len() as u64));
    g.bench_function("apply the whole fleet", |b| {
        b.iter_batched(
            || updates.clone(),
            |u| {
                let mut f = Fleet::new("bench");
                f.apply(u);
                f
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let mut fleet = fleet();
    let one = updates
        .iter()
        .find_map(|u| match u {
            Update::Upsert(r) if r.kind() == Kind::HelmRelease => Some((**r).clone()),
            _ => None,
        })
        .unwrap();
    let mut n = 0u64;
    c.bench_function("store/one changed row", |b| {
        b.iter(|| {
            n += 1;
            let mut r = one.clone();
            r.own.reason = format!("changed {n}");
            fleet.apply([Update::upsert(r)])
        })
    });
    c.bench_function("store/problems across kinds", |b| {
        b.iter(|| black_box(fleet.problems().len()))
    });
    let mut flip = false;
    c.bench_function("view/filter + sort all HelmReleases", |b| {
        b.iter(|| {
            let mut v = TableView::new(ViewSource::Kind(Kind::HelmRelease));
            flip = !flip;
            v.set_filter(if flip { "tenant-01" } else { "space-0" });
            v.refresh(&fleet, origin());
            black_box(v.len())
        })
    });
}

/// The fixture objects of the kube tests: shaped like what Flux and cert-manager serve.
fn kube_objects() -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kube");
    let mut out = Vec::new();
    for file in [
        "kustomizations.json",
        "helmreleases.json",
        "sources.json",
        "certificates.json",
    ] {
        let list: Vec<serde_json::Value> =
            serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        for obj in list {
            let kind = obj["kind"].as_str().unwrap().to_string();
            out.push((kind, serde_json::to_vec(&obj).unwrap()));
        }
    }
    out
}

fn projection(c: &mut Criterion) {
    let objects = kube_objects();
    let mut g = c.benchmark_group("projection");
    g.throughput(Throughput::Elements(objects.len() as u64));
    // What a watcher does with each object of a list: parse it, project it into a row.
    g.bench_function("Flux and cert-manager objects, from JSON bytes", |b| {
        b.iter(|| {
            for (_, bytes) in &objects {
                let obj: RawObject = serde_json::from_slice(bytes).unwrap();
                black_box(project_object(
                    &obj.json().unwrap(),
                    "ctx",
                    "ctx".into(),
                    origin(),
                ));
            }
        })
    });
    let parsed: Vec<serde_json::Value> = objects
        .iter()
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .collect();
    g.bench_function("Flux and cert-manager objects, projection alone", |b| {
        b.iter(|| {
            for obj in &parsed {
                black_box(project_object(obj, "ctx", "ctx".into(), origin()));
            }
        })
    });
    g.finish();
    let service = ecs_service();
    c.bench_function("projection/ECS service (DescribeServices)", |b| {
        b.iter(|| black_box(opsdeck::backend::aws::ecs::facts(&service)))
    });
}

/// An ECS service as DescribeServices returns it: a rollout in progress, events.
fn ecs_service() -> aws_sdk_ecs::types::Service {
    use aws_sdk_ecs::types::{Deployment, DeploymentRolloutState, Service, ServiceEvent};
    let mut s = Service::builder()
        .service_name("graphql")
        .status("ACTIVE")
        .desired_count(4)
        .running_count(3)
        .pending_count(1)
        .task_definition("arn:aws:ecs:us-east-1:123456789012:task-definition/graphql:42")
        .deployments(
            Deployment::builder()
                .status("PRIMARY")
                .rollout_state(DeploymentRolloutState::InProgress)
                .desired_count(4)
                .running_count(3)
                .build(),
        );
    for i in 0..5 {
        s = s.events(
            ServiceEvent::builder()
                .id(format!("e{i}"))
                .message(format!(
                    "(service graphql) has started 1 tasks: (task {i})."
                ))
                .build(),
        );
    }
    s.build()
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn render(c: &mut Criterion) {
    let mut app = app();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    for pane in ORDER {
        app.pane = pane;
        frames(c, &format!("frame/{}", label(pane)), &mut term, &mut app);
    }

    // What a change costs on screen: one row changes, the table re-sorts, the frame is drawn.
    let changed = app
        .fleet
        .rows_of(Kind::Kustomization)
        .next()
        .unwrap()
        .clone();
    app.pane = Pane::Kind(Kind::Kustomization);
    let mut n = 0u64;
    c.bench_function("frame/after one change, Kustomizations", |b| {
        b.iter(|| {
            n += 1;
            let mut r = changed.clone();
            r.own.reason = format!("changed {n}");
            app.fleet.apply([Update::upsert(r)]);
            term.draw(|f| draw(f, &mut app)).unwrap();
        })
    });

    // A keystroke in the filter of the biggest table: the key, the re-filter, the frame.
    app.pane = Pane::Kind(Kind::Kustomization);
    app.handle_key(key(KeyCode::Char('/')));
    // Typing "tenant-01", then deleting it, one key per iteration: every one re-filters.
    let keys: Vec<KeyCode> = "tenant-01"
        .chars()
        .map(KeyCode::Char)
        .chain(std::iter::repeat_n(KeyCode::Backspace, 9))
        .collect();
    let mut next = keys.iter().cycle();
    c.bench_function("frame/filter keystroke, Kustomizations", |b| {
        b.iter(|| {
            app.handle_key(key(*next.next().unwrap()));
            term.draw(|f| draw(f, &mut app)).unwrap();
        })
    });
}

/// A Kustomization's health going back and forth, `n` seconds after the origin.
fn flip(row: &opsdeck::model::Row, n: i64) -> Update {
    let mut r = row.clone();
    r.updated_at = origin() + jiff::SignedDuration::from_millis(n * 20);
    r.own.health = if n % 2 == 0 {
        opsdeck::model::Health::Failed
    } else {
        opsdeck::model::Health::Healthy
    };
    Update::upsert(r)
}

/// `:timeline` full: the change log at its bound (`MAX_CHANGES`), one Kustomization's health
/// going back and forth 50 times a second; a frame of the pane, a frame while a change arrives
/// before each (the pane folds the new one in), a filter keystroke (the log read again), and a
/// frame with the filter set.
fn timeline(c: &mut Criterion) {
    let mut app = app();
    let row = app
        .fleet
        .rows_of(Kind::Kustomization)
        .next()
        .unwrap()
        .clone();
    let bound = if measuring() {
        opsdeck::store::changes::MAX_CHANGES as i64
    } else {
        2_000
    };
    for n in 0..bound {
        app.fleet.apply([flip(&row, n)]);
    }
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    for c in ":timeline".chars() {
        app.handle_key(key(KeyCode::Char(c)));
    }
    app.handle_key(key(KeyCode::Enter));
    let entries = app.fleet.timeline().len();
    let name = format!("frame/timeline, {entries} changes");
    frames(c, &name, &mut term, &mut app);

    let mut n = bound;
    c.bench_function(
        &format!("frame/timeline, a change arriving before each, {entries} changes"),
        |b| {
            b.iter(|| {
                n += 1;
                app.fleet.apply([flip(&row, n)]);
                term.draw(|f| draw(f, &mut app)).unwrap();
            })
        },
    );

    app.handle_key(key(KeyCode::Char('/')));
    let keys: Vec<KeyCode> = "failed"
        .chars()
        .map(KeyCode::Char)
        .chain(std::iter::repeat_n(KeyCode::Backspace, 6))
        .collect();
    let mut next = keys.iter().cycle();
    c.bench_function(
        &format!("frame/timeline filter keystroke, {entries} changes"),
        |b| {
            b.iter(|| {
                app.handle_key(key(*next.next().unwrap()));
                term.draw(|f| draw(f, &mut app)).unwrap();
            })
        },
    );
    app.handle_key(key(KeyCode::Esc));
    app.handle_key(key(KeyCode::Char('/')));
    for c in "failed".chars() {
        app.handle_key(key(KeyCode::Char(c)));
    }
    app.handle_key(key(KeyCode::Enter));
    let name = format!("frame/timeline filtered, {entries} changes");
    frames(c, &name, &mut term, &mut app);
}

/// Resident memory now and at its peak, in MB (Linux: /proc/self/status).
fn rss_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |key: &str| -> f64 {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kb("VmRSS:") / 1024.0, kb("VmHWM:") / 1024.0)
}

/// An hour of a bad night: 50 changes a second for 3,600 simulated seconds (180,000 changes)
/// through the store into the ring and, by the recorder thread, into the timeline's SQLite
/// file. Prints the resident memory as the ring fills and after (flat once it is full), the
/// file's size and how long the hour took to write. Under `cargo test`, a minute of it.
fn timeline_soak(_: &mut Criterion) {
    let seconds: i64 = if measuring() { 3_600 } else { 60 };
    let mut fleet = fleet();
    let row = fleet.rows_of(Kind::Kustomization).next().unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("timeline.sqlite");
    let db = opsdeck::timeline_db::TimelineDb::open(&path).unwrap();
    let (recorder, sink) = opsdeck::timeline_db::Recorder::start(db);
    fleet.keep_timeline(Vec::new(), sink);
    let started = std::time::Instant::now();
    let mut samples = vec![(0, rss_mb().0)];
    for n in 0..seconds * 50 {
        fleet.apply([flip(&row, n)]);
        if (n + 1) % (50 * 600) == 0 {
            // The hour goes by faster than the wall clock: the writer is given the time to
            // catch up, as at 50 a second it does, so that the figure is not of its queue.
            std::thread::sleep(std::time::Duration::from_millis(300));
            samples.push((n + 1, rss_mb().0));
        }
    }
    let applied = started.elapsed();
    drop(fleet);
    recorder.finish();
    let written = started.elapsed();
    let size_mb = std::fs::metadata(&path).unwrap().len() as f64 / 1e6
        + std::fs::metadata(path.with_extension("sqlite-wal"))
            .map(|m| m.len() as f64 / 1e6)
            .unwrap_or(0.0);
    let kept = opsdeck::timeline_db::TimelineDb::open_read(&path)
        .unwrap()
        .unwrap()
        .count()
        .unwrap();
    println!(
        "timeline soak: {} changes in {seconds} simulated s",
        seconds * 50
    );
    for (n, rss) in &samples {
        println!("  after {n:>7} changes: RSS {rss:.1} MB");
    }
    println!(
        "  applied in {:.2} s, written by {:.2} s; file {size_mb:.1} MB holding {kept} changes; peak RSS {:.1} MB",
        applied.as_secs_f64(),
        written.as_secs_f64(),
        rss_mb().1
    );
    assert_eq!(kept, (seconds * 50) as u64, "every change kept");
}

/// The frames of what the app shows now, as benchmark `name`. The first frame (which builds a
/// pane's view) is drawn before: the benchmark is the frames after it.
fn frames(c: &mut Criterion, name: &str, term: &mut Terminal<TestBackend>, app: &mut App) {
    term.draw(|f| draw(f, app)).unwrap();
    c.bench_function(name, |b| {
        b.iter(|| {
            term.draw(|f| draw(f, app)).unwrap();
        })
    });
}

fn label(pane: Pane) -> String {
    match pane {
        Pane::Overview => "overview".into(),
        Pane::Problems => "problems".into(),
        Pane::Kind(k) => format!("{k:?}"),
    }
}

criterion_group! {
    name = components;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    // The soak first: its memory figures are of a process that has done nothing else.
    targets = timeline_soak, store, projection, render, timeline
}
criterion_main!(components);
