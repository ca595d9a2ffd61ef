//! `POST /api/notifications/read`: by ids or all, only the caller's own.

use serde_json::{Value, json};
use shared::ids::ConversationId;
use shared::testing::TestUser;

use crate::helpers::{TestApp, message, notifications, spawn_app};

/// Sends `count` messages to `receiver` and returns their notifications' ids, newest first.
async fn notified(app: &TestApp, sender: &TestUser, receiver: &TestUser, count: i64) -> Vec<Value> {
    let conversation = ConversationId::new();
    let mut last = None;
    for seq in 1..=count {
        let sent = message(sender, receiver, conversation, seq, "hello");
        app.sent(&sent).await;
        last = Some(sent.id);
    }
    app.wait_for_notification(receiver, last.expect("at least one"))
        .await;
    let page = app.page(receiver, "limit=100").await;
    notifications(&page)
        .iter()
        .filter(|n| n["conversationId"] == conversation.to_string())
        .map(|n| n["id"].clone())
        .collect()
}

fn read_at(page: &Value, id: &Value) -> Value {
    notifications(page)
        .iter()
        .find(|n| &n["id"] == id)
        .map(|n| n["readAt"].clone())
        .expect("listed")
}

#[actix_web::test]
async fn marking_by_ids_marks_exactly_those() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let ids = notified(&app, &ann, &bob, 3).await;

    let answer = app.mark_read(&bob, &json!({"ids": [ids[0], ids[1]]})).await;
    assert_eq!(answer.status, 204);
    assert_eq!(answer.body, Value::Null, "no body");

    let page = app.page(&bob, "").await;
    assert!(read_at(&page, &ids[0]).is_string());
    assert!(read_at(&page, &ids[1]).is_string());
    assert!(read_at(&page, &ids[2]).is_null());
    assert_eq!(page["unreadCount"], 1);

    // Marking again keeps the first readAt; an empty list marks nothing.
    let first = read_at(&page, &ids[0]);
    assert_eq!(
        app.mark_read(&bob, &json!({"ids": [ids[0]]})).await.status,
        204
    );
    assert_eq!(app.mark_read(&bob, &json!({"ids": []})).await.status, 204);
    let page = app.page(&bob, "").await;
    assert_eq!(read_at(&page, &ids[0]), first);
    assert_eq!(page["unreadCount"], 1);
}

#[actix_web::test]
async fn marking_all_marks_every_one_of_the_callers_and_no_one_elses() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    notified(&app, &ann, &bob, 3).await;
    let anns = notified(&app, &bob, &ann, 2).await;

    assert_eq!(app.mark_read(&bob, &json!({"all": true})).await.status, 204);
    let page = app.page(&bob, "").await;
    assert_eq!(page["unreadCount"], 0);
    assert!(notifications(&page).iter().all(|n| n["readAt"].is_string()));
    assert!(notifications(&app.page(&bob, "unread=true").await).is_empty());

    let page = app.page(&ann, "").await;
    assert_eq!(page["unreadCount"], 2);
    assert!(anns.iter().all(|id| read_at(&page, id).is_null()));
}

#[actix_web::test]
async fn another_users_ids_are_silently_ignored() {
    let app = spawn_app().await;
    let (ann, bob, mallory) = (
        TestUser::new("ann"),
        TestUser::new("bob"),
        TestUser::new("mallory"),
    );
    let bobs = notified(&app, &ann, &bob, 2).await;
    let mallorys = notified(&app, &ann, &mallory, 1).await;

    // The same answer as for ids that exist nowhere: nothing tells mallory they are bob's.
    let answer = app
        .mark_read(&mallory, &json!({"ids": [bobs[0], bobs[1], mallorys[0]]}))
        .await;
    assert_eq!(answer.status, 204);
    let unknown = app
        .mark_read(&mallory, &json!({"ids": [uuid::Uuid::new_v4()]}))
        .await;
    assert_eq!(unknown.status, answer.status);
    assert_eq!(unknown.body, answer.body);

    let page = app.page(&bob, "").await;
    assert_eq!(page["unreadCount"], 2);
    assert!(bobs.iter().all(|id| read_at(&page, id).is_null()));
    let page = app.page(&mallory, "").await;
    assert_eq!(page["unreadCount"], 0);
}
