//! The back stack: where the user was before each move (a pane opened by `:` or Tab, a detail
//! opened from a table, a related row or the timeline), so `Esc` returns there, as k9s's does.
//! The timeline, when a row is opened from it, is put aside and comes back with its place.
//! Overlays over a detail (pods, logs, `y`, help) close on their own and need no entry.

use super::{App, Layer};
use crate::model::RowId;
use crate::ui::pane::Pane;

/// The deepest the stack gets: the oldest places are forgotten first.
const MAX_BACK: usize = 32;

/// A place to come back to: a pane, and the detail open over it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub pane: Pane,
    pub detail: Option<RowId>,
    /// The timeline was open over them.
    pub timeline: bool,
}

impl Place {
    /// A pane (and a detail over it), the timeline closed.
    pub fn at(pane: Pane, detail: Option<RowId>) -> Place {
        Place {
            pane,
            detail,
            timeline: false,
        }
    }
}

impl App {
    /// Where the user is.
    fn here(&self) -> Place {
        Place {
            pane: self.pane,
            detail: self.detail.as_ref().map(|d| d.id.clone()),
            timeline: self.timeline.is_some(),
        }
    }

    /// The user goes to `to`: where they were is remembered, unless it is the same place.
    pub(super) fn went(&mut self, to: Place) {
        let here = self.here();
        if here == to {
            return;
        }
        if self.back.len() == MAX_BACK {
            self.back.remove(0);
        }
        // Leaving the timeline for a row: it waits, as it was, to come back.
        if here.timeline {
            self.parked_timeline = self.timeline.take();
        }
        self.back.push(here);
    }

    /// `Esc` on a table or a detail: back where the user came from; with nowhere to go back to,
    /// the detail closes (a table stays).
    pub(super) fn go_back(&mut self, layer: Layer) {
        let Some(place) = self.back.pop() else {
            self.close(layer);
            return;
        };
        self.pane = place.pane;
        self.pods = None;
        self.logs = None;
        self.text = None;
        self.help = None;
        match place.detail {
            Some(id) if self.detail.as_ref().is_some_and(|d| d.id == id) => {}
            Some(id) => self.open_detail(id),
            None => self.detail = None,
        }
        if place.timeline {
            self.timeline = Some(self.parked_timeline.take().unwrap_or_default());
        }
    }

    /// How many places `Esc` can go back through.
    pub fn back_depth(&self) -> usize {
        self.back.len()
    }
}
