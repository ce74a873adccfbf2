//! Carrying out what a component answered to a key or a paste: opening and closing overlays,
//! switching panes, the message line, and starting background work — posted on the outbox for
//! the event loop to spawn (`tasks`), never spawned here.

use super::{App, Detail, DetailEvents, Layer, Mode, UiEvent};
use crate::model::RowId;
use crate::ui::component::{Effect, Overlay};
use crate::ui::runbook::RunbookScreen;

impl App {
    /// Carries out `effect`, which the component on `layer` (the one that took the key) asked for.
    pub(super) fn carry_out(&mut self, layer: Layer, effect: Effect) {
        match effect {
            Effect::None => {}
            Effect::Close(then) => {
                self.close(layer);
                self.carry_out(layer, *then);
            }
            Effect::Open(Overlay::Help) => self.help = true,
            Effect::Open(Overlay::CommandBar) => self.mode = Mode::Command(String::new()),
            Effect::Open(Overlay::Filter) => self.mode = Mode::Filter(String::new()),
            Effect::Open(Overlay::Runbooks) => {
                self.runbook = Some(RunbookScreen::new(self.runbook_dir.clone()));
                self.message = None;
            }
            Effect::OpenPane(pane) => {
                self.pane = pane;
                self.detail = None;
                self.help = false;
                self.message = None;
            }
            Effect::OpenDetail(id) => self.open_detail(id),
            Effect::Quit => self.quit = true,
            Effect::Say(message) => self.message = Some(message),
            Effect::Filter(text) => {
                let pane = self.pane;
                self.view_mut(pane).set_filter(&text);
            }
            Effect::AskRowAction(key, id) => self.ask_row_action(key, id),
            Effect::RunRowAction(action, id) => self.start_row_action(action, id),
            Effect::PlanRunbook(rb) => self.plan_runbook(rb),
            Effect::ApplyRunbook {
                rb,
                confirm,
                reason,
            } => self.apply_runbook(rb, confirm, reason),
            Effect::ResumeRunbook(journal) => self.resume_runbook(journal),
        }
    }

    /// Opens the detail view of a row and, where its kind has events and the backend serves
    /// them, starts listing them.
    fn open_detail(&mut self, id: RowId) {
        let mut events = DetailEvents::NotApplicable;
        if let (Some(source), Some(row)) = (&self.event_source, self.fleet.row(&id))
            && row.kind().is_namespaced()
        {
            let listing = source.events(&id, &row.facts);
            let outbox = self.outbox.clone();
            let for_id = id.clone();
            self.outbox.start(async move {
                let result = listing.await;
                outbox.report(UiEvent::Events { id: for_id, result });
            });
            events = DetailEvents::Loading;
        }
        self.detail = Some(Detail {
            id,
            scroll: 0,
            events,
        });
    }
}
