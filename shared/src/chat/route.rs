//! How deliveries reach the socket nodes: to users, through the `BCC` header of one publish, or
//! to one node. See the module above for the scheme.

use serde::Serialize;

use crate::amqp::{CHAT_DELIVERY_EXCHANGE, Outgoing, Topology};
use crate::ids::UserId;
use crate::outbox::{self, InternalMessage, OutboxBatch};

/// The routing key of a user's deliveries, which a node binds while the user has a socket there.
pub fn user_key(user: UserId) -> String {
    format!("u.{user}")
}

/// The routing key of one node. Dots would split it into topic words, so they become dashes.
pub fn node_key(node: &str) -> String {
    format!("node.{}", node.replace('.', "-"))
}

/// How a delivery reaches every node holding a socket of any of its recipients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The first recipient's key.
    pub routing_key: String,
    /// The others' keys, for the `BCC` header.
    pub bcc: Vec<String>,
}

impl Route {
    /// To every node holding a socket of any of `recipients` (`None` when there are none).
    pub fn to(recipients: &[UserId]) -> Option<Self> {
        let (first, rest) = recipients.split_first()?;
        Some(Self {
            routing_key: user_key(*first),
            bcc: rest.iter().map(|user| user_key(*user)).collect(),
        })
    }
}

fn to_json<T: Serialize>(payload: &T) -> String {
    serde_json::to_string(payload).unwrap_or_else(|e| {
        // Our own delivery types always serialise; this cannot happen short of a bug.
        tracing::error!(error = %e, "cannot serialise a delivery");
        String::from("{}")
    })
}

/// A stored fact for every socket of `recipients`, written to the outbox in the caller's
/// transaction: it is delivered after commit, in commit order, exactly when the change is
/// stored.
pub async fn deliver_after_commit<T: Serialize>(
    client: &impl deadpool_postgres::GenericClient,
    recipients: &[UserId],
    kind: &str,
    payload: &T,
) -> Result<(), tokio_postgres::Error> {
    let Some(route) = Route::to(recipients) else {
        return Ok(());
    };
    outbox::enqueue_internal(
        client,
        &InternalMessage {
            exchange: CHAT_DELIVERY_EXCHANGE,
            routing_key: &route.routing_key,
            bcc: &route.bcc,
            kind,
            payload: &to_json(payload),
        },
    )
    .await
}

/// Like [`deliver_after_commit`], into `batch`, which the caller writes before committing.
pub fn deliver_in<T: Serialize>(
    batch: &mut OutboxBatch,
    recipients: &[UserId],
    kind: &str,
    payload: &T,
) {
    if let Some(route) = Route::to(recipients) {
        batch.internal(&InternalMessage {
            exchange: CHAT_DELIVERY_EXCHANGE,
            routing_key: &route.routing_key,
            bcc: &route.bcc,
            kind,
            payload: &to_json(payload),
        });
    }
}

/// A delivery to publish at once: something ephemeral for `recipients`, or (with `route`
/// given) a reply to one node.
pub fn delivery<T: Serialize>(
    topology: &Topology,
    route: Route,
    kind: &str,
    payload: &T,
) -> Outgoing {
    Outgoing {
        exchange: topology.chat_delivery_exchange(),
        routing_key: route.routing_key,
        bcc: route.bcc,
        kind: kind.to_owned(),
        message_id: uuid::Uuid::now_v7().to_string(),
        payload: to_json(payload).into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn a_route_names_the_first_recipient_and_copies_the_rest() {
        let users: Vec<UserId> = (1..=3).map(|n| UserId::from(Uuid::from_u128(n))).collect();
        let route = Route::to(&users).unwrap();
        assert_eq!(route.routing_key, user_key(users[0]));
        assert_eq!(route.bcc, vec![user_key(users[1]), user_key(users[2])]);
        assert_eq!(Route::to(&[]), None);
    }

    #[test]
    fn a_node_key_is_two_topic_words() {
        assert_eq!(
            node_key("socket-handler-a.b.c-1"),
            "node.socket-handler-a-b-c-1"
        );
    }
}
