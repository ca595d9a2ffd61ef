//! SQL of the accounts messages knows: who can receive messages, and peers' usernames.

use deadpool_postgres::GenericClient;
use shared::ids::UserId;

/// Records (or renames) a user.
pub async fn upsert(
    client: &impl GenericClient,
    id: UserId,
    username: &str,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            &client
                .prepare_cached(
                    "INSERT INTO users (id, username) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username
             WHERE users.username IS DISTINCT FROM EXCLUDED.username",
                )
                .await?,
            &[&id.as_uuid(), &username],
        )
        .await?;
    Ok(())
}

/// Whether `id` is a known account.
pub async fn exists(
    client: &impl GenericClient,
    id: UserId,
) -> Result<bool, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            &client
                .prepare_cached("SELECT 1 FROM users WHERE id = $1")
                .await?,
            &[&id.as_uuid()],
        )
        .await?
        .is_some())
}

/// Whether every one of `ids` is a known account.
pub async fn all_exist(
    client: &impl GenericClient,
    ids: &[UserId],
) -> Result<bool, tokio_postgres::Error> {
    let ids: Vec<uuid::Uuid> = ids.iter().map(UserId::as_uuid).collect();
    let known: i64 = client
        .query_one(
            &client
                .prepare_cached("SELECT count(*) FROM users WHERE id = ANY($1)")
                .await?,
            &[&ids],
        )
        .await?
        .get(0);
    Ok(known == ids.len() as i64)
}
