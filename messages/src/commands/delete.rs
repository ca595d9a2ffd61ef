//! `delete`: its sender, or in a group the owner (any message) or an admin (a member's message),
//! turns a message into a tombstone: same id and seq, no text, reply, votes, reactions, revisions
//! or files. Unread counts forget it; every member's sockets get `message.updated`.

use shared::amqp::HandleError;
use shared::chat::DeleteCommand;
use shared::events::{ConversationKind, MessageDeleted, Role};
use shared::http::ErrorCode;

use super::Context;
use crate::domain::role::{GroupAction, permits};
use crate::repository::{attachments, conversations, messages};

pub(super) async fn apply(
    ctx: &mut Context<'_>,
    command: &DeleteCommand,
) -> Result<(), HandleError> {
    let Some((locked, members)) = ctx
        .lock_message_or_refuse(command.message_id, "deleted")
        .await?
    else {
        return Ok(());
    };
    if locked.sender != ctx.user && !may_delete_others(ctx, &locked).await? {
        return ctx.refuse(
            ErrorCode::Forbidden,
            "Only its sender, or in a group the owner or an admin, can delete a message.",
            None,
        );
    }
    if !messages::tombstone(ctx.transaction, command.message_id).await? {
        // Already a tombstone: deleting it again changes nothing.
        return Ok(());
    }
    // Its files go with it: marked here, deleted from storage by the sweep after the commit.
    attachments::discard_of_message(ctx.transaction, command.message_id).await?;
    let event = MessageDeleted {
        conversation_id: locked.conversation,
        message_id: command.message_id,
        deleted_by: ctx.user,
    };
    ctx.announce(event);
    ctx.announce_change(command.message_id, &members).await
}

/// Whether the caller's role in the message's group lets them delete someone else's message (a
/// sender who has left counts as a member).
async fn may_delete_others(
    ctx: &Context<'_>,
    locked: &crate::repository::votes::LockedMessage,
) -> Result<bool, HandleError> {
    let group = conversations::lock_as_member(ctx.transaction, locked.conversation, ctx.user)
        .await?
        .filter(|group| group.kind == ConversationKind::Group);
    let Some(group) = group else {
        return Ok(false);
    };
    let sender_role = conversations::role_of(ctx.transaction, locked.conversation, locked.sender)
        .await?
        .unwrap_or(Role::Member);
    Ok(permits(
        group.role,
        GroupAction::DeleteMessageOf(sender_role),
    ))
}
