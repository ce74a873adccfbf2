//! The layers of the stack, in the one order that key handling and drawing both follow: the
//! pane at the bottom, each overlay above those it can open over. `stack.rs` reads which are
//! open.

/// The layers, bottom to top.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// The pane's table (the Overview's matrix above its list): always there, at the bottom.
    Pane,
    /// A row's detail, over the pane.
    Detail,
    /// The pods of the detail's row, to pick one.
    Pods,
    /// A log view.
    Logs,
    /// A page of text: an object's YAML (`y`), the aliases (`Ctrl-a`).
    Text,
    /// `:sources`.
    Sources,
    /// `:timeline`.
    Timeline,
    /// `:runbooks`.
    Runbook,
    Help,
    /// The command bar or the filter, on the input line.
    CommandBar,
    /// The prompt of a write on a row.
    Confirm,
}

impl Layer {
    pub(crate) const BOTTOM_UP: [Layer; 11] = [
        Layer::Pane,
        Layer::Detail,
        Layer::Pods,
        Layer::Logs,
        Layer::Text,
        Layer::Sources,
        Layer::Timeline,
        Layer::Runbook,
        Layer::Help,
        Layer::CommandBar,
        Layer::Confirm,
    ];

    /// Whether its keys are the keymap's bindings (`keymap::BINDINGS`): there an unbound key
    /// does nothing, and a bound one first clears the message line.
    pub fn reads_bindings(self) -> bool {
        matches!(
            self,
            Layer::Pane
                | Layer::Detail
                | Layer::Pods
                | Layer::Logs
                | Layer::Text
                | Layer::Sources
                | Layer::Timeline
                | Layer::Help
        )
    }
}
