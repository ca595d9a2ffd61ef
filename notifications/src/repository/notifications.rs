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

/// Stores `new`, in one statement however many there are, and returns those stored, each with
/// its place in `new`: a notification is stored already read when its owner has read the
/// conversation past it, and not at all when its owner already has one of that message
/// (storing is idempotent).
///
/// Each owner's read watermark of the conversation is locked first, in one order for every
/// batch (see [`super::read_watermarks`]), so that a `message.read` of the same conversation
/// and reader takes its turn before or after, never in between.
///
/// The sender's username is copied from `users` if known, and filled in by
/// [`super::users::record`] once it is.
pub async fn insert_many(
    client: &impl GenericClient,
    new: &[NewNotification],
) -> Result<Vec<(usize, Notification)>, NotificationsError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let column = |f: fn(&NewNotification) -> Uuid| new.iter().map(f).collect::<Vec<Uuid>>();
    let ids = column(|n| n.id.as_uuid());
    let owners = column(|n| n.owner.as_uuid());
    let conversations = column(|n| n.conversation_id.as_uuid());
    let messages = column(|n| n.message_id.as_uuid());
    let senders = column(|n| n.sender_id.as_uuid());
    let kinds: Vec<&str> = new.iter().map(|n| n.kind.as_str()).collect();
    let seqs: Vec<i64> = new.iter().map(|n| n.seq).collect();
    let previews: Vec<&str> = new.iter().map(|n| n.preview.as_str()).collect();
    let created: Vec<_> = new.iter().map(|n| n.created_at).collect();
    let rows = client
        .query(
            &client
                .prepare_cached(
                    "WITH input AS (
                         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[],
                                              $5::uuid[], $6::bigint[], $7::uuid[], $8::text[],
                                              $9::timestamptz[])
                             AS t(id, owner_id, type, conversation_id, message_id, seq, sender_id,
                                  preview, created_at)
                     ),
                     watermarks AS (
                         -- A no-op update still takes the row lock, and the row must exist.
                         INSERT INTO read_watermarks (owner_id, conversation_id, read_seq)
                         SELECT DISTINCT owner_id, conversation_id, 0 FROM input
                         ORDER BY owner_id, conversation_id
                         ON CONFLICT (owner_id, conversation_id)
                             DO UPDATE SET read_seq = read_watermarks.read_seq
                         RETURNING owner_id, conversation_id, read_seq
                     ),
                     n AS (
                         INSERT INTO notifications (id, owner_id, type, conversation_id,
                                                    message_id, seq, sender_id, sender_username,
                                                    preview, created_at, read_at)
                         SELECT i.id, i.owner_id, i.type, i.conversation_id, i.message_id, i.seq,
                                i.sender_id, (SELECT username FROM users WHERE id = i.sender_id),
                                i.preview, i.created_at, CASE WHEN i.seq <= w.read_seq THEN now() END
                         FROM input i JOIN watermarks w USING (owner_id, conversation_id)
                         ON CONFLICT ON CONSTRAINT notifications_one_per_message DO NOTHING
                         RETURNING id, owner_id, type, conversation_id, message_id, sender_id,
                                   COALESCE(sender_username, '') AS sender_username, preview,
                                   created_at, read_at
                     )
                     SELECT n.*, g.id IS NOT NULL AS in_group, g.name AS group_name
                     FROM n LEFT JOIN group_conversations g ON g.id = n.conversation_id",
                )
                .await?,
            &[
                &ids,
                &owners,
                &kinds,
                &conversations,
                &messages,
                &seqs,
                &senders,
                &previews,
                &created,
            ],
        )
        .await?;
    let place: std::collections::HashMap<Uuid, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut stored = rows
        .iter()
        .map(|row| {
            let id: Uuid = row.try_get("id")?;
            let at = place.get(&id).copied().ok_or_else(|| {
                anyhow::anyhow!("the notifications insert returned a row it was not given")
            })?;
            Ok((at, notification(row)?))
        })
        .collect::<Result<Vec<_>, NotificationsError>>()?;
    stored.sort_unstable_by_key(|(at, _)| *at);
    Ok(stored)
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
