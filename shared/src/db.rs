//! Postgres: a connection pool and embedded, versioned SQL migrations.
//!
//! Each service lists its migrations (files under its `migrations/` folder, compiled into the
//! binary) and runs them at start-up. All pending migrations run in one transaction holding a
//! transaction-scoped advisory lock, so replicas starting together apply each migration once and
//! a failure leaves the schema untouched. An applied migration whose text later changes is
//! refused: edit by adding a new one.

use std::time::Duration;

use anyhow::Context;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use sha2::{Digest, Sha256};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

/// One embedded migration.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// Applied in ascending order; never reused.
    pub version: i32,
    /// A short description, recorded alongside.
    pub name: &'static str,
    /// The SQL, run as one batch.
    pub sql: &'static str,
}

impl Migration {
    /// Declares a migration; use with `include_str!`.
    pub const fn new(version: i32, name: &'static str, sql: &'static str) -> Self {
        Self { version, name, sql }
    }

    fn checksum(&self) -> String {
        Sha256::digest(self.sql.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A pool whose connections are made on demand, so that it can be built while Postgres is down;
/// a connection that broke is noticed and replaced when it is next checked out.
pub fn pool(url: &str, max_size: usize) -> anyhow::Result<Pool> {
    pool_of(parse(url)?, max_size)
}

/// A pool, as [`pool`], for a writer whose statements all find their rows by key (messages'
/// command writer, notifications' consumers): see [`keyed_config`].
pub fn keyed_pool(url: &str, max_size: usize) -> anyhow::Result<Pool> {
    pool_of(keyed_config(url)?, max_size)
}

/// The connection settings of a writer or relay whose statements all find their rows by key:
/// each prepared statement is planned once per connection, and never as a read of the whole
/// table.
///
/// Left to choose, Postgres plans a prepared statement again on every execution when its
/// generic plan looks dearer than the plans made for the values at hand, which is what it
/// concludes for a lookup of `= ANY($1)` over an array: in W1 at 500 msg/s, planning was three
/// quarters of the time of messages' check for repeated sends and nine tenths of notifications'
/// check for mutes (`pg_stat_statements`, docs/profiling.md). A generic plan is made once, from
/// the statistics of that moment, and on a table that is still empty a whole-table read is the
/// cheapest plan; it would stay until the next `ANALYZE` while the table grows. Without
/// sequential scans (still used where a table has no index to use) the plan goes through the
/// key, which stays cheap at any size.
pub fn keyed_config(url: &str) -> anyhow::Result<tokio_postgres::Config> {
    const KEYED: &str = "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off";
    let mut config = parse(url)?;
    let options = match config.get_options() {
        Some(given) => format!("{given} {KEYED}"),
        None => KEYED.to_owned(),
    };
    config.options(options);
    Ok(config)
}

/// A transaction whose BEGIN and COMMIT cost no round trip of their own: BEGIN goes to the
/// server with the transaction's first statement, COMMIT with its last, for a writer that
/// commits every few milliseconds and whose transactions are a handful of round trips each.
///
/// tokio-postgres sends a request when its future is first polled and Postgres answers a
/// connection's requests in order, so a request polled after another is executed after it even
/// when neither has been answered (pipelining; its crate documentation). Every statement in
/// between runs inside the transaction as with [`deadpool_postgres::Transaction`].
///
/// The connection goes back to the pool only once committed or rolled back: dropped in between
/// (a cancelled future), it is taken out of the pool and closed, so no later borrower finds a
/// transaction open on it.
pub struct PipelinedTransaction {
    client: Option<deadpool_postgres::Object>,
}

// The connection is `Some` from `new` until a method that consumes the transaction, or its drop,
// takes it: no method can meet `None`.
#[expect(
    clippy::expect_used,
    reason = "the connection is held from new until consumed"
)]
impl PipelinedTransaction {
    /// Takes `client` for a transaction; nothing is sent until [`Self::begin_with`].
    pub fn new(client: deadpool_postgres::Object) -> Self {
        Self {
            client: Some(client),
        }
    }

    /// The connection, for the transaction's statements.
    pub fn client(&self) -> &deadpool_postgres::Object {
        self.client
            .as_ref()
            .expect("the connection is held until commit, rollback or drop")
    }

    /// Runs `body`, the transaction's statements, with BEGIN sent ahead of its first one, and
    /// hands the transaction back for its commit; if anything fails, it is rolled back first.
    /// BEGIN fails only with its connection, and then so does every statement queued behind it:
    /// none runs outside the transaction.
    pub async fn begin_with<T, E>(
        self,
        body: impl AsyncFnOnce(&deadpool_postgres::Object) -> Result<T, E>,
    ) -> Result<(Self, T), E>
    where
        E: From<tokio_postgres::Error>,
    {
        let outcome = {
            let client = self.client();
            // `join` polls its futures in the order given: BEGIN is sent first.
            let (begun, outcome) =
                futures_util::future::join(client.batch_execute("BEGIN"), body(client)).await;
            begun.map_err(E::from).and(outcome)
        };
        match outcome {
            Ok(value) => Ok((self, value)),
            Err(e) => {
                self.rollback().await;
                Err(e)
            }
        }
    }

    /// Commits, with the statement `last` sends just before COMMIT. `last` must send it when
    /// first polled, as a prepared statement's execution does (a statement given as text would
    /// first be prepared, a round trip during which COMMIT would go ahead of it). If it fails,
    /// Postgres ends the transaction it aborted with a rollback, and its error is returned.
    pub async fn commit_after<T, E>(
        mut self,
        last: impl AsyncFnOnce(&deadpool_postgres::Object) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<tokio_postgres::Error>,
    {
        let client = self
            .client
            .take()
            .expect("the connection is held until commit, rollback or drop");
        let outcome = {
            // `join` polls its futures in the order given: `last` is sent first.
            let (outcome, committed) =
                futures_util::future::join(last(&client), client.batch_execute("COMMIT")).await;
            committed.map_err(E::from).and(outcome)
        };
        if outcome.is_err() {
            // Whether the transaction ended is not known for every failure: not reused.
            drop(deadpool_postgres::Object::take(client));
        }
        outcome
    }

    /// Commits.
    pub async fn commit(self) -> Result<(), tokio_postgres::Error> {
        self.commit_after(async |_| Ok::<(), tokio_postgres::Error>(()))
            .await
    }

    /// Rolls back whatever ran; a connection that cannot is closed instead of reused.
    pub async fn rollback(mut self) {
        if let Some(client) = self.client.take()
            && let Err(e) = client.batch_execute("ROLLBACK").await
        {
            tracing::warn!(error = %e, "cannot roll back; closing the connection");
            drop(deadpool_postgres::Object::take(client));
        }
    }
}

/// A write inside a transaction whose answer nothing in it waits for, held back to go out with
/// the transaction's next round trip (at the latest with COMMIT, [`PipelinedTransaction::commit_after`])
/// instead of taking one of its own. Its statement is prepared, so it is sent when
/// [`Self::execute`] is first polled, ahead of whatever is polled after it.
///
/// Whoever holds one must send it before any other statement of the transaction that could
/// read what it writes; a failure comes back with it, and aborts the transaction as a statement
/// awaited at once would have.
pub struct Deferred {
    statement: tokio_postgres::Statement,
    params: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl Deferred {
    /// `statement` with its parameters, held until [`Self::execute`].
    pub fn new(
        statement: tokio_postgres::Statement,
        params: Vec<Box<dyn ToSql + Sync + Send>>,
    ) -> Self {
        Self { statement, params }
    }

    /// Sends it (when first polled) and waits for its answer: the rows it changed.
    pub async fn execute(&self, client: &impl GenericClient) -> Result<u64, tokio_postgres::Error> {
        let params: Vec<&(dyn ToSql + Sync)> = self
            .params
            .iter()
            .map(|param| param.as_ref() as &(dyn ToSql + Sync))
            .collect();
        client.execute(&self.statement, &params).await
    }
}

impl Drop for PipelinedTransaction {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            drop(deadpool_postgres::Object::take(client));
        }
    }
}

fn parse(url: &str) -> anyhow::Result<tokio_postgres::Config> {
    url.parse().context("DATABASE_URL is not a valid URL")
}

fn pool_of(config: tokio_postgres::Config, max_size: usize) -> anyhow::Result<Pool> {
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(max_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .build()
        .context("building the Postgres pool")
}

/// Arbitrary but fixed: the advisory lock that serialises migrations of one database.
const MIGRATION_LOCK_KEY: i64 = 0x006d_6967_7261_7465;

/// Applies every migration not yet applied, retrying while Postgres is unreachable for up to
/// `patience` (a service usually starts alongside its database).
pub async fn migrate(
    pool: &Pool,
    migrations: &[Migration],
    patience: Duration,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + patience;
    let mut delay = Duration::from_millis(100);
    loop {
        match try_migrate(pool, migrations).await {
            Ok(applied) => {
                tracing::info!(applied, "database schema is up to date");
                return Ok(());
            }
            Err(e) if tokio::time::Instant::now() + delay < deadline && is_connectivity(&e) => {
                tracing::warn!(error = %e, "database not reachable yet, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(3));
            }
            Err(e) => return Err(e.context("applying migrations")),
        }
    }
}

fn is_connectivity(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<deadpool_postgres::PoolError>()
            .is_some()
            || cause
                .downcast_ref::<tokio_postgres::Error>()
                .is_some_and(|pg| pg.is_closed() || pg.code().is_none())
    })
}

async fn try_migrate(pool: &Pool, migrations: &[Migration]) -> anyhow::Result<usize> {
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK_KEY])
        .await?;
    transaction
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )",
        )
        .await?;
    let applied: Vec<(i32, String)> = transaction
        .query("SELECT version, checksum FROM schema_migrations", &[])
        .await?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();

    let mut count = 0;
    let mut ordered = migrations.to_vec();
    ordered.sort_by_key(|m| m.version);
    for migration in ordered {
        match applied.iter().find(|(v, _)| *v == migration.version) {
            Some((_, checksum)) if *checksum == migration.checksum() => {}
            Some(_) => anyhow::bail!(
                "migration V{} ({}) was changed after it was applied; add a new migration instead",
                migration.version,
                migration.name
            ),
            None => {
                transaction
                    .batch_execute(migration.sql)
                    .await
                    .with_context(|| {
                        format!("migration V{} ({})", migration.version, migration.name)
                    })?;
                transaction
                    .execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                        &[&migration.version, &migration.name, &migration.checksum()],
                    )
                    .await?;
                count += 1;
            }
        }
    }
    transaction.commit().await?;
    Ok(count)
}
