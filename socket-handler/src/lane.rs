//! The writer lane's node side (the protocol is [`shared::chat::lane`]): this node's sends and
//! typing notices go to messages' active writer over a connection of its own, and through the
//! commands queue kept in memory whenever the lane cannot take them.
//!
//! The forwarder owns the [`WriterLane`]. Each batch it is handed goes out on the lane if the
//! lane is open, or opens it (the writer's address is in Redis; at most one attempt per
//! [`RETRY`]); otherwise it is given back for the queue. A batch on the lane is remembered until
//! the writer answers it. If the connection breaks, the writer answers that it could not apply a
//! batch, or a batch waits past the deadline, the lane closes and every batch it still holds is
//! given back, in order, ahead of anything newer: the queue brings them to the writer (possibly
//! a new one), which recognises what it had applied already. When the lane opens again, it first
//! names the last command this node sent through the queue, and the writer applies that one
//! before anything on the lane, so the node's commands keep their order across the switch.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use redis::AsyncCommands;
use shared::cache::Cache;
use shared::chat::CommandEnvelope;
use shared::chat::lane::{self, Outcome};
use tokio::io::{AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::Notify;
use tokio::time::Instant;
use uuid::Uuid;

/// The least time between two attempts to open the lane.
const RETRY: Duration = Duration::from_millis(500);

/// How long opening the lane (connecting and the handshake) may take.
const OPENING: Duration = Duration::from_secs(1);

/// A node's lane to the writer. Owned by the forwarding task.
pub struct WriterLane {
    /// Where the writer's address is.
    cache: Cache,
    /// What this node proves it holds.
    secret: Vec<u8>,
    /// How long the writer may take to answer a batch.
    deadline: Duration,
    /// The open connection, if any.
    open: Option<Open>,
    /// No attempt to open the lane before this.
    retry_at: Instant,
    /// The last command sent through the queue since the lane was last open.
    queued_last: Option<Uuid>,
    /// Told when a closing lane has batches to give back.
    returned: Arc<Notify>,
    /// Batch ids, increasing.
    next_id: u64,
}

struct Open {
    writer: BufWriter<OwnedWriteHalf>,
    state: Arc<Mutex<State>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// What the forwarder and the connection's reader share.
#[derive(Default)]
struct State {
    closed: bool,
    /// Batches sent and not yet answered, by id (so in the order sent).
    pending: BTreeMap<u64, Pending>,
    /// What a closed lane gives back, in order.
    returned: Vec<CommandEnvelope>,
}

struct Pending {
    sent: Instant,
    commands: Vec<CommandEnvelope>,
}

impl State {
    /// Closes the lane: every batch still pending is given back.
    fn close(&mut self) {
        self.closed = true;
        let pending = std::mem::take(&mut self.pending);
        self.returned
            .extend(pending.into_values().flat_map(|batch| batch.commands));
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl WriterLane {
    /// A lane that opens on first use. `secret` is [`lane::secret`] of the broker URL.
    pub fn new(cache: Cache, secret: Vec<u8>, deadline: Duration) -> Self {
        Self {
            cache,
            secret,
            deadline,
            open: None,
            retry_at: Instant::now(),
            queued_last: None,
            returned: Arc::new(Notify::new()),
            next_id: 0,
        }
    }

    /// Completes when a closed lane has given batches back (see [`Self::send`]).
    pub async fn returned(&self) {
        self.returned.notified().await;
    }

    /// Sends `commands` on the lane if it can; returns what must go through the queue instead, in
    /// order: what a closed lane gave back, then `commands` if the lane did not take them.
    pub async fn send(&mut self, commands: Vec<CommandEnvelope>) -> Vec<CommandEnvelope> {
        let mut to_queue = self.take_returned();
        if commands.is_empty() {
            return self.queued(to_queue);
        }
        if !to_queue.is_empty() || !self.ensure_open().await {
            to_queue.extend(commands);
            return self.queued(to_queue);
        }
        let Some(open) = self.open.as_mut() else {
            to_queue.extend(commands);
            return self.queued(to_queue);
        };
        let id = self.next_id;
        self.next_id += 1;
        let body = match lane::encode_batch(id, &commands.iter().collect::<Vec<_>>()) {
            Ok(body) => body,
            Err(e) => {
                tracing::error!(error = %e, "cannot serialise commands for the lane");
                to_queue.extend(commands);
                return self.queued(to_queue);
            }
        };
        {
            let mut state = lock(&open.state);
            if state.closed {
                // Closed since `take_returned`: what it gave back goes first.
                drop(state);
                to_queue = self.take_returned();
                to_queue.extend(commands);
                return self.queued(to_queue);
            }
            state.pending.insert(
                id,
                Pending {
                    sent: Instant::now(),
                    commands,
                },
            );
        }
        let written = tokio::time::timeout(self.deadline, async {
            lane::write_frame(&mut open.writer, &body).await?;
            open.writer.flush().await
        })
        .await;
        if !matches!(written, Ok(Ok(()))) {
            tracing::warn!("the writer lane does not take batches; closing it");
            lock(&open.state).close();
            let returned = self.take_returned();
            return self.queued(returned);
        }
        Vec::new()
    }

    /// Notes the last of `commands`, which go through the queue, for the barrier.
    fn queued(&mut self, commands: Vec<CommandEnvelope>) -> Vec<CommandEnvelope> {
        if let Some(last) = commands.last() {
            self.queued_last = Some(last.id);
        }
        commands
    }

    /// What a closed lane gave back (dropping the lane), or nothing.
    fn take_returned(&mut self) -> Vec<CommandEnvelope> {
        let Some(open) = &self.open else {
            return Vec::new();
        };
        let returned = {
            let mut state = lock(&open.state);
            if !state.closed {
                return Vec::new();
            }
            std::mem::take(&mut state.returned)
        };
        self.open = None;
        self.retry_at = Instant::now() + RETRY;
        returned
    }

    /// Whether the lane is open, opening it if it is time to try.
    async fn ensure_open(&mut self) -> bool {
        if self.open.is_some() {
            return true;
        }
        if Instant::now() < self.retry_at {
            return false;
        }
        self.retry_at = Instant::now() + RETRY;
        let address: Option<String> =
            match self.cache.connection().get(self.cache.key(lane::KEY)).await {
                Ok(address) => address,
                Err(e) => {
                    tracing::debug!(error = %e, "cannot look up the writer lane");
                    return false;
                }
            };
        let Some(address) = address else {
            return false;
        };
        match tokio::time::timeout(OPENING, self.connect(&address)).await {
            Ok(Ok(open)) => {
                tracing::info!(%address, "writer lane open");
                self.open = Some(open);
                self.queued_last = None;
                true
            }
            Ok(Err(e)) => {
                tracing::debug!(%address, error = %e, "cannot open the writer lane");
                false
            }
            Err(_) => {
                tracing::debug!(%address, "the writer lane did not open in time");
                false
            }
        }
    }

    async fn connect(&self, address: &str) -> std::io::Result<Open> {
        let mut stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        lane::answer(&mut stream, &self.secret).await?;
        let (reader, writer) = stream.into_split();
        let mut writer = BufWriter::new(writer);
        // The barrier: the last command sent through the queue, applied before the lane's first.
        let after = self.queued_last.map(|id| id.as_bytes().to_vec());
        lane::write_frame(&mut writer, after.as_deref().unwrap_or_default()).await?;
        writer.flush().await?;
        let state = Arc::new(Mutex::new(State::default()));
        let reader = tokio::spawn(read_outcomes(
            BufReader::new(reader),
            state.clone(),
            self.deadline,
            self.returned.clone(),
        ));
        Ok(Open {
            writer,
            state,
            reader,
        })
    }
}

/// Reads the writer's outcomes until the lane closes: the connection breaks, a batch was not
/// applied, or one waits past `deadline`. Then what is pending is given back.
async fn read_outcomes(
    mut reader: BufReader<OwnedReadHalf>,
    state: Arc<Mutex<State>>,
    deadline: Duration,
    returned: Arc<Notify>,
) {
    // A deadline configured as zero still gets checks, not a panic.
    let mut check = tokio::time::interval((deadline / 4).max(Duration::from_millis(1)));
    loop {
        tokio::select! {
            frame = lane::read_frame(&mut reader) => match frame.map(|body| body.as_deref().and_then(lane::decode_outcome)) {
                Ok(Some((id, Outcome::Done))) => {
                    lock(&state).pending.remove(&id);
                }
                Ok(Some((_, Outcome::NotApplied))) => {
                    tracing::warn!("the writer could not apply a batch; sending through the queue");
                    break;
                }
                Ok(None) => {
                    tracing::info!("the writer closed the lane");
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the writer lane broke");
                    break;
                }
            },
            _ = check.tick() => {
                let late = lock(&state)
                    .pending
                    .values()
                    .next()
                    .is_some_and(|oldest| oldest.sent.elapsed() > deadline);
                if late {
                    tracing::warn!("the writer did not answer a batch in time; sending through the queue");
                    break;
                }
            }
        }
    }
    let gave_back = {
        let mut state = lock(&state);
        state.close();
        !state.returned.is_empty()
    };
    if gave_back {
        returned.notify_one();
    }
}
