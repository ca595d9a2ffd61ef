//! Publishing what the command writer's committed batches deliver (their stored facts, then
//! their replies), in commit order, outside the writer's turn.
//!
//! The stored facts go straight to the broker rather than through the outbox: that spares
//! Postgres a row holding every message of the batch again and the relay's read, publish and
//! delete of it, and spares each message the relay's wake-up. What the client protocol already
//! recovers makes that safe: should messages die between a commit and the confirm, a sender
//! sends again and is acknowledged with what was stored, and a recipient who missed a message
//! sees a gap in `seq` at the next one (or catches up when they reconnect) and fetches it.
//!
//! A batch's turn ends with its commit; the broker's confirm of its deliveries (most of a
//! millisecond, more under load) is awaited here, while the writer applies the next batch. One
//! task publishes the batches one after the other, in the order they committed, so a
//! conversation's deliveries keep their order as when the writer published them itself.
//!
//! Should the broker not confirm a batch, its stored facts go to the outbox, for the relay to
//! publish once it can, and so does every batch after it until this task has caught up: it says
//! so ([`Dispatch::relaying`]) before it writes the first, and the writer, which checks inside
//! each batch's transaction, puts the deliveries of batches it commits meanwhile into the outbox
//! itself, behind them. Only once nothing is waiting here, and while it holds the writer's turn
//! (so that no batch is between that check and this queue), does it go back to publishing
//! directly; from then on a batch follows rows still in the outbox through the relay as before
//! (`OutboxBatch::behind`). A batch's replies (refusals, a repeated send's ack, typing) are
//! dropped when its deliveries go to the outbox: a sender still waiting sends again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use deadpool_postgres::Pool;
use shared::amqp::{Outgoing, Publisher};
use shared::chat::hand_to_relay;
use shared::outbox::OutboxBatch;
use shared::service::ServiceInfra;
use shared::telemetry;
use tokio::sync::{Mutex, mpsc};

/// How long what a batch publishes after its commit (its deliveries, and replies: errors,
/// repeated acks, typing) may wait for the broker's confirms.
pub(crate) const CONFIRM_DEADLINE: Duration = Duration::from_secs(5);

/// Committed batches waiting to be published before the writer waits for room: the broker
/// being slow slows the writer down rather than growing this without bound.
const WAITING: usize = 256;

/// What a committed batch delivers.
pub(crate) struct Committed {
    /// Its stored facts (the first `stored`), then its replies.
    pub published: Vec<Outgoing>,
    /// How many of `published` are stored facts.
    pub stored: usize,
}

/// The writer's end of the publishing queue. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Dispatch {
    queue: mpsc::Sender<Committed>,
    relaying: Arc<AtomicBool>,
}

impl Dispatch {
    /// Starts the publishing task; `turn` is the writer's.
    pub(crate) fn start(infra: &ServiceInfra, db: Pool, turn: Arc<Mutex<()>>) -> Self {
        let (queue, waiting) = mpsc::channel(WAITING);
        let relaying = Arc::new(AtomicBool::new(false));
        infra.tasks.spawn(publish_in_order(
            infra.publisher.clone(),
            db,
            waiting,
            relaying.clone(),
            turn,
        ));
        Self { queue, relaying }
    }

    /// Whether a batch committed now must put its deliveries into the outbox: the broker did
    /// not confirm an earlier one, which went there. Read inside the batch's transaction.
    pub(crate) fn relaying(&self) -> bool {
        self.relaying.load(Ordering::Acquire)
    }

    /// Queues a committed batch's publishing, waiting while the queue is full.
    pub(crate) async fn send(&self, committed: Committed) {
        if let Err(returned) = self.queue.send(committed).await {
            // Only while the service stops: nothing publishes any more.
            tracing::warn!(
                deliveries = returned.0.stored,
                "stopping: a committed batch's deliveries were not published"
            );
        }
    }
}

/// Publishes each committed batch in turn until every writer is gone (the service stopped).
async fn publish_in_order(
    publisher: Publisher,
    db: Pool,
    mut waiting: mpsc::Receiver<Committed>,
    relaying: Arc<AtomicBool>,
    turn: Arc<Mutex<()>>,
) {
    while let Some(committed) = waiting.recv().await {
        let stored = &committed.published[..committed.stored];
        if !relaying.load(Ordering::Acquire) {
            match publisher
                .publish_all(&committed.published, CONFIRM_DEADLINE)
                .await
            {
                Ok(()) => {
                    if telemetry::hop_enabled() {
                        let ids = telemetry::hop_ids(stored.iter().map(|m| &m.message_id));
                        telemetry::hop("published", &ids);
                    }
                    continue;
                }
                Err(e) if committed.stored == 0 => {
                    tracing::warn!(error = %e, replies = committed.published.len(), "replies not confirmed; dropped");
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, deliveries = committed.stored, "deliveries not confirmed; handing them and what follows to the outbox relay");
                    relaying.store(true, Ordering::Release);
                }
            }
        }
        relay(&db, stored).await;
        if waiting.is_empty() {
            let _turn = turn.lock().await;
            if waiting.is_empty() {
                relaying.store(false, Ordering::Release);
            }
        }
    }
}

/// Writes `stored` into the outbox for the relay.
async fn relay(db: &Pool, stored: &[Outgoing]) {
    if stored.is_empty() {
        return;
    }
    let mut outbox = OutboxBatch::default();
    hand_to_relay(stored, &mut outbox);
    let written = match db.get().await {
        Ok(client) => outbox.write(&client).await.map_err(anyhow::Error::from),
        Err(e) => Err(e.into()),
    };
    if let Err(e) = written {
        // Stored, and neither published nor in the outbox: a recipient sees the gap in `seq` at
        // the next message, or catches up when they reconnect.
        tracing::error!(error = %format!("{e:#}"), deliveries = stored.len(), "deliveries neither confirmed nor written to the outbox");
    }
}
