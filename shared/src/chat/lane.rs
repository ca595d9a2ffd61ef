//! The writer lane: how socket-handler nodes hand sends and typing notices straight to messages'
//! active command writer, over a TCP connection of their own, instead of through the commands
//! queue kept in memory.
//!
//! Those are the commands whose loss costs nothing
//! ([`super::ChatCommand::is_sent_again_if_lost`]): a send is sent again by its client until it
//! is acknowledged, a typing notice is never stored. So the lane needs no store of its own: what
//! it has not confirmed is answered `unavailable` and sent again, and a send applied twice is
//! recognised by its sender and `clientMsgId`. What it saves is the broker's two hops per batch
//! (a confirmed publish, a delivery and its ack) and their hand-offs in three processes.
//!
//! One messages replica at a time is the writer: it holds a Postgres advisory lock and keeps its
//! address under [`KEY`] in Redis, refreshed well within [`TTL`]. A node connects to that
//! address; the writer sends a random challenge and the node answers with an HMAC of it keyed by
//! the broker's credentials ([`secret`]), so the lane admits exactly those who could publish to
//! the queue it stands in for, and the credentials never cross the wire.
//!
//! Frames are a big-endian `u32` length and a body. A node sends batches: an 8-byte id and the
//! commands as a JSON array, the same array a commands-queue message carries. The writer
//! applies them in the order they arrive and answers each with its id and an [`Outcome`].

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::CommandEnvelope;

/// The Redis key (under the deployment's prefix) holding the active writer's lane address.
pub const KEY: &str = "chat:writer-lane";

/// How long the address stays without being refreshed: a writer that vanished is forgotten
/// after this, though nodes notice sooner (their connection breaks).
pub const TTL: Duration = Duration::from_secs(3);

/// How often the writer refreshes the address and checks that it still holds the lock.
pub const REFRESH: Duration = Duration::from_secs(1);

/// The largest frame either side accepts: a batch of the most commands a node gathers, each of
/// the largest frame a socket accepts, fits with room to spare.
const MAX_FRAME: usize = 48 << 20;

/// The challenge's length.
const NONCE_BYTES: usize = 32;

/// The largest frame of the handshake (a challenge, or an answer: 32 bytes each).
const HANDSHAKE_FRAME: usize = 64;

/// What became of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Applied and committed, or refused for good (each refused command has had its `error`
    /// frame): nothing to send again.
    Done,
    /// Not applied, for a passing reason (Postgres unreachable): its senders are told
    /// `unavailable` and send again.
    NotApplied,
}

/// The key both ends prove they hold: the user and password of the broker URL, as written.
pub fn secret(amqp_url: &str) -> Vec<u8> {
    let after_scheme = amqp_url
        .split_once("://")
        .map_or(amqp_url, |(_, rest)| rest);
    let authority = after_scheme.split('/').next().unwrap_or_default();
    let credentials = authority.rsplit_once('@').map_or("", |(user, _)| user);
    credentials.as_bytes().to_vec()
}

/// Reads one frame; `None` when the peer closed the connection between frames.
pub async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R) -> std::io::Result<Option<Vec<u8>>> {
    read_frame_of_at_most(reader, MAX_FRAME).await
}

/// Reads one frame of at most `limit` bytes: before the handshake, a peer must not make the
/// other side set aside more than a challenge's worth.
async fn read_frame_of_at_most<R: AsyncRead + Unpin>(
    reader: &mut R,
    limit: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    let length = match reader.read_u32().await {
        Ok(length) => length as usize,
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    };
    if length > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("a lane frame of {length} bytes"),
        ));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    Ok(Some(body))
}

/// Writes one frame (buffered: the caller flushes).
pub async fn write_frame<W: AsyncWrite + Unpin>(
    writer: &mut W,
    body: &[u8],
) -> std::io::Result<()> {
    let length = u32::try_from(body.len())
        .ok()
        .filter(|length| *length as usize <= MAX_FRAME)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "frame too large"))?;
    writer.write_u32(length).await?;
    writer.write_all(body).await
}

/// A batch's frame body.
pub fn encode_batch(id: u64, commands: &[&CommandEnvelope]) -> serde_json::Result<Vec<u8>> {
    let mut body = id.to_be_bytes().to_vec();
    serde_json::to_writer(&mut body, commands)?;
    Ok(body)
}

/// A batch from its frame body: its id, and its commands or why they cannot be read.
pub fn decode_batch(body: &[u8]) -> Option<(u64, Result<Vec<CommandEnvelope>, String>)> {
    let (id, commands) = split_id(body)?;
    Some((
        id,
        serde_json::from_slice(commands).map_err(|e| e.to_string()),
    ))
}

/// An outcome's frame body.
pub fn encode_outcome(id: u64, outcome: Outcome) -> [u8; 9] {
    let mut body = [0; 9];
    body[..8].copy_from_slice(&id.to_be_bytes());
    body[8] = u8::from(outcome == Outcome::NotApplied);
    body
}

/// An outcome from its frame body.
pub fn decode_outcome(body: &[u8]) -> Option<(u64, Outcome)> {
    match split_id(body)? {
        (id, [0]) => Some((id, Outcome::Done)),
        (id, [1]) => Some((id, Outcome::NotApplied)),
        _ => None,
    }
}

fn split_id(body: &[u8]) -> Option<(u64, &[u8])> {
    let (id, rest) = body.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*id), rest))
}

/// The writer's side of the handshake: sends a fresh challenge and checks the answer.
pub async fn challenge<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    secret: &[u8],
) -> std::io::Result<bool> {
    let nonce: [u8; NONCE_BYTES] = rand::random();
    write_frame(stream, &nonce).await?;
    stream.flush().await?;
    let Some(answer) = read_frame_of_at_most(stream, HANDSHAKE_FRAME).await? else {
        return Ok(false);
    };
    Ok(keyed(secret, &nonce)?.verify_slice(&answer).is_ok())
}

/// A node's side of the handshake: answers the writer's challenge.
pub async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    secret: &[u8],
) -> std::io::Result<()> {
    let nonce = read_frame_of_at_most(stream, HANDSHAKE_FRAME)
        .await?
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no challenge"))?;
    write_frame(stream, &keyed(secret, &nonce)?.finalize().into_bytes()).await?;
    stream.flush().await
}

/// The HMAC of `nonce` under `secret` (an HMAC takes a key of any length, so this does not fail
/// in practice; the error keeps it from being a panic should that change).
fn keyed(secret: &[u8], nonce: &[u8]) -> std::io::Result<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    mac.update(nonce);
    Ok(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_the_credentials_of_the_url() {
        assert_eq!(
            secret("amqp://gochat:s3cr%40t@rabbit:5672/%2f"),
            b"gochat:s3cr%40t"
        );
        assert_eq!(secret("amqp://rabbit:5672"), b"");
        assert_eq!(secret("amqp://a:b@c@host/vhost"), b"a:b@c");
    }

    #[test]
    fn outcomes_and_batches_read_back_as_written() {
        for outcome in [Outcome::Done, Outcome::NotApplied] {
            assert_eq!(
                decode_outcome(&encode_outcome(7, outcome)),
                Some((7, outcome))
            );
        }
        assert_eq!(decode_outcome(&[0; 9][..8]), None);
        assert_eq!(decode_outcome(&[0, 0, 0, 0, 0, 0, 0, 1, 9]), None);
        let (id, commands) = decode_batch(&encode_batch(42, &[]).unwrap()).unwrap();
        assert_eq!(id, 42);
        assert!(commands.is_ok_and(|c| c.is_empty()));
        assert!(matches!(decode_batch(b"12345678nope"), Some((_, Err(_)))));
        assert!(decode_batch(b"short").is_none());
    }

    #[tokio::test]
    async fn an_unproven_peer_cannot_announce_a_large_frame() {
        let (mut writer, mut node) = tokio::io::duplex(256);
        let (verdict, _) = tokio::join!(challenge(&mut writer, b"guest:guest"), async {
            let _ = read_frame(&mut node).await;
            node.write_u32(40 << 20).await
        });
        assert!(verdict.is_err(), "refused before reading 40 MiB");
    }

    #[tokio::test]
    async fn the_handshake_admits_only_a_peer_with_the_same_secret() {
        for (theirs, admitted) in [(&b"guest:guest"[..], true), (&b"guest:other"[..], false)] {
            let (mut writer, mut node) = tokio::io::duplex(256);
            let (verdict, answered) = tokio::join!(
                challenge(&mut writer, b"guest:guest"),
                answer(&mut node, theirs)
            );
            assert!(answered.is_ok());
            assert_eq!(verdict.ok(), Some(admitted));
        }
    }
}
