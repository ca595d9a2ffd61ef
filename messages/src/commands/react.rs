//! `react`: toggles the caller's reaction with one emoji (already checked: it is a
//! [`shared::chat::Emoji`]); at most 20 different emoji on a message. Counted under the message's
//! row lock, so counts stay exact however many react at once; a redelivered command is skipped
//! (its id is recorded), so it never toggles itself back.

use shared::amqp::HandleError;
use shared::chat::ReactCommand;
use shared::events::MessageReacted;
use shared::http::ErrorCode;

use super::Context;
use crate::repository::reactions::{self, Toggled};

pub(super) async fn apply(
    ctx: &mut Context<'_>,
    command: &ReactCommand,
) -> Result<(), HandleError> {
    let Some((locked, members)) = ctx
        .lock_message_or_refuse(command.message_id, "reacted to")
        .await?
    else {
        return Ok(());
    };
    if locked.deleted {
        return ctx.refuse(
            ErrorCode::Forbidden,
            "A deleted message cannot be reacted to.",
            None,
        );
    }
    let emoji = command.emoji.as_str();
    let added =
        match reactions::toggle(ctx.transaction, command.message_id, ctx.user, emoji).await? {
            Toggled::Added => true,
            Toggled::Removed => false,
            Toggled::TooMany => {
                return ctx.refuse(
                    ErrorCode::InvalidField,
                    "A message can carry at most 20 different emoji.",
                    None,
                );
            }
        };
    let event = MessageReacted {
        conversation_id: locked.conversation,
        message_id: command.message_id,
        user_id: ctx.user,
        emoji: emoji.to_owned(),
        added,
    };
    ctx.announce(event);
    ctx.announce_change(command.message_id, &members).await
}
