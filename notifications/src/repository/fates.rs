//! SQL of `message_fates`: what became of a message after it was sent (deleted, edited), for a
//! `message.sent` that arrives after the news (see the migration).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use shared::ids::MessageId;
use uuid::Uuid;

use crate::error::NotificationsError;

/// What is known of a message's fate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fate {
    /// It was deleted: it notifies nobody.
    pub deleted: bool,
    /// Its latest text's preview, if it was edited.
    pub preview: Option<String>,
}

/// Notes that `message` was deleted.
pub async fn deleted(
    client: &impl GenericClient,
    message: MessageId,
) -> Result<(), NotificationsError> {
    client
        .execute(
            &client
                .prepare_cached(
                    "INSERT INTO message_fates (message_id, deleted) VALUES ($1, true)
                     ON CONFLICT (message_id) DO UPDATE SET deleted = true, noted_at = now()",
                )
                .await?,
            &[&message.as_uuid()],
        )
        .await?;
    Ok(())
}

/// Notes `message`'s text as of `edited_at`, unless a later edit is already noted; whether it
/// is the latest.
pub async fn edited(
    client: &impl GenericClient,
    message: MessageId,
    preview: &str,
    edited_at: DateTime<Utc>,
) -> Result<bool, NotificationsError> {
    Ok(client
        .execute(
            &client
                .prepare_cached(
                    "INSERT INTO message_fates (message_id, preview, edited_at) VALUES ($1, $2, $3)
                     ON CONFLICT (message_id) DO UPDATE
                         SET preview = EXCLUDED.preview, edited_at = EXCLUDED.edited_at,
                             noted_at = now()
                         WHERE message_fates.edited_at IS NULL
                            OR message_fates.edited_at < EXCLUDED.edited_at",
                )
                .await?,
            &[&message.as_uuid(), &preview, &edited_at],
        )
        .await?
        > 0)
}

/// What is known of each of `messages` that has a fate (one round trip for a batch).
pub async fn of(
    client: &impl GenericClient,
    messages: &[MessageId],
) -> Result<HashMap<MessageId, Fate>, NotificationsError> {
    let ids: Vec<Uuid> = messages.iter().map(MessageId::as_uuid).collect();
    Ok(client
        .query(
            &client
                .prepare_cached(
                    "SELECT message_id, deleted, preview FROM message_fates WHERE message_id = ANY($1)",
                )
                .await?,
            &[&ids],
        )
        .await?
        .iter()
        .map(|row| {
            (
                row.get::<_, Uuid>(0).into(),
                Fate {
                    deleted: row.get(1),
                    preview: row.get(2),
                },
            )
        })
        .collect())
}

/// Forgets fates noted more than a day ago: a `message.sent` is long delivered by then.
pub async fn prune(client: &impl GenericClient) -> Result<u64, NotificationsError> {
    Ok(client
        .execute(
            &client
                .prepare_cached(
                    "DELETE FROM message_fates WHERE noted_at < now() - interval '1 day'",
                )
                .await?,
            &[],
        )
        .await?)
}
