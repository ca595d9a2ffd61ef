//! `GET /api/users/{id}`: one user, or 404.

use crate::helpers::{assert_error, spawn_app};

#[actix_web::test]
async fn a_user_can_be_fetched_by_id() {
    let app = spawn_app().await;
    let alice = app.seed(&[("Alice", true)]).await.remove(0);

    let answer = app.user(alice.id).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        serde_json::json!({"id": alice.id.to_string(), "username": "Alice",
            "status": "online", "lastSeenAt": null})
    );
}

#[actix_web::test]
async fn an_unknown_id_is_not_found() {
    let app = spawn_app().await;
    let answer = app.user(uuid::Uuid::new_v4()).await;
    assert_error(&answer, 404, "not_found");
}

#[actix_web::test]
async fn a_malformed_id_is_not_found() {
    let app = spawn_app().await;
    for id in ["not-a-uuid", "123", "%20"] {
        assert_error(&app.user(id).await, 404, "not_found");
    }
}

#[actix_web::test]
async fn the_version_route_is_not_mistaken_for_an_id() {
    let app = spawn_app().await;
    let answer = app.get("/api/users/version", None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["service"], "users");
}
