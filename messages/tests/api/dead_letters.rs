//! A poison message on each of messages' queues (both chat commands queues and `user.registered`): an
//! undecodable body and a well-formed envelope whose payload does not fit each land in messages'
//! dead-letter queue, and the consumer goes on with the next good one.

use serde_json::json;
use shared::events::{Event, UserRegistered};

use crate::helpers::{WAIT, spawn_app, spawn_app_on};

#[actix_web::test]
async fn a_poison_message_on_each_queue_is_dead_lettered_and_the_next_good_one_handled() {
    let app = spawn_app().await;
    let topology = app.infra.topology();
    let commands = [
        topology.chat_commands_queue().name,
        topology.chat_sends_queue().name,
    ];
    let registered = topology
        .event_queue(
            "messages",
            UserRegistered::EXCHANGE,
            UserRegistered::ROUTING_KEY,
        )
        .name;
    for queue in &commands {
        app.infra.wait_for_consumer(queue, WAIT).await;
    }
    app.infra.wait_for_consumer(&registered, WAIT).await;

    let bad_command = json!({
        "id": uuid::Uuid::new_v4(),
        "userId": uuid::Uuid::new_v4(),
        "username": "mallory",
        "origin": {"node": "nowhere", "connection": 1},
        "command": {"type": "send", "clientMsgId": 7, "to": "not-a-uuid", "content": ["x"]},
    });
    for queue in &commands {
        for poison in [
            b"\x00\x01 not json".to_vec(),
            bad_command.to_string().into_bytes(),
        ] {
            app.infra
                .publish_raw("", queue, "chat.command", &poison)
                .await;
        }
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

    app.infra.wait_for_dead_letters("messages", 6, WAIT).await;
    println!("messages: 6 poison messages on 3 queues, all dead-lettered");
}

#[actix_web::test]
async fn an_empty_commands_queue_left_with_other_arguments_by_an_earlier_version_is_recreated() {
    use lapin::options::{QueueDeclareOptions, QueueDeleteOptions};
    use lapin::types::{AMQPValue, FieldTable};

    let infra = shared::testing::TestInfra::new("messages").await;
    let commands = infra.topology().chat_commands_queue().name;
    let channel = infra.amqp().channel(WAIT).await.unwrap();
    // The test's infrastructure declared today's queue already: replace it with yesterday's.
    channel
        .queue_delete(commands.clone().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
    let mut unbounded = FieldTable::default();
    unbounded.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    channel
        .queue_declare(
            commands.clone().into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            unbounded,
        )
        .await
        .unwrap();

    let app = spawn_app_on(infra, |_| {}).await;
    app.infra.wait_for_consumer(&commands, WAIT).await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    app.send(&ann, &bob, 2).await;
}
