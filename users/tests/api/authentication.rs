//! Both endpoints are for signed-in users only: 401 `unauthenticated` otherwise.

use shared::auth::Claims;
use shared::ids::{SessionId, UserId};
use shared::testing::TestUser;

use crate::helpers::{assert_error, spawn_app};

#[actix_web::test]
async fn listing_without_a_cookie_is_unauthenticated() {
    let app = spawn_app().await;
    for path in ["/api/users", "/api/users/"] {
        assert_error(&app.get(path, None).await, 401, "unauthenticated");
    }
}

#[actix_web::test]
async fn listing_with_a_garbage_cookie_is_unauthenticated() {
    let app = spawn_app().await;
    for cookie in ["auth=garbage", "auth=", "auth=a.b.c", "other=1"] {
        let answer = app.get("/api/users", Some(cookie)).await;
        assert_error(&answer, 401, "unauthenticated");
    }
}

#[actix_web::test]
async fn listing_with_an_expired_token_is_unauthenticated() {
    let app = spawn_app().await;
    let mut claims = Claims::issue(UserId::new(), "late", SessionId::new());
    claims.iat -= 3600;
    claims.exp = claims.iat + 60;
    let expired = TestUser::from_claims(claims);
    assert_error(
        &app.get("/api/users", Some(&expired.cookie())).await,
        401,
        "unauthenticated",
    );
}

#[actix_web::test]
async fn fetching_a_user_without_a_valid_cookie_is_unauthenticated() {
    let app = spawn_app().await;
    let someone = app.seed(&[("someone", false)]).await.remove(0);
    let path = format!("/api/users/{}", someone.id);
    assert_error(&app.get(&path, None).await, 401, "unauthenticated");
    assert_error(
        &app.get(&path, Some("auth=garbage")).await,
        401,
        "unauthenticated",
    );
}
