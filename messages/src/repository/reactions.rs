//! SQL of reactions: one per (user, message, emoji), changed under the message's row lock.

use deadpool_postgres::GenericClient;
use shared::chat::Peer;
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

/// The order reactors are listed in: by emoji in the order each first appeared, then each
/// emoji's reactors in the order they reacted. (The counts' order in [`counts`] is the same.)
const REACTOR_ORDER: &str =
    "ORDER BY min(r.created_at) OVER (PARTITION BY r.emoji), r.emoji, r.created_at";

/// Who reacted to `message` with what, in [`REACTOR_ORDER`].
pub async fn reactors(
    client: &impl GenericClient,
    message: MessageId,
) -> Result<Vec<(UserId, String)>, tokio_postgres::Error> {
    Ok(client
        .query(
            &client
                .prepare_cached(&format!(
                    "SELECT r.user_id, r.emoji FROM message_reactions r WHERE r.message_id = $1
                     {REACTOR_ORDER}"
                ))
                .await?,
            &[&message.as_uuid()],
        )
        .await?
        .iter()
        .map(|row| (row.get::<_, Uuid>(0).into(), row.get(1)))
        .collect())
}

/// [`reactors`] with each reactor's username, for showing who reacted.
pub async fn named_reactors(
    client: &impl GenericClient,
    message: MessageId,
) -> Result<Vec<(Peer, String)>, tokio_postgres::Error> {
    Ok(client
        .query(
            &client
                .prepare_cached(&format!(
                    "SELECT r.user_id, u.username, r.emoji
                     FROM message_reactions r JOIN users u ON u.id = r.user_id
                     WHERE r.message_id = $1
                     {REACTOR_ORDER}"
                ))
                .await?,
            &[&message.as_uuid()],
        )
        .await?
        .iter()
        .map(|row| {
            let user = Peer {
                id: row.get::<_, Uuid>(0).into(),
                username: row.get(1),
            };
            (user, row.get(2))
        })
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
