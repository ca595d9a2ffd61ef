//! A push subscription belongs to the session that made it and ends with it: a sign-out, a
//! sign-out everywhere, a revocation (auth publishes `user.signed.out` for each).

use shared::auth::Claims;
use shared::events::UserSignedOut;
use shared::ids::SessionId;
use shared::testing::TestUser;

use crate::helpers::assert_error;
use crate::push_support::{StandIn, other_session, spawn_push_app};

#[actix_web::test]
async fn signing_out_deletes_only_that_sessions_subscriptions() {
    let app = spawn_push_app(|_| {}).await;
    let standin = StandIn::start().await;
    let laptop_session = TestUser::new("bob");
    let phone_session = other_session(&laptop_session);
    let laptop = app.subscribe(&laptop_session, &standin.browser(&[])).await;
    let phone = app.subscribe(&phone_session, &standin.browser(&[])).await;

    app.publish(UserSignedOut {
        user_id: laptop_session.id,
        session_id: Some(laptop_session.session_id),
    })
    .await;
    app.wait_until_unsubscribed(&phone_session, &laptop).await;
    let left = app.subscriptions(&phone_session).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], phone);
}

#[actix_web::test]
async fn signing_out_everywhere_deletes_every_subscription_of_the_user() {
    let app = spawn_push_app(|_| {}).await;
    let standin = StandIn::start().await;
    let bob = TestUser::new("bob");
    let other = other_session(&bob);
    let carol = TestUser::new("carol");
    app.subscribe(&bob, &standin.browser(&[])).await;
    let last = app.subscribe(&other, &standin.browser(&[])).await;
    app.subscribe(&carol, &standin.browser(&[])).await;

    app.publish(UserSignedOut {
        user_id: bob.id,
        session_id: None,
    })
    .await;
    app.wait_until_unsubscribed(&bob, &last).await;
    assert!(app.subscriptions(&bob).await.is_empty());
    assert_eq!(app.subscriptions(&carol).await.len(), 1, "carol's stays");
}

#[actix_web::test]
async fn a_subscription_request_of_an_ended_session_is_refused() {
    let app = spawn_push_app(|_| {}).await;
    let standin = StandIn::start().await;
    let bob = TestUser::new("bob");
    // Signed in a while ago, so its tokens are older than the sign-out everywhere below.
    let mut claims = Claims::issue(bob.id, "bob", SessionId::new());
    claims.iat -= 120;
    claims.exp -= 120;
    let other = TestUser::from_claims(claims);
    let witness = app.subscribe(&other, &standin.browser(&[])).await;
    app.publish(UserSignedOut {
        user_id: bob.id,
        session_id: Some(bob.session_id),
    })
    .await;
    app.publish(UserSignedOut {
        user_id: other.id,
        session_id: None,
    })
    .await;
    app.wait_until_unsubscribed(&other, &witness).await;

    // The token still verifies (its revocation in Redis is auth's to write, and this test has
    // none): the ended sessions recorded here refuse it all the same.
    for session in [&bob, &other] {
        let late = app
            .subscribe_raw(session, &standin.browser(&[]).subscription)
            .await;
        assert_error(&late, 401, "unauthenticated");
    }
    // A session started after the sign-out everywhere subscribes as usual.
    let fresh = other_session(&bob);
    let answer = app
        .subscribe_raw(&fresh, &standin.browser(&[]).subscription)
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}
