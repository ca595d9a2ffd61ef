//! What this node does with deliveries from messages (through its inbox): turn them into frames
//! for the sockets it holds. Every handler only queues frames, so one slow client cannot hold up
//! the inbox.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use serde::de::DeserializeOwned;
use shared::chat::{
    AckDelivery, ErrorDelivery, MessageDelivery, ReadDelivery, TypingDelivery, VotesDelivery,
};
use shared::ids::MessageId;
use shared::socket::ConnectionHub;

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

    /// A stored message: `message.ack` to the connection that sent it, `message.new` to every
    /// other socket of both participants.
    pub fn message(&self, payload: &[u8]) {
        let Some(delivery) = decode::<MessageDelivery>(payload, "chat.message") else {
            return;
        };
        let message = &delivery.message;
        if !self.first_sighting(message.id) {
            return;
        }
        let origin_here =
            (delivery.origin.node == self.node_id).then_some(delivery.origin.connection);
        if let Some(connection) = origin_here {
            let ack = ServerFrame::Ack {
                client_msg_id: &delivery.client_msg_id,
                message,
            };
            self.hub
                .send_to_connection(message.sender_id, connection, ack.to_text());
        }
        let to_sender = ServerFrame::New {
            message,
            client_msg_id: Some(&delivery.client_msg_id),
        };
        self.hub
            .send_to_user(message.sender_id, &to_sender.to_text(), origin_here);
        let to_receiver = ServerFrame::New {
            message,
            client_msg_id: None,
        };
        self.hub
            .send_to_user(message.receiver_id, &to_receiver.to_text(), None);
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

    /// A read watermark moved: every socket of every participant hears it.
    pub fn read(&self, payload: &[u8]) {
        let Some(delivery) = decode::<ReadDelivery>(payload, "chat.read") else {
            return;
        };
        let frame = ServerFrame::Read {
            conversation_id: delivery.conversation_id,
            reader_id: delivery.reader_id,
            seq: delivery.seq,
        }
        .to_text();
        for participant in delivery.participants {
            self.hub.send_to_user(participant, &frame, None);
        }
    }

    /// Someone is typing: the other participants hear it.
    pub fn typing(&self, payload: &[u8]) {
        let Some(delivery) = decode::<TypingDelivery>(payload, "chat.typing") else {
            return;
        };
        let frame = ServerFrame::Typing {
            conversation_id: delivery.conversation_id,
            user_id: delivery.user_id,
        }
        .to_text();
        for participant in delivery
            .participants
            .into_iter()
            .filter(|p| *p != delivery.user_id)
        {
            self.hub.send_to_user(participant, &frame, None);
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
        let frame = ServerFrame::Error {
            code: delivery.code,
            message: &delivery.message,
            client_msg_id: delivery.client_msg_id.as_deref(),
        };
        self.hub.send_to_connection(
            delivery.user_id,
            delivery.origin.connection,
            frame.to_text(),
        );
    }
}
