//! What this node does with deliveries from messages (through its inbox): turn them into frames
//! for the sockets it holds. Every handler only queues frames, so one slow client cannot hold up
//! the inbox.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use shared::chat::{
    AckDelivery, ConversationDelivery, ErrorDelivery, MessageDelivery, RemovedDelivery,
    TypingDelivery, UpdatedDelivery, VotesDelivery, WatermarkDelivery,
};
use shared::ids::MessageId;
use shared::socket::{ConnectionHub, Echo, ErrorFrame, frame_text};

use crate::frames::ServerFrame;

/// How many recent message ids are remembered to drop a redelivered message.
const RECENT: usize = 10_000;

/// Routes deliveries to this node's sockets.
pub struct DeliveryRouter {
    hub: ConnectionHub,
    node_id: String,
    recent: Mutex<(VecDeque<MessageId>, HashSet<MessageId>)>,
}

/// A payload of `kind`, or `None` (logged) when it is not one: the node inbox cannot retry.
pub fn decode<T: DeserializeOwned>(payload: &[u8], kind: &str) -> Option<T> {
    serde_json::from_slice(payload)
        .map_err(|e| tracing::warn!(error = %e, kind, "undecodable delivery"))
        .ok()
}

/// A delivery of a [`shared::chat::kind::BATCH`], by its kind (each named as in [`kind`]).
#[derive(Deserialize)]
#[serde(tag = "kind", content = "payload")]
pub enum Delivery {
    /// [`shared::chat::kind::MESSAGE`].
    #[serde(rename = "chat.message")]
    Message(MessageDelivery),
    /// [`shared::chat::kind::ACK`].
    #[serde(rename = "chat.ack")]
    Ack(AckDelivery),
    /// [`shared::chat::kind::WATERMARK`].
    #[serde(rename = "chat.watermark")]
    Watermark(WatermarkDelivery),
    /// [`shared::chat::kind::TYPING`].
    #[serde(rename = "chat.typing")]
    Typing(TypingDelivery),
    /// [`shared::chat::kind::VOTES`].
    #[serde(rename = "chat.votes")]
    Votes(VotesDelivery),
    /// [`shared::chat::kind::UPDATED`].
    #[serde(rename = "chat.updated")]
    Updated(UpdatedDelivery),
    /// [`shared::chat::kind::CONVERSATION`].
    #[serde(rename = "chat.conversation")]
    Conversation(ConversationDelivery),
    /// [`shared::chat::kind::REMOVED`].
    #[serde(rename = "chat.removed")]
    Removed(RemovedDelivery),
    /// [`shared::chat::kind::ERROR`].
    #[serde(rename = "chat.error")]
    Error(ErrorDelivery),
}

impl DeliveryRouter {
    /// For this node's hub.
    pub fn new(hub: ConnectionHub, node_id: String) -> Self {
        Self {
            hub,
            node_id,
            recent: Mutex::default(),
        }
    }

    /// The deliveries of one transaction, in their order.
    pub fn batch(&self, deliveries: Vec<Delivery>) {
        // They arrive together: a socket that gets many frames of them is not a slow one.
        let _round = self.hub.round();
        for delivery in deliveries {
            match delivery {
                Delivery::Message(d) => self.message(d),
                Delivery::Ack(d) => self.ack(d),
                Delivery::Watermark(d) => self.watermark(d),
                Delivery::Typing(d) => self.typing(d),
                Delivery::Votes(d) => self.votes(d),
                Delivery::Updated(d) => self.updated(d),
                Delivery::Conversation(d) => self.conversation(d),
                Delivery::Removed(d) => self.removed(d),
                Delivery::Error(d) => self.error(d),
            }
        }
    }

    /// True the first time a message id is seen (the outbox may publish a message twice after a
    /// crash; a client should see it once).
    fn first_sighting(&self, id: MessageId) -> bool {
        let mut recent = self
            .recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (order, seen) = &mut *recent;
        if !seen.insert(id) {
            return false;
        }
        order.push_back(id);
        if order.len() > RECENT
            && let Some(old) = order.pop_front()
        {
            seen.remove(&old);
        }
        true
    }

    /// A stored message: `message.ack` to the connection that sent it, `message.new` (with its
    /// `clientMsgId`) to the sender's other sockets, and `message.new` to every socket of the
    /// other recipients. A system message has no origin: every recipient gets `message.new`.
    pub fn message(&self, delivery: MessageDelivery) {
        let message = &delivery.message;
        if !self.first_sighting(message.id) {
            return;
        }
        let origin_here = delivery
            .origin
            .as_ref()
            .filter(|origin| origin.node == self.node_id)
            .map(|origin| origin.connection);
        if let Some(connection) = origin_here {
            let ack = ServerFrame::Ack {
                client_msg_id: &delivery.client_msg_id,
                message,
            };
            self.hub
                .send_to_connection(message.sender_id, connection, ack.to_text());
        }
        let sender_copy = delivery.origin.is_some().then(|| {
            ServerFrame::New {
                message,
                client_msg_id: Some(&delivery.client_msg_id),
            }
            .to_text()
        });
        let plain = ServerFrame::New {
            message,
            client_msg_id: None,
        }
        .to_text();
        for recipient in &delivery.recipients {
            match &sender_copy {
                Some(copy) if *recipient == message.sender_id => {
                    self.hub.send_to_user(*recipient, copy, origin_here);
                }
                _ => {
                    self.hub.send_to_user(*recipient, &plain, None);
                }
            }
        }
    }

    /// A repeated send, acknowledged again.
    pub fn ack(&self, delivery: AckDelivery) {
        if delivery.origin.node != self.node_id {
            return;
        }
        let ack = ServerFrame::Ack {
            client_msg_id: &delivery.client_msg_id,
            message: &delivery.message,
        };
        self.hub.send_to_connection(
            delivery.message.sender_id,
            delivery.origin.connection,
            ack.to_text(),
        );
    }

    /// A member's read and/or delivered watermark moved: every socket of every member hears it.
    pub fn watermark(&self, delivery: WatermarkDelivery) {
        let mut frames = Vec::with_capacity(2);
        if let Some(seq) = delivery.delivered {
            frames.push(
                ServerFrame::Delivered {
                    conversation_id: delivery.conversation_id,
                    user_id: delivery.user_id,
                    seq,
                }
                .to_text(),
            );
        }
        if let Some(seq) = delivery.read {
            frames.push(
                ServerFrame::Read {
                    conversation_id: delivery.conversation_id,
                    reader_id: delivery.user_id,
                    seq,
                }
                .to_text(),
            );
        }
        for recipient in &delivery.recipients {
            for frame in &frames {
                self.hub.send_to_user(*recipient, frame, None);
            }
        }
    }

    /// A message changed: each member hears it with their own `mine`.
    pub fn updated(&self, delivery: UpdatedDelivery) {
        for recipient in &delivery.recipients {
            if !self.hub.is_connected(*recipient) {
                continue;
            }
            let message = delivery.seen_by(*recipient);
            let frame = ServerFrame::Updated { message: &message };
            self.hub.send_to_user(*recipient, &frame.to_text(), None);
        }
    }

    /// A group was created or changed: each member hears it as they see it.
    pub fn conversation(&self, delivery: ConversationDelivery) {
        for view in &delivery.views {
            if !self.hub.is_connected(view.user_id) {
                continue;
            }
            let conversation = delivery.conversation.seen_by(view);
            let frame = ServerFrame::ConversationUpdated {
                conversation: &conversation,
            };
            self.hub.send_to_user(view.user_id, &frame.to_text(), None);
        }
    }

    /// Users left or were removed: their sockets hear that they are no longer members.
    pub fn removed(&self, delivery: RemovedDelivery) {
        let frame = ServerFrame::ConversationRemoved {
            conversation_id: delivery.conversation_id,
        }
        .to_text();
        for user in &delivery.user_ids {
            self.hub.send_to_user(*user, &frame, None);
        }
    }

    /// Someone is typing: the other members hear it.
    pub fn typing(&self, delivery: TypingDelivery) {
        let frame = ServerFrame::Typing {
            conversation_id: delivery.conversation_id,
            user_id: delivery.user_id,
        }
        .to_text();
        for member in delivery
            .recipients
            .into_iter()
            .filter(|member| *member != delivery.user_id)
        {
            self.hub.send_to_user(member, &frame, None);
        }
    }

    /// Votes changed: each participant hears the counts with their own vote.
    pub fn votes(&self, delivery: VotesDelivery) {
        for (participant, mine) in &delivery.votes {
            let frame = ServerFrame::Votes {
                conversation_id: delivery.conversation_id,
                message_id: delivery.message_id,
                up: delivery.up,
                down: delivery.down,
                mine: *mine,
                rev: delivery.rev,
            };
            self.hub.send_to_user(*participant, &frame.to_text(), None);
        }
    }

    /// A command was refused: tell the connection that sent it.
    pub fn error(&self, delivery: ErrorDelivery) {
        if delivery.origin.node != self.node_id {
            return;
        }
        let frame = ErrorFrame::new(
            delivery.code,
            &delivery.message,
            Echo {
                client_msg_id: delivery.client_msg_id.as_deref(),
                request_id: delivery.request_id.as_deref(),
            },
        );
        self.hub.send_to_connection(
            delivery.user_id,
            delivery.origin.connection,
            frame_text(&frame),
        );
    }
}

#[cfg(test)]
mod tests {
    use shared::chat::kind;

    use super::Delivery;

    #[test]
    fn every_kind_of_delivery_can_be_an_item_of_a_batch() {
        let kinds = [
            kind::MESSAGE,
            kind::ACK,
            kind::WATERMARK,
            kind::TYPING,
            kind::VOTES,
            kind::UPDATED,
            kind::CONVERSATION,
            kind::REMOVED,
            kind::ERROR,
        ];
        for kind in kinds {
            // An empty payload is not a delivery of any kind: the error must be about the
            // payload, not about the kind.
            let item = serde_json::json!([{ "kind": kind, "payload": {} }]).to_string();
            let error = serde_json::from_str::<Vec<Delivery>>(&item)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(!error.contains("unknown variant"), "{kind}: {error}");
        }
        let unknown = serde_json::json!([{ "kind": "chat.nothing", "payload": {} }]).to_string();
        assert!(serde_json::from_str::<Vec<Delivery>>(&unknown).is_err());
    }
}
