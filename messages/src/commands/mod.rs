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

mod delivered;
mod read;
mod send;
mod typing;
mod vote;
mod watermarks;

use std::collections::HashSet;
use std::time::Duration;

use std::sync::Arc;

use deadpool_postgres::{Pool, Transaction};
use serde::Serialize;
use shared::amqp::{ConsumerSpec, HandleError, Outgoing, Publisher, consume_batched};
use shared::chat::{
    ChatCommand, CommandEnvelope, ErrorDelivery, Origin, Route, deliver_after_commit, delivery,
    kind, node_key,
};
use shared::http::ErrorCode;
use shared::ids::{ConversationId, MessageId, UserId};
use shared::service::ServiceInfra;
use tracing::Instrument;

use crate::repository::{conversations, processed, votes::Tally};
use crate::vote_cache::VoteCache;

/// How long the direct replies of a batch (errors, repeated acks, typing) may take to be
/// confirmed.
const REPLY_DEADLINE: Duration = Duration::from_secs(5);

/// Consumes the chat commands queue in batches until the service stops. The queue has one
/// active consumer across replicas (single active consumer), which keeps commands in order.
pub fn start(infra: &ServiceInfra, processor: Arc<CommandProcessor>) {
    let queue = infra.amqp.topology().chat_commands_queue();
    infra.tasks.spawn(consume_batched(
        infra.amqp.clone(),
        ConsumerSpec::new(queue, infra.config.amqp_prefetch),
        |payload| serde_json::from_slice::<CommandEnvelope>(payload).map_err(|e| e.to_string()),
        move |batch| {
            let processor = processor.clone();
            async move { processor.apply_batch(batch).await }
        },
        infra.shutdown.clone(),
    ));
}

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
                let reply = self.error_reply(
                    &envelope,
                    ErrorCode::InvalidField,
                    "This could not be stored.",
                    envelope.command.client_msg_id(),
                );
                self.publish(std::slice::from_ref(&reply)).await?;
                Err(HandleError::Permanent(e))
            }
            outcome => outcome,
        }
    }

    async fn apply_together(&self, batch: &[CommandEnvelope]) -> Result<(), HandleError> {
        let mut client = self.db.get().await?;
        let transaction = client.transaction().await?;
        let stored: Vec<uuid::Uuid> = batch
            .iter()
            .filter(|envelope| envelope.command.is_stored())
            .map(|envelope| envelope.id)
            .collect();
        let repeated = processed::record(&transaction, &stored).await?;
        let mut after = AfterCommit::default();
        for envelope in batch {
            if repeated.contains(&envelope.id) {
                tracing::debug!(id = %envelope.id, "command applied before; skipping the redelivery");
                continue;
            }
            let mut ctx = Context {
                processor: self,
                transaction: &transaction,
                envelope,
                user: envelope.user_id,
                after: &mut after,
            };
            match &envelope.command {
                ChatCommand::Send(command) => send::apply(&mut ctx, command).await?,
                ChatCommand::Read(command) => read::apply(&mut ctx, command).await?,
                ChatCommand::Delivered(command) => delivered::apply(&mut ctx, command).await?,
                ChatCommand::Typing(command) => typing::apply(&mut ctx, command).await?,
                ChatCommand::Vote(command) => vote::apply(&mut ctx, command).await?,
            }
        }
        transaction.commit().await?;

        self.votes.store(&after.tallies).await;
        // A failure here is retried by redelivery: the commands are recorded, so only a
        // repeated send's ack is asked for again (its dedupe answers it), nothing is re-applied.
        self.publish(&after.replies).await
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

    /// A reply to the one node that holds `origin`'s connection.
    fn reply_to_node<T: Serialize>(
        &self,
        origin: &Origin,
        delivery_kind: &str,
        payload: &T,
    ) -> Outgoing {
        let route = Route {
            routing_key: node_key(&origin.node),
            bcc: Vec::new(),
        };
        delivery(
            self.publisher.client().topology(),
            route,
            delivery_kind,
            payload,
        )
    }

    /// Tells the connection that sent `envelope` why it was refused.
    fn error_reply(
        &self,
        envelope: &CommandEnvelope,
        code: ErrorCode,
        message: &str,
        client_msg_id: Option<&str>,
    ) -> Outgoing {
        let error = ErrorDelivery {
            origin: envelope.origin.clone(),
            user_id: envelope.user_id,
            code,
            message: message.to_owned(),
            client_msg_id: client_msg_id.map(str::to_owned),
            request_id: envelope.request_id.clone(),
        };
        self.reply_to_node(&envelope.origin, kind::ERROR, &error)
    }
}

/// What a command's handler works with: the batch's transaction, the command's envelope (who
/// issued it and from where) and what is left for after the commit.
pub(crate) struct Context<'a, 't> {
    processor: &'a CommandProcessor,
    transaction: &'a Transaction<'t>,
    envelope: &'a CommandEnvelope,
    /// The verified user of the connection the command came from.
    user: UserId,
    after: &'a mut AfterCommit,
}

impl Context<'_, '_> {
    /// Refuses the command: an `error` frame to the connection that sent it, after commit.
    fn refuse(
        &mut self,
        code: ErrorCode,
        message: &str,
        client_msg_id: Option<&str>,
    ) -> Result<(), HandleError> {
        let reply = self
            .processor
            .error_reply(self.envelope, code, message, client_msg_id);
        self.after.replies.push(reply);
        Ok(())
    }

    /// The members of `conversation` if the caller is one of them; otherwise refuses with
    /// `not_found`, exactly as for a conversation that does not exist, and returns `None`.
    async fn members_or_refuse(
        &mut self,
        conversation: ConversationId,
        not_found: &str,
    ) -> Result<Option<Vec<UserId>>, HandleError> {
        let members = conversations::members(self.transaction, conversation).await?;
        if members.contains(&self.user) {
            return Ok(Some(members));
        }
        self.refuse(ErrorCode::NotFound, not_found, None)?;
        Ok(None)
    }

    /// A stored fact for every socket of `members`, delivered after commit in commit order.
    async fn deliver_stored<T: Serialize>(
        &self,
        members: &[UserId],
        delivery_kind: &str,
        payload: &T,
    ) -> Result<(), HandleError> {
        Ok(deliver_after_commit(self.transaction, members, delivery_kind, payload).await?)
    }

    /// Something ephemeral for every socket of `members`, published straight after commit.
    fn deliver_now<T: Serialize>(&mut self, members: &[UserId], delivery_kind: &str, payload: &T) {
        if let Some(route) = Route::to(members) {
            let topology = self.processor.publisher.client().topology();
            self.after
                .replies
                .push(delivery(topology, route, delivery_kind, payload));
        }
    }

    /// An answer to the connection that sent the command.
    fn reply<T: Serialize>(&mut self, delivery_kind: &str, payload: &T) {
        let reply = self
            .processor
            .reply_to_node(&self.envelope.origin, delivery_kind, payload);
        self.after.replies.push(reply);
    }
}
