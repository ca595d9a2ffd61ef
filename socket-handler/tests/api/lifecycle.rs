//! The message lifecycle on live sockets (contract section 7): replies, edits with their
//! history, deletes that leave a tombstone, reactions with each member's own `mine`, and the
//! change feed that lets a client that was away apply exactly what changed.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use shared::testing::{TestUser, WsClient};

use crate::helpers::{Stack, WAIT, group_frame, send_frame, spawn_stack};

/// Long enough for a frame that should not come to have come.
const QUIET: Duration = Duration::from_millis(400);

fn edit(message: &Value, content: &str) -> Value {
    json!({"type": "message.edit", "messageId": message["id"], "content": content})
}

fn delete(message: &Value) -> Value {
    json!({"type": "message.delete", "messageId": message["id"]})
}

fn react(message: &Value, emoji: &str) -> Value {
    json!({"type": "message.react", "messageId": message["id"], "emoji": emoji})
}

/// Sends `content` into `conversation` from `socket`; the stored message.
async fn say(socket: &mut WsClient, conversation: &str, id: &str, content: &str) -> Value {
    socket
        .send_json(&group_frame(id, conversation, content))
        .await;
    socket.next_of_type("message.ack", WAIT).await["message"].clone()
}

/// A group of ann (owner), bob (admin) and carol, each connected (bob on the second node), and
/// dave outside it.
struct Scene {
    stack: Stack,
    ann: TestUser,
    bob: TestUser,
    carol: TestUser,
    dave: TestUser,
    anns: WsClient,
    bobs: WsClient,
    carols: WsClient,
    daves: WsClient,
    id: String,
}

async fn scene() -> Scene {
    let stack = spawn_stack(2).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let carol = stack.user("carol").await;
    let dave = stack.user("dave").await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 1).await;
    let mut carols = stack.connect(&carol, 0).await;
    let mut daves = stack.connect(&dave, 1).await;
    for socket in [&mut anns, &mut bobs, &mut carols, &mut daves] {
        socket.send_json(&json!({"type": "ping"})).await;
        socket.next_of_type("pong", WAIT).await;
    }
    let id = stack.group(&ann, "Life", &[&bob, &carol]).await;
    let promoted = stack
        .call(
            &ann,
            "PUT",
            &format!("/api/messages/conversations/{id}/members/{}/role", bob.id),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(promoted.status, 200);
    Scene {
        stack,
        ann,
        bob,
        carol,
        dave,
        anns,
        bobs,
        carols,
        daves,
        id,
    }
}

async fn updated(socket: &mut WsClient, message: &Value) -> Value {
    loop {
        let frame = socket.next_of_type("message.updated", WAIT).await;
        if frame["message"]["id"] == message["id"] {
            return frame["message"].clone();
        }
    }
}

/// The last `message.updated` of `message` once `socket` has been quiet for a while (earlier
/// changes' frames are skipped).
async fn settled(socket: &mut WsClient, message: &Value) -> Value {
    let mut last = updated(socket, message).await;
    while let Some(frame) = socket.try_next_json(QUIET).await {
        if frame["type"] == "message.updated" && frame["message"]["id"] == message["id"] {
            last = frame["message"].clone();
        }
    }
    last
}

async fn error(socket: &mut WsClient) -> String {
    socket.next_of_type("error", WAIT).await["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn a_reply_carries_a_preview_of_its_message_which_empties_when_that_one_is_deleted() {
    let mut s = scene().await;
    let original = say(&mut s.anns, &s.id, "o", &"long words ".repeat(20)).await;
    s.carols
        .send_json(
            &json!({"type": "message.send", "clientMsgId": "r", "conversationId": s.id,
            "content": "agreed", "replyTo": original["id"]}),
        )
        .await;
    let reply = s.carols.next_of_type("message.ack", WAIT).await["message"].clone();
    assert_eq!(reply["replyTo"]["id"], original["id"]);
    assert_eq!(reply["replyTo"]["seq"], original["seq"]);
    assert_eq!(reply["replyTo"]["senderId"], s.ann.id.to_string());
    assert_eq!(
        reply["replyTo"]["preview"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        100
    );

    // A reply to a message of another conversation is refused.
    s.daves.send_json(&send_frame("dm", &s.carol, "hi")).await;
    let elsewhere = s.daves.next_of_type("message.ack", WAIT).await["message"].clone();
    s.carols
        .send_json(
            &json!({"type": "message.send", "clientMsgId": "x", "conversationId": s.id,
            "content": "no", "replyTo": elsewhere["id"]}),
        )
        .await;
    assert_eq!(error(&mut s.carols).await, "invalid_field");

    s.anns.send_json(&delete(&original)).await;
    updated(&mut s.anns, &original).await;
    let history = s.stack.history(&s.carol, &s.id).await;
    let kept = history.iter().find(|m| m["id"] == reply["id"]).unwrap();
    assert_eq!(kept["replyTo"]["id"], original["id"], "the link stays");
    assert_eq!(kept["replyTo"]["preview"], "", "with an empty preview");
}

#[actix_web::test]
async fn only_the_sender_edits_earlier_versions_are_kept_and_a_tombstone_cannot_be_edited() {
    let mut s = scene().await;
    let message = say(&mut s.anns, &s.id, "e", "first").await;
    s.bobs.send_json(&edit(&message, "hijacked")).await;
    assert_eq!(error(&mut s.bobs).await, "forbidden");
    s.daves.send_json(&edit(&message, "outsider")).await;
    assert_eq!(error(&mut s.daves).await, "not_found");
    s.anns.send_json(&edit(&message, "   ")).await;
    assert_eq!(error(&mut s.anns).await, "invalid_field");

    s.anns.send_json(&edit(&message, "second")).await;
    s.anns.send_json(&edit(&message, "third")).await;
    for socket in [&mut s.bobs, &mut s.carols] {
        let first = updated(socket, &message).await;
        assert_eq!(first["content"], "second");
        let now = updated(socket, &message).await;
        assert_eq!(now["content"], "third");
        assert!(now["editedAt"].is_string());
        assert_eq!(
            (now["id"].clone(), now["seq"].clone()),
            (message["id"].clone(), message["seq"].clone())
        );
        assert!(now["rev"].as_i64() > message["rev"].as_i64());
    }
    s.daves.assert_silent(QUIET).await;
    let path = format!(
        "/api/messages/messages/{}/revisions",
        message["id"].as_str().unwrap()
    );
    let (status, revisions) = s.stack.get(&s.carol, &path).await;
    assert_eq!(status, 200);
    let versions: Vec<(&str, bool)> = revisions["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["content"].as_str().unwrap(), r["editedAt"].is_null()))
        .collect();
    assert_eq!(
        versions,
        [("first", true), ("second", false)],
        "the original first"
    );
    assert_eq!(s.stack.get(&s.dave, &path).await.0, 404);

    // An edit changes no unread count.
    let (_, group) = s
        .stack
        .get(&s.carol, &format!("/api/messages/conversations/{}", s.id))
        .await;
    assert_eq!(group["conversation"]["unreadCount"], 1);

    s.anns.send_json(&delete(&message)).await;
    updated(&mut s.anns, &message).await;
    s.anns.send_json(&edit(&message, "resurrected")).await;
    assert_eq!(error(&mut s.anns).await, "forbidden");
    // A system message is nobody's to change.
    let history = s.stack.history(&s.ann, &s.id).await;
    s.anns.send_json(&edit(&history[0], "rewritten")).await;
    assert_eq!(error(&mut s.anns).await, "forbidden");
    s.anns.send_json(&delete(&history[0])).await;
    assert_eq!(error(&mut s.anns).await, "forbidden");
}

#[actix_web::test]
async fn deletes_follow_the_role_table_and_leave_a_tombstone_that_no_longer_counts_as_unread() {
    let mut s = scene().await;
    let by_carol = say(&mut s.carols, &s.id, "c", "member's").await;
    let by_ann = say(&mut s.anns, &s.id, "a", "owner's").await;
    let by_bob = say(&mut s.bobs, &s.id, "b", "admin's").await;
    s.anns.send_json(&react(&by_carol, "👍")).await;
    s.bobs
        .send_json(&json!({"type": "message.vote", "messageId": by_carol["id"], "vote": "up"}))
        .await;
    // Ann's reaction and Bob's vote come from two sockets at once: either may be applied first.
    let mut pending = vec!["message.updated", "message.votes"];
    while !pending.is_empty() {
        let frame = s.carols.next_json(WAIT).await;
        pending.retain(|kind| frame["type"] != *kind);
    }

    // A member deletes only their own; an admin a member's but not the owner's or another
    // admin's; nobody outside it anything.
    s.carols.send_json(&delete(&by_ann)).await;
    assert_eq!(error(&mut s.carols).await, "forbidden");
    s.bobs.send_json(&delete(&by_ann)).await;
    assert_eq!(error(&mut s.bobs).await, "forbidden");
    s.daves.send_json(&delete(&by_carol)).await;
    assert_eq!(error(&mut s.daves).await, "not_found");

    let (_, before) = s
        .stack
        .get(&s.ann, &format!("/api/messages/conversations/{}", s.id))
        .await;
    s.bobs.send_json(&delete(&by_carol)).await;
    for socket in [&mut s.anns, &mut s.bobs, &mut s.carols] {
        let tombstone = settled(socket, &by_carol).await;
        assert_eq!(tombstone["content"], "");
        assert!(tombstone["deletedAt"].is_string());
        assert_eq!(tombstone["seq"], by_carol["seq"]);
        assert_eq!(tombstone["reactions"], json!([]));
        assert_eq!(
            (
                tombstone["votes"]["up"].as_i64(),
                tombstone["votes"]["down"].as_i64()
            ),
            (Some(0), Some(0))
        );
    }
    let (_, after) = s
        .stack
        .get(&s.ann, &format!("/api/messages/conversations/{}", s.id))
        .await;
    assert_eq!(
        after["conversation"]["unreadCount"].as_i64().unwrap(),
        before["conversation"]["unreadCount"].as_i64().unwrap() - 1,
        "ann had not read it"
    );
    s.anns.send_json(&delete(&by_bob)).await;
    assert_eq!(updated(&mut s.anns, &by_bob).await["content"], "");
    // Deleting a tombstone again changes nothing.
    s.anns.send_json(&delete(&by_bob)).await;
    s.anns.assert_silent(QUIET).await;
    let history = s.stack.history(&s.carol, &s.id).await;
    let seqs: Vec<i64> = history.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "tombstones keep seq dense"
    );
}

#[actix_web::test]
async fn reactions_toggle_with_each_members_own_mine_and_refuse_text_and_a_21st_emoji() {
    let mut s = scene().await;
    let message = say(&mut s.anns, &s.id, "m", "react to me").await;
    s.bobs.send_json(&react(&message, "🎉")).await;
    let to_bob = updated(&mut s.bobs, &message).await;
    assert_eq!(
        to_bob["reactions"],
        json!([{"emoji": "🎉", "count": 1, "mine": true}])
    );
    let to_ann = updated(&mut s.anns, &message).await;
    assert_eq!(
        to_ann["reactions"],
        json!([{"emoji": "🎉", "count": 1, "mine": false}])
    );
    s.daves.assert_silent(QUIET).await;
    // Who reacted: members see the names, everyone else a 404 as for no message at all.
    let path = reactors_path(&message);
    let (status, reactors) = s.stack.get(&s.ann, &path).await;
    assert_eq!(status, 200);
    assert_eq!(
        reactors["reactions"],
        json!([{"emoji": "🎉", "count": 1, "mine": false,
                "users": [{"id": s.bob.id, "username": s.bob.username}]}])
    );
    assert_eq!(
        s.stack.get(&s.bob, &path).await.1["reactions"][0]["mine"],
        true
    );
    assert_eq!(s.stack.get(&s.dave, &path).await.0, 404);
    let nowhere = json!({"id": uuid::Uuid::new_v4()});
    assert_eq!(s.stack.get(&s.ann, &reactors_path(&nowhere)).await.0, 404);
    // An id that cannot exist is not found either.
    let (status, _) = s
        .stack
        .get(&s.ann, "/api/messages/messages/not-an-id/reactions")
        .await;
    assert_eq!(status, 404);
    // Toggled back by the same reaction again.
    s.bobs.send_json(&react(&message, "🎉")).await;
    assert_eq!(updated(&mut s.bobs, &message).await["reactions"], json!([]));

    for bad in ["lol", "👍👍", &"🙂".repeat(40), ""] {
        s.carols.send_json(&react(&message, bad)).await;
        assert_eq!(error(&mut s.carols).await, "invalid_field", "{bad:?}");
    }
    let twenty = [
        "😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂", "🙂", "🙃", "😉", "😊", "😇", "🥰", "😍",
        "🤩", "😘", "😗", "😚", "😙",
    ];
    for emoji in twenty {
        s.carols.send_json(&react(&message, emoji)).await;
        updated(&mut s.carols, &message).await;
    }
    s.carols.send_json(&react(&message, "🚀")).await;
    assert_eq!(error(&mut s.carols).await, "invalid_field");
    // One more of an emoji already there is fine.
    s.anns.send_json(&react(&message, "😀")).await;
    let now = settled(&mut s.anns, &message).await;
    assert_eq!(now["reactions"].as_array().unwrap().len(), 20);
    assert_eq!(
        now["reactions"][0],
        json!({"emoji": "😀", "count": 2, "mine": true})
    );
    // Reactors listed in the order of the reactions, each emoji's in the order they reacted.
    let (_, reactors) = s.stack.get(&s.ann, &path).await;
    let listed = reactors["reactions"].as_array().unwrap();
    assert_eq!(listed.len(), 20);
    assert_eq!(
        listed[0],
        json!({"emoji": "😀", "count": 2, "mine": true, "users": [
            {"id": s.carol.id, "username": s.carol.username},
            {"id": s.ann.id, "username": s.ann.username},
        ]})
    );
    let emoji: Vec<&Value> = listed.iter().map(|r| &r["emoji"]).collect();
    let counted: Vec<&Value> = now["reactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["emoji"])
        .collect();
    assert_eq!(emoji, counted, "the same order as the message's reactions");
}

fn reactors_path(message: &Value) -> String {
    format!(
        "/api/messages/messages/{}/reactions",
        message["id"].as_str().unwrap()
    )
}

/// What a client holds of a conversation: each message by id, as last seen.
fn by_id(messages: &[Value]) -> BTreeMap<String, Value> {
    messages
        .iter()
        .map(|m| (m["id"].as_str().unwrap().to_owned(), m.clone()))
        .collect()
}

#[actix_web::test]
async fn a_client_that_was_away_applies_the_change_feed_and_holds_what_a_fresh_load_shows() {
    let mut s = scene().await;
    for i in 0..5 {
        say(&mut s.anns, &s.id, &format!("s{i}"), &format!("before {i}")).await;
    }
    // carol goes away holding everything up to now.
    let held = s.stack.history(&s.carol, &s.id).await;
    let rev = held
        .iter()
        .map(|m| m["rev"].as_i64().unwrap())
        .max()
        .unwrap();
    drop(s.carols);

    let new = say(&mut s.anns, &s.id, "n1", "while you were away").await;
    let typo = say(&mut s.bobs, &s.id, "n2", "typo").await;
    s.bobs.send_json(&edit(&typo, "fixed")).await;
    s.anns.send_json(&edit(&held[2], "before 0, edited")).await;
    s.anns.send_json(&delete(&held[3])).await;
    s.bobs.send_json(&react(&held[4], "👀")).await;
    s.bobs
        .send_json(&json!({"type": "message.vote", "messageId": held[5]["id"], "vote": "down"}))
        .await;
    s.anns.send_json(&react(&new, "🔥")).await;
    let renamed = s
        .stack
        .call(
            &s.ann,
            "PATCH",
            &format!("/api/messages/conversations/{}", s.id),
            Some(json!({"name": "Life 2"})),
        )
        .await;
    assert_eq!(renamed.status, 200);
    // Wait until every change has been applied (its frame reached ann): commands from two
    // sockets may be applied in either order.
    let mut pending: Vec<(&str, &Value)> = vec![
        ("message.updated", &typo["id"]),
        ("message.updated", &held[2]["id"]),
        ("message.updated", &held[3]["id"]),
        ("message.updated", &held[4]["id"]),
        ("message.votes", &held[5]["id"]),
        ("message.updated", &new["id"]),
    ];
    while !pending.is_empty() {
        let frame = s.anns.next_json(WAIT).await;
        let id = frame["message"]["id"].clone();
        let id = if id.is_null() {
            frame["messageId"].clone()
        } else {
            id
        };
        pending.retain(|(kind, wanted)| !(frame["type"] == *kind && id == **wanted));
    }

    let mut changes = Vec::new();
    let mut since = rev;
    loop {
        let (status, page) = s
            .stack
            .get(
                &s.carol,
                &format!(
                    "/api/messages/conversations/{}/changes?since={since}&limit=3",
                    s.id
                ),
            )
            .await;
        assert_eq!(status, 200, "{page}");
        let messages = page["messages"].as_array().unwrap().clone();
        let revs: Vec<i64> = messages
            .iter()
            .map(|m| m["rev"].as_i64().unwrap())
            .collect();
        assert!(
            revs.windows(2).all(|w| w[0] < w[1]),
            "in rev order: {revs:?}"
        );
        assert!(revs.iter().all(|r| *r > since));
        since = page["rev"].as_i64().unwrap();
        changes.extend(messages);
        if page["hasMore"] == false {
            break;
        }
    }
    let ids: Vec<&str> = changes.iter().map(|m| m["id"].as_str().unwrap()).collect();
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "each changed message once");
    // 3 new (two messages, one of them edited since, and the rename's system message), and
    // one each edited, deleted, reacted to and voted on.
    assert_eq!(changes.len(), 7, "{ids:?}");

    let mut applied = by_id(&held);
    for message in &changes {
        applied.insert(message["id"].as_str().unwrap().to_owned(), message.clone());
    }
    let fresh = by_id(&s.stack.history(&s.carol, &s.id).await);
    assert_eq!(
        applied, fresh,
        "the feed applied gives what a fresh load shows"
    );
    // Nothing further: asking again from the new rev is empty and keeps the rev.
    let (_, again) = s
        .stack
        .get(
            &s.carol,
            &format!("/api/messages/conversations/{}/changes?since={since}", s.id),
        )
        .await;
    assert_eq!(
        (
            again["messages"].as_array().unwrap().len(),
            again["rev"].as_i64()
        ),
        (0, Some(since))
    );
    let outsider = s
        .stack
        .get(
            &s.dave,
            &format!("/api/messages/conversations/{}/changes?since=0", s.id),
        )
        .await;
    assert_eq!(outsider.0, 404);
}

#[actix_web::test]
async fn hundreds_of_concurrent_reactions_from_both_nodes_end_with_exact_counts_everywhere() {
    let mut s = scene().await;
    let message = say(&mut s.anns, &s.id, "hot", "react fast").await;
    let emoji = ["👍", "❤️", "😂"];
    // 3 users × 3 emoji, toggled many times without waiting: each ends on if toggled an odd
    // number of times.
    let mut toggles: BTreeMap<(String, &str), usize> = BTreeMap::new();
    let mut sent = 0;
    for round in 0..67 {
        for (who, socket) in [
            ("ann", &mut s.anns),
            ("bob", &mut s.bobs),
            ("carol", &mut s.carols),
        ] {
            let e = emoji[(round + who.len()) % 3];
            socket.send_json(&react(&message, e)).await;
            *toggles.entry((who.to_owned(), e)).or_default() += 1;
            sent += 1;
        }
    }
    assert!(sent >= 200);
    let mut expected: BTreeMap<&str, i64> = BTreeMap::new();
    for ((_, e), n) in &toggles {
        if n % 2 == 1 {
            *expected.entry(e).or_default() += 1;
        }
    }
    // Every toggle is answered by one message.updated to everyone (2 nodes): read them all.
    let mut last = Value::Null;
    for _ in 0..sent {
        last = updated(&mut s.anns, &message).await;
    }
    let counts = |m: &Value| -> BTreeMap<String, i64> {
        m["reactions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["emoji"].as_str().unwrap().to_owned(),
                    r["count"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let expected: BTreeMap<String, i64> = expected
        .into_iter()
        .map(|(e, n)| (e.to_owned(), n))
        .collect();
    assert_eq!(counts(&last), expected, "the last frame");
    let history = s.stack.history(&s.bob, &s.id).await;
    let stored = history.iter().find(|m| m["id"] == message["id"]).unwrap();
    assert_eq!(counts(stored), expected, "history");
    let db = s.stack.messages_db().await;
    let rows: Vec<(String, i64)> = db
        .query(
            "SELECT emoji, count(*) FROM message_reactions WHERE message_id = $1 GROUP BY emoji",
            &[&message["id"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .unwrap()],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        rows.into_iter().collect::<BTreeMap<_, _>>(),
        expected,
        "Postgres"
    );
}
