//! `read`: move the reader's watermark forward.

use shared::amqp::{CHAT_DELIVERY_EXCHANGE, HandleError};
use shared::chat::{ChatCommand, CommandEnvelope, ReadDelivery, kind, participants_key};
use shared::events::{Envelope, MessageRead};
use shared::http::ErrorCode;
use shared::outbox::{self, InternalMessage};

use deadpool_postgres::Transaction;

use super::{AfterCommit, CommandProcessor, transient};
use crate::repository::{conversations, read_state};

pub(super) async fn apply(
    processor: &CommandProcessor,
    transaction: &Transaction<'_>,
    envelope: &CommandEnvelope,
    after: &mut AfterCommit,
) -> Result<(), HandleError> {
    let ChatCommand::Read {
        conversation_id,
        seq,
    } = &envelope.command
    else {
        return Ok(());
    };
    let reader = envelope.user_id;
    let members = conversations::members(transaction, *conversation_id)
        .await
        .map_err(transient)?;
    if !members.contains(&reader) {
        return after.reply(processor.error_reply(
            envelope.user_id,
            &envelope.origin,
            ErrorCode::NotFound,
            "There is no such conversation.",
            None,
        ));
    }
    let Some(last_seq) = conversations::lock(transaction, *conversation_id)
        .await
        .map_err(transient)?
    else {
        return Ok(());
    };
    // Reading past the end means reading everything there is.
    let target = (*seq).min(last_seq);
    let Some(moved_to) = read_state::advance(transaction, *conversation_id, reader, target)
        .await
        .map_err(transient)?
    else {
        // Only forward: an older or equal watermark changes nothing and announces nothing.
        return Ok(());
    };

    outbox::enqueue(
        transaction,
        &Envelope::new(MessageRead {
            conversation_id: *conversation_id,
            reader_id: reader,
            seq: moved_to,
        }),
    )
    .await
    .map_err(transient)?;
    let peer = members
        .iter()
        .copied()
        .find(|m| *m != reader)
        .unwrap_or(reader);
    let delivery = ReadDelivery {
        conversation_id: *conversation_id,
        reader_id: reader,
        seq: moved_to,
        participants: members,
    };
    let payload = serde_json::to_string(&delivery).map_err(|e| HandleError::Permanent(e.into()))?;
    outbox::enqueue_internal(
        transaction,
        &InternalMessage {
            exchange: CHAT_DELIVERY_EXCHANGE,
            routing_key: &participants_key(reader, peer),
            kind: kind::READ,
            payload: &payload,
        },
    )
    .await
    .map_err(transient)?;
    Ok(())
}
