//! Applying the chat commands that socket-handler forwards. This is where membership, `seq` and
//! read state are decided: socket-handler only checks a frame's shape.
//!
//! Commands arrive in batches (whatever a queue already holds, or every node has sent on the writer
//! lane, in order) and a batch is applied in one transaction: one commit, and so one fsync, for a
//! burst of messages instead of one each, which is what bounds throughput. What must happen only
//! after the commit (the stored facts for the socket nodes, direct replies, vote counts copied to
//! Redis) is collected in [`AfterCommit`]. If anything in a batch fails, the transaction is rolled
//! back and its commands are applied one by one, so that one bad command cannot hold up the others
//! and each gets its own outcome.
//!
//! A command that cannot succeed (not a member, unknown receiver) is answered with an error to
//! the connection it came from and acknowledged; one that fails for a passing reason (Postgres
//! down) is retried by the broker (from the lane: through the queue kept in memory, where its
//! node hands it). Every stored command's envelope id but a send's is recorded in
//! the same transaction as its effects, so a redelivery after a crash between commit and ack is
//! skipped (a vote applied twice would withdraw itself); a send applied again is recognised by
//! its sender and `clientMsgId`, as a client's resend is.

mod delete;
mod delivered;
mod edit;
mod react;
mod read;
mod send;
mod typing;
mod vote;
mod watermarks;

use std::collections::HashSet;

use std::sync::Arc;

use deadpool_postgres::{Client, Pool};
use serde::Serialize;
use shared::amqp::{
    CHAT_DELIVERY_EXCHANGE, ConsumerSpec, HandleError, Outgoing, Publisher, QueueSpec,
    consume_batched,
};
use shared::chat::{
    ChatCommand, CommandEnvelope, Deliveries, ErrorDelivery, Origin, Route, UpdatedDelivery,
    delivery, hand_to_relay, kind, node_key,
};
use shared::db::{Deferred, PipelinedTransaction};
use shared::events::{Envelope, Event};
use shared::http::ErrorCode;
use shared::ids::{ConversationId, MessageId, UserId};
use shared::outbox::OutboxBatch;
use shared::service::ServiceInfra;
use shared::telemetry;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

use crate::dispatch::{CONFIRM_DEADLINE, Committed, Dispatch};
use crate::repository::votes::{LockedMessage, Tally};
use crate::repository::{attachments, conversations, messages, processed, reactions, votes};
use crate::vote_cache::VoteCache;

/// This replica's command writer: every batch, whether from a commands queue or the writer lane
/// ([`crate::lane`]), is applied in its turn, one at a time, so a batch never waits on another's
/// row locks and there is one writer as before. Cheap to clone.
#[derive(Clone)]
pub struct Writer {
    processor: Arc<CommandProcessor>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl Writer {
    /// Applies `deliveries` (see [`CommandProcessor::apply_batch`]) in this writer's turn.
    pub async fn apply(
        &self,
        deliveries: Vec<Vec<CommandEnvelope>>,
    ) -> Vec<Result<(), HandleError>> {
        let _turn = self.turn.lock().await;
        self.processor.apply_batch(deliveries).await
    }

    /// Consumes `queue` in batches until `until`, each batch in this writer's turn; `applied`
    /// hears the last command of each delivery that will not come again.
    fn consume(
        &self,
        infra: &ServiceInfra,
        queue: QueueSpec,
        until: CancellationToken,
        applied: impl Fn(Uuid) + Send + Sync + 'static,
    ) {
        let writer = self.clone();
        let applied = Arc::new(applied);
        infra.tasks.spawn(consume_batched(
            infra.amqp.clone(),
            ConsumerSpec::new(queue, infra.config.amqp_prefetch),
            decode_commands,
            move |batch| {
                let writer = writer.clone();
                let applied = applied.clone();
                async move {
                    let last: Vec<Option<Uuid>> = batch
                        .iter()
                        .map(|commands| commands.last().map(|c| c.id))
                        .collect();
                    let outcomes = writer.apply(batch).await;
                    for (outcome, last) in outcomes.iter().zip(last) {
                        if let (false, Some(id)) =
                            (matches!(outcome, Err(HandleError::Transient(_))), last)
                        {
                            applied(id);
                        }
                    }
                    outcomes
                }
            },
            until,
        ));
    }

    /// Consumes the commands queue kept in memory (sends and typing from nodes not using the
    /// lane, and what a node's lane handed back) until `until`: only while this replica is the
    /// active writer, so that the lane's batches and these are applied by one writer.
    pub fn consume_sends(
        &self,
        infra: &ServiceInfra,
        until: CancellationToken,
        applied: impl Fn(Uuid) + Send + Sync + 'static,
    ) {
        let queue = infra.amqp.topology().chat_sends_queue();
        self.consume(infra, queue, until, applied);
    }
}

/// Starts this replica's writer, applying commands over `db` (see [`CommandProcessor::db`]),
/// on the commands queue on disk (one active consumer across replicas, which keeps its commands
/// in order), and returns it, for the sends (see [`Writer::consume_sends`] and [`crate::lane`]).
pub fn start(infra: &ServiceInfra, db: Pool, votes: VoteCache) -> Writer {
    let turn = Arc::new(tokio::sync::Mutex::new(()));
    let processor = CommandProcessor {
        dispatch: Dispatch::start(infra, db.clone(), turn.clone()),
        db,
        publisher: infra.publisher.clone(),
        votes,
    };
    let writer = Writer {
        processor: Arc::new(processor),
        turn,
    };
    let queue = infra.amqp.topology().chat_commands_queue();
    writer.consume(infra, queue, infra.shutdown.clone(), |_| {});
    writer
}

/// A delivery of the commands queue: the commands of one publish of a socket-handler node, as a
/// JSON array (or one command alone).
fn decode_commands(payload: &[u8]) -> Result<Vec<CommandEnvelope>, String> {
    if payload.first() == Some(&b'[') {
        serde_json::from_slice(payload).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice(payload)
            .map(|envelope| vec![envelope])
            .map_err(|e| e.to_string())
    }
}

/// Applies commands.
pub struct CommandProcessor {
    /// messages' database, over connections that plan each statement once and find rows by key
    /// ([`shared::db::keyed_pool`]): every statement of the write path is a lookup by key.
    pub db: Pool,
    /// For direct replies.
    pub publisher: Publisher,
    /// Where committed vote counts are copied.
    pub votes: VoteCache,
    /// Where what a committed batch delivers is published from, in commit order.
    dispatch: Dispatch,
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
    /// Events of the batch, written to the outbox in one statement before the commit.
    outbox: OutboxBatch,
    /// Stored facts for the socket nodes, published straight after the commit (see
    /// [`crate::dispatch`]).
    deliveries: Deliveries,
    /// A run's insert of its messages, which nothing waits for: it goes out with the next
    /// statement that could read what it writes ([`Self::send_pending`]), or with COMMIT.
    pending: Option<Deferred>,
}

impl AfterCommit {
    /// Sends the write held back, if any, and waits for it: before a statement that could read
    /// what it writes.
    pub(crate) async fn send_pending(&mut self, transaction: &Client) -> Result<(), HandleError> {
        if let Some(pending) = self.pending.take() {
            pending.execute(transaction).await?;
        }
        Ok(())
    }

    /// Holds `write` back until the next statement that could read it; one held before (which
    /// the batch's order of work never leaves) is sent first rather than lost.
    pub(crate) async fn hold(
        &mut self,
        transaction: &Client,
        write: Option<Deferred>,
    ) -> Result<(), HandleError> {
        self.send_pending(transaction).await?;
        self.pending = write;
        Ok(())
    }
}

impl CommandProcessor {
    /// Applies a batch of commands, in order, and returns one outcome per command.
    /// `deliveries` are what the queue held (each one publish of a socket-handler node,
    /// carrying one or more commands): one outcome per delivery.
    pub async fn apply_batch(
        &self,
        deliveries: Vec<Vec<CommandEnvelope>>,
    ) -> Vec<Result<(), HandleError>> {
        let all: Vec<CommandEnvelope> = deliveries.iter().flatten().cloned().collect();
        if telemetry::hop_enabled() {
            telemetry::hop("consume", &telemetry::hop_ids(all.iter().map(|e| e.id)));
        }
        if all.len() > 1 {
            let span = tracing::info_span!("commands", count = all.len());
            match self.apply_together(&all).instrument(span).await {
                Ok(()) => return deliveries.iter().map(|_| Ok(())).collect(),
                Err(e) => {
                    tracing::warn!(count = all.len(), error = %e, "a batch failed; applying its commands one by one");
                }
            }
        }
        let mut outcomes = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            outcomes.push(self.apply_delivery(delivery).await);
        }
        outcomes
    }

    /// Applies one delivery's commands one by one. A command that can never be applied is
    /// refused to its sender and logged; the delivery goes to the dead-letter queue only when
    /// every command in it is such (the others must not be held back by it); a passing failure
    /// has the whole delivery retried (the commands applied already are recognised then).
    async fn apply_delivery(&self, delivery: Vec<CommandEnvelope>) -> Result<(), HandleError> {
        let count = delivery.len();
        let mut refused = Vec::new();
        for envelope in delivery {
            match self.apply(envelope).await {
                Ok(()) => {}
                Err(HandleError::Permanent(e)) => refused.push(e),
                Err(transient) => return Err(transient),
            }
        }
        match refused.pop() {
            Some(e) if refused.len() + 1 == count => Err(HandleError::Permanent(e)),
            Some(e) => {
                tracing::error!(error = %format!("{e:#}"), refused = refused.len() + 1, "commands that can never be applied were refused and dropped");
                Ok(())
            }
            None => Ok(()),
        }
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
        // BEGIN and COMMIT share round trips with the batch's first and last statements: every
        // round trip here is one the whole batch, and the batches queued behind it, wait for.
        let mut after = AfterCommit::default();
        let (transaction, ()) = PipelinedTransaction::new(self.db.get().await?)
            .begin_with(async |client| self.apply_in(client, batch, &mut after).await)
            .await?;
        let mut published =
            std::mem::take(&mut after.deliveries).into_outgoing(self.publisher.client().topology());
        // A conversation's deliveries keep their order. Those of a group change made over HTTP
        // (and any the broker did not confirm) go out through the outbox relay; while any are
        // still there, this batch's are written behind them, for the relay to publish in turn,
        // rather than overtake them. The check runs after this batch's locks are held, so it
        // sees every change committed before this batch in its conversations. While a batch
        // the broker did not confirm is on its way there (see `crate::dispatch`), this batch's
        // go there too.
        let behind = if self.dispatch.relaying() {
            hand_to_relay(&published, &mut after.outbox);
            published.clear();
            None
        } else {
            let mut behind = OutboxBatch::default();
            hand_to_relay(&published, &mut behind);
            match behind
                .behind(transaction.client(), CHAT_DELIVERY_EXCHANGE)
                .await
            {
                Ok(behind) => behind,
                Err(e) => {
                    transaction.rollback().await;
                    return Err(e.into());
                }
            }
        };
        let handed = after
            .outbox
            .write_and_commit(transaction, after.pending.as_ref(), behind.as_ref())
            .await?;
        if handed > 0 {
            tracing::debug!(
                deliveries = handed,
                "deliveries still in the outbox; this batch's follow them through the relay"
            );
            published.clear();
        }
        let stored = published.len();
        if telemetry::hop_enabled() {
            let commands = telemetry::hop_ids(batch.iter().map(|e| e.id));
            let deliveries = telemetry::hop_ids(published.iter().map(|m| &m.message_id));
            telemetry::hop("commit", &format!("{commands}|{deliveries}"));
        }

        self.votes.store(&after.tallies).await;
        published.append(&mut after.replies);
        self.dispatch.send(Committed { published, stored }).await;
        Ok(())
    }

    /// The batch's statements, inside its transaction; what is left for the commit and after
    /// it is gathered in `after`.
    async fn apply_in(
        &self,
        transaction: &Client,
        batch: &[CommandEnvelope],
        after: &mut AfterCommit,
    ) -> Result<(), HandleError> {
        // A send needs no record: applied again, it finds its message by its sender and
        // `clientMsgId` and is answered with it. Sparing the record spares a batch of sends a
        // round trip.
        let stored: Vec<uuid::Uuid> = batch
            .iter()
            .filter(|envelope| envelope.command.is_stored() && !is_send(envelope))
            .map(|envelope| envelope.id)
            .collect();
        let repeated = processed::record(transaction, &stored).await?;
        // A command the broker delivered twice may also sit twice in one batch, where the
        // database has not seen it yet.
        let mut in_batch = HashSet::with_capacity(batch.len());
        let fresh: Vec<&CommandEnvelope> = batch
            .iter()
            .filter(|envelope| {
                let again = repeated.contains(&envelope.id) || !in_batch.insert(envelope.id);
                if again {
                    tracing::debug!(id = %envelope.id, "command applied before; skipping the redelivery");
                }
                !again
            })
            .collect();
        // Consecutive sends are applied as one run (see `send`); anything else one by one.
        for group in fresh.chunk_by(|a, b| is_send(a) && is_send(b)) {
            // What the group before held back goes first: this one may read it (its seqs, its
            // messages). A batch of sends alone is one run, whose insert goes with COMMIT.
            after.send_pending(transaction).await?;
            if let [envelope] = group
                && !is_send(envelope)
            {
                self.apply_one(transaction, envelope, after).await?;
                continue;
            }
            let run: Vec<send::Send<'_>> = group
                .iter()
                .filter_map(|envelope| match &envelope.command {
                    ChatCommand::Send(command) => Some((*envelope, command)),
                    _ => None,
                })
                .collect();
            send::apply_run(self, transaction, &run, after).await?;
        }
        Ok(())
    }

    /// Applies one command other than a send.
    async fn apply_one(
        &self,
        transaction: &Client,
        envelope: &CommandEnvelope,
        after: &mut AfterCommit,
    ) -> Result<(), HandleError> {
        let mut ctx = Context {
            processor: self,
            transaction,
            envelope,
            user: envelope.user_id,
            after,
        };
        match &envelope.command {
            ChatCommand::Send(command) => {
                send::apply_run(self, transaction, &[(envelope, command)], ctx.after).await
            }
            ChatCommand::Read(command) => read::apply(&mut ctx, command).await,
            ChatCommand::Delivered(command) => delivered::apply(&mut ctx, command).await,
            ChatCommand::Typing(command) => typing::apply(&mut ctx, command).await,
            ChatCommand::Vote(command) => vote::apply(&mut ctx, command).await,
            ChatCommand::Edit(command) => edit::apply(&mut ctx, command).await,
            ChatCommand::Delete(command) => delete::apply(&mut ctx, command).await,
            ChatCommand::React(command) => react::apply(&mut ctx, command).await,
        }
    }

    async fn publish(&self, replies: &[Outgoing]) -> Result<(), HandleError> {
        if replies.is_empty() {
            return Ok(());
        }
        self.publisher
            .publish_all(replies, CONFIRM_DEADLINE)
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

fn is_send(envelope: &CommandEnvelope) -> bool {
    matches!(envelope.command, ChatCommand::Send(_))
}

/// What a command's handler works with: the batch's transaction, the command's envelope (who
/// issued it and from where) and what is left for after the commit.
pub(crate) struct Context<'a> {
    processor: &'a CommandProcessor,
    transaction: &'a Client,
    envelope: &'a CommandEnvelope,
    /// The verified user of the connection the command came from.
    user: UserId,
    after: &'a mut AfterCommit,
}

impl Context<'_> {
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

    /// Locks `message` for a change by the caller: refuses with `not_found` unless they are a
    /// member of its conversation (as for a message that does not exist), and with `forbidden`
    /// for a system message, which nobody changes. Returns it with the members.
    async fn lock_message_or_refuse(
        &mut self,
        message: MessageId,
        what: &str,
    ) -> Result<Option<(LockedMessage, Vec<UserId>)>, HandleError> {
        const NOT_FOUND: &str = "There is no such message.";
        let Some(locked) = votes::lock_message(self.transaction, message).await? else {
            self.refuse(ErrorCode::NotFound, NOT_FOUND, None)?;
            return Ok(None);
        };
        let Some(members) = self
            .members_or_refuse(locked.conversation, NOT_FOUND)
            .await?
        else {
            return Ok(None);
        };
        if locked.system {
            let refusal = format!("System messages cannot be {what}.");
            self.refuse(ErrorCode::Forbidden, &refusal, None)?;
            return Ok(None);
        }
        Ok(Some((locked, members)))
    }

    /// `message.updated` for every member, each with their own `mine`, after commit: the
    /// message as it is now (after an edit, a delete or a reaction), with a new `rev`.
    async fn announce_change(
        &mut self,
        message: MessageId,
        members: &[UserId],
    ) -> Result<(), HandleError> {
        let rev = messages::touch(self.transaction, message).await?;
        let Some(mut changed) = messages::by_id(self.transaction, message).await? else {
            return Ok(());
        };
        changed.rev = rev;
        let reactors = reactions::reactors(self.transaction, message).await?;
        changed.reactions = reactions::tally(&reactors);
        changed.attachments = attachments::of_messages(self.transaction, &[message.as_uuid()])
            .await?
            .remove(&message.as_uuid())
            .unwrap_or_default();
        if let Some(reply) = changed.reply_to.as_mut()
            && let Some(now) = messages::replied(self.transaction, &[reply.id.as_uuid()])
                .await?
                .pop()
        {
            *reply = now;
        }
        let votes = votes::of_members(self.transaction, message, members)
            .await?
            .into_iter()
            .filter_map(|(user, vote)| vote.map(|vote| (user, vote)))
            .collect();
        let delivery = UpdatedDelivery {
            message: changed,
            recipients: members.to_vec(),
            votes,
            reactors,
        };
        self.deliver_stored(members, kind::UPDATED, &delivery);
        Ok(())
    }

    /// A stored fact for every socket of `members`: published after commit, in commit order,
    /// ahead of the batch's replies.
    fn deliver_stored<T: Serialize>(
        &mut self,
        members: &[UserId],
        delivery_kind: &str,
        payload: &T,
    ) {
        self.after.deliveries.add(members, delivery_kind, payload);
    }

    /// A public event, through the outbox: published after commit, in commit order.
    fn announce<E: Event>(&mut self, event: E) {
        self.after.outbox.event(&Envelope::new(event));
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
