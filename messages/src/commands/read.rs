//! `read`: move the reader's watermark forward.

use shared::amqp::HandleError;
use shared::chat::{ReadCommand, ReadDelivery, kind};
use shared::events::{Envelope, MessageRead};
use shared::outbox;

use super::Context;
use crate::repository::{conversations, read_state};

pub(super) async fn apply(
    ctx: &mut Context<'_, '_>,
    command: &ReadCommand,
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
    // Reading past the end means reading everything there is.
    let target = command.seq.min(last_seq);
    let Some(moved_to) =
        read_state::advance(ctx.transaction, conversation, ctx.user, target).await?
    else {
        // Only forward: an older or equal watermark changes nothing and announces nothing.
        return Ok(());
    };

    outbox::enqueue(
        ctx.transaction,
        &Envelope::new(MessageRead {
            conversation_id: conversation,
            reader_id: ctx.user,
            seq: moved_to,
        }),
    )
    .await?;
    let delivery = ReadDelivery {
        conversation_id: conversation,
        reader_id: ctx.user,
        seq: moved_to,
        participants: members.clone(),
    };
    ctx.deliver_stored(&members, kind::READ, &delivery).await
}
