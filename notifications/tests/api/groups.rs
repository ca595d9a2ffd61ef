//! Notifications of groups and of the message lifecycle: one per member but the sender, with
//! the group's kind and name; none for system messages; a member who leaves loses the group's
//! notifications; a deleted message's notifications disappear and an edited one's preview
//! follows, also when that news overtakes the message itself.

use shared::events::{MessageDeleted, MessageEdited, SystemEvent};
use shared::ids::ConversationId;
use shared::testing::TestUser;

use crate::helpers::{find, group_message, message, notifications, now, spawn_app, system_message};

#[actix_web::test]
async fn a_group_message_notifies_every_member_but_the_sender_with_the_groups_name() {
    let app = spawn_app().await;
    let (ann, bob, carol, dave) = (
        TestUser::new("ann"),
        TestUser::new("bob"),
        TestUser::new("carol"),
        TestUser::new("dave"),
    );
    let group = ConversationId::new();
    app.sent(&system_message(
        &ann,
        group,
        1,
        SystemEvent::Created,
        &[&ann, &bob, &carol],
        Some("Launch"),
    ))
    .await;
    let hello = group_message(&ann, group, 2, "hello, group");
    app.sent(&hello).await;

    for member in [&bob, &carol] {
        let notification = app.wait_for_notification(member, hello.id).await;
        assert_eq!(notification["conversationKind"], "group");
        assert_eq!(notification["conversationName"], "Launch");
        assert_eq!(notification["preview"], "hello, group");
    }
    for outside in [&ann, &dave] {
        assert!(
            notifications(&app.page(outside, "").await).is_empty(),
            "{}",
            outside.username
        );
    }
    // The created message itself notifies nobody; a rename shows at once.
    assert_eq!(notifications(&app.page(&bob, "").await).len(), 1);
    app.sent(&system_message(
        &ann,
        group,
        3,
        SystemEvent::Renamed,
        &[],
        Some("Launch 2"),
    ))
    .await;
    app.wait_for_page(&bob, "", |page| {
        find(page, hello.id).is_some_and(|n| n["conversationName"] == "Launch 2")
    })
    .await;
    // A direct message keeps kind direct and no name.
    let direct = message(&ann, &bob, ConversationId::new(), 1, "just us");
    app.sent(&direct).await;
    let notification = app.wait_for_notification(&bob, direct.id).await;
    assert_eq!(notification["conversationKind"], "direct");
    assert!(notification["conversationName"].is_null());
}

#[actix_web::test]
async fn leaving_takes_the_members_notifications_of_the_group_and_no_new_ones_come() {
    let app = spawn_app().await;
    let (ann, bob, carol) = (
        TestUser::new("ann"),
        TestUser::new("bob"),
        TestUser::new("carol"),
    );
    let group = ConversationId::new();
    app.sent(&system_message(
        &ann,
        group,
        1,
        SystemEvent::Created,
        &[&ann, &bob, &carol],
        Some("G"),
    ))
    .await;
    let before = group_message(&ann, group, 2, "before");
    app.sent(&before).await;
    app.wait_for_notification(&carol, before.id).await;
    app.sent(&system_message(
        &ann,
        group,
        3,
        SystemEvent::MemberRemoved,
        &[&carol],
        None,
    ))
    .await;
    let after = group_message(&ann, group, 4, "after");
    app.sent(&after).await;
    app.wait_for_notification(&bob, after.id).await;
    let page = app.page(&carol, "").await;
    assert!(notifications(&page).is_empty(), "{page}");
    assert_eq!(page["unreadCount"], 0);
    // Added again, she hears from then on.
    app.sent(&system_message(
        &ann,
        group,
        5,
        SystemEvent::MemberAdded,
        &[&carol],
        None,
    ))
    .await;
    let back = group_message(&bob, group, 6, "welcome back");
    app.sent(&back).await;
    app.wait_for_notification(&carol, back.id).await;
}

#[actix_web::test]
async fn a_deleted_messages_notifications_disappear_and_an_edited_ones_preview_follows() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let conversation = ConversationId::new();
    let kept = message(&ann, &bob, conversation, 1, "first version");
    let gone = message(&ann, &bob, conversation, 2, "regrettable");
    app.sent(&kept).await;
    app.sent(&gone).await;
    app.wait_for_notification(&bob, gone.id).await;

    app.publish(MessageEdited {
        conversation_id: conversation,
        message_id: kept.id,
        content: "second version".into(),
        edited_at: now(),
        editor_id: ann.id,
    })
    .await;
    app.publish(MessageDeleted {
        conversation_id: conversation,
        message_id: gone.id,
        deleted_by: ann.id,
    })
    .await;
    let page = app
        .wait_for_page(&bob, "", |page| {
            find(page, gone.id).is_none()
                && find(page, kept.id).is_some_and(|n| n["preview"] == "second version")
        })
        .await;
    assert_eq!(page["unreadCount"], 1, "the badge forgets the deleted one");

    // The news first, the message after (their queues are separate): still right. Each
    // queue is consumed in order, so once a later sentinel on it is applied, the news is too.
    let late_gone = message(&ann, &bob, conversation, 3, "never seen");
    let late_edited = message(&ann, &bob, conversation, 4, "old text");
    let sentinel = message(&ann, &bob, ConversationId::new(), 1, "sentinel");
    app.sent(&sentinel).await;
    app.wait_for_notification(&bob, sentinel.id).await;
    app.publish(MessageDeleted {
        conversation_id: conversation,
        message_id: late_gone.id,
        deleted_by: ann.id,
    })
    .await;
    app.publish(MessageEdited {
        conversation_id: conversation,
        message_id: late_edited.id,
        content: "new text".into(),
        edited_at: now(),
        editor_id: ann.id,
    })
    .await;
    app.publish(MessageEdited {
        conversation_id: sentinel.conversation_id,
        message_id: sentinel.id,
        content: "sentinel, edited".into(),
        edited_at: now(),
        editor_id: ann.id,
    })
    .await;
    app.wait_for_page(&bob, "", |page| {
        find(page, sentinel.id).is_some_and(|n| n["preview"] == "sentinel, edited")
    })
    .await;
    app.publish(MessageDeleted {
        conversation_id: sentinel.conversation_id,
        message_id: sentinel.id,
        deleted_by: ann.id,
    })
    .await;
    app.wait_for_page(&bob, "", |page| find(page, sentinel.id).is_none())
        .await;
    app.sent(&late_gone).await;
    app.sent(&late_edited).await;
    let page = app
        .wait_for_page(&bob, "", |page| find(page, late_edited.id).is_some())
        .await;
    assert_eq!(find(&page, late_edited.id).unwrap()["preview"], "new text");
    assert!(find(&page, late_gone.id).is_none());
}
