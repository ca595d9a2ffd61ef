use shared::events::UserSignedOut;

use crate::helpers::{Browser, WAIT, spawn_app};

#[actix_web::test]
async fn a_refresh_rotates_both_tokens() {
    let app = spawn_app().await;
    let (mut browser, user) = app.signed_up("judy").await;
    let before = browser.cookies.clone();

    let answer = app.refresh(&mut browser).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["user"], user);
    assert_ne!(browser.cookies["refresh"], before["refresh"]);
    assert_ne!(browser.cookies["auth"], before["auth"]);
    assert_eq!(app.current_user(&mut browser).await.status, 200);

    // The rotated token keeps working for the next rotation.
    assert_eq!(app.refresh(&mut browser).await.status, 200);
}

#[actix_web::test]
async fn reusing_a_rotated_refresh_token_revokes_the_session() {
    let app = spawn_app().await;
    let mut signed_out = app.infra.probe::<UserSignedOut>().await;
    let (mut legitimate, user) = app.signed_up("mallory-target").await;
    let mut thief = Browser::new();
    thief.cookies = legitimate.cookies.clone();

    assert_eq!(app.refresh(&mut legitimate).await.status, 200);
    let replay = app.refresh(&mut thief).await;
    assert_eq!(replay.status, 401);
    assert_eq!(replay.code(), "unauthenticated");

    let event = signed_out.next(WAIT).await;
    assert_eq!(event.data.user_id.to_string(), user["id"]);
    assert!(event.data.session_id.is_some());

    // The whole session is gone: the newest refresh token and the access token no longer work.
    assert_eq!(app.refresh(&mut legitimate).await.status, 401);
    assert_eq!(app.current_user(&mut legitimate).await.status, 401);
}

#[actix_web::test]
async fn a_refresh_without_a_valid_token_is_a_401() {
    let app = spawn_app().await;
    assert_eq!(app.refresh(&mut Browser::new()).await.status, 401);
    let mut forger = Browser::new();
    forger.cookies.insert("refresh".into(), "made-up".into());
    assert_eq!(app.refresh(&mut forger).await.status, 401);
}
