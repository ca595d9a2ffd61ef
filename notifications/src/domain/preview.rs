//! `preview`: the start of a message, short enough for a notification.

/// The most characters a preview keeps of the content.
pub const PREVIEW_CHARS: usize = 120;

/// The first [`PREVIEW_CHARS`] characters of `content`, cut between characters (never inside
/// one's UTF-8 bytes), with `…` appended when something was cut. Characters are Unicode scalar
/// values, as the contract counts a message's length; a cut may still split a sequence that
/// displays as one symbol (an emoji with a skin tone, say), which a preview can afford.
pub fn preview(content: &str) -> String {
    match content.char_indices().nth(PREVIEW_CHARS) {
        None => content.to_owned(),
        Some((cut, _)) => format!("{}…", &content[..cut]),
    }
}

/// The preview of a message: its text's, or for a message of files only what it carries
/// ("📎 photo.jpg", "📎 3 files"), so the notification is not blank.
pub fn of_message(content: &str, attachments: &[shared::events::Attachment]) -> String {
    match attachments {
        _ if !content.is_empty() => preview(content),
        [] => String::new(),
        [only] => preview(&format!("📎 {}", only.filename)),
        many => format!("📎 {} files", many.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> shared::events::Attachment {
        let id = shared::ids::AttachmentId::new();
        shared::events::Attachment {
            id,
            filename: name.to_owned(),
            content_type: "application/pdf".to_owned(),
            size: 1,
            width: None,
            height: None,
            url: format!("/api/messages/attachments/{id}"),
            thumbnail_url: None,
        }
    }

    #[test]
    fn a_message_of_files_only_previews_its_files() {
        assert_eq!(of_message("look", &[file("a.pdf")]), "look");
        assert_eq!(of_message("", &[file("a.pdf")]), "📎 a.pdf");
        assert_eq!(
            of_message("", &[file("a.pdf"), file("b.png")]),
            "📎 2 files"
        );
        assert_eq!(of_message("", &[]), "");
    }

    #[test]
    fn a_short_message_is_its_own_preview() {
        assert_eq!(preview("hello"), "hello");
        assert_eq!(preview(""), "");
        let exact = "x".repeat(PREVIEW_CHARS);
        assert_eq!(preview(&exact), exact);
    }

    #[test]
    fn a_long_message_is_cut_after_120_characters() {
        let long = "y".repeat(PREVIEW_CHARS + 1);
        let cut = preview(&long);
        assert_eq!(cut, format!("{}…", "y".repeat(PREVIEW_CHARS)));
    }

    #[test]
    fn multibyte_characters_are_never_split() {
        let long = "é🙂".repeat(PREVIEW_CHARS);
        let cut = preview(&long);
        assert_eq!(cut.chars().count(), PREVIEW_CHARS + 1);
        assert!(cut.starts_with("é🙂é🙂"));
        assert!(cut.ends_with('…'));
    }
}
