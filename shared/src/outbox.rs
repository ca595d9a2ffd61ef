//! The transactional outbox, for services that must both change their database and publish.
//!
//! An event is written to the `outbox` table in the same transaction as the change it
//! describes, so either both happen or neither does. A relay publishes outbox rows in order with
//! publisher confirms and deletes them only once the broker has confirmed; a crash in between
//! re-publishes, and consumers dedupe by the envelope id. One relay per database is active at a
//! time (a session advisory lock on its dedicated connection), which keeps rows in order; the
//! others wait to take over. A trigger's `NOTIFY` wakes the relay at commit, so latency stays in
//! the milliseconds without polling.

use std::time::Duration;

use deadpool_postgres::GenericClient;
use futures_util::StreamExt;
use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, NoTls};
use tokio_util::sync::CancellationToken;

use crate::amqp::{Outgoing, Publisher};
use crate::db::{Deferred, PipelinedTransaction};
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

/// The outbox's third migration: its ids are not checked for uniqueness. Each is a fresh UUIDv7
/// made by the writer, nothing finds a row by it (the relay goes by position), and consumers
/// dedupe by it in any case; the check was a b-tree insert for every row written, which at a
/// row or more per stored message is a share of the write path's cost.
pub const ID_NOT_UNIQUE_SQL: &str = "ALTER TABLE outbox DROP CONSTRAINT outbox_id_key";

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
        let statement = client.prepare_cached(INSERT_BATCH_SQL).await?;
        self.insert(client, &statement).await
    }

    /// Writes every row, in the order added, and commits `transaction`, in one round trip:
    /// `first` (a write the transaction held back), the insert, `last`, COMMIT. Returns the rows
    /// `last` wrote.
    pub async fn write_and_commit(
        &self,
        transaction: PipelinedTransaction,
        first: Option<&Deferred>,
        last: Option<&Deferred>,
    ) -> Result<u64, tokio_postgres::Error> {
        if self.is_empty() {
            return transaction
                .commit_after(async |client| {
                    // `try_join` polls its futures in the order given.
                    let (_, written) = futures_util::future::try_join(
                        execute(first, client),
                        execute(last, client),
                    )
                    .await?;
                    Ok(written)
                })
                .await;
        }
        // Prepared ahead (from the connection's cache, but for its first batch), so that the
        // insert goes out before COMMIT.
        let statement = match transaction.client().prepare_cached(INSERT_BATCH_SQL).await {
            Ok(statement) => statement,
            Err(e) => {
                transaction.rollback().await;
                return Err(e);
            }
        };
        transaction
            .commit_after(async |client| {
                // `try_join3` polls its futures in the order given.
                let (_, (), written) = futures_util::future::try_join3(
                    execute(first, client),
                    self.insert(client, &statement),
                    execute(last, client),
                )
                .await?;
                Ok(written)
            })
            .await
    }

    /// The rows, to be written (as [`Deferred`], in the caller's transaction) only if the outbox
    /// already holds a row for `exchange` when the write runs: then they go out through the
    /// relay behind it, in order, instead of straight to the broker. `None` if there is nothing
    /// to write.
    ///
    /// `exchange` (one of our own names) is written into the statement, so that a partial index
    /// of the outbox's rows for that exchange serves the check and the table is not read.
    pub async fn behind(
        self,
        client: &impl GenericClient,
        exchange: &str,
    ) -> Result<Option<Deferred>, tokio_postgres::Error> {
        if self.is_empty() {
            return Ok(None);
        }
        let sql = INSERT_BATCH_SQL.replace(
            "ORDER BY ord",
            &format!(
                "WHERE EXISTS (SELECT 1 FROM outbox WHERE exchange = '{}') ORDER BY ord",
                exchange.replace('\'', "''")
            ),
        );
        let statement = client.prepare_cached(&sql).await?;
        Ok(Some(Deferred::new(
            statement,
            vec![
                Box::new(self.ids),
                Box::new(self.exchanges),
                Box::new(self.routing_keys),
                Box::new(self.bccs),
                Box::new(self.kinds),
                Box::new(self.payloads),
            ],
        )))
    }

    async fn insert(
        &self,
        client: &impl GenericClient,
        statement: &tokio_postgres::Statement,
    ) -> Result<(), tokio_postgres::Error> {
        client
            .execute(
                statement,
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

/// The rows `deferred` wrote, if there is one.
async fn execute(
    deferred: Option<&Deferred>,
    client: &impl GenericClient,
) -> Result<u64, tokio_postgres::Error> {
    match deferred {
        Some(deferred) => deferred.execute(client).await,
        None => Ok(0),
    }
}

/// The rows of an [`OutboxBatch`], in one statement.
const INSERT_BATCH_SQL: &str = "INSERT INTO outbox (id, exchange, routing_key, bcc, kind, payload)
    SELECT id, exchange, routing_key,
           CASE WHEN bcc = '' THEN '{}'::text[] ELSE string_to_array(bcc, ' ') END,
           kind, payload
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         WITH ORDINALITY AS t(id, exchange, routing_key, bcc, kind, payload, ord)
    ORDER BY ord";

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
    database_url: String,
    publisher: Publisher,
    pace: Duration,
}

/// How often, at most, a relay reads an outbox whose rows nobody waits on to the millisecond
/// while it keeps up (see [`OutboxRelay::paced`]): messages' public events, which leave after
/// the deliveries a batch's writer publishes itself, and notifications' Web Push jobs. Every
/// read costs a read, a round of the quorum queues' confirms and a delete, two transactions
/// for every commit when read at once (docs/profiling.md, "The relay paced").
pub const RELAY_PACE: Duration = Duration::from_millis(10);

const BATCH: i64 = 512;
const LEADER_LOCK_KEY: i64 = 0x6f75_7462_6f78;

impl OutboxRelay {
    /// `database_url` is used for the relay's own (unpooled) connection, which LISTENs, holds
    /// the leader lock, reads and deletes the rows.
    pub fn new(database_url: &str, publisher: Publisher) -> Self {
        Self {
            database_url: database_url.to_owned(),
            publisher,
            pace: Duration::ZERO,
        }
    }

    /// Reads the outbox at most once every `pace` while it keeps up (a full batch is followed
    /// at once), so that what is committed within `pace` leaves together: one read, one round of
    /// confirms and one delete for all of it, instead of one each per commit. For an outbox
    /// whose rows nobody is waiting on to the millisecond; zero (the default) reads as soon as a
    /// commit wakes the relay.
    pub fn paced(self, pace: Duration) -> Self {
        Self { pace, ..self }
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
        let (client, mut connection) = crate::db::keyed_config(&self.database_url)?
            .connect(NoTls)
            .await?;
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
        // The relay's deletes need not wait for the disk: a delete that a crash of Postgres
        // loses only has its rows published again, which consumers dedupe (as after a crash
        // between a confirm and the delete). Waiting would hold every row committed meanwhile.
        // Its statements find rows by position, through the primary key, always (the keyed
        // connection): their plans are made once, when the table may be empty and a scan of it
        // the cheapest, and the table is all dead rows between autovacuum's visits (a burst of
        // 50,000 messages left 3,900 pages that such a plan read on every cycle: an eighth of
        // the machine's CPU, in perf, during the next workload).
        client
            .batch_execute("LISTEN outbox; SET synchronous_commit = off")
            .await?;
        let statements = RelayStatements::prepare(&client).await?;
        tracing::info!("outbox relay is the leader");

        loop {
            if shutdown.is_cancelled() {
                return Ok(());
            }
            if connection_lost.is_cancelled() {
                anyhow::bail!("listener connection lost");
            }
            let read_at = tokio::time::Instant::now();
            let published = self.relay_batch(&client, &statements).await?;
            if published < BATCH as usize {
                tokio::select! {
                    () = shutdown.cancelled() => return Ok(()),
                    () = connection_lost.cancelled() => anyhow::bail!("listener connection lost"),
                    () = wake.notified() => {}
                    // A safety net for a missed notification.
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                tokio::select! {
                    () = shutdown.cancelled() => return Ok(()),
                    () = tokio::time::sleep_until(read_at + self.pace) => {}
                }
            }
        }
    }

    /// Publishes the oldest unpublished rows and deletes them once confirmed, over the leader's
    /// own connection.
    async fn relay_batch(
        &self,
        client: &tokio_postgres::Client,
        statements: &RelayStatements,
    ) -> anyhow::Result<usize> {
        let rows = client.query(&statements.oldest, &[&BATCH]).await?;
        if rows.is_empty() {
            return Ok(0);
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
        let traced = crate::telemetry::hop_enabled()
            .then(|| crate::telemetry::hop_ids(messages.iter().map(|m| &m.message_id)));
        if let Some(ids) = &traced {
            crate::telemetry::hop("read", ids);
        }
        self.publisher
            .publish_all(&messages, Duration::from_secs(10))
            .await?;
        if let Some(ids) = &traced {
            crate::telemetry::hop("published", ids);
        }
        client.execute(&statements.delete, &[&positions]).await?;
        tracing::debug!(count = messages.len(), "outbox rows published");
        Ok(messages.len())
    }
}

/// The relay's statements, prepared once on the leader's connection.
struct RelayStatements {
    oldest: tokio_postgres::Statement,
    delete: tokio_postgres::Statement,
}

impl RelayStatements {
    async fn prepare(client: &tokio_postgres::Client) -> Result<Self, tokio_postgres::Error> {
        Ok(Self {
            oldest: client
                .prepare("SELECT position, id, exchange, routing_key, payload, kind, bcc FROM outbox ORDER BY position LIMIT $1")
                .await?,
            delete: client
                .prepare("DELETE FROM outbox WHERE position = ANY($1)")
                .await?,
        })
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
