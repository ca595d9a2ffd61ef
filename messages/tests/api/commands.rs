//! How commands are applied: in bursts, in order, and each at most once even when the broker
//! delivers it again.

use shared::chat::{ChatCommand, Emoji, ReactCommand, TypingCommand, VoteCommand};
use shared::events::Vote;
use shared::ids::MessageId;
use shared::testing::eventually;

use crate::helpers::{WAIT, direct_send, spawn_app};

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
async fn runs_of_sends_split_by_other_commands_in_one_batch_each_see_the_one_before() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    app.send(&ann, &bob, 1).await;
    let db = app.infra.db().await;
    let conversation: uuid::Uuid = db
        .query_one("SELECT id FROM conversations", &[])
        .await
        .unwrap()
        .get(0);
    let typing = || {
        ChatCommand::Typing(TypingCommand {
            conversation_id: conversation.into(),
        })
    };
    // One delivery, so one batch: three runs of sends between typing commands, the last send
    // a repeat of the first run's. Each run numbers from where the one before left the
    // conversation, and finds its messages.
    let commands = [
        direct_send(&bob, "first", "ann #1"),
        direct_send(&bob, "second", "ann #2"),
        typing(),
        direct_send(&bob, "third", "ann #3"),
        typing(),
        direct_send(&bob, "first", "ann #1 again"),
    ];
    let envelopes: Vec<serde_json::Value> = commands
        .into_iter()
        .map(|command| {
            let one = app.command(uuid::Uuid::now_v7(), &ann, command);
            serde_json::from_slice(&one.payload).unwrap()
        })
        .collect();
    let mut delivery = app.command(uuid::Uuid::now_v7(), &ann, typing());
    delivery.payload = serde_json::to_vec(&envelopes).unwrap();
    app.publisher.publish_all(&[delivery], WAIT).await.unwrap();

    let rows = eventually("the three new messages to be stored", WAIT, || async {
        let rows = db
            .query("SELECT seq, rev, content FROM messages ORDER BY seq", &[])
            .await
            .ok()?;
        (rows.len() >= 4).then_some(rows)
    })
    .await;
    let stored: Vec<(i64, i64, String)> = rows
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    let expected: Vec<(i64, i64, String)> =
        [(1, "ann #0"), (2, "ann #1"), (3, "ann #2"), (4, "ann #3")]
            .into_iter()
            .map(|(n, content)| (n, n, content.to_owned()))
            .collect();
    assert_eq!(
        stored, expected,
        "dense, in order, the repeat not stored again"
    );
    let (last_seq, rev): (i64, i64) = {
        let row = db
            .query_one("SELECT last_seq, rev FROM conversations", &[])
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!((last_seq, rev), (4, 4));
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

#[actix_web::test]
async fn a_reaction_delivered_twice_does_not_toggle_itself_back() {
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
    let react = |emoji: &str| {
        ChatCommand::React(ReactCommand {
            message_id: MessageId::from(message),
            emoji: Emoji::parse(emoji).unwrap(),
        })
    };
    let twice = uuid::Uuid::now_v7();
    for outgoing in [
        app.command(twice, &ann, react("👍")),
        app.command(twice, &ann, react("👍")),
        app.command(uuid::Uuid::now_v7(), &bob, react("🎉")),
    ] {
        app.publisher
            .publish_all(std::slice::from_ref(&outgoing), WAIT)
            .await
            .unwrap();
    }
    let reactions: Vec<(String, String)> = eventually("bob's reaction to be applied", WAIT, || async {
        let rows = db
            .query(
                "SELECT r.emoji, u.username FROM message_reactions r JOIN users u ON u.id = r.user_id
                 WHERE message_id = $1 ORDER BY r.emoji",
                &[&message],
            )
            .await
            .ok()?;
        let reactions: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        reactions.iter().any(|(_, who)| who == "bob").then_some(reactions)
    })
    .await;
    assert_eq!(
        reactions,
        [("🎉".into(), "bob".into()), ("👍".into(), "ann".into())],
        "ann's reaction stays: the redelivery was recognised and skipped"
    );
}
