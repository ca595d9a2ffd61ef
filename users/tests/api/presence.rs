//! `user.online` / `user.offline`: status and `lastSeenAt`, applied once, newest wins.
//!
//! To know that an event which should change nothing has been consumed, each test publishes a
//! sentinel event after it on the same queue (queues are consumed in order) and waits for the
//! sentinel's effect.

use chrono::Duration;
use serde_json::Value;

use crate::helpers::{micros, now, registered, spawn_app, time};

#[actix_web::test]
async fn going_online_and_offline_sets_the_status_and_last_seen_time() {
    let app = spawn_app().await;
    let bob = app.seed(&[("bob", false)]).await.remove(0);

    let went_online = now();
    app.online(&bob, went_online).await;
    let profile = app.wait_for_user(bob.id, |b| b["status"] == "online").await;
    assert_eq!(profile["lastSeenAt"], Value::Null);

    let went_offline = went_online + Duration::seconds(5);
    app.offline(&bob, went_offline).await;
    let profile = app
        .wait_for_user(bob.id, |b| b["status"] == "offline")
        .await;
    assert_eq!(time(&profile["lastSeenAt"]), Some(went_offline));

    // Back online: the last time seen is kept.
    app.online(&bob, went_offline + Duration::seconds(5)).await;
    let profile = app.wait_for_user(bob.id, |b| b["status"] == "online").await;
    assert_eq!(time(&profile["lastSeenAt"]), Some(went_offline));
}

#[actix_web::test]
async fn the_list_shows_presence_changes() {
    let app = spawn_app().await;
    let people = app.seed(&[("alice", false), ("bob", false)]).await;
    assert_eq!(app.usernames(&app.observer, "").await, ["alice", "bob"]);

    app.online(&people[1], now()).await;
    app.wait_for_user(people[1].id, |b| b["status"] == "online")
        .await;
    shared::testing::eventually(
        "the list to show bob online",
        crate::helpers::WAIT,
        || async {
            let answer = app.list(&app.observer, "").await;
            (answer.body["users"][0]["username"] == "bob"
                && answer.body["users"][0]["status"] == "online")
                .then_some(())
        },
    )
    .await;

    let at = now();
    app.offline(&people[1], at).await;
    let listed = shared::testing::eventually(
        "the list to show bob offline",
        crate::helpers::WAIT,
        || async {
            let answer = app.list(&app.observer, "").await;
            let second = &answer.body["users"][1];
            (second["username"] == "bob" && second["status"] == "offline").then_some(answer.body)
        },
    )
    .await;
    assert_eq!(listed["users"][1]["username"], "bob");
    assert_eq!(time(&listed["users"][1]["lastSeenAt"]), Some(at));
}

#[actix_web::test]
async fn a_redelivered_event_is_applied_only_once() {
    let app = spawn_app().await;
    let people = app.seed(&[("bob", false), ("sentinel", false)]).await;
    let (bob, sentinel) = (&people[0], &people[1]);

    let first_seen = now();
    let went_offline = app.offline(bob, first_seen).await;
    app.wait_for_user(bob.id, |b| time(&b["lastSeenAt"]) == Some(first_seen))
        .await;
    app.online(bob, first_seen + Duration::seconds(1)).await;
    app.wait_for_user(bob.id, |b| b["status"] == "online").await;

    // The same event again, verbatim, and once more with a newer time: were it applied a second
    // time, bob would be offline, last seen later.
    app.publish(&went_offline).await;
    let mut tampered = went_offline.clone();
    tampered.data.at = first_seen + Duration::seconds(60);
    app.publish(&tampered).await;
    app.offline(sentinel, now()).await;
    app.wait_for_user(sentinel.id, |b| {
        b["status"] == "offline" && !b["lastSeenAt"].is_null()
    })
    .await;

    let profile = app.user(bob.id).await.body;
    assert_eq!(profile["status"], "online");
    assert_eq!(time(&profile["lastSeenAt"]), Some(first_seen));

    let db = app.infra.db().await;
    let recorded: i64 = db
        .query_one(
            "SELECT count(*) FROM processed_events WHERE event_id = $1",
            &[&went_offline.id.as_uuid()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(recorded, 1);
}

#[actix_web::test]
async fn a_duplicate_registration_lists_the_user_once() {
    let app = spawn_app().await;
    let people = app.seed(&[("bob", false)]).await;
    let again = registered(&people[0]);
    app.publish(&again).await;
    app.publish(&again).await;
    let sentinel = app.register("sentinel").await;
    app.wait_for_user(sentinel.id, |_| true).await;

    assert_eq!(app.usernames(&app.observer, "").await, ["bob", "sentinel"]);
}

#[actix_web::test]
async fn a_late_offline_event_older_than_the_last_online_one_is_ignored() {
    let app = spawn_app().await;
    let people = app.seed(&[("bob", false), ("sentinel", false)]).await;
    let (bob, sentinel) = (&people[0], &people[1]);
    let earlier = now();
    let later = earlier + Duration::seconds(10);

    app.online(bob, later).await;
    app.wait_for_user(bob.id, |b| b["status"] == "online").await;
    // The offline that preceded it, arriving late on its own queue.
    app.offline(bob, earlier).await;
    app.offline(sentinel, now()).await;
    app.wait_for_user(sentinel.id, |b| !b["lastSeenAt"].is_null())
        .await;

    let profile = app.user(bob.id).await.body;
    assert_eq!(profile["status"], "online");
    assert_eq!(profile["lastSeenAt"], Value::Null);
}

#[actix_web::test]
async fn a_late_online_event_older_than_the_last_offline_one_is_ignored() {
    let app = spawn_app().await;
    let people = app.seed(&[("bob", false), ("sentinel", false)]).await;
    let (bob, sentinel) = (&people[0], &people[1]);
    let earlier = now();
    let later = earlier + Duration::seconds(10);

    app.offline(bob, later).await;
    app.wait_for_user(bob.id, |b| time(&b["lastSeenAt"]) == Some(later))
        .await;
    app.online(bob, earlier).await;
    app.online(sentinel, now()).await;
    app.wait_for_user(sentinel.id, |b| b["status"] == "online")
        .await;

    let profile = app.user(bob.id).await.body;
    assert_eq!(profile["status"], "offline");
    assert_eq!(time(&profile["lastSeenAt"]), Some(later));
    assert_eq!(app.usernames(&app.observer, "").await, ["sentinel", "bob"]);
}

#[actix_web::test]
async fn going_online_before_the_registration_arrives_still_yields_a_correct_profile() {
    let app = spawn_app().await;
    let bob = shared::testing::TestUser::new("Bob");

    app.online(&bob, now()).await;
    let profile = app.wait_for_user(bob.id, |b| b["status"] == "online").await;
    assert_eq!(profile["username"], "Bob");

    app.publish(&registered(&bob)).await;
    let sentinel = app.register("sentinel").await;
    app.wait_for_user(sentinel.id, |_| true).await;

    let profile = app.user(bob.id).await.body;
    assert_eq!(
        profile,
        serde_json::json!({"id": bob.id.to_string(), "username": "Bob", "status": "online",
            "lastSeenAt": null})
    );
    assert_eq!(app.usernames(&app.observer, "").await, ["Bob", "sentinel"]);
    let db = app.infra.db().await;
    let registered: bool = db
        .query_one(
            "SELECT registered_at IS NOT NULL FROM users WHERE id = $1",
            &[&bob.id.as_uuid()],
        )
        .await
        .unwrap()
        .get(0);
    assert!(registered);
}

#[actix_web::test]
async fn going_offline_before_the_registration_arrives_records_the_last_seen_time() {
    let app = spawn_app().await;
    let bob = shared::testing::TestUser::new("bob");
    let at = micros(chrono::Utc::now() - Duration::minutes(1));

    app.offline(&bob, at).await;
    app.wait_for_user(bob.id, |b| time(&b["lastSeenAt"]) == Some(at))
        .await;
    app.publish(&registered(&bob)).await;
    let sentinel = app.register("sentinel").await;
    app.wait_for_user(sentinel.id, |_| true).await;

    let profile = app.user(bob.id).await.body;
    assert_eq!(profile["status"], "offline");
    assert_eq!(time(&profile["lastSeenAt"]), Some(at));
}
