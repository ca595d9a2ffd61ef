//! `GET /api/users`: who is listed, and in which order.

use shared::testing::{TestUser, eventually};

use crate::helpers::{WAIT, spawn_app, usernames};

/// Online: bob, carol, Eve. Offline: Alice, dave. Mixed case, so that a byte-order sort (which
/// puts every capital first) would show.
const PEOPLE: &[(&str, bool)] = &[
    ("dave", false),
    ("Eve", true),
    ("Alice", false),
    ("carol", true),
    ("bob", true),
];

#[actix_web::test]
async fn registered_users_appear_in_the_list() {
    let app = spawn_app().await;
    let observer = app.observer.clone();
    app.register("alice").await;
    app.register("bob").await;

    let listed = eventually("both users to be listed", WAIT, || async {
        let answer = app.list(&observer, "").await;
        (answer.status == 200 && answer.body["users"].as_array()?.len() == 2).then_some(answer.body)
    })
    .await;

    assert_eq!(usernames(&listed), ["alice", "bob"]);
    assert_eq!(listed["nextCursor"], serde_json::Value::Null);
    let alice = &listed["users"][0];
    assert!(alice["id"].as_str().unwrap().parse::<uuid::Uuid>().is_ok());
    assert_eq!(alice["status"], "offline");
    assert_eq!(alice["lastSeenAt"], serde_json::Value::Null);
    let mut fields: Vec<_> = alice.as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["id", "lastSeenAt", "status", "username"]);
}

#[actix_web::test]
async fn the_caller_is_not_in_their_own_list() {
    let app = spawn_app().await;
    let people = app.seed(&[("alice", false), ("bob", false)]).await;

    assert_eq!(app.usernames(&people[0], "").await, ["bob"]);
    assert_eq!(app.usernames(&people[1], "").await, ["alice"]);
    assert_eq!(app.usernames(&app.observer, "").await, ["alice", "bob"]);
}

#[actix_web::test]
async fn the_list_answers_with_and_without_a_trailing_slash() {
    let app = spawn_app().await;
    app.seed(&[("alice", false)]).await;
    let cookie = app.observer.cookie();

    for path in ["/api/users", "/api/users/"] {
        let answer = app.get(path, Some(&cookie)).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(usernames(&answer.body), ["alice"], "{path}");
    }
}

#[actix_web::test]
async fn by_default_online_users_come_first_then_by_username_without_case() {
    let app = spawn_app().await;
    app.seed(PEOPLE).await;

    let expected = ["bob", "carol", "Eve", "Alice", "dave"];
    assert_eq!(app.usernames(&app.observer, "").await, expected);
    assert_eq!(
        app.usernames(&app.observer, "sort=status&direction=asc")
            .await,
        expected
    );
}

#[actix_web::test]
async fn sorting_by_username_ignores_case_in_both_directions() {
    let app = spawn_app().await;
    app.seed(PEOPLE).await;

    assert_eq!(
        app.usernames(&app.observer, "sort=username").await,
        ["Alice", "bob", "carol", "dave", "Eve"]
    );
    assert_eq!(
        app.usernames(&app.observer, "sort=username&direction=asc")
            .await,
        ["Alice", "bob", "carol", "dave", "Eve"]
    );
    assert_eq!(
        app.usernames(&app.observer, "sort=username&direction=desc")
            .await,
        ["Eve", "dave", "carol", "bob", "Alice"]
    );
}

#[actix_web::test]
async fn sorting_by_status_descending_puts_offline_users_first_still_by_username() {
    let app = spawn_app().await;
    app.seed(PEOPLE).await;

    assert_eq!(
        app.usernames(&app.observer, "sort=status&direction=desc")
            .await,
        ["Alice", "dave", "bob", "carol", "Eve"]
    );
}

#[actix_web::test]
async fn a_user_who_signed_in_sees_everyone_else_in_the_same_order() {
    let app = spawn_app().await;
    let people = app.seed(PEOPLE).await;
    let carol: &TestUser = &people[3];

    assert_eq!(
        app.usernames(carol, "").await,
        ["bob", "Eve", "Alice", "dave"]
    );
}
