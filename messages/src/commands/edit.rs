//! `edit`: its sender changes a message's text (the same rule as a send's, already checked: it
//! is a [`shared::chat::Content`]); earlier versions are kept. Nobody is notified and no unread
//! count changes; every member's sockets get `message.updated`.

use shared::amqp::HandleError;
use shared::chat::EditCommand;
use shared::events::MessageEdited;
use shared::http::ErrorCode;

use super::Context;
use crate::repository::messages;

pub(super) async fn apply(ctx: &mut Context<'_>, command: &EditCommand) -> Result<(), HandleError> {
    let Some((locked, members)) = ctx
        .lock_message_or_refuse(command.message_id, "edited")
        .await?
    else {
        return Ok(());
    };
    if locked.sender != ctx.user {
        return ctx.refuse(
            ErrorCode::Forbidden,
            "Only its sender can edit a message.",
            None,
        );
    }
    if locked.deleted {
        return ctx.refuse(
            ErrorCode::Forbidden,
            "A deleted message cannot be edited.",
            None,
        );
    }
    let edited_at = messages::edit(
        ctx.transaction,
        command.message_id,
        command.content.as_str(),
    )
    .await?;
    let event = MessageEdited {
        conversation_id: locked.conversation,
        message_id: command.message_id,
        content: command.content.as_str().to_owned(),
        edited_at,
        editor_id: ctx.user,
    };
    ctx.announce(event);
    ctx.announce_change(command.message_id, &members).await
}
