//! One user floods every kind of command from four sockets on two nodes while another pair
//! chats: the flooder's commands beyond their allowances are answered `rate_limited` at the
//! nodes (so they never reach the commands queue), the pair's messages all arrive in order, and
//! every socket stays open. Counts only, no timing.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shared::testing::WsClient;
use socket_handler::rate_limit::{Allowance, CommandLimits};

use crate::helpers::{WAIT, send_frame, spawn_stack_with};

/// Frames of each kind each of the flooder's sockets sends.
const PER_KIND: usize = 20;

/// The flooder's command kinds, each with the frame for its `i`-th try.
fn flood_frame(kind: &str, i: usize, target: &Value, carol: &str) -> Value {
    let request_id = format!("{kind}:{i}");
    let message_id = &target["id"];
    let conversation_id = &target["conversationId"];
    match kind {
        "send" => {
            json!({"type": "message.send", "clientMsgId": request_id, "to": carol, "content": "spam", "requestId": request_id})
        }
        "read" => {
            json!({"type": "message.read", "conversationId": conversation_id, "seq": 1, "requestId": request_id})
        }
        "vote" => {
            json!({"type": "message.vote", "messageId": message_id, "vote": if i.is_multiple_of(2) { "up" } else { "down" }, "requestId": request_id})
        }
        "react" => {
            json!({"type": "message.react", "messageId": message_id, "emoji": "👍", "requestId": request_id})
        }
        "edit" => {
            json!({"type": "message.edit", "messageId": message_id, "content": format!("edit {i}"), "requestId": request_id})
        }
        _ => json!({"type": "typing", "conversationId": conversation_id}),
    }
}

/// Two a second and ten at once of every kind: below what the flood sends, well above what the
/// pair needs (ten messages from Ann).
fn tight_limits() -> CommandLimits {
    CommandLimits::uniform(Allowance {
        rate_per_sec: 2.0,
        burst: 10.0,
    })
}

const KINDS: [&str; 6] = ["send", "read", "vote", "react", "edit", "typing"];

/// Reads `socket` until it is quiet for `quiet`, counting `rate_limited` answers per kind and
/// acks.
async fn drain(
    socket: &mut WsClient,
    quiet: Duration,
    refused: &mut BTreeMap<String, usize>,
    acks: &mut usize,
) {
    while let Some(frame) = socket.try_next_json(quiet).await {
        match frame["type"].as_str() {
            Some("error") if frame["code"] == "rate_limited" => {
                let kind = frame["requestId"]
                    .as_str()
                    .or(frame["clientMsgId"].as_str())
                    .and_then(|id| id.split(':').next())
                    .unwrap_or("?")
                    .to_owned();
                *refused.entry(kind).or_default() += 1;
            }
            Some("message.ack") => *acks += 1,
            _ => {}
        }
    }
}

#[actix_web::test]
async fn a_flood_of_every_command_kind_is_refused_at_the_nodes_and_the_others_chat_on() {
    let stack = spawn_stack_with(2, |c| c.command_limits = tight_limits()).await;
    let mallory = stack.user("mallory").await;
    let carol = stack.user("carol").await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut floods = vec![
        stack.connect(&mallory, 0).await,
        stack.connect(&mallory, 0).await,
        stack.connect(&mallory, 1).await,
        stack.connect(&mallory, 1).await,
    ];
    floods[0]
        .send_json(&send_frame("target", &carol, "a message to vote on"))
        .await;
    let target = floods[0].next_of_type("message.ack", WAIT).await["message"].clone();
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 1).await;

    let started = Instant::now();
    let mut refused = BTreeMap::new();
    let mut acks = 0;
    let carol_id = carol.id.to_string();
    for i in 0..PER_KIND {
        for (s, socket) in floods.iter_mut().enumerate() {
            for kind in KINDS {
                socket
                    .send_json(&flood_frame(kind, i * 4 + s, &target, &carol_id))
                    .await;
            }
            drain(socket, Duration::from_millis(2), &mut refused, &mut acks).await;
        }
        // Meanwhile Ann and Bob chat, a message every other round (within their own allowance).
        if i.is_multiple_of(2) {
            anns.send_json(&send_frame(&format!("a{i}"), &bob, "hello"))
                .await;
            anns.next_of_type("message.ack", WAIT).await;
            let new = bobs.next_of_type("message.new", WAIT).await;
            assert_eq!(new["message"]["seq"], i / 2 + 1, "in order, none lost");
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    // The answers still on their way: every socket is read until it falls quiet.
    for socket in &mut floods {
        drain(socket, Duration::from_millis(500), &mut refused, &mut acks).await;
        socket.send_json(&json!({"type": "ping"})).await;
        socket.next_of_type("pong", WAIT).await;
    }

    let sent = PER_KIND * 4;
    let limits = tight_limits();
    let allowed_sends = limits.send.burst + limits.send.rate_per_sec * elapsed;
    println!(
        "flood: {sent} frames of each kind from 4 sockets on 2 nodes in {elapsed:.1} s; refused \
         rate_limited per kind {refused:?}; {acks} sends stored (at most {allowed_sends:.0} allowed)"
    );
    assert!(
        acks as f64 <= allowed_sends + 1.0,
        "{acks} sends stored, more than the allowance"
    );
    for kind in ["send", "read", "vote", "react", "edit"] {
        assert!(
            refused.get(kind).copied().unwrap_or(0) > 0,
            "some of the {kind} flood refused: {refused:?}"
        );
    }
    assert!(
        !refused.contains_key("typing"),
        "typing is refused silently"
    );
}
