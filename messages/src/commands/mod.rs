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
        self.dispatch(&envelope).instrument(span).await
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

fn transient(e: impl Into<anyhow::Error>) -> HandleError {
    HandleError::Transient(e.into())
}
