//! notifications' values and rules, parsed at the edge and pure: what a notification is, its
//! preview, and the requests of `/api/notifications`, each checked as a whole.

mod cursor;
mod list_query;
mod notification;
mod preview;
mod read_request;

pub use cursor::Cursor;
pub use list_query::{ListParams, ListQuery};
pub use notification::{NewNotification, Notification, NotificationId, NotificationKind};
pub use preview::preview;
pub use read_request::ReadRequest;
pub use shared::http::PageSize;
