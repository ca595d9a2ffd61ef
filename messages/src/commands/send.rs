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
use crate::repository::{conversations, messages, read_state, users};

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

    users::upsert(transaction, sender, &envelope.username)
        .await
        .map_err(transient)?;
    if *to == sender || !users::exists(transaction, *to).await.map_err(transient)? {
        return after.reply(processor.error_reply(
            sender,
            origin,
            ErrorCode::NotFound,
            "There is no such user.",
            Some(client_msg_id),
        ));
    }
    let conversation = conversations::find_or_create_pair(transaction, sender, *to)
        .await
        .map_err(transient)?;
    // Serialise with other writers of this conversation before looking for a repeat, so two
    // copies of one send cannot both miss each other.
    conversations::lock(transaction, conversation)
        .await
        .map_err(transient)?;
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

    let seq = conversations::next_seq(transaction, conversation)
        .await
        .map_err(transient)?;
    let message = messages::insert(
        transaction,
        &NewMessage {
            conversation,
            seq,
            sender,
            receiver: *to,
            client_msg_id,
            content: &content,
        },
    )
    .await
    .map_err(transient)?;
    read_state::count_unread(transaction, conversation, *to)
        .await
        .map_err(transient)?;

    outbox::enqueue(
        transaction,
        &Envelope::new(MessageSent {
            message: message.clone(),
        }),
    )
    .await
    .map_err(transient)?;
    let delivery = MessageDelivery {
        message,
        client_msg_id: client_msg_id.clone(),
        origin: origin.clone(),
    };
    let payload = serde_json::to_string(&delivery).map_err(|e| HandleError::Permanent(e.into()))?;
    outbox::enqueue_internal(
        transaction,
        &InternalMessage {
            exchange: CHAT_DELIVERY_EXCHANGE,
            routing_key: &participants_key(sender, *to),
            kind: kind::MESSAGE,
            payload: &payload,
        },
    )
    .await
    .map_err(transient)?;
    Ok(())
}
