//! How deliveries reach the socket nodes: to users, through the `BCC` header of one publish, or
//! to one node. See the module above for the scheme.

use serde::Serialize;

use super::kind;
use crate::amqp::addressed::{Addressed, Part};
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

/// The stored facts of one transaction for the socket nodes, gathered while it runs and written
/// to the outbox before it commits as one row (a [`kind::BATCH`], or the delivery itself when
/// there is only one; see [`Addressed`]): a burst of a hundred messages is one publish that
/// reaches every node holding a socket of any of their recipients. Items keep the order they
/// were added in.
#[derive(Default)]
pub struct Deliveries {
    /// Every item: its kind and its payload's JSON.
    items: Addressed<(String, String)>,
}

impl Deliveries {
    /// Adds a delivery of `payload` for every socket of `recipients` (none: nothing to add).
    pub fn add<T: Serialize>(&mut self, recipients: &[UserId], kind: &str, payload: &T) {
        let keys = recipients.iter().map(|user| user_key(*user)).collect();
        self.items.add(keys, (kind.to_owned(), to_json(payload)));
    }

    /// The gathered deliveries as publishes to the chat delivery exchange, in order, for the
    /// caller to publish once its transaction has committed.
    pub fn into_outgoing(self, topology: &Topology) -> Vec<Outgoing> {
        self.publishes()
            .into_iter()
            .map(|(route, kind, payload)| outgoing(topology, route, kind, payload))
            .collect()
    }

    /// Adds the gathered deliveries to `outbox`, after what it holds.
    pub fn write_into(self, outbox: &mut OutboxBatch) {
        for (route, kind, payload) in self.publishes() {
            outbox.internal(&InternalMessage {
                exchange: CHAT_DELIVERY_EXCHANGE,
                routing_key: &route.routing_key,
                bcc: &route.bcc,
                kind: &kind,
                payload: &payload,
            });
        }
    }

    /// The publishes the deliveries make, in order: each one's route, kind and payload.
    fn publishes(self) -> Vec<(Route, String, String)> {
        self.items
            .into_parts()
            .into_iter()
            .map(|Part { items, mut keys }| {
                let routing_key = keys.remove(0);
                let route = Route {
                    routing_key,
                    bcc: keys,
                };
                match <[_; 1]>::try_from(items) {
                    Ok([(kind, payload)]) => (route, kind, payload),
                    Err(items) => (route, kind::BATCH.to_owned(), batch_json(&items)),
                }
            })
            .collect()
    }
}

/// A batch's payload, `[{"kind": …, "payload": …}, …]`, from payloads already serialised
/// (socket-handler reads it as a list of its deliveries, each tagged with its kind).
fn batch_json(items: &[(String, String)]) -> String {
    let mut json = String::with_capacity(
        2 + items
            .iter()
            .map(|(kind, payload)| kind.len() + payload.len() + 30)
            .sum::<usize>(),
    );
    json.push('[');
    for (i, (kind, payload)) in items.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str("{\"kind\":");
        json.push_str(&to_json(kind));
        json.push_str(",\"payload\":");
        json.push_str(payload);
        json.push('}');
    }
    json.push(']');
    json
}

/// A delivery to publish at once: something ephemeral for `recipients`, or (with `route`
/// given) a reply to one node.
pub fn delivery<T: Serialize>(
    topology: &Topology,
    route: Route,
    kind: &str,
    payload: &T,
) -> Outgoing {
    outgoing(topology, route, kind.to_owned(), to_json(payload))
}

fn outgoing(topology: &Topology, route: Route, kind: String, payload: String) -> Outgoing {
    Outgoing {
        exchange: topology.chat_delivery_exchange(),
        routing_key: route.routing_key,
        bcc: route.bcc,
        kind,
        message_id: uuid::Uuid::now_v7().to_string(),
        payload: payload.into_bytes(),
    }
}

/// Deliveries that were to be published straight after their commit, added to `outbox` so that
/// the relay publishes them instead, with the same routing, kind and body: those the broker did
/// not confirm (down or slow), once it can, and those that must follow deliveries still waiting
/// in the outbox, in turn. Unconfirmed ones may have reached the broker before it failed and go
/// out twice: a node drops a message it has seen, and the others carry state (a watermark, a
/// message's revision, a tally), not a change, so a repeat changes nothing.
pub fn hand_to_relay(deliveries: &[Outgoing], outbox: &mut OutboxBatch) {
    for message in deliveries {
        outbox.internal(&InternalMessage {
            exchange: CHAT_DELIVERY_EXCHANGE,
            routing_key: &message.routing_key,
            bcc: &message.bcc,
            kind: &message.kind,
            payload: &String::from_utf8_lossy(&message.payload),
        });
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
    fn one_delivery_goes_as_itself_and_several_as_one_batch_to_every_recipient_once() {
        let users: Vec<UserId> = (1..=3).map(|n| UserId::from(Uuid::from_u128(n))).collect();
        let mut alone = Deliveries::default();
        alone.add(&users[..2], kind::MESSAGE, &"first");
        alone.add(&[], kind::VOTES, &"to nobody");
        let publishes = alone.publishes();
        assert_eq!(publishes.len(), 1);
        assert_eq!(publishes[0].0, Route::to(&users[..2]).unwrap());
        assert_eq!(
            (publishes[0].1.as_str(), publishes[0].2.as_str()),
            (kind::MESSAGE, "\"first\"")
        );

        let mut several = Deliveries::default();
        several.add(&users[..2], kind::MESSAGE, &"first");
        several.add(&users[1..], kind::UPDATED, &serde_json::json!({"a": [1]}));
        let publishes = several.publishes();
        assert_eq!(publishes.len(), 1);
        assert_eq!(publishes[0].0, Route::to(&users).unwrap());
        assert_eq!(publishes[0].1, kind::BATCH);
        let items: serde_json::Value = serde_json::from_str(&publishes[0].2).unwrap();
        assert_eq!(
            items,
            serde_json::json!([
                {"kind": kind::MESSAGE, "payload": "first"},
                {"kind": kind::UPDATED, "payload": {"a": [1]}},
            ])
        );
    }

    #[test]
    fn a_transaction_with_too_many_recipients_publishes_in_order_in_several_parts() {
        let mut deliveries = Deliveries::default();
        let group: Vec<UserId> = (0..600).map(|n| UserId::from(Uuid::from_u128(n))).collect();
        let others: Vec<UserId> = (600..1200)
            .map(|n| UserId::from(Uuid::from_u128(n)))
            .collect();
        deliveries.add(&group, kind::MESSAGE, &1);
        deliveries.add(&group, kind::MESSAGE, &2);
        deliveries.add(&others, kind::MESSAGE, &3);
        let publishes = deliveries.publishes();
        assert_eq!(publishes.len(), 2);
        assert_eq!(publishes[0].0, Route::to(&group).unwrap());
        assert_eq!(
            publishes[0].2,
            r#"[{"kind":"chat.message","payload":1},{"kind":"chat.message","payload":2}]"#
        );
        assert_eq!(publishes[1].0, Route::to(&others).unwrap());
        assert_eq!(publishes[1].2, "3");
    }

    #[test]
    fn a_node_key_is_two_topic_words() {
        assert_eq!(
            node_key("socket-handler-a.b.c-1"),
            "node.socket-handler-a-b-c-1"
        );
    }
}
