use shared::cache::Cache;
use shared::rate_limit::{Allowance, RateLimiter, Verdict};
use shared::testing::{TcpProxy, TestInfra, eventually};

use crate::support::WAIT;

#[tokio::test]
async fn the_redis_handle_reconnects_by_itself_after_an_outage() {
    let infra = TestInfra::new("cache").await;
    let target = infra
        .redis_url
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .to_owned();
    let proxy = TcpProxy::start(&target).await;
    let cache = Cache::new(
        &proxy.rewrite(&infra.redis_url, &target),
        &infra.redis_prefix,
    )
    .unwrap();
    assert!(cache.ping().await);

    proxy.cut();
    eventually("the outage to be seen", WAIT, || async {
        (!cache.ping().await).then_some(())
    })
    .await;
    proxy.restore();
    eventually("the handle to reconnect", WAIT, || async {
        cache.ping().await.then_some(())
    })
    .await;
}

#[tokio::test]
async fn keys_live_under_the_prefix_and_are_removed_with_the_test() {
    let infra = TestInfra::new("cache").await;
    let cache = infra.cache();
    assert!(cache.key("x").starts_with(&infra.redis_prefix));
    let mut connection = cache.connection();
    let _: () = redis::AsyncCommands::set(&mut connection, cache.key("x"), 1)
        .await
        .unwrap();
    let value: i64 = redis::AsyncCommands::get(&mut connection, cache.key("x"))
        .await
        .unwrap();
    assert_eq!(value, 1);
}

/// Several uses in one call are judged in order, each bucket on its own: a bucket named more
/// often than its burst allows is refused from then on (with the wait until its next unit),
/// and one call spends what separate calls would.
#[tokio::test]
async fn many_uses_in_one_call_are_judged_in_order_per_bucket() {
    let infra = TestInfra::new("cache").await;
    let limiter = RateLimiter::new(infra.cache());
    // One unit an hour: nothing comes back during the test.
    let slow = Allowance::new(1.0 / 3600.0, 2.0);
    let verdicts = limiter
        .take_many(&[
            ("send:ann", slow),
            ("send:bob", slow),
            ("send:ann", slow),
            ("send:ann", slow),
            ("read:ann", slow),
        ])
        .await;
    assert_eq!(verdicts[0], Verdict::Allowed);
    assert_eq!(verdicts[1], Verdict::Allowed);
    assert_eq!(verdicts[2], Verdict::Allowed);
    let Verdict::Refused(wait) = verdicts[3] else {
        panic!("ann's third send within her burst of two: {verdicts:?}");
    };
    assert!(wait > std::time::Duration::from_secs(3000), "{wait:?}");
    assert_eq!(verdicts[4], Verdict::Allowed);
    assert!(matches!(
        limiter.take("send:ann", slow).await,
        Verdict::Refused(_)
    ));
    assert_eq!(limiter.take("send:bob", slow).await, Verdict::Allowed);
    assert!(limiter.take_many(&[]).await.is_empty());
}

/// A Redis that takes connections and never answers (a partition, a hung server): allowances
/// come from the instance's own memory after a short wait, the same numbers, so a burst is
/// still allowed and what is beyond it refused.
#[tokio::test]
async fn an_unanswering_redis_leaves_the_allowances_to_the_instance() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = silent.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let limiter = RateLimiter::new(Cache::new(&format!("redis://{address}"), "silent").unwrap());
    let once = Allowance::new(1.0 / 3600.0, 1.0);
    assert_eq!(limiter.take("send:ann", once).await, Verdict::Allowed);
    assert!(matches!(
        limiter
            .take_many(&[("send:ann", once), ("send:bob", once)])
            .await[..],
        [Verdict::Refused(_), Verdict::Allowed]
    ));
    held.abort();
}
