//! `send`: store a message, once, with the next `seq` of its conversation.

use shared::amqp::{CHAT_DELIVERY_EXCHANGE, HandleError};
use shared::chat::{
    AckDelivery, ChatCommand, CommandEnvelope, MessageDelivery, kind, node_key, participants_key,
};
use shared::events::{Envelope, MessageSent};
use shared::http::ErrorCode;
use shared::outbox::{self, InternalMessage};

use deadpool_postgres::Transaction;

use super::{AfterCommit, CommandProcessor, transient};
use crate::domain::{Content, ContentError};
use crate::repository::messages::NewMessage;
use crate::repository::{conversations, messages, users};

pub(super) async fn apply(
    processor: &CommandProcessor,
    transaction: &Transaction<'_>,
    envelope: &CommandEnvelope,
    after: &mut AfterCommit,
) -> Result<(), HandleError> {
    let ChatCommand::Send {
        client_msg_id,
        to,
        content,
    } = &envelope.command
    else {
        return Ok(());
    };
    let sender = envelope.user_id;
    let origin = &envelope.origin;
    let content = match Content::parse(content) {
        Ok(content) => content,
        Err(ContentError::Nul) => {
            return after.reply(processor.error_reply(
                sender,
                origin,
                ErrorCode::InvalidField,
                "Messages cannot contain NUL characters.",
                Some(client_msg_id),
            ));
        }
        Err(ContentError::Empty) => {
            return after.reply(processor.error_reply(
                sender,
                origin,
                ErrorCode::InvalidField,
                "A message needs some text.",
                Some(client_msg_id),
            ));
        }
        Err(ContentError::TooLong) => {
            return after.reply(processor.error_reply(
                sender,
                origin,
                ErrorCode::ContentTooLong,
                "Messages are at most 4,000 characters.",
                Some(client_msg_id),
            ));
        }
    };

    if after.recorded.insert((sender, envelope.username.clone())) {
        users::upsert(transaction, sender, &envelope.username)
            .await
            .map_err(transient)?;
        after.known.insert(sender);
    }
    let receiver_known =
        after.known.contains(to) || users::exists(transaction, *to).await.map_err(transient)?;
    if *to == sender || !receiver_known {
        return after.reply(processor.error_reply(
            sender,
            origin,
            ErrorCode::NotFound,
            "There is no such user.",
            Some(client_msg_id),
        ));
    }
    after.known.insert(*to);
    // Lock the conversation (serialising its writers) before looking for a repeat, so two
    // copies of one send cannot both miss each other.
    let conversation = match conversations::lock_pair(transaction, sender, *to)
        .await
        .map_err(transient)?
    {
        Some(conversation) => conversation,
        None => {
            conversations::create_pair(transaction, sender, *to)
                .await
                .map_err(transient)?;
            conversations::lock_pair(transaction, sender, *to)
                .await
                .map_err(transient)?
                .ok_or_else(|| {
                    HandleError::Transient(anyhow::anyhow!(
                        "a conversation just created is missing"
                    ))
                })?
        }
    };
    if let Some(stored) =
        messages::find_by_client_id(transaction, conversation, sender, client_msg_id)
            .await
            .map_err(transient)?
    {
        tracing::debug!(message = %stored.id, "repeated send; acknowledging the stored message again");
        let ack = AckDelivery {
            message: stored,
            client_msg_id: client_msg_id.clone(),
            origin: origin.clone(),
        };
        return after.reply(processor.delivery(node_key(&origin.node), kind::ACK, &ack));
    }

    let message = messages::insert_next(
        transaction,
        &NewMessage {
            conversation,
            sender,
            receiver: *to,
            client_msg_id,
            content: &content,
        },
    )
    .await
    .map_err(transient)?;

    let event = Envelope::new(MessageSent {
        message: message.clone(),
    });
    let delivery = MessageDelivery {
        message,
        client_msg_id: client_msg_id.clone(),
        origin: origin.clone(),
    };
    let payload = serde_json::to_string(&delivery).map_err(|e| HandleError::Permanent(e.into()))?;
    let routing_key = participants_key(sender, *to);
    let internal = InternalMessage {
        exchange: CHAT_DELIVERY_EXCHANGE,
        routing_key: &routing_key,
        kind: kind::MESSAGE,
        payload: &payload,
    };
    // Both rows in one round trip (the client pipelines the two statements). Which of the two
    // comes first does not matter: they go to different exchanges, and both are in the outbox
    // before the next message's rows.
    tokio::try_join!(
        outbox::enqueue(transaction, &event),
        outbox::enqueue_internal(transaction, &internal),
    )
    .map_err(transient)?;
    Ok(())
}
