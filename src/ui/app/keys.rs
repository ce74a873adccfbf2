//! Keys and pastes: the component on top of the stack takes them (the pane's table when nothing
//! is open over it), and what it answers is carried out (`effects.rs`).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::stack::overlay;
use super::{App, Layer};
use crate::model::RowId;
use crate::store::Fleet;
use crate::store::view::TableView;
use crate::ui::component::{Component, Ctx, Effect, Overlay};
use crate::ui::confirm::ConfirmPrompt;
use crate::ui::keymap::{Action, action_for, sort_letter};

impl App {
    /// Handles one key press. Returns whether anything on screen may have changed.
    pub fn handle_key(&mut self, ev: KeyEvent) -> bool {
        if ev.kind == KeyEventKind::Release {
            return false;
        }
        if let Some(changed) = self.answer_quit(&ev) {
            return changed;
        }
        if is_ctrl_c(&ev) {
            self.ask_quit();
            return true;
        }
        let asked = self.prompt().is_some();
        let layer = self.top();
        let effect = self.dispatch(layer, ev);
        self.carry_out(layer, effect);
        // A prompt this key raised is a new one (see `prompt`).
        if !asked && self.prompt().is_some() {
            self.prompts += 1;
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
            self.ask_quit();
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
        let layer = self.top();
        let effect = match layer {
            Layer::CommandBar => self.mode.paste(text),
            Layer::Runbook => self.runbook.as_mut().and_then(|s| s.paste(text)),
            // No input open: nothing to type into.
            _ => None,
        };
        let Some(effect) = effect else {
            return false;
        };
        self.carry_out(layer, effect);
        true
    }

    /// The key to the component on `layer`, the top one.
    fn dispatch(&mut self, layer: Layer, ev: KeyEvent) -> Effect {
        if layer.reads_bindings() && action_for(&ev).is_some() {
            self.message = None;
            // Act on the rows as they are now, even if no frame was drawn since they changed.
            self.refresh();
        }
        let ctx = Ctx::new(&self.theme, &self.fleet, self.clock.now(), self.read_only);
        match layer {
            Layer::Pane => self.pane_key(ev),
            Layer::CommandBar => self.mode.key(ev, &ctx),
            Layer::Confirm => match &self.confirm {
                Some(ask) => ConfirmPrompt {
                    ask,
                    name: &mut self.confirm_name,
                }
                .key(ev, &ctx),
                None => Effect::None,
            },
            _ => overlay!(self, layer, as_mut, &mut dyn Component)
                .map_or(Effect::None, |overlay| overlay.key(ev, &ctx)),
        }
    }

    /// A key on the pane's table, nothing being open over it.
    fn pane_key(&mut self, ev: KeyEvent) -> Effect {
        let titles: Vec<&str> = self
            .current_view()
            .0
            .columns()
            .iter()
            .map(|c| c.title)
            .collect();
        if let Some(column) = sort_letter(&ev, &titles) {
            self.current_view().0.sort_by(column);
            return Effect::None;
        }
        let Some(action) = action_for(&ev) else {
            return Effect::None;
        };
        let page = self.page.max(1) as i64;
        match action {
            Action::Quit => return Effect::Quit,
            Action::CommandBar => return Effect::Open(Overlay::CommandBar),
            // Like k9s, `/` starts a new filter; the old one stays until the first key.
            Action::Filter => return Effect::Open(Overlay::Filter),
            Action::Help => return Effect::Open(Overlay::Help),
            Action::Down => self.move_cursor(1),
            Action::Up => self.move_cursor(-1),
            Action::PageDown => self.move_cursor(page),
            Action::PageUp => self.move_cursor(-page),
            Action::Top => {
                let (view, fleet) = self.current_view();
                view.to_top(fleet);
            }
            Action::Bottom => {
                let (view, fleet) = self.current_view();
                view.to_bottom(fleet);
            }
            Action::Open => {
                if let Some(id) = self.selected_id() {
                    return Effect::OpenDetail(id);
                }
            }
            // k9s: Esc clears the filter first, then goes back.
            Action::Back => {
                let (view, _) = self.current_view();
                if view.filter().is_empty() {
                    return Effect::Back;
                }
                view.set_filter("");
            }
            Action::NextPane => return Effect::OpenPane(self.pane.next(1)),
            Action::PrevPane => return Effect::OpenPane(self.pane.next(-1)),
            Action::SortNext => self.current_view().0.cycle_sort(),
            Action::SortReverse => self.current_view().0.reverse_sort(),
            Action::Refresh | Action::ToggleSuspend => return Effect::AskRowAction(action, None),
            Action::Logs => return Effect::OpenLogs(None, false),
            Action::ControllerLogs => return Effect::OpenLogs(None, true),
            Action::Pods => {
                if let Some(id) = self.selected_id() {
                    return Effect::OpenPods(id);
                }
            }
            Action::ToggleEvents => {}
            Action::Scale => return Effect::OpenCommand("scale ".into()),
            Action::Everywhere => {
                self.set_scoping(Default::default());
            }
            Action::Yaml => return Effect::OpenManifest(None),
            Action::Aliases => return Effect::Open(Overlay::Aliases),
            Action::Copy => {
                if let Some(id) = self.selected_id() {
                    return Effect::Copy(id.name);
                }
            }
        }
        Effect::None
    }

    /// The current pane's table, and the fleet it shows.
    fn current_view(&mut self) -> (&mut TableView, &Fleet) {
        let view = self
            .views
            .get_mut(&self.pane)
            .expect("every pane has a view");
        (view, &self.fleet)
    }

    fn move_cursor(&mut self, delta: i64) {
        let (view, fleet) = self.current_view();
        view.move_by(fleet, delta);
    }

    /// The id of the row under the cursor, as the fleet is now.
    pub fn selected_id(&mut self) -> Option<RowId> {
        self.selected_key()
            .and_then(|k| self.fleet.get(k))
            .map(|r| r.id.clone())
    }
}

pub(super) fn is_ctrl_c(ev: &KeyEvent) -> bool {
    ev.code == KeyCode::Char('c') && ev.modifiers.contains(KeyModifiers::CONTROL)
}
