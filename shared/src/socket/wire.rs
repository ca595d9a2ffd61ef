//! A WebSocket on the connection's own TCP stream, holding no buffer while it is idle.
//!
//! actix-ws keeps actix-http's HTTP/1 dispatcher under every socket, with its two 8 KiB buffers
//! for the connection's whole life: two thirds of an idle socket's memory (issue 18's W3). An
//! upgraded connection is handed to [`super::upgrade`] instead, which answers the handshake and
//! serves the socket here: bytes are read only when the stream is readable, through a buffer on
//! the stack, and kept on the heap only while a frame is incomplete; frames to send are encoded
//! into one buffer, written, and that buffer let go. Framing itself (masking,
//! lengths, opcodes, the size limit) is actix-http's codec.

use std::io;

use actix_http::ws::{CloseReason, Codec, Frame, Item, Message, ProtocolError};
use bytes::{Bytes, BytesMut};
use bytestring::ByteString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Decoder, Encoder};

/// Bytes read per system call while a socket has something to say.
const READ_CHUNK: usize = 4096;

/// A message from the client, continuations joined.
#[derive(Debug)]
pub(super) enum Incoming {
    /// A text message.
    Text(ByteString),
    /// A binary message (the contract has none: answered with an error).
    Binary,
    /// A ping, to answer with this payload.
    Ping(Bytes),
    /// A pong.
    Pong,
    /// The client's Close frame.
    Close(Option<CloseReason>),
}

/// Why the client's side of a socket cannot go on.
#[derive(Debug)]
pub(super) enum WireError {
    /// A frame, or the fragments of one message, over the size limit (closed with 1009).
    TooBig,
    /// Anything else the client got wrong (1002).
    Protocol(String),
}

/// One upgraded connection.
pub(super) struct Wire {
    io: TcpStream,
    codec: Codec,
    max_message: usize,
    /// Received bytes not yet a whole frame; empty (and unallocated) between frames.
    pending: BytesMut,
    /// A fragmented message being joined: its first fragment's kind (text?) and the bytes so far.
    partial: Option<(bool, BytesMut)>,
    out: BytesMut,
    ended: bool,
}

impl Wire {
    /// Over `io`, upgraded already; `early` holds what the client sent after its handshake.
    pub(super) fn new(io: TcpStream, early: BytesMut, max_message: usize) -> Self {
        Self {
            io,
            codec: Codec::new().max_size(max_message),
            max_message,
            pending: early,
            partial: None,
            out: BytesMut::new(),
            ended: false,
        }
    }

    /// The next message, or `None` once the client has gone. Cancel-safe: it waits only for the
    /// stream to become readable, and keeps what it read in `self`.
    pub(super) async fn next(&mut self) -> Option<Result<Incoming, WireError>> {
        loop {
            match self.decode() {
                Ok(Some(message)) => return Some(Ok(message)),
                Ok(None) => {}
                Err(e) => {
                    self.ended = true;
                    return Some(Err(e));
                }
            }
            if self.ended {
                return None;
            }
            // Waits through the stream's own read-readiness slot rather than `readable()`'s
            // list of waiters: the slot still holds the waker of the HTTP connection's task
            // that read the handshake, and while it does that task's memory cannot be freed.
            // Polling here replaces it with this socket's.
            if std::future::poll_fn(|cx| self.io.poll_read_ready(cx))
                .await
                .is_err()
            {
                return None;
            }
            self.read_available();
        }
    }

    /// Reads what the stream has, through a buffer on the stack: an idle socket holds none.
    fn read_available(&mut self) {
        let mut chunk = [0_u8; READ_CHUNK];
        loop {
            match self.io.try_read(&mut chunk) {
                Ok(0) => {
                    self.ended = true;
                    return;
                }
                Ok(n) => {
                    self.pending.extend_from_slice(&chunk[..n]);
                    if n < READ_CHUNK {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.ended = true;
                    return;
                }
            }
        }
    }

    /// The next whole message in what was read, if there is one.
    fn decode(&mut self) -> Result<Option<Incoming>, WireError> {
        loop {
            let frame = match self.codec.decode(&mut self.pending) {
                Ok(frame) => frame,
                Err(ProtocolError::Overflow) => return Err(WireError::TooBig),
                Err(e) => return Err(WireError::Protocol(e.to_string())),
            };
            if self.pending.is_empty() && self.pending.capacity() > 0 {
                // Let the allocation go between frames; the frame just decoded (if any) keeps
                // only its own part of it alive, for as long as it is handled.
                self.pending = BytesMut::new();
            }
            let Some(frame) = frame else {
                return Ok(None);
            };
            let message = match frame {
                Frame::Text(bytes) => Incoming::Text(utf8(bytes)?),
                Frame::Binary(_) => Incoming::Binary,
                Frame::Ping(bytes) => Incoming::Ping(bytes),
                Frame::Pong(_) => Incoming::Pong,
                Frame::Close(reason) => Incoming::Close(reason),
                Frame::Continuation(item) => match self.join(item)? {
                    Some(message) => message,
                    None => continue,
                },
            };
            return Ok(Some(message));
        }
    }

    /// Adds a fragment to the message being joined; the message once it is whole.
    fn join(&mut self, item: Item) -> Result<Option<Incoming>, WireError> {
        let (first, piece, last) = match item {
            Item::FirstText(piece) => (Some(true), piece, false),
            Item::FirstBinary(piece) => (Some(false), piece, false),
            Item::Continue(piece) => (None, piece, false),
            Item::Last(piece) => (None, piece, true),
        };
        if let Some(is_text) = first {
            self.partial = Some((is_text, BytesMut::new()));
        }
        let Some((is_text, joined)) = self.partial.as_mut() else {
            return Err(WireError::Protocol(
                "a continuation without a start".to_owned(),
            ));
        };
        if joined.len() + piece.len() > self.max_message {
            return Err(WireError::TooBig);
        }
        joined.extend_from_slice(&piece);
        if !last {
            return Ok(None);
        }
        let is_text = *is_text;
        let joined = self.partial.take().map(|(_, b)| b).unwrap_or_default();
        Ok(Some(if is_text {
            Incoming::Text(utf8(joined.freeze())?)
        } else {
            Incoming::Binary
        }))
    }

    /// Queues a text frame; [`Self::flush`] sends what is queued.
    pub(super) fn queue_text(&mut self, text: ByteString) {
        self.encode(Message::Text(text));
    }

    /// Queues a ping.
    pub(super) fn queue_ping(&mut self) {
        self.encode(Message::Ping(Bytes::new()));
    }

    /// Queues the answer to a ping.
    pub(super) fn queue_pong(&mut self, payload: Bytes) {
        self.encode(Message::Pong(payload));
    }

    /// Sends a Close frame after what is queued, ends the sending side, and reads (discarding)
    /// until the client closes too: closing with unread bytes would reset the connection, and
    /// the client could lose the Close frame with them. The caller bounds the wait.
    pub(super) async fn close(&mut self, reason: Option<CloseReason>) -> io::Result<()> {
        self.encode(Message::Close(reason));
        self.flush().await?;
        self.io.shutdown().await?;
        self.pending = BytesMut::new();
        // On the heap: a buffer on the stack here would be part of every socket's task.
        let mut chunk = vec![0_u8; 512];
        while self.io.read(&mut chunk).await? > 0 {}
        Ok(())
    }

    fn encode(&mut self, message: Message) {
        // Encoding a server frame into a buffer cannot fail (the codec's errors are about
        // continuations, which the server never sends).
        if let Err(e) = self.codec.encode(message, &mut self.out) {
            tracing::error!(error = %e, "cannot encode a frame");
        }
    }

    /// Writes everything queued.
    pub(super) async fn flush(&mut self) -> io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        self.io.write_all(&self.out).await?;
        // Let go once written: most sockets are idle most of the time, and a buffer kept for
        // the next write would be kept by every one of them.
        self.out = BytesMut::new();
        Ok(())
    }
}

fn utf8(bytes: Bytes) -> Result<ByteString, WireError> {
    ByteString::try_from(bytes)
        .map_err(|_| WireError::Protocol("text that is not UTF-8".to_owned()))
}
