//! The `users` table: usernames by id, to name a notification's sender.

use deadpool_postgres::GenericClient;
use shared::ids::UserId;

/// Records `username` for `id` (the latest spelling wins) and names the notifications stored
/// before it was known. Idempotent. Returns how many notifications were named.
pub async fn record(
    client: &impl GenericClient,
    id: UserId,
    username: &str,
) -> Result<u64, tokio_postgres::Error> {
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
    client
        .execute(
            &client
                .prepare_cached(
                    "UPDATE notifications SET sender_username = $2
              WHERE sender_id = $1 AND sender_username IS NULL",
                )
                .await?,
            &[&id.as_uuid(), &username],
        )
        .await
}
