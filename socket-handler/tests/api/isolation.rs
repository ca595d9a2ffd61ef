//! Only the two participants can read a conversation or act on it; anyone else gets 404 or
//! `not_found`, never data.

use serde_json::json;

use crate::helpers::{WAIT, send_frame, spawn_stack};

#[actix_web::test]
async fn a_third_user_can_read_or_touch_nothing_of_a_conversation() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let carol = stack.user("carol").await;
    let mut anns = stack.connect(&ann, 0).await;
    anns.send_json(&send_frame("secret", &bob, "for bob only"))
        .await;
    let ack = anns.next_of_type("message.ack", WAIT).await;
    let conversation = ack["message"]["conversationId"]
        .as_str()
        .unwrap()
        .to_owned();

    for path in [
        format!("/api/messages/conversations/{conversation}/messages"),
        format!("/api/messages/conversations/{conversation}/messages?after=0"),
        format!("/api/messages/conversations/{conversation}/messages?before=5"),
    ] {
        let (status, body) = stack.get(&carol, &path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let (_, list) = stack.get(&carol, "/api/messages/conversations").await;
    assert_eq!(list["conversations"], json!([]));
    let (_, with_ann) = stack
        .get(&carol, &format!("/api/messages/with/{}", ann.id))
        .await;
    assert_eq!(with_ann["messages"], json!([]));

    let mut carols = stack.connect(&carol, 0).await;
    for frame in [
        json!({"type": "message.read", "conversationId": conversation, "seq": 1}),
        json!({"type": "typing", "conversationId": conversation}),
    ] {
        carols.send_json(&frame).await;
        let error = carols.next_of_type("error", WAIT).await;
        assert_eq!(error["code"], "not_found", "{frame}");
    }
    // Nothing leaked to the participants either.
    anns.assert_silent(std::time::Duration::from_millis(300))
        .await;
}

#[actix_web::test]
async fn sending_to_an_unknown_user_or_to_oneself_is_not_found() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let ghost = shared::testing::TestUser::new("ghost");
    let mut anns = stack.connect(&ann, 0).await;
    for (id, to) in [("g1", &ghost), ("self", &ann)] {
        anns.send_json(&send_frame(id, to, "hello?")).await;
        let error = anns.next_of_type("error", WAIT).await;
        assert_eq!(error["code"], "not_found");
        assert_eq!(error["clientMsgId"], id);
    }
}
