//! `send`: store a message, once, with the next `seq` of its conversation. The content was
//! checked before it could become a command (it is a [`shared::chat::Content`]).

use deadpool_postgres::Transaction;
use shared::amqp::HandleError;
use shared::chat::{AckDelivery, SendCommand, SendTarget, kind};
use shared::events::{ChatMessage, ConversationKind, MessageKind};
use shared::http::ErrorCode;
use shared::ids::{ConversationId, UserId};

use super::Context;
use crate::repository::messages::NewMessage;
use crate::repository::{conversations, messages, users};
use crate::timeline;

pub(super) async fn apply(
    ctx: &mut Context<'_, '_>,
    command: &SendCommand,
) -> Result<(), HandleError> {
    record_sender(ctx).await?;
    // A repeat is answered with the first send's ack before any other check: the sender may
    // have left the group since.
    if let Some(stored) =
        messages::find_by_client_id(ctx.transaction, ctx.user, &command.client_msg_id).await?
    {
        acknowledge_again(ctx, stored, command);
        return Ok(());
    }
    let Some(Opened {
        conversation,
        receiver,
        members,
    }) = open(ctx, command).await?
    else {
        return Ok(());
    };
    timeline::append(
        ctx.transaction,
        &NewMessage {
            conversation,
            sender: ctx.user,
            receiver,
            kind: MessageKind::User,
            system: None,
            client_msg_id: &command.client_msg_id,
            content: command.content.as_str(),
        },
        &members,
        Some(&ctx.envelope.origin),
    )
    .await?;
    Ok(())
}

/// The conversation a message goes to, locked.
struct Opened {
    conversation: ConversationId,
    /// The other participant, when it is a direct conversation.
    receiver: Option<UserId>,
    /// Everyone in it.
    members: Vec<UserId>,
}

/// Opens the conversation the message goes to, or refuses (no such user, not a member).
async fn open(
    ctx: &mut Context<'_, '_>,
    command: &SendCommand,
) -> Result<Option<Opened>, HandleError> {
    let refuse = |ctx: &mut Context<'_, '_>, message: &str| {
        ctx.refuse(ErrorCode::NotFound, message, Some(&command.client_msg_id))
    };
    match command.target {
        SendTarget::To { to } => {
            if !receiver_exists(ctx, to).await? {
                refuse(ctx, "There is no such user.")?;
                return Ok(None);
            }
            Ok(Some(Opened {
                conversation: lock_pair(ctx.transaction, ctx.user, to).await?,
                receiver: Some(to),
                members: vec![ctx.user, to],
            }))
        }
        SendTarget::Conversation { conversation_id } => {
            let Some(locked) =
                conversations::lock_as_member(ctx.transaction, conversation_id, ctx.user).await?
            else {
                refuse(ctx, "There is no such conversation.")?;
                return Ok(None);
            };
            // A direct conversation named by id keeps its receiver, as if sent `to` the peer.
            let members = conversations::members(ctx.transaction, locked.id).await?;
            let receiver = match locked.kind {
                ConversationKind::Direct => members.iter().copied().find(|m| *m != ctx.user),
                ConversationKind::Group => None,
            };
            Ok(Some(Opened {
                conversation: locked.id,
                receiver,
                members,
            }))
        }
    }
}

/// The sender exists (their token says so) under this name; recorded once per batch.
async fn record_sender(ctx: &mut Context<'_, '_>) -> Result<(), HandleError> {
    let username = &ctx.envelope.username;
    if ctx.after.recorded.insert((ctx.user, username.clone())) {
        users::upsert(ctx.transaction, ctx.user, username).await?;
        ctx.after.known.insert(ctx.user);
    }
    Ok(())
}

/// Whether `to` is an account other than the sender's (remembered for the rest of the batch).
async fn receiver_exists(ctx: &mut Context<'_, '_>, to: UserId) -> Result<bool, HandleError> {
    if to == ctx.user {
        return Ok(false);
    }
    if ctx.after.known.contains(&to) {
        return Ok(true);
    }
    let exists = users::exists(ctx.transaction, to).await?;
    if exists {
        ctx.after.known.insert(to);
    }
    Ok(exists)
}

/// Locks the two-party conversation of `a` and `b`, creating it on their first message (which
/// serialises its writers).
async fn lock_pair(
    transaction: &Transaction<'_>,
    a: UserId,
    b: UserId,
) -> Result<ConversationId, HandleError> {
    if let Some(conversation) = conversations::lock_pair(transaction, a, b).await? {
        return Ok(conversation);
    }
    conversations::create_pair(transaction, a, b).await?;
    conversations::lock_pair(transaction, a, b)
        .await?
        .ok_or_else(|| {
            HandleError::Transient(anyhow::anyhow!("a conversation just created is missing"))
        })
}

/// A repeated send: the message stored the first time, acknowledged again to this connection.
fn acknowledge_again(ctx: &mut Context<'_, '_>, stored: ChatMessage, command: &SendCommand) {
    tracing::debug!(message = %stored.id, "repeated send; acknowledging the stored message again");
    let ack = AckDelivery {
        message: stored,
        client_msg_id: command.client_msg_id.clone(),
        origin: ctx.envelope.origin.clone(),
    };
    ctx.reply(kind::ACK, &ack);
}
