//! notifications' values and rules, parsed at the edge and pure: what a notification is, its
//! preview, the requests of `/api/notifications` (each checked as a whole), push endpoints and
//! subscriptions, and mutes.

mod cursor;
pub mod endpoint;
mod list_query;
mod mute_request;
mod notification;
mod preview;
mod read_request;
mod subscription_request;

pub use cursor::Cursor;
pub use endpoint::{EndpointPolicy, HostList, HostPattern, PushEndpoint};
pub use list_query::{ListParams, ListQuery};
pub use mute_request::MuteRequest;
pub use notification::{NewNotification, Notification, NotificationId, NotificationKind};
pub use preview::preview;
pub use read_request::ReadRequest;
pub use shared::http::PageSize;
pub use subscription_request::{SubscriptionKeys, SubscriptionRequest};
