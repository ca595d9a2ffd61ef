//! Parsed values and rules, pure and unit-tested.

mod history;
mod page;

pub use history::{HistoryQuery, HistoryWindow};
pub use page::PageCursor;
pub use shared::http::PageSize;
