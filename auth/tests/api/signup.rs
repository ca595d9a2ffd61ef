use serde_json::json;
use shared::events::{UserLoggedIn, UserRegistered};

use crate::helpers::{Browser, WAIT, spawn_app};

#[actix_web::test]
async fn signing_up_creates_the_account_and_signs_it_in() {
    let app = spawn_app().await;
    let mut browser = Browser::new();
    let answer = app.sign_up(&mut browser, "Alice").await;

    assert_eq!(answer.status, 201);
    let user = &answer.body["user"];
    assert_eq!(user["username"], "Alice");
    assert_eq!(user["email"], "Alice@example.com");
    assert!(user["id"].as_str().unwrap().parse::<uuid::Uuid>().is_ok());
    assert!(user["createdAt"].as_str().unwrap().ends_with('Z'));
    assert!(user.get("password").is_none() && user.get("passwordHash").is_none());

    let access = answer.cookie_line("auth").expect("an auth cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=900"] {
        assert!(access.contains(flag), "auth cookie lacks {flag}: {access}");
    }
    assert!(!access.contains("Secure"), "plain-http local development");
    let refresh = answer.cookie_line("refresh").expect("a refresh cookie");
    for flag in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/api/auth",
        "Max-Age=2592000",
    ] {
        assert!(
            refresh.contains(flag),
            "refresh cookie lacks {flag}: {refresh}"
        );
    }

    let me = app.current_user(&mut browser).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"], *user);
}

#[actix_web::test]
async fn cookies_are_secure_when_the_deployment_is_https() {
    let app = crate::helpers::spawn_app_with(|c| c.common.cookie_secure = true).await;
    let answer = app.sign_up(&mut Browser::new(), "secure").await;
    assert!(answer.cookie_line("auth").unwrap().contains("Secure"));
    assert!(answer.cookie_line("refresh").unwrap().contains("Secure"));
}

#[actix_web::test]
async fn signing_up_announces_the_account_and_the_session_without_the_email() {
    let app = spawn_app().await;
    let mut registered = app.infra.probe::<UserRegistered>().await;
    let mut logged_in = app.infra.probe::<UserLoggedIn>().await;

    let (_, user) = app.signed_up("bob").await;

    let event = registered.next(WAIT).await;
    assert_eq!(event.data.user_id.to_string(), user["id"]);
    assert_eq!(event.data.username, "bob");
    assert_eq!(
        logged_in.next(WAIT).await.data.user_id.to_string(),
        user["id"]
    );
    let raw = serde_json::to_string(&event).unwrap();
    assert!(
        !raw.contains("example.com") && !raw.contains("$2"),
        "no email or hash on the bus"
    );
}

#[actix_web::test]
async fn every_invalid_field_is_named_in_a_400() {
    let app = spawn_app().await;
    let long_email = format!("{}@example.com", "a".repeat(250));
    let cases = [
        (
            json!({"email": "not-an-email", "username": "valid", "password": "longenough"}),
            "email",
        ),
        (
            json!({"email": long_email, "username": "valid", "password": "longenough"}),
            "email",
        ),
        (
            json!({"username": "valid", "password": "longenough"}),
            "email",
        ),
        (
            json!({"email": "a@b.co", "username": "ab", "password": "longenough"}),
            "username",
        ),
        (
            json!({"email": "a@b.co", "username": "x".repeat(33), "password": "longenough"}),
            "username",
        ),
        (
            json!({"email": "a@b.co", "username": "bad name", "password": "longenough"}),
            "username",
        ),
        (
            json!({"email": "a@b.co", "username": "bad<script>", "password": "longenough"}),
            "username",
        ),
        (
            json!({"email": "a@b.co", "username": "valid", "password": "short"}),
            "password",
        ),
        (
            json!({"email": "a@b.co", "username": "valid", "password": "é".repeat(37)}),
            "password",
        ),
        (json!({"email": "a@b.co", "username": "valid"}), "password"),
    ];
    for (body, field) in cases {
        let answer = Browser::new()
            .request("POST", &app.url("/api/auth/signup"), Some(body.clone()))
            .await;
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(answer.code(), "invalid_field", "{body}");
        assert!(
            answer.body["error"]["fields"][field].is_string(),
            "{body} → {}",
            answer.body
        );
    }
}

#[actix_web::test]
async fn a_username_differing_only_by_case_is_taken() {
    let app = spawn_app().await;
    app.signed_up("Carol").await;
    let answer = Browser::new()
        .request(
            "POST",
            &app.url("/api/auth/signup"),
            Some(json!({"email": "other@example.com", "username": "cAROL", "password": "correct horse"})),
        )
        .await;
    assert_eq!(answer.status, 409);
    assert_eq!(answer.code(), "username_taken");
}

#[actix_web::test]
async fn an_email_differing_only_by_case_is_taken() {
    let app = spawn_app().await;
    app.signed_up("dave").await;
    let answer = Browser::new()
        .request(
            "POST",
            &app.url("/api/auth/signup"),
            Some(json!({"email": "DAVE@EXAMPLE.COM", "username": "dave2", "password": "correct horse"})),
        )
        .await;
    assert_eq!(answer.status, 409);
    assert_eq!(answer.code(), "email_taken");
}

#[actix_web::test]
async fn concurrent_sign_ups_for_one_username_create_one_account() {
    let app = spawn_app().await;
    let attempts = (0..8).map(|i| {
        let url = app.url("/api/auth/signup");
        async move {
            Browser::new()
                .request(
                    "POST",
                    &url,
                    Some(json!({"email": format!("race{i}@example.com"), "username": "Racer", "password": "correct horse"})),
                )
                .await
                .status
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
}

#[actix_web::test]
async fn malformed_bodies_get_clear_4xx_answers() {
    let app = spawn_app().await;
    let client = awc::Client::default();
    let url = app.url("/api/auth/signup");

    let mut not_json = client
        .post(&url)
        .insert_header(("content-type", "application/json"))
        .send_body("{not json")
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let body: serde_json::Value = not_json.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_json");

    let wrong_type = client
        .post(&url)
        .insert_header(("content-type", "text/plain"))
        .send_body("hello")
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415);

    let huge = client
        .post(&url)
        .insert_header(("content-type", "application/json"))
        .send_body(format!("{{\"email\":\"{}\"}}", "a".repeat(100_000)))
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);

    let wrong_shape = client
        .post(&url)
        .insert_header(("content-type", "application/json"))
        .send_body("[1,2,3]")
        .await
        .unwrap();
    assert_eq!(wrong_shape.status(), 400);
}

#[actix_web::test]
async fn a_sign_up_from_a_foreign_origin_is_refused() {
    let app = spawn_app().await;
    let mut browser = Browser::new();
    browser.origin = Some("https://evil.example".into());
    let answer = app.sign_up(&mut browser, "victim").await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.code(), "forbidden_origin");
    assert!(browser.cookies.is_empty());
}
