//! Hostile input against notifications: a fuzzer on `/ws/notifications`, CSRF on its one
//! state-changing route, SQL injection in every field, and a third user trying to read or mark
//! someone else's notifications.

use awc::ws::Message;
use serde_json::{Value, json};
use shared::ids::ConversationId;
use shared::testing::hostile::{
    FuzzFrame, Lcg, SQL_INJECTION, UNICODE_EDGE, malformed_frame, percent_encode,
};
use shared::testing::{TestUser, WsEnd};

use crate::helpers::{WAIT, assert_error, message, notifications, spawn_app};

/// How many malformed frames the fuzzer sends.
const FRAMES: u32 = 3000;

#[actix_web::test]
async fn thousands_of_malformed_frames_on_the_notifications_socket_each_get_an_error() {
    let app = spawn_app().await;
    let (ann, bob, mallory) = (
        TestUser::new("ann"),
        TestUser::new("bob"),
        TestUser::new("mallory"),
    );
    let mut bobs = app.connect_bound(&bob).await;
    let mut fuzzer = app.connect_bound(&mallory).await;

    let mut rng = Lcg(0xf00d);
    let types = ["message.send", "notification", "presence", "subscribe"];
    let mut binary = 0;
    for round in 0..FRAMES {
        let frame = malformed_frame(&mut rng, &types);
        let shown = format!("{frame:?}");
        let message = match frame {
            FuzzFrame::Text(text) => Message::Text(text.into()),
            FuzzFrame::Binary(bytes) => {
                binary += 1;
                Message::Binary(bytes.into())
            }
        };
        fuzzer.send_message(message).await;
        let answer = fuzzer.next_json(WAIT).await;
        assert_eq!(answer["type"], "error", "frame {round}: {shown} → {answer}");
        assert!(answer["code"].is_string() && answer["message"].is_string());
    }
    println!(
        "notifications socket fuzz: {FRAMES} malformed frames ({binary} binary), each answered with an error frame"
    );
    fuzzer.send_json(&json!({"type": "ping"})).await;
    assert_eq!(fuzzer.next_json(WAIT).await["type"], "pong");

    // Bob, connected all along, is pushed his notification as usual.
    let sent = message(&ann, &bob, ConversationId::new(), 1, "still there?");
    app.sent(&sent).await;
    let frame = bobs.next_of_type("notification", WAIT).await;
    assert_eq!(frame["notification"]["messageId"], sent.id.to_string());

    // An oversized frame closes only the fuzzer's socket, with 1009.
    fuzzer
        .send_message(Message::Binary(vec![b'{'; 64 * 1024 + 1].into()))
        .await;
    assert_eq!(fuzzer.closed(WAIT).await, WsEnd::Closed(1009));
    bobs.send_json(&json!({"type": "ping"})).await;
    assert_eq!(bobs.next_of_type("pong", WAIT).await["type"], "pong");
}

#[actix_web::test]
async fn mark_read_refuses_a_foreign_origin_a_foreign_referer_and_a_null_origin() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let sent = message(&ann, &bob, ConversationId::new(), 1, "hi");
    app.sent(&sent).await;
    app.wait_for_notification(&bob, sent.id).await;

    let client = awc::Client::default();
    let url = format!("{}/api/notifications/read", app.service.address);
    for (header, value) in [
        ("Origin", "https://evil.example"),
        ("Origin", "http://localhost:8080.evil.example"),
        ("Origin", "null"),
        ("Referer", "https://evil.example/page?x=1"),
    ] {
        let mut response = client
            .post(&url)
            .insert_header(("Cookie", bob.cookie()))
            .insert_header((header, value))
            .send_json(&json!({"all": true}))
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{header}: {value}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "forbidden_origin");
    }
    assert_eq!(
        app.page(&bob, "").await["unreadCount"],
        1,
        "nothing changed"
    );

    // As designed: a request with neither header (not a browser) passes; so does our origin.
    let response = client
        .post(&url)
        .insert_header(("Cookie", bob.cookie()))
        .send_json(&json!({"ids": []}))
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let answer = app.mark_read(&bob, &json!({"all": true})).await;
    assert_eq!(answer.status, 204);
    assert_eq!(app.page(&bob, "").await["unreadCount"], 0);
}

#[actix_web::test]
async fn sql_injection_in_every_field_is_refused_or_harmless_never_a_500() {
    let app = spawn_app().await;
    let (ann, bob, mallory) = (
        TestUser::new("ann"),
        TestUser::new("bob"),
        TestUser::new("mallory"),
    );
    let sent = message(&ann, &bob, ConversationId::new(), 1, "for bob");
    app.sent(&sent).await;
    app.wait_for_notification(&bob, sent.id).await;

    let mut tried = 0;
    for value in SQL_INJECTION.iter().chain(UNICODE_EDGE) {
        let encoded = percent_encode(value);
        for field in ["unread", "limit", "cursor"] {
            let answer = app.list(&mallory, &format!("{field}={encoded}")).await;
            tried += 1;
            assert!(
                [200, 400].contains(&answer.status.as_u16()),
                "{field}={value:?} → {} {}",
                answer.status,
                answer.body
            );
            if answer.status == 200 {
                assert!(notifications(&answer.body).is_empty(), "no one else's data");
            } else {
                assert_error(&answer, 400, "invalid_field");
            }
        }
        for body in [
            json!({"ids": [value]}),
            json!({"ids": [sent.id.to_string(), value]}),
            json!({"all": value}),
            json!({"ids": [], "all": value}),
        ] {
            let answer = app.mark_read(&mallory, &body).await;
            tried += 1;
            assert!(
                [204, 400].contains(&answer.status.as_u16()),
                "{body} → {} {}",
                answer.status,
                answer.body
            );
        }
    }
    println!("notifications SQL injection: {tried} requests, none a 5xx, none leaked data");
    let page = app.page(&bob, "").await;
    assert_eq!(page["unreadCount"], 1, "bob's notification is untouched");
}

#[actix_web::test]
async fn a_third_user_can_neither_list_nor_be_pushed_nor_mark_someone_elses_notifications() {
    let app = spawn_app().await;
    let (ann, bob, carol) = (
        TestUser::new("ann"),
        TestUser::new("bob"),
        TestUser::new("carol"),
    );
    let mut carols = app.connect_bound(&carol).await;
    let sent = message(&ann, &bob, ConversationId::new(), 1, "private");
    app.sent(&sent).await;
    let stored = app.wait_for_notification(&bob, sent.id).await;
    let id = stored["id"].as_str().unwrap().to_owned();

    // Listed: never, whatever the filter or page size.
    for query in ["", "unread=true", "unread=false", "limit=100"] {
        let page = app.page(&carol, query).await;
        assert!(notifications(&page).is_empty(), "{query}: {page}");
        assert_eq!(page["unreadCount"], 0);
    }
    // Pushed: never (carol's socket was bound before the notification was stored).
    carols.send_json(&json!({"type": "ping"})).await;
    assert_eq!(carols.next_json(WAIT).await["type"], "pong");
    carols
        .assert_silent(std::time::Duration::from_millis(300))
        .await;
    // Marked: the same answer as an id that exists nowhere, and nothing changes.
    let mine = app.mark_read(&carol, &json!({"ids": [id]})).await;
    let nowhere = app
        .mark_read(&carol, &json!({"ids": [uuid::Uuid::new_v4()]}))
        .await;
    assert_eq!((mine.status, &mine.body), (nowhere.status, &nowhere.body));
    assert_eq!(
        app.mark_read(&carol, &json!({"all": true})).await.status,
        204
    );
    let page = app.page(&bob, "").await;
    assert_eq!(page["unreadCount"], 1);
    assert!(notifications(&page)[0]["readAt"].is_null());
    // A read receipt for the conversation by someone outside it marks nothing either.
    app.read(&carol, sent.conversation_id, 1).await;
    app.sent(&message(&ann, &bob, sent.conversation_id, 2, "later"))
        .await;
    let page = app
        .wait_for_page(&bob, "", |page| notifications(page).len() == 2)
        .await;
    assert_eq!(
        page["unreadCount"], 2,
        "carol's read receipt changed nothing"
    );
}

/// Origins a hijacking page could be served from, each refused on the upgrade.
const FOREIGN_ORIGINS: &[&str] = &[
    "https://evil.example",
    "http://localhost:8080.evil.example",
    "https://localhost:8080",
    "http://localhost:8081",
    "null",
];

#[actix_web::test]
async fn cross_site_websocket_hijacking_is_refused_and_announces_nothing() {
    let app = spawn_app().await;
    let mut online = app.infra.probe::<shared::events::UserOnline>().await;
    let victim = TestUser::new("victim");
    for origin in FOREIGN_ORIGINS {
        let refused = shared::testing::WsClient::connect_from(
            &app.ws_url(),
            Some(&victim.cookie()),
            Some(origin),
        )
        .await
        .err();
        assert_eq!(refused, Some(403), "{origin}");
    }
    online
        .assert_silent(std::time::Duration::from_millis(300))
        .await;
}
