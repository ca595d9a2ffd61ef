//! A client that never reads: the frames meant for it pile up (in the kernel, in actix and in
//! its bounded send queue) until the queue is full; then the server disconnects it, and nobody
//! else notices. Counts only, no timing.

use std::time::Duration;

use serde_json::json;
use shared::events::UserOffline;
use shared::testing::{TEST_ORIGIN, TestUser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::{Stack, WAIT, send_frame, spawn_stack_with};

/// The content of each message to the client that does not read: the largest allowed.
const CONTENT_CHARS: usize = 4000;

/// Messages sent to the slow client between two checks (without waiting for each ack). Their
/// acks (and the one to Bob) may arrive as one burst, since messages applies commands in
/// batches, so they must fit Ann's own send queue of 8 frames here.
const BATCH: usize = 5;

/// At most this many messages are sent to the client that does not read. Between it and its
/// bounded queue (8 frames here) sit the kernel's buffers: the server's send buffer can grow to
/// the `tcp_wmem` maximum (4 MiB by default), so the bound follows it, with room to spare.
fn max_messages() -> usize {
    let wmem_max = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_wmem")
        .ok()
        .and_then(|v| v.split_whitespace().nth(2)?.parse::<usize>().ok())
        .unwrap_or(4 << 20);
    (wmem_max + (4 << 20)) / CONTENT_CHARS
}

/// A raw TCP connection that completes the WebSocket handshake on `/ws/chat` and one ping round
/// trip (which proves its deliveries are bound), with a small receive buffer; then the test never
/// reads from it again.
async fn connect_without_reading(stack: &Stack, user: &TestUser) -> TcpStream {
    let address = stack.nodes[0]
        .address
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(address).await.unwrap();
    let request = format!(
        "GET /ws/chat HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Origin: {TEST_ORIGIN}\r\nCookie: {}\r\n\r\n",
        user.cookie()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(WAIT, stream.read(&mut byte))
            .await
            .expect("a handshake answer")
            .unwrap();
        assert_eq!(read, 1, "the server answered the handshake");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");

    // One masked text frame (a zero mask is a valid mask), then read until the pong.
    let ping = br#"{"type":"ping"}"#;
    let mut frame = vec![0x81, 0x80 | ping.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(ping);
    stream.write_all(&frame).await.unwrap();
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"pong") {
        let mut chunk = [0u8; 256];
        let read = tokio::time::timeout(WAIT, stream.read(&mut chunk))
            .await
            .expect("a pong")
            .unwrap();
        assert!(read > 0, "the socket stayed open");
        seen.extend_from_slice(&chunk[..read]);
    }
    stream
}

#[actix_web::test]
async fn a_client_that_never_reads_is_disconnected_and_everyone_else_keeps_chatting() {
    let stack = spawn_stack_with(1, |c| {
        c.socket_limits.send_queue = 8;
        // Only a full queue may end the slow socket here, not the idle check.
        c.socket_limits.ping_interval = Duration::from_secs(3600);
        c.socket_limits.idle_timeout = Duration::from_secs(3600);
    })
    .await;
    let ann = stack.user("ann").await;
    let bob = stack.user("bob").await;
    let slow = stack.user("slow").await;
    let mut offline = stack.infra.probe::<UserOffline>().await;
    let mut anns = stack.connect(&ann, 0).await;
    let mut bobs = stack.connect(&bob, 0).await;
    let mut slows = connect_without_reading(&stack, &slow).await;

    let watcher = tokio::spawn(async move { offline.next(Duration::from_secs(600)).await });
    let big = "x".repeat(CONTENT_CHARS);
    let limit = max_messages();
    let mut to_slow = 0;
    let mut to_bob = 0;
    while !watcher.is_finished() {
        assert!(
            to_slow < limit,
            "{to_slow} messages sent to a client that reads nothing, and it is still connected"
        );
        for _ in 0..BATCH {
            anns.send_json(&send_frame(&format!("s{to_slow}"), &slow, &big))
                .await;
            to_slow += 1;
        }
        // Meanwhile Ann and Bob chat; every message reaches Bob, in order.
        anns.send_json(&send_frame(&format!("b{to_bob}"), &bob, "hi bob"))
            .await;
        for _ in 0..=BATCH {
            anns.next_of_type("message.ack", WAIT).await;
        }
        let new = bobs.next_of_type("message.new", WAIT).await;
        assert_eq!(new["message"]["seq"], to_bob + 1);
        to_bob += 1;
    }
    let event = watcher.await.unwrap();
    assert_eq!(
        event.data.user_id, slow.id,
        "the slow client's user went offline"
    );

    // After the kick the others chat on; every one of these is delivered too.
    for i in 0..20 {
        anns.send_json(&send_frame(&format!("after{i}"), &bob, "still here"))
            .await;
        anns.next_of_type("message.ack", WAIT).await;
        let new = bobs.next_of_type("message.new", WAIT).await;
        assert_eq!(new["message"]["seq"], to_bob + 1);
        to_bob += 1;
    }
    bobs.send_json(&json!({"type": "ping"})).await;
    bobs.next_of_type("pong", WAIT).await;

    // The server closed the slow connection: reading it now drains what was buffered, then EOF.
    let mut drained = 0usize;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let read = tokio::time::timeout(WAIT, slows.read(&mut chunk))
            .await
            .expect("the server closes the slow connection")
            .unwrap_or(0);
        if read == 0 {
            break;
        }
        drained += read;
    }
    println!(
        "slow client: disconnected after {to_slow} messages of {CONTENT_CHARS} characters ({drained} bytes \
         were still buffered for it); {to_bob} messages between the others all delivered in order"
    );
}
