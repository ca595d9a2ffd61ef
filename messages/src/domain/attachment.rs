//! Attachments' rules that need no I/O: the safe filename, the kinds of file served inline, the
//! `Content-Disposition` of RFC 6266, and the `Range` requests answered.

use std::fmt::Write as _;

/// The longest filename kept, in bytes (UTF-8).
pub const MAX_FILENAME_BYTES: usize = 255;

/// What a file without a usable name is called.
const UNNAMED: &str = "file";

/// A client's filename made safe: no path separators, control or bidi-control characters,
/// no leading dots, at most [`MAX_FILENAME_BYTES`] bytes (cut on a character boundary, the
/// extension kept where it fits). Never used as a storage key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filename(String);

impl Filename {
    /// Makes `raw` safe; what cannot be made safe (nothing left) becomes `file`.
    pub fn sanitize(raw: &str) -> Self {
        let cleaned: String = raw
            .chars()
            .map(|c| if c == '/' || c == '\\' { '_' } else { c })
            .filter(|c| !c.is_control() && !is_bidi_control(*c))
            .collect();
        let trimmed = cleaned.trim().trim_start_matches('.').trim();
        if trimmed.is_empty() {
            return Self(UNNAMED.to_owned());
        }
        Self(shorten(trimmed))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Cuts `name` to [`MAX_FILENAME_BYTES`], keeping a short extension.
fn shorten(name: &str) -> String {
    if name.len() <= MAX_FILENAME_BYTES {
        return name.to_owned();
    }
    let extension = name
        .rfind('.')
        .map(|dot| &name[dot..])
        .filter(|ext| ext.len() <= 16)
        .unwrap_or("");
    let room = MAX_FILENAME_BYTES - extension.len();
    let mut stem = String::new();
    for c in name.chars() {
        if stem.len() + c.len_utf8() > room {
            break;
        }
        stem.push(c);
    }
    stem + extension
}

/// Characters that reorder text (`invoice`, U+202E, `fdp.exe` shows as `invoiceexe.pdf`).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// The image types that get dimensions, a thumbnail and inline serving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    /// PNG (APNG included).
    Png,
    /// JPEG.
    Jpeg,
    /// GIF.
    Gif,
    /// WebP.
    WebP,
}

impl ImageKind {
    /// The kind a sniffed MIME type names, if it is one of the four.
    pub fn from_mime(mime: &str) -> Option<Self> {
        match mime {
            "image/png" => Some(Self::Png),
            "image/jpeg" => Some(Self::Jpeg),
            "image/gif" => Some(Self::Gif),
            "image/webp" => Some(Self::WebP),
            _ => None,
        }
    }

    /// Its MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::WebP => "image/webp",
        }
    }
}

/// The most pixels of one image (width × height).
pub const MAX_PIXELS: u64 = 50_000_000;
/// The most pixels of an animation, every frame counted.
pub const MAX_ANIMATION_PIXELS: u64 = 500_000_000;

/// How a stored file is served: `Content-Type` and `Content-Disposition`. Only the four raster
/// image types are shown inline with their own type; everything else (SVG and HTML included)
/// is an `application/octet-stream` download, so no browser ever renders it in our origin.
pub fn serving_headers(content_type: &str, filename: &str) -> (&'static str, String) {
    match ImageKind::from_mime(content_type) {
        Some(kind) => (kind.mime(), "inline".to_owned()),
        None => (
            "application/octet-stream",
            format!("attachment; filename*=UTF-8''{}", rfc5987(filename)),
        ),
    }
}

/// `value` percent-encoded as RFC 5987's `value-chars` (`attr-char` kept, the rest as %XX of
/// its UTF-8 bytes).
fn rfc5987(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A `Range` header of one `bytes=` range resolved against an object of `length` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// No range, or one this server answers with the whole object (several ranges, a unit
    /// other than bytes, nonsense): 200 with everything, as RFC 9110 allows.
    Whole,
    /// These bytes, end exclusive: 206.
    Part(std::ops::Range<u64>),
    /// Starts past the end: 416.
    Unsatisfiable,
}

impl ByteRange {
    /// Resolves `header` (the `Range` value, if any) for `length` bytes.
    pub fn parse(header: Option<&str>, length: u64) -> Self {
        let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
            return Self::Whole;
        };
        if spec.contains(',') {
            return Self::Whole;
        }
        let Some((start, end)) = spec.trim().split_once('-') else {
            return Self::Whole;
        };
        let (start, end) = (start.trim(), end.trim());
        let range = if start.is_empty() {
            // A suffix: the last `end` bytes.
            let Ok(suffix) = end.parse::<u64>() else {
                return Self::Whole;
            };
            if suffix == 0 {
                return Self::Unsatisfiable;
            }
            length.saturating_sub(suffix)..length
        } else {
            let Ok(first) = start.parse::<u64>() else {
                return Self::Whole;
            };
            let last = if end.is_empty() {
                length.saturating_sub(1)
            } else {
                match end.parse::<u64>() {
                    Ok(last) if last >= first => last.min(length.saturating_sub(1)),
                    _ => return Self::Whole,
                }
            };
            if first >= length {
                return Self::Unsatisfiable;
            }
            first..last + 1
        };
        if range.start >= range.end {
            return Self::Unsatisfiable;
        }
        Self::Part(range)
    }
}

/// Whether an `If-None-Match` value matches `etag` (weak comparison, `*` included).
pub fn matches_etag(if_none_match: &str, etag: &str) -> bool {
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    if_none_match
        .split(',')
        .any(|tag| tag.trim() == "*" || bare(tag) == bare(etag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_separators_and_control_characters_are_removed() {
        assert_eq!(
            Filename::sanitize("../../etc/passwd").as_str(),
            "_.._etc_passwd"
        );
        assert_eq!(Filename::sanitize("a\\b/c.txt").as_str(), "a_b_c.txt");
        assert_eq!(
            Filename::sanitize("re\u{0}port\n.pdf").as_str(),
            "report.pdf"
        );
        assert_eq!(
            Filename::sanitize("bad\u{202E}fdp.exe").as_str(),
            "badfdp.exe"
        );
        assert_eq!(Filename::sanitize("x\u{2066}y\u{200F}").as_str(), "xy");
    }

    #[test]
    fn an_empty_or_hidden_name_becomes_file() {
        assert_eq!(Filename::sanitize("").as_str(), "file");
        assert_eq!(Filename::sanitize(" \u{7} ").as_str(), "file");
        assert_eq!(Filename::sanitize("..").as_str(), "file");
        assert_eq!(Filename::sanitize(".bashrc").as_str(), "bashrc");
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary_keeping_the_extension() {
        let long = format!("{}.pdf", "é".repeat(300));
        let name = Filename::sanitize(&long);
        assert!(name.as_str().len() <= MAX_FILENAME_BYTES);
        assert!(name.as_str().ends_with("é.pdf"));
        let no_extension = "x".repeat(1000);
        assert_eq!(
            Filename::sanitize(&no_extension).as_str().len(),
            MAX_FILENAME_BYTES
        );
    }

    #[test]
    fn unicode_names_stay() {
        assert_eq!(
            Filename::sanitize("日本語 файл.png").as_str(),
            "日本語 файл.png"
        );
    }

    #[test]
    fn only_raster_images_are_inline() {
        assert_eq!(
            serving_headers("image/png", "a.png"),
            ("image/png", "inline".into())
        );
        let (kind, disposition) = serving_headers("image/svg+xml", "a b\"é.svg");
        assert_eq!(kind, "application/octet-stream");
        assert_eq!(
            disposition,
            "attachment; filename*=UTF-8''a%20b%22%C3%A9.svg"
        );
        assert_eq!(
            serving_headers("text/html", "x.png").0,
            "application/octet-stream"
        );
    }

    #[test]
    fn ranges_resolve_against_the_length() {
        assert_eq!(ByteRange::parse(None, 10), ByteRange::Whole);
        assert_eq!(
            ByteRange::parse(Some("bytes=0-3"), 10),
            ByteRange::Part(0..4)
        );
        assert_eq!(
            ByteRange::parse(Some("bytes=5-"), 10),
            ByteRange::Part(5..10)
        );
        assert_eq!(
            ByteRange::parse(Some("bytes=-3"), 10),
            ByteRange::Part(7..10)
        );
        assert_eq!(
            ByteRange::parse(Some("bytes=8-100"), 10),
            ByteRange::Part(8..10)
        );
        assert_eq!(
            ByteRange::parse(Some("bytes=10-"), 10),
            ByteRange::Unsatisfiable
        );
        assert_eq!(
            ByteRange::parse(Some("bytes=0-1,4-5"), 10),
            ByteRange::Whole
        );
        assert_eq!(ByteRange::parse(Some("items=0-1"), 10), ByteRange::Whole);
        assert_eq!(ByteRange::parse(Some("bytes=5-2"), 10), ByteRange::Whole);
    }

    #[test]
    fn etags_match_weakly_and_in_lists() {
        assert!(matches_etag("\"a\"", "\"a\""));
        assert!(matches_etag("W/\"a\", \"b\"", "\"a\""));
        assert!(matches_etag("*", "\"a\""));
        assert!(!matches_etag("\"b\"", "\"a\""));
    }
}
