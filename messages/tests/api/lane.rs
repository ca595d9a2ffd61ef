//! The writer lane, from a node's side: found in Redis, open only to who holds the broker's
//! credentials, applying what is sent on it, and taken over by another replica when the writer
//! stops.

use redis::AsyncCommands;
use shared::chat::lane::{self, Outcome};
use shared::chat::{ChatCommand, CommandEnvelope};
use shared::testing::{TestUser, WAIT, eventually};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::helpers::{self, TestApp, direct_send, spawn_app};

/// The address the writer keeps in Redis, once it is there and differs from `not`.
async fn lane_address(app: &TestApp, not: Option<&str>) -> String {
    let cache = app.infra.cache();
    eventually("the writer to publish its lane", WAIT, || async {
        let address: Option<String> = cache.connection().get(cache.key(lane::KEY)).await.ok()?;
        address.filter(|address| Some(address.as_str()) != not)
    })
    .await
}

/// A connection that has passed the handshake with `secret` and named no queued command.
async fn open(address: &str, secret: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    lane::answer(&mut stream, secret).await.unwrap();
    lane::write_frame(&mut stream, &[]).await.unwrap();
    stream.flush().await.unwrap();
    stream
}

fn envelope(user: &TestUser, command: ChatCommand) -> CommandEnvelope {
    helpers::envelope(uuid::Uuid::now_v7(), user, command)
}

/// Sends one batch and reads its outcome.
async fn send_batch(
    stream: &mut TcpStream,
    id: u64,
    commands: &[&CommandEnvelope],
) -> Option<(u64, Outcome)> {
    let body = lane::encode_batch(id, commands).unwrap();
    lane::write_frame(stream, &body).await.unwrap();
    stream.flush().await.unwrap();
    let answer = tokio::time::timeout(WAIT, lane::read_frame(stream))
        .await
        .unwrap();
    answer
        .ok()
        .flatten()
        .and_then(|body| lane::decode_outcome(&body))
}

async fn stored(app: &TestApp) -> Vec<String> {
    app.infra
        .db()
        .await
        .query("SELECT content FROM messages ORDER BY seq", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[actix_web::test]
async fn a_batch_on_the_lane_is_applied_in_order_and_answered_and_a_repeat_stored_once() {
    let app = spawn_app().await;
    let (ann, bob) = (app.user("ann").await, app.user("bob").await);
    let address = lane_address(&app, None).await;
    let mut stream = open(&address, &lane::secret(&app.infra.amqp_url)).await;

    let first = envelope(&ann, direct_send(&bob, "c1", "one"));
    let second = envelope(&ann, direct_send(&bob, "c2", "two"));
    assert_eq!(
        send_batch(&mut stream, 7, &[&first, &second]).await,
        Some((7, Outcome::Done))
    );
    // The same send again (a node gave it back to the queue, say, and sent it once more).
    let again = envelope(&ann, direct_send(&bob, "c1", "one"));
    assert_eq!(
        send_batch(&mut stream, 8, &[&again]).await,
        Some((8, Outcome::Done))
    );
    assert_eq!(stored(&app).await, ["one", "two"]);

    // A batch nobody can read is answered (there is nobody to tell) and the lane stays open.
    lane::write_frame(&mut stream, b"\0\0\0\0\0\0\0\x09[{\"not\": 1}]")
        .await
        .unwrap();
    stream.flush().await.unwrap();
    let answer = lane::read_frame(&mut stream).await.unwrap().unwrap();
    assert_eq!(lane::decode_outcome(&answer), Some((9, Outcome::Done)));
    let third = envelope(&ann, direct_send(&bob, "c3", "three"));
    assert_eq!(
        send_batch(&mut stream, 10, &[&third]).await,
        Some((10, Outcome::Done))
    );
    assert_eq!(stored(&app).await, ["one", "two", "three"]);
}

#[actix_web::test]
async fn a_peer_that_cannot_prove_the_broker_credentials_is_turned_away() {
    let app = spawn_app().await;
    let (ann, bob) = (app.user("ann").await, app.user("bob").await);
    let address = lane_address(&app, None).await;
    let mut stream = open(&address, b"guest:a-guess").await;
    let forged = envelope(&ann, direct_send(&bob, "c1", "forged"));
    let body = lane::encode_batch(1, &[&forged]).unwrap();
    // The writer has closed the connection: the write may still land in a buffer, no answer comes.
    let _ = lane::write_frame(&mut stream, &body).await;
    let _ = stream.flush().await;
    let answer = tokio::time::timeout(WAIT, lane::read_frame(&mut stream))
        .await
        .unwrap();
    assert!(
        !matches!(answer, Ok(Some(_))),
        "no outcome for an unproven peer"
    );
    assert!(stored(&app).await.is_empty());
}

#[actix_web::test]
async fn when_the_writer_stops_another_replica_takes_the_lock_and_the_lane() {
    let app = spawn_app().await;
    let (ann, bob) = (app.user("ann").await, app.user("bob").await);
    let first = lane_address(&app, None).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|free| free.local_addr())
        .unwrap()
        .port();
    let second = app.replica(|config| config.lane.port = port).await;
    // The second replica is not the writer: its lane closes every connection at once, without
    // a challenge, and the address stays the first's.
    let mut refused = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let answer = tokio::time::timeout(WAIT, lane::read_frame(&mut refused)).await;
    assert!(
        matches!(answer, Ok(Ok(None) | Err(_))),
        "a replica that is not the writer serves nobody"
    );
    assert_eq!(lane_address(&app, None).await, first);

    app.service.stop();
    let taken = lane_address(&app, Some(&first)).await;
    let mut stream = open(&taken, &lane::secret(&app.infra.amqp_url)).await;
    let send = envelope(&ann, direct_send(&bob, "c1", "after the handover"));
    assert_eq!(
        send_batch(&mut stream, 1, &[&send]).await,
        Some((1, Outcome::Done))
    );
    assert_eq!(stored(&app).await, ["after the handover"]);
    second.stop();
}

#[actix_web::test]
async fn a_frame_without_a_batch_id_closes_the_lane_and_stores_nothing() {
    let app = spawn_app().await;
    let address = lane_address(&app, None).await;
    let mut stream = open(&address, &lane::secret(&app.infra.amqp_url)).await;
    lane::write_frame(&mut stream, b"[]").await.unwrap();
    stream.flush().await.unwrap();
    let answer = tokio::time::timeout(WAIT, lane::read_frame(&mut stream))
        .await
        .unwrap();
    assert!(
        matches!(answer, Ok(None) | Err(_)),
        "closed, without an answer"
    );
    assert!(stored(&app).await.is_empty());
}
