//! The transactional outbox, for services that must both change their database and publish.
//!
//! An event is written to the `outbox` table in the same transaction as the change it
//! describes, so either both happen or neither does. A relay publishes outbox rows in order with
//! publisher confirms and deletes them only once the broker has confirmed; a crash in between
//! re-publishes, and consumers dedupe by the envelope id. Sending is pipelined: the next rows go
//! out while the broker is still confirming the last ones. One relay per database is active at a
//! time (a session advisory lock on its dedicated connection), which keeps rows in order; the
//! others wait to take over. A trigger's `NOTIFY` wakes the relay at commit, so latency stays in
//! the milliseconds without polling.

use std::time::Duration;

use deadpool_postgres::{GenericClient, Pool};
use futures_util::StreamExt;
use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, NoTls};
use tokio_util::sync::CancellationToken;

use crate::amqp::{Outgoing, Publisher, Sent};
use crate::events::{Envelope, Event};

/// The outbox schema; each service that publishes includes it as one of its migrations.
pub const SCHEMA_SQL: &str = r#"
CREATE TABLE outbox (
    position    bigserial PRIMARY KEY,
    id          uuid NOT NULL UNIQUE,
    exchange    text NOT NULL,
    routing_key text NOT NULL,
    -- The AMQP type of an internal message; public events use their routing key.
    kind        text,
    payload     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
"#;

/// The outbox's second migration: more routing keys per row (see
/// [`crate::amqp::Outgoing::bcc`]), for deliveries to many users.
pub const BCC_SQL: &str = "ALTER TABLE outbox ADD COLUMN bcc text[] NOT NULL DEFAULT '{}'";

/// An internal message to publish after commit (not a public event).
pub struct InternalMessage<'a> {
    /// The exchange's name without namespace.
    pub exchange: &'a str,
    /// Its routing key.
    pub routing_key: &'a str,
    /// More routing keys, routed as the routing key is.
    pub bcc: &'a [String],
    /// Its AMQP type.
    pub kind: &'a str,
    /// The body.
    pub payload: &'a str,
}

/// Adds an internal message to the outbox inside the caller's transaction; it is published in
/// order with the events around it.
pub async fn enqueue_internal(
    client: &impl GenericClient,
    message: &InternalMessage<'_>,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            &client.prepare_cached("INSERT INTO outbox (id, exchange, routing_key, bcc, kind, payload) VALUES ($1, $2, $3, $4, $5, $6)").await?,
            &[
                &uuid::Uuid::now_v7(),
                &message.exchange,
                &message.routing_key,
                &message.bcc,
                &message.kind,
                &message.payload,
            ],
        )
        .await?;
    Ok(())
}

/// Rows for the outbox, gathered while a batch is applied and written in one statement: a burst
/// of a hundred messages is one insert, not two hundred.
#[derive(Default)]
pub struct OutboxBatch {
    ids: Vec<uuid::Uuid>,
    exchanges: Vec<String>,
    routing_keys: Vec<String>,
    // Space-separated (routing keys have no spaces): arrays of arrays cannot be ragged.
    bccs: Vec<String>,
    kinds: Vec<Option<String>>,
    payloads: Vec<String>,
}

impl OutboxBatch {
    /// Adds a public event.
    pub fn event<E: Event>(&mut self, envelope: &Envelope<E>) {
        self.push(
            envelope.id.as_uuid(),
            E::EXCHANGE.name(),
            E::ROUTING_KEY,
            &[],
            None,
            to_json(envelope),
        );
    }

    /// Adds an internal message.
    pub fn internal(&mut self, message: &InternalMessage<'_>) {
        self.push(
            uuid::Uuid::now_v7(),
            message.exchange,
            message.routing_key,
            message.bcc,
            Some(message.kind),
            message.payload.to_owned(),
        );
    }

    fn push(
        &mut self,
        id: uuid::Uuid,
        exchange: &str,
        routing_key: &str,
        bcc: &[String],
        kind: Option<&str>,
        payload: String,
    ) {
        self.ids.push(id);
        self.exchanges.push(exchange.to_owned());
        self.routing_keys.push(routing_key.to_owned());
        self.bccs.push(bcc.join(" "));
        self.kinds.push(kind.map(str::to_owned));
        self.payloads.push(payload);
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Writes every row, in the order added, inside the caller's transaction.
    pub async fn write(&self, client: &impl GenericClient) -> Result<(), tokio_postgres::Error> {
        if self.is_empty() {
            return Ok(());
        }
        client
            .execute(
                &client
                    .prepare_cached(
                        "INSERT INTO outbox (id, exchange, routing_key, bcc, kind, payload)
                         SELECT id, exchange, routing_key,
                                CASE WHEN bcc = '' THEN '{}'::text[] ELSE string_to_array(bcc, ' ') END,
                                kind, payload
                         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
                              WITH ORDINALITY AS t(id, exchange, routing_key, bcc, kind, payload, ord)
                         ORDER BY ord",
                    )
                    .await?,
                &[
                    &self.ids,
                    &self.exchanges,
                    &self.routing_keys,
                    &self.bccs,
                    &self.kinds,
                    &self.payloads,
                ],
            )
            .await?;
        Ok(())
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        // Our own event types always serialise; this cannot happen short of a bug.
        tracing::error!(error = %e, "cannot serialise an event");
        String::from("{}")
    })
}

/// Adds `envelope` to the outbox inside the caller's transaction.
pub async fn enqueue<E: Event>(
    client: &impl GenericClient,
    envelope: &Envelope<E>,
) -> Result<(), tokio_postgres::Error> {
    let payload = to_json(envelope);
    client
        .execute(
            &client.prepare_cached("INSERT INTO outbox (id, exchange, routing_key, payload) VALUES ($1, $2, $3, $4)").await?,
            &[
                &envelope.id.as_uuid(),
                &E::EXCHANGE.name(),
                &E::ROUTING_KEY,
                &payload,
            ],
        )
        .await?;
    Ok(())
}

/// Publishes outbox rows until `shutdown`.
pub struct OutboxRelay {
    pool: Pool,
    database_url: String,
    publisher: Publisher,
}

const BATCH: i64 = 512;
const LEADER_LOCK_KEY: i64 = 0x6f75_7462_6f78;

impl OutboxRelay {
    /// `database_url` is used for the relay's own (unpooled) connection, which LISTENs and
    /// holds the leader lock.
    pub fn new(pool: Pool, database_url: &str, publisher: Publisher) -> Self {
        Self {
            pool,
            database_url: database_url.to_owned(),
            publisher,
        }
    }

    /// Runs until `shutdown`, surviving Postgres and RabbitMQ outages.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut backoff = Duration::from_millis(100);
        while !shutdown.is_cancelled() {
            match self.lead(&shutdown).await {
                Ok(()) => backoff = Duration::from_millis(100),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "outbox relay interrupted");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Takes the leader lock (or waits for it), then relays until the connection breaks.
    async fn lead(&self, shutdown: &CancellationToken) -> anyhow::Result<()> {
        let (client, mut connection) = tokio_postgres::connect(&self.database_url, NoTls).await?;
        let wake = std::sync::Arc::new(Notify::new());
        let connection_lost = CancellationToken::new();
        let driver = {
            let wake = wake.clone();
            let lost = connection_lost.clone();
            tokio::spawn(async move {
                let mut messages =
                    futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                while let Some(message) = messages.next().await {
                    match message {
                        Ok(AsyncMessage::Notification(_)) => wake.notify_one(),
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "outbox listener connection failed");
                            break;
                        }
                    }
                }
                lost.cancel();
            })
        };
        let _stop_driver = AbortOnDrop(driver);

        loop {
            let row = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&LEADER_LOCK_KEY])
                .await?;
            if row.get::<_, bool>(0) {
                break;
            }
            tokio::select! {
                () = shutdown.cancelled() => return Ok(()),
                () = connection_lost.cancelled() => anyhow::bail!("listener connection lost"),
                () = tokio::time::sleep(Duration::from_secs(2)) => {}
            }
        }
        client.batch_execute("LISTEN outbox").await?;
        tracing::info!("outbox relay is the leader");

        // Pipelined: while the broker confirms one batch, the next is read and sent, so a row
        // waits for the rows before it to be sent, not confirmed (a confirm is a disk write
        // in RabbitMQ, and deleting the rows one more in Postgres). The confirmer deletes rows
        // in order once confirmed; any failure ends this lead, and the next one sends again
        // whatever is still in the table (consumers dedupe).
        let failed = CancellationToken::new();
        let unsettled = Unsettled::default();
        let (in_flight, confirmed) = tokio::sync::mpsc::channel(IN_FLIGHT);
        let confirmer = tokio::spawn(confirm_and_delete(
            self.pool.clone(),
            confirmed,
            unsettled.clone(),
            failed.clone(),
        ));
        let _stop_confirmer = AbortOnDrop(confirmer);
        loop {
            if shutdown.is_cancelled() {
                return Ok(());
            }
            if connection_lost.is_cancelled() {
                anyhow::bail!("listener connection lost");
            }
            if failed.is_cancelled() {
                anyhow::bail!("outbox rows were not confirmed");
            }
            let (count, sent) = self.send_batch(&unsettled).await?;
            if let Some(sent) = sent {
                tokio::select! {
                    queued = in_flight.send(sent) => queued.map_err(|_| anyhow::anyhow!("the outbox confirmer stopped"))?,
                    () = failed.cancelled() => anyhow::bail!("outbox rows were not confirmed"),
                }
            }
            if count < BATCH as usize {
                tokio::select! {
                    () = shutdown.cancelled() => return Ok(()),
                    () = connection_lost.cancelled() => anyhow::bail!("listener connection lost"),
                    () = failed.cancelled() => anyhow::bail!("outbox rows were not confirmed"),
                    () = wake.notified() => {}
                    // A safety net for a missed notification.
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
    }

    /// Sends the oldest rows not sent yet without waiting for their confirms.
    async fn send_batch(&self, unsettled: &Unsettled) -> anyhow::Result<(usize, Option<SentRows>)> {
        // Not "after the last position sent": a transaction that took a lower position may
        // commit after a higher one was sent, and its row must not be skipped.
        let skip = unsettled.positions();
        let client = self.pool.get().await?;
        let rows = client
            .query(
            &client.prepare_cached("SELECT position, id, exchange, routing_key, payload, kind, bcc FROM outbox WHERE position <> ALL($1) ORDER BY position LIMIT $2").await?,
                &[&skip, &BATCH],
            )
            .await?;
        drop(client);
        if rows.is_empty() {
            return Ok((0, None));
        }
        let topology = self.publisher.client().topology().clone();
        let mut positions = Vec::with_capacity(rows.len());
        let messages: Vec<Outgoing> = rows
            .iter()
            .map(|row| {
                positions.push(row.get::<_, i64>(0));
                let routing_key = row.get::<_, String>(3);
                Outgoing {
                    exchange: topology.named(row.get::<_, &str>(2)),
                    kind: row
                        .get::<_, Option<String>>(5)
                        .unwrap_or_else(|| routing_key.clone()),
                    routing_key,
                    bcc: row.get(6),
                    message_id: row.get::<_, uuid::Uuid>(1).to_string(),
                    payload: row.get::<_, String>(4).into_bytes(),
                }
            })
            .collect();
        let sent = self
            .publisher
            .send_all(&messages, PATIENCE)
            .await
            .map_err(|e| anyhow::anyhow!("cannot send outbox rows: {e}"))?;
        tracing::debug!(count = messages.len(), "outbox rows sent");
        unsettled.add(&positions);
        Ok((messages.len(), Some(SentRows { positions, sent })))
    }
}

/// How long the broker may take to take or confirm a batch before the relay starts over.
const PATIENCE: Duration = Duration::from_secs(10);

/// How many sent batches may wait for their confirms at once.
const IN_FLIGHT: usize = 8;

/// A batch of rows sent and not yet confirmed.
struct SentRows {
    positions: Vec<i64>,
    sent: Sent,
}

/// The positions of rows sent and not yet deleted: the sender skips them, the confirmer drops
/// them once their rows are gone. At most `IN_FLIGHT` batches.
#[derive(Clone, Default)]
struct Unsettled(std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<i64>>>);

impl Unsettled {
    fn positions(&self) -> Vec<i64> {
        self.lock().iter().copied().collect()
    }

    fn add(&self, positions: &[i64]) {
        self.lock().extend(positions);
    }

    fn remove(&self, positions: &[i64]) {
        let mut set = self.lock();
        for position in positions {
            set.remove(position);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeSet<i64>> {
        // A panic while holding it leaves a valid set.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Awaits each sent batch's confirms in order and deletes the confirmed rows, several batches
/// in one statement when they are confirmed together. Cancels `failed` on the first failure.
async fn confirm_and_delete(
    pool: Pool,
    mut batches: tokio::sync::mpsc::Receiver<SentRows>,
    unsettled: Unsettled,
    failed: CancellationToken,
) {
    let outcome: anyhow::Result<()> = async {
        while let Some(first) = batches.recv().await {
            let mut positions = first.positions;
            first
                .sent
                .confirmed(PATIENCE)
                .await
                .map_err(|e| anyhow::anyhow!(e))?;
            while let Ok(next) = batches.try_recv() {
                next.sent
                    .confirmed(PATIENCE)
                    .await
                    .map_err(|e| anyhow::anyhow!(e))?;
                positions.extend(next.positions);
            }
            let client = pool.get().await?;
            client
                .execute(
                    &client
                        .prepare_cached("DELETE FROM outbox WHERE position = ANY($1)")
                        .await?,
                    &[&positions],
                )
                .await?;
            // Only now: until the delete commits, the rows are still there to be skipped.
            unsettled.remove(&positions);
            tracing::debug!(count = positions.len(), "outbox rows confirmed");
        }
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        tracing::warn!(error = %format!("{e:#}"), "outbox confirms failed");
        failed.cancel();
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
