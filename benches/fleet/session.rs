//! opsdeck as the TUI runs it — its sources, the app, a 200×60 terminal, the real event loop —
//! with the measuring points of the fleet run: first frame, fill, idle and churn.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::Event;
use opsdeck::backend::kube::inspect::KubeInspector;
use opsdeck::backend::kube::kubeconfig;
use opsdeck::cli::{Sources, start_sources};
use opsdeck::clock::SystemClock;
use opsdeck::store::{self, Fleet, SourceStatus, UpdateReceiver};
use opsdeck::ui::{App, Theme, draw, event_loop};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::task::JoinSet;

use crate::readings;

/// A fill that takes longer than this has failed: the run stops with the sources' states.
const FILL_LIMIT: Duration = Duration::from_secs(180);

/// Where a phase sends the keys the event loop reads.
pub type Keys = tokio::sync::mpsc::UnboundedSender<io::Result<Event>>;

/// An input stream with no keys; it ends when the sender is dropped.
fn no_input() -> (
    Keys,
    std::pin::Pin<Box<dyn futures_util::Stream<Item = io::Result<Event>> + Send>>,
) {
    let (keys, keys_rx) = tokio::sync::mpsc::unbounded_channel::<io::Result<Event>>();
    let events = Box::pin(futures_util::stream::unfold(keys_rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    }));
    (keys, events)
}

pub struct Session {
    pub app: App,
    term: Terminal<TestBackend>,
    rx: UpdateReceiver,
    _tasks: JoinSet<()>,
    started: Instant,
    /// From starting the sources to the first frame drawn.
    pub first_frame: Duration,
    /// When each source was first seen connected, from start.
    pub connected: Vec<(String, Duration)>,
}

impl Session {
    /// Starts the sources and draws the first frame, as `opsdeck` does on start.
    pub async fn start(sources: Sources) -> Session {
        let started = Instant::now();
        let (tx, rx) = store::channel();
        // Details and logs read the contexts as the TUI's do (`cli/tui.rs`).
        let kubeconfig = sources
            .kube
            .as_ref()
            .and_then(|k| kubeconfig::load(k.kubeconfig.as_deref()).ok());
        let tasks = start_sources(sources, Arc::new(SystemClock), tx).await;
        let mut app = App::new(
            Fleet::new("bench"),
            Arc::new(SystemClock),
            Theme::default_theme(),
            true,
        );
        if let Some(loaded) = kubeconfig {
            let inspector = Arc::new(KubeInspector::new(Arc::new(loaded)));
            app = app.with_inspector(inspector.clone()).with_logs(inspector);
        }
        let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
        term.draw(|f| draw(f, &mut app)).unwrap();
        Session {
            app,
            term,
            rx,
            _tasks: tasks,
            started,
            first_frame: started.elapsed(),
            connected: Vec::new(),
        }
    }

    /// Runs the real event loop, without input, until every one of `sources` is connected and
    /// at least `rows` rows are in, as drawn. Returns the time since start.
    pub async fn fill(&mut self, sources: &[String], rows: usize) -> Duration {
        let (started, connected) = (self.started, &mut self.connected);
        let (_keys, events) = no_input();
        let run =
            event_loop::run_observed(&mut self.term, &mut self.app, events, &mut self.rx, |app| {
                let fleet = &app.fleet;
                for s in fleet.sources() {
                    if s.status == SourceStatus::Connected
                        && !connected.iter().any(|(n, _)| *n == s.name)
                    {
                        connected.push((s.name.clone(), started.elapsed()));
                    }
                }
                let filled = fleet.len() >= rows
                    && sources.iter().all(|n| {
                        fleet
                            .source(n)
                            .is_some_and(|s| s.status == SourceStatus::Connected)
                    });
                !filled
            });
        match tokio::time::timeout(FILL_LIMIT, run).await {
            Ok(done) => done.expect("the event loop runs"),
            Err(_) => panic!(
                "not filled within {FILL_LIMIT:?}: {} rows; sources: {:#?}",
                self.app.fleet.len(),
                self.app.fleet.sources().collect::<Vec<_>>()
            ),
        }
        self.started.elapsed()
    }

    /// The source that connected last among those whose name passes `which`, and when.
    pub fn slowest(&self, which: impl Fn(&str) -> bool) -> String {
        self.connected
            .iter()
            .filter(|(n, _)| which(n))
            .max_by_key(|(_, at)| *at)
            .map_or("none".into(), |(n, at)| {
                format!("{n} at {:.0} ms", at.as_secs_f64() * 1000.0)
            })
    }

    /// Hands the app to the real event loop and measures the CPU this process uses over `idle`
    /// with no input; then runs `then` with that share of one core and the keys the loop reads,
    /// while the loop goes on (calling `observe` after every frame), and stops the loop when it
    /// is done.
    pub async fn run_loop<F, Fut, T>(
        mut self,
        idle: Duration,
        mut observe: impl FnMut(&App),
        then: F,
    ) -> T
    where
        F: FnOnce(f64, Keys) -> Fut + Send + 'static,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let (keys, events) = no_input();
        let control = tokio::spawn(async move {
            let (cpu, start) = (readings::cpu_seconds(), Instant::now());
            tokio::time::sleep(idle).await;
            let idle_cpu = (readings::cpu_seconds() - cpu) / start.elapsed().as_secs_f64();
            // When `then` is done with the keys, the input ends and so does the loop.
            then(idle_cpu, keys).await
        });
        event_loop::run_observed(&mut self.term, &mut self.app, events, &mut self.rx, |app| {
            observe(app);
            true
        })
        .await
        .expect("the event loop runs");
        control.await.unwrap()
    }
}
