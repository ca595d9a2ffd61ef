//! `GET /api/notifications`: the caller's own, newest first, filtered, paginated, counted.

use std::collections::HashSet;

use chrono::Duration;
use serde_json::{Value, json};
use shared::events::ChatMessage;
use shared::ids::ConversationId;
use shared::testing::TestUser;

use crate::helpers::{TestApp, message, message_at, message_ids, notifications, now, spawn_app};

/// Publishes `messages` and waits until `receiver` has a notification of each.
async fn deliver(app: &TestApp, receiver: &TestUser, messages: &[ChatMessage]) {
    for message in messages {
        app.sent(message).await;
    }
    let wanted: HashSet<String> = messages.iter().map(|m| m.id.to_string()).collect();
    app.wait_for_page(receiver, "limit=100", |page| {
        let listed: HashSet<String> = message_ids(page).into_iter().collect();
        wanted.is_subset(&listed)
    })
    .await;
}

/// Every page of a listing, following `nextCursor` until it is null.
async fn walk(app: &TestApp, user: &TestUser, query: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            None => query.to_owned(),
            Some(cursor) => format!("{query}&cursor={cursor}"),
        };
        let page = app.page(user, &url).await;
        cursor = page["nextCursor"].as_str().map(str::to_owned);
        pages.push(page);
        if cursor.is_none() {
            return pages;
        }
        assert!(pages.len() < 100, "the walk does not end");
    }
}

#[actix_web::test]
async fn the_listing_is_the_callers_own_newest_first_and_reading_it_changes_nothing() {
    let app = spawn_app().await;
    let (ann, bob, carol) = (
        TestUser::new("ann"),
        TestUser::new("bob"),
        TestUser::new("carol"),
    );
    let conversation = ConversationId::new();
    let t0 = now() - Duration::minutes(5);
    // Arriving out of order: the listing follows createdAt, not arrival.
    let middle = message_at(
        &ann,
        &bob,
        conversation,
        2,
        "second",
        t0 + Duration::seconds(1),
    );
    let oldest = message_at(&ann, &bob, conversation, 1, "first", t0);
    let newest = message_at(
        &ann,
        &bob,
        conversation,
        3,
        "third",
        t0 + Duration::seconds(2),
    );
    let for_carol = message(&ann, &carol, ConversationId::new(), 1, "not bob's");
    deliver(&app, &carol, std::slice::from_ref(&for_carol)).await;
    deliver(
        &app,
        &bob,
        &[middle.clone(), oldest.clone(), newest.clone()],
    )
    .await;

    let page = app.page(&bob, "").await;
    assert_eq!(
        message_ids(&page),
        [
            newest.id.to_string(),
            middle.id.to_string(),
            oldest.id.to_string()
        ]
    );
    assert_eq!(page["unreadCount"], 3);
    assert!(page["nextCursor"].is_null());
    assert!(notifications(&page).iter().all(|n| n["readAt"].is_null()));
    assert_eq!(app.page(&bob, "").await, page, "listing changes nothing");
    assert_eq!(app.page(&bob, "unread=true").await, page);

    let carols = app.page(&carol, "").await;
    assert_eq!(message_ids(&carols), [for_carol.id.to_string()]);
}

#[actix_web::test]
async fn the_unread_filter_lists_only_unread_ones_and_the_count_is_exact() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let conversation = ConversationId::new();
    let messages: Vec<_> = (1..=4)
        .map(|seq| message(&ann, &bob, conversation, seq, &format!("m{seq}")))
        .collect();
    deliver(&app, &bob, &messages).await;

    let page = app.page(&bob, "").await;
    let ids: Vec<Value> = notifications(&page)
        .iter()
        .map(|n| n["id"].clone())
        .collect();
    let answer = app.mark_read(&bob, &json!({"ids": [ids[0], ids[2]]})).await;
    assert_eq!(answer.status, 204);

    let unread = app.page(&bob, "unread=true").await;
    let unread_ids: Vec<Value> = notifications(&unread)
        .iter()
        .map(|n| n["id"].clone())
        .collect();
    assert_eq!(unread_ids, [ids[1].clone(), ids[3].clone()]);
    assert_eq!(unread["unreadCount"], 2);

    let all = app.page(&bob, "unread=false").await;
    assert_eq!(notifications(&all).len(), 4);
    assert_eq!(all["unreadCount"], 2);
    let read: Vec<bool> = notifications(&all)
        .iter()
        .map(|n| n["readAt"].is_string())
        .collect();
    assert_eq!(read, [true, false, true, false]);
}

#[actix_web::test]
async fn pagination_walks_every_notification_exactly_once() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let conversation = ConversationId::new();
    let at = now() - Duration::minutes(1);
    // Three share one instant, so the id must break the tie.
    let messages: Vec<_> = (1..=7)
        .map(|seq| {
            let offset = if (3..=5).contains(&seq) { 3 } else { seq };
            message_at(
                &ann,
                &bob,
                conversation,
                seq,
                &format!("m{seq}"),
                at + Duration::seconds(offset),
            )
        })
        .collect();
    deliver(&app, &bob, &messages).await;

    let everything = message_ids(&app.page(&bob, "limit=100").await);
    assert_eq!(everything.len(), 7);

    let pages = walk(&app, &bob, "limit=3").await;
    let sizes: Vec<usize> = pages.iter().map(|p| notifications(p).len()).collect();
    assert_eq!(sizes, [3, 3, 1]);
    let walked: Vec<String> = pages.iter().flat_map(message_ids).collect();
    assert_eq!(walked, everything, "each exactly once, in the same order");
    assert!(pages.iter().all(|p| p["unreadCount"] == 7));

    // Newest first throughout.
    let times: Vec<String> = pages
        .iter()
        .flat_map(|p| notifications(p).clone())
        .map(|n| n["createdAt"].as_str().unwrap().to_owned())
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(&t)
                .unwrap()
                .to_rfc3339()
        })
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);

    // The unread filter paginates the same way.
    let first = app.page(&bob, "limit=100").await;
    let some: Vec<Value> = notifications(&first)
        .iter()
        .step_by(2)
        .map(|n| n["id"].clone())
        .collect();
    assert_eq!(
        app.mark_read(&bob, &json!({ "ids": some })).await.status,
        204
    );
    let unread_pages = walk(&app, &bob, "unread=true&limit=2").await;
    let unread: Vec<String> = unread_pages.iter().flat_map(message_ids).collect();
    let expected: Vec<String> = everything.iter().skip(1).step_by(2).cloned().collect();
    assert_eq!(unread, expected);
}

#[actix_web::test]
async fn a_page_holds_fifty_unless_asked_otherwise() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let conversation = ConversationId::new();
    let messages: Vec<_> = (1..=55)
        .map(|seq| message(&ann, &bob, conversation, seq, "hi"))
        .collect();
    deliver(&app, &bob, &messages).await;

    let page = app.page(&bob, "").await;
    assert_eq!(notifications(&page).len(), 50);
    assert!(page["nextCursor"].is_string());
    assert_eq!(page["unreadCount"], 55);
    let page = app.page(&bob, "limit=100").await;
    assert_eq!(notifications(&page).len(), 55);
    assert!(page["nextCursor"].is_null());
}

#[actix_web::test]
async fn forged_truncated_oversized_and_foreign_cursors_are_a_400_never_a_500() {
    let app = spawn_app().await;
    let ann = TestUser::new("ann");
    for query in ["/api/notifications?", "/api/notifications?unread=true&"] {
        app.service
            .assert_refuses_forged_cursors(query, "notifications", &ann.cookie())
            .await;
    }
}
