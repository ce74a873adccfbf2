//! The stack: which overlays are open, in the one order that key handling and drawing both
//! follow. The topmost open layer takes the keys and pastes; drawing goes from the bottom up.
//! Each overlay keeps its own state in the app (`detail`, `pods`, `logs`, `runbook`, `help`,
//! `mode`, `confirm`), and what is open is read from that state, so the stack never disagrees with it.

use ratatui::Frame;

use super::{App, Layer, Mode};
use crate::ui::component::{Component, Ctx, Regions};

/// The overlay component `$app` keeps for `$layer` while it is open, as `$t` (`&dyn Component`
/// with `as_ref`, `&mut dyn Component` with `as_mut`); `None` for the layers that are not kept as
/// one (the pane, the command bar, the write prompt). A macro, not a method: taken mutably it
/// borrows only that overlay's field, so a key's `Ctx` can read the fleet meanwhile.
macro_rules! overlay {
    ($app:expr, $layer:expr, $as:ident, $t:ty) => {
        match $layer {
            Layer::Detail => $app.detail.$as().map(|c| c as $t),
            Layer::Pods => $app.pods.$as().map(|c| c as $t),
            Layer::Logs => $app.logs.$as().map(|c| c as $t),
            Layer::Text => $app.text.$as().map(|c| c as $t),
            Layer::Sources => $app.sources.$as().map(|c| c as $t),
            Layer::Timeline => $app.timeline.$as().map(|c| c as $t),
            Layer::Runbook => $app.runbook.$as().map(|c| c as $t),
            Layer::Help => $app.help.$as().map(|c| c as $t),
            Layer::Pane | Layer::CommandBar | Layer::Confirm => None,
        }
    };
}
pub(super) use overlay;

impl App {
    fn is_open(&self, layer: Layer) -> bool {
        match layer {
            Layer::Pane => true,
            Layer::Detail => self.detail.is_some(),
            Layer::Pods => self.pods.is_some(),
            Layer::Logs => self.logs.is_some(),
            Layer::Text => self.text.is_some(),
            Layer::Sources => self.sources.is_some(),
            Layer::Timeline => self.timeline.is_some(),
            Layer::Runbook => self.runbook.is_some() && !self.runbook_hidden,
            Layer::Help => self.help.is_some(),
            Layer::CommandBar => self.mode != Mode::Normal,
            Layer::Confirm => self.confirm.is_some(),
        }
    }

    /// The open layers, bottom to top.
    pub fn layers(&self) -> Vec<Layer> {
        Layer::BOTTOM_UP
            .into_iter()
            .filter(|l| self.is_open(*l))
            .collect()
    }

    /// The layer that takes the keys.
    pub fn top(&self) -> Layer {
        Layer::BOTTOM_UP
            .into_iter()
            .rev()
            .find(|l| self.is_open(*l))
            .unwrap_or(Layer::Pane)
    }

    /// The keys of the view on top, for the footer and the help.
    pub fn hints(&self) -> Vec<crate::ui::hints::Hint> {
        self.hints_of(self.top())
    }

    /// The keys of `layer`, over the current pane.
    pub(super) fn hints_of(&self, layer: Layer) -> Vec<crate::ui::hints::Hint> {
        let kind = self.detail.as_ref().map(|d| d.id.kind);
        let mut hints = crate::ui::hints::of(layer, self.pane, kind);
        // The abort key only while a run goes on.
        if layer == Layer::Runbook && !self.runbook.as_ref().is_some_and(|s| s.is_running()) {
            hints.retain(|h| h.key != "a");
        }
        hints
    }

    /// Closes `layer` (the pane never closes).
    pub(super) fn close(&mut self, layer: Layer) {
        match layer {
            Layer::Pane => {}
            Layer::Detail => {
                self.detail = None;
                self.pods = None;
            }
            Layer::Pods => self.pods = None,
            Layer::Logs => self.logs = None,
            Layer::Text => self.text = None,
            Layer::Sources => self.sources = None,
            Layer::Timeline => self.timeline = None,
            // A run going on is left to run: its screen is only hidden (`:runbooks` shows it).
            Layer::Runbook => match &self.runbook {
                Some(screen) if screen.is_running() => {
                    if !self.runbook_hidden {
                        self.runbook_hidden = true;
                        self.say(
                            "the run goes on: the header shows it, :runbooks comes back to it",
                            false,
                        );
                    }
                }
                _ => {
                    self.runbook = None;
                    self.runbook_hidden = false;
                }
            },
            Layer::Help => self.help = None,
            Layer::CommandBar => self.mode = Mode::Normal,
            Layer::Confirm => {
                self.confirm = None;
                self.confirm_name = None;
            }
        }
    }

    /// Draws the open overlays over the pane, bottom to top. The pane itself is drawn first by
    /// `draw`, which needs the app mutable for it (its table keeps the page size it drew).
    pub fn draw_overlays(&self, f: &mut Frame, regions: Regions, ctx: &Ctx) {
        for layer in self.layers() {
            match layer {
                Layer::CommandBar => self.mode.draw(f, regions, ctx),
                // Its question is the message line's text (`chrome::message_line`).
                Layer::Pane | Layer::Confirm => {}
                _ => {
                    if let Some(overlay) = overlay!(self, layer, as_ref, &dyn Component) {
                        overlay.draw(f, regions, ctx);
                    }
                }
            }
        }
    }
}
