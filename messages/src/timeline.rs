//! A conversation's timeline: appending a message with the next `seq`, and announcing it on the
//! bus (`message.sent`) and to every member's sockets, all in the caller's transaction, so that
//! both happen exactly when the message is committed. Users' messages (commands) and system
//! messages (group changes over HTTP) go through here alike, so neither leaves a gap in `seq`.

use deadpool_postgres::GenericClient;
use shared::chat::{Deliveries, MessageDelivery, Origin, kind};
use shared::events::{ChatMessage, Envelope, MessageKind, MessageSent, SystemInfo};
use shared::ids::{ConversationId, UserId};
use shared::outbox::OutboxBatch;

use crate::repository::messages::{self, NewMessage};

/// Stores `new` (its conversation locked by the caller) and announces it to `members`; the
/// connection `origin` sent it (it gets the ack, the sender's other sockets `message.new`).
pub async fn append(
    client: &impl GenericClient,
    new: &NewMessage<'_>,
    members: &[UserId],
    origin: Option<&Origin>,
) -> Result<ChatMessage, tokio_postgres::Error> {
    let message = messages::insert_next(client, new).await?;
    let (mut outbox, mut deliveries) = (OutboxBatch::default(), Deliveries::default());
    announce(
        &mut outbox,
        &mut deliveries,
        &message,
        new.client_msg_id,
        origin,
        members,
    );
    deliveries.write_into(&mut outbox);
    outbox.write(client).await?;
    Ok(message)
}

/// `message.sent` on the bus into `outbox`, and the message to every socket of `members` into
/// `deliveries`, which the caller writes before committing the stored message.
pub fn announce(
    outbox: &mut OutboxBatch,
    deliveries: &mut Deliveries,
    message: &ChatMessage,
    client_msg_id: &str,
    origin: Option<&Origin>,
    members: &[UserId],
) {
    outbox.event(&Envelope::new(MessageSent {
        message: message.clone(),
    }));
    let delivery = MessageDelivery {
        message: message.clone(),
        client_msg_id: client_msg_id.to_owned(),
        origin: origin.cloned(),
        recipients: members.to_vec(),
    };
    deliveries.add(members, kind::MESSAGE, &delivery);
}

/// Records a change of a group as a system message from `actor`, announced to `members`.
pub async fn system(
    client: &impl GenericClient,
    conversation: ConversationId,
    members: &[UserId],
    info: &SystemInfo,
) -> Result<ChatMessage, tokio_postgres::Error> {
    let client_msg_id = format!("system:{}", uuid::Uuid::now_v7());
    append(
        client,
        &NewMessage {
            conversation,
            sender: info.actor_id,
            receiver: None,
            kind: MessageKind::System,
            system: Some(info),
            client_msg_id: &client_msg_id,
            content: "",
            reply_to: None,
        },
        members,
        None,
    )
    .await
}
