//! The costly routes' per-user allowances: searches and uploads beyond them are answered 429
//! `rate_limited` with `Retry-After`, before any work, and one user's flood leaves others alone.

use shared::rate_limit::Allowance;
use shared::testing::TEST_ORIGIN;

use crate::helpers::spawn_app_with;

/// Three at once, then one every ~17 minutes: enough to see the fourth refused.
const TIGHT: Allowance = Allowance::new(0.001, 3.0);

#[actix_web::test]
async fn searches_beyond_the_allowance_are_refused_per_user() {
    let app = spawn_app_with(|config| config.search_allowance = TIGHT).await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let path = "/api/messages/search?q=hello";
    for _ in 0..3 {
        assert_eq!(app.get(Some(&ann), path).await.0, 200);
    }
    let refused = app.service.get(path, Some(&ann.cookie())).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["error"]["code"], "rate_limited");
    let retry_after: u64 = refused
        .headers
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1, "{retry_after}");
    // Even a query that would be refused as invalid: the allowance is taken first.
    assert_eq!(app.get(Some(&ann), "/api/messages/search?q=").await.0, 429);
    assert_eq!(app.get(Some(&bob), path).await.0, 200, "bob has his own");
}

#[actix_web::test]
async fn uploads_beyond_the_allowance_are_refused_before_the_body_is_read() {
    let app = spawn_app_with(|config| config.upload_allowance = Allowance::new(0.001, 1.0)).await;
    let ann = app.user("ann").await;
    let upload = |body: &'static str| {
        let cookie = ann.cookie();
        let service = &app.service;
        async move {
            service
                .request_raw(
                    "POST",
                    "/api/messages/attachments?filename=a.txt",
                    Some(&cookie),
                    Some(TEST_ORIGIN),
                    Some(body),
                )
                .await
        }
    };
    assert_ne!(upload("first").await.status, 429);
    let refused = upload("second").await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["error"]["code"], "rate_limited");
}
