//! Hostile input against messages: SQL injection and unicode edge cases in every query
//! parameter and path segment, from a user outside the conversation; and state-changing methods
//! from a foreign origin.

use serde_json::Value;
use shared::testing::hostile::{SQL_INJECTION, UNICODE_EDGE, percent_encode};

use crate::helpers::spawn_app;

/// Whether a 200 answer carries any message or conversation.
fn carries_data(body: &Value) -> bool {
    ["messages", "conversations"]
        .iter()
        .any(|key| body[key].as_array().is_some_and(|items| !items.is_empty()))
}

#[actix_web::test]
async fn sql_injection_in_every_parameter_is_refused_or_harmless_never_a_500() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    app.send(&ann, &bob, 2).await;
    let (_, page) = app.get(Some(&ann), "/api/messages/conversations").await;
    let conversation = page["conversations"][0]["id"].as_str().unwrap().to_owned();

    let mut tried = 0;
    for value in SQL_INJECTION.iter().chain(UNICODE_EDGE) {
        let encoded = percent_encode(value);
        let mut paths = vec![
            format!("/api/messages/conversations/{encoded}/messages"),
            format!("/api/messages/with/{encoded}"),
        ];
        for field in ["limit", "cursor"] {
            paths.push(format!("/api/messages/conversations?{field}={encoded}"));
        }
        for field in ["limit", "before", "after"] {
            paths.push(format!(
                "/api/messages/conversations/{conversation}/messages?{field}={encoded}"
            ));
            paths.push(format!("/api/messages/with/{}?{field}={encoded}", ann.id));
        }
        for path in paths {
            let (status, body) = app.get(Some(&carol), &path).await;
            tried += 1;
            assert!(
                [200, 400, 404].contains(&status),
                "{path} → {status} {body}"
            );
            assert!(
                status != 200 || !carries_data(&body),
                "{path} leaked {body}"
            );
            if status != 200 {
                assert!(body["error"]["code"].is_string(), "{path} → {body}");
            }
        }
    }
    println!("messages SQL injection: {tried} requests, none a 5xx, none leaked data");
    let (_, history) = app
        .get(Some(&ann), &format!("/api/messages/with/{}", bob.id))
        .await;
    assert_eq!(history["messages"].as_array().unwrap().len(), 2, "intact");
}

#[actix_web::test]
async fn state_changing_methods_from_a_foreign_origin_are_403() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let client = awc::Client::default();
    for path in [
        "/api/messages/conversations".to_owned(),
        format!("/api/messages/with/{}", ann.id),
        format!(
            "/api/messages/conversations/{}/messages",
            uuid::Uuid::now_v7()
        ),
    ] {
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            let response = client
                .request(
                    method.parse().unwrap(),
                    format!("{}{path}", app.service.address),
                )
                .insert_header(("Cookie", ann.cookie()))
                .insert_header(("Origin", "https://evil.example"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 403, "{method} {path}");
        }
    }
}
