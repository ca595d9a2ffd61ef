//! `typing`: tell the other participant, if the typist is one. Never stored.

use shared::amqp::HandleError;
use shared::chat::{ChatCommand, CommandEnvelope, TypingDelivery, kind, participants_key};
use shared::http::ErrorCode;

use deadpool_postgres::Transaction;

use super::{AfterCommit, CommandProcessor, transient};
use crate::repository::conversations;

pub(super) async fn apply(
    processor: &CommandProcessor,
    transaction: &Transaction<'_>,
    envelope: &CommandEnvelope,
    after: &mut AfterCommit,
) -> Result<(), HandleError> {
    let ChatCommand::Typing { conversation_id } = &envelope.command else {
        return Ok(());
    };
    let typist = envelope.user_id;
    let members = conversations::members(transaction, *conversation_id)
        .await
        .map_err(transient)?;
    if !members.contains(&typist) {
        return after.reply(processor.error_reply(
            envelope.user_id,
            &envelope.origin,
            ErrorCode::NotFound,
            "There is no such conversation.",
            None,
        ));
    }
    let peer = members
        .iter()
        .copied()
        .find(|m| *m != typist)
        .unwrap_or(typist);
    let delivery = TypingDelivery {
        conversation_id: *conversation_id,
        user_id: typist,
        participants: members,
    };
    after.reply(processor.delivery(participants_key(typist, peer), kind::TYPING, &delivery))
}
