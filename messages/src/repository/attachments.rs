//! SQL of attachments: reserving an upload within the uploader's quota, claiming pending uploads
//! for a message, what a reader may fetch, and what the sweep is to delete.

use std::collections::HashMap;
use std::time::Duration;

use deadpool_postgres::GenericClient;
use shared::events::Attachment;
use shared::ids::{AttachmentId, ConversationId, MessageId, UserId};
use tokio_postgres::Row;
use uuid::Uuid;

use crate::storage::StorageKey;

/// An upload about to be stored.
pub struct NewAttachment<'a> {
    /// Its id.
    pub id: AttachmentId,
    /// Who uploads it.
    pub uploader: UserId,
    /// The safe name.
    pub filename: &'a str,
    /// Sniffed.
    pub content_type: &'a str,
    /// Stored bytes.
    pub size: u64,
    /// For an image.
    pub dimensions: Option<(u32, u32)>,
    /// The file's key.
    pub key: &'a StorageKey,
    /// The thumbnail's key and type, for an image.
    pub thumbnail: Option<(&'a StorageKey, &'a str)>,
}

/// An attachment as stored.
pub struct Stored {
    /// What readers see.
    pub attachment: Attachment,
    /// Who uploaded it.
    pub uploader: UserId,
    /// Still waiting for a send.
    pub pending: bool,
    /// Where it was sent.
    pub conversation: Option<ConversationId>,
    /// The file.
    pub key: StorageKey,
    /// The thumbnail and its type.
    pub thumbnail: Option<(StorageKey, String)>,
}

/// The gateway path of an attachment.
pub fn url(id: AttachmentId) -> String {
    format!("/api/messages/attachments/{id}")
}

/// The gateway path of an attachment's thumbnail.
pub fn thumbnail_url(id: AttachmentId) -> String {
    format!("/api/messages/attachments/{id}/thumbnail")
}

const COLUMNS: &str = "id, uploader, filename, content_type, size, width, height, storage_key, \
     thumbnail_key, thumbnail_type, status, conversation_id, message_id";

fn from_row(row: &Row) -> Stored {
    let id: AttachmentId = row.get::<_, Uuid>("id").into();
    let thumbnail_key: Option<String> = row.get("thumbnail_key");
    let thumbnail_type: Option<String> = row.get("thumbnail_type");
    Stored {
        attachment: Attachment {
            id,
            filename: row.get("filename"),
            content_type: row.get("content_type"),
            size: row.get("size"),
            width: row.get("width"),
            height: row.get("height"),
            url: url(id),
            thumbnail_url: thumbnail_key.as_ref().map(|_| thumbnail_url(id)),
        },
        uploader: row.get::<_, Uuid>("uploader").into(),
        pending: row.get::<_, &str>("status") == "pending",
        conversation: row
            .get::<_, Option<Uuid>>("conversation_id")
            .map(ConversationId::from),
        key: StorageKey::from_stored(row.get("storage_key")),
        thumbnail: thumbnail_key.map(|key| {
            (
                StorageKey::from_stored(key),
                thumbnail_type.unwrap_or_default(),
            )
        }),
    }
}

/// Serialises `uploader`'s quota decisions until the caller's transaction ends, so that
/// concurrent uploads cannot together pass the quota each saw alone.
pub async fn lock_quota(
    client: &impl GenericClient,
    uploader: UserId,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('attachments quota ' || $1::uuid::text, 0))",
            &[&uploader.as_uuid()],
        )
        .await?;
    Ok(())
}

/// The bytes `uploader`'s attachments take (those being deleted no longer count).
pub async fn used_bytes(
    client: &impl GenericClient,
    uploader: UserId,
) -> Result<u64, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT coalesce(sum(size), 0)::bigint FROM attachments
             WHERE uploader = $1 AND status <> 'deleted'",
            &[&uploader.as_uuid()],
        )
        .await?;
    Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
}

/// Records a pending upload.
pub async fn insert(
    client: &impl GenericClient,
    new: &NewAttachment<'_>,
) -> Result<Attachment, tokio_postgres::Error> {
    let size = i64::try_from(new.size).unwrap_or(i64::MAX);
    let (width, height) = match new.dimensions {
        Some((w, h)) => (
            Some(i32::try_from(w).unwrap_or(i32::MAX)),
            Some(i32::try_from(h).unwrap_or(i32::MAX)),
        ),
        None => (None, None),
    };
    let row = client
        .query_one(
            &format!(
                "INSERT INTO attachments (id, uploader, filename, content_type, size, width, height,
                                          storage_key, thumbnail_key, thumbnail_type)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 RETURNING {COLUMNS}"
            ),
            &[
                &new.id.as_uuid(),
                &new.uploader.as_uuid(),
                &new.filename,
                &new.content_type,
                &size,
                &width,
                &height,
                &new.key.as_str(),
                &new.thumbnail.map(|(key, _)| key.as_str()),
                &new.thumbnail.map(|(_, kind)| kind),
            ],
        )
        .await?;
    Ok(from_row(&row).attachment)
}

/// Forgets an upload whose bytes could not be stored.
pub async fn forget(
    client: &impl GenericClient,
    id: AttachmentId,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute("DELETE FROM attachments WHERE id = $1", &[&id.as_uuid()])
        .await?;
    Ok(())
}

/// One attachment, whoever may see it.
pub async fn find(
    client: &impl GenericClient,
    id: AttachmentId,
) -> Result<Option<Stored>, tokio_postgres::Error> {
    let row = client
        .query_opt(
            &format!("SELECT {COLUMNS} FROM attachments WHERE id = $1 AND status <> 'deleted'"),
            &[&id.as_uuid()],
        )
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Locks `ids` for claiming by a send; returns the uploader of each that is still pending.
pub async fn lock_pending(
    client: &impl GenericClient,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, UserId>, tokio_postgres::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = client
        .query(
            "SELECT id, uploader FROM attachments
             WHERE id = ANY($1) AND status = 'pending'
             ORDER BY id FOR UPDATE",
            &[&ids],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| (row.get(0), row.get::<_, Uuid>(1).into()))
        .collect())
}

/// Makes each `(attachment, message, conversation)` part of that message, in the order given
/// per message; returns every message's attachments.
pub async fn claim(
    client: &impl GenericClient,
    claims: &[(Uuid, MessageId, ConversationId)],
) -> Result<HashMap<Uuid, Vec<Attachment>>, tokio_postgres::Error> {
    if claims.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<Uuid> = claims.iter().map(|c| c.0).collect();
    let messages: Vec<Uuid> = claims.iter().map(|c| c.1.as_uuid()).collect();
    let conversations: Vec<Uuid> = claims.iter().map(|c| c.2.as_uuid()).collect();
    client
        .execute(
            "UPDATE attachments a
             SET status = 'sent', message_id = c.message_id, conversation_id = c.conversation_id,
                 position = c.ord
             FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY
                  AS c(id, message_id, conversation_id, ord)
             WHERE a.id = c.id",
            &[&ids, &messages, &conversations],
        )
        .await?;
    of_messages(client, &messages).await
}

/// The attachments of `messages`, each message's in the order they were sent.
pub async fn of_messages(
    client: &impl GenericClient,
    messages: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Attachment>>, tokio_postgres::Error> {
    let rows = client
        .query(
            &format!(
                "SELECT {COLUMNS} FROM attachments
                 WHERE message_id = ANY($1) AND status = 'sent'
                 ORDER BY message_id, position"
            ),
            &[&messages],
        )
        .await?;
    let mut found: HashMap<Uuid, Vec<Attachment>> = HashMap::new();
    for row in &rows {
        let message: Uuid = row.get("message_id");
        found
            .entry(message)
            .or_default()
            .push(from_row(row).attachment);
    }
    Ok(found)
}

/// Marks a deleted message's attachments for the sweep.
pub async fn discard_of_message(
    client: &impl GenericClient,
    message: MessageId,
) -> Result<u64, tokio_postgres::Error> {
    client
        .execute(
            "UPDATE attachments SET status = 'deleted', message_id = NULL
             WHERE message_id = $1",
            &[&message.as_uuid()],
        )
        .await
}

/// Marks a deleted conversation's attachments for the sweep.
pub async fn discard_of_conversation(
    client: &impl GenericClient,
    conversation: ConversationId,
) -> Result<u64, tokio_postgres::Error> {
    client
        .execute(
            "UPDATE attachments SET status = 'deleted', message_id = NULL
             WHERE conversation_id = $1",
            &[&conversation.as_uuid()],
        )
        .await
}

/// Marks uploads pending for longer than `age` for the sweep.
pub async fn expire_pending(
    client: &impl GenericClient,
    age: Duration,
) -> Result<u64, tokio_postgres::Error> {
    let seconds = age.as_secs_f64();
    client
        .execute(
            "UPDATE attachments SET status = 'deleted'
             WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1)",
            &[&seconds],
        )
        .await
}

/// Up to `limit` attachments marked for deletion: their ids and object keys.
pub async fn to_delete(
    client: &impl GenericClient,
    limit: i64,
) -> Result<Vec<(AttachmentId, Vec<StorageKey>)>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT id, storage_key, thumbnail_key FROM attachments
             WHERE status = 'deleted' ORDER BY created_at LIMIT $1",
            &[&limit],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let mut keys = vec![StorageKey::from_stored(row.get(1))];
            if let Some(thumbnail) = row.get::<_, Option<String>>(2) {
                keys.push(StorageKey::from_stored(thumbnail));
            }
            (row.get::<_, Uuid>(0).into(), keys)
        })
        .collect())
}
