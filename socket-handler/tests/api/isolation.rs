//! Only the two participants can read a conversation or act on it; anyone else gets 404 or
//! `not_found`, never data.

use std::time::Duration;

use serde_json::{Value, json};
use shared::testing::{TestUser, WsClient};

use crate::helpers::{Stack, WAIT, send_frame, spawn_stack};

/// Ann and Bob's conversation: one message from Ann, delivered; a third user, Carol. Returns the
/// sockets of all three (Carol's connected before the message), the message and its conversation.
struct Scene {
    stack: Stack,
    ann: TestUser,
    bob: TestUser,
    carol: TestUser,
    anns: WsClient,
    bobs: WsClient,
    carols: WsClient,
    message: Value,
    conversation: String,
}

async fn scene() -> Scene {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let carol = stack.user("carol").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 0).await;
    let carols = stack.connect(&carol, 0).await;
    anns.send_json(&send_frame("secret", &bob, "for bob only"))
        .await;
    let message = anns.next_of_type("message.ack", WAIT).await["message"].clone();
    bobs.next_of_type("message.new", WAIT).await;
    let conversation = message["conversationId"].as_str().unwrap().to_owned();
    Scene {
        stack,
        ann,
        bob,
        carol,
        anns,
        bobs,
        carols,
        message,
        conversation,
    }
}

impl Scene {
    /// Neither participant hears anything, and Carol neither (beyond her own error frames).
    async fn assert_participants_heard_nothing(&mut self) {
        self.anns.assert_silent(QUIET).await;
        self.bobs.assert_silent(QUIET).await;
    }
}

const QUIET: Duration = Duration::from_millis(300);

#[actix_web::test]
async fn a_third_user_gets_404_for_someone_elses_history_by_conversation_id() {
    let scene = scene().await;
    let conversation = &scene.conversation;
    for path in [
        format!("/api/messages/conversations/{conversation}/messages"),
        format!("/api/messages/conversations/{conversation}/messages?after=0"),
        format!("/api/messages/conversations/{conversation}/messages?before=5"),
        format!("/api/messages/conversations/{conversation}/messages?limit=100"),
        format!(
            "/api/messages/conversations/{}/messages",
            conversation.to_uppercase()
        ),
    ] {
        let (status, body) = scene.stack.get(&scene.carol, &path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"]["code"], "not_found");
        assert!(!body.to_string().contains("for bob only"));
    }
    // The same answer as for a conversation that does not exist at all.
    let (_, absent) = scene
        .stack
        .get(
            &scene.carol,
            &format!(
                "/api/messages/conversations/{}/messages",
                uuid::Uuid::now_v7()
            ),
        )
        .await;
    let (_, foreign) = scene
        .stack
        .get(
            &scene.carol,
            &format!("/api/messages/conversations/{conversation}/messages"),
        )
        .await;
    assert_eq!(absent, foreign);
}

#[actix_web::test]
async fn a_third_user_finds_no_trace_of_someone_elses_conversation_in_their_list_or_by_peer() {
    let scene = scene().await;
    let (status, list) = scene
        .stack
        .get(&scene.carol, "/api/messages/conversations")
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["conversations"], json!([]));
    for peer in [&scene.ann, &scene.bob] {
        let (status, history) = scene
            .stack
            .get(&scene.carol, &format!("/api/messages/with/{}", peer.id))
            .await;
        assert_eq!(status, 200, "an empty conversation of her own");
        assert_eq!(history["messages"], json!([]));
    }
}

#[actix_web::test]
async fn a_third_user_cannot_move_someone_elses_read_state() {
    let mut scene = scene().await;
    let frame = json!({"type": "message.read", "conversationId": scene.conversation, "seq": 1});
    scene.carols.send_json(&frame).await;
    assert_eq!(
        scene.carols.next_of_type("error", WAIT).await["code"],
        "not_found"
    );
    scene.assert_participants_heard_nothing().await;
    let (_, bobs) = scene
        .stack
        .get(&scene.bob, "/api/messages/conversations")
        .await;
    assert_eq!(bobs["conversations"][0]["unreadCount"], 1);
    assert_eq!(bobs["conversations"][0]["lastReadSeq"], 0);
    let (_, anns) = scene
        .stack
        .get(&scene.ann, "/api/messages/conversations")
        .await;
    assert_eq!(anns["conversations"][0]["peerLastReadSeq"], 0);
}

#[actix_web::test]
async fn a_third_user_cannot_type_into_someone_elses_conversation() {
    let mut scene = scene().await;
    let frame = json!({"type": "typing", "conversationId": scene.conversation});
    scene.carols.send_json(&frame).await;
    assert_eq!(
        scene.carols.next_of_type("error", WAIT).await["code"],
        "not_found"
    );
    scene.assert_participants_heard_nothing().await;
}

#[actix_web::test]
async fn a_third_user_can_neither_vote_on_nor_see_the_votes_of_someone_elses_message() {
    let mut scene = scene().await;
    for vote in ["up", "down", "up"] {
        let frame = json!({"type": "message.vote", "messageId": scene.message["id"], "vote": vote});
        scene.carols.send_json(&frame).await;
        assert_eq!(
            scene.carols.next_of_type("error", WAIT).await["code"],
            "not_found"
        );
    }
    scene.assert_participants_heard_nothing().await;
    // Bob votes: the count is his alone, and Carol hears nothing of it.
    let frame = json!({"type": "message.vote", "messageId": scene.message["id"], "vote": "up"});
    scene.bobs.send_json(&frame).await;
    let votes = scene.bobs.next_of_type("message.votes", WAIT).await;
    assert_eq!(
        (votes["up"].clone(), votes["down"].clone()),
        (json!(1), json!(0))
    );
    scene.carols.assert_silent(QUIET).await;
}

#[actix_web::test]
async fn a_third_user_receives_none_of_someone_elses_live_frames() {
    let mut scene = scene().await;
    let conversation = scene.conversation.clone();
    scene
        .bobs
        .send_json(&json!({"type": "typing", "conversationId": conversation}))
        .await;
    scene.anns.next_of_type("typing", WAIT).await;
    scene
        .bobs
        .send_json(&json!({"type": "message.read", "conversationId": conversation, "seq": 1}))
        .await;
    scene.anns.next_of_type("message.read", WAIT).await;
    scene
        .bobs
        .send_json(
            &json!({"type": "message.vote", "messageId": scene.message["id"], "vote": "down"}),
        )
        .await;
    scene.anns.next_of_type("message.votes", WAIT).await;
    scene
        .bobs
        .send_json(&send_frame("reply", &scene.ann, "also private"))
        .await;
    scene.anns.next_of_type("message.new", WAIT).await;
    // Carol was connected all along (also before Ann's first message) and got none of it.
    scene.carols.assert_silent(QUIET).await;
}

#[actix_web::test]
async fn a_third_user_cannot_write_into_someone_elses_conversation_or_speak_for_them() {
    let mut scene = scene().await;
    // Into their conversation by its id: the same answer as for one that does not exist.
    scene
        .carols
        .send_json(&json!({
            "type": "message.send", "clientMsgId": "into", "content": "hi",
            "conversationId": scene.conversation,
        }))
        .await;
    let refused = scene.carols.next_of_type("error", WAIT).await;
    assert_eq!(
        (refused["code"].as_str(), refused["clientMsgId"].as_str()),
        (Some("not_found"), Some("into"))
    );
    // Naming both a user and a conversation is not a send (v2: exactly one of the two).
    let both = json!({
        "type": "message.send", "clientMsgId": "both", "content": "hi",
        "to": scene.bob.id.to_string(), "conversationId": scene.conversation,
    });
    scene.carols.send_json(&both).await;
    assert_eq!(
        scene.carols.next_of_type("error", WAIT).await["code"],
        "invalid_field"
    );
    // Fields naming another sender are not the client's to set.
    let frame = json!({
        "type": "message.send",
        "clientMsgId": "intrude",
        "to": scene.bob.id.to_string(),
        "content": "hello bob",
        "senderId": scene.ann.id.to_string(),
        "from": scene.ann.id.to_string(),
        "userId": scene.ann.id.to_string(),
    });
    scene.carols.send_json(&frame).await;
    let ack = scene.carols.next_of_type("message.ack", WAIT).await;
    assert_eq!(ack["message"]["senderId"], scene.carol.id.to_string());
    assert_ne!(ack["message"]["conversationId"], json!(scene.conversation));
    assert_eq!(
        ack["message"]["seq"], 1,
        "a conversation of her own with bob"
    );
    let new = scene.bobs.next_of_type("message.new", WAIT).await;
    assert_eq!(new["message"]["senderId"], scene.carol.id.to_string());
    scene.anns.assert_silent(QUIET).await;
    let (_, history) = scene
        .stack
        .get(
            &scene.ann,
            &format!(
                "/api/messages/conversations/{}/messages",
                scene.conversation
            ),
        )
        .await;
    assert_eq!(
        history["messages"].as_array().unwrap().len(),
        1,
        "untouched"
    );
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
