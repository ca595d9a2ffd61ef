//! Attachments' life: an upload is spooled to disk as it arrives (never held in memory, refused
//! with 413 the moment it passes the size limit or the uploader's quota), checked and cleaned on
//! a blocking thread ([`crate::media`]), reserved in the database under the uploader's quota
//! lock, and only then stored, under generated keys, in the object store. The sweep deletes the
//! objects of what the database marks deleted (a deleted message or group, an upload unused for
//! too long), then the rows: its state is in the database, so it survives restarts, and a failed
//! delete is simply tried again on the next round.

use std::path::{Path, PathBuf};

use actix_web::web::Bytes;
use deadpool_postgres::Pool;
use futures_util::{Stream, StreamExt};
use shared::events::Attachment;
use shared::ids::{AttachmentId, UserId};

use crate::domain::attachment::{Filename, ImageKind};
use crate::error::MessagesError;
use crate::media::{self, MediaError};
use crate::repository::attachments::{self as repository, NewAttachment};
use crate::storage::{AttachmentSettings, Storage, StorageKey};

/// How many leading bytes the type is sniffed from.
const SNIFF_BYTES: usize = 16 * 1024;
/// How many deleted attachments one round of the sweep handles.
const SWEEP_BATCH: i64 = 200;

/// The attachments' store and settings, shared by the routes and the sweep.
#[derive(Clone)]
pub struct Attachments {
    /// Where the bytes are.
    pub storage: Storage,
    /// Limits and places.
    pub settings: AttachmentSettings,
}

/// Files on the spool disk, removed when this is dropped, whatever happened.
struct Spool(Vec<PathBuf>);

impl Spool {
    fn path(&mut self, dir: &Path) -> PathBuf {
        let path = dir.join(format!("gochat-upload-{}", uuid::Uuid::new_v4().simple()));
        self.0.push(path.clone());
        path
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Attachments {
    /// Opens the store.
    pub fn open(settings: AttachmentSettings) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.spool_dir)?;
        Ok(Self {
            storage: Storage::open(&settings.store)?,
            settings,
        })
    }

    /// Receives `body` from `uploader`: the pending attachment, or why it was refused.
    pub async fn receive<E: std::fmt::Display>(
        &self,
        db: &Pool,
        uploader: UserId,
        filename: Filename,
        declared_length: Option<u64>,
        body: impl Stream<Item = Result<Bytes, E>>,
    ) -> Result<Attachment, MessagesError> {
        let max = self.settings.max_bytes;
        if declared_length.is_some_and(|length| length > max) {
            return Err(MessagesError::TooLarge(max));
        }
        let used = repository::used_bytes(&db.get().await?, uploader).await?;
        let room = self.settings.quota_bytes.saturating_sub(used);
        if declared_length.is_some_and(|length| length > room) {
            return Err(MessagesError::QuotaExceeded);
        }

        let mut spool = Spool(Vec::new());
        let received = spool.path(&self.settings.spool_dir);
        let (size, head) = spool_body(&received, body, max, room).await?;
        let content_type = media::sniff(&head);
        let (stored_file, image) = match ImageKind::from_mime(&content_type) {
            Some(kind) => {
                let cleaned = spool.path(&self.settings.spool_dir);
                let input = received.clone();
                let output = cleaned.clone();
                let image =
                    tokio::task::spawn_blocking(move || media::clean_image(kind, &input, &output))
                        .await
                        .map_err(|e| MessagesError::Spool(std::io::Error::other(e)))?;
                match image {
                    Ok(image) => (cleaned, Some(image)),
                    Err(MediaError::TooManyPixels) => {
                        return Err(MessagesError::field(
                            "file",
                            "Images are at most 50 megapixels (500 counting every frame).",
                        ));
                    }
                    Err(MediaError::Unreadable(why)) => {
                        tracing::info!(why, "refused an unreadable image");
                        return Err(MessagesError::field("file", "This image cannot be read."));
                    }
                    Err(MediaError::Io(e)) => return Err(MessagesError::Spool(e)),
                }
            }
            None => (received, None),
        };
        let size = if image.is_some() {
            tokio::fs::metadata(&stored_file).await?.len()
        } else {
            size
        };

        let id = AttachmentId::new();
        let key = StorageKey::generate();
        let thumbnail_key = image.as_ref().map(|_| StorageKey::generate());
        let attachment = {
            let mut client = db.get().await?;
            let transaction = client.transaction().await?;
            repository::lock_quota(&transaction, uploader).await?;
            let used = repository::used_bytes(&transaction, uploader).await?;
            if used.saturating_add(size) > self.settings.quota_bytes {
                return Err(MessagesError::QuotaExceeded);
            }
            let new = NewAttachment {
                id,
                uploader,
                filename: filename.as_str(),
                content_type: &content_type,
                size,
                dimensions: image.as_ref().map(|i| (i.width, i.height)),
                key: &key,
                thumbnail: thumbnail_key
                    .as_ref()
                    .zip(image.as_ref())
                    .map(|(key, image)| (key, image.thumbnail_type)),
            };
            let attachment = repository::insert(&transaction, &new).await?;
            transaction.commit().await?;
            attachment
        };

        let stored = async {
            self.storage.put_file(&key, &stored_file, size).await?;
            if let (Some(key), Some(image)) = (&thumbnail_key, image) {
                self.storage
                    .put_bytes(key, Bytes::from(image.thumbnail))
                    .await?;
            }
            Ok::<(), object_store::Error>(())
        }
        .await;
        if let Err(e) = stored {
            // Nothing may stay behind: the row goes, and so does whatever part was stored.
            let _ = self.storage.delete(&key).await;
            if let Some(key) = &thumbnail_key {
                let _ = self.storage.delete(key).await;
            }
            repository::forget(&db.get().await?, id).await?;
            return Err(e.into());
        }
        tracing::info!(attachment = %id, size, content_type, "attachment uploaded");
        Ok(attachment)
    }

    /// One round of the sweep: marks uploads pending for too long, deletes the objects of what
    /// is marked, then its rows. Returns how many attachments went.
    pub async fn sweep(&self, db: &Pool) -> anyhow::Result<u64> {
        let client = db.get().await?;
        repository::expire_pending(&client, self.settings.pending_for).await?;
        let mut gone = 0;
        for (id, keys) in repository::to_delete(&client, SWEEP_BATCH).await? {
            let mut deleted = true;
            for key in &keys {
                if let Err(e) = self.storage.delete(key).await {
                    tracing::warn!(attachment = %id, error = %e, "could not delete an attachment's object; the next sweep tries again");
                    deleted = false;
                }
            }
            if deleted {
                repository::forget(&client, id).await?;
                gone += 1;
            }
        }
        Ok(gone)
    }
}

/// Writes `body` to `path`, refusing it once it passes `max` bytes (413 `too_large`) or `room`
/// (413 `quota_exceeded`). Returns its size and first bytes.
async fn spool_body<E: std::fmt::Display>(
    path: &Path,
    body: impl Stream<Item = Result<Bytes, E>>,
    max: u64,
    room: u64,
) -> Result<(u64, Vec<u8>), MessagesError> {
    use tokio::io::AsyncWriteExt;

    let mut file = tokio::io::BufWriter::new(tokio::fs::File::create(path).await?);
    let mut size: u64 = 0;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::info!(error = %e, "an upload's body broke off");
            MessagesError::field("file", "The upload broke off.")
        })?;
        size += chunk.len() as u64;
        if size > max {
            return Err(MessagesError::TooLarge(max));
        }
        if size > room {
            return Err(MessagesError::QuotaExceeded);
        }
        if head.len() < SNIFF_BYTES {
            let wanted = (SNIFF_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..wanted]);
        }
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    Ok((size, head))
}
