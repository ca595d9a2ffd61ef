use shared::events::UserSignedOut;

use crate::helpers::{Browser, WAIT, spawn_app};

#[actix_web::test]
async fn signing_out_ends_the_session_and_clears_the_cookies() {
    let app = spawn_app().await;
    let mut signed_out = app.infra.probe::<UserSignedOut>().await;
    let (mut browser, user) = app.signed_up("ken").await;
    let stolen = browser.cookies.clone();

    let answer = app.sign_out(&mut browser).await;
    assert_eq!(answer.status, 204);
    assert!(answer.cookie_line("auth").unwrap().contains("Max-Age=0"));
    assert!(answer.cookie_line("refresh").unwrap().contains("Max-Age=0"));
    assert!(browser.cookies.is_empty());

    let event = signed_out.next(WAIT).await;
    assert_eq!(event.data.user_id.to_string(), user["id"]);
    assert!(event.data.session_id.is_some());

    // Copies of the tokens stop working at once, before the access token expires.
    let mut copy = Browser::new();
    copy.cookies = stolen;
    assert_eq!(app.current_user(&mut copy).await.status, 401);
    assert_eq!(app.refresh(&mut copy).await.status, 401);
}

#[actix_web::test]
async fn signing_out_with_only_the_refresh_cookie_works() {
    let app = spawn_app().await;
    let (mut browser, _) = app.signed_up("leo").await;
    browser.cookies.remove("auth");
    let refresh = browser.cookies.clone();
    assert_eq!(app.sign_out(&mut browser).await.status, 204);
    let mut copy = Browser::new();
    copy.cookies = refresh;
    assert_eq!(app.refresh(&mut copy).await.status, 401);
}

#[actix_web::test]
async fn signing_out_without_a_session_is_a_401() {
    let app = spawn_app().await;
    assert_eq!(app.sign_out(&mut Browser::new()).await.status, 401);
}

#[actix_web::test]
async fn signing_out_everywhere_ends_every_session_of_the_user_only() {
    let app = spawn_app().await;
    let mut signed_out = app.infra.probe::<UserSignedOut>().await;
    let (mut laptop, user) = app.signed_up("mia").await;
    let mut phone = Browser::new();
    let answer = app
        .sign_in(
            &mut phone,
            serde_json::json!({"username": "mia", "password": "correct horse"}),
        )
        .await;
    assert_eq!(answer.status, 200);
    let (mut other_user, _) = app.signed_up("ned").await;

    assert_eq!(app.sign_out_everywhere(&mut laptop).await.status, 204);
    let event = signed_out.next(WAIT).await;
    assert_eq!(event.data.user_id.to_string(), user["id"]);
    assert_eq!(event.data.session_id, None);

    assert_eq!(app.current_user(&mut phone).await.status, 401);
    assert_eq!(app.refresh(&mut phone).await.status, 401);
    assert_eq!(app.current_user(&mut other_user).await.status, 200);
}

#[actix_web::test]
async fn state_changing_calls_from_a_foreign_origin_are_refused() {
    let app = spawn_app().await;
    let (mut browser, _) = app.signed_up("olga").await;
    browser.origin = Some("https://evil.example".into());
    for path in [
        "/api/auth/signout",
        "/api/auth/signout-all",
        "/api/auth/refresh",
        "/api/auth/signin",
    ] {
        let answer = browser.request("POST", &app.url(path), None).await;
        assert_eq!(answer.status, 403, "{path}");
    }
    browser.origin = None;
    assert_eq!(
        app.current_user(&mut browser).await.status,
        200,
        "still signed in"
    );
}
