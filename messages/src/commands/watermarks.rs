//! `message.read` and `message.delivered` move a member's watermarks, only forward; reading
//! implies delivered. Both announce what moved to every member and on the bus.

use shared::amqp::HandleError;
use shared::chat::{WatermarkCommand, WatermarkDelivery, kind};
use shared::events::{MessageDelivered, MessageRead};

use super::Context;
use crate::repository::{conversations, read_state};

/// Which watermark a command moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Watermark {
    /// Read (and so delivered).
    Read,
    /// Delivered only.
    Delivered,
}

pub(super) async fn advance(
    ctx: &mut Context<'_>,
    command: &WatermarkCommand,
    which: Watermark,
) -> Result<(), HandleError> {
    let conversation = command.conversation_id;
    let Some(members) = ctx
        .members_or_refuse(conversation, "There is no such conversation.")
        .await?
    else {
        return Ok(());
    };
    let Some(last_seq) = conversations::lock(ctx.transaction, conversation).await? else {
        return Ok(());
    };
    // Past the end means everything there is.
    let target = command.seq.min(last_seq);
    let moved = match which {
        Watermark::Read => {
            read_state::advance_read(ctx.transaction, conversation, ctx.user, target).await?
        }
        Watermark::Delivered => read_state::Moved {
            read: None,
            delivered: read_state::advance_delivered(
                ctx.transaction,
                conversation,
                ctx.user,
                target,
            )
            .await?,
        },
    };
    if moved.read.is_none() && moved.delivered.is_none() {
        // Only forward: an older or equal watermark changes nothing and announces nothing.
        return Ok(());
    }
    if let Some(seq) = moved.read {
        let event = MessageRead {
            conversation_id: conversation,
            reader_id: ctx.user,
            seq,
        };
        ctx.announce(event);
    }
    if let Some(seq) = moved.delivered {
        let event = MessageDelivered {
            conversation_id: conversation,
            user_id: ctx.user,
            seq,
        };
        ctx.announce(event);
    }
    let delivery = WatermarkDelivery {
        conversation_id: conversation,
        user_id: ctx.user,
        read: moved.read,
        delivered: moved.delivered,
        recipients: members.clone(),
    };
    ctx.deliver_stored(&members, kind::WATERMARK, &delivery);
    Ok(())
}
