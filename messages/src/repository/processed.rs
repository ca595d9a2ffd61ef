//! SQL of `processed_commands`: the ids of applied commands, so a redelivered one is skipped.

use std::collections::HashSet;
use std::time::Duration;

use deadpool_postgres::GenericClient;
use uuid::Uuid;

/// Records that the commands `ids` are being applied; returns those recorded before (repeats).
pub async fn record(
    client: &impl GenericClient,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>, tokio_postgres::Error> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let statement = client
        .prepare_cached(
            "INSERT INTO processed_commands (id) SELECT unnest($1::uuid[])
             ON CONFLICT (id) DO NOTHING RETURNING id",
        )
        .await?;
    let fresh: HashSet<Uuid> = client
        .query(&statement, &[&ids])
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    Ok(ids
        .iter()
        .filter(|id| !fresh.contains(id))
        .copied()
        .collect())
}

/// Forgets commands applied longer ago than `age`; returns how many.
pub async fn prune(
    client: &impl GenericClient,
    age: Duration,
) -> Result<u64, tokio_postgres::Error> {
    let seconds = age.as_secs_f64();
    client
        .execute(
            &client.prepare_cached("DELETE FROM processed_commands WHERE applied_at < now() - make_interval(secs => $1)").await?,
            &[&seconds],
        )
        .await
}
