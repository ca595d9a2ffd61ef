use std::time::Duration;

use shared::events::{UserRegistered, UserSignedOut};
use shared::testing::{TestUser, WsEnd};

use crate::helpers::{WAIT, spawn_app};

#[actix_web::test]
async fn a_sign_up_is_announced_to_connected_users() {
    let app = spawn_app().await;
    let mut socket = app.connect(&TestUser::new("bob")).await;
    let newcomer = shared::ids::UserId::new();
    app.publish(UserRegistered {
        user_id: newcomer,
        username: "Newcomer".into(),
    })
    .await;
    let frame = socket.next_of_type("user.registered", WAIT).await;
    assert_eq!(frame["user"]["id"], newcomer.to_string());
    assert_eq!(frame["user"]["username"], "Newcomer");
    assert_eq!(frame["user"]["status"], "offline");
}

#[actix_web::test]
async fn signing_out_closes_that_sessions_sockets_with_4001_and_no_others() {
    let app = spawn_app().await;
    let laptop = TestUser::new("ann");
    let phone = TestUser {
        session_id: shared::ids::SessionId::new(),
        ..TestUser::from_claims(shared::auth::Claims::issue(
            laptop.id,
            "ann",
            shared::ids::SessionId::new(),
        ))
    };
    let mut laptop_socket = app.connect(&laptop).await;
    let mut phone_socket = app.connect(&phone).await;

    let started = tokio::time::Instant::now();
    app.publish(UserSignedOut {
        user_id: laptop.id,
        session_id: Some(laptop.session_id),
    })
    .await;
    assert_eq!(laptop_socket.closed(WAIT).await, WsEnd::Closed(4001));
    tracing::info!(elapsed = ?started.elapsed(), "session socket closed");
    phone_socket.assert_silent(Duration::from_millis(300)).await;

    app.publish(UserSignedOut {
        user_id: laptop.id,
        session_id: None,
    })
    .await;
    assert_eq!(phone_socket.closed(WAIT).await, WsEnd::Closed(4001));
}
