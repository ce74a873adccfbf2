//! The terminal UI: the app's state and what keys do to it (`app`), the overlays as components
//! on a stack (`component`: help, detail, pods, logs, confirm, runbook, command bar), the panes and the
//! chrome around them, and the event loop that redraws on change or input only and spawns the
//! background work the app posts (`tasks`).
//!
//! Imports run one way: `component`, `tasks`, `keymap`, `pane` and `theme` at the bottom; the
//! components and the drawing of panes and chrome above them; `app` above those; `draw` and
//! `event_loop` on top.

pub mod app;
mod chrome;
mod command_bar;
pub mod component;
mod confirm;
mod detail;
mod draw;
pub mod event_loop;
pub mod fit;
mod help;
pub mod hints;
pub mod keymap;
mod logs;
mod overview;
mod pager;
pub mod pane;
mod pods;
pub mod runbook;
mod sources;
mod table;
pub mod tasks;
pub mod terminal;
pub mod text_view;
pub mod theme;
mod timeline;
mod wrap;

pub use app::App;
pub use draw::draw;
pub use pane::Pane;
pub use theme::Theme;
