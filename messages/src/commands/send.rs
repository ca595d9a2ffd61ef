//! `send`: store a message, once, with the next `seq` of its conversation. The content was
//! checked before it could become a command (it is a [`shared::chat::Content`]).

use deadpool_postgres::Transaction;
use shared::amqp::HandleError;
use shared::chat::{AckDelivery, MessageDelivery, SendCommand, kind, node_key};
use shared::events::{ChatMessage, Envelope, MessageSent};
use shared::http::ErrorCode;
use shared::ids::{ConversationId, UserId};
use shared::outbox;

use super::Context;
use crate::repository::messages::NewMessage;
use crate::repository::{conversations, messages, users};

pub(super) async fn apply(
    ctx: &mut Context<'_, '_>,
    command: &SendCommand,
) -> Result<(), HandleError> {
    record_sender(ctx).await?;
    if !receiver_exists(ctx, command.to).await? {
        return ctx.refuse(
            ErrorCode::NotFound,
            "There is no such user.",
            Some(&command.client_msg_id),
        );
    }
    let conversation = lock_pair(ctx.transaction, ctx.user, command.to).await?;
    if let Some(stored) = messages::find_by_client_id(
        ctx.transaction,
        conversation,
        ctx.user,
        &command.client_msg_id,
    )
    .await?
    {
        return acknowledge_again(ctx, stored, command);
    }
    let message = messages::insert_next(
        ctx.transaction,
        &NewMessage {
            conversation,
            sender: ctx.user,
            receiver: command.to,
            client_msg_id: &command.client_msg_id,
            content: &command.content,
        },
    )
    .await?;
    announce(ctx, message, command).await
}

/// The sender exists (their token says so) under this name; recorded once per batch.
async fn record_sender(ctx: &mut Context<'_, '_>) -> Result<(), HandleError> {
    if ctx
        .after
        .recorded
        .insert((ctx.user, ctx.username.to_owned()))
    {
        users::upsert(ctx.transaction, ctx.user, ctx.username).await?;
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

/// Locks the two-party conversation of `a` and `b`, creating it on their first message. Locking
/// it (which serialises its writers) before looking for a repeat means two copies of one send
/// cannot both miss each other.
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
fn acknowledge_again(
    ctx: &mut Context<'_, '_>,
    stored: ChatMessage,
    command: &SendCommand,
) -> Result<(), HandleError> {
    tracing::debug!(message = %stored.id, "repeated send; acknowledging the stored message again");
    let ack = AckDelivery {
        message: stored,
        client_msg_id: command.client_msg_id.clone(),
        origin: ctx.origin.clone(),
    };
    let reply = ctx
        .processor
        .delivery(node_key(&ctx.origin.node), kind::ACK, &ack)?;
    ctx.after.replies.push(reply);
    Ok(())
}

/// `message.sent` on the bus and the message to every socket of both participants, through
/// the outbox, so both happen exactly when the message is committed.
async fn announce(
    ctx: &mut Context<'_, '_>,
    message: ChatMessage,
    command: &SendCommand,
) -> Result<(), HandleError> {
    let event = Envelope::new(MessageSent {
        message: message.clone(),
    });
    let members = [message.sender_id, message.receiver_id];
    let delivery = MessageDelivery {
        message,
        client_msg_id: command.client_msg_id.clone(),
        origin: ctx.origin.clone(),
    };
    // Both rows in one round trip (the client pipelines the two statements). Which of the two
    // comes first does not matter: they go to different exchanges, and both are in the outbox
    // before the next message's rows.
    tokio::try_join!(
        async {
            outbox::enqueue(ctx.transaction, &event)
                .await
                .map_err(HandleError::from)
        },
        ctx.deliver_stored(&members, kind::MESSAGE, &delivery),
    )?;
    Ok(())
}
