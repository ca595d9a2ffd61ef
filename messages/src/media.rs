//! What is done to an uploaded file before it is stored, all of it blocking work for a
//! blocking thread: its type sniffed from its bytes, and for the four image types the size read
//! from the header (refused above the pixel limits before anything is decoded), the metadata
//! removed (EXIF, XMP, comments and text chunks: GPS positions among them), and a thumbnail.
//!
//! PNG, GIF and WebP are cleaned by walking their chunks or blocks and copying only those that
//! draw the picture (so animations and quality survive, and anything after the image's end is
//! dropped); JPEG is decoded, turned upright by its EXIF orientation, and re-encoded.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageDecoder, ImageReader};

use crate::domain::attachment::{ImageKind, MAX_ANIMATION_PIXELS, MAX_PIXELS};

/// The longer side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 400;
/// The type given to anything the sniffer does not know.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// Over the pixel limits.
    #[error("the image has too many pixels")]
    TooManyPixels,
    /// It says it is an image but cannot be read as one.
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
    /// The disk.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl From<image::ImageError> for MediaError {
    fn from(e: image::ImageError) -> Self {
        match e {
            image::ImageError::IoError(e) => Self::Io(e),
            image::ImageError::Limits(_) => Self::TooManyPixels,
            other => Self::Unreadable(other.to_string()),
        }
    }
}

/// The type of a file from its first bytes.
pub fn sniff(head: &[u8]) -> String {
    infer::get(head).map_or_else(|| OCTET_STREAM.to_owned(), |t| t.mime_type().to_owned())
}

/// A cleaned image.
#[derive(Debug)]
pub struct Image {
    /// Pixels (after turning a JPEG upright).
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// The thumbnail's bytes.
    pub thumbnail: Vec<u8>,
    /// Its type: `image/jpeg`, or `image/webp` when it has transparency.
    pub thumbnail_type: &'static str,
}

/// Checks the image at `input` (its type sniffed as `kind`), writes it without metadata to
/// `output`, and makes its thumbnail.
pub fn clean_image(kind: ImageKind, input: &Path, output: &Path) -> Result<Image, MediaError> {
    let size = imagesize::size(input).map_err(|e| MediaError::Unreadable(e.to_string()))?;
    let area = (size.width as u64).saturating_mul(size.height as u64);
    if area > MAX_PIXELS {
        return Err(MediaError::TooManyPixels);
    }
    let mut reader = BufReader::new(File::open(input)?);
    let picture = match kind {
        ImageKind::Jpeg => {
            let picture = decode(input)?;
            let mut writer = BufWriter::new(File::create(output)?);
            picture.write_with_encoder(JpegEncoder::new_with_quality(&mut writer, 90))?;
            writer.flush()?;
            picture
        }
        ImageKind::Png => {
            let mut writer = BufWriter::new(File::create(output)?);
            strip_png(&mut reader, &mut writer, area)?;
            writer.flush()?;
            decode(output)?
        }
        ImageKind::Gif => {
            let mut writer = BufWriter::new(File::create(output)?);
            strip_gif(&mut reader, &mut writer, area)?;
            writer.flush()?;
            decode(output)?
        }
        ImageKind::WebP => {
            let mut writer = BufWriter::new(File::create(output)?);
            strip_webp(&mut reader, &mut writer)?;
            writer.flush()?;
            decode(output)?
        }
    };
    let (thumbnail, thumbnail_type) = thumbnail(&picture)?;
    Ok(Image {
        width: picture.width(),
        height: picture.height(),
        thumbnail,
        thumbnail_type,
    })
}

/// Decodes the (first frame of the) image at `path`, upright, within the pixel limit.
fn decode(path: &Path) -> Result<DynamicImage, MediaError> {
    let mut reader = ImageReader::open(path)?.with_guessed_format()?;
    let mut limits = image::Limits::default();
    let side = u32::try_from(MAX_PIXELS).unwrap_or(u32::MAX);
    limits.max_image_width = Some(side);
    limits.max_image_height = Some(side);
    // Four bytes per pixel, twice over for a conversion.
    limits.max_alloc = Some(MAX_PIXELS * 8);
    reader.limits(limits);
    let mut decoder = reader.into_decoder()?;
    let orientation = decoder.orientation()?;
    let mut picture = DynamicImage::from_decoder(decoder)?;
    picture.apply_orientation(orientation);
    Ok(picture)
}

/// At most [`THUMBNAIL_SIDE`] on the longer side: JPEG, or lossless WebP to keep transparency.
fn thumbnail(picture: &DynamicImage) -> Result<(Vec<u8>, &'static str), MediaError> {
    let small = if picture.width().max(picture.height()) > THUMBNAIL_SIDE {
        picture.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    } else {
        picture.clone()
    };
    let mut bytes = Vec::new();
    if small.color().has_alpha() {
        DynamicImage::ImageRgba8(small.to_rgba8())
            .write_with_encoder(WebPEncoder::new_lossless(&mut bytes))?;
        Ok((bytes, "image/webp"))
    } else {
        DynamicImage::ImageRgb8(small.to_rgb8())
            .write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, 80))?;
        Ok((bytes, "image/jpeg"))
    }
}

fn broken(what: &str) -> MediaError {
    MediaError::Unreadable(what.to_owned())
}

/// Copies exactly `length` bytes from `from` to `to` (`io::sink()` to drop them).
fn copy_exactly(from: &mut impl Read, to: &mut dyn Write, length: u64) -> Result<(), MediaError> {
    let copied = io::copy(&mut from.take(length), to)?;
    if copied == length {
        Ok(())
    } else {
        Err(broken("truncated"))
    }
}

fn check_frames(frames: u64, area: u64) -> Result<(), MediaError> {
    if frames.saturating_mul(area) > MAX_ANIMATION_PIXELS {
        Err(MediaError::TooManyPixels)
    } else {
        Ok(())
    }
}

/// PNG chunks that draw the picture (APNG's included); text, EXIF, time and unknown chunks go.
const PNG_KEPT: [&[u8; 4]; 17] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT", b"cICP", b"mDCv",
];

fn strip_png(from: &mut impl Read, to: &mut impl Write, area: u64) -> Result<(), MediaError> {
    let mut signature = [0; 8];
    from.read_exact(&mut signature)?;
    to.write_all(&signature)?;
    loop {
        let mut header = [0; 8];
        from.read_exact(&mut header)?;
        let length = u64::from(u32::from_be_bytes([
            header[0], header[1], header[2], header[3],
        ]));
        let kind = [header[4], header[5], header[6], header[7]];
        if length > 0x7fff_ffff {
            return Err(broken("PNG chunk too long"));
        }
        if &kind == b"acTL" {
            if length != 8 {
                return Err(broken("bad acTL chunk"));
            }
            let mut body = vec![0; usize::try_from(length + 4).unwrap_or(0)];
            from.read_exact(&mut body)?;
            let frames = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
            check_frames(u64::from(frames), area)?;
            to.write_all(&header)?;
            to.write_all(&body)?;
            continue;
        }
        if PNG_KEPT.contains(&&kind) {
            to.write_all(&header)?;
            copy_exactly(from, to, length + 4)?;
        } else {
            copy_exactly(from, &mut io::sink(), length + 4)?;
        }
        if &kind == b"IEND" {
            return Ok(());
        }
    }
}

fn read_byte(from: &mut impl Read) -> Result<u8, MediaError> {
    let mut byte = [0];
    from.read_exact(&mut byte)?;
    Ok(byte[0])
}

/// Copies GIF data sub-blocks up to and including their terminator.
fn gif_sub_blocks(from: &mut impl Read, to: &mut dyn Write) -> Result<(), MediaError> {
    loop {
        let length = read_byte(from)?;
        to.write_all(&[length])?;
        if length == 0 {
            return Ok(());
        }
        copy_exactly(from, to, u64::from(length))?;
    }
}

fn strip_gif(from: &mut impl Read, to: &mut impl Write, area: u64) -> Result<(), MediaError> {
    let mut screen = [0; 13];
    from.read_exact(&mut screen)?;
    to.write_all(&screen)?;
    if screen[10] & 0x80 != 0 {
        copy_exactly(from, to, 3 << ((screen[10] & 7) + 1))?;
    }
    let mut frames = 0;
    loop {
        match read_byte(from)? {
            0x21 => {
                let label = read_byte(from)?;
                match label {
                    // Graphic control: delays and transparency.
                    0xF9 => {
                        to.write_all(&[0x21, label])?;
                        gif_sub_blocks(from, to)?;
                    }
                    // Application: only the looping extensions stay (XMP lives here too).
                    0xFF => {
                        let length = read_byte(from)?;
                        let mut id = vec![0; usize::from(length)];
                        from.read_exact(&mut id)?;
                        if id.starts_with(b"NETSCAPE2.0") || id.starts_with(b"ANIMEXTS1.0") {
                            to.write_all(&[0x21, label, length])?;
                            to.write_all(&id)?;
                            gif_sub_blocks(from, to)?;
                        } else {
                            gif_sub_blocks(from, &mut io::sink())?;
                        }
                    }
                    // Comments, plain text and anything unknown.
                    _ => gif_sub_blocks(from, &mut io::sink())?,
                }
            }
            0x2C => {
                frames += 1;
                check_frames(frames, area)?;
                let mut descriptor = [0; 9];
                from.read_exact(&mut descriptor)?;
                to.write_all(&[0x2C])?;
                to.write_all(&descriptor)?;
                if descriptor[8] & 0x80 != 0 {
                    copy_exactly(from, to, 3 << ((descriptor[8] & 7) + 1))?;
                }
                let code_size = read_byte(from)?;
                to.write_all(&[code_size])?;
                gif_sub_blocks(from, to)?;
            }
            0x3B => {
                to.write_all(&[0x3B])?;
                return Ok(());
            }
            _ => return Err(broken("unknown GIF block")),
        }
    }
}

fn le32(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

fn le24(bytes: &[u8]) -> u64 {
    u64::from(bytes[0]) | u64::from(bytes[1]) << 8 | u64::from(bytes[2]) << 16
}

fn strip_webp(from: &mut impl Read, to: &mut (impl Write + Seek)) -> Result<(), MediaError> {
    let mut riff = [0; 12];
    from.read_exact(&mut riff)?;
    if &riff[0..4] != b"RIFF" || &riff[8..12] != b"WEBP" {
        return Err(broken("not a RIFF WebP"));
    }
    let mut left = u64::from(le32(&riff[4..8])).saturating_sub(4);
    to.write_all(&riff)?;
    let mut written: u64 = 4;
    let mut area = 0;
    let mut frames = 0;
    while left >= 8 {
        let mut header = [0; 8];
        from.read_exact(&mut header)?;
        let length = u64::from(le32(&header[4..8]));
        let padded = length + (length & 1);
        left = left.saturating_sub(8 + padded);
        match &header[0..4] {
            b"EXIF" | b"XMP " => copy_exactly(from, &mut io::sink(), padded)?,
            b"VP8X" => {
                if length != 10 {
                    return Err(broken("bad VP8X chunk"));
                }
                let mut body = vec![0; usize::try_from(padded).unwrap_or(0)];
                from.read_exact(&mut body)?;
                // No EXIF or XMP any more.
                body[0] &= !0x0C;
                area = (le24(&body[4..7]) + 1) * (le24(&body[7..10]) + 1);
                if area > MAX_PIXELS {
                    return Err(MediaError::TooManyPixels);
                }
                to.write_all(&header)?;
                to.write_all(&body)?;
                written += 8 + padded;
            }
            kind => {
                if kind == b"ANMF" {
                    frames += 1;
                    check_frames(frames, area)?;
                }
                to.write_all(&header)?;
                copy_exactly(from, to, padded)?;
                written += 8 + padded;
            }
        }
    }
    let riff_size = u32::try_from(written).map_err(|_| broken("WebP too large"))?;
    to.seek(SeekFrom::Start(4))?;
    to.write_all(&riff_size.to_le_bytes())?;
    to.seek(SeekFrom::End(0))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_chunk(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut chunk = (body.len() as u32).to_be_bytes().to_vec();
        chunk.extend_from_slice(kind);
        chunk.extend_from_slice(body);
        chunk.extend_from_slice(&[0, 0, 0, 0]);
        chunk
    }

    #[test]
    fn png_text_chunks_and_trailing_bytes_are_dropped() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(png_chunk(b"IHDR", &[0; 13]));
        png.extend(png_chunk(b"tEXt", b"GPS\x0048.85,2.35"));
        png.extend(png_chunk(b"IDAT", b"pixels"));
        png.extend(png_chunk(b"IEND", b""));
        png.extend_from_slice(b"<html>polyglot</html>");
        let mut out = Vec::new();
        strip_png(&mut png.as_slice(), &mut out, 1).unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("GPS"));
        assert!(!text.contains("html"));
        assert!(text.contains("IDAT"));
    }

    #[test]
    fn an_animated_png_over_the_frame_budget_is_refused() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(png_chunk(b"IHDR", &[0; 13]));
        png.extend(png_chunk(b"acTL", &[0, 0, 1, 0, 0, 0, 0, 0]));
        let mut out = Vec::new();
        let refused = strip_png(&mut png.as_slice(), &mut out, 10_000_000);
        assert!(matches!(refused, Err(MediaError::TooManyPixels)));
    }

    #[test]
    fn gif_comments_and_xmp_are_dropped_and_loops_kept() {
        let mut gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00".to_vec();
        gif.extend_from_slice(b"\x21\xFE\x05hello\x00");
        gif.extend_from_slice(b"\x21\xFF\x0BXMP DataXMP\x03abc\x00");
        gif.extend_from_slice(b"\x21\xFF\x0BNETSCAPE2.0\x03\x01\x00\x00\x00");
        gif.extend_from_slice(b"\x2C\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00");
        gif.extend_from_slice(b"\x3B");
        let mut out = Vec::new();
        strip_gif(&mut gif.as_slice(), &mut out, 1).unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("hello"));
        assert!(!text.contains("XMP"));
        assert!(text.contains("NETSCAPE2.0"));
        assert_eq!(out.last(), Some(&0x3B));
    }

    #[test]
    fn webp_exif_is_dropped_and_the_riff_size_fixed() {
        let mut body = b"WEBP".to_vec();
        body.extend_from_slice(b"VP8X\x0A\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        body.extend_from_slice(b"EXIF\x03\x00\x00\x00GPS\x00");
        body.extend_from_slice(b"VP8L\x02\x00\x00\x00ab");
        let mut webp = b"RIFF".to_vec();
        webp.extend_from_slice(&(body.len() as u32).to_le_bytes());
        webp.extend(body);
        let mut out = io::Cursor::new(Vec::new());
        strip_webp(&mut webp.as_slice(), &mut out).unwrap();
        let out = out.into_inner();
        assert!(!String::from_utf8_lossy(&out).contains("GPS"));
        assert_eq!(le32(&out[4..8]) as usize, out.len() - 8);
        assert_eq!(out[20] & 0x08, 0);
    }
}
