//! `vote`: cast, switch or withdraw a vote, counted exactly under the message's row lock.

use shared::amqp::HandleError;
use shared::chat::{VoteCommand, VotesDelivery, kind};
use shared::events::{Envelope, MessageVoted};
use shared::http::ErrorCode;
use shared::outbox;

use super::Context;
use crate::repository::{messages, votes};

/// Someone else's message gets the same answer as one that does not exist.
const NOT_FOUND: &str = "There is no such message.";

pub(super) async fn apply(
    ctx: &mut Context<'_, '_>,
    command: &VoteCommand,
) -> Result<(), HandleError> {
    let message = command.message_id;
    let Some(locked) = votes::lock_message(ctx.transaction, message).await? else {
        return ctx.refuse(ErrorCode::NotFound, NOT_FOUND, None);
    };
    let Some(members) = ctx
        .members_or_refuse(locked.conversation, NOT_FOUND)
        .await?
    else {
        return Ok(());
    };
    if locked.system {
        return ctx.refuse(
            ErrorCode::Forbidden,
            "System messages cannot be voted on.",
            None,
        );
    }
    let (now, tally) = votes::apply(ctx.transaction, message, ctx.user, command.vote).await?;
    let rev = messages::touch(ctx.transaction, message).await?;
    let each = votes::of_members(ctx.transaction, message, &members).await?;

    outbox::enqueue(
        ctx.transaction,
        &Envelope::new(MessageVoted {
            conversation_id: locked.conversation,
            message_id: message,
            voter_id: ctx.user,
            vote: now,
            up: tally.up,
            down: tally.down,
        }),
    )
    .await?;
    let delivery = VotesDelivery {
        conversation_id: locked.conversation,
        message_id: message,
        up: tally.up,
        down: tally.down,
        rev,
        votes: each,
    };
    ctx.deliver_stored(&members, kind::VOTES, &delivery).await?;
    ctx.after.tallies.push((message, tally));
    Ok(())
}
