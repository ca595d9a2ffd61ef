use std::time::Duration;

use awc::ws::Message;
use serde_json::json;
use shared::auth::Claims;
use shared::ids::{SessionId, UserId};
use shared::testing::{TestUser, WsClient, WsEnd};

use crate::helpers::{WAIT, spawn_app, spawn_app_with};

#[actix_web::test]
async fn the_socket_needs_a_session_and_our_origin() {
    let app = spawn_app().await;
    assert_eq!(
        WsClient::connect(&app.ws_url(), None).await.err(),
        Some(401)
    );
    assert_eq!(
        WsClient::connect(&app.ws_url(), Some("auth=garbage"))
            .await
            .err(),
        Some(401)
    );
    let mut expired = Claims::issue(UserId::new(), "old", SessionId::new());
    expired.iat -= 3600;
    expired.exp = expired.iat + 900;
    assert_eq!(
        WsClient::connect(
            &app.ws_url(),
            Some(&TestUser::from_claims(expired).cookie())
        )
        .await
        .err(),
        Some(401)
    );
    let user = TestUser::new("ann");
    assert_eq!(
        WsClient::connect_from(
            &app.ws_url(),
            Some(&user.cookie()),
            Some("https://evil.example")
        )
        .await
        .err(),
        Some(403)
    );
    // Identity never comes from the URL.
    let url = format!("{}?userId={}", app.ws_url(), UserId::new());
    assert_eq!(WsClient::connect(&url, None).await.err(), Some(401));
}

#[actix_web::test]
async fn a_ping_frame_gets_a_pong() {
    let app = spawn_app().await;
    let mut socket = app.connect(&TestUser::new("ann")).await;
    socket.send_json(&json!({"type": "ping"})).await;
    assert_eq!(socket.next_json(WAIT).await, json!({"type": "pong"}));
}

#[actix_web::test]
async fn bad_frames_get_error_frames_and_the_socket_stays_open() {
    let app = spawn_app().await;
    let mut socket = app.connect(&TestUser::new("ann")).await;
    let cases = [
        ("not json", "invalid_json"),
        ("[1, 2]", "unknown_type"),
        (r#"{"type": "message.send"}"#, "unknown_type"),
        (r#"{"no": "type"}"#, "unknown_type"),
        ("\u{202e}\u{200b}🙂", "invalid_json"),
    ];
    for (frame, code) in cases {
        socket.send_text(frame).await;
        let answer = socket.next_json(WAIT).await;
        assert_eq!(answer["type"], "error", "{frame}");
        assert_eq!(answer["code"], code, "{frame}");
    }
    socket
        .send_message(Message::Binary(vec![0, 159, 146, 150].into()))
        .await;
    assert_eq!(socket.next_json(WAIT).await["code"], "invalid_json");
    socket.send_json(&json!({"type": "ping"})).await;
    assert_eq!(socket.next_json(WAIT).await["type"], "pong");
}

#[actix_web::test]
async fn a_frame_over_64_kib_closes_the_socket_with_1009() {
    let app = spawn_app().await;
    let mut socket = app.connect(&TestUser::new("ann")).await;
    socket.send_text(&"x".repeat(64 * 1024 + 1)).await;
    assert_eq!(socket.closed(WAIT).await, WsEnd::Closed(1009));
}

#[actix_web::test]
async fn a_client_that_stops_answering_pings_is_dropped() {
    let app = spawn_app_with(|c| {
        c.socket_limits.ping_interval = Duration::from_millis(100);
        c.socket_limits.idle_timeout = Duration::from_millis(400);
    })
    .await;
    let mut socket = app.connect(&TestUser::new("ann")).await;
    socket.answer_pings = false;
    assert!(matches!(
        socket.closed(WAIT).await,
        WsEnd::Closed(_) | WsEnd::Dropped
    ));
}

#[actix_web::test]
async fn the_socket_closes_with_4001_when_its_token_expires() {
    let app = spawn_app().await;
    let mut claims = Claims::issue(UserId::new(), "brief", SessionId::new());
    claims.exp = claims.iat + 2;
    let mut socket =
        WsClient::connect(&app.ws_url(), Some(&TestUser::from_claims(claims).cookie()))
            .await
            .unwrap();
    assert_eq!(socket.closed(WAIT).await, WsEnd::Closed(4001));
}
