//! `vote`: cast, switch or withdraw a vote, counted exactly under the message's row lock.

use shared::amqp::{CHAT_DELIVERY_EXCHANGE, HandleError};
use shared::chat::{ChatCommand, CommandEnvelope, VotesDelivery, kind, participants_key};
use shared::events::{Envelope, MessageVoted};
use shared::http::ErrorCode;
use shared::outbox::{self, InternalMessage};

use deadpool_postgres::Transaction;

use super::{AfterCommit, CommandProcessor, transient};
use crate::repository::{conversations, votes};

pub(super) async fn apply(
    processor: &CommandProcessor,
    transaction: &Transaction<'_>,
    envelope: &CommandEnvelope,
    after: &mut AfterCommit,
) -> Result<(), HandleError> {
    let ChatCommand::Vote { message_id, vote } = &envelope.command else {
        return Ok(());
    };
    let voter = envelope.user_id;
    let Some(locked) = votes::lock_message(transaction, *message_id)
        .await
        .map_err(transient)?
    else {
        return after.reply(processor.error_reply(
            voter,
            &envelope.origin,
            ErrorCode::NotFound,
            "There is no such message.",
            None,
        ));
    };
    let members = conversations::members(transaction, locked.conversation)
        .await
        .map_err(transient)?;
    if !members.contains(&voter) {
        // Someone else's message: the same answer as for one that does not exist.
        return after.reply(processor.error_reply(
            voter,
            &envelope.origin,
            ErrorCode::NotFound,
            "There is no such message.",
            None,
        ));
    }
    let (now, tally) = votes::apply(transaction, *message_id, voter, *vote)
        .await
        .map_err(transient)?;
    let each = votes::of_members(transaction, *message_id, &members)
        .await
        .map_err(transient)?;

    outbox::enqueue(
        transaction,
        &Envelope::new(MessageVoted {
            conversation_id: locked.conversation,
            message_id: *message_id,
            voter_id: voter,
            vote: now,
            up: tally.up,
            down: tally.down,
        }),
    )
    .await
    .map_err(transient)?;
    let peer = members
        .iter()
        .copied()
        .find(|m| *m != voter)
        .unwrap_or(voter);
    let delivery = VotesDelivery {
        conversation_id: locked.conversation,
        message_id: *message_id,
        up: tally.up,
        down: tally.down,
        votes: each,
    };
    let payload = serde_json::to_string(&delivery).map_err(|e| HandleError::Permanent(e.into()))?;
    outbox::enqueue_internal(
        transaction,
        &InternalMessage {
            exchange: CHAT_DELIVERY_EXCHANGE,
            routing_key: &participants_key(voter, peer),
            kind: kind::VOTES,
            payload: &payload,
        },
    )
    .await
    .map_err(transient)?;
    after.tallies.push((*message_id, tally));
    Ok(())
}
