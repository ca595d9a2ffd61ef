//! Parsed values and rules, pure and unit-tested.

pub mod attachment;
pub mod group;
mod history;
mod page;
pub mod role;

pub use history::{HistoryQuery, HistoryWindow};
pub use page::{MemberCursor, PageCursor};
pub use shared::http::PageSize;
