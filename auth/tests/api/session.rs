//! `GET /api/auth/session`: the app's start-up probe, which answers 200 whether or not anyone is
//! signed in (browsers log a 401 as a failed request).

use serde_json::Value;

use crate::helpers::{Answer, Browser, TestApp, spawn_app};

async fn session(app: &TestApp, browser: &mut Browser) -> Answer {
    browser
        .request("GET", &app.url("/api/auth/session"), None)
        .await
}

#[actix_web::test]
async fn a_signed_in_visitor_gets_their_account() {
    let app = spawn_app().await;
    let (mut browser, user) = app.signed_up("sid").await;

    let answer = session(&app, &mut browser).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["user"], user);
    assert_eq!(answer.body["refreshable"], false);
    assert_eq!(answer.headers.get("cache-control").unwrap(), "no-store");
}

#[actix_web::test]
async fn a_visitor_without_cookies_gets_no_one_and_nothing_to_refresh() {
    let app = spawn_app().await;

    let answer = session(&app, &mut Browser::new()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["user"], Value::Null);
    assert_eq!(answer.body["refreshable"], false);
}

#[actix_web::test]
async fn a_refresh_cookie_without_a_valid_access_token_is_refreshable() {
    let app = spawn_app().await;
    let (mut browser, user) = app.signed_up("ria").await;
    // The access cookie expired (the browser dropped it) or was tampered with.
    for auth in [None, Some("garbage")] {
        match auth {
            None => browser.cookies.remove("auth"),
            Some(token) => browser.cookies.insert("auth".into(), token.into()),
        };
        let answer = session(&app, &mut browser).await;
        assert_eq!(answer.status, 200, "{auth:?}");
        assert_eq!(answer.body["user"], Value::Null, "{auth:?}");
        assert_eq!(answer.body["refreshable"], true, "{auth:?}");
    }

    assert_eq!(app.refresh(&mut browser).await.status, 200);
    assert_eq!(session(&app, &mut browser).await.body["user"], user);
}

#[actix_web::test]
async fn after_a_sign_out_no_one_is_signed_in_even_with_the_old_access_token() {
    let app = spawn_app().await;
    let (mut browser, _) = app.signed_up("otto").await;
    let old_access = browser.cookies["auth"].clone();
    assert_eq!(app.sign_out(&mut browser).await.status, 204);

    let answer = session(&app, &mut browser).await;
    assert_eq!(answer.body["user"], Value::Null);
    assert_eq!(
        answer.body["refreshable"], false,
        "sign-out clears the refresh cookie"
    );

    // A copy of the access token kept from before: genuine, but its session has ended.
    browser.cookies.insert("auth".into(), old_access);
    let answer = session(&app, &mut browser).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["user"], Value::Null);
}
