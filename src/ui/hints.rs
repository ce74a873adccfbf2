//! The keys of the view on top: what the footer shows (the key and a word) and what the help
//! lists first (the key and a sentence). The row keys (`R`, `T`, `=`, `l`, `p`) are offered only
//! where they apply: by the kind of the pane or of the detail's row.

use super::app::Layer;
use super::pane::Pane;
use crate::model::{Kind, Refresh, drilldown::Section};

/// A key of a view: the key, a word for the footer, a sentence for the help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hint {
    pub key: &'static str,
    pub word: &'static str,
    pub what: &'static str,
}

const fn hint(key: &'static str, word: &'static str, what: &'static str) -> Hint {
    Hint { key, word, what }
}

/// The name of the view, for the help's first section.
pub fn view_name(layer: Layer, pane: Pane) -> String {
    match layer {
        Layer::Pane => pane.title().to_string(),
        Layer::Detail => "a detail".into(),
        Layer::Pods => "the pods list".into(),
        Layer::Logs => "the log view".into(),
        Layer::Text => "the YAML or aliases page".into(),
        Layer::Sources => ":sources".into(),
        Layer::Runbook => ":runbooks".into(),
        Layer::Help => "the help".into(),
        Layer::CommandBar => "the command bar".into(),
        Layer::Confirm => "a confirmation".into(),
    }
}

/// The keys of `layer` over `pane`; `kind` is the row's kind for a detail (else the pane's).
pub fn of(layer: Layer, pane: Pane, kind: Option<Kind>) -> Vec<Hint> {
    let kind = kind.or(match pane {
        Pane::Kind(k) => Some(k),
        _ => None,
    });
    let mut v = Vec::new();
    match layer {
        Layer::Pane => {
            v.push(hint(
                ":",
                "cmd",
                "command bar: a pane, :sources, :runbooks, :ctx, :ns",
            ));
            v.push(hint(
                "/",
                "filter",
                "filter rows (regex or text, on every column)",
            ));
            v.push(hint("enter/d", "describe", "the row's detail"));
            v.push(hint("y", "yaml", "the object as its API serves it"));
            row_keys(kind, &mut v);
            v.push(hint("c", "copy", "copy the row's name (OSC 52)"));
            v.push(hint(
                "Shift-letter",
                "sort",
                "sort by that column (again: reverse)",
            ));
            v.push(hint("tab", "pane", "next pane"));
            v.push(hint(
                "esc",
                "back",
                "clear the filter, else back where you came from",
            ));
        }
        Layer::Detail => {
            v.push(hint("esc", "back", "back where you came from"));
            v.push(hint("j/k", "scroll", "scroll; g and G its ends"));
            v.push(hint("tab", "mark related", "mark a related row"));
            v.push(hint("enter", "open", "open the marked related row"));
            v.push(hint("y", "yaml", "the object as its API serves it"));
            row_keys(kind, &mut v);
            v.push(hint("e", "events", "Normal events too, or warnings only"));
            v.push(hint("c", "copy", "copy the row's name"));
        }
        Layer::Pods => {
            v.push(hint("enter/l", "logs", "the selected pod's logs"));
            v.push(hint("c", "copy", "copy the pod's name"));
            v.push(hint("esc", "back", "back to the detail"));
        }
        Layer::Logs => {
            v.push(hint("f", "follow", "stop or resume reading"));
            v.push(hint("p", "previous", "the previous containers' logs"));
            v.push(hint("c", "container", "next container"));
            v.push(hint("t", "since", "how far back to start"));
            v.push(hint("w", "wrap", "wrap long lines"));
            v.push(hint("/", "filter", "filter the lines"));
            v.push(hint("esc", "back", "clear the filter, else back"));
        }
        Layer::Text | Layer::Sources | Layer::Help => {
            v.push(hint(
                "j/k",
                "scroll",
                "scroll; Space a page, g and G its ends",
            ));
            if layer == Layer::Text {
                v.push(hint("c", "copy", "copy the whole text"));
            }
            v.push(hint("esc", "close", "close it"));
        }
        Layer::Runbook => {
            v.push(hint(
                "↑↓",
                "scroll/pick",
                "pick a runbook, move in a form, scroll a plan",
            ));
            v.push(hint(
                "enter",
                "next",
                "open, plan, apply with the typed target",
            ));
            v.push(hint(
                "a",
                "abort",
                "while it runs: stop after the current step",
            ));
            v.push(hint(
                "esc",
                "back/leave",
                "back; while it runs, leave it running",
            ));
        }
        Layer::CommandBar => {
            v.push(hint("enter", "run", "run the command, keep the filter"));
            v.push(hint("tab", "complete", "the next completion"));
            v.push(hint("esc", "cancel", "cancel"));
        }
        Layer::Confirm => {
            v.push(hint("y", "yes", "carry it out (or type the target's name)"));
            v.push(hint("esc", "no", "any other key leaves it undone"));
        }
    }
    if !matches!(layer, Layer::CommandBar | Layer::Confirm) {
        v.push(hint("?", "help", "every key"));
    }
    // In `:runbooks`, q leaves the screen (as Esc), it does not quit.
    if !matches!(layer, Layer::CommandBar | Layer::Confirm | Layer::Runbook) {
        v.push(hint("q", "quit", "quit"));
    }
    v
}

/// The keys acting on a row of `kind` (all of them where the pane mixes kinds).
fn row_keys(kind: Option<Kind>, v: &mut Vec<Hint>) {
    let Some(kind) = kind else {
        v.push(hint(
            "R",
            "reconcile/renew",
            "reconcile, renew or redeploy (--write)",
        ));
        v.push(hint(
            "T",
            "suspend",
            "suspend or resume a Flux object (--write)",
        ));
        v.push(hint("l", "logs", "the row's logs"));
        return;
    };
    let spec = kind.spec();
    match spec.refresh {
        Refresh::Nothing => {}
        Refresh::Reconcile => v.push(hint("R", "reconcile", "flux reconcile (--write)")),
        Refresh::Renew => v.push(hint("R", "renew", "cmctl renew (--write)")),
        Refresh::Redeploy => v.push(hint("R", "redeploy", "force a new deployment (--write)")),
    }
    if kind.is_flux() {
        v.push(hint("T", "suspend", "suspend or resume (--write)"));
    }
    if kind == Kind::EcsService {
        v.push(hint("=", "scale", "set the desired count (--write)"));
    }
    let pods = spec.drills.contains(&Section::Pods);
    if pods || kind == Kind::EcsService {
        v.push(hint("l", "logs", "the logs of its pods or tasks"));
    }
    if kind.is_flux() {
        v.push(hint(
            "L",
            "flux logs",
            "the Flux controller's lines about it",
        ));
    }
    if pods {
        v.push(hint("p", "pods", "its pods, to pick one"));
    }
}
