//! Applying the chat commands that socket-handler forwards. This is where membership, `seq` and
//! read state are decided: socket-handler only checks a frame's shape.
//!
//! Commands arrive in batches (whatever the queue already holds, in order) and a batch is
//! applied in one transaction: one commit, and so one fsync, for a burst of messages instead of
//! one each, which is what bounds throughput. What must happen only after the commit (direct
//! replies, vote counts copied to Redis) is collected in [`AfterCommit`]. If anything in a
//! batch fails, the transaction is rolled back and its commands are applied one by one, so that
//! one bad command cannot hold up the others and each gets its own outcome.
//!
//! A command that cannot succeed (not a member, unknown receiver) is answered with an error to
//! the connection it came from and acknowledged; one that fails for a passing reason (Postgres
//! down) is retried by the broker. Every stored command's envelope id is recorded in the same
//! transaction as its effects, so a redelivery after a crash between commit and ack is skipped
//! (a vote applied twice would withdraw itself).

mod read;
mod send;
mod typing;
mod vote;

use std::collections::HashSet;
use std::time::Duration;

use deadpool_postgres::{Pool, Transaction};
use serde::Serialize;
use shared::amqp::{HandleError, Outgoing, Publisher};
use shared::chat::{ChatCommand, CommandEnvelope, ErrorDelivery, Origin, kind, node_key};
use shared::http::ErrorCode;
use shared::ids::{MessageId, UserId};
use tracing::Instrument;

use crate::repository::{processed, votes::Tally};
use crate::vote_cache::VoteCache;

/// How long the direct replies of a batch (errors, repeated acks, typing) may take to be
/// confirmed.
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

/// What a batch leaves to do once its transaction has committed, and what it has already
/// established inside that transaction (so a burst from one user checks them once).
#[derive(Default)]
pub(crate) struct AfterCommit {
    /// Deliveries straight to the chat delivery exchange (not through the outbox: what goes
    /// this way is either ephemeral or can be asked for again).
    replies: Vec<Outgoing>,
    /// Committed vote counts for the cache.
    tallies: Vec<(MessageId, Tally)>,
    /// Senders recorded under these names in this transaction.
    recorded: HashSet<(UserId, String)>,
    /// Accounts known to exist.
    known: HashSet<UserId>,
}

impl CommandProcessor {
    /// Applies a batch of commands, in order, and returns one outcome per command.
    pub async fn apply_batch(&self, batch: Vec<CommandEnvelope>) -> Vec<Result<(), HandleError>> {
        if batch.len() > 1 {
            let span = tracing::info_span!("commands", count = batch.len());
            match self.apply_together(&batch).instrument(span).await {
                Ok(()) => return batch.iter().map(|_| Ok(())).collect(),
                Err(e) => {
                    tracing::warn!(count = batch.len(), error = %e, "a batch failed; applying its commands one by one");
                }
            }
        }
        let mut outcomes = Vec::with_capacity(batch.len());
        for envelope in batch {
            outcomes.push(self.apply(envelope).await);
        }
        outcomes
    }

    /// Applies one command in its own transaction.
    pub async fn apply(&self, envelope: CommandEnvelope) -> Result<(), HandleError> {
        let span = tracing::info_span!("command", id = %envelope.id, user = %envelope.user_id);
        match self
            .apply_together(std::slice::from_ref(&envelope))
            .instrument(span)
            .await
        {
            // Retrying cannot help: tell the sender rather than leave them waiting, then let
            // the command go to the dead-letter queue for a human to look at.
            Err(HandleError::Permanent(e)) => {
                let client_msg_id = match &envelope.command {
                    ChatCommand::Send { client_msg_id, .. } => Some(client_msg_id.as_str()),
                    _ => None,
                };
                let reply = self.error_reply(
                    envelope.user_id,
                    &envelope.origin,
                    ErrorCode::InvalidField,
                    "This could not be stored.",
                    client_msg_id,
                )?;
                self.publish(std::slice::from_ref(&reply)).await?;
                Err(HandleError::Permanent(e))
            }
            outcome => outcome,
        }
    }

    async fn apply_together(&self, batch: &[CommandEnvelope]) -> Result<(), HandleError> {
        let mut client = self.db.get().await.map_err(transient)?;
        let transaction = client.transaction().await.map_err(transient)?;
        let stored: Vec<uuid::Uuid> = batch
            .iter()
            .filter(|envelope| !matches!(envelope.command, ChatCommand::Typing { .. }))
            .map(|envelope| envelope.id)
            .collect();
        let repeated = processed::record(&transaction, &stored)
            .await
            .map_err(transient)?;
        let mut after = AfterCommit::default();
        for envelope in batch {
            if repeated.contains(&envelope.id) {
                tracing::debug!(id = %envelope.id, "command applied before; skipping the redelivery");
                continue;
            }
            self.dispatch(&transaction, envelope, &mut after).await?;
        }
        transaction.commit().await.map_err(transient)?;

        self.votes.store(&after.tallies).await;
        // A failure here is retried by redelivery: the commands are recorded, so only a
        // repeated send's ack is asked for again (its dedupe answers it), nothing is re-applied.
        self.publish(&after.replies).await
    }

    async fn dispatch(
        &self,
        transaction: &Transaction<'_>,
        envelope: &CommandEnvelope,
        after: &mut AfterCommit,
    ) -> Result<(), HandleError> {
        match &envelope.command {
            ChatCommand::Send { .. } => send::apply(self, transaction, envelope, after).await,
            ChatCommand::Read { .. } => read::apply(self, transaction, envelope, after).await,
            ChatCommand::Typing { .. } => typing::apply(self, transaction, envelope, after).await,
            ChatCommand::Vote { .. } => vote::apply(self, transaction, envelope, after).await,
        }
    }

    async fn publish(&self, replies: &[Outgoing]) -> Result<(), HandleError> {
        if replies.is_empty() {
            return Ok(());
        }
        self.publisher
            .publish_all(replies, REPLY_DEADLINE)
            .await
            .map_err(|e| HandleError::Transient(e.into()))
    }

    /// A delivery for the chat delivery exchange.
    fn delivery<T: Serialize>(
        &self,
        routing_key: String,
        delivery_kind: &str,
        payload: &T,
    ) -> Result<Outgoing, HandleError> {
        Ok(Outgoing {
            exchange: self.publisher.client().topology().chat_delivery_exchange(),
            routing_key,
            kind: delivery_kind.to_owned(),
            message_id: uuid::Uuid::now_v7().to_string(),
            payload: serde_json::to_vec(payload).map_err(|e| HandleError::Permanent(e.into()))?,
        })
    }

    /// Tells the connection that sent a command why it was refused.
    fn error_reply(
        &self,
        user: UserId,
        origin: &Origin,
        code: ErrorCode,
        message: &str,
        client_msg_id: Option<&str>,
    ) -> Result<Outgoing, HandleError> {
        let delivery = ErrorDelivery {
            origin: origin.clone(),
            user_id: user,
            code,
            message: message.to_owned(),
            client_msg_id: client_msg_id.map(str::to_owned),
        };
        self.delivery(node_key(&origin.node), kind::ERROR, &delivery)
    }
}

impl AfterCommit {
    fn reply(&mut self, reply: Result<Outgoing, HandleError>) -> Result<(), HandleError> {
        self.replies.push(reply?);
        Ok(())
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
