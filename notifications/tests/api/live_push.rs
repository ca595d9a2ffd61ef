//! A new notification is pushed over `/ws/notifications` to every socket of its owner, and to
//! no one else.

use shared::ids::{ConversationId, MessageId};
use shared::testing::{TestUser, WsClient};

use crate::helpers::{WAIT, message, spawn_app};

/// The next `notification` frame about `message`, skipping other frames.
async fn pushed(socket: &mut WsClient, message: MessageId) -> serde_json::Value {
    loop {
        let frame = socket.next_of_type("notification", WAIT).await;
        if frame["notification"]["messageId"] == message.to_string() {
            return frame;
        }
    }
}

#[actix_web::test]
async fn a_new_notification_is_pushed_to_every_socket_of_the_receiver_and_no_one_else() {
    let app = spawn_app().await;
    let (ann, bob, carol) = (
        TestUser::new("ann"),
        TestUser::new("bob"),
        TestUser::new("carol"),
    );
    app.register_and_wait(&ann).await;
    let mut laptop = app.connect_bound(&bob).await;
    let mut phone = app.connect_bound(&bob).await;
    let mut senders = app.connect_bound(&ann).await;
    let mut bystanders = app.connect_bound(&carol).await;

    let sent = message(&ann, &bob, ConversationId::new(), 1, "ping you");
    app.sent(&sent).await;
    // Later notifications for the others: each must be the first one they are pushed.
    let to_carol = message(&bob, &carol, ConversationId::new(), 1, "for carol");
    app.sent(&to_carol).await;
    let to_ann = message(&carol, &ann, ConversationId::new(), 1, "for ann");
    app.sent(&to_ann).await;

    let stored = app.wait_for_notification(&bob, sent.id).await;
    for socket in [&mut laptop, &mut phone] {
        let frame = socket.next_of_type("notification", WAIT).await;
        assert_eq!(frame["type"], "notification");
        assert_eq!(
            frame["notification"], stored,
            "the pushed notification is the stored one"
        );
    }
    assert_eq!(
        bystanders.next_of_type("notification", WAIT).await["notification"]["messageId"],
        to_carol.id.to_string()
    );
    assert_eq!(
        senders.next_of_type("notification", WAIT).await["notification"]["messageId"],
        to_ann.id.to_string()
    );
}

#[actix_web::test]
async fn a_user_who_reconnects_is_pushed_to_again() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let conversation = ConversationId::new();
    let socket = app.connect_bound(&bob).await;
    socket.close().await;

    let while_away = message(&ann, &bob, conversation, 1, "while you were away");
    app.sent(&while_away).await;
    app.wait_for_notification(&bob, while_away.id).await;

    let mut socket = app.connect_bound(&bob).await;
    let back = message(&ann, &bob, conversation, 2, "welcome back");
    app.sent(&back).await;
    let frame = pushed(&mut socket, back.id).await;
    assert_eq!(frame["notification"]["preview"], "welcome back");
}

#[actix_web::test]
async fn a_second_socket_closing_keeps_the_first_one_pushed_to() {
    let app = spawn_app().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let mut laptop = app.connect_bound(&bob).await;
    let phone = app.connect_bound(&bob).await;
    phone.close().await;

    let sent = message(&ann, &bob, ConversationId::new(), 1, "still here?");
    app.sent(&sent).await;
    pushed(&mut laptop, sent.id).await;
}
