//! Groups on live sockets across two socket-handler nodes: every connection of every member gets
//! a group's frames and nobody else does; membership changes take effect at once; delivered and
//! read watermarks reach every member; and, while members come and go with messages flowing,
//! each connection gets exactly the messages stored while its user was a member, in `seq` order.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};
use shared::testing::{TestUser, WsClient};

use crate::helpers::{WAIT, group_frame, spawn_stack};

/// Long enough for a frame that should not come to have come.
const QUIET: Duration = Duration::from_millis(400);

/// The next frame of `kind`, skipping others.
async fn next(socket: &mut WsClient, kind: &str) -> Value {
    socket.next_of_type(kind, WAIT).await
}

/// A change's two frames: its system message (`message.new`), then the group as it is now
/// (`conversation.updated`).
async fn change(socket: &mut WsClient) -> (Value, Value) {
    let system = next(socket, "message.new").await;
    let updated = next(socket, "conversation.updated").await;
    (system, updated)
}

fn member_path(id: &str, user: &TestUser) -> String {
    format!("/api/messages/conversations/{id}/members/{}", user.id)
}

#[actix_web::test]
async fn a_group_message_reaches_every_connection_of_every_member_on_both_nodes_and_nobody_else() {
    let stack = spawn_stack(2).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let carol = stack.user("carol").await;
    let erin = stack.user("erin").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 1).await;
    let mut carol_here = stack.connect(&carol, 0).await;
    let mut carol_there = stack.connect(&carol, 1).await;
    let mut erins = stack.connect(&erin, 1).await;
    for socket in [
        &mut anns,
        &mut bobs,
        &mut carol_here,
        &mut carol_there,
        &mut erins,
    ] {
        socket.send_json(&json!({"type": "ping"})).await;
        socket.next_of_type("pong", WAIT).await;
    }

    let id = stack.group(&ann, "Launch", &[&bob, &carol]).await;
    for (socket, role) in [
        (&mut anns, "owner"),
        (&mut bobs, "member"),
        (&mut carol_here, "member"),
        (&mut carol_there, "member"),
    ] {
        let (created, updated) = change(socket).await;
        assert_eq!(created["message"]["system"]["event"], "created");
        assert_eq!(updated["conversation"]["id"], id);
        assert_eq!(
            updated["conversation"]["myRole"], role,
            "each member's own view"
        );
        assert_eq!(
            updated["conversation"]["lastMessage"]["id"],
            created["message"]["id"]
        );
    }

    anns.send_json(&group_frame("g1", &id, "hello, group"))
        .await;
    let ack = next(&mut anns, "message.ack").await;
    assert_eq!(ack["message"]["seq"], 2);
    assert_eq!(ack["message"]["receiverId"], Value::Null);
    for socket in [&mut bobs, &mut carol_here, &mut carol_there] {
        let new = next(socket, "message.new").await;
        assert_eq!(new["message"]["id"], ack["message"]["id"]);
        assert_eq!(new["message"]["content"], "hello, group");
    }
    erins.assert_silent(QUIET).await;

    // Typing reaches the other members, not the typist and not erin.
    bobs.send_json(&json!({"type": "typing", "conversationId": id}))
        .await;
    for socket in [&mut anns, &mut carol_here, &mut carol_there] {
        assert_eq!(next(socket, "typing").await["userId"], bob.id.to_string());
    }
    bobs.assert_silent(QUIET).await;
    erins.assert_silent(QUIET).await;

    // erin cannot send into it, type in it or read it: the answer for a group that is not there.
    erins
        .send_json(&json!({"type": "message.send", "clientMsgId": "x", "conversationId": id, "content": "hi", "requestId": "r7"}))
        .await;
    let refused = next(&mut erins, "error").await;
    assert_eq!(
        (
            refused["code"].as_str(),
            refused["clientMsgId"].as_str(),
            refused["requestId"].as_str()
        ),
        (Some("not_found"), Some("x"), Some("r7"))
    );
    anns.assert_silent(QUIET).await;
}

#[actix_web::test]
async fn delivered_and_read_watermarks_reach_every_member_and_only_move_forward() {
    let stack = spawn_stack(2).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let carol = stack.user("carol").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 1).await;
    let mut carols = stack.connect(&carol, 1).await;
    let id = stack.group(&ann, "Seen", &[&bob, &carol]).await;
    anns.send_json(&group_frame("g1", &id, "one")).await;
    anns.send_json(&group_frame("g2", &id, "two")).await;
    next(&mut anns, "message.ack").await;
    let last = next(&mut anns, "message.ack").await["message"]["seq"]
        .as_i64()
        .unwrap();

    bobs.send_json(&json!({"type": "message.delivered", "conversationId": id, "seq": last}))
        .await;
    for socket in [&mut anns, &mut bobs, &mut carols] {
        let delivered = next(socket, "message.delivered").await;
        assert_eq!(
            (delivered["userId"].as_str(), delivered["seq"].as_i64()),
            (Some(bob.id.to_string().as_str()), Some(last))
        );
    }
    // Backwards changes nothing and announces nothing.
    bobs.send_json(&json!({"type": "message.delivered", "conversationId": id, "seq": 1}))
        .await;
    anns.assert_silent(QUIET).await;
    // Reading implies delivered: carol reads without having said delivered, and both move.
    carols
        .send_json(&json!({"type": "message.read", "conversationId": id, "seq": last}))
        .await;
    for socket in [&mut anns, &mut bobs, &mut carols] {
        assert_eq!(
            next(socket, "message.delivered").await["userId"],
            carol.id.to_string()
        );
        assert_eq!(
            next(socket, "message.read").await["readerId"],
            carol.id.to_string()
        );
    }
    let (_, members) = stack
        .get(&ann, &format!("/api/messages/conversations/{id}/members"))
        .await;
    let carol_row = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"]["id"] == carol.id.to_string())
        .unwrap()
        .clone();
    assert_eq!(
        (
            carol_row["lastReadSeq"].as_i64(),
            carol_row["lastDeliveredSeq"].as_i64()
        ),
        (Some(last), Some(last))
    );
}

#[actix_web::test]
async fn a_removed_member_hears_the_removal_and_nothing_after_while_an_added_one_hears_at_once() {
    let stack = spawn_stack(2).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let carol = stack.user("carol").await;
    let dave = stack.user("dave").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 1).await;
    let mut carols = stack.connect(&carol, 1).await;
    let mut daves = stack.connect(&dave, 0).await;
    let id = stack.group(&ann, "Changing", &[&bob, &carol]).await;

    let removed = stack
        .call(&ann, "DELETE", &member_path(&id, &carol), None)
        .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    let gone = next(&mut carols, "conversation.removed").await;
    assert_eq!(gone["conversationId"], id);
    let system = next(&mut bobs, "message.new").await;
    // bob first saw the created message; this is the removal.
    let system = if system["message"]["system"]["event"] == "created" {
        next(&mut bobs, "message.new").await
    } else {
        system
    };
    assert_eq!(system["message"]["system"]["event"], "member.removed");

    let added = stack
        .call(
            &ann,
            "POST",
            &format!("/api/messages/conversations/{id}/members"),
            Some(json!({"userIds": [dave.id.to_string()]})),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let (system, updated) = change(&mut daves).await;
    assert_eq!(system["message"]["system"]["event"], "member.added");
    assert_eq!(
        (
            updated["conversation"]["id"].as_str(),
            updated["conversation"]["myRole"].as_str()
        ),
        (Some(id.as_str()), Some("member"))
    );

    anns.send_json(&group_frame("after", &id, "after the changes"))
        .await;
    next(&mut anns, "message.ack").await;
    assert_eq!(
        next(&mut daves, "message.new").await["message"]["content"],
        "after the changes"
    );
    // carol hears nothing more of the group, on any frame type.
    carols.assert_silent(QUIET).await;
    // Her attempts are refused as for a group that does not exist.
    carols.send_json(&group_frame("late", &id, "can I?")).await;
    assert_eq!(next(&mut carols, "error").await["code"], "not_found");
    let (status, _) = stack
        .get(
            &carol,
            &format!("/api/messages/conversations/{id}/messages"),
        )
        .await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn renaming_reaches_every_member_live_each_with_their_own_view() {
    let stack = spawn_stack(2).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 1).await;
    let id = stack.group(&ann, "Old", &[&bob]).await;
    next(&mut anns, "conversation.updated").await;
    next(&mut bobs, "conversation.updated").await;
    let renamed = stack
        .call(
            &ann,
            "PATCH",
            &format!("/api/messages/conversations/{id}"),
            Some(json!({"name": "New"})),
        )
        .await;
    assert_eq!(renamed.status, 200);
    for (socket, role) in [(&mut anns, "owner"), (&mut bobs, "member")] {
        let updated = next(socket, "conversation.updated").await;
        assert_eq!(updated["conversation"]["name"], "New");
        assert_eq!(updated["conversation"]["myRole"], role);
    }
}

/// Which seqs `user` should have received: those stored while they were a member, from the
/// system messages of the history (a `member.added` message reaches the one added, a
/// `member.removed` one does not reach the one removed).
fn seqs_while_member(history: &[Value], user: &TestUser) -> Vec<i64> {
    let me = user.id.to_string();
    let mut member = false;
    let mut seqs = Vec::new();
    for message in history {
        let names_me = message["system"]["userIds"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|id| *id == me));
        match message["system"]["event"].as_str() {
            Some("created" | "member.added") if names_me => member = true,
            Some("member.removed" | "member.left") if names_me => member = false,
            _ => {}
        }
        if member {
            seqs.push(message["seq"].as_i64().unwrap());
        }
    }
    seqs
}

/// The seqs of the `message.new` frames of the group that `socket` receives until it has been
/// quiet for a while.
async fn received(socket: &mut WsClient, id: &str, expected: usize) -> Vec<i64> {
    let mut seqs = Vec::new();
    loop {
        let wait = if seqs.len() >= expected { QUIET } else { WAIT };
        let Some(frame) = socket.try_next_json(wait).await else {
            return seqs;
        };
        if frame["type"] == "message.new" && frame["message"]["conversationId"] == id {
            seqs.push(frame["message"]["seq"].as_i64().unwrap());
        }
    }
}

#[actix_web::test]
async fn members_coming_and_going_while_messages_flow_get_exactly_what_was_stored_while_they_belonged()
 {
    let stack = spawn_stack(2).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let dave = stack.user("dave").await;
    let erin = stack.user("erin").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut watchers: Vec<(TestUser, WsClient)> = vec![
        (bob.clone(), stack.connect(&bob, 1).await),
        (dave.clone(), stack.connect(&dave, 0).await),
        (dave.clone(), stack.connect(&dave, 1).await),
        (erin.clone(), stack.connect(&erin, 1).await),
    ];
    for (_, socket) in &mut watchers {
        socket.send_json(&json!({"type": "ping"})).await;
        socket.next_of_type("pong", WAIT).await;
    }
    let id = stack.group(&ann, "Churn", &[&bob, &dave]).await;

    // Sends go out without waiting for their acks, so the membership changes (over HTTP, a
    // separate transaction each) land between messages the command consumer is applying.
    const MESSAGES: usize = 120;
    let changes = [
        ("POST", &erin),
        ("DELETE", &dave),
        ("DELETE", &erin),
        ("POST", &dave),
        ("POST", &erin),
        ("DELETE", &dave),
    ];
    let mut change = changes.iter();
    for i in 0..MESSAGES {
        anns.send_json(&group_frame(&format!("c{i}"), &id, &format!("m{i}")))
            .await;
        if i % 20 == 10
            && let Some((method, user)) = change.next()
        {
            let answer = match *method {
                "POST" => {
                    stack
                        .call(
                            &ann,
                            "POST",
                            &format!("/api/messages/conversations/{id}/members"),
                            Some(json!({"userIds": [user.id.to_string()]})),
                        )
                        .await
                }
                _ => {
                    stack
                        .call(&ann, "DELETE", &member_path(&id, user), None)
                        .await
                }
            };
            assert!(answer.status.is_success(), "{method}: {}", answer.body);
        }
    }
    let mut acked = BTreeSet::new();
    while acked.len() < MESSAGES {
        let ack = next(&mut anns, "message.ack").await;
        acked.insert(ack["clientMsgId"].as_str().unwrap().to_owned());
    }

    let history = stack.history(&ann, &id).await;
    let stored: Vec<i64> = history.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        stored,
        (1..=stored.len() as i64).collect::<Vec<_>>(),
        "dense seq"
    );
    for (user, socket) in &mut watchers {
        let expected = seqs_while_member(&history, user);
        let got = received(socket, &id, expected.len()).await;
        assert_eq!(
            got, expected,
            "{}: exactly while a member, in order, once",
            user.username
        );
    }
}
