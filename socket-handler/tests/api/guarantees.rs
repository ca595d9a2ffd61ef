//! The chat's guarantees: durable before visible, dense ordered seq, idempotent sends, exact
//! catch-up, and no loss while messages is down.

use std::time::Duration;

use serde_json::json;
use shared::events::MessageSent;

use shared::testing::eventually;

use crate::helpers::{WAIT, send_frame, spawn_stack, start_messages};

#[actix_web::test]
async fn a_message_is_acknowledged_delivered_stored_and_announced_once_stored() {
    let stack = spawn_stack(1).await;
    let mut sent_events = stack.infra.probe::<MessageSent>().await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 0).await;

    anns.send_json(&send_frame("c-1", &bob, "  hello <b>bob</b>  "))
        .await;
    let ack = anns.next_of_type("message.ack", WAIT).await;
    assert_eq!(ack["clientMsgId"], "c-1");
    let message = &ack["message"];
    assert_eq!(message["seq"], 1);
    assert_eq!(message["content"], "hello <b>bob</b>");
    assert_eq!(message["senderId"], ann.id.to_string());
    assert_eq!(message["receiverId"], bob.id.to_string());
    assert_eq!(message["votes"], json!({"up": 0, "down": 0, "mine": null}));

    let new = bobs.next_of_type("message.new", WAIT).await;
    assert_eq!(new["message"], *message);
    assert!(
        new.get("clientMsgId").is_none(),
        "the receiver does not see the sender's ids"
    );

    // The ack came only after the row was committed: it is there, and so is the event.
    let db = stack.messages_db().await;
    let stored: i64 = db
        .query_one(
            "SELECT count(*) FROM messages WHERE id = $1",
            &[&message["id"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .unwrap()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 1);
    let event = sent_events.next(WAIT).await;
    assert_eq!(serde_json::to_value(&event.data.message).unwrap(), *message);
    sent_events.assert_silent(Duration::from_millis(300)).await;

    let (status, history) = stack
        .get(&bob, &format!("/api/messages/with/{}", ann.id))
        .await;
    assert_eq!(status, 200);
    assert_eq!(history["messages"], json!([message]));
    assert_eq!(history["hasMore"], false);
}

#[actix_web::test]
async fn each_conversation_numbers_its_messages_densely_and_delivers_them_in_order() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 0).await;

    // Both write at once, without waiting for acks.
    for i in 0..40 {
        anns.send_json(&send_frame(
            &format!("a{i}"),
            &bob,
            &format!("from ann {i}"),
        ))
        .await;
        bobs.send_json(&send_frame(
            &format!("b{i}"),
            &ann,
            &format!("from bob {i}"),
        ))
        .await;
    }
    for socket in [&mut anns, &mut bobs] {
        let mut seqs = Vec::new();
        while seqs.len() < 80 {
            let frame = socket.next_json(WAIT).await;
            if frame["type"] == "message.ack" || frame["type"] == "message.new" {
                seqs.push(frame["message"]["seq"].as_i64().unwrap());
            }
        }
        assert_eq!(
            seqs,
            (1..=80).collect::<Vec<_>>(),
            "every seq once, in order"
        );
    }
    // Each sender's own messages keep their sending order.
    let (_, history) = stack
        .get(&ann, &format!("/api/messages/with/{}?limit=100", bob.id))
        .await;
    let from_ann: Vec<String> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["senderId"] == ann.id.to_string())
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        from_ann,
        (0..40).map(|i| format!("from ann {i}")).collect::<Vec<_>>()
    );
}

#[actix_web::test]
async fn a_repeated_send_stores_one_message_and_gets_the_same_ack() {
    let stack = spawn_stack(1).await;
    let mut sent_events = stack.infra.probe::<MessageSent>().await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut bobs = stack.connect(&bob, 0).await;

    let mut first_connection = stack.connect(&ann, 0).await;
    first_connection
        .send_json(&send_frame("retry-me", &bob, "once"))
        .await;
    let first = first_connection.next_of_type("message.ack", WAIT).await;

    // The connection dropped before the client saw the ack; it retries on a new one.
    first_connection.close().await;
    let mut second_connection = stack.connect(&ann, 0).await;
    second_connection
        .send_json(&send_frame("retry-me", &bob, "once"))
        .await;
    let second = second_connection.next_of_type("message.ack", WAIT).await;
    assert_eq!(first, second);

    let db = stack.messages_db().await;
    let count: i64 = db
        .query_one("SELECT count(*) FROM messages", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 1);
    sent_events.next(WAIT).await;
    sent_events.assert_silent(Duration::from_millis(300)).await;
    bobs.next_of_type("message.new", WAIT).await;
    bobs.assert_silent(Duration::from_millis(300)).await;
}

#[actix_web::test]
async fn a_client_that_was_away_catches_up_exactly_with_after() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 0).await;

    anns.send_json(&send_frame("m1", &bob, "first")).await;
    anns.next_of_type("message.ack", WAIT).await;
    let held = bobs.next_of_type("message.new", WAIT).await["message"]["seq"]
        .as_i64()
        .unwrap();
    bobs.close().await;

    for i in 2..=6 {
        anns.send_json(&send_frame(
            &format!("m{i}"),
            &bob,
            &format!("while away {i}"),
        ))
        .await;
        anns.next_of_type("message.ack", WAIT).await;
    }

    let (_, list) = stack.get(&bob, "/api/messages/conversations").await;
    let conversation = &list["conversations"][0];
    assert_eq!(conversation["unreadCount"], 6);
    let (status, missed) = stack
        .get(
            &bob,
            &format!(
                "/api/messages/conversations/{}/messages?after={held}",
                conversation["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(status, 200);
    let seqs: Vec<i64> = missed["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![2, 3, 4, 5, 6], "nothing missed, nothing twice");
    assert_eq!(missed["hasMore"], false);
}

#[actix_web::test]
async fn a_message_sent_while_messages_is_stopped_is_stored_and_delivered_once_it_is_back() {
    let mut stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 0).await;

    stack.messages.stop();
    anns.send_json(&send_frame("during-outage", &bob, "are you there?"))
        .await;
    anns.assert_silent(Duration::from_millis(500)).await;

    stack.messages = start_messages(&stack.infra, &stack.messages_database).await;
    let ack = anns.next_of_type("message.ack", WAIT).await;
    assert_eq!(ack["message"]["content"], "are you there?");
    let new = bobs.next_of_type("message.new", WAIT).await;
    assert_eq!(new["message"]["id"], ack["message"]["id"]);
}

/// A send waits for messages in the queue kept in memory (its client sends it again until it is
/// acknowledged); a vote, which nobody sends again, waits on disk.
#[actix_web::test]
async fn while_messages_is_stopped_a_send_waits_in_memory_and_a_vote_on_disk() {
    let mut stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    anns.send_json(&send_frame("first", &bob, "vote on me"))
        .await;
    let first = anns.next_of_type("message.ack", WAIT).await;

    stack.messages.stop();
    anns.send_json(
        &json!({"type": "message.vote", "messageId": first["message"]["id"], "vote": "up"}),
    )
    .await;
    anns.send_json(&send_frame("second", &bob, "still there?"))
        .await;
    let topology = stack.infra.topology();
    let (sends, kept) = (
        topology.chat_sends_queue().name,
        topology.chat_commands_queue().name,
    );
    eventually(
        "the send and the vote to wait in their queues",
        WAIT,
        || async {
            let waiting = (
                stack.infra.queue_state(&sends).await?.0,
                stack.infra.queue_state(&kept).await?.0,
            );
            (waiting == (1, 1)).then_some(())
        },
    )
    .await;

    stack.messages = start_messages(&stack.infra, &stack.messages_database).await;
    // The two queues are consumed apart: either answer may come first. The first send may be
    // acknowledged again too: its ack can reach Ann before messages, stopped right after,
    // acknowledged its command to the broker, which then hands it over again.
    let (mut votes, mut second) = (None, None);
    while votes.is_none() || second.is_none() {
        let frame = anns.next_json(WAIT).await;
        match (frame["type"].as_str(), frame["clientMsgId"].as_str()) {
            (Some("message.votes"), _) => votes = Some(frame),
            (Some("message.ack"), Some("second")) => second = Some(frame),
            _ => {}
        }
    }
    let (votes, second) = (votes.unwrap(), second.unwrap());
    assert_eq!(
        (votes["up"].as_i64(), votes["mine"].as_str()),
        (Some(1), Some("up"))
    );
    assert_eq!(second["message"]["seq"], 2);
}

#[actix_web::test]
async fn read_receipts_move_only_forward_and_reach_both_participants() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 0).await;
    for i in 1..=3 {
        anns.send_json(&send_frame(&format!("r{i}"), &bob, "x"))
            .await;
        anns.next_of_type("message.ack", WAIT).await;
    }
    let conversation =
        bobs.next_of_type("message.new", WAIT).await["message"]["conversationId"].clone();

    bobs.send_json(&json!({"type": "message.read", "conversationId": conversation, "seq": 2}))
        .await;
    for socket in [&mut anns, &mut bobs] {
        let read = socket.next_of_type("message.read", WAIT).await;
        assert_eq!(read["readerId"], bob.id.to_string());
        assert_eq!(read["seq"], 2);
    }
    let (_, list) = stack.get(&bob, "/api/messages/conversations").await;
    assert_eq!(list["conversations"][0]["unreadCount"], 1);
    assert_eq!(list["conversations"][0]["lastReadSeq"], 2);
    let (_, list) = stack.get(&ann, "/api/messages/conversations").await;
    assert_eq!(list["conversations"][0]["peerLastReadSeq"], 2);

    // Backwards is ignored; past the end means everything.
    bobs.send_json(&json!({"type": "message.read", "conversationId": conversation, "seq": 1}))
        .await;
    anns.assert_silent(Duration::from_millis(300)).await;
    bobs.send_json(&json!({"type": "message.read", "conversationId": conversation, "seq": 99}))
        .await;
    assert_eq!(anns.next_of_type("message.read", WAIT).await["seq"], 3);
    let (_, list) = stack.get(&bob, "/api/messages/conversations").await;
    assert_eq!(list["conversations"][0]["unreadCount"], 0);
}

/// A node's sends keep their order when its writer lane breaks and opens again: what the lane
/// held and what comes while there is no writer go through the queue kept in memory, and the
/// new writer applies the last of those before anything on the reopened lane.
#[actix_web::test]
async fn sends_keep_their_order_across_the_writer_lane_breaking_and_opening_again() {
    let mut stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let cache = stack.infra.cache();
    let lane_open = || async {
        let address: Option<String> =
            redis::AsyncCommands::get(&mut cache.connection(), cache.key(shared::chat::lane::KEY))
                .await
                .ok()?;
        address
    };
    eventually("messages to be the writer", WAIT, lane_open).await;

    let send = |i: usize| send_frame(&format!("s{i}"), &bob, &format!("number {i}"));
    let mut seqs = vec![None; 60];
    for i in 0..10 {
        anns.send_json(&send(i)).await;
    }
    // Over the lane.
    for _ in 0..10 {
        let ack = anns.next_of_type("message.ack", WAIT).await;
        record(&mut seqs, &ack);
    }
    for i in 10..20 {
        anns.send_json(&send(i)).await;
    }
    // Some of those are on the lane when it breaks; the next ones find no writer.
    stack.messages.stop();
    for i in 20..40 {
        anns.send_json(&send(i)).await;
    }
    stack.messages = start_messages(&stack.infra, &stack.messages_database).await;
    eventually("the new messages to be the writer", WAIT, lane_open).await;
    // The lane opens again on the next send, after its retry pause.
    tokio::time::sleep(Duration::from_millis(600)).await;
    for i in 40..60 {
        anns.send_json(&send(i)).await;
    }

    while seqs.iter().any(Option::is_none) {
        let ack = anns.next_of_type("message.ack", WAIT).await;
        record(&mut seqs, &ack);
    }
    let seqs: Vec<i64> = seqs.into_iter().flatten().collect();
    assert_eq!(
        seqs,
        (1..=60).collect::<Vec<i64>>(),
        "stored once each, in the order sent"
    );
}

/// Notes the `seq` an ack of send `s<i>` gives; a send the lane held may be acknowledged twice,
/// always with what was stored.
fn record(seqs: &mut [Option<i64>], ack: &serde_json::Value) {
    let i: usize = ack["clientMsgId"].as_str().unwrap()[1..].parse().unwrap();
    let seq = ack["message"]["seq"].as_i64().unwrap();
    assert!(seqs[i].is_none_or(|earlier| earlier == seq));
    seqs[i] = Some(seq);
}
