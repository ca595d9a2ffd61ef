//! How a chat socket ends when the client ends it.

use awc::ws::{CloseCode, CloseReason, Message};
use shared::testing::WsEnd;

use crate::helpers::{WAIT, spawn_stack};

#[actix_web::test]
async fn a_client_close_is_answered_with_a_close_frame() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let mut socket = stack.connect(&ann, 0).await;
    socket
        .send_message(Message::Close(Some(CloseReason {
            code: CloseCode::Normal,
            description: Some("bye".into()),
        })))
        .await;
    // RFC 6455 §5.5.1: the server echoes the close; the client must not be left to time out.
    assert_eq!(socket.closed(WAIT).await, WsEnd::Closed(1000));
}

#[actix_web::test]
async fn a_node_that_stops_closes_its_sockets_with_going_away() {
    let stack = spawn_stack(1).await;
    let ann = stack.user("ann").await;
    let mut socket = stack.connect(&ann, 0).await;
    // The node serves each socket in a task of its own, which its HTTP server does not count;
    // a stop must still close them properly (1001: reconnect), not drop them with the server.
    stack.nodes[0].stop();
    assert_eq!(socket.closed(WAIT).await, WsEnd::Closed(1001));
}
