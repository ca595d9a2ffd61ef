//! `message.sent` → one stored notification for the receiver.

use chrono::{DateTime, Utc};
use shared::ids::ConversationId;
use shared::testing::TestUser;

use crate::helpers::{find, message, notifications, spawn_app};

#[actix_web::test]
async fn a_message_sent_stores_one_notification_for_the_receiver_and_none_for_the_sender() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    app.register(&ann).await;
    let sent = message(&ann, &bob, ConversationId::new(), 1, "Hello, Bob!");
    app.sent(&sent).await;

    let page = app
        .wait_for_page(&bob, "", |page| {
            find(page, sent.id).is_some_and(|n| n["senderUsername"] == "ann")
        })
        .await;
    let notification = find(&page, sent.id).unwrap();
    assert!(uuid::Uuid::parse_str(notification["id"].as_str().unwrap()).is_ok());
    assert_eq!(notification["type"], "message");
    assert_eq!(
        notification["conversationId"],
        sent.conversation_id.to_string()
    );
    assert_eq!(notification["messageId"], sent.id.to_string());
    assert_eq!(notification["senderId"], ann.id.to_string());
    assert_eq!(notification["preview"], "Hello, Bob!");
    let created_at: DateTime<Utc> =
        serde_json::from_value(notification["createdAt"].clone()).unwrap();
    assert_eq!(created_at, sent.created_at);
    assert!(notification["readAt"].is_null());
    assert_eq!(notifications(&page).len(), 1);
    assert_eq!(page["unreadCount"], 1);
    assert!(page["nextCursor"].is_null());

    let senders = app.page(&ann, "").await;
    assert!(notifications(&senders).is_empty(), "{senders}");
    assert_eq!(senders["unreadCount"], 0);
}

#[actix_web::test]
async fn a_duplicate_message_sent_stores_one_notification() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let conversation = ConversationId::new();
    let first = message(&ann, &bob, conversation, 1, "once");
    let envelope = app.sent(&first).await;
    // The same event again, and the same message under a new event id (a re-publish).
    app.publish_envelope(&envelope).await;
    app.sent(&first).await;
    // Queues are consumed in order: once this one is stored, the duplicates were handled.
    let sentinel = message(&ann, &bob, conversation, 2, "twice");
    app.sent(&sentinel).await;

    app.wait_for_notification(&bob, sentinel.id).await;
    let page = app.page(&bob, "").await;
    let copies = notifications(&page)
        .iter()
        .filter(|n| n["messageId"] == first.id.to_string())
        .count();
    assert_eq!(copies, 1, "{page}");
    assert_eq!(notifications(&page).len(), 2);
    assert_eq!(page["unreadCount"], 2);
}

#[actix_web::test]
async fn the_preview_is_the_first_120_characters_of_the_content() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let long = "é🙂".repeat(100);
    let sent = message(&ann, &bob, ConversationId::new(), 1, &long);
    app.sent(&sent).await;

    let notification = app.wait_for_notification(&bob, sent.id).await;
    let preview = notification["preview"].as_str().unwrap();
    let expected: String = long.chars().take(120).collect();
    assert_eq!(preview, format!("{expected}…"));
}

#[actix_web::test]
async fn a_sender_not_known_yet_is_named_once_registered() {
    let app = spawn_app().await;
    let (carol, bob) = (TestUser::new("carol"), TestUser::new("bob"));
    let sent = message(&carol, &bob, ConversationId::new(), 1, "who am I?");
    app.sent(&sent).await;

    let notification = app.wait_for_notification(&bob, sent.id).await;
    assert_eq!(notification["senderUsername"], "");

    app.register(&carol).await;
    app.wait_for_page(&bob, "", |page| {
        find(page, sent.id).is_some_and(|n| n["senderUsername"] == "carol")
    })
    .await;
    // Filled in the stored row too, not only when read.
    let db = app.infra.db().await;
    let stored: Option<String> = db
        .query_one(
            "SELECT sender_username FROM notifications WHERE message_id = $1",
            &[&sent.id.as_uuid()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored.as_deref(), Some("carol"));
}

#[actix_web::test]
async fn a_message_to_oneself_notifies_no_one() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let note = message(&ann, &ann, ConversationId::new(), 1, "note to self");
    app.sent(&note).await;
    let sentinel = message(&bob, &ann, ConversationId::new(), 1, "hi");
    app.sent(&sentinel).await;

    app.wait_for_notification(&ann, sentinel.id).await;
    let page = app.page(&ann, "").await;
    assert!(find(&page, note.id).is_none(), "{page}");
    assert_eq!(notifications(&page).len(), 1);
}

#[actix_web::test]
async fn a_burst_of_messages_is_stored_and_pushed_once_each_in_order() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    app.register(&ann).await;
    let mut socket = app.connect_bound(&bob).await;
    let conversation = ConversationId::new();
    // Published back to back, so the consumer finds several waiting and takes them together.
    let sent: Vec<_> = (1..=150)
        .map(|seq| message(&ann, &bob, conversation, seq, &format!("burst {seq}")))
        .collect();
    for message in &sent {
        app.sent(message).await;
    }

    let mut pushed = Vec::new();
    while pushed.len() < sent.len() {
        let frame = socket
            .next_of_type("notification", crate::helpers::WAIT)
            .await;
        pushed.push(
            frame["notification"]["messageId"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let expected: Vec<String> = sent.iter().map(|m| m.id.to_string()).collect();
    assert_eq!(pushed, expected, "each pushed once, in the order sent");
    let page = app.page(&bob, "?limit=100").await;
    assert_eq!(page["unreadCount"], 150);
}
