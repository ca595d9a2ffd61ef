//! `typing`: tell the other members, if the typist is one. Never stored.

use shared::amqp::HandleError;
use shared::chat::{TypingCommand, TypingDelivery, kind};

use super::Context;

pub(super) async fn apply(
    ctx: &mut Context<'_>,
    command: &TypingCommand,
) -> Result<(), HandleError> {
    let Some(members) = ctx
        .members_or_refuse(command.conversation_id, "There is no such conversation.")
        .await?
    else {
        return Ok(());
    };
    let delivery = TypingDelivery {
        conversation_id: command.conversation_id,
        user_id: ctx.user,
        recipients: members.clone(),
    };
    ctx.deliver_now(&members, kind::TYPING, &delivery);
    Ok(())
}
