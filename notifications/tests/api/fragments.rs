//! A message may arrive in fragments (a first frame and continuation frames); the 64 KiB limit
//! is on the joined message, and going over it closes the socket with 1009 exactly as one
//! oversized frame does, while a fragmented message within the limit is handled like one frame.

use actix_web::web::Bytes;
use actix_ws::Item;
use awc::ws::Message;
use serde_json::json;
use shared::testing::{TestUser, WsClient, WsEnd};

use crate::helpers::{WAIT, spawn_app};

const LIMIT: usize = 64 * 1024;

/// Sends `text` as one fragmented text message cut at the byte offsets `cuts` (which need not
/// fall between characters: only the joined message must be UTF-8).
async fn send_in_fragments(socket: &mut WsClient, text: &[u8], cuts: &[usize]) {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(text.len());
    let pieces: Vec<Bytes> = bounds
        .windows(2)
        .map(|w| Bytes::copy_from_slice(&text[w[0]..w[1]]))
        .collect();
    let last = pieces.len() - 1;
    for (i, piece) in pieces.into_iter().enumerate() {
        let item = match i {
            0 => Item::FirstText(piece),
            i if i == last => Item::Last(piece),
            _ => Item::Continue(piece),
        };
        socket.send_message(Message::Continuation(item)).await;
    }
}

#[actix_web::test]
async fn a_message_over_64_kib_sent_in_fragments_closes_the_socket_with_1009() {
    let app = spawn_app().await;
    let mut socket = app.connect(&TestUser::new("ann")).await;
    let mut other = app.connect(&TestUser::new("bob")).await;
    // Every fragment is small; together they are one byte over.
    let text = vec![b' '; LIMIT + 1];
    send_in_fragments(&mut socket, &text, &[16 * 1024, 32 * 1024, 48 * 1024]).await;
    assert_eq!(socket.closed(WAIT).await, WsEnd::Closed(1009));
    // Only that socket.
    other.send_json(&json!({"type": "ping"})).await;
    assert_eq!(
        other.next_of_type("pong", WAIT).await,
        json!({"type": "pong"})
    );
}

#[actix_web::test]
async fn a_fragmented_message_of_up_to_64_kib_is_handled_like_one_frame() {
    let app = spawn_app().await;
    let mut socket = app.connect(&TestUser::new("ann")).await;
    // A ping padded with JSON whitespace to exactly 64 KiB, and a ping cut inside a character.
    let mut text = json!({"type": "ping"}).to_string().into_bytes();
    text.resize(LIMIT, b' ');
    send_in_fragments(&mut socket, &text, &[5, 30 * 1024, 60 * 1024]).await;
    assert_eq!(socket.next_json(WAIT).await, json!({"type": "pong"}));
    let unicode = json!({"type": "ping", "note": "é🙂"})
        .to_string()
        .into_bytes();
    let inside_a_character = unicode.iter().position(|&b| b == 0xc3).unwrap() + 1;
    send_in_fragments(&mut socket, &unicode, &[inside_a_character]).await;
    assert_eq!(socket.next_json(WAIT).await, json!({"type": "pong"}));
    socket.send_json(&json!({"type": "ping"})).await;
    assert_eq!(socket.next_json(WAIT).await, json!({"type": "pong"}));
}
