//! Delivery across connections and nodes: every connection of both participants, wherever it is.

use serde_json::json;

use crate::helpers::{WAIT, send_frame, spawn_stack};

#[actix_web::test]
async fn users_on_different_nodes_chat_normally() {
    let stack = spawn_stack(2).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 1).await;

    anns.send_json(&send_frame("x1", &bob, "hi from node 0"))
        .await;
    assert_eq!(
        anns.next_of_type("message.ack", WAIT).await["message"]["seq"],
        1
    );
    assert_eq!(
        bobs.next_of_type("message.new", WAIT).await["message"]["content"],
        "hi from node 0"
    );

    bobs.send_json(&send_frame("y1", &ann, "hi from node 1"))
        .await;
    assert_eq!(
        bobs.next_of_type("message.ack", WAIT).await["message"]["seq"],
        2
    );
    assert_eq!(
        anns.next_of_type("message.new", WAIT).await["message"]["content"],
        "hi from node 1"
    );
}

#[actix_web::test]
async fn every_connection_of_a_user_gets_everything_on_any_node() {
    let stack = spawn_stack(2).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut ann_tab = stack.connect(&ann, 0).await;
    let mut ann_phone = stack.connect(&ann, 1).await;
    let mut ann_other_tab = stack.connect(&ann, 0).await;
    let mut bob_laptop = stack.connect(&bob, 0).await;
    let mut bob_phone = stack.connect(&bob, 1).await;

    ann_tab
        .send_json(&send_frame("multi", &bob, "to every device"))
        .await;
    let ack = ann_tab.next_of_type("message.ack", WAIT).await;
    for twin in [&mut ann_phone, &mut ann_other_tab] {
        let new = twin.next_of_type("message.new", WAIT).await;
        assert_eq!(new["message"], ack["message"]);
        assert_eq!(
            new["clientMsgId"], "multi",
            "the sender's other tabs can match their pending copy"
        );
    }
    for device in [&mut bob_laptop, &mut bob_phone] {
        assert_eq!(
            device.next_of_type("message.new", WAIT).await["message"],
            ack["message"]
        );
    }
}

#[actix_web::test]
async fn typing_reaches_the_other_participant_only() {
    let stack = spawn_stack(2).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 1).await;
    anns.send_json(&send_frame("t", &bob, "start")).await;
    let conversation =
        anns.next_of_type("message.ack", WAIT).await["message"]["conversationId"].clone();
    bobs.next_of_type("message.new", WAIT).await;

    anns.send_json(&json!({"type": "typing", "conversationId": conversation}))
        .await;
    let typing = bobs.next_of_type("typing", WAIT).await;
    assert_eq!(typing["userId"], ann.id.to_string());
    assert_eq!(typing["conversationId"], conversation);
    anns.assert_silent(std::time::Duration::from_millis(300))
        .await;
}

#[actix_web::test]
async fn signing_out_closes_that_sessions_chat_sockets_with_4001() {
    let stack = spawn_stack(2).await;
    let ann = stack.user("ann").await;
    let mut on_node_0 = stack.connect(&ann, 0).await;
    let mut on_node_1 = stack.connect(&ann, 1).await;
    let event = shared::events::Envelope::new(shared::events::UserSignedOut {
        user_id: ann.id,
        session_id: Some(ann.session_id),
    });
    stack.publisher.publish(&event, WAIT).await.unwrap();
    assert_eq!(
        on_node_0.closed(WAIT).await,
        shared::testing::WsEnd::Closed(4001)
    );
    assert_eq!(
        on_node_1.closed(WAIT).await,
        shared::testing::WsEnd::Closed(4001)
    );
}
