//! Kinds, rows and health: what the store holds and the UI shows.

pub mod column;
pub mod condition;
pub mod drilldown;
pub mod health;
pub mod json;
pub mod kind;
pub mod kinds;
pub mod row;

pub use column::{Column, ColumnSpec};
pub use condition::Condition;
pub use health::{Assessment, Health};
pub use kind::{Kind, KindScope, KindSpec, KubeResource, KubeWatch, Refresh};
pub use kinds::Facts;
pub use row::{Cell, Row, RowId, Scope};
