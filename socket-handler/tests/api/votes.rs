//! Votes: one per user per message, toggled and switched, consistent under concurrency in
//! Postgres, in Redis, in history and in the frames each participant sees.

use serde_json::{Value, json};
use shared::events::MessageVoted;

use crate::helpers::{Stack, WAIT, send_frame, spawn_stack};

fn vote_frame(message: &Value, vote: &str) -> Value {
    json!({"type": "message.vote", "messageId": message["id"], "vote": vote})
}

async fn one_message(
    stack: &Stack,
    ann: &shared::testing::TestUser,
    bob: &shared::testing::TestUser,
) -> (shared::testing::WsClient, shared::testing::WsClient, Value) {
    let mut anns = stack.connect(ann, 0).await;
    let mut bobs = stack.connect(bob, stack.nodes.len() - 1).await;
    anns.send_json(&send_frame("v", bob, "vote on me")).await;
    let message = anns.next_of_type("message.ack", WAIT).await["message"].clone();
    bobs.next_of_type("message.new", WAIT).await;
    (anns, bobs, message)
}

#[actix_web::test]
async fn the_same_vote_again_withdraws_it_and_the_other_one_switches_it() {
    let stack = spawn_stack(1).await;
    let mut voted = stack.infra.probe::<MessageVoted>().await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let (mut anns, mut bobs, message) = one_message(&stack, &ann, &bob).await;

    for (sent, up, down, mine) in [
        ("up", 1, 0, json!("up")),
        ("up", 0, 0, Value::Null),
        ("down", 0, 1, json!("down")),
        ("up", 1, 0, json!("up")),
    ] {
        bobs.send_json(&vote_frame(&message, sent)).await;
        let to_bob = bobs.next_of_type("message.votes", WAIT).await;
        assert_eq!(
            (
                to_bob["up"].clone(),
                to_bob["down"].clone(),
                to_bob["mine"].clone()
            ),
            (json!(up), json!(down), mine)
        );
        assert_eq!(to_bob["messageId"], message["id"]);
        assert_eq!(to_bob["conversationId"], message["conversationId"]);
        let to_ann = anns.next_of_type("message.votes", WAIT).await;
        assert_eq!(
            (
                to_ann["up"].clone(),
                to_ann["down"].clone(),
                to_ann["mine"].clone()
            ),
            (json!(up), json!(down), Value::Null)
        );
        let event = voted.next(WAIT).await;
        assert_eq!((event.data.up, event.data.down), (up, down));
        assert_eq!(event.data.voter_id, bob.id);
    }

    let (_, history) = stack
        .get(&bob, &format!("/api/messages/with/{}", ann.id))
        .await;
    assert_eq!(
        history["messages"][0]["votes"],
        json!({"up": 1, "down": 0, "mine": "up"})
    );
    let (_, history) = stack
        .get(&ann, &format!("/api/messages/with/{}", bob.id))
        .await;
    assert_eq!(
        history["messages"][0]["votes"],
        json!({"up": 1, "down": 0, "mine": null})
    );
}

#[actix_web::test]
async fn someone_outside_the_conversation_can_neither_vote_nor_see_votes() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let carol = stack.user("carol").await;
    let (mut anns, _bobs, message) = one_message(&stack, &ann, &bob).await;
    let mut carols = stack.connect(&carol, 0).await;
    carols.send_json(&vote_frame(&message, "down")).await;
    assert_eq!(
        carols.next_of_type("error", WAIT).await["code"],
        "not_found"
    );
    carols
        .send_json(
            &json!({"type": "message.vote", "messageId": uuid::Uuid::now_v7(), "vote": "up"}),
        )
        .await;
    assert_eq!(
        carols.next_of_type("error", WAIT).await["code"],
        "not_found"
    );
    anns.assert_silent(std::time::Duration::from_millis(300))
        .await;
    let (status, _) = stack
        .get(
            &carol,
            &format!(
                "/api/messages/conversations/{}/messages",
                message["conversationId"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(status, 404);
}

/// What a user's sequence of votes leaves: the same again withdraws, the other switches.
fn surviving(votes: &[&str]) -> Option<&'static str> {
    let mut state: Option<&'static str> = None;
    for vote in votes {
        let vote = if *vote == "up" { "up" } else { "down" };
        state = if state == Some(vote) {
            None
        } else {
            Some(vote)
        };
    }
    state
}

#[actix_web::test]
async fn hundreds_of_concurrent_votes_across_two_nodes_end_consistent_everywhere() {
    let stack = spawn_stack(2).await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let (mut anns, mut bobs, message) = one_message(&stack, &ann, &bob).await;

    // A fixed but irregular pattern of ups and downs for each user.
    let pattern = |seed: usize, n: usize| -> Vec<&'static str> {
        (0..n)
            .map(|i| {
                if (i * 7 + seed * 3 + i / 5).is_multiple_of(3) {
                    "down"
                } else {
                    "up"
                }
            })
            .collect()
    };
    let anns_votes = pattern(1, 150);
    let bobs_votes = pattern(2, 151);
    let (ann_sender, bob_sender) = futures_util::join!(
        async {
            for vote in &anns_votes {
                anns.send_json(&vote_frame(&message, vote)).await;
            }
            anns
        },
        async {
            for vote in &bobs_votes {
                bobs.send_json(&vote_frame(&message, vote)).await;
            }
            bobs
        }
    );
    let (mut anns, mut bobs) = (ann_sender, bob_sender);

    let expected = [surviving(&anns_votes), surviving(&bobs_votes)];
    let up = expected.iter().filter(|v| **v == Some("up")).count() as i64;
    let down = expected.iter().filter(|v| **v == Some("down")).count() as i64;
    let total = anns_votes.len() + bobs_votes.len();

    for (socket, mine) in [(&mut anns, expected[0]), (&mut bobs, expected[1])] {
        let mut last = Value::Null;
        for _ in 0..total {
            last = socket.next_of_type("message.votes", WAIT).await;
        }
        assert_eq!(last["up"], up, "the last frame has the final counts");
        assert_eq!(last["down"], down);
        assert_eq!(last["mine"], json!(mine));
    }

    let db = stack.messages_db().await;
    let id: uuid::Uuid = message["id"].as_str().unwrap().parse().unwrap();
    let row = db
        .query_one(
            "SELECT up_votes, down_votes FROM messages WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(
        (row.get::<_, i64>(0), row.get::<_, i64>(1)),
        (up, down),
        "Postgres counters"
    );
    let counted = db
        .query_one("SELECT count(*) FILTER (WHERE vote = 1), count(*) FILTER (WHERE vote = -1) FROM message_votes WHERE message_id = $1", &[&id])
        .await
        .unwrap();
    assert_eq!(
        (counted.get::<_, i64>(0), counted.get::<_, i64>(1)),
        (up, down),
        "Postgres votes"
    );

    let mut redis = stack.infra.cache().connection();
    let key = stack.infra.cache().key(format_args!("votes:{id}"));
    let cached: (i64, i64) = redis::cmd("HMGET")
        .arg(&key)
        .arg("up")
        .arg("down")
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(cached, (up, down), "Redis");

    let (_, history) = stack
        .get(&ann, &format!("/api/messages/with/{}", bob.id))
        .await;
    assert_eq!(
        history["messages"][0]["votes"],
        json!({"up": up, "down": down, "mine": expected[0]})
    );

    // Redis loses everything: the counts are rebuilt from Postgres, correctly.
    let _: () = redis::cmd("DEL")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .unwrap();
    let (_, history) = stack
        .get(&bob, &format!("/api/messages/with/{}", ann.id))
        .await;
    assert_eq!(
        history["messages"][0]["votes"],
        json!({"up": up, "down": down, "mine": expected[1]})
    );
    let rebuilt: (i64, i64) = redis::cmd("HMGET")
        .arg(&key)
        .arg("up")
        .arg("down")
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(rebuilt, (up, down), "rebuilt in Redis");
}
