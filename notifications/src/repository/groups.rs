//! SQL of groups as notifications knows them: members and names, changed only by a system
//! message newer than the last change (see the migration).

use deadpool_postgres::GenericClient;
use shared::ids::{ConversationId, UserId};
use uuid::Uuid;

use crate::error::NotificationsError;

/// Names group `conversation`, unless a newer system message already did.
pub async fn name(
    client: &impl GenericClient,
    conversation: ConversationId,
    name: &str,
    seq: i64,
) -> Result<(), NotificationsError> {
    client
        .execute(
            &client
                .prepare_cached(
                    "INSERT INTO group_conversations (id, name, name_seq) VALUES ($1, $2, $3)
                     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, name_seq = EXCLUDED.name_seq
                     WHERE group_conversations.name_seq < EXCLUDED.name_seq",
                )
                .await?,
            &[&conversation.as_uuid(), &name, &seq],
        )
        .await?;
    Ok(())
}

/// Records that `users` joined (`member`) or left `conversation` at `seq`, unless a newer
/// system message already changed them; returns those it changed.
pub async fn set_members(
    client: &impl GenericClient,
    conversation: ConversationId,
    users: &[UserId],
    member: bool,
    seq: i64,
) -> Result<Vec<UserId>, NotificationsError> {
    let users: Vec<Uuid> = users.iter().map(UserId::as_uuid).collect();
    Ok(client
        .query(
            &client
                .prepare_cached(
                    "INSERT INTO group_members (conversation_id, user_id, member, changed_seq)
                     SELECT $1, u, $3, $4 FROM unnest($2::uuid[]) AS u
                     ON CONFLICT (conversation_id, user_id) DO UPDATE
                         SET member = EXCLUDED.member, changed_seq = EXCLUDED.changed_seq
                         WHERE group_members.changed_seq < EXCLUDED.changed_seq
                     RETURNING user_id",
                )
                .await?,
            &[&conversation.as_uuid(), &users, &member, &seq],
        )
        .await?
        .iter()
        .map(|row| row.get::<_, Uuid>(0).into())
        .collect())
}

/// The members of group `conversation` as of its latest system message seen.
pub async fn members(
    client: &impl GenericClient,
    conversation: ConversationId,
) -> Result<Vec<UserId>, NotificationsError> {
    Ok(client
        .query(
            &client
                .prepare_cached(
                    "SELECT user_id FROM group_members WHERE conversation_id = $1 AND member",
                )
                .await?,
            &[&conversation.as_uuid()],
        )
        .await?
        .iter()
        .map(|row| row.get::<_, Uuid>(0).into())
        .collect())
}
