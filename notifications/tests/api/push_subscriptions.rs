//! The push routes: the key, and subscriptions created, listed and deleted.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use shared::testing::TestUser;

use crate::helpers::assert_error;
use crate::push_support::{StandIn, spawn_push_app};

#[actix_web::test]
async fn every_push_and_mute_route_needs_a_session() {
    let app = spawn_push_app(|_| {}).await;
    let conversation = uuid::Uuid::new_v4();
    let subscription = uuid::Uuid::new_v4();
    for (method, path, body) in [
        ("GET", "/api/notifications/push/key".to_owned(), None),
        (
            "GET",
            "/api/notifications/push/subscriptions".to_owned(),
            None,
        ),
        (
            "POST",
            "/api/notifications/push/subscriptions".to_owned(),
            Some(json!({})),
        ),
        (
            "DELETE",
            format!("/api/notifications/push/subscriptions/{subscription}"),
            None,
        ),
        ("GET", "/api/notifications/mutes".to_owned(), None),
        (
            "PUT",
            format!("/api/notifications/mutes/{conversation}"),
            Some(json!({"until": null})),
        ),
        (
            "DELETE",
            format!("/api/notifications/mutes/{conversation}"),
            None,
        ),
    ] {
        let answer = app.send(method, &path, None, body.as_ref()).await;
        assert_error(&answer, 401, "unauthenticated");
    }
}

#[actix_web::test]
async fn the_key_is_the_vapid_public_key_as_pushes_name_it() {
    let app = spawn_push_app(|_| {}).await;
    let ann = TestUser::new("ann");
    let key = app.push_key(&ann).await;
    let bytes = URL_SAFE_NO_PAD.decode(&key).expect("base64url");
    assert_eq!(bytes.len(), 65, "an uncompressed P-256 point");
    assert_eq!(bytes[0], 4);
}

#[actix_web::test]
async fn subscribing_again_with_the_same_endpoint_keeps_one_subscription() {
    let app = spawn_push_app(|_| {}).await;
    let standin = StandIn::start().await;
    let ann = TestUser::new("ann");
    let browser = standin.browser(&[]);

    let first = app.subscribe_raw(&ann, &browser.subscription).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let subscription = &first.body["subscription"];
    assert_eq!(subscription["endpoint"], browser.endpoint);
    assert!(subscription["createdAt"].is_string());
    assert_eq!(
        subscription.as_object().unwrap().len(),
        3,
        "{{id, endpoint, createdAt}}"
    );

    let again = app.subscribe_raw(&ann, &browser.subscription).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["subscription"], *subscription);
    assert_eq!(app.subscriptions(&ann).await, vec![subscription.clone()]);
}

#[actix_web::test]
async fn an_endpoint_subscribed_by_another_user_moves_to_them() {
    let app = spawn_push_app(|_| {}).await;
    let standin = StandIn::start().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let browser = standin.browser(&[]);
    let anns = app.subscribe(&ann, &browser).await;

    let moved = app.subscribe_raw(&bob, &browser.subscription).await;
    assert_eq!(moved.status, 201, "{}", moved.body);
    assert_ne!(moved.body["subscription"]["id"], anns.as_str());
    assert!(app.subscriptions(&ann).await.is_empty());
    assert_eq!(app.subscriptions(&bob).await.len(), 1);
}

#[actix_web::test]
async fn a_user_has_at_most_twenty_subscriptions() {
    let app = spawn_push_app(|_| {}).await;
    let standin = StandIn::start().await;
    let ann = TestUser::new("ann");
    let mut ids = Vec::new();
    for _ in 0..20 {
        ids.push(app.subscribe(&ann, &standin.browser(&[])).await);
    }
    let refused = app
        .subscribe_raw(&ann, &standin.browser(&[]).subscription)
        .await;
    assert_error(&refused, 413, "quota_exceeded");
    assert_eq!(app.subscriptions(&ann).await.len(), 20);

    let deleted = app
        .send(
            "DELETE",
            &format!("/api/notifications/push/subscriptions/{}", ids[0]),
            Some(&ann),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    app.subscribe(&ann, &standin.browser(&[])).await;
    assert_eq!(app.subscriptions(&ann).await.len(), 20);
}

#[actix_web::test]
async fn only_its_owner_sees_or_deletes_a_subscription() {
    let app = spawn_push_app(|_| {}).await;
    let standin = StandIn::start().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let id = app.subscribe(&ann, &standin.browser(&[])).await;
    assert!(app.subscriptions(&bob).await.is_empty());

    let path = format!("/api/notifications/push/subscriptions/{id}");
    assert_error(
        &app.send("DELETE", &path, Some(&bob), None).await,
        404,
        "not_found",
    );
    assert_eq!(app.subscriptions(&ann).await.len(), 1);
    assert_eq!(
        app.send("DELETE", &path, Some(&ann), None).await.status,
        204
    );
    assert_error(
        &app.send("DELETE", &path, Some(&ann), None).await,
        404,
        "not_found",
    );
    assert_error(
        &app.send(
            "DELETE",
            "/api/notifications/push/subscriptions/not-an-id",
            Some(&ann),
            None,
        )
        .await,
        404,
        "not_found",
    );
}

#[actix_web::test]
async fn a_malformed_subscription_is_refused_naming_its_fields() {
    let app = spawn_push_app(|_| {}).await;
    let standin = StandIn::start().await;
    let ann = TestUser::new("ann");
    let browser = standin.browser(&[]);

    let mut no_keys = browser.subscription.clone();
    no_keys["keys"] = json!({});
    let answer = app.subscribe_raw(&ann, &no_keys).await;
    assert_error(&answer, 400, "invalid_field");
    assert!(answer.body["error"]["fields"]["keys.p256dh"].is_string());
    assert!(answer.body["error"]["fields"]["keys.auth"].is_string());

    let mut short_auth = browser.subscription.clone();
    short_auth["keys"]["auth"] = json!("AAAA");
    assert_error(
        &app.subscribe_raw(&ann, &short_auth).await,
        400,
        "invalid_field",
    );

    let malformed = app
        .post_raw(
            "/api/notifications/push/subscriptions",
            Some(&ann.cookie()),
            Some(shared::testing::TEST_ORIGIN),
            "{not json",
        )
        .await;
    assert_error(&malformed, 400, "invalid_json");

    let foreign = app
        .post_raw(
            "/api/notifications/push/subscriptions",
            Some(&ann.cookie()),
            Some("https://evil.example"),
            &browser.subscription.to_string(),
        )
        .await;
    assert_eq!(foreign.status, 403);
    assert!(app.subscriptions(&ann).await.is_empty());
}
