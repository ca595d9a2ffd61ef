use serde_json::json;
use shared::testing::TestUser;

use crate::helpers::{seqs, spawn_app};

#[actix_web::test]
async fn history_pages_backwards_and_forwards_by_seq() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    app.send(&ann, &bob, 25).await;
    let with_bob = format!("/api/messages/with/{}", bob.id);

    let (status, newest) = app.get(Some(&ann), &format!("{with_bob}?limit=10")).await;
    assert_eq!(status, 200);
    assert_eq!(
        seqs(&newest),
        (16..=25).collect::<Vec<_>>(),
        "the newest page, ascending"
    );
    assert_eq!(newest["hasMore"], true);

    let (_, older) = app
        .get(Some(&ann), &format!("{with_bob}?limit=10&before=16"))
        .await;
    assert_eq!(seqs(&older), (6..=15).collect::<Vec<_>>());
    let (_, oldest) = app
        .get(Some(&ann), &format!("{with_bob}?limit=10&before=6"))
        .await;
    assert_eq!(seqs(&oldest), (1..=5).collect::<Vec<_>>());
    assert_eq!(oldest["hasMore"], false);

    let (_, after) = app
        .get(
            Some(&bob),
            &format!("/api/messages/with/{}?after=20&limit=3", ann.id),
        )
        .await;
    assert_eq!(seqs(&after), vec![21, 22, 23]);
    assert_eq!(after["hasMore"], true);
    let (_, rest) = app
        .get(
            Some(&bob),
            &format!("/api/messages/with/{}?after=23", ann.id),
        )
        .await;
    assert_eq!(seqs(&rest), vec![24, 25]);
    assert_eq!(rest["hasMore"], false);

    let conversation = newest["messages"][0]["conversationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, by_id) = app
        .get(
            Some(&bob),
            &format!("/api/messages/conversations/{conversation}/messages?limit=10"),
        )
        .await;
    assert_eq!(
        by_id["messages"],
        newest["messages"].as_array().map(|m| json!(m)).unwrap()
    );
}

#[actix_web::test]
async fn invalid_history_queries_are_400s_with_the_fields_named() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let base = format!("/api/messages/with/{}", bob.id);
    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?before=-1", "before"),
        ("?before=3&after=1", "before"),
    ] {
        let (status, body) = app.get(Some(&ann), &format!("{base}{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["error"]["code"], "invalid_field", "{query}");
        assert!(
            body["error"]["fields"][field].is_string(),
            "{query}: {body}"
        );
    }
    for query in ["?limit=ten", "?after=1.5"] {
        let (status, body) = app.get(Some(&ann), &format!("{base}{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["error"]["code"], "invalid_field", "{query}");
    }
    let (status, _) = app.get(Some(&ann), "/api/messages/with/not-a-uuid").await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get(
            Some(&ann),
            "/api/messages/conversations/not-a-uuid/messages",
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get(Some(&ann), "/api/messages/conversations?cursor=garbage")
        .await;
    assert_eq!(status, 400);
}

#[actix_web::test]
async fn every_route_needs_a_session() {
    let app = spawn_app().await;
    let someone = TestUser::new("someone");
    for path in [
        "/api/messages/conversations".to_owned(),
        format!("/api/messages/with/{}", someone.id),
        format!(
            "/api/messages/conversations/{}/messages",
            uuid::Uuid::now_v7()
        ),
    ] {
        let (status, body) = app.get(None, &path).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(body["error"]["code"], "unauthenticated");
    }
}

#[actix_web::test]
async fn conversations_are_listed_most_recent_first_across_pages() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let mut peers = Vec::new();
    for name in ["p1", "p2", "p3", "p4", "p5"] {
        let peer = app.user(name).await;
        app.send(&peer, &ann, 1).await;
        peers.push(peer);
    }
    // p2 writes again and becomes the most recent.
    app.send(&peers[1], &ann, 2).await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/messages/conversations?limit=2&cursor={c}"),
            None => "/api/messages/conversations?limit=2".to_owned(),
        };
        let (status, page) = app.get(Some(&ann), &path).await;
        assert_eq!(status, 200);
        for conversation in page["conversations"].as_array().unwrap() {
            seen.push(
                conversation["peer"]["username"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
            assert!(conversation["lastMessage"]["seq"].is_i64());
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, vec!["p2", "p5", "p4", "p3", "p1"]);
    let (_, first) = app.get(Some(&ann), "/api/messages/conversations").await;
    // An empty cursor is the first page, as in the other listings (found by schemathesis).
    let (status, empty_cursor) = app
        .get(Some(&ann), "/api/messages/conversations?cursor=")
        .await;
    assert_eq!((status, &empty_cursor), (200, &first));
    let p2 = &first["conversations"][0];
    assert_eq!(p2["unreadCount"], 3);
    assert_eq!(p2["lastReadSeq"], 0);
    assert_eq!(p2["lastMessage"]["seq"], 3);
}

#[actix_web::test]
async fn forged_truncated_oversized_and_foreign_cursors_are_a_400_never_a_500() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    app.send(&ann, &bob, 1).await;
    app.service
        .assert_refuses_forged_cursors(
            "/api/messages/conversations?",
            "conversations",
            &ann.cookie(),
        )
        .await;
}
