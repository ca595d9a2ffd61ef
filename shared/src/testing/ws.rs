//! A WebSocket client speaking the contract's JSON frames.

use std::time::Duration;

use super::TEST_ORIGIN;

/// A WebSocket client for tests, speaking the contract's JSON frames.
pub struct WsClient {
    framed: actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>,
    /// Whether pings are answered while reading (a dead client answers none).
    pub answer_pings: bool,
}

/// How a socket ended, as a test sees it.
#[derive(Debug, PartialEq, Eq)]
pub enum WsEnd {
    /// A close frame with this code.
    Closed(u16),
    /// The connection dropped without a close frame.
    Dropped,
}

impl WsClient {
    /// Opens `url` with the given `Cookie` header (if any) from our test origin; on refusal,
    /// the HTTP status.
    pub async fn connect(url: &str, cookie: Option<&str>) -> Result<Self, u16> {
        Self::connect_from(url, cookie, Some(TEST_ORIGIN)).await
    }

    /// As [`Self::connect`], from any origin (or none).
    pub async fn connect_from(
        url: &str,
        cookie: Option<&str>,
        origin: Option<&str>,
    ) -> Result<Self, u16> {
        let client = awc::Client::builder()
            .max_http_version(awc::http::Version::HTTP_11)
            .finish();
        let mut request = client.ws(url).max_frame_size(1 << 20);
        if let Some(cookie) = cookie {
            request = request.header(awc::http::header::COOKIE, cookie);
        }
        if let Some(origin) = origin {
            request = request.origin(origin);
        }
        match request.connect().await {
            Ok((_, framed)) => Ok(Self {
                framed,
                answer_pings: true,
            }),
            Err(awc::error::WsClientError::InvalidResponseStatus(status)) => Err(status.as_u16()),
            Err(e) => panic!("websocket connect failed: {e}"),
        }
    }

    /// Closes from the client side.
    pub async fn close(mut self) {
        use futures_util::SinkExt;
        let _ = self.framed.send(awc::ws::Message::Close(None)).await;
    }

    /// Sends a text frame.
    pub async fn send_text(&mut self, text: &str) {
        use futures_util::SinkExt;
        self.framed
            .send(awc::ws::Message::Text(text.to_owned().into()))
            .await
            .expect("sending a frame");
    }

    /// Sends a JSON frame.
    pub async fn send_json(&mut self, value: &serde_json::Value) {
        self.send_text(&value.to_string()).await;
    }

    /// Sends a raw message (binary, oversized, …).
    pub async fn send_message(&mut self, message: awc::ws::Message) {
        use futures_util::SinkExt;
        self.framed.send(message).await.expect("sending a frame");
    }

    /// Sends `text` as one fragmented text message cut at the byte offsets `cuts` (which need
    /// not fall between characters: only the joined message must be UTF-8).
    pub async fn send_in_fragments(&mut self, text: &[u8], cuts: &[usize]) {
        use actix_http::ws::Item;
        use awc::ws::Message;
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(text.len());
        let last = bounds.len() - 2;
        for (i, window) in bounds.windows(2).enumerate() {
            let piece = actix_web::web::Bytes::copy_from_slice(&text[window[0]..window[1]]);
            let item = match i {
                0 => Item::FirstText(piece),
                i if i == last => Item::Last(piece),
                _ => Item::Continue(piece),
            };
            self.send_message(Message::Continuation(item)).await;
        }
    }

    /// The next JSON frame, answering pings on the way; panics after `timeout` or on close.
    pub async fn next_json(&mut self, timeout: Duration) -> serde_json::Value {
        match self.next_event(timeout).await {
            Some(Ok(value)) => value,
            Some(Err(end)) => panic!("socket ended ({end:?}) while a frame was expected"),
            None => panic!("no frame within {timeout:?}"),
        }
    }

    /// The next JSON frame, or `None` if none comes within `timeout`; panics if the socket ends.
    pub async fn try_next_json(&mut self, timeout: Duration) -> Option<serde_json::Value> {
        match self.next_event(timeout).await {
            Some(Ok(value)) => Some(value),
            Some(Err(end)) => panic!("socket ended ({end:?}) while frames were expected"),
            None => None,
        }
    }

    /// The next JSON frame whose `type` is `kind`, skipping others.
    pub async fn next_of_type(&mut self, kind: &str, timeout: Duration) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self.next_json(remaining).await;
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Waits for the server to end the socket; returns how.
    pub async fn closed(&mut self, timeout: Duration) -> WsEnd {
        let answer_pings = self.answer_pings;
        let end = self.closed_inner(timeout).await;
        self.answer_pings = answer_pings;
        end
    }

    async fn closed_inner(&mut self, timeout: Duration) -> WsEnd {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_event(remaining).await {
                Some(Err(end)) => return end,
                Some(Ok(_)) => {}
                None => panic!("the socket stayed open for {timeout:?}"),
            }
        }
    }

    /// Asserts that no JSON frame arrives within `window`.
    pub async fn assert_silent(&mut self, window: Duration) {
        match self.next_event(window).await {
            Some(Ok(frame)) => panic!("unexpected frame: {frame}"),
            Some(Err(end)) => panic!("the socket ended ({end:?}) instead of staying quiet"),
            None => {}
        }
    }

    /// The next JSON frame or the end of the socket; `None` if `timeout` passes first.
    pub async fn next_event(
        &mut self,
        timeout: Duration,
    ) -> Option<Result<serde_json::Value, WsEnd>> {
        use futures_util::{SinkExt, StreamExt};
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let Ok(frame) = tokio::time::timeout_at(deadline, self.framed.next()).await else {
                return None;
            };
            match frame {
                Some(Ok(awc::ws::Frame::Text(bytes))) => {
                    return Some(Ok(serde_json::from_slice(&bytes).expect("frames are JSON")));
                }
                Some(Ok(awc::ws::Frame::Ping(bytes))) => {
                    if self.answer_pings {
                        let _ = self.framed.send(awc::ws::Message::Pong(bytes)).await;
                    }
                }
                Some(Ok(awc::ws::Frame::Close(reason))) => {
                    return Some(Err(WsEnd::Closed(
                        reason.map_or(1005, |r| u16::from(r.code)),
                    )));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Some(Err(WsEnd::Dropped)),
            }
        }
    }
}
