//! Parsed values and rules, pure and unit-tested.

pub mod attachment;
pub mod group;
mod history;
mod page;
pub mod role;
pub mod search;

pub use history::{HistoryQuery, HistoryWindow};
pub use page::{MemberCursor, PageCursor, SearchCursor};
pub use shared::http::PageSize;
