//! Applying the chat commands that socket-handler forwards. This is where membership, `seq` and
//! read state are decided: socket-handler only checks a frame's shape.
//!
//! A command that cannot succeed (not a member, unknown receiver) is answered with an error to
//! the connection it came from and acknowledged; one that fails for a passing reason (Postgres
//! down) is retried by the broker, which is safe because every command is idempotent.

mod read;
mod send;
mod typing;
mod vote;

use std::time::Duration;

use deadpool_postgres::Pool;
use serde::Serialize;
use shared::amqp::{HandleError, Outgoing, Publisher};
use shared::chat::{ChatCommand, CommandEnvelope, ErrorDelivery, Origin, kind, node_key};
use shared::http::ErrorCode;
use shared::ids::UserId;

use crate::vote_cache::VoteCache;
use tracing::Instrument;

/// How long a direct reply (an error, a repeated ack, typing) may take to be confirmed.
const REPLY_DEADLINE: Duration = Duration::from_secs(5);

/// Applies commands.
pub struct CommandProcessor {
    /// messages' database.
    pub db: Pool,
    /// For direct replies.
    pub publisher: Publisher,
    /// Where committed vote counts are copied.
    pub votes: VoteCache,
}

impl CommandProcessor {
    /// Applies one command.
    pub async fn apply(&self, envelope: CommandEnvelope) -> Result<(), HandleError> {
        let span = tracing::info_span!("command", id = %envelope.id, user = %envelope.user_id);
        match self.dispatch(&envelope).instrument(span).await {
            // Retrying cannot help: tell the sender rather than leave them waiting, then let
            // the command go to the dead-letter queue for a human to look at.
            Err(HandleError::Permanent(e)) => {
                let client_msg_id = match &envelope.command {
                    ChatCommand::Send { client_msg_id, .. } => Some(client_msg_id.as_str()),
                    _ => None,
                };
                self.reply_error(
                    envelope.user_id,
                    &envelope.origin,
                    ErrorCode::InvalidField,
                    "This could not be stored.",
                    client_msg_id,
                )
                .await?;
                Err(HandleError::Permanent(e))
            }
            outcome => outcome,
        }
    }

    async fn dispatch(&self, envelope: &CommandEnvelope) -> Result<(), HandleError> {
        match &envelope.command {
            ChatCommand::Send { .. } => send::apply(self, envelope).await,
            ChatCommand::Read { .. } => read::apply(self, envelope).await,
            ChatCommand::Typing { .. } => typing::apply(self, envelope).await,
            ChatCommand::Vote { .. } => vote::apply(self, envelope).await,
        }
    }

    /// Publishes a delivery straight to the chat delivery exchange (not through the outbox: what
    /// goes this way is either ephemeral or can be asked for again).
    async fn deliver<T: Serialize>(
        &self,
        routing_key: String,
        delivery_kind: &str,
        payload: &T,
    ) -> Result<(), HandleError> {
        let message = Outgoing {
            exchange: self.publisher.client().topology().chat_delivery_exchange(),
            routing_key,
            kind: delivery_kind.to_owned(),
            message_id: uuid::Uuid::now_v7().to_string(),
            payload: serde_json::to_vec(payload).map_err(|e| HandleError::Permanent(e.into()))?,
        };
        self.publisher
            .publish_all(std::slice::from_ref(&message), REPLY_DEADLINE)
            .await
            .map_err(|e| HandleError::Transient(e.into()))
    }

    /// Tells the connection that sent a command why it was refused.
    async fn reply_error(
        &self,
        user: UserId,
        origin: &Origin,
        code: ErrorCode,
        message: &str,
        client_msg_id: Option<&str>,
    ) -> Result<(), HandleError> {
        let delivery = ErrorDelivery {
            origin: origin.clone(),
            user_id: user,
            code,
            message: message.to_owned(),
            client_msg_id: client_msg_id.map(str::to_owned),
        };
        self.deliver(node_key(&origin.node), kind::ERROR, &delivery)
            .await
    }
}

/// A database error that will not go away by retrying (bad data, a broken constraint) is
/// permanent; anything else (an outage) is worth retrying.
fn transient(e: impl Into<anyhow::Error>) -> HandleError {
    let error: anyhow::Error = e.into();
    let permanent = error
        .downcast_ref::<tokio_postgres::Error>()
        .and_then(tokio_postgres::Error::code)
        .is_some_and(|code| code.code().starts_with("22") || code.code().starts_with("23"));
    if permanent {
        HandleError::Permanent(error)
    } else {
        HandleError::Transient(error)
    }
}
