//! The planner's statistics of the tables every batch of sends reads by key.
//!
//! The writer's statements are prepared once per connection, and after a few runs Postgres keeps
//! a generic plan for each, made from the statistics of that moment. Made while a table is small
//! (a new deployment, the first minute of a benchmark), that plan reads the whole table rather
//! than its index, and keeps doing so as the table grows, until the next `ANALYZE` invalidates
//! it: measured, one read of every stored message per batch (1.6 million rows read for 2,550
//! messages stored; after 50,000 messages, several milliseconds of Postgres per batch).
//! Autovacuum analyzes a table at most once a minute and only after a tenth of it has changed,
//! so this analyzes these tables as soon as they have changed by as many rows as they held when
//! last analyzed (at least [`MIN_CHANGES`]): the plans follow the tables' growth at a cost of one
//! `ANALYZE` each time a table doubles.

use deadpool_postgres::GenericClient;

/// The tables read by key on every batch of sends.
const TABLES: [&str; 3] = ["messages", "conversations", "conversation_members"];

/// Fewer changed rows than this never call for an `ANALYZE`: plans over a few hundred rows cost
/// little whatever they are.
const MIN_CHANGES: f64 = 1_000.0;

/// Analyzes those of [`TABLES`] that have changed by as many rows as they held when last
/// analyzed; returns how many it analyzed.
pub async fn refresh(client: &impl GenericClient) -> Result<u64, tokio_postgres::Error> {
    let tables: &[&str] = &TABLES;
    let stale = client
        .query(
            &client
                .prepare_cached(
                    "SELECT s.relname::text FROM pg_stat_user_tables s
                     JOIN pg_class c ON c.oid = s.relid
                     WHERE s.relname = ANY($1::text[])
                       AND s.n_mod_since_analyze > greatest(c.reltuples, $2::float8)",
                )
                .await?,
            &[&tables, &MIN_CHANGES],
        )
        .await?;
    for row in &stale {
        let name: String = row.get(0);
        // Only names of TABLES reach here, so the identifier is ours, not input.
        if TABLES.contains(&name.as_str()) {
            client.batch_execute(&format!("ANALYZE {name}")).await?;
        }
    }
    Ok(stale.len() as u64)
}
