//! bcrypt reads only the first 72 bytes of a password. Sign-up refuses longer ones, and sign-in
//! treats one as simply wrong, with the same answer (and one bcrypt verification, see
//! `auth::credentials`) as any wrong password, so that the 72-byte prefix plus anything is not a
//! second password.

use serde_json::json;

use crate::helpers::{Browser, spawn_app, spawn_app_with};

#[actix_web::test]
async fn a_password_over_72_bytes_whose_first_72_bytes_are_right_is_a_wrong_password() {
    // Throttling would answer 429 among these failures, which is right but hides the point.
    let app = spawn_app_with(|c| c.throttle.per_account_address = 100).await;
    let password = "🔑".repeat(17) + "abcd"; // 17 × 4 + 4 = 72 bytes
    assert_eq!(password.len(), 72);
    let mut browser = Browser::new();
    let signed_up = browser
        .request(
            "POST",
            &app.url("/api/auth/signup"),
            Some(json!({"email": "long@example.com", "username": "long", "password": password})),
        )
        .await;
    assert_eq!(signed_up.status, 201, "{}", signed_up.body);

    let wrong = app
        .sign_in(
            &mut Browser::new(),
            json!({"username": "long", "password": "wrong password"}),
        )
        .await;
    assert_eq!(wrong.status, 401);
    for suffix in ["x", "anything at all", "🔑"] {
        for body in [
            json!({"username": "long", "password": format!("{password}{suffix}")}),
            json!({"email": "long@example.com", "password": format!("{password}{suffix}")}),
            json!({"username": "nobody", "password": format!("{password}{suffix}")}),
        ] {
            let answer = app.sign_in(&mut Browser::new(), body.clone()).await;
            assert_eq!(answer.status, 401, "{body}");
            assert_eq!(answer.code(), "invalid_credentials");
            assert_eq!(answer.body, wrong.body, "the body of any wrong password");
            assert!(answer.set_cookies.is_empty());
            let mut names: Vec<&str> = answer.headers.keys().map(|k| k.as_str()).collect();
            names.sort_unstable();
            let mut expected: Vec<&str> = wrong.headers.keys().map(|k| k.as_str()).collect();
            expected.sort_unstable();
            assert_eq!(names, expected, "the headers of any wrong password");
        }
    }

    let right = app
        .sign_in(
            &mut Browser::new(),
            json!({"username": "long", "password": password}),
        )
        .await;
    assert_eq!(right.status, 200, "exactly 72 bytes is the password");
}

#[actix_web::test]
async fn sign_up_refuses_a_password_over_72_bytes() {
    let app = spawn_app().await;
    let answer = Browser::new()
        .request(
            "POST",
            &app.url("/api/auth/signup"),
            Some(json!({"email": "x@example.com", "username": "xx-long", "password": "a".repeat(73)})),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert!(answer.body["error"]["fields"]["password"].is_string());
}
