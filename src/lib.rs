//! opsdeck: a terminal operations console for platform teams running tenants on AWS.
//!
//! Backends (`backend`) turn the outside world into `store::Update`s; the `store::Fleet` holds
//! rows (projections, never whole API objects) and roll-ups; the `ui` renders from the store on
//! change. See docs/architecture.md.

pub mod audit;
pub mod backend;
pub mod cli;
pub mod clock;
pub mod config;
pub mod incident_mark;
pub mod inspect;
pub mod model;
pub mod private_files;
pub mod row_actions;
pub mod runbook;
pub mod snapshot;
pub mod store;
pub mod text;
pub mod timeline_db;
pub mod ui;
