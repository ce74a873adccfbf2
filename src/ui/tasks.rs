//! Background work the UI asks for (a row action, a detail's sections, logs, a runbook's plan or
//! run) and
//! what it reports back. The app never spawns: it posts each task on the channel its reports come
//! back on, and whoever reads that channel — the event loop, or a test awaiting a report — spawns
//! the task on its own runtime as it reads. So the app needs no runtime, and no task is lost for
//! want of one: it waits in the channel until the reader comes for the reports.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::mpsc::{self, error::TryRecvError};

use super::component::Message;
use crate::inspect::logs::LogEvent;
use crate::model::RowId;
use crate::model::drilldown::{Body, Section};
use crate::runbook::engine::{Event, Outcome};
use crate::ui::runbook::Ended;

/// What background work tells the UI.
#[derive(Clone, Debug)]
pub enum UiEvent {
    Notice(Message),
    /// Inputs of a runbook's form read from the world: the runbook, the values the read was
    /// asked with, each input's key and value, and what was said (where each came from, the
    /// choices not picked).
    InputsRead {
        runbook: &'static str,
        given: serde_json::Value,
        read: Vec<(String, String)>,
        said: Vec<String>,
    },
    /// A runbook's preflight and plan (or refusal).
    RunbookPlanned(Outcome),
    RunbookEvent(Event),
    /// The run ended: how, and its outcome as text.
    RunbookDone(Ended, String),
    /// A section of a row's detail, fetched (again).
    Section {
        id: RowId,
        section: Section,
        result: Result<Body, String>,
    },
    /// Lines the log view's stream read, in its `run`.
    Logs {
        run: u64,
        events: Vec<LogEvent>,
    },
    /// The log view's stream of `run` ended.
    LogsEnded {
        run: u64,
    },
    /// A write on a row ended: its outcome, for the message line and the timeline.
    ActionDone {
        id: RowId,
        verb: &'static str,
        outcome: Result<String, String>,
    },
    /// A row's object as its API serves it (`y`).
    Manifest {
        id: RowId,
        result: Result<crate::inspect::manifest::Manifest, String>,
    },
}

/// A piece of background work, which reports through an `Outbox` it holds.
pub type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

enum Posted {
    /// Boxed: a report is large, a task is a pointer.
    Report(Box<UiEvent>),
    Task(Task),
}

/// The sending end: tasks to start and reports of work done.
#[derive(Clone)]
pub struct Outbox(mpsc::UnboundedSender<Posted>);

impl Outbox {
    pub fn report(&self, ev: UiEvent) {
        // The reader is gone only when the UI is: nobody is left to tell.
        let _ = self.0.send(Posted::Report(Box::new(ev)));
    }

    /// Hands `task` to the reader of the reports, which spawns it.
    pub fn start(&self, task: impl Future<Output = ()> + Send + 'static) {
        let _ = self.0.send(Posted::Task(Box::pin(task)));
    }
}

/// The reading end: reports, with the tasks posted among them spawned on the way.
pub struct Notices {
    rx: mpsc::UnboundedReceiver<Posted>,
    /// Tasks `try_recv` passed, spawned at the next `recv` (which runs on a runtime).
    held: Vec<Task>,
}

pub fn channel() -> (Outbox, Notices) {
    let (tx, rx) = mpsc::unbounded_channel();
    (
        Outbox(tx),
        Notices {
            rx,
            held: Vec::new(),
        },
    )
}

impl Notices {
    /// Notices that never report: the event loop's, when the app's were taken by someone else.
    pub fn none() -> Notices {
        channel().1
    }

    /// The next report, spawning every task posted before it on the current runtime. Cancel
    /// safe: a task is spawned as soon as it is read, and a report is only read when returned.
    pub async fn recv(&mut self) -> Option<UiEvent> {
        for task in self.held.drain(..) {
            tokio::spawn(task);
        }
        loop {
            match self.rx.recv().await? {
                Posted::Report(ev) => return Some(*ev),
                Posted::Task(task) => {
                    tokio::spawn(task);
                }
            }
        }
    }

    /// A report already waiting, without waiting; tasks read on the way wait for `recv`.
    pub fn try_recv(&mut self) -> Result<UiEvent, TryRecvError> {
        loop {
            match self.rx.try_recv()? {
                Posted::Report(ev) => return Ok(*ev),
                Posted::Task(task) => self.held.push(task),
            }
        }
    }
}
