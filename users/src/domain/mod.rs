//! Parsed values and rules, pure and unit-tested: nothing here touches the network.
//!
//! A listing request's query string becomes a [`ListQuery`] (sort, direction, page size, prefix,
//! cursor), each part parsed by its own type, so that past the route no invalid value exists.

mod cursor;
mod list_query;
mod prefix;
mod profile;
mod sort;

pub use cursor::{Cursor, Position};
pub use list_query::{ListParams, ListQuery};
pub use prefix::UsernamePrefix;
pub use profile::{Status, UserProfile, UsersPage};
pub use shared::http::PageSize;
pub use sort::{Direction, SortKey};
