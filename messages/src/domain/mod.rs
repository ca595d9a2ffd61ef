//! Parsed values and rules, pure and unit-tested.

mod content;
mod history;
mod page;

pub use content::{Content, ContentError};
pub use history::{HistoryQuery, HistoryWindow};
pub use page::PageCursor;
pub use shared::http::PageSize;
