use shared::auth::Claims;
use shared::ids::{SessionId, UserId};
use shared::testing::TestUser;

use crate::helpers::{Browser, spawn_app};

#[actix_web::test]
async fn the_current_user_needs_a_valid_session() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_up("pat").await;
    let genuine = browser.cookies["auth"].clone();

    let mut expired_claims = Claims::issue(UserId::new(), "pat", SessionId::new());
    expired_claims.iat -= 7200;
    expired_claims.exp = expired_claims.iat + 900;
    let tampered = {
        let mut parts: Vec<String> = genuine.split('.').map(str::to_owned).collect();
        parts[1] = parts[1].chars().rev().collect();
        parts.join(".")
    };
    for token in [
        String::new(),
        "garbage".to_owned(),
        tampered,
        TestUser::from_claims(expired_claims).token,
        // Genuinely signed, but for a session auth never started.
        TestUser::new("pat").token,
    ] {
        let mut browser = Browser::new();
        browser.cookies.insert("auth".into(), token.clone());
        let answer = app.current_user(&mut browser).await;
        assert_eq!(answer.status, 401, "{token}");
        assert_eq!(answer.code(), "unauthenticated");
    }
}
