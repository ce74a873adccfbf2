//! The UI's state and what each key does to it. No I/O happens here: rows arrive through
//! `Fleet::apply` from the event loop, which never waits on a backend.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tokio::sync::mpsc;

use super::keymap::{Action, action_for, pasted};
use super::pane::{Command, ORDER, Pane, completions, parse_command};
use super::runbook::{Request, RunbookScreen, Stage};
use super::theme::Theme;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::model::{Facts, Health, Kind, RowId, Scope};
use crate::row_actions::{ActionRunner, EventLine, EventSource, RowAction};
use crate::runbook::engine::{self, Control, Event, Outcome, RunOptions};
use crate::runbook::{Ports, Runbook, render};
use crate::store::view::TableView;
use crate::store::{Fleet, RowKey};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing after `:`.
    Command(String),
    /// Typing after `/`; the filter applies as you type.
    Filter(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detail {
    pub id: RowId,
    pub scroll: u16,
    pub events: DetailEvents,
}

/// The Kubernetes events of the row in the detail view, fetched when it opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DetailEvents {
    /// The row's kind has no events, or the backend serves none.
    NotApplicable,
    Loading,
    Loaded(Vec<EventLine>),
    Failed(String),
}

/// What background work tells the UI.
#[derive(Clone, Debug)]
pub enum UiEvent {
    Notice(Message),
    /// A runbook's preflight and plan (or refusal).
    RunbookPlanned(Outcome),
    RunbookEvent(Event),
    /// The run's outcome as text.
    RunbookDone(String),
    Events {
        id: RowId,
        result: Result<Vec<EventLine>, String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// The kube contexts and AWS accounts whose writes from the TUI need their name typed, not just
/// `y`: `[kube] protected`, and the accounts marked `protected = true` or of a "prod" or
/// "production" environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Protected {
    pub contexts: BTreeSet<String>,
    pub accounts: BTreeSet<String>,
}

impl Protected {
    pub fn from_config(config: &Config) -> Protected {
        Protected {
            contexts: config.kube.protected.iter().cloned().collect(),
            accounts: config
                .accounts
                .iter()
                .filter(|a| config.is_protected_account(&a.name))
                .map(|a| a.name.clone())
                .collect(),
        }
    }
}

/// The confirmation of a write on a protected target: its name typed, then Enter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePrompt {
    /// The context's or account's name, which confirms.
    pub name: String,
    /// What was typed so far.
    pub typed: String,
    /// The write and where it lands.
    question: String,
}

impl NamePrompt {
    /// The prompt's line, what was typed at its end.
    fn line(&self) -> String {
        format!(
            "{}: type {} then Enter to confirm, Esc cancels › {}",
            self.question, self.name, self.typed
        )
    }
}

/// Per-pane counts for the tab bar, cached per fleet generation.
#[derive(Clone, Debug, Default)]
pub struct TabStats {
    pub generation: Option<u64>,
    pub problems: usize,
    pub per_pane: HashMap<Pane, (usize, usize, Option<Health>)>,
}

pub struct App {
    pub fleet: Fleet,
    pub clock: SharedClock,
    pub theme: Theme,
    pub read_only: bool,
    pub pane: Pane,
    pub mode: Mode,
    pub detail: Option<Detail>,
    pub help: bool,
    pub message: Option<Message>,
    pub quit: bool,
    /// Rows per page of the current table, as last rendered.
    pub page: usize,
    pub(super) views: HashMap<Pane, TableView>,
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
    /// Lists a row's events for the detail view; `None` where the backend has none.
    event_source: Option<Arc<dyn EventSource>>,
    notices_tx: mpsc::UnboundedSender<UiEvent>,
    notices_rx: Option<mpsc::UnboundedReceiver<UiEvent>>,
    /// `:runbooks`, while open.
    pub runbook: Option<RunbookScreen>,
    /// The world runbooks act on; `None` where none is set up.
    runbook_ports: Option<Ports>,
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
        let (notices_tx, notices_rx) = mpsc::unbounded_channel();
        App {
            fleet,
            clock,
            theme,
            read_only,
            pane: Pane::Overview,
            mode: Mode::Normal,
            detail: None,
            help: false,
            message: None,
            quit: false,
            page: 20,
            views,
            tab_stats: TabStats::default(),
            actions: None,
            event_source: None,
            confirm: None,
            confirm_name: None,
            protected: Protected::default(),
            prompts: 0,
            notices_tx,
            notices_rx: Some(notices_rx),
            runbook: None,
            runbook_ports: None,
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

    pub fn with_actions(mut self, runner: Arc<dyn ActionRunner>) -> App {
        self.actions = Some(runner);
        self
    }

    pub fn with_events(mut self, source: Arc<dyn EventSource>) -> App {
        self.event_source = Some(source);
        self
    }

    /// Writes on these contexts and accounts ask for their name typed, not just `y`.
    pub fn with_protected(mut self, protected: Protected) -> App {
        self.protected = protected;
        self
    }

    /// What background work reports, for the event loop to wait on (taken once).
    pub fn take_notices(&mut self) -> Option<mpsc::UnboundedReceiver<UiEvent>> {
        self.notices_rx.take()
    }

    pub fn on_ui_event(&mut self, ev: UiEvent) {
        match ev {
            UiEvent::Notice(m) => self.message = Some(m),
            UiEvent::RunbookPlanned(outcome) => {
                if let (Some(screen), Some(rb)) = (self.runbook.as_mut(), self.planning.take()) {
                    screen.planned(rb, outcome);
                    if asks_confirmation(screen) {
                        self.prompts += 1;
                    }
                }
            }
            UiEvent::RunbookEvent(e) => {
                if let Some(screen) = self.runbook.as_mut() {
                    screen.event(&e);
                }
            }
            UiEvent::RunbookDone(text) => {
                if let Some(screen) = self.runbook.as_mut() {
                    screen.finished(text);
                }
            }
            UiEvent::Events { id, result } => {
                // Only if the same detail is still open.
                if let Some(d) = self.detail.as_mut().filter(|d| d.id == id) {
                    d.events = match result {
                        Ok(v) => DetailEvents::Loaded(v),
                        Err(e) => DetailEvents::Failed(e),
                    };
                }
            }
        }
    }

    /// Opens the detail view of a row and starts listing its events.
    fn open_detail(&mut self, id: RowId) {
        let mut events = DetailEvents::NotApplicable;
        if let (Some(source), Some(row), Ok(rt)) = (
            self.event_source.clone(),
            self.fleet.row(&id),
            tokio::runtime::Handle::try_current(),
        ) && row.kind().is_namespaced()
        {
            let future = source.events(&id, &row.facts);
            let tx = self.notices_tx.clone();
            let for_id = id.clone();
            rt.spawn(async move {
                let result = future.await;
                let _ = tx.send(UiEvent::Events { id: for_id, result });
            });
            events = DetailEvents::Loading;
        }
        self.detail = Some(Detail {
            id,
            scroll: 0,
            events,
        });
    }

    pub fn view(&self, pane: Pane) -> &TableView {
        &self.views[&pane]
    }

    pub fn view_mut(&mut self, pane: Pane) -> &mut TableView {
        self.views.get_mut(&pane).expect("every pane has a view")
    }

    /// Brings the current pane's table up to date with the fleet (cheap when nothing changed).
    pub fn refresh(&mut self) {
        let now = self.clock.now();
        let pane = self.pane;
        let view = self.views.get_mut(&pane).expect("every pane has a view");
        view.refresh(&self.fleet, now);
        self.refresh_tab_stats();
    }

    fn refresh_tab_stats(&mut self) {
        let generation = self.fleet.generation();
        if self.tab_stats.generation == Some(generation) {
            return;
        }
        let per_pane = ORDER
            .into_iter()
            .filter_map(|pane| match pane {
                Pane::Kind(k) => {
                    let t = self.fleet.tally(k);
                    Some((pane, (t.total(), t.not_healthy(), t.worst())))
                }
                _ => None,
            })
            .collect();
        self.tab_stats = TabStats {
            generation: Some(generation),
            problems: self.fleet.problem_count(),
            per_pane,
        };
    }

    /// The row under the cursor, as the fleet is now.
    pub fn selected_key(&mut self) -> Option<RowKey> {
        self.refresh();
        self.view(self.pane).selected_key()
    }

    fn open_pane(&mut self, pane: Pane) {
        self.pane = pane;
        self.detail = None;
        self.help = false;
    }

    fn say(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some(Message {
            text: text.into(),
            error,
        });
    }

    /// The confirmation prompt on screen, if one is: the `y` of a write action, or a runbook's
    /// typed target (its plan, or an interrupted run's before it resumes). The number is the
    /// prompt's own (each prompt raised gets the next), so the event loop can tell when it draws
    /// one for the first time: input already queued then was typed, or pasted as keys by a
    /// terminal without bracketed paste, before anyone could read the prompt, and the loop hands
    /// it to `handle_queued_key`, which never lets it answer.
    pub fn prompt(&self) -> Option<u64> {
        let asking = self.confirm.is_some() || self.runbook.as_ref().is_some_and(asks_confirmation);
        asking.then_some(self.prompts)
    }

    /// Handles one key press. Returns whether anything on screen may have changed.
    pub fn handle_key(&mut self, ev: KeyEvent) -> bool {
        if ev.kind == KeyEventKind::Release {
            return false;
        }
        if is_ctrl_c(&ev) {
            self.quit = true;
            return true;
        }
        if let Some((action, id)) = self.confirm.take() {
            if let Some(prompt) = self.confirm_name.take() {
                self.name_key(ev, action, id, prompt);
            } else if ev.code == KeyCode::Char('y') {
                self.start_action(action, id);
            } else {
                self.say(format!("{} cancelled", action.verb()), false);
            }
            return true;
        }
        if self.runbook.is_some() && self.mode == Mode::Normal {
            self.runbook_key(ev);
            return true;
        }
        match self.mode.clone() {
            Mode::Command(input) => self.command_key(ev, input),
            Mode::Filter(input) => self.filter_key(ev, input),
            Mode::Normal => self.normal_key(ev),
        }
        true
    }

    /// A key that was already waiting when the event loop first drew the prompt on screen
    /// (`prompt`): pressed before the prompt could be read, it must not answer it. While a prompt
    /// is up such a key is dropped, Ctrl-c aside (it still quits), and the prompt waits for a key
    /// pressed after it appeared; with none up it is an ordinary key. Returns whether anything on
    /// screen may have changed.
    pub fn handle_queued_key(&mut self, ev: KeyEvent) -> bool {
        if self.prompt().is_none() {
            return self.handle_key(ev);
        }
        if ev.kind != KeyEventKind::Release && is_ctrl_c(&ev) {
            self.quit = true;
            return true;
        }
        false
    }

    /// Handles a paste, which arrives whole (bracketed paste, see `terminal`). Its text
    /// (`keymap::pasted`: one line, line breaks and tabs made spaces, control characters
    /// dropped) goes into the input being typed in — the filter after `/`, the command bar after
    /// `:`, a runbook's focused field or typed target — as if typed, and nothing in it acts as a
    /// key: it never runs the command, keeps the filter, plans, applies or confirms; Enter stays
    /// a key of its own. With no input open (the tables, details, help) it does nothing, and it
    /// never answers the `y` of a write action nor types a protected target's name: the prompt
    /// stays up. Returns whether anything on screen may have changed.
    pub fn handle_paste(&mut self, text: &str) -> bool {
        if self.confirm.is_some() {
            return false;
        }
        if self.mode == Mode::Normal {
            return self
                .runbook
                .as_mut()
                .is_some_and(|screen| screen.paste(text));
        }
        let text = pasted(text);
        if text.is_empty() {
            return false;
        }
        match &mut self.mode {
            Mode::Command(input) => input.push_str(&text),
            Mode::Filter(input) => {
                input.push_str(&text);
                let filter = input.clone();
                let pane = self.pane;
                self.view_mut(pane).set_filter(&filter);
            }
            Mode::Normal => return false,
        }
        true
    }

    fn command_key(&mut self, ev: KeyEvent, mut input: String) {
        match ev.code {
            KeyCode::Esc => self.mode = Mode::Normal,
            KeyCode::Enter => {
                self.mode = Mode::Normal;
                self.run_command(&input);
            }
            KeyCode::Tab => {
                if let Some(first) = completions(&input).first() {
                    input = first.to_string();
                }
                self.mode = Mode::Command(input);
            }
            KeyCode::Backspace => {
                if input.pop().is_none() {
                    self.mode = Mode::Normal;
                } else {
                    self.mode = Mode::Command(input);
                }
            }
            KeyCode::Char(c) => {
                input.push(c);
                self.mode = Mode::Command(input);
            }
            _ => {}
        }
    }

    fn run_command(&mut self, input: &str) {
        if input.trim().is_empty() {
            return;
        }
        match parse_command(input) {
            Ok(Command::Open(p)) => {
                self.open_pane(p);
                self.message = None;
            }
            Ok(Command::Help) => self.help = true,
            Ok(Command::Runbooks) => {
                self.runbook = Some(RunbookScreen::new(self.runbook_dir.clone()));
                self.message = None;
            }
            Ok(Command::Quit) => self.quit = true,
            Err(e) => self.say(e, true),
        }
    }

    fn filter_key(&mut self, ev: KeyEvent, mut input: String) {
        match ev.code {
            KeyCode::Esc => {
                input.clear();
                self.mode = Mode::Normal;
            }
            KeyCode::Enter => self.mode = Mode::Normal,
            KeyCode::Backspace => {
                input.pop();
                self.mode = Mode::Filter(input.clone());
            }
            KeyCode::Char(c) => {
                input.push(c);
                self.mode = Mode::Filter(input.clone());
            }
            _ => return,
        }
        let pane = self.pane;
        self.view_mut(pane).set_filter(&input);
    }

    fn normal_key(&mut self, ev: KeyEvent) {
        let Some(action) = action_for(&ev) else {
            return;
        };
        self.message = None;
        // Act on the rows as they are now, even if no frame was drawn since they changed.
        self.refresh();
        if self.help {
            match action {
                Action::Quit => self.quit = true,
                Action::CommandBar => {
                    self.help = false;
                    self.mode = Mode::Command(String::new());
                }
                _ => self.help = false,
            }
            return;
        }
        if let Some(detail) = &mut self.detail {
            match action {
                Action::Down => detail.scroll = detail.scroll.saturating_add(1),
                Action::Up => detail.scroll = detail.scroll.saturating_sub(1),
                Action::PageDown => detail.scroll = detail.scroll.saturating_add(10),
                Action::PageUp => detail.scroll = detail.scroll.saturating_sub(10),
                Action::Top => detail.scroll = 0,
                Action::Back => self.detail = None,
                Action::Quit => self.quit = true,
                Action::Help => self.help = true,
                Action::CommandBar => self.mode = Mode::Command(String::new()),
                Action::Refresh | Action::ToggleSuspend => {
                    let id = detail.id.clone();
                    self.ask_action(action, Some(id));
                }
                _ => {}
            }
            return;
        }
        let pane = self.pane;
        let page = self.page.max(1) as i64;
        match action {
            Action::Quit => self.quit = true,
            Action::CommandBar => self.mode = Mode::Command(String::new()),
            // Like k9s, `/` starts a new filter; the old one stays until the first key.
            Action::Filter => self.mode = Mode::Filter(String::new()),
            Action::Help => self.help = true,
            Action::Down => self.move_cursor(1),
            Action::Up => self.move_cursor(-1),
            Action::PageDown => self.move_cursor(page),
            Action::PageUp => self.move_cursor(-page),
            Action::Top => {
                let (views, fleet) = (&mut self.views, &self.fleet);
                views.get_mut(&pane).unwrap().to_top(fleet);
            }
            Action::Bottom => {
                let (views, fleet) = (&mut self.views, &self.fleet);
                views.get_mut(&pane).unwrap().to_bottom(fleet);
            }
            Action::Open => {
                if let Some(id) = self
                    .selected_key()
                    .and_then(|k| self.fleet.get(k))
                    .map(|r| r.id.clone())
                {
                    self.open_detail(id);
                }
            }
            Action::Back => {
                if !self.view(pane).filter().is_empty() {
                    self.view_mut(pane).set_filter("");
                }
            }
            Action::NextPane => self.open_pane(pane.next(1)),
            Action::PrevPane => self.open_pane(pane.next(-1)),
            Action::SortNext => self.view_mut(pane).cycle_sort(),
            Action::SortReverse => self.view_mut(pane).reverse_sort(),
            Action::Refresh | Action::ToggleSuspend => self.ask_action(action, None),
        }
    }

    /// `R`/`T`: check the action makes sense and is allowed, then ask for confirmation.
    fn ask_action(&mut self, key: Action, id: Option<RowId>) {
        let id = id.or_else(|| {
            self.selected_key()
                .and_then(|k| self.fleet.get(k))
                .map(|r| r.id.clone())
        });
        let Some(row) = id.as_ref().and_then(|id| self.fleet.row(id)) else {
            return self.say("no row selected", true);
        };
        let action = match key {
            Action::Refresh => RowAction::refresh_for(row),
            _ => RowAction::toggle_for(row),
        };
        let Some(action) = action else {
            let what = if key == Action::Refresh {
                "reconcile or renew"
            } else {
                "suspend or resume"
            };
            return self.say(format!("cannot {what} a {} row", row.kind().short()), true);
        };
        let label = format!(
            "{} {} on {}",
            row.kind().title().trim_end_matches('s'),
            row.id.display_name(),
            row.id.scope.context()
        );
        if self.read_only {
            return self.say(
                format!(
                    "read-only: start opsdeck with --write to {} {label}",
                    action.verb()
                ),
                true,
            );
        }
        if self.actions.is_none() {
            return self.say(
                format!(
                    "{}: this fleet's backend does not carry out write actions",
                    action.verb()
                ),
                true,
            );
        }
        // Where the write lands: the row's account and region, else those of the EKS cluster
        // its context reaches.
        let scope = &row.id.scope;
        let lands = match &scope.account {
            Some(_) => scope,
            None => self.cluster_scope(scope.context()).unwrap_or(scope),
        };
        let (account, region) = (lands.account.as_deref(), lands.region.as_deref());
        let guard = if self.protected.contexts.contains(scope.context()) {
            Some((scope.context().to_string(), "context"))
        } else {
            account
                .filter(|a| self.protected.accounts.contains(*a))
                .map(|a| (a.to_string(), "account"))
        };
        let place = match (account, region) {
            (Some(a), Some(r)) => format!(" (account {a}, region {r})"),
            (Some(a), None) => format!(" (account {a})"),
            (None, Some(r)) => format!(" (region {r})"),
            (None, None) => String::new(),
        };
        let id = row.id.clone();
        let verb = capitalize(action.verb());
        match guard {
            None => {
                self.confirm_name = None;
                self.say(
                    format!("{verb} {label}? y confirms, any other key cancels"),
                    false,
                );
            }
            Some((name, what)) => {
                let prompt = NamePrompt {
                    name,
                    typed: String::new(),
                    question: format!("{verb} {label}{place}? Protected {what}"),
                };
                self.say(prompt.line(), false);
                self.confirm_name = Some(prompt);
            }
        }
        self.prompts += 1;
        self.confirm = Some((action, id));
    }

    /// The scope (AWS account and region) of the EKS cluster kube `context` reaches, when the
    /// fleet has its row.
    fn cluster_scope(&self, context: &str) -> Option<&Scope> {
        if context.is_empty() {
            return None;
        }
        self.fleet
            .rows_of(Kind::Cluster)
            .filter(|r| r.id.scope.account.is_some())
            .find(|r| {
                matches!(&r.facts, Facts::Cluster(c) if c.kube_context.as_deref() == Some(context))
            })
            .map(|r| &r.id.scope)
    }

    /// A key while a protected target's name is asked for: a character types it, Backspace
    /// erases one, Enter with the exact name confirms; Enter with anything else, Esc or any other
    /// key cancels. A paste never types it (`handle_paste`).
    fn name_key(&mut self, ev: KeyEvent, action: RowAction, id: RowId, mut prompt: NamePrompt) {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        match ev.code {
            KeyCode::Char(c) if !ctrl => prompt.typed.push(c),
            KeyCode::Backspace => {
                prompt.typed.pop();
            }
            KeyCode::Enter if prompt.typed == prompt.name => return self.start_action(action, id),
            KeyCode::Enter => {
                return self.say(
                    format!(
                        "{} cancelled: {:?} is not {}",
                        action.verb(),
                        prompt.typed,
                        prompt.name
                    ),
                    false,
                );
            }
            _ => return self.say(format!("{} cancelled", action.verb()), false),
        }
        self.say(prompt.line(), false);
        self.confirm = Some((action, id));
        self.confirm_name = Some(prompt);
    }

    fn start_action(&mut self, action: RowAction, id: RowId) {
        let (Some(runner), Some(row)) = (self.actions.clone(), self.fleet.row(&id)) else {
            return;
        };
        let future = runner.run(action, &id, &row.facts);
        let tx = self.notices_tx.clone();
        self.say(format!("{} {} …", action.verb(), id.display_name()), false);
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return self.say("no runtime to run the action on", true);
        };
        rt.spawn(async move {
            let m = match future.await {
                Ok(text) => Message { text, error: false },
                Err(text) => Message { text, error: true },
            };
            let _ = tx.send(UiEvent::Notice(m));
        });
    }

    fn runbook_key(&mut self, ev: KeyEvent) {
        let day = self.clock.now().strftime("%Y%m%d").to_string();
        let Some(screen) = self.runbook.as_mut() else {
            return;
        };
        let asked = asks_confirmation(screen);
        let request = screen.key(ev, &day);
        if !asked && asks_confirmation(screen) {
            self.prompts += 1;
        }
        let Some(ports) = self.runbook_ports.clone() else {
            if !matches!(request, Request::None | Request::Close) {
                self.say("no world to run runbooks on here", true);
            }
            if matches!(request, Request::Close) {
                self.runbook = None;
            }
            return;
        };
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return self.say("no runtime to run the runbook on", true);
        };
        let tx = self.notices_tx.clone();
        let mut opts = RunOptions {
            audit: crate::audit::path(),
            ..RunOptions::plan(self.runbook_dir.clone())
        };
        match request {
            Request::None => {}
            Request::Close => self.runbook = None,
            Request::Plan(rb) => {
                self.planning = Some(rb.clone());
                rt.spawn(async move {
                    let out =
                        engine::run(rb.as_ref(), &ports, &opts, &mut |_| Control::Continue).await;
                    let _ = tx.send(UiEvent::RunbookPlanned(out));
                });
            }
            Request::Apply {
                rb,
                confirm,
                reason,
            } => {
                if self.read_only {
                    return self.say(
                        format!(
                            "read-only: start opsdeck with --write to apply {}",
                            rb.name()
                        ),
                        true,
                    );
                }
                if confirm != rb.target() {
                    return self.say(format!("type {} exactly to confirm", rb.target()), true);
                }
                (opts.apply, opts.confirm, opts.override_reason) = (true, Some(confirm), reason);
                screen.start_running(rb.steps().into_iter().map(|s| s.title).collect());
                rt.spawn(async move {
                    // The AWS account the credentials act in goes into the journal's world, asked
                    // here rather than at start-up: the first frame never waits on STS.
                    let mut ports = ports;
                    if let Err(e) = ports.identify_account().await {
                        let _ = tx.send(UiEvent::RunbookDone(format!(
                            "refused, nothing was written: {e}"
                        )));
                        return;
                    }
                    let out = engine::run(rb.as_ref(), &ports, &opts, &mut forward(&tx)).await;
                    let _ = tx.send(UiEvent::RunbookDone(render::outcome(&out, &rb.target())));
                });
            }
            Request::Resume(path) => {
                if self.read_only {
                    return self.say(
                        "read-only: start opsdeck with --write to resume a run",
                        true,
                    );
                }
                // Resuming is guarded like a start: the run's target, typed after the prompt.
                let Some(confirm) = screen.resume_confirmation() else {
                    return self.say("type the run's target exactly to resume it", true);
                };
                (opts.apply, opts.confirm) = (true, Some(confirm));
                let titles = crate::runbook::from_journal(&path)
                    .map(|rb| rb.steps().into_iter().map(|s| s.title).collect())
                    .unwrap_or_default();
                screen.start_running(titles);
                rt.spawn(async move {
                    let mut ports = ports;
                    if let Err(e) = ports.identify_account().await {
                        let _ = tx.send(UiEvent::RunbookDone(format!(
                            "refused, nothing was written: {e}"
                        )));
                        return;
                    }
                    let out = engine::resume(&path, &ports, &opts, &mut forward(&tx)).await;
                    let _ = tx.send(UiEvent::RunbookDone(render::outcome(&out, "")));
                });
            }
        }
    }

    fn move_cursor(&mut self, delta: i64) {
        let pane = self.pane;
        let (views, fleet) = (&mut self.views, &self.fleet);
        views.get_mut(&pane).unwrap().move_by(fleet, delta);
    }
}

fn is_ctrl_c(ev: &KeyEvent) -> bool {
    ev.code == KeyCode::Char('c') && ev.modifiers.contains(KeyModifiers::CONTROL)
}

/// Whether the runbook screen asks for its typed target: a plan, or an interrupted run's.
fn asks_confirmation(screen: &RunbookScreen) -> bool {
    matches!(screen.stage, Stage::Plan { .. } | Stage::Resume(_))
}

/// A run's observer that hands every event to the UI.
fn forward(tx: &mpsc::UnboundedSender<UiEvent>) -> impl FnMut(&Event) -> Control + Send + '_ {
    move |e| {
        let _ = tx.send(UiEvent::RunbookEvent(e.clone()));
        Control::Continue
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
