//! SQL of votes: one per user per message, counted on the message row under its lock.

use deadpool_postgres::GenericClient;
use shared::events::Vote;
use shared::ids::{ConversationId, MessageId, UserId};
use uuid::Uuid;

use super::messages::vote_from_db;

/// A message locked for a change (a vote, an edit, a delete, a reaction).
pub struct LockedMessage {
    /// Its conversation.
    pub conversation: ConversationId,
    /// Who wrote it.
    pub sender: UserId,
    /// A system message cannot be changed by anyone.
    pub system: bool,
}

/// Locks `message` for a change (one change at a time per message, so its counters stay
/// exact), if it exists.
pub async fn lock_message(
    client: &impl GenericClient,
    message: MessageId,
) -> Result<Option<LockedMessage>, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            &client
                .prepare_cached(
                    "SELECT conversation_id, sender_id, kind = 'system' FROM messages
                     WHERE id = $1 FOR UPDATE",
                )
                .await?,
            &[&message.as_uuid()],
        )
        .await?
        .map(|row| LockedMessage {
            conversation: row.get::<_, Uuid>(0).into(),
            sender: row.get::<_, Uuid>(1).into(),
            system: row.get(2),
        }))
}

fn to_db(vote: Vote) -> i16 {
    match vote {
        Vote::Up => 1,
        Vote::Down => -1,
    }
}

/// The counts after a change, and the version they belong to.
#[derive(Clone, Copy, Debug)]
pub struct Tally {
    /// Up-votes.
    pub up: i64,
    /// Down-votes.
    pub down: i64,
    /// Bumped by every change.
    pub version: i64,
}

/// Applies `sent` by `voter`: the same vote again withdraws it, the other one switches it.
/// Returns the voter's vote now and the new counts.
pub async fn apply(
    client: &impl GenericClient,
    message: MessageId,
    voter: UserId,
    sent: Vote,
) -> Result<(Option<Vote>, Tally), tokio_postgres::Error> {
    let current = vote_from_db(
        client
            .query_opt(
                &client
                    .prepare_cached(
                        "SELECT vote FROM message_votes WHERE message_id = $1 AND user_id = $2",
                    )
                    .await?,
                &[&message.as_uuid(), &voter.as_uuid()],
            )
            .await?
            .map(|row| row.get::<_, i16>(0)),
    );
    let now = if current == Some(sent) {
        None
    } else {
        Some(sent)
    };
    match now {
        None => {
            client
                .execute(
                    &client
                        .prepare_cached(
                            "DELETE FROM message_votes WHERE message_id = $1 AND user_id = $2",
                        )
                        .await?,
                    &[&message.as_uuid(), &voter.as_uuid()],
                )
                .await?;
        }
        Some(vote) => {
            client
                .execute(
            &client.prepare_cached("INSERT INTO message_votes (message_id, user_id, vote) VALUES ($1, $2, $3)
                     ON CONFLICT (message_id, user_id) DO UPDATE SET vote = EXCLUDED.vote").await?,
                    &[&message.as_uuid(), &voter.as_uuid(), &to_db(vote)],
                )
                .await?;
        }
    }
    let delta = |v: Option<Vote>, which: Vote| i64::from(v == Some(which));
    let up = delta(now, Vote::Up) - delta(current, Vote::Up);
    let down = delta(now, Vote::Down) - delta(current, Vote::Down);
    let row = client
        .query_one(
            &client
                .prepare_cached(
                    "UPDATE messages SET up_votes = up_votes + $2, down_votes = down_votes + $3,
                 votes_version = votes_version + 1
             WHERE id = $1 RETURNING up_votes, down_votes, votes_version",
                )
                .await?,
            &[&message.as_uuid(), &up, &down],
        )
        .await?;
    Ok((
        now,
        Tally {
            up: row.get(0),
            down: row.get(1),
            version: row.get(2),
        },
    ))
}

/// Each member's own vote on `message`.
pub async fn of_members(
    client: &impl GenericClient,
    message: MessageId,
    members: &[UserId],
) -> Result<Vec<(UserId, Option<Vote>)>, tokio_postgres::Error> {
    let rows = client
        .query(
            &client
                .prepare_cached("SELECT user_id, vote FROM message_votes WHERE message_id = $1")
                .await?,
            &[&message.as_uuid()],
        )
        .await?;
    Ok(members
        .iter()
        .map(|member| {
            let vote = rows
                .iter()
                .find(|row| row.get::<_, Uuid>(0) == member.as_uuid())
                .and_then(|row| vote_from_db(Some(row.get(1))));
            (*member, vote)
        })
        .collect())
}

/// Counts and version of messages, straight from Postgres (for rebuilding the cache).
pub async fn tallies(
    client: &impl GenericClient,
    messages: &[Uuid],
) -> Result<Vec<(Uuid, Tally)>, tokio_postgres::Error> {
    Ok(client
        .query(
            &client.prepare_cached("SELECT id, up_votes, down_votes, votes_version FROM messages WHERE id = ANY($1)").await?,
            &[&messages],
        )
        .await?
        .iter()
        .map(|row| {
            (
                row.get(0),
                Tally {
                    up: row.get(1),
                    down: row.get(2),
                    version: row.get(3),
                },
            )
        })
        .collect())
}
