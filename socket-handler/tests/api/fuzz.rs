//! A WebSocket fuzzer: thousands of malformed, wrong-typed, binary and unicode-edge frames. Each
//! gets an `error` frame and the connection stays up; an oversized frame closes with 1009; the
//! process never panics; a pair of other users chats on undisturbed meanwhile.

use awc::ws::Message;
use serde_json::json;
use shared::chat::Content;
use shared::testing::WsEnd;
use shared::testing::hostile::{FuzzFrame, Lcg, SQL_INJECTION, UNICODE_EDGE, malformed_frame};

use crate::helpers::{WAIT, send_frame, spawn_stack};

/// The frame types the chat socket knows, sent with wrong fields by the generator.
const TYPES: &[&str] = &["message.send", "message.read", "message.vote", "typing"];

/// How many malformed frames the fuzzer sends (each answered before the next).
const FRAMES: u32 = 3000;

fn to_message(frame: FuzzFrame) -> Message {
    match frame {
        FuzzFrame::Text(text) => Message::Text(text.into()),
        FuzzFrame::Binary(bytes) => Message::Binary(bytes.into()),
    }
}

#[actix_web::test]
async fn thousands_of_malformed_frames_each_get_an_error_and_harm_no_one() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mallory = stack.user("mallory").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 0).await;
    let mut fuzzer = stack.connect(&mallory, 0).await;

    let mut rng = Lcg(0x5eed);
    let mut tried = 0;
    let mut binary = 0;
    for round in 0..FRAMES {
        let frame = malformed_frame(&mut rng, TYPES);
        binary += u32::from(matches!(frame, FuzzFrame::Binary(_)));
        let frame = to_message(frame);
        let shown = format!("{frame:?}");
        fuzzer.send_message(frame).await;
        let answer = fuzzer.next_json(WAIT).await;
        assert_eq!(answer["type"], "error", "frame {round}: {shown} → {answer}");
        assert!(answer["code"].is_string() && answer["message"].is_string());
        tried += 1;

        // Now and then, the others chat: they must not notice the fuzzer.
        if round.is_multiple_of(250) {
            anns.send_json(&send_frame(&format!("c{round}"), &bob, "still here"))
                .await;
            assert_eq!(
                anns.next_of_type("message.ack", WAIT).await["clientMsgId"],
                format!("c{round}")
            );
            bobs.next_of_type("message.new", WAIT).await;
        }
    }
    fuzzer.send_json(&json!({"type": "ping"})).await;
    assert_eq!(
        fuzzer.next_json(WAIT).await["type"],
        "pong",
        "the fuzzed connection is still up"
    );
    println!(
        "chat socket fuzz: {tried} malformed frames ({binary} binary), each answered with an error frame"
    );

    // Oversized frames end the socket with 1009, nothing else.
    fuzzer.send_text(&"[".repeat(64 * 1024 + 1)).await;
    assert_eq!(fuzzer.closed(WAIT).await, WsEnd::Closed(1009));
    anns.send_json(&send_frame("after", &bob, "and still"))
        .await;
    assert_eq!(
        anns.next_of_type("message.ack", WAIT).await["clientMsgId"],
        "after"
    );
}

#[actix_web::test]
async fn unicode_edge_and_sql_content_is_stored_exactly_as_sent_after_trimming() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let storable = UNICODE_EDGE
        .iter()
        .chain(SQL_INJECTION)
        .enumerate()
        .filter(|(_, c)| Content::parse(c).is_ok());
    for (i, content) in storable {
        // SQL in the client's id too: it is echoed back as sent, never interpreted.
        let client_msg_id = format!("u{i} {}", SQL_INJECTION[i % SQL_INJECTION.len()]);
        anns.send_json(&send_frame(&client_msg_id, &bob, content))
            .await;
        let ack = anns.next_of_type("message.ack", WAIT).await;
        assert_eq!(ack["clientMsgId"], client_msg_id);
        assert_eq!(ack["message"]["content"], content.trim(), "{content:?}");
    }
    let (_, history) = stack
        .get(&bob, &format!("/api/messages/with/{}", ann.id))
        .await;
    assert!(
        history["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["content"] == "'; DROP TABLE messages; --"),
        "stored as text, and the table is still there"
    );
    // Only invisible characters (a zero-width space, a BOM, 4,000 Hangul fillers) is blank.
    for (i, blank) in ["\u{200b}", "\u{feff}", &"\u{3164}".repeat(4000)]
        .iter()
        .enumerate()
    {
        let id = format!("blank{i}");
        anns.send_json(&send_frame(&id, &bob, blank)).await;
        let refused = anns.next_json(WAIT).await;
        assert_eq!(
            (refused["code"].as_str(), refused["clientMsgId"].as_str()),
            (Some("invalid_field"), Some(id.as_str()))
        );
    }
    // NUL cannot be stored in any text column: refused at the edge.
    anns.send_json(&send_frame("nul", &bob, "a\u{0}b")).await;
    let refused = anns.next_json(WAIT).await;
    assert_eq!(
        (refused["code"].as_str(), refused["clientMsgId"].as_str()),
        (Some("invalid_field"), Some("nul"))
    );
    // Lone surrogates escaped in JSON are not valid Unicode: refused as invalid JSON.
    anns.send_text(r#"{"type":"message.send","clientMsgId":"s","to":"00000000-0000-0000-0000-000000000000","content":"\ud800"}"#).await;
    assert_eq!(anns.next_json(WAIT).await["code"], "invalid_json");
}

#[actix_web::test]
async fn an_oversized_binary_frame_closes_only_its_own_socket_with_1009() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mallory = stack.user("mallory").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 0).await;
    let mut mallorys = stack.connect(&mallory, 0).await;
    mallorys
        .send_message(Message::Binary(vec![0xff; 64 * 1024 + 1].into()))
        .await;
    assert_eq!(mallorys.closed(WAIT).await, WsEnd::Closed(1009));
    anns.send_json(&send_frame("after-binary", &bob, "unaffected"))
        .await;
    assert_eq!(
        anns.next_of_type("message.ack", WAIT).await["clientMsgId"],
        "after-binary"
    );
    assert_eq!(
        bobs.next_of_type("message.new", WAIT).await["message"]["content"],
        "unaffected"
    );
}
