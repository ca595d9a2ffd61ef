//! SQL of the accounts messages knows: who can receive messages, and peers' usernames.

use std::collections::HashMap;

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

/// Records (or renames) each of `users` in one statement.
pub async fn upsert_many(
    client: &impl GenericClient,
    users: &[(UserId, String)],
) -> Result<(), tokio_postgres::Error> {
    if users.is_empty() {
        return Ok(());
    }
    let ids: Vec<uuid::Uuid> = users.iter().map(|(id, _)| id.as_uuid()).collect();
    let names: Vec<&str> = users.iter().map(|(_, name)| name.as_str()).collect();
    client
        .execute(
            &client
                .prepare_cached(
                    "INSERT INTO users (id, username)
                     SELECT DISTINCT ON (id) id, username FROM unnest($1::uuid[], $2::text[]) AS t(id, username)
                     ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username
                     WHERE users.username IS DISTINCT FROM EXCLUDED.username",
                )
                .await?,
            &[&ids, &names],
        )
        .await?;
    Ok(())
}

/// The known accounts among `ids`, with the names recorded for them.
pub async fn names(
    client: &impl GenericClient,
    ids: &[UserId],
) -> Result<HashMap<UserId, String>, tokio_postgres::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<uuid::Uuid> = ids.iter().map(UserId::as_uuid).collect();
    Ok(client
        .query(
            &client
                .prepare_cached("SELECT id, username FROM users WHERE id = ANY($1)")
                .await?,
            &[&ids],
        )
        .await?
        .iter()
        .map(|row| (row.get::<_, uuid::Uuid>(0).into(), row.get(1)))
        .collect())
}
