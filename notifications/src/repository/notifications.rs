//! The `notifications` table.

use deadpool_postgres::GenericClient;
use shared::events::ConversationKind;
use shared::ids::{ConversationId, MessageId, UserId};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::domain::{
    Cursor, ListQuery, NewNotification, Notification, NotificationId, NotificationKind,
};
use crate::error::NotificationsError;

/// Stores `new`, already read if `read` (its conversation was read past it). `None` if its
/// owner already has a notification of that message: storing is idempotent.
///
/// The sender's username is copied from `users` if known, and filled in by
/// [`super::users::record`] once it is.
pub async fn insert(
    client: &impl GenericClient,
    new: &NewNotification,
    read: bool,
) -> Result<Option<Notification>, NotificationsError> {
    let row = client
        .query_opt(
            &client.prepare_cached("WITH n AS (
                 INSERT INTO notifications (id, owner_id, type, conversation_id, message_id, seq,
                                            sender_id, sender_username, preview, created_at, read_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT username FROM users WHERE id = $7),
                         $8, $9, CASE WHEN $10 THEN now() END)
                 ON CONFLICT ON CONSTRAINT notifications_one_per_message DO NOTHING
                 RETURNING id, type, conversation_id, message_id, sender_id,
                           COALESCE(sender_username, '') AS sender_username, preview, created_at,
                           read_at
             )
             SELECT n.*, g.id IS NOT NULL AS in_group, g.name AS group_name
             FROM n LEFT JOIN group_conversations g ON g.id = n.conversation_id").await?,
            &[
                &new.id.as_uuid(),
                &new.owner.as_uuid(),
                &new.kind.as_str(),
                &new.conversation_id.as_uuid(),
                &new.message_id.as_uuid(),
                &new.seq,
                &new.sender_id.as_uuid(),
                &new.preview,
                &new.created_at,
                &read,
            ],
        )
        .await?;
    row.as_ref().map(notification).transpose()
}

/// One page of a listing.
#[derive(Clone, Debug)]
pub struct Page {
    /// At most `query.limit` notifications, newest first.
    pub notifications: Vec<Notification>,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}

/// `owner`'s notifications matching `query`, newest first, after its cursor.
///
/// Keyset pagination on `(created_at, id)`, a total order, descending: the next page starts
/// strictly after the previous page's last row, which the `notifications_by_owner` index (or
/// its unread twin) serves directly. One extra row is read to learn whether another page
/// follows. The statement is assembled from fixed fragments; every value is a bound parameter.
pub async fn list(
    client: &impl GenericClient,
    owner: UserId,
    query: &ListQuery,
) -> Result<Page, NotificationsError> {
    let owner = owner.as_uuid();
    let limit = usize::from(query.limit.get());
    let fetch = i64::from(query.limit.get()) + 1;
    let after = query
        .cursor
        .map(|cursor| (cursor.created_at, cursor.id.as_uuid()));

    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&owner, &fetch];
    let mut sql = String::from(
        "SELECT n.id, n.type, n.conversation_id, n.message_id, n.sender_id,
                COALESCE(n.sender_username, u.username, '') AS sender_username, n.preview,
                n.created_at, n.read_at, g.id IS NOT NULL AS in_group, g.name AS group_name
           FROM notifications n LEFT JOIN users u ON u.id = n.sender_id
                LEFT JOIN group_conversations g ON g.id = n.conversation_id
          WHERE n.owner_id = $1",
    );
    if query.unread_only {
        sql.push_str(" AND n.read_at IS NULL");
    }
    if let Some((created_at, id)) = &after {
        params.push(created_at);
        params.push(id);
        sql.push_str(" AND (n.created_at, n.id) < ($3, $4)");
    }
    sql.push_str(" ORDER BY n.created_at DESC, n.id DESC LIMIT $2");

    let rows = client.query(sql.as_str(), &params).await?;
    let more = rows.len() > limit;
    let notifications = rows
        .iter()
        .take(limit)
        .map(notification)
        .collect::<Result<Vec<_>, _>>()?;
    let next = more
        .then(|| notifications.last())
        .flatten()
        .map(|last| Cursor {
            created_at: last.created_at,
            id: last.id,
        });
    Ok(Page {
        notifications,
        next,
    })
}

/// How many of `owner`'s notifications are unread, leaving out the conversations `owner` has
/// muted (the bell's badge).
pub async fn unread_count(
    client: &impl GenericClient,
    owner: UserId,
) -> Result<i64, NotificationsError> {
    let row = client
        .query_one(
            &client
                .prepare_cached(&format!(
                    "SELECT count(*) FROM notifications n
                      WHERE n.owner_id = $1 AND n.read_at IS NULL
                        AND NOT EXISTS (SELECT 1 FROM mutes m
                                         WHERE m.user_id = $1
                                           AND m.conversation_id = n.conversation_id
                                           AND {})",
                    super::mutes::ACTIVE
                ))
                .await?,
            &[&owner.as_uuid()],
        )
        .await?;
    Ok(row.try_get(0)?)
}

/// The notification `id` and its owner, as a push of it shows it; `None` if it is gone.
pub async fn find(
    client: &impl GenericClient,
    id: NotificationId,
) -> Result<Option<(UserId, Notification)>, NotificationsError> {
    let row = client
        .query_opt(
            &client
                .prepare_cached(
                    "SELECT n.owner_id, n.id, n.type, n.conversation_id, n.message_id, n.sender_id,
                            COALESCE(n.sender_username, u.username, '') AS sender_username,
                            n.preview, n.created_at, n.read_at, g.id IS NOT NULL AS in_group,
                            g.name AS group_name
                       FROM notifications n LEFT JOIN users u ON u.id = n.sender_id
                            LEFT JOIN group_conversations g ON g.id = n.conversation_id
                      WHERE n.id = $1",
                )
                .await?,
            &[&id.as_uuid()],
        )
        .await?;
    row.map(|row| {
        Ok((
            UserId::from(row.try_get::<_, Uuid>("owner_id")?),
            notification(&row)?,
        ))
    })
    .transpose()
}

/// Marks those of `ids` that are `owner`'s and unread as read now; others' ids match nothing.
/// Returns how many changed.
pub async fn mark_read(
    client: &impl GenericClient,
    owner: UserId,
    ids: &[NotificationId],
) -> Result<u64, NotificationsError> {
    let ids: Vec<Uuid> = ids.iter().map(NotificationId::as_uuid).collect();
    Ok(client
        .execute(
            &client
                .prepare_cached(
                    "UPDATE notifications SET read_at = now()
              WHERE owner_id = $1 AND id = ANY($2) AND read_at IS NULL",
                )
                .await?,
            &[&owner.as_uuid(), &ids],
        )
        .await?)
}

/// Marks every unread notification of `owner` read now. Returns how many changed.
pub async fn mark_all_read(
    client: &impl GenericClient,
    owner: UserId,
) -> Result<u64, NotificationsError> {
    Ok(client
        .execute(
            &client.prepare_cached("UPDATE notifications SET read_at = now() WHERE owner_id = $1 AND read_at IS NULL").await?,
            &[&owner.as_uuid()],
        )
        .await?)
}

/// Marks `owner`'s unread notifications of `conversation` up to and including `seq` read now.
/// Returns how many changed.
pub async fn mark_conversation_read_up_to(
    client: &impl GenericClient,
    owner: UserId,
    conversation: ConversationId,
    seq: i64,
) -> Result<u64, NotificationsError> {
    Ok(client
        .execute(
            &client
                .prepare_cached(
                    "UPDATE notifications SET read_at = now()
              WHERE owner_id = $1 AND conversation_id = $2 AND seq <= $3 AND read_at IS NULL",
                )
                .await?,
            &[&owner.as_uuid(), &conversation.as_uuid(), &seq],
        )
        .await?)
}

fn notification(row: &Row) -> Result<Notification, NotificationsError> {
    let kind: &str = row.try_get("type")?;
    Ok(Notification {
        id: NotificationId::from(row.try_get::<_, Uuid>("id")?),
        kind: NotificationKind::parse(kind).ok_or_else(|| {
            anyhow::anyhow!("unknown notification type {kind:?} in the notifications table")
        })?,
        conversation_id: ConversationId::from(row.try_get::<_, Uuid>("conversation_id")?),
        conversation_kind: if row.try_get("in_group")? {
            ConversationKind::Group
        } else {
            ConversationKind::Direct
        },
        conversation_name: row.try_get("group_name")?,
        message_id: MessageId::from(row.try_get::<_, Uuid>("message_id")?),
        sender_id: UserId::from(row.try_get::<_, Uuid>("sender_id")?),
        sender_username: row.try_get("sender_username")?,
        preview: row.try_get("preview")?,
        created_at: row.try_get("created_at")?,
        read_at: row.try_get("read_at")?,
    })
}

/// Deletes `owner`'s notifications of `conversation` (they left it or were removed).
pub async fn delete_of_conversation(
    client: &impl GenericClient,
    owner: UserId,
    conversation: ConversationId,
) -> Result<u64, NotificationsError> {
    Ok(client
        .execute(
            &client
                .prepare_cached(
                    "DELETE FROM notifications WHERE owner_id = $1 AND conversation_id = $2",
                )
                .await?,
            &[&owner.as_uuid(), &conversation.as_uuid()],
        )
        .await?)
}

/// Deletes every notification of `message` (it was deleted).
pub async fn delete_of_message(
    client: &impl GenericClient,
    message: MessageId,
) -> Result<u64, NotificationsError> {
    Ok(client
        .execute(
            &client
                .prepare_cached("DELETE FROM notifications WHERE message_id = $1")
                .await?,
            &[&message.as_uuid()],
        )
        .await?)
}

/// Gives every notification of `message` the preview of its new text (it was edited).
pub async fn set_preview(
    client: &impl GenericClient,
    message: MessageId,
    preview: &str,
) -> Result<u64, NotificationsError> {
    Ok(client
        .execute(
            &client
                .prepare_cached("UPDATE notifications SET preview = $2 WHERE message_id = $1")
                .await?,
            &[&message.as_uuid(), &preview],
        )
        .await?)
}
