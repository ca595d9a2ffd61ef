//! Hostile input against users: SQL injection and unicode edge cases in every query parameter
//! and in the path, and state-changing methods from a foreign origin.

use shared::testing::hostile::{SQL_INJECTION, UNICODE_EDGE, percent_encode};

use crate::helpers::{assert_error, spawn_app};

#[actix_web::test]
async fn sql_injection_in_every_parameter_is_refused_or_harmless_never_a_500() {
    let app = spawn_app().await;
    app.seed(&[("alice", true), ("bob", false)]).await;
    let mut tried = 0;
    for value in SQL_INJECTION.iter().chain(UNICODE_EDGE) {
        let encoded = percent_encode(value);
        for field in ["sort", "direction", "q", "limit", "cursor"] {
            let answer = app.list(&app.observer, &format!("{field}={encoded}")).await;
            tried += 1;
            match answer.status.as_u16() {
                200 => {
                    // Only a blank value (no filter, the default) may list anyone.
                    let users = answer.body["users"].as_array().unwrap();
                    assert!(
                        value.trim().is_empty() || (field == "q" && users.is_empty()),
                        "{field}={value:?} → 200 {users:?}"
                    );
                }
                400 => assert_error(&answer, 400, "invalid_field"),
                status => panic!("{field}={value:?} → {status} {}", answer.body),
            }
        }
        if !value.is_empty() {
            let answer = app.user(&encoded).await;
            tried += 1;
            assert_error(&answer, 404, "not_found");
        }
    }
    println!("users SQL injection: {tried} requests, none a 5xx, none leaked data");
    assert_eq!(app.usernames(&app.observer, "").await.len(), 2, "intact");
}

#[actix_web::test]
async fn state_changing_methods_from_a_foreign_origin_are_403() {
    let app = spawn_app().await;
    let someone = app.seed(&[("someone", false)]).await.remove(0);
    for path in [
        "/api/users".to_owned(),
        format!("/api/users/{}", someone.id),
    ] {
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            let response = awc::Client::default()
                .request(
                    method.parse().unwrap(),
                    format!("{}{path}", app.service.address),
                )
                .insert_header(("Cookie", app.observer.cookie()))
                .insert_header(("Origin", "https://evil.example"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 403, "{method} {path}");
        }
    }
}
