//! What an overlay is to the app. Each overlay (help, a row's detail, the write prompt, the
//! runbook screen, the command bar) is a `Component`: while it is on top of the stack it takes
//! the keys and pastes, and answers with an `Effect` the app carries out (starting background
//! work included); it draws itself from its own state and a `Ctx`. Components see the app only
//! through `Ctx` and `Effect`, both defined here, below them, so none of them imports `app`.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::KeyEvent;
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::keymap::Action;
use super::pane::Pane;
use super::theme::Theme;
use crate::inspect::logs::{LogQuery, LogTarget};
use crate::model::RowId;
use crate::row_actions::RowAction;
use crate::runbook::Runbook;
use crate::store::Fleet;

/// What a component may read of the app, for a key or a frame.
pub struct Ctx<'a> {
    pub theme: &'a Theme,
    pub fleet: &'a Fleet,
    /// The clock's reading, once per key or frame.
    pub now: Timestamp,
    pub read_only: bool,
    /// Where the panes look (`:ctx`, `:ns`): "ctx prod-cluster · ns numinia", or empty.
    pub scope: String,
    /// When the incident started, as marked in the timeline: the header counts from it.
    pub incident: Option<Timestamp>,
    /// A run going on (or just ended) while its screen is closed: "create-org 3/11 applying".
    pub runbook: Option<String>,
}

impl<'a> Ctx<'a> {
    pub fn new(theme: &'a Theme, fleet: &'a Fleet, now: Timestamp, read_only: bool) -> Ctx<'a> {
        Ctx {
            theme,
            fleet,
            now,
            read_only,
            scope: String::new(),
            incident: None,
            runbook: None,
        }
    }
}

/// Where components draw: the body (between the tab bar and the input line) and the input line.
#[derive(Clone, Copy, Debug)]
pub struct Regions {
    pub body: Rect,
    pub input: Rect,
}

pub trait Component {
    /// A key pressed while this component is on top.
    fn key(&mut self, key: KeyEvent, ctx: &Ctx) -> Effect;

    /// A paste while it is on top: text for the input it has open, never a key (`keymap::pasted`).
    /// `None` when nothing changed.
    fn paste(&mut self, _text: &str) -> Option<Effect> {
        None
    }

    /// Draws it over what lies below it in the stack.
    fn draw(&self, f: &mut Frame, regions: Regions, ctx: &Ctx);
}

/// A line on the input line: a notice, an error or a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

impl Message {
    pub fn info(text: impl Into<String>) -> Message {
        Message {
            text: text.into(),
            error: false,
        }
    }

    pub fn error(text: impl Into<String>) -> Message {
        Message {
            text: text.into(),
            error: true,
        }
    }
}

/// An overlay a key opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// The command bar, after `:`.
    CommandBar,
    /// The filter, after `/`.
    Filter,
    /// `:runbooks`.
    Runbooks,
    /// `Ctrl-a`: the commands and their aliases.
    Aliases,
    /// `:sources`: the data sources.
    Sources,
    /// `:timeline`: what changed.
    Timeline,
}

/// What a key asks of the app beyond the component's own state.
pub enum Effect {
    None,
    /// Close the component that took the key, then carry out what follows.
    Close(Box<Effect>),
    Open(Overlay),
    /// Back to where the user came from (the back stack), or close the component on top.
    Back,
    /// Show another pane (closing the detail and help).
    OpenPane(Pane),
    /// Show another pane with its `/` filter set.
    OpenPaneFiltered(Pane, String),
    /// `:ctx NAME` / `:ns NAME` (`None`: every one), and `0`: where every pane looks.
    ScopeContext(Option<String>),
    ScopeNamespace(Option<String>),
    /// `:ctx` / `:ns` alone: say which there are (`true`: contexts).
    ListScopes(bool),
    /// Open a row's detail and fetch its sections.
    OpenDetail(RowId),
    /// Open the logs of a row's pods (the selected row when `None`), or with `true` the Flux
    /// controller's lines about it.
    OpenLogs(Option<RowId>, bool),
    /// Open one pod's logs (picked in the pods list).
    OpenPodLogs(LogTarget),
    /// Read the open log view's logs again, as this query says.
    RestartLogs(LogQuery),
    /// The object of a row (the selected one when `None`) as its API serves it.
    OpenManifest(Option<RowId>),
    /// The incident started at this time (`m` in the timeline), or clear it (`M`).
    MarkIncident(Option<jiff::Timestamp>),
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
    /// The row's pods, as a list (its detail opens under it if it is not open).
    OpenPods(RowId),
    Quit,
    Say(Message),
    /// The current pane's filter is now this.
    Filter(String),
    /// `R` or `T` on this row (the selected one when `None`): check, then ask for confirmation.
    AskRowAction(Action, Option<RowId>),
    /// A write on this row (the detail's, else the selected one, when `None`): check, then ask
    /// for confirmation.
    AskAction(RowAction, Option<RowId>),
    /// A confirmed write on a row: start it.
    RunRowAction(RowAction, RowId),
    /// Open the command bar with this already typed.
    OpenCommand(String),
    /// Read from the runbook world what a form's empty inputs can be (the runbook's name and
    /// the form's values so far): `UiEvent::InputsRead` brings them.
    ReadInputs(&'static str, serde_json::Value),
    /// Run a runbook's preflight and plan.
    PlanRunbook(Arc<dyn Runbook>),
    /// Apply a planned runbook with the target typed to confirm.
    ApplyRunbook {
        rb: Arc<dyn Runbook>,
        confirm: String,
        reason: Option<String>,
    },
    /// Resume the interrupted run of this journal (its plan was shown and its target typed).
    ResumeRunbook(PathBuf),
}

impl Effect {
    /// The keys every view over the pane answers alike: Esc closes it, `q` quits, `?` opens the
    /// help and `:` the command bar over it. `None` for the others, the view's own.
    pub fn common(action: Action) -> Option<Effect> {
        match action {
            Action::Back => Some(Effect::close()),
            Action::Quit => Some(Effect::Quit),
            Action::Help => Some(Effect::Open(Overlay::Help)),
            Action::CommandBar => Some(Effect::Open(Overlay::CommandBar)),
            _ => None,
        }
    }

    /// Close the component that took the key, and nothing else.
    pub fn close() -> Effect {
        Effect::Close(Box::new(Effect::None))
    }

    /// Close the component that took the key, then carry out `then`.
    pub fn close_then(then: Effect) -> Effect {
        Effect::Close(Box::new(then))
    }
}
