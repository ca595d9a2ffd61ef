use serde_json::json;
use shared::events::UserLoggedIn;

use crate::helpers::{Browser, WAIT, spawn_app, spawn_app_with};

#[actix_web::test]
async fn signing_in_by_email_or_by_username_in_any_case_works() {
    let app = spawn_app().await;
    let (_, user) = app.signed_up("Erin").await;
    let mut logged_in = app.infra.probe::<UserLoggedIn>().await;

    for body in [
        json!({"email": "erin@EXAMPLE.com", "password": "correct horse"}),
        json!({"username": "eRIN", "password": "correct horse"}),
    ] {
        let mut browser = Browser::new();
        let answer = app.sign_in(&mut browser, body.clone()).await;
        assert_eq!(answer.status, 200, "{body}");
        assert_eq!(answer.body["user"], user);
        assert!(browser.cookies.contains_key("auth") && browser.cookies.contains_key("refresh"));
        assert_eq!(app.current_user(&mut browser).await.status, 200);
        let event = logged_in.next(WAIT).await;
        assert_eq!(event.data.user_id.to_string(), user["id"]);
    }
}

#[actix_web::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let app = spawn_app().await;
    app.signed_up("frank").await;
    let wrong = app
        .sign_in(
            &mut Browser::new(),
            json!({"username": "frank", "password": "wrong password"}),
        )
        .await;
    let unknown = app
        .sign_in(
            &mut Browser::new(),
            json!({"username": "nobody", "password": "wrong password"}),
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.code(), "invalid_credentials");
    assert_eq!((wrong.status, &wrong.body), (unknown.status, &unknown.body));
    assert!(wrong.set_cookies.is_empty());
}

#[actix_web::test]
async fn a_sign_in_without_an_identifier_or_password_is_a_400() {
    let app = spawn_app().await;
    for body in [
        json!({}),
        json!({"username": "x"}),
        json!({"password": "x"}),
        json!({"email": "a@b.co", "username": "a", "password": "x"}),
    ] {
        let answer = app.sign_in(&mut Browser::new(), body.clone()).await;
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(answer.code(), "invalid_field");
    }
}

#[actix_web::test]
async fn repeated_failures_for_one_account_are_throttled_even_with_the_right_password() {
    let app = spawn_app_with(|c| c.throttle.per_account_address = 3).await;
    app.signed_up("grace").await;
    for _ in 0..3 {
        let answer = app
            .sign_in(
                &mut Browser::new(),
                json!({"username": "grace", "password": "guess guess"}),
            )
            .await;
        assert_eq!(answer.status, 401);
    }
    let throttled = app
        .sign_in(
            &mut Browser::new(),
            json!({"username": "GRACE", "password": "correct horse"}),
        )
        .await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.code(), "rate_limited");
    let retry_after: u64 = throttled
        .headers
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
}

#[actix_web::test]
async fn an_unknown_account_is_throttled_like_a_known_one() {
    let app = spawn_app_with(|c| c.throttle.per_account_address = 2).await;
    for _ in 0..2 {
        app.sign_in(
            &mut Browser::new(),
            json!({"username": "ghost", "password": "guess guess"}),
        )
        .await;
    }
    let answer = app
        .sign_in(
            &mut Browser::new(),
            json!({"username": "ghost", "password": "guess guess"}),
        )
        .await;
    assert_eq!(answer.status, 429);
}

#[actix_web::test]
async fn repeated_failures_from_one_address_are_throttled_across_accounts() {
    let app = spawn_app_with(|c| c.throttle.per_address = 4).await;
    app.signed_up("heidi").await;
    let mut attacker = Browser::new();
    attacker.real_ip = Some("203.0.113.9".into());
    for i in 0..4 {
        app.sign_in(
            &mut attacker,
            json!({"username": format!("target{i}"), "password": "guess guess"}),
        )
        .await;
    }
    let answer = app
        .sign_in(
            &mut attacker,
            json!({"username": "heidi", "password": "correct horse"}),
        )
        .await;
    assert_eq!(answer.status, 429);

    let mut someone_else = Browser::new();
    someone_else.real_ip = Some("198.51.100.7".into());
    let answer = app
        .sign_in(
            &mut someone_else,
            json!({"username": "heidi", "password": "correct horse"}),
        )
        .await;
    assert_eq!(answer.status, 200, "other addresses are unaffected");
}

#[actix_web::test]
async fn a_successful_sign_in_clears_the_accounts_failures_from_that_address() {
    let app = spawn_app_with(|c| c.throttle.per_account_address = 3).await;
    app.signed_up("ivan").await;
    for _ in 0..2 {
        app.sign_in(
            &mut Browser::new(),
            json!({"username": "ivan", "password": "guess guess"}),
        )
        .await;
    }
    let ok = app
        .sign_in(
            &mut Browser::new(),
            json!({"username": "ivan", "password": "correct horse"}),
        )
        .await;
    assert_eq!(ok.status, 200);
    for _ in 0..2 {
        let answer = app
            .sign_in(
                &mut Browser::new(),
                json!({"username": "ivan", "password": "guess guess"}),
            )
            .await;
        assert_eq!(answer.status, 401, "the count started again");
    }
}

#[actix_web::test]
async fn hostile_strings_in_every_field_are_refused_or_harmless_never_a_500() {
    // Throttling would answer 429 here, which is right but hides what this test looks at.
    let app = spawn_app_with(|c| {
        c.throttle.per_account = 100_000;
        c.throttle.per_account_address = 100_000;
        c.throttle.per_address = 100_000;
    })
    .await;
    app.signed_up("victor").await;
    let nasty = [
        "' OR '1'='1",
        "victor'--",
        "\"; DROP TABLE accounts; --",
        "victor\u{0}",
        "%",
        "_",
        "\\",
        "<script>",
        "\u{202e}rotciv",
        "🙂",
    ];
    for value in nasty {
        for body in [
            json!({"username": value, "password": "correct horse"}),
            json!({"email": value, "password": "correct horse"}),
            json!({"username": "victor", "password": value}),
            json!({"email": value, "username": value, "password": value}),
        ] {
            for path in ["/api/auth/signin", "/api/auth/signup"] {
                let answer = Browser::new()
                    .request("POST", &app.url(path), Some(body.clone()))
                    .await;
                assert!(
                    [400, 401, 409].contains(&answer.status),
                    "{path} {body} → {} {}",
                    answer.status,
                    answer.body
                );
            }
        }
    }
    // And the account is intact.
    let ok = app
        .sign_in(
            &mut Browser::new(),
            json!({"username": "victor", "password": "correct horse"}),
        )
        .await;
    assert_eq!(ok.status, 200);
}
