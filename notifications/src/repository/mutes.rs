//! The `mutes` table: conversations whose notifications a user does not want pushed.
//!
//! A mute whose `until` has passed means nothing: every query here and in
//! [`super::notifications`] reads only active ones ([`ACTIVE`]), and [`prune`] removes the rest.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;
use shared::ids::{ConversationId, UserId};

/// The SQL condition, on a row `m` of `mutes`, of a mute in force now. One rule, used by every
/// statement that reads mutes.
pub const ACTIVE: &str = "(m.until IS NULL OR m.until > now())";

/// A mute as `GET /api/notifications/mutes` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mute {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Until when; `null` until unmuted.
    pub until: Option<DateTime<Utc>>,
}

/// How many mutes in force `user` may have at once.
pub const MAX_MUTES: i64 = 1000;

/// Mutes `conversation` for `user` until `until` (or until unmuted), replacing an earlier
/// mute of it. False (and nothing changes) if `user` already has [`MAX_MUTES`] others in force.
pub async fn put(
    client: &impl GenericClient,
    user: UserId,
    conversation: ConversationId,
    until: Option<DateTime<Utc>>,
) -> Result<bool, tokio_postgres::Error> {
    let changed = client
        .execute(
            &client
                .prepare_cached(&format!(
                    "INSERT INTO mutes (user_id, conversation_id, until)
                     SELECT $1, $2, $3
                      WHERE (SELECT count(*) FROM mutes m
                              WHERE m.user_id = $1 AND m.conversation_id <> $2 AND {ACTIVE}) < $4
                     ON CONFLICT (user_id, conversation_id) DO UPDATE SET until = EXCLUDED.until"
                ))
                .await?,
            &[&user.as_uuid(), &conversation.as_uuid(), &until, &MAX_MUTES],
        )
        .await?;
    Ok(changed > 0)
}

/// Unmutes `conversation` for `user`; nothing if it was not muted.
pub async fn delete(
    client: &impl GenericClient,
    user: UserId,
    conversation: ConversationId,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            &client
                .prepare_cached("DELETE FROM mutes WHERE user_id = $1 AND conversation_id = $2")
                .await?,
            &[&user.as_uuid(), &conversation.as_uuid()],
        )
        .await?;
    Ok(())
}

/// `user`'s mutes in force, those ending soonest first, the ones without end last.
pub async fn list(
    client: &impl GenericClient,
    user: UserId,
) -> Result<Vec<Mute>, tokio_postgres::Error> {
    client
        .query(
            &client
                .prepare_cached(&format!(
                    "SELECT m.conversation_id, m.until FROM mutes m
                      WHERE m.user_id = $1 AND {ACTIVE}
                      ORDER BY m.until ASC NULLS LAST, m.conversation_id"
                ))
                .await?,
            &[&user.as_uuid()],
        )
        .await?
        .iter()
        .map(|row| {
            Ok(Mute {
                conversation_id: ConversationId::from(row.try_get::<_, uuid::Uuid>(0)?),
                until: row.try_get(1)?,
            })
        })
        .collect()
}

/// Whether `user` has muted `conversation` now.
pub async fn is_muted(
    client: &impl GenericClient,
    user: UserId,
    conversation: ConversationId,
) -> Result<bool, tokio_postgres::Error> {
    let row = client
        .query_one(
            &client
                .prepare_cached(&format!(
                    "SELECT EXISTS (SELECT 1 FROM mutes m
                      WHERE m.user_id = $1 AND m.conversation_id = $2 AND {ACTIVE})"
                ))
                .await?,
            &[&user.as_uuid(), &conversation.as_uuid()],
        )
        .await?;
    row.try_get(0)
}

/// How each of `targets` (an owner and a conversation) is reached by a new notification, in
/// order, in one statement: whether the conversation is muted for the owner, and whether the
/// owner has any push subscription.
pub async fn reach(
    client: &impl GenericClient,
    targets: &[(UserId, ConversationId)],
) -> Result<Vec<Reach>, tokio_postgres::Error> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let owners: Vec<uuid::Uuid> = targets.iter().map(|(u, _)| u.as_uuid()).collect();
    let conversations: Vec<uuid::Uuid> = targets.iter().map(|(_, c)| c.as_uuid()).collect();
    client
        .query(
            &client
                .prepare_cached(&format!(
                    "SELECT EXISTS (SELECT 1 FROM mutes m
                              WHERE m.user_id = t.owner AND m.conversation_id = t.conversation
                                AND {ACTIVE}),
                            EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.user_id = t.owner)
                       FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY
                            AS t(owner, conversation, position)
                      ORDER BY t.position"
                ))
                .await?,
            &[&owners, &conversations],
        )
        .await?
        .iter()
        .map(|row| {
            Ok(Reach {
                muted: row.try_get(0)?,
                subscribed: row.try_get(1)?,
            })
        })
        .collect()
}

/// How a new notification reaches its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reach {
    /// Its conversation is muted: stored only, neither pushed nor sent live.
    pub muted: bool,
    /// The owner has a push subscription, so a push job is worth writing.
    pub subscribed: bool,
}

/// Deletes mutes that have ended. Returns how many.
pub async fn prune(client: &impl GenericClient) -> Result<u64, tokio_postgres::Error> {
    client
        .execute(
            "DELETE FROM mutes WHERE until IS NOT NULL AND until <= now()",
            &[],
        )
        .await
}
