//! A WebSocket fuzzer: thousands of malformed, wrong-typed, binary and unicode-edge frames. Each
//! gets an `error` frame and the connection stays up; an oversized frame closes with 1009; the
//! process never panics; a pair of other users chats on undisturbed meanwhile.

use awc::ws::Message;
use serde_json::{Value, json};
use shared::testing::WsEnd;

use crate::helpers::{WAIT, send_frame, spawn_stack};

/// Strings that break naive handling: empty, whitespace, zero-width, right-to-left, emoji,
/// combining marks, lone surrogates (escaped in JSON), nulls, huge numbers, SQL and HTML.
const NASTY: &[&str] = &[
    "",
    " ",
    "\u{200b}",
    "\u{202e}gnp.exe",
    "🙂🙃👩‍👩‍👧‍👦",
    "e\u{301}\u{301}\u{301}",
    "\u{0}",
    "' OR 1=1 --",
    "\"; DROP TABLE messages; --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00%2e%2e",
    "null",
    "NaN",
];

/// A small deterministic generator, so a failure is reproducible.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() as usize) % items.len()]
    }
}

fn odd_value(rng: &mut Lcg) -> Value {
    match rng.next() % 9 {
        0 => Value::Null,
        1 => json!(rng.next() as i64 - (1 << 30)),
        2 => json!(1e308),
        3 => json!(true),
        4 => json!([1, "two", null]),
        5 => json!({"nested": {"deep": [{}]}}),
        6 => json!(*rng.pick(NASTY)),
        7 => json!("not-a-uuid"),
        _ => json!("x".repeat((rng.next() % 300) as usize)),
    }
}

/// A frame that is invalid by construction (so it must be answered with an error frame at once).
fn malformed(rng: &mut Lcg) -> Message {
    let types = [
        "message.send",
        "message.read",
        "message.vote",
        "typing",
        "ping",
        "pong",
        "",
        "MESSAGE.SEND",
        "message.send ",
        "\u{200b}ping",
    ];
    let text = match rng.next() % 8 {
        0 => (*rng.pick(NASTY)).to_owned() + "{",
        1 => json!([odd_value(rng), odd_value(rng)]).to_string(),
        2 => odd_value(rng).to_string(),
        3 => json!({"type": odd_value(rng)}).to_string(),
        4 => json!({"type": "message.send", "clientMsgId": odd_value(rng), "to": "nope", "content": odd_value(rng)}).to_string(),
        5 => json!({"type": "message.read", "conversationId": odd_value(rng), "seq": "one"}).to_string(),
        6 => json!({"type": "message.vote", "messageId": "x", "vote": odd_value(rng)}).to_string(),
        _ => {
            let kind = *rng.pick(&types[5..]);
            json!({"type": kind, "payload": odd_value(rng)}).to_string()
        }
    };
    if rng.next().is_multiple_of(10) {
        Message::Binary(text.into_bytes().into())
    } else {
        Message::Text(text.into())
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
    for round in 0..2000_u32 {
        let frame = malformed(&mut rng);
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
    tracing::info!(tried, "malformed frames answered");

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
async fn unicode_edge_content_is_stored_exactly_as_sent_after_trimming() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let storable = NASTY
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.trim().is_empty() && !c.contains('\0'));
    for (i, content) in storable {
        anns.send_json(&send_frame(&format!("u{i}"), &bob, content))
            .await;
        let ack = anns.next_of_type("message.ack", WAIT).await;
        assert_eq!(ack["message"]["content"], content.trim(), "{content:?}");
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
