use shared::cache::Cache;
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
