//! The inbox: envelope ids of events already applied, written in the same transaction as their
//! effect so that a redelivered event changes nothing.

use deadpool_postgres::GenericClient;
use shared::ids::EventId;

/// Records `event` as applied. `false` if it already was: the caller must then skip the effect
/// (and roll back, which dropping the transaction does).
pub async fn record(
    client: &impl GenericClient,
    event: EventId,
) -> Result<bool, tokio_postgres::Error> {
    let inserted = client
        .execute(
            "INSERT INTO processed_events (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING",
            &[&event.as_uuid()],
        )
        .await?;
    Ok(inserted == 1)
}
