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
        Layer::Timeline => ":timeline".into(),
        Layer::Runbook => ":runbooks".into(),
        Layer::Help => "the help".into(),
        Layer::CommandBar => "the command bar".into(),
        Layer::Confirm => "a confirmation".into(),
    }
}

/// Each view's own keys, in the order the footer shows them: a line each, `key|word|sentence`.
type Keys = &'static str;

const PANE_FIRST: Keys = "\
    :|cmd|command bar: a pane, :sources, :runbooks, :ctx, :ns\n\
    /|filter|filter rows (regex or text, on every column)\n\
    enter/d|describe|the row's detail\n\
    y|yaml|the object as its API serves it";
const PANE_LAST: Keys = "\
    c|copy|copy the row's name (OSC 52)\n\
    Shift-letter|sort|sort by that column (again: reverse)\n\
    tab|pane|next pane\n\
    esc|back|clear the filter, else back where you came from";
const DETAIL_FIRST: Keys = "\
    esc|back|back where you came from\n\
    j/k|scroll|scroll; g and G its ends\n\
    tab|mark related|mark a related row\n\
    enter|open|open the marked related row\n\
    y|yaml|the object as its API serves it";
const DETAIL_LAST: Keys = "\
    e|events|Normal events too, or warnings only\n\
    c|copy|copy the row's name";
const PODS: Keys = "\
    enter/l|logs|the selected pod's logs\n\
    c|copy|copy the pod's name\n\
    esc|back|back to the detail";
const LOGS: Keys = "\
    f|follow|stop or resume reading\n\
    p|previous|the previous containers' logs\n\
    c|container|next container\n\
    t|since|how far back to start\n\
    w|wrap|wrap long lines\n\
    /|filter|filter the lines\n\
    esc|back|clear the filter, else back";
const PAGE: Keys = "\
    j/k|scroll|scroll; Space a page, g and G its ends\n\
    esc|close|close it";
const TEXT: Keys = "\
    j/k|scroll|scroll; Space a page, g and G its ends\n\
    c|copy|copy the whole text\n\
    esc|close|close it";
const TIMELINE: Keys = "\
    j/k|pick|pick a change; g and G its ends\n\
    enter|open|its row (a burst: its pane, there)\n\
    m|mark start|the incident started here: the header counts from it\n\
    M|clear mark|the incident's start is cleared\n\
    /|filter|filter the changes\n\
    esc|close|close it";
const RUNBOOK: Keys = "\
    ↑↓|scroll/pick|pick a runbook, move in a form, scroll a plan\n\
    enter|next|open, plan, apply with the typed target\n\
    a|abort|while it runs: stop after the current step\n\
    esc/q|back/leave|back; while it runs, leave it running";
const COMMAND_BAR: Keys = "\
    enter|run|run the command, keep the filter\n\
    tab|complete|the next completion\n\
    esc|cancel|cancel";
const CONFIRM: Keys = "\
    y|yes|carry it out (or type the target's name)\n\
    esc|no|any other key leaves it undone";

fn push(v: &mut Vec<Hint>, keys: Keys) {
    for line in keys.lines() {
        let mut parts = line.splitn(3, '|');
        let mut next = || parts.next().unwrap_or_default();
        let (key, word, what) = (next(), next(), next());
        v.push(hint(key, word, what));
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
            push(&mut v, PANE_FIRST);
            row_keys(kind, &mut v);
            push(&mut v, PANE_LAST);
        }
        Layer::Detail => {
            push(&mut v, DETAIL_FIRST);
            row_keys(kind, &mut v);
            push(&mut v, DETAIL_LAST);
        }
        Layer::Pods => push(&mut v, PODS),
        Layer::Logs => push(&mut v, LOGS),
        Layer::Text => push(&mut v, TEXT),
        Layer::Sources | Layer::Help => push(&mut v, PAGE),
        Layer::Timeline => push(&mut v, TIMELINE),
        Layer::Runbook => push(&mut v, RUNBOOK),
        Layer::CommandBar => push(&mut v, COMMAND_BAR),
        Layer::Confirm => push(&mut v, CONFIRM),
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
    const ANY_ROW: Keys = "\
        R|reconcile/refresh|reconcile, refresh, renew or redeploy (--write)\n\
        T|suspend|suspend or resume a Flux object (--write)\n\
        l|logs|the row's logs";
    let Some(kind) = kind else {
        push(v, ANY_ROW);
        return;
    };
    let spec = kind.spec();
    match spec.refresh {
        Refresh::Nothing => {}
        Refresh::Reconcile => v.push(hint("R", "reconcile", "flux reconcile (--write)")),
        Refresh::Renew => v.push(hint("R", "renew", "cmctl renew (--write)")),
        Refresh::Redeploy => v.push(hint("R", "redeploy", "force a new deployment (--write)")),
        Refresh::ArgoRefresh => {
            v.push(hint("R", "refresh", "argocd app get --refresh (--write)"));
            v.push(hint(":sync", "sync", "argocd app sync (--write)"));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::pane::ORDER;

    #[test]
    fn every_hint_has_a_key_a_word_and_a_sentence() {
        for layer in Layer::BOTTOM_UP {
            for pane in ORDER {
                for h in of(layer, pane, None) {
                    assert!(
                        !h.key.is_empty() && !h.word.is_empty() && !h.what.is_empty(),
                        "{layer:?} {pane:?}: {h:?}"
                    );
                    assert!(!h.what.contains('|') && !h.key.contains(' '), "{h:?}");
                }
            }
        }
    }
}
