//! How commands are applied: in bursts, in order, and each at most once even when the broker
//! delivers it again.

use shared::chat::{ChatCommand, VoteCommand};
use shared::events::Vote;
use shared::ids::MessageId;
use shared::testing::eventually;

use crate::helpers::{WAIT, spawn_app};

#[actix_web::test]
async fn a_burst_of_sends_is_stored_densely_in_the_order_it_was_queued() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    // Published at once, so the consumer takes them in batches of many.
    app.send(&ann, &bob, 500).await;

    let db = app.infra.db().await;
    let rows = db
        .query("SELECT seq, content FROM messages ORDER BY seq", &[])
        .await
        .unwrap();
    let seqs: Vec<i64> = rows.iter().map(|row| row.get(0)).collect();
    assert_eq!(seqs, (1..=500).collect::<Vec<_>>(), "one seq each, no gaps");
    let contents: Vec<String> = rows.iter().map(|row| row.get(1)).collect();
    let expected: Vec<String> = (0..500).map(|i| format!("ann #{i}")).collect();
    assert_eq!(contents, expected, "seq follows the order of the queue");
    let unread: i64 = db
        .query_one(
            "SELECT unread_count FROM conversation_members WHERE user_id = $1",
            &[&bob.id.as_uuid()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(unread, 500);
}

#[actix_web::test]
async fn a_command_delivered_twice_is_applied_once() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    app.send(&ann, &bob, 1).await;
    let db = app.infra.db().await;
    let message: uuid::Uuid = db
        .query_one("SELECT id FROM messages", &[])
        .await
        .unwrap()
        .get(0);
    let message_id = MessageId::from(message);

    // The same envelope twice, as after a crash between commit and ack: a vote applied twice
    // would withdraw itself. Then bob's vote, which is applied after both.
    let upvote = uuid::Uuid::now_v7();
    let commands = [
        app.command(
            upvote,
            &ann,
            ChatCommand::Vote(VoteCommand {
                message_id,
                vote: Vote::Up,
            }),
        ),
        app.command(
            upvote,
            &ann,
            ChatCommand::Vote(VoteCommand {
                message_id,
                vote: Vote::Up,
            }),
        ),
        app.command(
            uuid::Uuid::now_v7(),
            &bob,
            ChatCommand::Vote(VoteCommand {
                message_id,
                vote: Vote::Down,
            }),
        ),
    ];
    for outgoing in &commands {
        // One by one, so that they arrive in separate batches as well as possibly together.
        app.publisher
            .publish_all(std::slice::from_ref(outgoing), WAIT)
            .await
            .unwrap();
    }
    let (up, down): (i64, i64) = eventually("bob's vote to be applied", WAIT, || async {
        let row = db
            .query_one(
                "SELECT up_votes, down_votes FROM messages WHERE id = $1",
                &[&message],
            )
            .await
            .ok()?;
        let (up, down): (i64, i64) = (row.get(0), row.get(1));
        (down == 1).then_some((up, down))
    })
    .await;
    assert_eq!((up, down), (1, 1), "ann's vote counted once, not withdrawn");
    let votes: i64 = db
        .query_one("SELECT count(*) FROM message_votes", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(votes, 2);
}
