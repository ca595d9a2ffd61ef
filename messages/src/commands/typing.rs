//! `typing`: tell the other participant, if the typist is one. Never stored.

use shared::amqp::HandleError;
use shared::chat::{ChatCommand, CommandEnvelope, TypingDelivery, kind, participants_key};
use shared::http::ErrorCode;

use super::{CommandProcessor, transient};
use crate::repository::conversations;

pub(super) async fn apply(
    processor: &CommandProcessor,
    envelope: &CommandEnvelope,
) -> Result<(), HandleError> {
    let ChatCommand::Typing { conversation_id } = &envelope.command else {
        return Ok(());
    };
    let typist = envelope.user_id;
    let client = processor.db.get().await.map_err(transient)?;
    let members = conversations::members(&client, *conversation_id)
        .await
        .map_err(transient)?;
    drop(client);
    if !members.contains(&typist) {
        return processor
            .reply_error(
                envelope.user_id,
                &envelope.origin,
                ErrorCode::NotFound,
                "There is no such conversation.",
                None,
            )
            .await;
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
    processor
        .deliver(participants_key(typist, peer), kind::TYPING, &delivery)
        .await
}
