//! Typed identifiers. A `UserId` cannot be passed where a `MessageId` is expected, and every id
//! is a UUID on the wire and in the databases.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id (UUID v7), so that indexes on it stay append-mostly.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The id as it is stored.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }

        impl From<$name> for Uuid {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A user account.
    UserId
);
uuid_id!(
    /// One signed-in session (one refresh-token family).
    SessionId
);
uuid_id!(
    /// A conversation between participants.
    ConversationId
);
uuid_id!(
    /// A stored chat message.
    MessageId
);
uuid_id!(
    /// An event on the bus; consumers dedupe by it.
    EventId
);
uuid_id!(
    /// An uploaded file.
    AttachmentId
);
