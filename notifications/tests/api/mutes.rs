//! Muting a conversation: its notifications are stored, but neither pushed nor sent live, and
//! the badge leaves them out; the routes that set, list and lift mutes.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use shared::ids::ConversationId;
use shared::testing::{TestUser, eventually};

use crate::helpers::{WAIT, assert_error, message, notifications};
use crate::push_support::{StandIn, spawn_push_app};

#[actix_web::test]
async fn a_muted_conversation_is_stored_but_neither_pushed_nor_sent_live_nor_counted() {
    let app = spawn_push_app(|_| {}).await;
    let standin = StandIn::start().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let browser = standin.browser(&[]);
    app.subscribe(&bob, &browser).await;
    let mut socket = app.connect_bound(&bob).await;
    let (muted, loud) = (ConversationId::new(), ConversationId::new());
    assert_eq!(app.mute(&bob, muted, None).await.status, 204);

    let quiet = message(&ann, &bob, muted, 1, "psst");
    app.sent(&quiet).await;
    let heard = message(&ann, &bob, loud, 1, "hey");
    app.sent(&heard).await;

    // Events of one queue are handled in order: once the second is pushed and sent live, the
    // first has been handled too.
    let frame = socket.next_of_type("notification", WAIT).await;
    assert_eq!(frame["notification"]["messageId"], heard.id.to_string());
    standin.wait_for_push(&browser, heard.id).await;
    let stored = app.wait_for_notification(&bob, quiet.id).await;
    assert_eq!(stored["readAt"], serde_json::Value::Null, "stored, unread");
    assert_eq!(
        standin.delivered(&browser).len(),
        1,
        "no push of the muted one"
    );
    let page = app.page(&bob, "limit=100").await;
    assert_eq!(notifications(&page).len(), 2, "both listed");
    assert_eq!(page["unreadCount"], 1, "the badge leaves the muted one out");

    // Unmuted: the badge counts it again, and new messages of it notify as usual.
    let unmuted = app
        .send(
            "DELETE",
            &format!("/api/notifications/mutes/{muted}"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(unmuted.status, 204);
    assert_eq!(app.page(&bob, "").await["unreadCount"], 2);
    let again = message(&ann, &bob, muted, 2, "now?");
    app.sent(&again).await;
    let frame = socket.next_of_type("notification", WAIT).await;
    assert_eq!(frame["notification"]["messageId"], again.id.to_string());
    standin.wait_for_push(&browser, again.id).await;
}

#[actix_web::test]
async fn a_mute_until_a_time_ends_by_itself() {
    let app = spawn_push_app(|_| {}).await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let conversation = ConversationId::new();
    let until = (Utc::now() + TimeDelta::seconds(2)).to_rfc3339();
    assert_eq!(app.mute(&bob, conversation, Some(&until)).await.status, 204);
    let sent = message(&ann, &bob, conversation, 1, "later");
    app.sent(&sent).await;
    app.wait_for_notification(&bob, sent.id).await;
    assert_eq!(app.page(&bob, "").await["unreadCount"], 0);

    eventually("the mute to end", Duration::from_secs(10), || async {
        let page = app.page(&bob, "").await;
        (page["unreadCount"] == 1 && app.mutes(&bob).await.is_empty()).then_some(())
    })
    .await;
}

#[actix_web::test]
async fn mutes_are_listed_replaced_and_lifted() {
    let app = spawn_push_app(|_| {}).await;
    let (bob, carol) = (TestUser::new("bob"), TestUser::new("carol"));
    let (forever, for_an_hour) = (ConversationId::new(), ConversationId::new());
    let in_an_hour = Utc::now() + TimeDelta::hours(1);
    assert_eq!(app.mute(&bob, forever, None).await.status, 204);
    assert_eq!(
        app.mute(&bob, for_an_hour, Some(&in_an_hour.to_rfc3339()))
            .await
            .status,
        204
    );

    let mutes = app.mutes(&bob).await;
    assert_eq!(mutes.len(), 2);
    assert_eq!(mutes[0]["conversationId"], for_an_hour.to_string());
    let listed: chrono::DateTime<Utc> = mutes[0]["until"].as_str().unwrap().parse().unwrap();
    assert!((listed - in_an_hour).abs() < TimeDelta::milliseconds(1));
    assert_eq!(mutes[1]["conversationId"], forever.to_string());
    assert_eq!(mutes[1]["until"], serde_json::Value::Null);
    assert!(app.mutes(&carol).await.is_empty(), "mutes are per user");

    // Muting again replaces the end.
    assert_eq!(app.mute(&bob, for_an_hour, None).await.status, 204);
    assert!(app.mutes(&bob).await.iter().all(|m| m["until"].is_null()));

    let path = format!("/api/notifications/mutes/{forever}");
    assert_eq!(
        app.send("DELETE", &path, Some(&bob), None).await.status,
        204
    );
    assert_eq!(
        app.send("DELETE", &path, Some(&bob), None).await.status,
        204
    );
    assert_eq!(app.mutes(&bob).await.len(), 1);
}

#[actix_web::test]
async fn a_bad_mute_is_refused() {
    let app = spawn_push_app(|_| {}).await;
    let bob = TestUser::new("bob");
    let conversation = ConversationId::new();
    let past = (Utc::now() - TimeDelta::minutes(1)).to_rfc3339();
    for until in [past.as_str(), "tomorrow"] {
        let answer = app.mute(&bob, conversation, Some(until)).await;
        assert_error(&answer, 400, "invalid_field");
        assert!(answer.body["error"]["fields"]["until"].is_string());
    }
    let answer = app
        .send(
            "PUT",
            "/api/notifications/mutes/not-a-conversation",
            Some(&bob),
            Some(&serde_json::json!({"until": null})),
        )
        .await;
    assert_error(&answer, 404, "not_found");
    assert!(app.mutes(&bob).await.is_empty());
}
