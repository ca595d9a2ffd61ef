use std::time::Duration;

use shared::auth::CurrentUser;
use shared::events::{UserOffline, UserOnline};
use shared::socket::{Presence, PresenceTiming};
use shared::testing::TestUser;

use crate::helpers::{WAIT, spawn_app, spawn_app_with};

#[actix_web::test]
async fn the_first_socket_announces_online_and_the_last_announces_offline() {
    let app = spawn_app().await;
    let mut online = app.infra.probe::<UserOnline>().await;
    let mut offline = app.infra.probe::<UserOffline>().await;
    let ann = TestUser::new("ann");

    let first = app.connect(&ann).await;
    let event = online.next(WAIT).await;
    assert_eq!(event.data.user_id, ann.id);
    assert_eq!(event.data.username, "ann");

    let second = app.connect(&ann).await;
    online.assert_silent(Duration::from_millis(300)).await;
    first.close().await;
    offline.assert_silent(Duration::from_millis(300)).await;
    second.close().await;
    let event = offline.next(WAIT).await;
    assert_eq!(event.data.user_id, ann.id);
    assert!(event.data.at >= online_at(&event));
}

fn online_at(event: &shared::events::Envelope<UserOffline>) -> chrono::DateTime<chrono::Utc> {
    event.occurred_at
}

#[actix_web::test]
async fn connected_users_see_others_come_online_and_go_offline() {
    let app = spawn_app().await;
    let bob = TestUser::new("bob");
    let mut bobs_socket = app.connect(&bob).await;
    let ann = TestUser::new("ann");

    let anns_socket = app.connect(&ann).await;
    let frame = bobs_socket.next_of_type("presence", WAIT).await;
    assert_eq!(frame["userId"], ann.id.to_string());
    assert_eq!(frame["username"], "ann");
    assert_eq!(frame["status"], "online");

    anns_socket.close().await;
    let frame = bobs_socket.next_of_type("presence", WAIT).await;
    assert_eq!(frame["userId"], ann.id.to_string());
    assert_eq!(frame["status"], "offline");
    assert!(frame["lastSeenAt"].is_string());
}

#[actix_web::test]
async fn the_sockets_of_a_node_that_died_expire_and_their_users_go_offline() {
    let timing = PresenceTiming {
        ttl: Duration::from_millis(600),
        heartbeat: Duration::from_millis(200),
        sweep: Duration::from_millis(100),
    };
    let app = spawn_app_with(|c| c.presence = timing).await;
    let mut offline = app.infra.probe::<UserOffline>().await;

    // Another node records a socket, then dies: it never vouches for it again.
    let dead_node = Presence::new(
        app.infra.cache(),
        app.publisher.clone(),
        "dead-node",
        timing,
    );
    let ann = TestUser::new("ann");
    let user = CurrentUser {
        id: ann.id,
        username: ann.username.clone(),
        session_id: ann.session_id,
        expires_at: i64::MAX,
    };
    dead_node.connected(&user, 1).await;
    drop(dead_node);

    let event = offline.next(WAIT).await;
    assert_eq!(event.data.user_id, ann.id);
}

#[actix_web::test]
async fn a_live_socket_keeps_its_user_online_past_the_ttl() {
    let timing = PresenceTiming {
        ttl: Duration::from_millis(600),
        heartbeat: Duration::from_millis(100),
        sweep: Duration::from_millis(100),
    };
    let app = spawn_app_with(|c| c.presence = timing).await;
    let mut offline = app.infra.probe::<UserOffline>().await;
    let mut socket = app.connect(&TestUser::new("ann")).await;
    // Reading keeps answering pings; presence must survive several TTLs on heartbeats alone.
    socket.assert_silent(Duration::from_millis(2000)).await;
    offline.assert_silent(Duration::from_millis(10)).await;
}

#[actix_web::test]
async fn a_heartbeat_that_finds_its_user_without_a_live_socket_announces_online_again() {
    let timing = PresenceTiming {
        ttl: Duration::from_millis(5000),
        heartbeat: Duration::from_millis(100),
        sweep: Duration::from_millis(100),
    };
    let app = spawn_app_with(|c| c.presence = timing).await;
    let mut online = app.infra.probe::<UserOnline>().await;
    let ann = TestUser::new("ann");
    let _socket = app.connect(&ann).await;
    let first = online.next(WAIT).await;

    // What a sweep leaves when this node stalled past the ttl (it announced ann offline), or an
    // empty restarted Redis: ann's socket is open, and Redis knows none of hers.
    let cache = app.infra.cache();
    let _: () = redis::cmd("DEL")
        .arg(cache.key(format_args!("presence:user:{}", ann.id)))
        .query_async(&mut cache.connection())
        .await
        .expect("Redis answers");

    let again = online.next(WAIT).await;
    assert_eq!(again.data.user_id, ann.id);
    assert!(again.data.at > first.data.at);
    // Once restored, further heartbeats say nothing more.
    online.assert_silent(Duration::from_millis(500)).await;
}
