//! The writer lane's server side (the protocol is [`shared::chat::lane`]): which replica is the
//! active command writer, and how it takes socket-handler nodes' sends and typing notices over
//! their own connections.
//!
//! Every replica listens, but only the writer serves: the replica holding a Postgres advisory
//! lock (on a connection of its own, checked every [`lane::REFRESH`]). While it holds it, it
//! keeps its address in Redis for the nodes to find, consumes the commands queue kept in memory
//! (what nodes not using the lane send, and what a node's lane hands back), and applies the
//! lane's batches: whatever has arrived from every connection, in one turn of the writer. When
//! it loses the lock (its connection to Postgres broke, or it is stopping) it closes every lane
//! connection and stops consuming, and the nodes send through the queue to whichever replica
//! takes the lock next.
//!
//! A node that sent through the queue before (its lane broke, or there was no writer) names the
//! last command it sent that way when it connects; the writer waits, up to [`BARRIER`], until it
//! has applied that one before it reads anything else from the node, so that a node's commands
//! are applied in the order it sent them.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::AsyncCommands;
use shared::amqp::HandleError;
use shared::cache::Cache;
use shared::chat::CommandEnvelope;
use shared::chat::lane::{self, Outcome};
use shared::config::{self, ConfigError};
use shared::service::ServiceInfra;
use tokio::io::{AsyncWriteExt, BufReader, BufWriter};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, watch};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::commands::Writer;

/// Where the lane listens and how the nodes reach it.
#[derive(Clone, Debug)]
pub struct LaneSettings {
    /// The port on the service's host (`WRITER_LANE_PORT`; 0, the default, takes a free one).
    pub port: u16,
    /// The host the nodes connect to (`WRITER_LANE_HOST`, 127.0.0.1 by default; in Kubernetes
    /// the pod's IP).
    pub host: String,
}

impl LaneSettings {
    /// From the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            port: config::var("WRITER_LANE_PORT", 0)?,
            host: config::var("WRITER_LANE_HOST", "127.0.0.1".to_owned())?,
        })
    }
}

/// The advisory lock whose holder is the writer (in messages' own database).
const WRITER_LOCK: i64 = 0x6d65_7373_7772_6974;

/// How long a connecting node has to answer the challenge.
const HANDSHAKE: Duration = Duration::from_secs(5);

/// How long the writer waits for a node's last command through the queue before it reads the
/// node's lane anyway (the command may have been applied by the writer before this one, or
/// still be waiting for Postgres). Well under a node's deadline for a batch.
const BARRIER: Duration = Duration::from_secs(1);

/// Batches received and not yet applied, across connections, before readers wait.
const BACKLOG: usize = 1024;

/// The commands one turn of the writer takes from the lane, about: a node's frames are small
/// when it is quiet and grow with load, so a turn is bounded by what it applies, not by frames.
/// A turn of this size commits in tens of milliseconds.
const MOST_COMMANDS: usize = 4096;

/// Starts listening and contending to be the writer.
pub async fn start(
    infra: &ServiceInfra,
    writer: Writer,
    settings: &LaneSettings,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind((infra.config.host.as_str(), settings.port)).await?;
    let address = format!("{}:{}", settings.host, listener.local_addr()?.port());
    let (batches, received) = mpsc::channel(BACKLOG);
    let lane = Arc::new(Lane {
        address,
        secret: lane::secret(&infra.config.amqp_url),
        cache: infra.cache.clone(),
        applied: Applied::default(),
        serving: watch::channel(None).0,
        batches,
    });
    infra
        .tasks
        .spawn(accept(lane.clone(), listener, infra.shutdown.clone()));
    infra
        .tasks
        .spawn(apply(writer.clone(), received, infra.shutdown.clone()));
    let contender = Contender {
        lane,
        writer,
        infra: infra.clone(),
    };
    infra.tasks.spawn(contender.run());
    Ok(())
}

/// What the lane's tasks share.
struct Lane {
    /// Where nodes reach this replica's lane.
    address: String,
    /// What a node proves it holds.
    secret: Vec<u8>,
    /// Where the address is kept.
    cache: Cache,
    /// The sends-queue commands applied, for the barrier.
    applied: Applied,
    /// While this replica is the writer: the token that ends its term.
    serving: watch::Sender<Option<CancellationToken>>,
    /// Batches read from the connections, for [`apply`].
    batches: mpsc::Sender<LaneBatch>,
}

/// One batch from a connection, and where its outcome goes.
struct LaneBatch {
    id: u64,
    commands: Vec<CommandEnvelope>,
    outcome: mpsc::UnboundedSender<[u8; 9]>,
}

/// Contends for the writer's lock for as long as the service runs.
struct Contender {
    lane: Arc<Lane>,
    writer: Writer,
    infra: ServiceInfra,
}

impl Contender {
    async fn run(self) {
        let shutdown = self.infra.shutdown.clone();
        while !shutdown.is_cancelled() {
            if let Err(e) = self.hold().await {
                tracing::warn!(error = %format!("{e:#}"), "the writer's lock is lost or cannot be taken");
            }
            tokio::select! {
                () = shutdown.cancelled() => {}
                () = tokio::time::sleep(lane::REFRESH) => {}
            }
        }
    }

    /// Takes the lock if it is free and serves as the writer until the lock's connection fails
    /// or the service stops.
    async fn hold(&self) -> anyhow::Result<()> {
        let (client, connection) =
            tokio_postgres::connect(&self.infra.config.database_url, tokio_postgres::NoTls).await?;
        // The connection's task ends when `client` is dropped, and the lock goes with it.
        tokio::spawn(connection);
        let taken: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&WRITER_LOCK])
            .await?
            .get(0);
        if !taken {
            return Ok(());
        }
        let term = self.infra.shutdown.child_token();
        tracing::info!(lane = %self.lane.address, "this replica is the command writer");
        let lane = self.lane.clone();
        self.writer
            .consume_sends(&self.infra, term.clone(), move |id| lane.applied.record(id));
        self.lane.serving.send_replace(Some(term.clone()));
        let held = loop {
            if let Err(e) = self.lane.advertise().await {
                tracing::warn!(error = %e, "cannot publish the lane's address");
            }
            tokio::select! {
                () = term.cancelled() => break Ok(()),
                () = tokio::time::sleep(lane::REFRESH) => {}
            }
            match tokio::time::timeout(lane::REFRESH, client.simple_query("SELECT 1")).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => break Err(e.into()),
                Err(_) => break Err(anyhow::anyhow!("the lock's connection does not answer")),
            }
        };
        self.lane.serving.send_replace(None);
        term.cancel();
        self.lane.withdraw().await;
        tracing::info!("this replica is no longer the command writer");
        held
    }
}

impl Lane {
    async fn advertise(&self) -> redis::RedisResult<()> {
        let ttl = u64::try_from(lane::TTL.as_millis()).unwrap_or(u64::MAX);
        self.cache
            .connection()
            .pset_ex(self.cache.key(lane::KEY), &self.address, ttl)
            .await
    }

    /// Removes the address if it is still this replica's, so nodes stop trying it at once.
    async fn withdraw(&self) {
        let script = redis::Script::new(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        );
        let removed: redis::RedisResult<i64> = script
            .key(self.cache.key(lane::KEY))
            .arg(&self.address)
            .invoke_async(&mut self.cache.connection())
            .await;
        if let Err(e) = removed {
            tracing::warn!(error = %e, "cannot withdraw the lane's address; it expires by itself");
        }
    }
}

async fn accept(lane: Arc<Lane>, listener: TcpListener, shutdown: CancellationToken) {
    loop {
        let stream = tokio::select! {
            () = shutdown.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept a lane connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // A replica that is not the writer closes the connection: the node looks again.
        let Some(term) = lane.serving.borrow().clone() else {
            continue;
        };
        tokio::spawn(serve(lane.clone(), stream, term));
    }
}

/// Serves one node's connection until it closes or this replica's term ends.
async fn serve(lane: Arc<Lane>, mut stream: TcpStream, term: CancellationToken) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "lane connection without TCP_NODELAY");
    }
    match tokio::time::timeout(HANDSHAKE, lane::challenge(&mut stream, &lane.secret)).await {
        Ok(Ok(true)) => {}
        Ok(Ok(false)) => {
            tracing::warn!("a lane connection did not prove it holds the broker's credentials");
            return;
        }
        Ok(Err(e)) => return tracing::debug!(error = %e, "a lane handshake broke off"),
        Err(_) => return tracing::warn!("a lane connection did not answer its challenge"),
    }
    let (reader, writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let hello = tokio::select! {
        () = term.cancelled() => return,
        hello = lane::read_frame(&mut reader) => hello,
    };
    match hello.map(|hello| hello.map(|after| Uuid::from_slice(&after).ok())) {
        Ok(Some(Some(after))) => {
            if !lane.applied.wait_for(after, BARRIER).await {
                tracing::debug!(%after, "a node's last queued command was not seen applied; serving its lane anyway");
            }
        }
        Ok(Some(None)) => {}
        Ok(None) | Err(_) => return,
    }
    // Outcomes are nine bytes each, one per batch the node sent: bounded by what it sent.
    let (outcome, outcomes) = mpsc::unbounded_channel();
    tokio::spawn(write_outcomes(writer, outcomes));
    loop {
        let frame = tokio::select! {
            () = term.cancelled() => return,
            frame = lane::read_frame(&mut reader) => frame,
        };
        let body = match frame {
            Ok(Some(body)) => body,
            Ok(None) => return,
            Err(e) => return tracing::debug!(error = %e, "a lane connection broke"),
        };
        match lane::decode_batch(&body) {
            Some((id, Ok(commands))) => {
                let batch = LaneBatch {
                    id,
                    commands,
                    outcome: outcome.clone(),
                };
                if lane.batches.send(batch).await.is_err() {
                    return;
                }
            }
            Some((id, Err(e))) => {
                // Nobody could apply it, and it names nobody to tell.
                tracing::error!(error = %e, "an unreadable batch on the lane; dropped");
                let _ = outcome.send(lane::encode_outcome(id, Outcome::Done));
            }
            None => return tracing::warn!("a lane frame without a batch id; closing"),
        }
    }
}

async fn write_outcomes(writer: OwnedWriteHalf, mut outcomes: mpsc::UnboundedReceiver<[u8; 9]>) {
    let mut writer = BufWriter::new(writer);
    while let Some(body) = outcomes.recv().await {
        if lane::write_frame(&mut writer, &body).await.is_err() {
            return;
        }
        if outcomes.is_empty() && writer.flush().await.is_err() {
            return;
        }
    }
}

/// Applies the lane's batches: whatever every connection has sent, up to about
/// [`MOST_COMMANDS`], in one turn of the writer, and answers each.
async fn apply(
    writer: Writer,
    mut received: mpsc::Receiver<LaneBatch>,
    shutdown: CancellationToken,
) {
    loop {
        let first = tokio::select! {
            () = shutdown.cancelled() => return,
            first = received.recv() => match first {
                Some(first) => first,
                None => return,
            },
        };
        let mut commands = first.commands.len();
        let mut taken = vec![first];
        while commands < MOST_COMMANDS {
            match received.try_recv() {
                Ok(batch) => {
                    commands += batch.commands.len();
                    taken.push(batch);
                }
                Err(_) => break,
            }
        }
        let (answers, commands): (Vec<_>, Vec<_>) = taken
            .into_iter()
            .map(|batch| ((batch.id, batch.outcome), batch.commands))
            .unzip();
        let outcomes = writer.apply(commands).await;
        for ((id, answer), outcome) in answers.into_iter().zip(outcomes) {
            let outcome = match outcome {
                Ok(()) => Outcome::Done,
                // Refused for good: each command's sender has been told.
                Err(HandleError::Permanent(e)) => {
                    tracing::error!(error = %format!("{e:#}"), "a lane batch that can never be applied; dropped");
                    Outcome::Done
                }
                Err(HandleError::Transient(_)) => Outcome::NotApplied,
            };
            // A closed connection: its node has handed the batch to the queue already.
            let _ = answer.send(lane::encode_outcome(id, outcome));
        }
    }
}

/// The last command of each delivery the sends queue brought and this writer applied (the
/// most recent [`APPLIED_KEPT`]), for a node's barrier.
#[derive(Default)]
struct Applied {
    recent: Mutex<(HashSet<Uuid>, VecDeque<Uuid>)>,
    changed: Notify,
}

/// How many applied deliveries [`Applied`] remembers: far more than a node can have queued
/// between its lane breaking and coming back.
const APPLIED_KEPT: usize = 4096;

impl Applied {
    fn record(&self, id: Uuid) {
        {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            let (set, order) = &mut *recent;
            if set.insert(id) {
                order.push_back(id);
            }
            while order.len() > APPLIED_KEPT {
                if let Some(old) = order.pop_front() {
                    set.remove(&old);
                }
            }
        }
        self.changed.notify_waiters();
    }

    fn contains(&self, id: Uuid) -> bool {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.0.contains(&id)
    }

    /// Waits until `id` is applied, or `patience` has passed (`false`).
    async fn wait_for(&self, id: Uuid, patience: Duration) -> bool {
        tokio::time::timeout(patience, async {
            loop {
                let changed = self.changed.notified();
                if self.contains(id) {
                    return;
                }
                changed.await;
            }
        })
        .await
        .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_barrier_opens_when_the_command_is_applied_or_patience_runs_out() {
        let applied = Arc::new(Applied::default());
        let (seen, waited) = (Uuid::new_v4(), Uuid::new_v4());
        applied.record(seen);
        assert!(applied.wait_for(seen, BARRIER).await);
        let recorder = applied.clone();
        let later = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            recorder.record(waited);
        });
        assert!(applied.wait_for(waited, BARRIER).await);
        later.await.unwrap();
        assert!(
            !applied
                .wait_for(Uuid::new_v4(), Duration::from_millis(50))
                .await
        );
    }

    #[test]
    fn only_the_most_recent_applied_commands_are_kept() {
        let applied = Applied::default();
        let first = Uuid::new_v4();
        applied.record(first);
        for _ in 0..APPLIED_KEPT {
            applied.record(Uuid::new_v4());
        }
        assert!(!applied.contains(first));
        assert_eq!(applied.recent.lock().unwrap().0.len(), APPLIED_KEPT);
    }
}
