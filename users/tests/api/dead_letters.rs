//! A poison event on each of users' durable queues (an undecodable body, and a well-formed
//! envelope whose data does not fit) lands in users' dead-letter queue, and the consumer goes on
//! with the next good event.

use serde_json::json;
use shared::events::{Event, UserOffline, UserOnline, UserRegistered};

use crate::helpers::{WAIT, now, spawn_app};

#[actix_web::test]
async fn a_poison_event_on_each_queue_is_dead_lettered_and_the_next_good_one_handled() {
    let app = spawn_app().await;
    let topology = app.infra.topology();
    let queues = [
        (UserRegistered::EXCHANGE, UserRegistered::ROUTING_KEY),
        (UserOnline::EXCHANGE, UserOnline::ROUTING_KEY),
        (UserOffline::EXCHANGE, UserOffline::ROUTING_KEY),
    ];
    let mut poisoned = 0;
    for (exchange, key) in queues {
        let bad_envelope = json!({
            "id": uuid::Uuid::new_v4(),
            "type": key,
            "version": 1,
            "occurredAt": "2026-01-01T00:00:00Z",
            "data": {"userId": "not-a-uuid", "username": ["x"], "at": "yesterday"},
        });
        for poison in [
            b"{\"truncated\": ".to_vec(),
            bad_envelope.to_string().into_bytes(),
        ] {
            app.infra
                .publish_raw(&topology.exchange(exchange), key, key, &poison)
                .await;
            poisoned += 1;
        }
    }

    // Each consumer goes on: registered, then online, then offline again.
    let user = app.register("survivor").await;
    app.wait_for_user(user.id, |body| body["status"] == "offline")
        .await;
    app.online(&user, now()).await;
    app.wait_for_user(user.id, |body| body["status"] == "online")
        .await;
    app.offline(&user, now()).await;
    app.wait_for_user(user.id, |body| body["status"] == "offline")
        .await;

    app.infra
        .wait_for_dead_letters("users", poisoned, WAIT)
        .await;
    println!("users: {poisoned} poison events on 3 queues, all dead-lettered");
}
