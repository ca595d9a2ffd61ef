//! Sign-outs survive a Redis that lost its data.

use std::time::Duration;

use redis::AsyncCommands;

use crate::helpers::{Browser, WAIT, spawn_app_with};

#[actix_web::test]
async fn a_sign_out_is_listed_again_after_redis_forgets_it() {
    let app = spawn_app_with(|config| config.revocation_relist = Duration::from_millis(200)).await;
    let (mut browser, _) = app.signed_up("ida").await;
    let stolen = browser.cookies.clone();
    assert_eq!(app.sign_out(&mut browser).await.status, 204);

    // What a Redis restart does to the revocation list: it is gone.
    let cache = app.infra.cache();
    let mut redis = cache.connection();
    let pattern = cache.key("revoked-session:*");
    let listed: Vec<String> = redis.keys(&pattern).await.unwrap();
    assert_eq!(listed.len(), 1, "the sign-out is listed");
    let _: () = redis.del(&listed).await.unwrap();

    let relisted = shared::testing::eventually("the sign-out to be listed again", WAIT, || {
        let mut redis = redis.clone();
        let pattern = pattern.clone();
        async move {
            let keys: Vec<String> = redis.keys(&pattern).await.ok()?;
            (!keys.is_empty()).then_some(keys)
        }
    })
    .await;
    assert_eq!(relisted, listed);
    let ttl: i64 = redis.ttl(&relisted[0]).await.unwrap();
    assert!(
        ttl > 60 && ttl <= 15 * 60 + 65,
        "listed for what remains of the token's life, not forever: {ttl} s"
    );

    let mut copy = Browser::new();
    copy.cookies = stolen;
    assert_eq!(app.current_user(&mut copy).await.status, 401);
}
