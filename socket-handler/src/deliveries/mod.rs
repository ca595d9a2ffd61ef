//! What this node does with deliveries from messages (through its inbox): turn them into frames
//! for the sockets it holds. Every handler only queues frames, so one slow client cannot hold up
//! the inbox.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use serde::de::DeserializeOwned;
use shared::chat::{
    AckDelivery, ConversationDelivery, ErrorDelivery, MessageDelivery, RemovedDelivery,
    TypingDelivery, VotesDelivery, WatermarkDelivery,
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

fn decode<T: DeserializeOwned>(payload: &[u8], kind: &str) -> Option<T> {
    serde_json::from_slice(payload)
        .map_err(|e| tracing::warn!(error = %e, kind, "undecodable delivery"))
        .ok()
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
    pub fn message(&self, payload: &[u8]) {
        let Some(delivery) = decode::<MessageDelivery>(payload, "chat.message") else {
            return;
        };
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
    pub fn ack(&self, payload: &[u8]) {
        let Some(delivery) = decode::<AckDelivery>(payload, "chat.ack") else {
            return;
        };
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
    pub fn watermark(&self, payload: &[u8]) {
        let Some(delivery) = decode::<WatermarkDelivery>(payload, "chat.watermark") else {
            return;
        };
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

    /// A group was created or changed: each member hears it as they see it.
    pub fn conversation(&self, payload: &[u8]) {
        let Some(delivery) = decode::<ConversationDelivery>(payload, "chat.conversation") else {
            return;
        };
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
    pub fn removed(&self, payload: &[u8]) {
        let Some(delivery) = decode::<RemovedDelivery>(payload, "chat.removed") else {
            return;
        };
        let frame = ServerFrame::ConversationRemoved {
            conversation_id: delivery.conversation_id,
        }
        .to_text();
        for user in &delivery.user_ids {
            self.hub.send_to_user(*user, &frame, None);
        }
    }

    /// Someone is typing: the other members hear it.
    pub fn typing(&self, payload: &[u8]) {
        let Some(delivery) = decode::<TypingDelivery>(payload, "chat.typing") else {
            return;
        };
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
    pub fn votes(&self, payload: &[u8]) {
        let Some(delivery) = decode::<VotesDelivery>(payload, "chat.votes") else {
            return;
        };
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
    pub fn error(&self, payload: &[u8]) {
        let Some(delivery) = decode::<ErrorDelivery>(payload, "chat.error") else {
            return;
        };
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
