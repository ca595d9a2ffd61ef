//! Where attachments' bytes live: an object store (the `object_store` crate), the local
//! filesystem by default and any S3-compatible store by configuration. Objects are named by
//! generated keys only, never by anything a client chose.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload, WriteMultipart};
use shared::config::{ConfigError, var};
use tokio::io::AsyncReadExt;

/// The size of the parts a large file is uploaded to S3 in (its smallest part is 5 MiB), and so
/// about the most of a file held in memory while it is stored.
const S3_PART_BYTES: usize = 5 * 1024 * 1024;
/// The same for a directory, which has no smallest part: small parts keep concurrent uploads'
/// memory flat.
const FILE_PART_BYTES: usize = 256 * 1024;
/// How many parts may be on their way at once.
const PARTS_IN_FLIGHT: usize = 2;

/// Which object store, from `ATTACHMENT_STORE`.
#[derive(Clone, Debug)]
pub enum StoreSettings {
    /// `file`: a directory (`ATTACHMENT_DIR`).
    File {
        /// Created if missing.
        dir: PathBuf,
    },
    /// `s3`: an S3-compatible store.
    S3 {
        /// `ATTACHMENT_S3_ENDPOINT`; empty for AWS itself.
        endpoint: String,
        /// `ATTACHMENT_S3_BUCKET`.
        bucket: String,
        /// `ATTACHMENT_S3_REGION`.
        region: String,
        /// `ATTACHMENT_S3_ACCESS_KEY_ID` (from a Secret in Kubernetes).
        access_key_id: String,
        /// `ATTACHMENT_S3_SECRET_ACCESS_KEY` (from a Secret in Kubernetes).
        secret_access_key: String,
    },
}

/// Everything attachments are configured with.
#[derive(Clone, Debug)]
pub struct AttachmentSettings {
    /// Where the bytes go.
    pub store: StoreSettings,
    /// The largest file accepted (`ATTACHMENT_MAX_BYTES`, 25 MiB).
    pub max_bytes: u64,
    /// What one user's attachments may add up to (`ATTACHMENT_QUOTA_BYTES`, 1 GiB).
    pub quota_bytes: u64,
    /// How long an upload may stay unused by a send (`ATTACHMENT_PENDING_SECS`, 24 h).
    pub pending_for: Duration,
    /// How often the sweep looks for expired and deleted attachments
    /// (`ATTACHMENT_SWEEP_SECS`, 60 s).
    pub sweep_every: Duration,
    /// Where an upload is spooled while it arrives and is checked (`ATTACHMENT_TMP_DIR`, the
    /// system's temporary directory).
    pub spool_dir: PathBuf,
}

impl AttachmentSettings {
    /// From the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let kind: String = var("ATTACHMENT_STORE", "file".to_owned())?;
        let store = match kind.as_str() {
            "s3" => StoreSettings::S3 {
                endpoint: var("ATTACHMENT_S3_ENDPOINT", String::new())?,
                bucket: var("ATTACHMENT_S3_BUCKET", "gochat-attachments".to_owned())?,
                region: var("ATTACHMENT_S3_REGION", "us-east-1".to_owned())?,
                access_key_id: var("ATTACHMENT_S3_ACCESS_KEY_ID", String::new())?,
                secret_access_key: var("ATTACHMENT_S3_SECRET_ACCESS_KEY", String::new())?,
            },
            _ => StoreSettings::File {
                dir: PathBuf::from(var("ATTACHMENT_DIR", ".run/attachments".to_owned())?),
            },
        };
        Ok(Self {
            store,
            max_bytes: var("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)?,
            quota_bytes: var("ATTACHMENT_QUOTA_BYTES", 1024 * 1024 * 1024)?,
            pending_for: Duration::from_secs(var("ATTACHMENT_PENDING_SECS", 24 * 3600)?),
            sweep_every: Duration::from_secs(var("ATTACHMENT_SWEEP_SECS", 60)?),
            spool_dir: PathBuf::from(var(
                "ATTACHMENT_TMP_DIR",
                std::env::temp_dir().to_string_lossy().into_owned(),
            )?),
        })
    }
}

/// An object's name in the store: generated, never a client's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageKey(String);

impl StorageKey {
    /// A fresh key.
    pub fn generate() -> Self {
        Self(format!("attachments/{}", uuid::Uuid::new_v4().simple()))
    }

    /// A key read back from the database.
    pub fn from_stored(key: String) -> Self {
        Self(key)
    }

    /// The key as stored in the database.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn path(&self) -> ObjectPath {
        ObjectPath::from(self.0.as_str())
    }
}

/// An object's bytes on their way out, and how many there are.
pub struct Download {
    /// The requested bytes.
    pub body: BoxStream<'static, Result<Bytes, object_store::Error>>,
    /// How many.
    pub length: u64,
}

/// The attachments' object store.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// The size of the parts files are stored in.
    part_bytes: usize,
}

impl Storage {
    /// Opens the store `settings` name (a directory is created if missing).
    pub fn open(settings: &StoreSettings) -> anyhow::Result<Self> {
        let (store, part_bytes): (Arc<dyn ObjectStore>, usize) = match settings {
            StoreSettings::File { dir } => {
                std::fs::create_dir_all(dir)?;
                (
                    Arc::new(LocalFileSystem::new_with_prefix(dir)?),
                    FILE_PART_BYTES,
                )
            }
            StoreSettings::S3 {
                endpoint,
                bucket,
                region,
                access_key_id,
                secret_access_key,
            } => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_access_key_id(access_key_id)
                    .with_secret_access_key(secret_access_key);
                if !endpoint.is_empty() {
                    // S3-compatible servers are addressed by path, often over plain http
                    // inside a cluster or on localhost.
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_virtual_hosted_style_request(false)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                (Arc::new(builder.build()?), S3_PART_BYTES)
            }
        };
        Ok(Self { store, part_bytes })
    }

    /// Stores the file at `file` (of `size` bytes) under `key`: in parts, so at most a few
    /// parts are in memory at once. A failed upload leaves nothing behind.
    pub async fn put_file(
        &self,
        key: &StorageKey,
        file: &Path,
        size: u64,
    ) -> Result<(), object_store::Error> {
        let mut reader = tokio::fs::File::open(file)
            .await
            .map_err(|e| io_error(file, e))?;
        if size <= self.part_bytes as u64 {
            let mut buffer = Vec::with_capacity(usize::try_from(size).unwrap_or(self.part_bytes));
            reader
                .read_to_end(&mut buffer)
                .await
                .map_err(|e| io_error(file, e))?;
            return self.put_bytes(key, Bytes::from(buffer)).await;
        }
        let upload = self.store.put_multipart(&key.path()).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_bytes);
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let read = match reader.read(&mut buffer).await {
                Ok(read) => read,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(io_error(file, e));
                }
            };
            if read == 0 {
                break;
            }
            if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                let _ = writer.abort().await;
                return Err(e);
            }
            writer.write(&buffer[..read]);
        }
        writer.finish().await.map(|_| ())
    }

    /// Stores a small object (a thumbnail) under `key`.
    pub async fn put_bytes(
        &self,
        key: &StorageKey,
        bytes: Bytes,
    ) -> Result<(), object_store::Error> {
        self.store
            .put(&key.path(), PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
    }

    /// The object under `key`, or the `range` of it.
    pub async fn get(
        &self,
        key: &StorageKey,
        range: Option<Range<u64>>,
    ) -> Result<Download, object_store::Error> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let result = self.store.get_opts(&key.path(), options).await?;
        let length = result.range.end - result.range.start;
        Ok(Download {
            body: result.into_stream().boxed(),
            length,
        })
    }

    /// How many bytes are stored under `key`.
    pub async fn size(&self, key: &StorageKey) -> Result<u64, object_store::Error> {
        Ok(self.store.head(&key.path()).await?.size)
    }

    /// Deletes the object under `key`; one that is already gone is fine.
    pub async fn delete(&self, key: &StorageKey) -> Result<(), object_store::Error> {
        match self.store.delete(&key.path()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Whether an object is stored under `key` (for tests and checks).
    pub async fn exists(&self, key: &StorageKey) -> Result<bool, object_store::Error> {
        match self.store.head(&key.path()).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

fn io_error(file: &Path, e: std::io::Error) -> object_store::Error {
    object_store::Error::Generic {
        store: "spool",
        source: format!("{}: {e}", file.display()).into(),
    }
}
