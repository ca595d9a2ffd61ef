//! `message.edited` → the previews of the message's notifications follow the edit. The new text
//! is also noted (see [`crate::repository::fates`]) for a `message.sent` still on its way.

use shared::amqp::{HandleError, Handler};
use shared::events::{Envelope, MessageEdited};

use super::ConsumerContext;
use crate::domain::preview;
use crate::error::NotificationsError;
use crate::repository::{fates, notifications};

/// Keeps previews as the message now reads. Idempotent: a redelivered or older edit changes
/// nothing once a later one is noted.
pub struct MessageEditedHandler(pub ConsumerContext);

impl Handler<MessageEdited> for MessageEditedHandler {
    async fn handle(&self, envelope: Envelope<MessageEdited>) -> Result<(), HandleError> {
        Ok(follow(&self.0, &envelope.data).await?)
    }
}

async fn follow(context: &ConsumerContext, edit: &MessageEdited) -> Result<(), NotificationsError> {
    let preview = preview(&edit.content);
    let mut client = context.db.get().await?;
    let transaction = client.transaction().await?;
    if fates::edited(&transaction, edit.message_id, &preview, edit.edited_at).await? {
        notifications::set_preview(&transaction, edit.message_id, &preview).await?;
    }
    transaction.commit().await?;
    Ok(())
}
