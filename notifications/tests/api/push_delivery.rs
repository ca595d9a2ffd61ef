//! Pushes as a push service receives them: encrypted for the subscription, signed with our VAPID
//! key, one per notification and subscription; gone subscriptions deleted, failures retried
//! within bounds, and a dead push service slowing nothing else.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use shared::ids::ConversationId;
use shared::testing::TestUser;

use crate::helpers::{WAIT, message};
use crate::push_support::{Reply, StandIn, spawn_push_app};

#[actix_web::test]
async fn a_notification_is_pushed_encrypted_and_signed_to_each_subscription_of_its_owner() {
    let app = spawn_push_app(|_| {}).await;
    let standin = StandIn::start().await;
    let (ann, bob, carol) = (
        TestUser::new("ann"),
        TestUser::new("bob"),
        TestUser::new("carol"),
    );
    app.register_and_wait(&ann).await;
    let (laptop, phone, carols) = (
        standin.browser(&[]),
        standin.browser(&[]),
        standin.browser(&[]),
    );
    app.subscribe(&bob, &laptop).await;
    app.subscribe(&bob, &phone).await;
    app.subscribe(&carol, &carols).await;
    let key = app.push_key(&bob).await;

    let conversation = ConversationId::new();
    let sent = message(&ann, &bob, conversation, 1, "lunch?");
    app.sent(&sent).await;
    let stored = app.wait_for_notification(&bob, sent.id).await;

    for browser in [&laptop, &phone] {
        let payload = standin.wait_for_push(browser, sent.id).await;
        assert_eq!(payload["type"], "notification");
        assert_eq!(
            payload["notification"], stored,
            "the push is the stored notification"
        );
        assert_eq!(payload["notification"]["senderUsername"], "ann");
        let received = standin.received(browser);
        assert_eq!(received.len(), 1);
        let push = &received[0];
        assert_eq!(
            push.vapid.as_deref(),
            Ok(key.as_str()),
            "signed with our key"
        );
        assert_eq!(push.headers["ttl"], "86400");
        assert_eq!(push.headers["urgency"], "normal");
        assert_eq!(push.headers["content-encoding"], "aes128gcm");
        assert_eq!(
            URL_SAFE_NO_PAD.decode(&push.headers["topic"]).unwrap(),
            conversation.as_uuid().as_bytes(),
            "the topic is the conversation id's bytes"
        );
    }
    assert!(standin.received(&carols).is_empty(), "nothing for carol");
}

#[actix_web::test]
async fn a_subscription_its_push_service_says_is_gone_is_deleted() {
    let app = spawn_push_app(|_| {}).await;
    let standin = StandIn::start().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let (gone, expired, fine) = (
        standin.browser(&[Reply::Status(404)]),
        standin.browser(&[Reply::Status(410)]),
        standin.browser(&[]),
    );
    let gone_id = app.subscribe(&bob, &gone).await;
    let expired_id = app.subscribe(&bob, &expired).await;
    let fine_id = app.subscribe(&bob, &fine).await;

    let first = message(&ann, &bob, ConversationId::new(), 1, "one");
    app.sent(&first).await;
    app.wait_until_unsubscribed(&bob, &gone_id).await;
    app.wait_until_unsubscribed(&bob, &expired_id).await;
    standin.wait_for_push(&fine, first.id).await;
    let left: Vec<_> = app.subscriptions(&bob).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], fine_id);

    // Later notifications go only where someone still listens.
    let second = message(&ann, &bob, ConversationId::new(), 1, "two");
    app.sent(&second).await;
    standin.wait_for_push(&fine, second.id).await;
    assert_eq!(standin.received(&gone).len(), 1);
    assert_eq!(standin.received(&expired).len(), 1);
}

#[actix_web::test]
async fn rate_limits_and_server_errors_are_retried_no_sooner_than_retry_after() {
    let app = spawn_push_app(|config| config.push.max_attempts = 4).await;
    let standin = StandIn::start().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let browser = standin.browser(&[
        Reply::RetryAfter(429, 1),
        Reply::Status(500),
        Reply::RetryAfter(503, 1),
    ]);
    let id = app.subscribe(&bob, &browser).await;

    let sent = message(&ann, &bob, ConversationId::new(), 1, "eventually");
    app.sent(&sent).await;
    standin.wait_for_push(&browser, sent.id).await;
    assert_eq!(app.wait_for_outcome(sent.id, &id).await, "delivered");
    let received = standin.received(&browser);
    let answers: Vec<_> = received.iter().map(|r| r.answered).collect();
    assert_eq!(answers, [Some(429), Some(500), Some(503), Some(201)]);
    // Retry-After is a lower bound, never a target: no retry came before it said.
    assert!(received[1].at - received[0].at >= Duration::from_secs(1));
    assert!(received[3].at - received[2].at >= Duration::from_secs(1));
    assert_eq!(standin.delivered(&browser).len(), 1);
}

#[actix_web::test]
async fn retries_are_bounded_and_a_retry_after_beyond_the_limit_ends_them() {
    let app = spawn_push_app(|config| config.push.max_attempts = 3).await;
    let standin = StandIn::start().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let failing = standin.browser(&[Reply::Status(500); 10]);
    let patient = standin.browser(&[Reply::RetryAfter(429, 3600)]);
    let failing_id = app.subscribe(&bob, &failing).await;
    let patient_id = app.subscribe(&bob, &patient).await;

    let sent = message(&ann, &bob, ConversationId::new(), 1, "never mind");
    app.sent(&sent).await;
    assert_eq!(app.wait_for_outcome(sent.id, &failing_id).await, "dropped");
    assert_eq!(app.wait_for_outcome(sent.id, &patient_id).await, "dropped");
    // The outcome is recorded after the last attempt, so these counts are final.
    assert_eq!(
        standin.received(&failing).len(),
        3,
        "three attempts, no more"
    );
    assert_eq!(
        standin.received(&patient).len(),
        1,
        "an hour is past the limit"
    );
    assert_eq!(app.subscriptions(&bob).await.len(), 2, "both kept");
}

#[actix_web::test]
async fn a_hanging_push_service_slows_neither_chat_nor_other_users_pushes() {
    let app = spawn_push_app(|config| config.push.concurrency_per_host = 2).await;
    let (dead, alive) = (StandIn::start().await, StandIn::start().await);
    let (ann, bob, carol) = (
        TestUser::new("ann"),
        TestUser::new("bob"),
        TestUser::new("carol"),
    );
    let hanging = dead.browser(&[Reply::Hang; 8]);
    app.subscribe(&carol, &hanging).await;
    let bobs = alive.browser(&[]);
    app.subscribe(&bob, &bobs).await;
    let mut carols_socket = app.connect_bound(&carol).await;
    let mut bobs_socket = app.connect_bound(&bob).await;

    // Five pushes for carol hang (two at a time: the per-host limit) ...
    let to_carol: Vec<_> = (1..=5)
        .map(|seq| message(&ann, &carol, ConversationId::new(), seq, "hello?"))
        .collect();
    for sent in &to_carol {
        app.sent(sent).await;
    }
    dead.wait_for_requests(&hanging, 2).await;
    // ... while everything else flows: carol's live frames, bob's frames and pushes.
    for _ in &to_carol {
        let frame = carols_socket.next_of_type("notification", WAIT).await;
        assert!(
            to_carol
                .iter()
                .any(|m| frame["notification"]["messageId"] == m.id.to_string())
        );
    }
    for seq in 1..=3 {
        let sent = message(&ann, &bob, ConversationId::new(), seq, "still here");
        app.sent(&sent).await;
        let frame = bobs_socket.next_of_type("notification", WAIT).await;
        assert_eq!(frame["notification"]["messageId"], sent.id.to_string());
        alive.wait_for_push(&bobs, sent.id).await;
    }
    let (in_flight, most) = dead.in_flight();
    assert_eq!(in_flight, 2, "carol's pushes are still hanging");
    assert_eq!(most, 2, "never more than the per-host limit at once");
}

#[actix_web::test]
async fn a_duplicated_event_is_pushed_once() {
    let app = spawn_push_app(|_| {}).await;
    let standin = StandIn::start().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let browser = standin.browser(&[]);
    let id = app.subscribe(&bob, &browser).await;

    let sent = message(&ann, &bob, ConversationId::new(), 1, "once");
    let envelope = app.sent(&sent).await;
    app.publish_envelope(&envelope).await;
    // The same message under another event id, as a republishing outbox would send it.
    app.sent(&sent).await;
    assert_eq!(app.wait_for_outcome(sent.id, &id).await, "delivered");
    // A later push on the same path proves the duplicates were handled before it.
    let later = message(&ann, &bob, sent.conversation_id, 2, "later");
    app.sent(&later).await;
    standin.wait_for_push(&browser, later.id).await;
    assert_eq!(standin.delivered(&browser).len(), 2);
}
