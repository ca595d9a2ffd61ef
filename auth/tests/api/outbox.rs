use shared::events::UserRegistered;
use shared::testing::TcpProxy;

use crate::helpers::{WAIT, spawn_app_with};

#[actix_web::test]
async fn an_account_created_while_the_broker_is_down_is_announced_once_it_is_back() {
    let amqp_url = std::env::var("AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
    let target = amqp_url
        .split_once('@')
        .map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_owned())
        .unwrap();
    let proxy = TcpProxy::start(&target).await;
    proxy.cut();
    let proxied = proxy.rewrite(&amqp_url, &target);
    let app = spawn_app_with(|c| c.common.amqp_url = proxied).await;
    let mut registered = app.infra.probe::<UserRegistered>().await;

    let (_, user) = app.signed_up("quinn").await;
    registered
        .assert_silent(std::time::Duration::from_millis(500))
        .await;

    proxy.restore();
    let event = registered.next(WAIT).await;
    assert_eq!(event.data.user_id.to_string(), user["id"]);
    registered
        .assert_silent(std::time::Duration::from_millis(300))
        .await;
}
