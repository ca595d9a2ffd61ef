//! A message may arrive in fragments (a first frame and continuation frames); the 64 KiB limit
//! is on the joined message, and going over it closes the socket with 1009 exactly as one
//! oversized frame does, while a fragmented message within the limit is handled like one frame.

use serde_json::json;
use shared::testing::{TestUser, WsEnd};

use crate::helpers::{WAIT, spawn_app};

const LIMIT: usize = 64 * 1024;

#[actix_web::test]
async fn a_message_over_64_kib_sent_in_fragments_closes_the_socket_with_1009() {
    let app = spawn_app().await;
    let mut socket = app.connect(&TestUser::new("ann")).await;
    let mut other = app.connect(&TestUser::new("bob")).await;
    // Every fragment is small; together they are one byte over.
    let text = vec![b' '; LIMIT + 1];
    socket
        .send_in_fragments(&text, &[16 * 1024, 32 * 1024, 48 * 1024])
        .await;
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
    socket
        .send_in_fragments(&text, &[5, 30 * 1024, 60 * 1024])
        .await;
    assert_eq!(socket.next_json(WAIT).await, json!({"type": "pong"}));
    let unicode = json!({"type": "ping", "note": "é🙂"})
        .to_string()
        .into_bytes();
    let inside_a_character = unicode.iter().position(|&b| b == 0xc3).unwrap() + 1;
    socket
        .send_in_fragments(&unicode, &[inside_a_character])
        .await;
    assert_eq!(socket.next_json(WAIT).await, json!({"type": "pong"}));
    socket.send_json(&json!({"type": "ping"})).await;
    assert_eq!(socket.next_json(WAIT).await, json!({"type": "pong"}));
}
