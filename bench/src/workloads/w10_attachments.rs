//! W10, attachments: upload throughput and the messages service's memory while 20 users upload
//! a 20 MiB file each at once through the gateway (streamed end to end, so memory must stay
//! flat: 400 MiB in flight must not become 400 MiB resident), then the latency of uploading an
//! image, which includes reading its header, stripping its metadata and making its thumbnail.

use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use crate::http::HttpConn;
use crate::procs::rss_kib;
use crate::report::Run;
use crate::stats::{Samples, round1};
use crate::users::User;
use crate::{Ctx, log};

/// How many users upload at once.
pub const UPLOADERS: usize = 20;
const FILE_BYTES: usize = 20 * 1024 * 1024;
/// Images uploaded one after another for the thumbnail latency.
const IMAGES: usize = 40;
const IMAGE_SIDE: (u32, u32) = (1600, 1200);
/// Resident memory growth that still counts as flat.
const FLAT_MIB: f64 = 100.0;
const UPLOAD_PATH: &str = "/api/messages/attachments";

pub async fn run(ctx: &Ctx, users: &[User]) -> anyhow::Result<()> {
    let uploaders = &users[..UPLOADERS.min(users.len())];
    let pid = ctx.stack.pid("messages");
    let baseline = pid.and_then(rss_kib);
    let peak = Arc::new(AtomicU64::new(baseline.unwrap_or(0)));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = pid.map(|pid| {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Some(rss) = rss_kib(pid) {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    });

    log(&format!(
        "W10: {} users upload {} MiB each at once",
        uploaders.len(),
        FILE_BYTES / (1024 * 1024)
    ));
    // Bytes that neither compress nor repeat within a part.
    let piece: Arc<Vec<u8>> = Arc::new(
        (0..1024 * 1024u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect(),
    );
    let started = Instant::now();
    let uploads = uploaders.iter().enumerate().map(|(i, user)| {
        let piece = piece.clone();
        async move {
            let mut conn = HttpConn::connect(&ctx.target, user.source).await?;
            let path = format!("{UPLOAD_PATH}?filename=w10-{i}.bin");
            let t = Instant::now();
            let response = conn.upload(&path, &user.cookie, &piece, FILE_BYTES).await?;
            if response.status != 201 {
                return Err(response.unexpected("a W10 upload"));
            }
            anyhow::Ok(t.elapsed())
        }
    });
    let outcomes = futures_util::future::join_all(uploads).await;
    let wall = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    if let Some(sampler) = sampler {
        let _ = sampler.await;
    }
    let mut per_upload = Samples::default();
    let mut failures = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(took) => per_upload.push(took),
            Err(e) => failures.push(format!("{e:#}")),
        }
    }
    let stored = uploaders.len() - failures.len();
    let megabytes = (stored * FILE_BYTES) as f64 / 1_000_000.0;
    let throughput = megabytes / wall;
    let growth_mib =
        baseline.map(|b| (peak.load(Ordering::Relaxed).saturating_sub(b)) as f64 / 1024.0);

    log(&format!(
        "W10: {IMAGES} images of {}×{} one after another",
        IMAGE_SIDE.0, IMAGE_SIDE.1
    ));
    let image = png(IMAGE_SIDE.0, IMAGE_SIDE.1)?;
    let user = &uploaders[0];
    let mut conn = HttpConn::connect(&ctx.target, user.source).await?;
    let mut image_latency = Samples::default();
    for i in 0..IMAGES {
        if !conn.is_open() {
            conn = HttpConn::connect(&ctx.target, user.source).await?;
        }
        let path = format!("{UPLOAD_PATH}?filename=w10-{i}.png");
        let t = Instant::now();
        let response = conn
            .upload(&path, &user.cookie, &image, image.len())
            .await?;
        let took = t.elapsed();
        if response.status != 201 {
            return Err(response.unexpected("a W10 image upload"));
        }
        let body: serde_json::Value = response.json()?;
        if body["attachment"]["thumbnailUrl"].is_null() {
            failures.push(format!("image {i} got no thumbnail"));
        }
        image_latency.push(took);
    }

    let uploads = per_upload.summary();
    let images = image_latency.summary();
    let flat = growth_mib.is_some_and(|g| g < FLAT_MIB);
    let summary = format!(
        "{} × {} MiB at once: {:.0} MB/s, messages RSS +{} MiB; image upload with thumbnail p50 {} / p99 {} ms",
        stored,
        FILE_BYTES / (1024 * 1024),
        throughput,
        growth_mib.map_or_else(|| "?".to_owned(), |g| format!("{g:.0}")),
        images.p50,
        images.p99,
    );
    ctx.reporter.record(Run {
        workload: "W10",
        name: format!("{} concurrent uploads", uploaders.len()),
        parameters: json!({
            "uploaders": uploaders.len(),
            "file_bytes": FILE_BYTES,
            "images": IMAGES,
            "image_pixels": [IMAGE_SIDE.0, IMAGE_SIDE.1],
            "image_bytes": image.len(),
        }),
        results: json!({
            "stored": stored,
            "wall_secs": round1(wall),
            "throughput_mb_per_s": round1(throughput),
            "upload_latency_ms": uploads,
            "messages_rss_baseline_mib": baseline.map(|b| round1(b as f64 / 1024.0)),
            "messages_rss_growth_mib": growth_mib.map(round1),
            "image_upload_latency_ms": images,
        }),
        summary,
        target: Some(format!(
            "memory flat: messages grows < {FLAT_MIB} MiB with 400 MiB in flight"
        )),
        met: Some(flat && failures.is_empty()),
        violations: failures,
        problems: Vec::new(),
    });
    Ok(())
}

/// A `width` × `height` photo-like PNG (smooth gradients with some texture).
fn png(width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        let noise = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)) % 23;
        image::Rgb([
            ((x * 255 / width) + noise) as u8,
            ((y * 255 / height) + noise) as u8,
            (((x + y) % 256) as u8) / 2,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(picture).write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}
