//! SQL of reactions: one per (user, message, emoji), changed under the message's row lock.

use deadpool_postgres::GenericClient;
use shared::events::ReactionCount;
use shared::ids::{MessageId, UserId};
use uuid::Uuid;

/// The most different emoji one message may carry.
pub const MAX_EMOJI_PER_MESSAGE: i64 = 20;

/// What a toggle did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Toggled {
    /// The reaction was added.
    Added,
    /// The reaction was taken back.
    Removed,
    /// It would be the message's 21st different emoji: nothing changed.
    TooMany,
}

/// Toggles `user`'s reaction with `emoji` on `message` (locked by the caller).
pub async fn toggle(
    client: &impl GenericClient,
    message: MessageId,
    user: UserId,
    emoji: &str,
) -> Result<Toggled, tokio_postgres::Error> {
    let removed = client
        .execute(
            &client
                .prepare_cached(
                    "DELETE FROM message_reactions
                     WHERE message_id = $1 AND user_id = $2 AND emoji = $3",
                )
                .await?,
            &[&message.as_uuid(), &user.as_uuid(), &emoji],
        )
        .await?;
    if removed > 0 {
        return Ok(Toggled::Removed);
    }
    // Adding a new emoji only while there are fewer than 20; one more of an emoji already there
    // is always fine.
    let added = client
        .execute(
            &client
                .prepare_cached(
                    "INSERT INTO message_reactions (message_id, user_id, emoji)
                     SELECT $1, $2, $3
                     WHERE EXISTS (SELECT 1 FROM message_reactions WHERE message_id = $1 AND emoji = $3)
                        OR (SELECT count(DISTINCT emoji) FROM message_reactions WHERE message_id = $1) < $4",
                )
                .await?,
            &[&message.as_uuid(), &user.as_uuid(), &emoji, &MAX_EMOJI_PER_MESSAGE],
        )
        .await?;
    Ok(if added > 0 {
        Toggled::Added
    } else {
        Toggled::TooMany
    })
}

/// Who reacted to `message` with what, in the order the emoji first appeared.
pub async fn reactors(
    client: &impl GenericClient,
    message: MessageId,
) -> Result<Vec<(UserId, String)>, tokio_postgres::Error> {
    Ok(client
        .query(
            &client
                .prepare_cached(
                    "SELECT user_id, emoji FROM message_reactions WHERE message_id = $1
                     ORDER BY min(created_at) OVER (PARTITION BY emoji), emoji, created_at",
                )
                .await?,
            &[&message.as_uuid()],
        )
        .await?
        .iter()
        .map(|row| (row.get::<_, Uuid>(0).into(), row.get(1)))
        .collect())
}

/// The reactions of each of `messages` as `viewer` sees them, by emoji in the order each first
/// appeared.
pub async fn counts(
    client: &impl GenericClient,
    messages: &[Uuid],
    viewer: UserId,
) -> Result<Vec<(Uuid, ReactionCount)>, tokio_postgres::Error> {
    Ok(client
        .query(
            &client
                .prepare_cached(
                    "SELECT message_id, emoji, count(*), bool_or(user_id = $2)
                     FROM message_reactions WHERE message_id = ANY($1)
                     GROUP BY message_id, emoji
                     ORDER BY message_id, min(created_at), emoji",
                )
                .await?,
            &[&messages, &viewer.as_uuid()],
        )
        .await?
        .iter()
        .map(|row| {
            (
                row.get(0),
                ReactionCount {
                    emoji: row.get(1),
                    count: row.get(2),
                    mine: row.get(3),
                },
            )
        })
        .collect())
}

/// Reactions counted from a list of reactors (for a delivery, without a viewer).
pub fn tally(reactors: &[(UserId, String)]) -> Vec<ReactionCount> {
    let mut counts: Vec<ReactionCount> = Vec::new();
    for (_, emoji) in reactors {
        match counts.iter_mut().find(|c| c.emoji == *emoji) {
            Some(count) => count.count += 1,
            None => counts.push(ReactionCount {
                emoji: emoji.clone(),
                count: 1,
                mine: false,
            }),
        }
    }
    counts
}
