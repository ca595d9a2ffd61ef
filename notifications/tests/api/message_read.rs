//! `message.read`: reading a conversation marks its notifications up to that seq read.

use shared::ids::{ConversationId, MessageId};
use shared::testing::TestUser;

use crate::helpers::{WAIT, find, message, spawn_app};

fn is_read(page: &serde_json::Value, message: MessageId) -> bool {
    find(page, message).is_some_and(|n| n["readAt"].is_string())
}

#[actix_web::test]
async fn reading_a_conversation_marks_its_notifications_up_to_that_seq_and_no_others() {
    let app = spawn_app().await;
    let (ann, bob, carol) = (
        TestUser::new("ann"),
        TestUser::new("bob"),
        TestUser::new("carol"),
    );
    let chat = ConversationId::new();
    let other = ConversationId::new();
    let to_bob: Vec<_> = (1..=4)
        .map(|seq| message(&ann, &bob, chat, seq, &format!("m{seq}")))
        .collect();
    let from_carol = message(&carol, &bob, other, 1, "elsewhere");
    let to_ann = message(&bob, &ann, chat, 5, "for ann");
    for sent in to_bob.iter().chain([&from_carol, &to_ann]) {
        app.sent(sent).await;
    }
    app.wait_for_notification(&bob, from_carol.id).await;
    app.wait_for_notification(&ann, to_ann.id).await;

    app.read(&bob, chat, 2).await;
    let page = app
        .wait_for_page(&bob, "", |page| {
            is_read(page, to_bob[0].id) && is_read(page, to_bob[1].id)
        })
        .await;
    assert!(!is_read(&page, to_bob[2].id));
    assert!(!is_read(&page, to_bob[3].id));
    assert!(!is_read(&page, from_carol.id));
    assert_eq!(page["unreadCount"], 3);
    // Bob reading does not read for Ann.
    let anns = app.page(&ann, "").await;
    assert!(!is_read(&anns, to_ann.id));
    assert_eq!(anns["unreadCount"], 1);
}

#[actix_web::test]
async fn a_read_that_overtakes_its_messages_still_marks_them_when_they_arrive() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let chat = ConversationId::new();
    let first = message(&ann, &bob, chat, 1, "first");
    app.sent(&first).await;
    app.wait_for_notification(&bob, first.id).await;

    // Bob has read up to 3 (on another device, say) before seq 2 and 3 reach this service.
    app.read(&bob, chat, 3).await;
    app.wait_for_page(&bob, "", |page| is_read(page, first.id))
        .await;
    let mut socket = app.connect_bound(&bob).await;
    let covered = message(&ann, &bob, chat, 3, "already read");
    let fresh = message(&ann, &bob, chat, 4, "new");
    app.sent(&covered).await;
    app.sent(&fresh).await;

    let pushed = socket.next_of_type("notification", WAIT).await;
    assert_eq!(
        pushed["notification"]["messageId"],
        fresh.id.to_string(),
        "a notification stored as read is not pushed"
    );
    let page = app.page(&bob, "").await;
    assert!(is_read(&page, covered.id));
    assert!(!is_read(&page, fresh.id));
    assert_eq!(page["unreadCount"], 1);
}

#[actix_web::test]
async fn an_older_read_does_not_move_the_watermark_back() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let chat = ConversationId::new();
    let other = ConversationId::new();
    let sentinel = message(&ann, &bob, other, 1, "sentinel");
    app.sent(&sentinel).await;
    app.wait_for_notification(&bob, sentinel.id).await;

    app.read(&bob, chat, 5).await;
    app.read(&bob, chat, 2).await;
    // Reads are consumed in order: once this one is applied, so are the two before.
    app.read(&bob, other, 1).await;
    app.wait_for_page(&bob, "", |page| is_read(page, sentinel.id))
        .await;

    let late = message(&ann, &bob, chat, 4, "late");
    app.sent(&late).await;
    let notification = app.wait_for_notification(&bob, late.id).await;
    assert!(notification["readAt"].is_string(), "{notification}");
}
