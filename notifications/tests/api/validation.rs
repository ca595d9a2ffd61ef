//! Bad input is a 400 in the contract's shape; no session is a 401; a foreign origin is a 403.

use serde_json::json;
use shared::ids::ConversationId;
use shared::testing::{TEST_ORIGIN, TestUser};

use crate::helpers::{assert_error, message, spawn_app};

#[actix_web::test]
async fn bad_listing_parameters_are_400_naming_the_field() {
    let app = spawn_app().await;
    let bob = TestUser::new("bob");
    let cases = [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=-1", "limit"),
        ("cursor=garbage", "cursor"),
        ("cursor=eyJ0IjoxfQ", "cursor"),
        ("unread=yes", "unread"),
        ("unread=1", "unread"),
    ];
    for (query, field) in cases {
        let answer = app.list(&bob, query).await;
        assert_error(&answer, 400, "invalid_field");
        assert!(
            answer.body["error"]["fields"][field].is_string(),
            "{query}: {}",
            answer.body
        );
    }
    for query in [
        "",
        "unread=true",
        "unread=false",
        "limit=1",
        "limit=100",
        "unread=",
    ] {
        assert_eq!(app.list(&bob, query).await.status, 200, "{query}");
    }
}

#[actix_web::test]
async fn a_mark_read_body_must_name_ids_or_all() {
    let app = spawn_app().await;
    let bob = TestUser::new("bob");
    let too_many: Vec<String> = (0..501).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let cases = [
        json!({}),
        json!({"ids": [], "all": true}),
        json!({"ids": "all"}),
        json!({"ids": {"0": uuid::Uuid::new_v4()}}),
        json!({"ids": ["not-a-uuid"]}),
        json!({"ids": [7]}),
        json!({ "ids": too_many }),
        json!({"all": false}),
        json!({"all": "yes"}),
        json!([uuid::Uuid::new_v4()]),
    ];
    for body in cases {
        let answer = app.mark_read(&bob, &body).await;
        assert_error(&answer, 400, "invalid_field");
        assert!(answer.body["error"]["fields"].is_object(), "{body}");
    }
    for raw in ["{", "{\"ids\": [}", "not json", ""] {
        let answer = app
            .post_raw(
                "/api/notifications/read",
                Some(&bob.cookie()),
                Some(TEST_ORIGIN),
                raw,
            )
            .await;
        assert_error(&answer, 400, "invalid_json");
    }
    let five_hundred: Vec<String> = (0..500).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let answer = app.mark_read(&bob, &json!({ "ids": five_hundred })).await;
    assert_eq!(answer.status, 204);
}

#[actix_web::test]
async fn without_a_session_both_endpoints_are_401() {
    let app = spawn_app().await;
    assert_error(
        &app.get("/api/notifications", None).await,
        401,
        "unauthenticated",
    );
    assert_error(
        &app.get("/api/notifications", Some("auth=forged")).await,
        401,
        "unauthenticated",
    );
    let answer = app
        .post_raw(
            "/api/notifications/read",
            None,
            Some(TEST_ORIGIN),
            r#"{"all": true}"#,
        )
        .await;
    assert_error(&answer, 401, "unauthenticated");
}

#[actix_web::test]
async fn marking_read_from_a_foreign_origin_is_403_and_changes_nothing() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let sent = message(&ann, &bob, ConversationId::new(), 1, "hi");
    app.sent(&sent).await;
    app.wait_for_notification(&bob, sent.id).await;

    let answer = app
        .post_raw(
            "/api/notifications/read",
            Some(&bob.cookie()),
            Some("https://evil.example"),
            r#"{"all": true}"#,
        )
        .await;
    assert_error(&answer, 403, "forbidden_origin");
    assert_eq!(app.page(&bob, "").await["unreadCount"], 1);
}
