//! `vote`: cast, switch or withdraw a vote, counted exactly under the message's row lock.

use shared::amqp::HandleError;
use shared::chat::{VoteCommand, VotesDelivery, kind};
use shared::events::MessageVoted;
use shared::http::ErrorCode;

use super::Context;
use crate::repository::{messages, votes};

pub(super) async fn apply(ctx: &mut Context<'_>, command: &VoteCommand) -> Result<(), HandleError> {
    let message = command.message_id;
    let Some((locked, members)) = ctx.lock_message_or_refuse(message, "voted on").await? else {
        return Ok(());
    };
    if locked.deleted {
        return ctx.refuse(
            ErrorCode::Forbidden,
            "A deleted message cannot be voted on.",
            None,
        );
    }
    let (now, tally) = votes::apply(ctx.transaction, message, ctx.user, command.vote).await?;
    let rev = messages::touch(ctx.transaction, message).await?;
    let each = votes::of_members(ctx.transaction, message, &members).await?;

    ctx.announce(MessageVoted {
        conversation_id: locked.conversation,
        message_id: message,
        voter_id: ctx.user,
        vote: now,
        up: tally.up,
        down: tally.down,
    });
    let delivery = VotesDelivery {
        conversation_id: locked.conversation,
        message_id: message,
        up: tally.up,
        down: tally.down,
        rev,
        votes: each,
    };
    ctx.deliver_stored(&members, kind::VOTES, &delivery);
    ctx.after.tallies.push((message, tally));
    Ok(())
}
