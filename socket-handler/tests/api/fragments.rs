//! A message may arrive in fragments (a first frame and continuation frames); the 64 KiB limit
//! is on the joined message, and going over it closes the socket with 1009 exactly as one
//! oversized frame does, while a fragmented message within the limit is handled like one frame.

use serde_json::json;
use shared::testing::WsEnd;

use crate::helpers::{WAIT, send_frame, spawn_stack};

const LIMIT: usize = 64 * 1024;

#[actix_web::test]
async fn a_message_over_64_kib_sent_in_fragments_closes_the_socket_with_1009() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 0).await;
    // Every fragment is small; together they are one byte over.
    let text = vec![b' '; LIMIT + 1];
    anns.send_in_fragments(&text, &[16 * 1024, 32 * 1024, 48 * 1024])
        .await;
    assert_eq!(anns.closed(WAIT).await, WsEnd::Closed(1009));

    // Only that socket: bob chats on.
    let mut anns = stack.connect(&ann, 0).await;
    bobs.send_json(&send_frame("after", &ann, "still here"))
        .await;
    assert_eq!(
        bobs.next_of_type("message.ack", WAIT).await["clientMsgId"],
        "after"
    );
    assert_eq!(
        anns.next_of_type("message.new", WAIT).await["message"]["content"],
        "still here"
    );
}

#[actix_web::test]
async fn a_fragmented_message_of_up_to_64_kib_is_handled_like_one_frame() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 0).await;
    // A send of 4,000 two-byte characters, padded with JSON whitespace to exactly 64 KiB, cut
    // in the middle of a character.
    let content = "é".repeat(4000);
    let mut text = send_frame("fragmented", &bob, &content)
        .to_string()
        .into_bytes();
    text.resize(LIMIT, b' ');
    let inside_a_character = text.iter().position(|&b| b == 0xc3).unwrap() + 1;
    anns.send_in_fragments(&text, &[inside_a_character, 40 * 1024])
        .await;
    assert_eq!(
        anns.next_of_type("message.ack", WAIT).await["clientMsgId"],
        "fragmented"
    );
    assert_eq!(
        bobs.next_of_type("message.new", WAIT).await["message"]["content"],
        content.as_str()
    );
    // And the socket goes on as usual.
    anns.send_in_fragments(json!({"type": "ping"}).to_string().as_bytes(), &[3])
        .await;
    assert_eq!(anns.next_of_type("pong", WAIT).await["type"], "pong");
}
