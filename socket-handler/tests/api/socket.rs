//! The chat socket's rules: who may open it, what frames it takes, and its limits.

use std::time::Duration;

use serde_json::json;
use shared::testing::{TestUser, WsClient, WsEnd};
use socket_handler::rate_limit::Allowance;

use crate::helpers::{WAIT, send_frame, spawn_stack, spawn_stack_with};

#[actix_web::test]
async fn the_chat_socket_needs_a_session_and_our_origin() {
    let stack = spawn_stack(1).await;
    assert_eq!(
        WsClient::connect(&stack.ws_url(0), None).await.err(),
        Some(401)
    );
    let ann = TestUser::new("ann");
    assert_eq!(
        WsClient::connect_from(
            &stack.ws_url(0),
            Some(&ann.cookie()),
            Some("https://evil.example")
        )
        .await
        .err(),
        Some(403)
    );
}

#[actix_web::test]
async fn an_upgrade_elsewhere_a_plain_get_and_text_that_is_not_utf8_are_refused() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    // Upgrades reach the socket before any route: another path is not found, as ever.
    let elsewhere = stack.ws_url(0).replace("/ws/chat", "/ws/other");
    assert_eq!(
        WsClient::connect(&elsewhere, Some(&ann.cookie()))
            .await
            .err(),
        Some(404)
    );
    // A plain GET on the socket's path: signed in first, then told it is not an upgrade.
    let plain = stack.ws_url(0).replace("ws://", "http://");
    let client = awc::Client::default();
    let anonymous = client.get(&plain).send().await.expect("plain GET");
    assert_eq!(anonymous.status().as_u16(), 401);
    let signed_in = client
        .get(&plain)
        .insert_header(("Cookie", ann.cookie()))
        .send()
        .await
        .expect("plain GET");
    assert_eq!(signed_in.status().as_u16(), 400);
    // Text that is not UTF-8 breaks the protocol (1002); the user's other socket is untouched.
    let mut broken = stack.connect(&ann, 0).await;
    let mut other = stack.connect(&ann, 0).await;
    broken.send_in_fragments(&[0x41, 0xff, 0xfe], &[1]).await;
    assert_eq!(broken.closed(WAIT).await, WsEnd::Closed(1002));
    other.send_json(&json!({"type": "ping"})).await;
    assert_eq!(other.next_json(WAIT).await["type"], "pong");
}

#[actix_web::test]
async fn bad_frames_get_error_frames_and_the_socket_stays_open() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let long = "x".repeat(4001);
    let cases = [
        (json!("just a string"), "invalid_json"),
        (json!({"type": "message.launch"}), "unknown_type"),
        (json!({"type": "message.delete"}), "invalid_field"),
        (
            json!({"type": "message.react", "messageId": bob.id.to_string(), "emoji": "ok"}),
            "invalid_field",
        ),
        (
            json!({"type": "message.send", "clientMsgId": "c", "to": "not-a-uuid", "content": "x"}),
            "invalid_field",
        ),
        (
            json!({"type": "message.send", "clientMsgId": "c", "to": bob.id.to_string(), "content": " \t\n "}),
            "invalid_field",
        ),
        (
            json!({"type": "message.send", "clientMsgId": "c", "to": bob.id.to_string(), "content": long}),
            "content_too_long",
        ),
        (
            json!({"type": "message.send", "clientMsgId": 7, "to": bob.id.to_string(), "content": "x"}),
            "invalid_field",
        ),
        (
            json!({"type": "message.read", "conversationId": "x", "seq": "1"}),
            "invalid_field",
        ),
    ];
    for (frame, code) in cases {
        anns.send_json(&frame).await;
        assert_eq!(anns.next_json(WAIT).await["code"], code, "{frame}");
    }
    anns.send_json(&json!({"type": "ping"})).await;
    assert_eq!(anns.next_json(WAIT).await["type"], "pong");
}

#[actix_web::test]
async fn sending_too_fast_is_refused_with_rate_limited() {
    let stack = spawn_stack_with(1, |c| {
        c.command_limits.send = Allowance {
            rate_per_sec: 0.01,
            burst: 3.0,
        };
    })
    .await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    for i in 0..4 {
        anns.send_json(&send_frame(&format!("f{i}"), &bob, "flood"))
            .await;
    }
    let mut acks = 0;
    let mut limited = Vec::new();
    while acks + limited.len() < 4 {
        let frame = anns.next_json(WAIT).await;
        match frame["type"].as_str() {
            Some("message.ack") => acks += 1,
            Some("error") => limited.push(frame),
            _ => {}
        }
    }
    assert_eq!(acks, 3);
    assert_eq!(limited[0]["code"], "rate_limited");
    assert_eq!(limited[0]["clientMsgId"], "f3");
    anns.assert_silent(Duration::from_millis(200)).await;
}

#[actix_web::test]
async fn cross_site_websocket_hijacking_is_refused_and_announces_nothing() {
    let stack = spawn_stack(1).await;
    let mut online = stack.infra.probe::<shared::events::UserOnline>().await;
    let victim = stack.user("victim").await;
    for origin in [
        "https://evil.example",
        "http://localhost:8080.evil.example",
        "https://localhost:8080",
        "http://localhost:8081",
        "null",
    ] {
        let refused =
            WsClient::connect_from(&stack.ws_url(0), Some(&victim.cookie()), Some(origin))
                .await
                .err();
        assert_eq!(refused, Some(403), "{origin}");
    }
    online.assert_silent(Duration::from_millis(300)).await;
}

#[actix_web::test]
async fn one_allowance_per_user_and_kind_is_shared_by_all_nodes_and_answered_rate_limited() {
    let stack = spawn_stack_with(2, |c| {
        c.command_limits.watermark = Allowance {
            rate_per_sec: 0.01,
            burst: 4.0,
        };
    })
    .await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut on_first = stack.connect(&ann, 0).await;
    let mut on_second = stack.connect(&ann, 1).await;
    // Read receipts for conversations that do not exist: each one that gets through is answered
    // `not_found` by messages, each one over the allowance `rate_limited` by the node.
    let mut codes = Vec::new();
    for (socket, node) in [(&mut on_first, "first"), (&mut on_second, "second")] {
        for i in 0..3 {
            socket
                .send_json(
                    &json!({"type": "message.read", "conversationId": uuid::Uuid::now_v7(),
                    "seq": 1, "requestId": format!("{node}{i}")}),
                )
                .await;
            let error = socket.next_of_type("error", WAIT).await;
            assert_eq!(error["requestId"], format!("{node}{i}"));
            codes.push(error["code"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(
        codes,
        [
            "not_found",
            "not_found",
            "not_found",
            "not_found",
            "rate_limited",
            "rate_limited"
        ],
        "four in all across both nodes, then refused"
    );
    // Other kinds have allowances of their own, and both sockets stay open.
    let mut bobs = stack.connect(&bob, 1).await;
    on_first
        .send_json(&send_frame("still", &bob, "sends are not watermarks"))
        .await;
    on_first.next_of_type("message.ack", WAIT).await;
    bobs.next_of_type("message.new", WAIT).await;
    on_second.send_json(&json!({"type": "ping"})).await;
    on_second.next_of_type("pong", WAIT).await;
}

#[actix_web::test]
async fn a_socket_over_the_users_limit_is_closed_with_4029_and_the_others_keep_working() {
    let stack = spawn_stack_with(1, |c| c.socket_limits.sockets_per_user = 2).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut first = stack.connect(&ann, 0).await;
    let _second = stack.connect(&ann, 0).await;
    let mut third = stack.connect(&ann, 0).await;
    assert_eq!(
        third.closed(WAIT).await,
        shared::testing::WsEnd::Closed(4029)
    );
    // Bob's own allowance is untouched, and Ann's first socket chats on.
    let mut bobs = stack.connect(&bob, 0).await;
    first
        .send_json(&send_frame("one", &bob, "still here"))
        .await;
    first.next_of_type("message.ack", WAIT).await;
    bobs.next_of_type("message.new", WAIT).await;
    // Once a socket closes, its place is free again (as soon as the node has seen the close,
    // which a new socket may just beat: then it is refused and tried again).
    first.close().await;
    for attempt in 0.. {
        assert!(attempt < 50, "the closed socket's place never came free");
        let mut again = stack.connect(&ann, 0).await;
        again.send_json(&json!({"type": "ping"})).await;
        match again.next_event(WAIT).await {
            Some(Ok(frame)) if frame["type"] == "pong" => break,
            Some(Err(end)) => assert_eq!(end, shared::testing::WsEnd::Closed(4029)),
            other => panic!("neither a pong nor a refusal: {other:?}"),
        }
    }
}
