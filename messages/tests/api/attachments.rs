//! Attachments (contract section 8), every case on both object stores: the local filesystem and
//! a real S3-compatible server (moto's, which `scripts/infra.sh up` starts; its address in
//! `S3_TEST_ENDPOINT`). Each test has a directory or a bucket of its own, removed at its end.

use std::io::Cursor;
use std::time::Duration;

use awc::http::StatusCode;
use awc::http::header::HeaderMap;
use bytes::Bytes;
use futures_util::StreamExt;
use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use messages::config::Config;
use messages::storage::StoreSettings;
use object_store::ObjectStore;
use serde_json::Value;
use shared::chat::{ChatCommand, Content, DeleteCommand, SendCommand, SendTarget};
use shared::ids::{AttachmentId, MessageId};
use shared::testing::{TEST_ORIGIN, TestUser, eventually};

use crate::helpers::{TestApp, WAIT, spawn_app_with};

const UPLOAD: &str = "/api/messages/attachments";
const MIB: usize = 1024 * 1024;

#[derive(Clone, Copy, Debug)]
enum Backend {
    File,
    S3,
}

/// A messages service whose attachments go to a store of this test's own.
struct Files {
    app: TestApp,
    store: Box<dyn ObjectStore>,
    place: Place,
}

enum Place {
    Dir(std::path::PathBuf),
    Bucket { endpoint: String, name: String },
}

fn s3_endpoint() -> String {
    std::env::var("S3_TEST_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:59000".to_owned())
}

impl Files {
    async fn spawn(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let (settings, place, store): (StoreSettings, Place, Box<dyn ObjectStore>) = match backend {
            Backend::File => {
                let dir = std::env::temp_dir().join(format!("gochat-attachments-{id}"));
                std::fs::create_dir_all(&dir).unwrap();
                let store = object_store::local::LocalFileSystem::new_with_prefix(&dir).unwrap();
                (
                    StoreSettings::File { dir: dir.clone() },
                    Place::Dir(dir),
                    Box::new(store),
                )
            }
            Backend::S3 => {
                let endpoint = s3_endpoint();
                let name = format!("gochat-test-{id}");
                let created = awc::Client::default()
                    .put(format!("{endpoint}/{name}"))
                    .send()
                    .await
                    .unwrap_or_else(|e| {
                        panic!("the S3-compatible server at {endpoint} answers (scripts/infra.sh up starts it): {e}")
                    });
                assert!(created.status().is_success(), "bucket {name} created");
                let settings = StoreSettings::S3 {
                    endpoint: endpoint.clone(),
                    bucket: name.clone(),
                    region: "us-east-1".into(),
                    access_key_id: "test".into(),
                    secret_access_key: "test".into(),
                };
                let store = object_store::aws::AmazonS3Builder::new()
                    .with_endpoint(&endpoint)
                    .with_bucket_name(&name)
                    .with_region("us-east-1")
                    .with_access_key_id("test")
                    .with_secret_access_key("test")
                    .with_allow_http(true)
                    .build()
                    .unwrap();
                (settings, Place::Bucket { endpoint, name }, Box::new(store))
            }
        };
        let app = spawn_app_with(|config| {
            config.attachments.store = settings;
            config.attachments.sweep_every = Duration::from_millis(200);
            adjust(config);
        })
        .await;
        Self { app, store, place }
    }

    /// How many objects the store holds.
    async fn objects(&self) -> usize {
        self.store
            .list(None)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .filter(|entry| entry.is_ok())
            .count()
    }

    /// Removes the store's bucket (a directory goes when this is dropped, also after a panic).
    async fn finish(self) {
        match &self.place {
            Place::Dir(_) => {}
            Place::Bucket { endpoint, name } => {
                let keys: Vec<_> = self
                    .store
                    .list(None)
                    .filter_map(|entry| async { entry.ok().map(|meta| meta.location) })
                    .collect()
                    .await;
                for key in keys {
                    let _ = self.store.delete(&key).await;
                }
                let _ = awc::Client::default()
                    .delete(format!("{endpoint}/{name}"))
                    .send()
                    .await;
            }
        }
    }

    async fn upload(&self, user: &TestUser, filename: &str, body: Vec<u8>) -> Reply {
        let path = format!(
            "{UPLOAD}?filename={}",
            shared::testing::hostile::percent_encode(filename)
        );
        let response = client()
            .post(self.app.service.url(&path))
            .insert_header(("Cookie", user.cookie()))
            .insert_header(("Origin", TEST_ORIGIN))
            .send_body(body)
            .await;
        Reply::read(response).await
    }

    /// Uploads `total` bytes of [`pattern`] in 1 MiB pieces, with no `Content-Length`.
    async fn upload_streamed(&self, user: &TestUser, filename: &str, total: usize) -> Reply {
        let pieces = futures_util::stream::iter((0..total.div_ceil(MIB)).map(move |i| {
            let end = ((i + 1) * MIB).min(total);
            Ok::<_, std::io::Error>(Bytes::from(pattern(i * MIB, end)))
        }));
        let response = client()
            .post(
                self.app
                    .service
                    .url(&format!("{UPLOAD}?filename={filename}")),
            )
            .insert_header(("Cookie", user.cookie()))
            .insert_header(("Origin", TEST_ORIGIN))
            .send_stream(pieces)
            .await;
        Reply::read(response).await
    }

    async fn get(&self, user: &TestUser, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = client()
            .get(self.app.service.url(path))
            .insert_header(("Cookie", user.cookie()));
        for header in headers {
            request = request.insert_header(*header);
        }
        Reply::read(request.send().await).await
    }

    /// Sends `ids` (and `content`) from `from` to `target` as a command and waits until the
    /// message is stored; returns it as `from`'s history shows it.
    async fn send(
        &self,
        from: &TestUser,
        target: SendTarget,
        content: &str,
        ids: &[String],
    ) -> Value {
        let client_msg_id = uuid::Uuid::new_v4().to_string();
        self.publish_send(from, target, content, ids, &client_msg_id)
            .await;
        let db = self.app.infra.db().await;
        let id: uuid::Uuid = eventually("the message to be stored", WAIT, || async {
            db.query_opt(
                "SELECT id FROM messages WHERE client_msg_id = $1",
                &[&client_msg_id],
            )
            .await
            .ok()?
            .map(|row| row.get(0))
        })
        .await;
        let conversation: uuid::Uuid = db
            .query_one("SELECT conversation_id FROM messages WHERE id = $1", &[&id])
            .await
            .unwrap()
            .get(0);
        let (status, page) = self
            .app
            .get(
                Some(from),
                &format!("/api/messages/conversations/{conversation}/messages"),
            )
            .await;
        assert_eq!(status, 200, "{page}");
        page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id.to_string())
            .cloned()
            .unwrap()
    }

    async fn publish_send(
        &self,
        from: &TestUser,
        target: SendTarget,
        content: &str,
        ids: &[String],
        client_msg_id: &str,
    ) {
        let send = ChatCommand::Send(SendCommand {
            client_msg_id: client_msg_id.to_owned(),
            target,
            content: Content::parse(content).ok(),
            reply_to: None,
            attachment_ids: ids
                .iter()
                .map(|id| id.parse::<AttachmentId>().unwrap())
                .collect(),
        });
        self.app
            .publisher
            .publish_all(&[self.app.command(uuid::Uuid::now_v7(), from, send)], WAIT)
            .await
            .unwrap();
    }

    async fn delete_message(&self, user: &TestUser, message: &str) {
        let delete = ChatCommand::Delete(DeleteCommand {
            message_id: message.parse::<MessageId>().unwrap(),
        });
        self.app
            .publisher
            .publish_all(
                &[self.app.command(uuid::Uuid::now_v7(), user, delete)],
                WAIT,
            )
            .await
            .unwrap();
    }

    /// Waits until `user` gets 404 for `path`.
    async fn gone_for(&self, user: &TestUser, path: &str) {
        eventually("the attachment to be gone", WAIT, || async {
            (self.get(user, path, &[]).await.status == 404).then_some(())
        })
        .await;
    }

    /// Waits until the store is empty.
    async fn store_empties(&self) {
        eventually("the store to be empty", WAIT, || async {
            (self.objects().await == 0).then_some(())
        })
        .await;
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        if let Place::Dir(dir) = &self.place {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(WAIT)
        .disable_redirects()
        .finish()
}

/// An answer read whole.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    async fn read<S>(response: Result<awc::ClientResponse<S>, awc::error::SendRequestError>) -> Self
    where
        S: futures_util::Stream<Item = Result<Bytes, awc::error::PayloadError>> + Unpin,
    {
        let mut response = response.expect("the service answers");
        let body = response.body().limit(64 * MIB).await.expect("a body");
        Self {
            status: response.status(),
            headers: response.headers().clone(),
            body,
        }
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn attachment(&self) -> Value {
        assert_eq!(self.status, 201, "{}", String::from_utf8_lossy(&self.body));
        self.json()["attachment"].clone()
    }
}

/// Deterministic bytes for offsets `start..end` of a test file.
fn pattern(start: usize, end: usize) -> Vec<u8> {
    (start..end)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    encode(
        DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        })),
        ImageFormat::Png,
    )
}

fn encode(picture: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn id_of(attachment: &Value) -> String {
    attachment["id"].as_str().unwrap().to_owned()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn to(user: &TestUser) -> SendTarget {
    SendTarget::To { to: user.id }
}

// ---- the cases ---------------------------------------------------------------------------------

async fn a_20_mib_file_streamed_in_comes_back_byte_for_byte(backend: Backend) {
    let files = Files::spawn(backend, |_| {}).await;
    let ann = files.app.user("ann").await;
    let size = 20 * MIB;
    let attachment = files
        .upload_streamed(&ann, "data.bin", size)
        .await
        .attachment();
    assert_eq!(attachment["size"], size);
    assert_eq!(attachment["filename"], "data.bin");
    assert_eq!(attachment["contentType"], "application/octet-stream");
    assert_eq!(attachment["width"], Value::Null);
    assert_eq!(attachment["thumbnailUrl"], Value::Null);
    let url = attachment["url"].as_str().unwrap();
    assert_eq!(
        url,
        format!("/api/messages/attachments/{}", id_of(&attachment))
    );

    let download = files.get(&ann, url, &[]).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.body.len(), size);
    assert!(download.body == pattern(0, size), "the bytes differ");
    assert_eq!(download.header("content-type"), "application/octet-stream");
    assert_eq!(
        download.header("content-disposition"),
        "attachment; filename*=UTF-8''data.bin"
    );
    assert_eq!(download.header("x-content-type-options"), "nosniff");
    assert_eq!(download.header("content-security-policy"), "sandbox");
    assert_eq!(download.header("cache-control"), "private");
    let anonymous = client().get(files.app.service.url(url)).send().await;
    assert_eq!(Reply::read(anonymous).await.status, 401);
    files.finish().await;
}

async fn over_the_size_limit_is_413_and_nothing_is_stored(backend: Backend) {
    let files = Files::spawn(backend, |c| c.attachments.max_bytes = MIB as u64).await;
    let ann = files.app.user("ann").await;
    let streamed = files.upload_streamed(&ann, "big.bin", 3 * MIB).await;
    assert_eq!(streamed.status, 413);
    assert_eq!(streamed.code(), "too_large");
    let declared = files.upload(&ann, "big.bin", vec![7; MIB + 1]).await;
    assert_eq!(declared.status, 413);
    assert_eq!(declared.code(), "too_large");
    assert_eq!(files.objects().await, 0);
    let rows: i64 = files
        .app
        .infra
        .db()
        .await
        .query_one("SELECT count(*) FROM attachments", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0);
    files
        .upload(&ann, "small.bin", vec![7; MIB])
        .await
        .attachment();
    files.finish().await;
}

async fn over_the_quota_is_413_quota_exceeded_and_nothing_is_stored(backend: Backend) {
    let files = Files::spawn(backend, |c| c.attachments.quota_bytes = 300 * 1024).await;
    let ann = files.app.user("ann").await;
    let bob = files.app.user("bob").await;
    files
        .upload(&ann, "a.bin", vec![1; 200 * 1024])
        .await
        .attachment();
    let over = files.upload(&ann, "b.bin", vec![2; 200 * 1024]).await;
    assert_eq!(over.status, 413);
    assert_eq!(over.code(), "quota_exceeded");
    let streamed = files.upload_streamed(&ann, "c.bin", 2 * MIB).await;
    assert_eq!(streamed.code(), "quota_exceeded");
    assert_eq!(files.objects().await, 1);
    // The quota is each user's own.
    files
        .upload(&bob, "b.bin", vec![2; 200 * 1024])
        .await
        .attachment();
    files.finish().await;
}

async fn concurrent_uploads_cannot_exceed_the_quota_together(backend: Backend) {
    let files = Files::spawn(backend, |c| c.attachments.quota_bytes = MIB as u64).await;
    let ann = files.app.user("ann").await;
    let names: Vec<String> = (0..8).map(|i| format!("{i}.bin")).collect();
    let uploads = names
        .iter()
        .zip(0u8..)
        .map(|(name, i)| files.upload(&ann, name, vec![i; 200 * 1024]));
    let replies = futures_util::future::join_all(uploads).await;
    let stored = replies.iter().filter(|r| r.status == 201).count();
    assert!(
        replies
            .iter()
            .all(|r| r.status == 201 || r.code() == "quota_exceeded")
    );
    // 5 × 200 KiB fit in 1 MiB, 6 do not.
    assert_eq!(stored, 5);
    assert_eq!(files.objects().await, 5);
    files.finish().await;
}

async fn the_type_comes_from_the_bytes_never_from_the_name(backend: Backend) {
    let files = Files::spawn(backend, |_| {}).await;
    let ann = files.app.user("ann").await;

    let image = files.upload(&ann, "x.exe", png(30, 20)).await.attachment();
    assert_eq!(image["contentType"], "image/png");
    assert_eq!(
        (image["width"].as_i64(), image["height"].as_i64()),
        (Some(30), Some(20))
    );
    assert!(image["thumbnailUrl"].is_string());
    let served = files.get(&ann, image["url"].as_str().unwrap(), &[]).await;
    assert_eq!(served.header("content-type"), "image/png");
    assert_eq!(served.header("content-disposition"), "inline");

    let html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>".to_vec();
    let page = files.upload(&ann, "x.png", html).await.attachment();
    assert_ne!(page["contentType"], "image/png");
    assert_eq!(page["thumbnailUrl"], Value::Null);
    let served = files.get(&ann, page["url"].as_str().unwrap(), &[]).await;
    assert_eq!(served.header("content-type"), "application/octet-stream");
    assert_eq!(
        served.header("content-disposition"),
        "attachment; filename*=UTF-8''x.png"
    );

    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let drawing = files
        .upload(&ann, "pic.svg", svg.to_vec())
        .await
        .attachment();
    let served = files.get(&ann, drawing["url"].as_str().unwrap(), &[]).await;
    assert_eq!(served.header("content-type"), "application/octet-stream");
    assert!(
        served
            .header("content-disposition")
            .starts_with("attachment;")
    );
    assert_eq!(served.header("content-security-policy"), "sandbox");

    // A PNG with a page after its end: what is stored ends with the image.
    let mut polyglot = png(8, 8);
    polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let cleaned = files.upload(&ann, "poly.png", polyglot).await.attachment();
    let served = files.get(&ann, cleaned["url"].as_str().unwrap(), &[]).await;
    assert!(!contains(&served.body, b"<script>"));
    assert_eq!(cleaned["size"], served.body.len());

    // Names are made safe.
    let named = files
        .upload(&ann, "../../etc/pass\u{202E}wd\u{0}.txt", b"hi".to_vec())
        .await
        .attachment();
    assert_eq!(named["filename"], "_.._etc_passwd.txt");
    files.finish().await;
}

async fn a_100000_by_100000_png_is_refused_before_decoding(backend: Backend) {
    let files = Files::spawn(backend, |_| {}).await;
    let ann = files.app.user("ann").await;
    let mut bomb = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    bomb.extend_from_slice(&100_000u32.to_be_bytes());
    bomb.extend_from_slice(&100_000u32.to_be_bytes());
    bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    bomb.extend_from_slice(&[0; 4096]);
    let refused = files.upload(&ann, "bomb.png", bomb).await;
    assert_eq!(
        refused.status,
        400,
        "{}",
        String::from_utf8_lossy(&refused.body)
    );
    assert_eq!(refused.code(), "invalid_field");
    assert_eq!(files.objects().await, 0);
    files.finish().await;
}

async fn jpeg_exif_with_gps_is_gone_from_the_stored_file(backend: Backend) {
    let files = Files::spawn(backend, |_| {}).await;
    let ann = files.app.user("ann").await;
    let plain = encode(
        DynamicImage::ImageRgb8(RgbImage::from_pixel(64, 48, image::Rgb([200, 10, 10]))),
        ImageFormat::Jpeg,
    );
    // An EXIF segment (orientation 1) carrying a GPS position, right after SOI.
    let mut exif =
        b"Exif\0\0MM\0\x2A\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x01\0\0\0\0\0\0".to_vec();
    exif.extend_from_slice(b"GPSLatitude 48.8584 N GPSLongitude 2.2945 E");
    let mut jpeg = plain[..2].to_vec();
    jpeg.extend_from_slice(&[0xFF, 0xE1]);
    jpeg.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    jpeg.extend_from_slice(&exif);
    jpeg.extend_from_slice(&plain[2..]);
    assert!(contains(&jpeg, b"GPSLatitude"));

    let photo = files.upload(&ann, "photo.jpg", jpeg).await.attachment();
    assert_eq!(photo["contentType"], "image/jpeg");
    let served = files.get(&ann, photo["url"].as_str().unwrap(), &[]).await;
    assert_eq!(served.status, 200);
    assert!(!contains(&served.body, b"GPS"));
    assert!(!contains(&served.body, b"Exif"));
    assert_eq!(photo["size"], served.body.len());
    image::load_from_memory(&served.body).expect("still a JPEG");
    files.finish().await;
}

async fn thumbnails_are_at_most_400_pixels(backend: Backend) {
    let files = Files::spawn(backend, |_| {}).await;
    let ann = files.app.user("ann").await;
    let wide = files
        .upload(&ann, "wide.png", png(1200, 800))
        .await
        .attachment();
    assert_eq!(
        (wide["width"].as_i64(), wide["height"].as_i64()),
        (Some(1200), Some(800))
    );
    let thumbnail = files
        .get(&ann, wide["thumbnailUrl"].as_str().unwrap(), &[])
        .await;
    assert_eq!(thumbnail.status, 200);
    assert_eq!(thumbnail.header("content-type"), "image/jpeg");
    assert_eq!(thumbnail.header("content-disposition"), "inline");
    let small = image::load_from_memory(&thumbnail.body).unwrap();
    assert_eq!((small.width(), small.height()), (400, 267));

    let clear = encode(
        DynamicImage::ImageRgba8(RgbaImage::from_pixel(
            300,
            900,
            image::Rgba([0, 0, 255, 100]),
        )),
        ImageFormat::Png,
    );
    let tall = files.upload(&ann, "tall.png", clear).await.attachment();
    let thumbnail = files
        .get(&ann, tall["thumbnailUrl"].as_str().unwrap(), &[])
        .await;
    assert_eq!(thumbnail.header("content-type"), "image/webp");
    let small = image::load_from_memory(&thumbnail.body).unwrap();
    assert_eq!(small.height(), 400);
    assert!(small.color().has_alpha());
    files.finish().await;
}

async fn ranges_and_etags_are_honoured(backend: Backend) {
    let files = Files::spawn(backend, |_| {}).await;
    let ann = files.app.user("ann").await;
    let bytes = pattern(0, 1000);
    let file = files
        .upload(&ann, "r.bin", bytes.clone())
        .await
        .attachment();
    let url = file["url"].as_str().unwrap();
    let part = files.get(&ann, url, &[("Range", "bytes=10-19")]).await;
    assert_eq!(part.status, 206);
    assert_eq!(part.header("content-range"), "bytes 10-19/1000");
    assert_eq!(&part.body[..], &bytes[10..20]);
    let tail = files.get(&ann, url, &[("Range", "bytes=-5")]).await;
    assert_eq!(&tail.body[..], &bytes[995..]);
    let past = files.get(&ann, url, &[("Range", "bytes=5000-")]).await;
    assert_eq!(past.status, 416);

    let whole = files.get(&ann, url, &[]).await;
    let etag = whole.header("etag").to_owned();
    assert!(etag.starts_with('"'));
    let cached = files.get(&ann, url, &[("If-None-Match", &etag)]).await;
    assert_eq!(cached.status, 304);
    assert!(cached.body.is_empty());
    let stale = files
        .get(&ann, url, &[("If-None-Match", "\"other\"")])
        .await;
    assert_eq!(stale.status, 200);
    files.finish().await;
}

async fn an_upload_unused_for_the_pending_time_is_deleted(backend: Backend) {
    // An upload's row is committed before its objects are stored, so a pending time shorter
    // than the upload itself would let a sweep forget the row first and leave the objects
    // behind (it did once, with zero). A second is far longer than a 10×10 image takes; in
    // production the pending time is a day.
    let files = Files::spawn(backend, |c| {
        c.attachments.pending_for = Duration::from_secs(1)
    })
    .await;
    let ann = files.app.user("ann").await;
    let file = files
        .upload(&ann, "soon.png", png(10, 10))
        .await
        .attachment();
    files.gone_for(&ann, file["url"].as_str().unwrap()).await;
    files.store_empties().await;
    files.finish().await;
}

async fn a_sent_file_is_seen_by_the_conversation_and_deleted_with_its_message(backend: Backend) {
    let files = Files::spawn(backend, |_| {}).await;
    let ann = files.app.user("ann").await;
    let bob = files.app.user("bob").await;
    let carol = files.app.user("carol").await;
    let picture = files
        .upload(&ann, "cat.png", png(50, 40))
        .await
        .attachment();
    let doc = files
        .upload(&ann, "notes.txt", b"notes".to_vec())
        .await
        .attachment();
    let url = picture["url"].as_str().unwrap();
    // Pending: only its uploader sees it.
    assert_eq!(files.get(&bob, url, &[]).await.status, 404);

    let message = files
        .send(&ann, to(&bob), "", &[id_of(&picture), id_of(&doc)])
        .await;
    assert_eq!(message["content"], "");
    assert_eq!(message["attachments"][0], picture);
    assert_eq!(message["attachments"][1], doc);
    let (_, list) = files
        .app
        .get(Some(&bob), "/api/messages/conversations")
        .await;
    assert_eq!(
        list["conversations"][0]["lastMessage"]["attachments"][0],
        picture
    );
    assert_eq!(files.get(&bob, url, &[]).await.status, 200);
    let thumbnail = picture["thumbnailUrl"].as_str().unwrap();
    assert_eq!(files.get(&bob, thumbnail, &[]).await.status, 200);
    assert_eq!(files.get(&carol, url, &[]).await.status, 404);
    assert_eq!(files.get(&carol, thumbnail, &[]).await.status, 404);

    // Used once, it cannot be sent again, nor by someone else.
    let again = uuid::Uuid::new_v4().to_string();
    files
        .publish_send(&ann, to(&bob), "again", &[id_of(&picture)], &again)
        .await;
    let stolen = files
        .upload(&bob, "b.txt", b"b".to_vec())
        .await
        .attachment();
    let thief = uuid::Uuid::new_v4().to_string();
    files
        .publish_send(&carol, to(&ann), "mine", &[id_of(&stolen)], &thief)
        .await;
    files.send(&ann, to(&bob), "after", &[]).await;
    let db = files.app.infra.db().await;
    let refused: i64 = db
        .query_one(
            "SELECT count(*) FROM messages WHERE client_msg_id = ANY($1)",
            &[&vec![again, thief]],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(refused, 0);

    files
        .delete_message(&ann, message["id"].as_str().unwrap())
        .await;
    files.gone_for(&bob, url).await;
    files.gone_for(&ann, thumbnail).await;
    eventually("the message's objects to be deleted", WAIT, || async {
        // Bob's pending upload stays.
        (files.objects().await == 1).then_some(())
    })
    .await;
    files.finish().await;
}

async fn outsiders_and_removed_members_get_404(backend: Backend) {
    let files = Files::spawn(backend, |_| {}).await;
    let ann = files.app.user("ann").await;
    let bob = files.app.user("bob").await;
    let erin = files.app.user("erin").await;
    let group = files.app.group(&ann, "Photos", &[&bob]).await;
    let group_id = group["id"].as_str().unwrap().to_owned();
    let picture = files.upload(&ann, "g.png", png(20, 20)).await.attachment();
    let target = SendTarget::Conversation {
        conversation_id: group_id.parse().unwrap(),
    };
    files.send(&ann, target, "look", &[id_of(&picture)]).await;
    let url = picture["url"].as_str().unwrap();
    let thumbnail = picture["thumbnailUrl"].as_str().unwrap();
    assert_eq!(files.get(&bob, url, &[]).await.status, 200);
    assert_eq!(files.get(&erin, url, &[]).await.status, 404);
    assert_eq!(files.get(&erin, thumbnail, &[]).await.status, 404);

    let removed = files
        .app
        .call(
            &ann,
            "DELETE",
            &format!("/api/messages/conversations/{group_id}/members/{}", bob.id),
            None,
        )
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(files.get(&bob, url, &[]).await.status, 404);
    assert_eq!(files.get(&bob, thumbnail, &[]).await.status, 404);

    // The last member leaves: the group goes, and its files with it.
    let left = files
        .app
        .call(
            &ann,
            "DELETE",
            &format!("/api/messages/conversations/{group_id}/members/{}", ann.id),
            None,
        )
        .await;
    assert_eq!(left.status, 204);
    files.gone_for(&ann, url).await;
    files.store_empties().await;
    files.finish().await;
}

/// Each case as two tests, one per backend.
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod file {
            $(
                #[actix_web::test]
                async fn $case() {
                    super::$case(super::Backend::File).await;
                }
            )*
        }
        mod s3 {
            $(
                #[actix_web::test]
                async fn $case() {
                    super::$case(super::Backend::S3).await;
                }
            )*
        }
    };
}

on_both_backends!(
    a_20_mib_file_streamed_in_comes_back_byte_for_byte,
    over_the_size_limit_is_413_and_nothing_is_stored,
    over_the_quota_is_413_quota_exceeded_and_nothing_is_stored,
    concurrent_uploads_cannot_exceed_the_quota_together,
    the_type_comes_from_the_bytes_never_from_the_name,
    a_100000_by_100000_png_is_refused_before_decoding,
    jpeg_exif_with_gps_is_gone_from_the_stored_file,
    thumbnails_are_at_most_400_pixels,
    ranges_and_etags_are_honoured,
    an_upload_unused_for_the_pending_time_is_deleted,
    a_sent_file_is_seen_by_the_conversation_and_deleted_with_its_message,
    outsiders_and_removed_members_get_404,
);

#[actix_web::test]
async fn a_send_without_text_or_files_is_not_stored() {
    let files = Files::spawn(Backend::File, |_| {}).await;
    let ann = files.app.user("ann").await;
    let bob = files.app.user("bob").await;
    let nothing = uuid::Uuid::new_v4().to_string();
    files.publish_send(&ann, to(&bob), "", &[], &nothing).await;
    files.send(&ann, to(&bob), "something", &[]).await;
    let stored: i64 = files
        .app
        .infra
        .db()
        .await
        .query_one(
            "SELECT count(*) FROM messages WHERE client_msg_id = $1",
            &[&nothing],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0);
    files.finish().await;
}

#[actix_web::test]
async fn a_multipart_upload_takes_the_part_named_file() {
    let files = Files::spawn(Backend::File, |_| {}).await;
    let ann = files.app.user("ann").await;
    let content = pattern(0, 300_000);
    let mut body =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n".to_vec();
    body.extend_from_slice(
        b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../m.bin\"\r\n\
          Content-Type: text/html\r\n\r\n",
    );
    body.extend_from_slice(&content);
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    let response = client()
        .post(files.app.service.url(UPLOAD))
        .insert_header(("Cookie", ann.cookie()))
        .insert_header(("Content-Type", "multipart/form-data; boundary=XyZ"))
        .send_body(body)
        .await;
    let attachment = Reply::read(response).await.attachment();
    assert_eq!(attachment["filename"], "_m.bin");
    assert_eq!(attachment["size"], content.len());
    let served = files
        .get(&ann, attachment["url"].as_str().unwrap(), &[])
        .await;
    assert!(served.body == content);

    let response = client()
        .post(files.app.service.url(UPLOAD))
        .insert_header(("Cookie", ann.cookie()))
        .insert_header(("Content-Type", "multipart/form-data; boundary=XyZ"))
        .send_body(
            "--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XyZ--\r\n",
        )
        .await;
    assert_eq!(Reply::read(response).await.status, 400);
    files.finish().await;
}
