//! The contract's WebSockets from the client side: opening `/ws/chat` and `/ws/notifications`
//! with the `auth` cookie and `Origin`, the frames, and a reader task per socket.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use anyhow::Context;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::net::{self, Target};

/// An open socket.
pub type Ws = WebSocketStream<TcpStream>;
/// Its sending half.
pub type WsSink = SplitSink<Ws, Message>;

/// How long an upgrade may take before it counts as failed.
pub const UPGRADE_TIMEOUT: Duration = Duration::from_secs(15);

/// `/ws/chat`.
pub const CHAT: &str = "/ws/chat";
/// `/ws/notifications`.
pub const NOTIFICATIONS: &str = "/ws/notifications";

/// Opens a socket at `path` as the user whose `auth` cookie this is.
pub async fn open(
    target: &Target,
    path: &str,
    auth_cookie: &str,
    source: Ipv4Addr,
) -> anyhow::Result<Ws> {
    tokio::time::timeout(
        UPGRADE_TIMEOUT,
        open_inner(target, path, auth_cookie, source),
    )
    .await
    .with_context(|| format!("the upgrade of {path} took longer than {UPGRADE_TIMEOUT:?}"))?
}

async fn open_inner(
    target: &Target,
    path: &str,
    auth_cookie: &str,
    source: Ipv4Addr,
) -> anyhow::Result<Ws> {
    let stream = net::connect(target, source).await?;
    let mut request = format!("{}{path}", target.ws_base).into_client_request()?;
    let headers = request.headers_mut();
    headers.insert("Origin", HeaderValue::from_str(&target.origin)?);
    headers.insert(
        "Cookie",
        HeaderValue::from_str(&format!("auth={auth_cookie}"))?,
    );
    // Small buffers: W3 holds ten thousand of these in one process.
    let config = WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0);
    match tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await {
        Ok((ws, _)) => Ok(ws),
        Err(WsError::Http(response)) => {
            let body = response
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default()
                .into_owned();
            anyhow::bail!("upgrade of {path} refused: {} {body}", response.status())
        }
        Err(e) => Err(e).with_context(|| format!("upgrade of {path}")),
    }
}

/// `message` of the contract, the fields the bench reads.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    /// Its id.
    pub id: String,
    /// Its conversation (`null` from the reference server, which has none).
    pub conversation_id: Option<String>,
    /// Its place in the conversation, dense from 1 (`null` from the reference server, which
    /// numbers nothing).
    pub seq: Option<i64>,
    /// Who sent it.
    pub sender_id: String,
    /// The text; the bench encodes what it needs to know about a message in it.
    pub content: String,
}

/// A server frame on either socket, the fields the bench reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerFrame {
    /// `message.ack`, `message.new`, `error`, `presence`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// On `message.ack` and some `error`s.
    pub client_msg_id: Option<String>,
    /// The chat message on `message.ack` and `message.new`; the human sentence on `error`.
    #[serde(default, rename = "message")]
    message_field: Option<MessageField>,
    /// On `error`.
    pub code: Option<String>,
    /// On `presence`.
    pub user_id: Option<String>,
    /// On `presence`: `online` or `offline`.
    pub status: Option<String>,
}

/// `message` is an object on acks and new messages, a sentence on errors.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum MessageField {
    Chat(ChatMessage),
    Other(serde::de::IgnoredAny),
}

impl ServerFrame {
    /// The chat message of a `message.ack` or `message.new`.
    pub fn message(self) -> Option<ChatMessage> {
        match self.message_field {
            Some(MessageField::Chat(m)) => Some(m),
            _ => None,
        }
    }

    /// The chat message of a `message.ack` or `message.new`, by reference.
    pub fn message_ref(&self) -> Option<&ChatMessage> {
        match &self.message_field {
            Some(MessageField::Chat(m)) => Some(m),
            _ => None,
        }
    }
}

/// The `message.send` frame.
pub fn send_frame(client_msg_id: &str, to: &str, content: &str) -> Message {
    Message::text(
        serde_json::json!({
            "type": "message.send",
            "clientMsgId": client_msg_id,
            "to": to,
            "content": content,
        })
        .to_string(),
    )
}

/// The `message.send` frame into a conversation by its id (a group).
pub fn send_frame_into(client_msg_id: &str, conversation: &str, content: &str) -> Message {
    Message::text(
        serde_json::json!({
            "type": "message.send",
            "clientMsgId": client_msg_id,
            "conversationId": conversation,
            "content": content,
        })
        .to_string(),
    )
}

/// How a reader ended.
#[derive(Debug)]
pub enum ReaderEnd {
    /// The server closed (with this code, if any).
    Closed(Option<u16>),
    /// The connection failed.
    Failed(String),
}

/// What a reader does with each text frame: `(text, arrival time)`. It returns whether the
/// frame was one it wanted parsed, which is up to it.
pub trait OnText: FnMut(&str, Instant) + Send + 'static {}
impl<F: FnMut(&str, Instant) + Send + 'static> OnText for F {}

/// Reads a socket until it ends, handing every text frame to `on_text`. Pings are answered by
/// the WebSocket layer while reading.
pub fn spawn_reader(
    mut stream: SplitStream<Ws>,
    mut on_text: impl OnText,
) -> JoinHandle<ReaderEnd> {
    tokio::spawn(async move {
        loop {
            match stream.next().await {
                Some(Ok(Message::Text(text))) => on_text(text.as_str(), Instant::now()),
                Some(Ok(Message::Close(frame))) => {
                    return ReaderEnd::Closed(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(_)) => {}
                Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) | None => {
                    return ReaderEnd::Closed(None);
                }
                Some(Err(e)) => return ReaderEnd::Failed(e.to_string()),
            }
        }
    })
}

/// A socket split into the half the workload writes to and a reader task.
pub struct Socket {
    /// Where frames are sent.
    pub sink: WsSink,
    /// The reader.
    pub reader: JoinHandle<ReaderEnd>,
}

impl Socket {
    /// Splits `ws` and starts its reader.
    pub fn start(ws: Ws, on_text: impl OnText) -> Self {
        let (sink, stream) = ws.split();
        Self {
            sink,
            reader: spawn_reader(stream, on_text),
        }
    }

    /// Whether the reader still runs (the socket is open).
    pub fn is_open(&self) -> bool {
        !self.reader.is_finished()
    }

    /// Sends a close frame and waits briefly for the connection to end; then drops it. (The
    /// services end the connection without the closing frame RFC 6455 asks for, so the wait is
    /// for the end of the TCP connection.)
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.sink.close()).await;
        if tokio::time::timeout(Duration::from_secs(1), &mut self.reader)
            .await
            .is_err()
        {
            self.reader.abort();
        }
    }
}

/// How the sockets the server already closed ended, by close code or error (for the record),
/// and the sockets still open.
pub async fn ended_by_server(sockets: Vec<Socket>) -> (BTreeMap<String, u64>, Vec<Socket>) {
    let mut ended = BTreeMap::new();
    let mut open = Vec::with_capacity(sockets.len());
    for s in sockets {
        if s.is_open() {
            open.push(s);
            continue;
        }
        let key = match s.reader.await {
            Ok(ReaderEnd::Closed(Some(code))) => format!("closed {code}"),
            Ok(ReaderEnd::Closed(None)) => "closed without a code".to_owned(),
            Ok(ReaderEnd::Failed(e)) => format!("failed: {e}"),
            Err(e) => format!("reader task: {e}"),
        };
        *ended.entry(key).or_default() += 1;
    }
    (ended, open)
}

/// Closes many sockets at once (bounded in time).
pub async fn close_all(sockets: Vec<Socket>) {
    let closing: Vec<_> = sockets
        .into_iter()
        .map(|s| tokio::spawn(s.close()))
        .collect();
    for c in closing {
        let _ = c.await;
    }
}

/// Parses a frame, `None` if it is not JSON of the expected shape.
pub fn parse(text: &str) -> Option<ServerFrame> {
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_acks_and_presence_frames_parse() {
        let error = parse(
            r#"{"type":"error","code":"rate_limited","message":"Slow down.","clientMsgId":"c1"}"#,
        )
        .expect("an error frame parses");
        assert_eq!(error.code.as_deref(), Some("rate_limited"));
        assert_eq!(error.client_msg_id.as_deref(), Some("c1"));
        assert!(error.message().is_none());

        let ack = parse(
            r#"{"type":"message.ack","clientMsgId":"c1","message":{"id":"m","conversationId":"c",
                "seq":7,"senderId":"s","receiverId":"r","content":"hi","createdAt":"t",
                "votes":{"up":0,"down":0,"mine":null}}}"#,
        )
        .expect("an ack parses");
        assert_eq!(ack.message_ref().and_then(|m| m.seq), Some(7));

        let presence = parse(
            r#"{"type":"presence","userId":"u","username":"n","status":"online","lastSeenAt":"t"}"#,
        )
        .expect("presence parses");
        assert_eq!(presence.status.as_deref(), Some("online"));
    }

    #[test]
    fn the_reference_servers_messages_parse_without_seq_or_conversation() {
        let new = parse(
            r#"{"type":"message.new","message":{"id":"m","conversationId":null,"seq":null,
                "senderId":"s","receiverId":"r","content":"hi","createdAt":"t",
                "votes":{"up":0,"down":0,"mine":null}}}"#,
        )
        .expect("the reference's message.new parses");
        let message = new.message().expect("with its message");
        assert_eq!(message.seq, None);
        assert_eq!(message.conversation_id, None);
        assert_eq!(message.sender_id, "s");
    }
}
