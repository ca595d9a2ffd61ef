//! Without its database the service answers 503 `unavailable`, and recovers by itself.

use shared::testing::{TcpProxy, eventually};

use crate::helpers::{WAIT, assert_error, spawn_app_with};

fn postgres_server() -> String {
    let url =
        std::env::var("PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let authority = url.split("://").nth(1).unwrap_or(&url);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    authority.split('/').next().unwrap_or(authority).to_owned()
}

#[actix_web::test]
async fn requests_answer_503_while_the_database_is_unreachable() {
    let target = postgres_server();
    let proxy = TcpProxy::start(&target).await;
    let app = spawn_app_with(|config| {
        config.common.database_url = proxy.rewrite(&config.common.database_url, &target);
    })
    .await;
    let alice = app.seed(&[("alice", false)]).await.remove(0);

    proxy.cut();
    let answer = eventually("the outage to show", WAIT, || async {
        let answer = app.user(alice.id).await;
        (answer.status != 200).then_some(answer)
    })
    .await;
    assert_error(&answer, 503, "unavailable");
    // A listing no one has cached yet has nowhere to come from.
    assert_error(
        &app.list(&app.observer, "q=nobody-asked-before").await,
        503,
        "unavailable",
    );

    proxy.restore();
    app.wait_for_user(alice.id, |b| b["username"] == "alice")
        .await;
}
