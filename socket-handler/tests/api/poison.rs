//! socket-handler consumes no durable queue: its node inbox is exclusive and unacknowledged (what
//! it carries is for sockets that live only as long as the node), so there is no dead-letter
//! queue to fill. A poison message there is dropped with a warning, sends no frame to anyone, and
//! the next good one is handled.

use serde_json::json;
use shared::chat::{kind, user_key};
use shared::events::{Envelope, Event, UserSignedOut};
use shared::testing::WsEnd;

use crate::helpers::{WAIT, send_frame, spawn_stack};

#[actix_web::test]
async fn a_poison_message_on_the_node_inbox_is_dropped_and_the_next_one_handled() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 0).await;
    // A socket reads no frame before its deliveries are bound: a pong proves the binding.
    for socket in [&mut anns, &mut bobs] {
        socket.send_json(&json!({"type": "ping"})).await;
        socket.next_of_type("pong", WAIT).await;
    }

    let topology = stack.infra.topology();
    let poisons = [
        b"\xffnot json".to_vec(),
        json!({"message": "nope", "conversationId": 7, "readerId": [], "seq": "one"})
            .to_string()
            .into_bytes(),
    ];
    let mut poisoned = 0;
    for delivery in [
        kind::MESSAGE,
        kind::WATERMARK,
        kind::TYPING,
        kind::VOTES,
        kind::CONVERSATION,
        kind::REMOVED,
    ] {
        for poison in &poisons {
            stack
                .infra
                .publish_raw(
                    &topology.chat_delivery_exchange(),
                    &user_key(ann.id),
                    delivery,
                    poison,
                )
                .await;
            poisoned += 1;
        }
    }
    for poison in &poisons {
        stack
            .infra
            .publish_raw(
                &topology.exchange(UserSignedOut::EXCHANGE),
                UserSignedOut::ROUTING_KEY,
                UserSignedOut::ROUTING_KEY,
                poison,
            )
            .await;
        poisoned += 1;
    }

    // The next good delivery is the first frame Bob sees: the poison sent nobody anything.
    anns.send_json(&send_frame("after", &bob, "still flowing"))
        .await;
    assert_eq!(
        anns.next_of_type("message.ack", WAIT).await["clientMsgId"],
        "after"
    );
    let first = bobs.next_json(WAIT).await;
    assert_eq!(first["type"], "message.new", "{first}");
    assert_eq!(first["message"]["content"], "still flowing");
    // And the next good sign-out still closes the session's socket.
    stack
        .publisher
        .publish(
            &Envelope::new(UserSignedOut {
                user_id: ann.id,
                session_id: Some(ann.session_id),
            }),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(anns.closed(WAIT).await, WsEnd::Closed(4001));
    println!(
        "socket-handler: {poisoned} poison messages on the node inbox dropped, the next ones handled"
    );
}
