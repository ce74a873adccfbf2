//! The terminal UI: state (`app`), keys (`keymap`), panes and widgets, and the event loop that
//! redraws on change or input only.

pub mod app;
mod chrome;
mod detail;
mod draw;
pub mod event_loop;
mod help;
pub mod keymap;
mod overview;
pub mod pane;
pub mod runbook;
mod table;
pub mod terminal;
pub mod theme;

pub use app::App;
pub use draw::draw;
pub use pane::Pane;
pub use theme::Theme;
