//! Kinds, rows and health: what the store holds and the UI shows.

pub mod condition;
pub mod health;
pub mod json;
pub mod kind;
pub mod kinds;
pub mod row;

pub use condition::Condition;
pub use health::{Assessment, Health};
pub use kind::Kind;
pub use kinds::Facts;
pub use row::{Cell, Column, ColumnSpec, Row, RowId, Scope};
