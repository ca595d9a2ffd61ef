//! A poison message on each of messages' queues (the chat commands and `user.registered`): an
//! undecodable body and a well-formed envelope whose payload does not fit each land in messages'
//! dead-letter queue, and the consumer goes on with the next good one.

use serde_json::json;
use shared::events::{Event, UserRegistered};

use crate::helpers::{WAIT, spawn_app};

#[actix_web::test]
async fn a_poison_message_on_each_queue_is_dead_lettered_and_the_next_good_one_handled() {
    let app = spawn_app().await;
    let topology = app.infra.topology();
    let commands = topology.chat_commands_queue().name;
    let registered = topology
        .event_queue(
            "messages",
            UserRegistered::EXCHANGE,
            UserRegistered::ROUTING_KEY,
        )
        .name;
    app.infra.wait_for_consumer(&commands, WAIT).await;
    app.infra.wait_for_consumer(&registered, WAIT).await;

    let bad_command = json!({
        "id": uuid::Uuid::new_v4(),
        "userId": uuid::Uuid::new_v4(),
        "username": "mallory",
        "origin": {"node": "nowhere", "connection": 1},
        "command": {"type": "send", "clientMsgId": 7, "to": "not-a-uuid", "content": ["x"]},
    });
    for poison in [
        b"\x00\x01 not json".to_vec(),
        bad_command.to_string().into_bytes(),
    ] {
        app.infra
            .publish_raw("", &commands, "chat.command", &poison)
            .await;
    }
    let bad_event = json!({
        "id": uuid::Uuid::new_v4(),
        "type": UserRegistered::ROUTING_KEY,
        "version": 1,
        "occurredAt": "2026-01-01T00:00:00Z",
        "data": {"userId": 12, "username": null},
    });
    for poison in [b"{{{{".to_vec(), bad_event.to_string().into_bytes()] {
        app.infra
            .publish_raw(
                &topology.exchange(UserRegistered::EXCHANGE),
                UserRegistered::ROUTING_KEY,
                UserRegistered::ROUTING_KEY,
                &poison,
            )
            .await;
    }

    // Both consumers go on: users are recorded, and a command is applied.
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    app.send(&ann, &bob, 3).await;

    app.infra.wait_for_dead_letters("messages", 4, WAIT).await;
    println!("messages: 4 poison messages on 2 queues, all dead-lettered");
}
