//! The UI's state: the fleet, the panes' tables, and each overlay's own state (the components of
//! the stack, `stack.rs`). Keys go to the component on top (`keys.rs`), which answers with an
//! `Effect` that `effects.rs` carries out; background work is posted for the event loop to spawn
//! (`tasks`), so no I/O happens here and nothing here needs a runtime. Rows arrive through
//! `Fleet::apply` from the event loop, which never waits on a backend.

mod back;
mod effects;
mod keys;
mod layer;
mod row_action;
mod runbooks;
mod stack;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use super::chrome::TabStats;
pub use super::command_bar::Mode;
pub use super::component::Message;
pub use super::confirm::{NamePrompt, Protected};
pub use super::detail::Detail;
pub use super::tasks::{Notices, UiEvent};
pub use layer::Layer;

use super::component::Ctx;
use super::help::Help;
use super::logs::LogView;
use super::pane::{ORDER, Pane};
use super::pods::PodsView;
use super::runbook::RunbookScreen;
use super::tasks::{self, Outbox};
use super::text_view::TextView;
use super::theme::Theme;
use crate::clock::SharedClock;
use crate::inspect::Inspector;
use crate::inspect::logs::LogSource;
use crate::model::RowId;
use crate::row_actions::{ActionRunner, RowAction};
use crate::runbook::from_world::WorldHints;
use crate::runbook::{Ports, Runbook};
use crate::store::changes::{Change, Subject};
use crate::store::view::{Scoping, TableView};
use crate::store::{Fleet, RowKey};

/// Where `c` puts what it copies.
pub type Clipboard = Arc<dyn Fn(&str) + Send + Sync>;

pub struct App {
    pub fleet: Fleet,
    pub clock: SharedClock,
    pub theme: Theme,
    pub read_only: bool,
    pub pane: Pane,
    /// The command bar or the filter, while one is open.
    pub mode: Mode,
    pub detail: Option<Detail>,
    /// The detail's pods as a list, while open.
    pub pods: Option<PodsView>,
    /// A log view, while open.
    pub logs: Option<LogView>,
    /// How many log streams were started: the number of the newest.
    log_runs: u64,
    pub help: Option<Help>,
    /// `:timeline`, while open.
    pub timeline: Option<super::timeline::TimelineView>,
    /// The timeline put aside while a row opened from it is shown (`back.rs`).
    parked_timeline: Option<super::timeline::TimelineView>,
    /// When the incident started, as marked in the timeline (`m`).
    pub incident: Option<jiff::Timestamp>,
    /// Where the mark is kept across restarts (`incident_mark`); none in tests.
    incident_file: Option<std::path::PathBuf>,
    /// `:sources`, while open.
    pub sources: Option<super::sources::SourcesView>,
    /// `y` or `Ctrl-a`, while open.
    pub text: Option<TextView>,
    /// Where `c` puts text: the terminal's clipboard by OSC 52 in the TUI (`with_clipboard`).
    clipboard: Option<Clipboard>,
    /// What `c` copied last.
    pub copied: Option<String>,
    pub message: Option<Message>,
    pub quit: bool,
    /// Where `Esc` goes back to, newest last (`back.rs`).
    back: Vec<back::Place>,
    /// Rows per page of the current table, as last rendered.
    pub page: usize,
    pub(super) views: HashMap<Pane, TableView>,
    /// Where every pane looks (`:ctx`, `:ns`, `0`).
    pub scoping: Scoping,
    pub tab_stats: TabStats,
    /// Carries out write actions; `None` where the backend cannot (the demo).
    actions: Option<Arc<dyn ActionRunner>>,
    /// An action waiting for `y` (or, with `confirm_name`, for its target's name).
    pub confirm: Option<(RowAction, RowId)>,
    /// With `confirm`, when the action lands on a protected context or account: the name to
    /// type instead of `y`.
    pub confirm_name: Option<NamePrompt>,
    /// The contexts and accounts whose writes need their name typed.
    protected: Protected,
    /// How many confirmation prompts were raised: the number of the latest, which tells the
    /// event loop a prompt on screen is a new one (see `prompt`).
    prompts: u64,
    /// Fetches a detail's sections (pods, events, history…); `None` where the backend has none.
    inspector: Option<Arc<dyn Inspector>>,
    /// Streams logs; `None` where the backend has none.
    log_source: Option<Arc<dyn LogSource>>,
    /// Where background work is posted and reports back.
    outbox: Outbox,
    notices: Option<Notices>,
    /// `:runbooks`: open, or closed with its run going on in the background (`runbook_hidden`).
    pub runbook: Option<RunbookScreen>,
    /// Whether the runbook screen was left while its run goes on: it is not on the stack, the
    /// header shows the run's progress, and `:runbooks` shows it again.
    pub runbook_hidden: bool,
    /// Whether quitting was asked once while a run goes on: the next `q` or Ctrl-c quits.
    quit_asked: bool,
    /// The world runbooks act on; `None` where none is set up.
    runbook_ports: Option<Ports>,
    /// What the runbooks' forms read the configured world with, beyond the ports.
    world_hints: WorldHints,
    runbook_dir: PathBuf,
    /// The runbook whose plan is being made.
    planning: Option<Arc<dyn Runbook>>,
}

impl App {
    pub fn new(fleet: Fleet, clock: SharedClock, theme: Theme, read_only: bool) -> App {
        let views = ORDER
            .iter()
            .map(|p| (*p, TableView::new(p.view_source())))
            .collect();
        let (outbox, notices) = tasks::channel();
        App {
            fleet,
            clock,
            theme,
            read_only,
            pane: Pane::Overview,
            mode: Mode::Normal,
            detail: None,
            pods: None,
            logs: None,
            log_runs: 0,
            help: None,
            text: None,
            sources: None,
            timeline: None,
            parked_timeline: None,
            incident: None,
            incident_file: None,
            clipboard: None,
            copied: None,
            message: None,
            quit: false,
            back: Vec::new(),
            page: 20,
            views,
            scoping: Scoping::default(),
            tab_stats: TabStats::default(),
            actions: None,
            inspector: None,
            log_source: None,
            confirm: None,
            confirm_name: None,
            protected: Protected::default(),
            prompts: 0,
            outbox,
            notices: Some(notices),
            runbook: None,
            runbook_hidden: false,
            quit_asked: false,
            runbook_ports: None,
            world_hints: WorldHints::default(),
            runbook_dir: std::env::temp_dir().join("opsdeck-runbooks"),
            planning: None,
        }
    }

    /// Runbooks act on `ports` and journal into `dir`.
    pub fn with_runbooks(mut self, ports: Ports, dir: PathBuf) -> App {
        self.runbook_ports = Some(ports);
        self.runbook_dir = dir;
        self
    }

    pub fn with_world_hints(mut self, hints: WorldHints) -> App {
        self.world_hints = hints;
        self
    }

    pub fn with_actions(mut self, runner: Arc<dyn ActionRunner>) -> App {
        self.actions = Some(runner);
        self
    }

    /// Details fetch their sections from `inspector`.
    pub fn with_inspector(mut self, inspector: Arc<dyn Inspector>) -> App {
        self.inspector = Some(inspector);
        self
    }

    /// `l` and `L` read logs from `source`.
    pub fn with_logs(mut self, source: Arc<dyn LogSource>) -> App {
        self.log_source = Some(source);
        self
    }

    /// `c` hands what it copies to `copy` (the TUI: OSC 52 to the terminal).
    pub fn with_clipboard(mut self, copy: Clipboard) -> App {
        self.clipboard = Some(copy);
        self
    }

    /// Writes on these contexts and accounts ask for their name typed, not just `y`.
    pub fn with_protected(mut self, protected: Protected) -> App {
        self.protected = protected;
        self
    }

    /// Keeps the incident's start in `path` from now on, starting from what it kept.
    pub fn with_incident_file(mut self, path: Option<std::path::PathBuf>) -> App {
        if let Some(p) = &path {
            match crate::incident_mark::read(p, self.clock.now()) {
                Ok(started) => self.incident = started,
                Err(e) => self.say(e, false),
            }
        }
        self.incident_file = path;
        self
    }

    /// Keeps the incident's start as it now is; a file that cannot be written is said.
    fn keep_incident(&mut self) {
        if let Some(path) = &self.incident_file
            && let Err(e) = crate::incident_mark::write(path, self.incident)
        {
            self.say(
                format!("the incident's start is not kept across restarts: {e}"),
                true,
            );
        }
    }

    /// Something to say on the first frame (an error: what could not be set up, and why).
    pub fn with_notice(mut self, notice: Option<String>) -> App {
        if let Some(text) = notice {
            self.say(text, true);
        }
        self
    }

    /// What background work reports, for the event loop to wait on (taken once). Reading it
    /// also starts the work the app posted (see `tasks`).
    pub fn take_notices(&mut self) -> Option<Notices> {
        self.notices.take()
    }

    /// Gives back what `take_notices` took (the event loop does when it ends).
    pub fn put_back_notices(&mut self, notices: Notices) {
        self.notices = Some(notices);
    }

    pub fn on_ui_event(&mut self, ev: UiEvent) {
        match ev {
            UiEvent::Notice(m) => self.message = Some(m),
            UiEvent::InputsRead {
                runbook,
                given,
                read,
                said,
            } => {
                if let Some(screen) = self.runbook.as_mut() {
                    screen.fill(runbook, &given, &read, said);
                }
            }
            UiEvent::RunbookPlanned(outcome) => {
                if let (Some(screen), Some(rb)) = (self.runbook.as_mut(), self.planning.take()) {
                    screen.planned(rb, outcome);
                    if screen.asks_confirmation() {
                        self.prompts += 1;
                    }
                }
            }
            UiEvent::RunbookEvent(e) => {
                if let Some(screen) = self.runbook.as_mut() {
                    screen.event(&e);
                    if let Some((name, target, note)) = screen.step_change(&e) {
                        let subject = Subject::Runbook { name, target };
                        self.record(subject, note);
                    }
                }
            }
            UiEvent::ActionDone { id, verb, outcome } => {
                let (text, error) = match outcome {
                    Ok(text) => (text, false),
                    Err(text) => (text, true),
                };
                let failed = if error { " failed" } else { "" };
                self.record(Subject::Row(id), format!("{verb}{failed}: {text}"));
                self.say(text, error);
            }
            UiEvent::RunbookDone(ended, text) => {
                if let Some(screen) = self.runbook.as_mut() {
                    screen.finished(ended, text);
                    if self.runbook_hidden
                        && let Some(progress) = screen.progress()
                    {
                        self.say(format!("{progress}: :runbooks shows how it ended"), false);
                    }
                }
            }
            UiEvent::Section {
                id,
                section,
                result,
            } => {
                // Only if the same detail is still open.
                if let Some(d) = self.detail.as_mut().filter(|d| d.id == id) {
                    d.update(section, result);
                    if let Some(pods) = self.pods.as_mut().filter(|p| p.id == id)
                        && section == crate::model::drilldown::Section::Pods
                        && let Some(view) = d.section(section)
                    {
                        pods.state = view.part.clone();
                        if let Some(lines) = d.pods() {
                            pods.set(lines);
                        }
                    }
                }
            }
            UiEvent::Logs { run, events } => {
                if let Some(v) = self.logs.as_mut().filter(|v| v.run == run) {
                    v.take(events);
                }
            }
            UiEvent::Manifest { id, result } => {
                if let Some(v) = self.text.as_mut().filter(|v| v.id.as_ref() == Some(&id)) {
                    v.title = match &result {
                        Ok(m) => format!("{} {} — {}", m.format, id.name, m.origin),
                        Err(_) => format!("{} — could not be read", id.name),
                    };
                    v.body = Some(result.map(|m| m.lines()));
                }
            }
            UiEvent::LogsEnded { run } => {
                if let Some(v) = self.logs.as_mut().filter(|v| v.run == run) {
                    v.end();
                }
            }
        }
    }

    pub fn view(&self, pane: Pane) -> &TableView {
        &self.views[&pane]
    }

    pub fn view_mut(&mut self, pane: Pane) -> &mut TableView {
        self.views.get_mut(&pane).expect("every pane has a view")
    }

    /// The contexts (or namespaces) the fleet's rows have.
    fn scopes(&self, context: bool) -> std::collections::BTreeSet<String> {
        self.fleet.scope_names(context)
    }

    /// "contexts: a, b, c, …" (the first twelve).
    fn listed(known: &std::collections::BTreeSet<String>) -> String {
        let listed: Vec<&str> = known.iter().map(String::as_str).take(12).collect();
        let more = if known.len() > listed.len() {
            ", …"
        } else {
            ""
        };
        format!("{}{more}", listed.join(", "))
    }

    /// `:ctx` / `:ns` alone: which there are, and where the panes look now.
    pub(super) fn list_scopes(&mut self, context: bool) {
        let (what, now) = if context {
            ("contexts", self.scoping.context.clone())
        } else {
            ("namespaces", self.scoping.namespace.clone())
        };
        let listed = Self::listed(&self.scopes(context));
        let now = now.unwrap_or_else(|| "all".into());
        let name = if context { "ctx" } else { "ns" };
        let how = format!(":{name} NAME scopes, :{name} all or 0 looks everywhere");
        self.say(format!("{what}: {listed} (now: {now}; {how})"), false);
    }

    /// Whether no row has `name` as its context (or namespace): said, with the ones there are,
    /// rather than scoping every pane to nothing.
    pub(super) fn unknown_scope(&mut self, name: &str, context: bool) -> bool {
        let known = self.scopes(context);
        if known.contains(name) {
            return false;
        }
        let what = if context { "context" } else { "namespace" };
        let listed = Self::listed(&known);
        self.say(format!("no {what} {name:?} here; there are {listed}"), true);
        true
    }

    /// Every pane looks where `scoping` says; the header says it.
    pub fn set_scoping(&mut self, scoping: Scoping) {
        for view in self.views.values_mut() {
            view.set_scoping(&scoping);
        }
        let said = match scoping.label() {
            l if l.is_empty() => "every context and namespace".to_string(),
            l => format!("{l} (0: every context and namespace)"),
        };
        self.scoping = scoping;
        self.say(said, false);
    }

    /// Brings the current pane's table up to date with the fleet (cheap when nothing changed).
    pub fn refresh(&mut self) {
        let now = self.clock.now();
        let pane = self.pane;
        let view = self.views.get_mut(&pane).expect("every pane has a view");
        view.refresh(&self.fleet, now);
        self.tab_stats.refresh(&self.fleet);
    }

    /// The row under the cursor, as the fleet is now.
    pub fn selected_key(&mut self) -> Option<RowKey> {
        self.refresh();
        self.view(self.pane).selected_key()
    }

    /// What components read of the app, as it is now.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            scope: self.scoping.label(),
            incident: self.incident,
            runbook: self
                .runbook
                .as_ref()
                .filter(|_| self.runbook_hidden)
                .and_then(RunbookScreen::progress),
            ..Ctx::new(&self.theme, &self.fleet, self.clock.now(), self.read_only)
        }
    }

    /// The confirmation prompt on screen, if one is: the `y` of a write action, or a runbook's
    /// typed target (its plan, or an interrupted run's before it resumes). The number is the
    /// prompt's own (each prompt raised gets the next), so the event loop can tell when it draws
    /// one for the first time: input already queued then was typed, or pasted as keys by a
    /// terminal without bracketed paste, before anyone could read the prompt, and the loop hands
    /// it to `handle_queued_key`, which never lets it answer.
    pub fn prompt(&self) -> Option<u64> {
        let asking = self.confirm.is_some()
            || self
                .runbook
                .as_ref()
                .is_some_and(RunbookScreen::asks_confirmation);
        asking.then_some(self.prompts)
    }

    /// `q`, `:q` or Ctrl-c. With a run going on, the first one asks (quitting cuts the run off
    /// mid-step; its journal lets it resume) and a second quits; without, it quits. The question
    /// takes the input line: a command or a filter being typed is closed for it.
    pub(super) fn ask_quit(&mut self) {
        let running = self.runbook.as_ref().is_some_and(RunbookScreen::is_running);
        if self.quit_asked || !running {
            self.quit = true;
            return;
        }
        self.quit_asked = true;
        self.mode = Mode::Normal;
        // The choices first, so a narrow terminal cuts only the long command at the end.
        let resume = self.resume_of_run().map_or_else(
            || "opsdeck runbook resume".to_string(),
            |(_, command)| command,
        );
        self.say(
            format!(
                "a runbook is running: q or Ctrl-c again quits (cutting it off mid-step), a stops it after this step, any other key stays. Resume later: {resume}"
            ),
            true,
        );
    }

    /// A key while quitting is asked: `q` or Ctrl-c quits, `a` stops the run after its step
    /// instead, any other key takes the question back and does nothing else. `None` when
    /// nothing was asked.
    fn answer_quit(&mut self, ev: &crossterm::event::KeyEvent) -> Option<bool> {
        use crossterm::event::{KeyCode, KeyModifiers};
        if !std::mem::take(&mut self.quit_asked) {
            return None;
        }
        let plain = !ev.modifiers.contains(KeyModifiers::CONTROL);
        match ev.code {
            _ if keys::is_ctrl_c(ev) => self.quit = true,
            KeyCode::Char('q') if plain => self.quit = true,
            KeyCode::Char('a') if plain && self.runbook.as_mut().is_some_and(|s| s.abort()) => {
                self.say(crate::ui::runbook::STOPPING, false);
            }
            _ => self.message = None,
        }
        Some(true)
    }

    /// Something opsdeck did, on the timeline, now.
    fn record(&mut self, subject: Subject, note: String) {
        self.fleet.record(Change {
            at: self.clock.now(),
            source: "opsdeck".into(),
            subject,
            from: None,
            to: None,
            note,
        });
    }

    fn say(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some(Message {
            text: text.into(),
            error,
        });
    }
}
