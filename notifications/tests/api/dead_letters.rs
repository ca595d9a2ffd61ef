//! A poison event on each of notifications' durable queues (an undecodable body, and a
//! well-formed envelope whose data does not fit) lands in notifications' dead-letter queue, and
//! the consumer goes on with the next good event.

use serde_json::json;
use shared::events::{Event, MessageRead, MessageSent, UserRegistered};
use shared::ids::ConversationId;
use shared::testing::TestUser;

use crate::helpers::{WAIT, message, spawn_app};

/// The two kinds of poison for an event with `routing_key`.
fn poisons(routing_key: &str) -> [Vec<u8>; 2] {
    [
        b"\xff{not json at all".to_vec(),
        json!({
            "id": uuid::Uuid::new_v4(),
            "type": routing_key,
            "version": 1,
            "occurredAt": "2026-01-01T00:00:00Z",
            "data": {"message": "not a message", "userId": 42, "seq": "one"},
        })
        .to_string()
        .into_bytes(),
    ]
}

#[actix_web::test]
async fn a_poison_event_on_each_queue_is_dead_lettered_and_the_next_good_one_handled() {
    let app = spawn_app().await;
    let topology = app.infra.topology();
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let queues = [
        (MessageSent::EXCHANGE, MessageSent::ROUTING_KEY),
        (MessageRead::EXCHANGE, MessageRead::ROUTING_KEY),
        (UserRegistered::EXCHANGE, UserRegistered::ROUTING_KEY),
    ];
    let mut poisoned = 0;
    for (exchange, key) in queues {
        for poison in poisons(key) {
            app.infra
                .publish_raw(&topology.exchange(exchange), key, key, &poison)
                .await;
            poisoned += 1;
        }
    }

    // Each consumer goes on: a good event of each kind after the poison is handled.
    app.register_and_wait(&ann).await;
    let conversation = ConversationId::new();
    let sent = message(&ann, &bob, conversation, 1, "after the poison");
    app.sent(&sent).await;
    let stored = app.wait_for_notification(&bob, sent.id).await;
    assert_eq!(stored["senderUsername"], "ann");
    app.read(&bob, conversation, 1).await;
    app.wait_for_page(&bob, "", |page| page["unreadCount"] == 0)
        .await;

    let letters = app
        .infra
        .wait_for_dead_letters("notifications", poisoned, WAIT)
        .await;
    println!("notifications: {poisoned} poison events on 3 queues, all dead-lettered");
    assert!(letters.iter().any(|l| l.starts_with(b"\xff")));
}
