//! Carrying out what a component answered to a key or a paste: opening and closing overlays,
//! switching panes, the message line, and starting background work — posted on the outbox for
//! the event loop to spawn (`tasks`), never spawned here.

use super::back::Place;
use super::{App, Detail, Layer, Mode, UiEvent};
use crate::inspect::Subject;
use crate::inspect::live::{Live, REFRESH, keep_fetching};
use crate::inspect::logs::{LogQuery, LogTarget};
use crate::model::RowId;
use crate::model::drilldown::Section;
use crate::store::view::Scoping;
use crate::ui::component::{Effect, Message, Overlay};
use crate::ui::help::Help;
use crate::ui::logs::{LogView, forward};
use crate::ui::pods::PodsView;
use crate::ui::runbook::RunbookScreen;
use crate::ui::text_view::TextView;

impl App {
    /// Carries out `effect`, which the component on `layer` (the one that took the key) asked for.
    pub(super) fn carry_out(&mut self, layer: Layer, effect: Effect) {
        match effect {
            Effect::None => {}
            Effect::Close(then) => {
                self.close(layer);
                self.carry_out(layer, *then);
            }
            Effect::Back => self.go_back(layer),
            // Over the view on top (the command bar, for `:help`, has closed by now).
            Effect::Open(Overlay::Help) => {
                let under = self.top();
                let view = crate::ui::hints::view_name(under, self.pane);
                self.help = Some(Help::over(view, self.hints_of(under)));
            }
            Effect::Open(Overlay::CommandBar) => {
                self.mode = Mode::Command(String::new(), Default::default())
            }
            Effect::Open(Overlay::Filter) => self.mode = Mode::Filter(String::new()),
            // Back to a run going on (or ended) in the background, else the list.
            Effect::Open(Overlay::Runbooks) => {
                if self.runbook.is_none() {
                    self.runbook = Some(RunbookScreen::new(self.runbook_dir.clone()));
                }
                self.runbook_hidden = false;
                self.message = None;
            }
            Effect::OpenPane(pane) => {
                self.went(Place::at(pane, None));
                self.pane = pane;
                self.detail = None;
                self.pods = None;
                self.logs = None;
                self.help = None;
                self.text = None;
                self.sources = None;
                self.timeline = None;
                self.close(Layer::Runbook);
                self.message = None;
            }
            Effect::ListScopes(context) => self.list_scopes(context),
            Effect::ScopeContext(Some(name)) if self.unknown_scope(&name, true) => {}
            Effect::ScopeNamespace(Some(name)) if self.unknown_scope(&name, false) => {}
            Effect::ScopeContext(context) => {
                let scoping = Scoping {
                    context,
                    ..self.scoping.clone()
                };
                self.set_scoping(scoping);
            }
            Effect::ScopeNamespace(namespace) => {
                let scoping = Scoping {
                    namespace,
                    ..self.scoping.clone()
                };
                self.set_scoping(scoping);
            }
            Effect::OpenPaneFiltered(pane, filter) => {
                self.carry_out(layer, Effect::OpenPane(pane));
                self.view_mut(pane).set_filter(&filter);
            }
            Effect::OpenDetail(id) => {
                self.went(Place::at(self.pane, Some(id.clone())));
                self.open_detail(id);
            }
            Effect::OpenLogs(id, controller) => self.open_row_logs(id, controller),
            Effect::OpenPodLogs(target) => self.start_logs(target, LogQuery::recent()),
            Effect::RestartLogs(query) => {
                if let Some(target) = self.logs.as_ref().map(|v| v.target.clone()) {
                    self.start_logs(target, query);
                }
            }
            Effect::OpenPods(id) => self.open_pods(id),
            Effect::OpenManifest(id) => self.open_manifest(id),
            Effect::Copy(text) => self.copy(text),
            Effect::Open(Overlay::Sources) => self.sources = Some(Default::default()),
            Effect::Open(Overlay::Timeline) => self.timeline = Some(Default::default()),
            Effect::MarkIncident(Some(at)) => {
                self.incident = Some(at);
                self.message = Some(Message::info(format!(
                    "the incident started at {} UTC: the header counts from it (m on another change moves it, M clears it)",
                    at.strftime("%H:%M:%S")
                )));
                self.keep_incident();
            }
            Effect::MarkIncident(None) => {
                if self.incident.take().is_some() {
                    self.message = Some(Message::info("the incident's start is cleared"));
                    self.keep_incident();
                }
            }
            Effect::Open(Overlay::Aliases) => {
                let lines = crate::ui::help::alias_lines();
                self.text = Some(TextView::ready("Commands and their aliases", lines));
            }
            Effect::Quit => self.ask_quit(),
            Effect::Say(message) => self.message = Some(message),
            // The timeline's own filter while it is open, else the pane's.
            Effect::Filter(text) => match self.timeline.as_mut() {
                Some(timeline) => {
                    timeline.filter = text;
                    timeline.cursor = 0;
                }
                None => {
                    let pane = self.pane;
                    self.view_mut(pane).set_filter(&text);
                }
            },
            Effect::AskRowAction(key, id) => self.ask_row_action(key, id),
            Effect::AskAction(action, id) => {
                let id = id.or_else(|| self.detail.as_ref().map(|d| d.id.clone()));
                self.ask_action(action, id);
            }
            Effect::OpenCommand(text) => self.mode = Mode::Command(text, Default::default()),
            Effect::RunRowAction(action, id) => self.start_row_action(action, id),
            Effect::PlanRunbook(rb) => self.plan_runbook(rb),
            Effect::ReadInputs(runbook, given) => self.read_inputs(runbook, given),
            Effect::ApplyRunbook {
                rb,
                confirm,
                reason,
            } => self.apply_runbook(rb, confirm, reason),
            Effect::ResumeRunbook(journal) => self.resume_runbook(journal),
        }
    }

    /// Opens the detail view of a row and starts fetching the sections its kind drills into,
    /// where the backend serves them; they are fetched again while it stays open and stop when
    /// it closes.
    pub(super) fn open_detail(&mut self, id: RowId) {
        let Some(row) = self.fleet.row(&id) else {
            self.detail = Some(Detail::new(id, Vec::new(), Live::default()));
            return;
        };
        let mut live = Live::default();
        let mut sections = Vec::new();
        if let Some(inspector) = &self.inspector {
            let subject = Subject::of(row, &self.fleet);
            for &section in row.kind().spec().drills {
                let outbox = self.outbox.clone();
                let for_id = id.clone();
                let fetching = keep_fetching(
                    inspector.clone(),
                    subject.clone(),
                    section,
                    REFRESH,
                    move |result| {
                        outbox.report(UiEvent::Section {
                            id: for_id.clone(),
                            section,
                            result,
                        })
                    },
                );
                self.outbox.start(live.guard(fetching));
                sections.push(section);
            }
        }
        self.pods = None;
        self.detail = Some(Detail::new(id, sections, live));
    }

    /// The object of `id` (the selected row's when `None`) as its API serves it, fetched now;
    /// closing the view stops the fetch.
    fn open_manifest(&mut self, id: Option<RowId>) {
        let Some(id) = id.or_else(|| self.selected_id()) else {
            return;
        };
        let Some(row) = self.fleet.row(&id) else {
            return;
        };
        let Some(inspector) = self.inspector.clone() else {
            self.message = Some(Message::error("this backend serves no objects"));
            return;
        };
        let subject = Subject::of(row, &self.fleet);
        let mut live = Live::default();
        let outbox = self.outbox.clone();
        let for_id = id.clone();
        let fetch = async move {
            let result = inspector.manifest(&subject).await;
            outbox.report(UiEvent::Manifest { id: for_id, result });
        };
        self.outbox.start(live.guard(fetch));
        let title = format!("{} {}", row.kind().title(), id.name);
        self.text = Some(TextView::loading(title, id, live));
    }

    /// Puts `text` on the clipboard and says so (a name in full, a long text by its size).
    fn copy(&mut self, text: String) {
        if let Some(clipboard) = &self.clipboard {
            clipboard(&text);
        }
        let said = if text.lines().count() > 1 {
            format!("copied {} lines", text.lines().count())
        } else {
            format!("copied {text}")
        };
        self.message = Some(Message::info(said));
        self.copied = Some(text);
    }

    /// The pods of `id` as a list, over its detail (opened first if it is not).
    fn open_pods(&mut self, id: RowId) {
        let drills = self
            .fleet
            .row(&id)
            .is_some_and(|r| r.kind().spec().drills.contains(&Section::Pods));
        if !drills || self.inspector.is_none() {
            let why = if id.kind == crate::model::Kind::EcsService {
                "an ECS service has tasks, not pods: its detail (Enter) lists the stopped ones; l reads the running tasks' logs, then p the stopped tasks'"
            } else {
                "no pods here: p lists the pods of workloads, HelmReleases and Kustomizations"
            };
            self.message = Some(Message::error(why));
            return;
        }
        if self.detail.as_ref().is_none_or(|d| d.id != id) {
            self.went(Place::at(self.pane, Some(id.clone())));
            self.open_detail(id.clone());
        }
        let mut view = PodsView::new(id);
        if let Some(detail) = &self.detail
            && let Some(section) = detail.section(Section::Pods)
        {
            view.state = section.part.clone();
            if let Some(pods) = detail.pods() {
                view.set(pods);
            }
        }
        self.pods = Some(view);
    }

    /// The logs of a row's pods (the selected row's when `id` is `None`), or the Flux
    /// controller's lines about it.
    fn open_row_logs(&mut self, id: Option<RowId>, controller: bool) {
        let Some(id) = id.or_else(|| self.selected_id()) else {
            return;
        };
        let Some(row) = self.fleet.row(&id) else {
            return;
        };
        let subject = Subject::of(row, &self.fleet);
        let target = if controller {
            match LogTarget::controller(&subject) {
                Some(t) => t,
                None => {
                    self.message = Some(Message::error(
                        "L shows the Flux controller's lines about a Flux object (Kustomization, HelmRelease, source)",
                    ));
                    return;
                }
            }
        } else {
            let target = LogTarget::of(&subject);
            if !target.has_logs() {
                let why = if row.kind().spec().drills.contains(&Section::Pods) {
                    "no workloads found for this row (none carries its Flux labels): no pods to read"
                } else {
                    "l shows the logs of workloads, HelmReleases, Kustomizations and ECS services (L: the Flux controller's lines)"
                };
                self.message = Some(Message::error(why));
                return;
            }
            target
        };
        self.start_logs(target, LogQuery::recent());
    }

    /// Opens a log view on `target`, or reads it again as `query` says if it is open.
    pub(super) fn start_logs(&mut self, target: LogTarget, query: LogQuery) {
        let Some(source) = self.log_source.clone() else {
            self.message = Some(Message::error("this backend serves no logs"));
            return;
        };
        self.log_runs += 1;
        let run = self.log_runs;
        let mut live = Live::default();
        let stream = source.logs(&target, &query);
        let (lines, done) = (self.outbox.clone(), self.outbox.clone());
        let reading = forward(
            stream,
            move |events| lines.report(UiEvent::Logs { run, events }),
            move || done.report(UiEvent::LogsEnded { run }),
        );
        self.outbox.start(live.guard(reading));
        match self.logs.as_mut().filter(|v| v.target == target) {
            Some(view) => {
                view.query = query;
                view.restart(run, live);
            }
            None => self.logs = Some(LogView::new(target, query, run, live)),
        }
    }
}
