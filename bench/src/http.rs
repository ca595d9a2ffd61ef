//! A small HTTP/1.1 client: enough for the contract's JSON API (sign-up, sign-in, history) with
//! keep-alive, a chosen source address and the cookie and `Origin` headers. Responses are parsed
//! with `httparse`; bodies come with `Content-Length` or chunked.

use std::net::Ipv4Addr;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::de::DeserializeOwned;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::net::{self, Target};

/// How long one request may take before it counts as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one upload may take, body and answer.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(180);

/// An answer.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The value of a cookie the answer sets, e.g. `auth`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .filter_map(|(_, v)| v.split(';').next())
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| k.trim() == name)
            .map(|(_, v)| v.trim().to_owned())
    }

    /// The body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> anyhow::Result<T> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "unexpected body (status {}): {}",
                self.status,
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }

    /// An error describing an unexpected status.
    pub fn unexpected(&self, what: &str) -> anyhow::Error {
        anyhow::anyhow!(
            "{what}: status {}: {}",
            self.status,
            String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
        )
    }
}

/// One keep-alive connection to the gateway.
pub struct HttpConn {
    target: Target,
    stream: TcpStream,
    buf: Vec<u8>,
    open: bool,
}

impl HttpConn {
    /// Connects from `source`.
    pub async fn connect(target: &Target, source: Ipv4Addr) -> anyhow::Result<Self> {
        Ok(Self {
            target: target.clone(),
            stream: net::connect(target, source).await?,
            buf: Vec::with_capacity(16 * 1024),
            open: true,
        })
    }

    /// Whether the server has not closed the connection.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Sends one request and reads its answer (bounded by [`REQUEST_TIMEOUT`]).
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        auth_cookie: Option<&str>,
        json_body: Option<&str>,
    ) -> anyhow::Result<Response> {
        tokio::time::timeout(
            REQUEST_TIMEOUT,
            self.request_inner(method, path, auth_cookie, json_body),
        )
        .await
        .with_context(|| format!("{method} {path} took longer than {REQUEST_TIMEOUT:?}"))?
    }

    async fn request_inner(
        &mut self,
        method: &str,
        path: &str,
        auth_cookie: Option<&str>,
        json_body: Option<&str>,
    ) -> anyhow::Result<Response> {
        if !self.open {
            bail!("the connection was closed by the server");
        }
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nAccept: application/json\r\nUser-Agent: gochat-bench\r\n",
            self.target.host_header, self.target.origin
        );
        if let Some(cookie) = auth_cookie {
            head.push_str("Cookie: auth=");
            head.push_str(cookie);
            head.push_str("\r\n");
        }
        match json_body {
            Some(body) => {
                head.push_str(&format!(
                    "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                ));
                head.push_str(body);
            }
            None => head.push_str("\r\n"),
        }
        self.stream.write_all(head.as_bytes()).await?;
        self.read_response().await
    }

    /// Uploads `length` bytes (`piece` repeated, the last one cut) as the raw body of
    /// `POST path`, written as fast as the server reads it, and reads the answer (bounded by
    /// [`UPLOAD_TIMEOUT`]).
    pub async fn upload(
        &mut self,
        path: &str,
        auth_cookie: &str,
        piece: &[u8],
        length: usize,
    ) -> anyhow::Result<Response> {
        tokio::time::timeout(UPLOAD_TIMEOUT, async {
            if !self.open {
                bail!("the connection was closed by the server");
            }
            let head = format!(
                "POST {path} HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nAccept: application/json\r\nUser-Agent: gochat-bench\r\nCookie: auth={auth_cookie}\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n",
                self.target.host_header, self.target.origin
            );
            self.stream.write_all(head.as_bytes()).await?;
            let mut left = length;
            while left > 0 {
                let n = left.min(piece.len());
                self.stream.write_all(&piece[..n]).await?;
                left -= n;
            }
            self.read_response().await
        })
        .await
        .with_context(|| format!("POST {path} took longer than {UPLOAD_TIMEOUT:?}"))?
    }

    async fn read_response(&mut self) -> anyhow::Result<Response> {
        // Head.
        let (status, headers, head_len) = loop {
            let mut parsed_headers = [httparse::EMPTY_HEADER; 48];
            let mut response = httparse::Response::new(&mut parsed_headers);
            match response.parse(&self.buf)? {
                httparse::Status::Complete(len) => {
                    let headers: Vec<(String, String)> = response
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_ascii_lowercase(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect();
                    break (response.code.unwrap_or(0), headers, len);
                }
                httparse::Status::Partial => self.fill().await?,
            }
        };
        self.buf.drain(..head_len);
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close")) {
            self.open = false;
        }
        let body = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            self.read_chunked().await?
        } else {
            let len: usize = match header("content-length") {
                Some(v) => v.trim().parse().context("bad Content-Length")?,
                None if status == 204 || status == 304 => 0,
                None => {
                    // Until the server closes.
                    while self.fill().await.is_ok() {}
                    self.open = false;
                    self.buf.len()
                }
            };
            while self.buf.len() < len {
                self.fill().await?;
            }
            self.buf.drain(..len).collect()
        };
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    async fn read_chunked(&mut self) -> anyhow::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(pos) = self.buf.windows(2).position(|w| w == b"\r\n") {
                    break pos;
                }
                self.fill().await?;
            };
            let size_text = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .with_context(|| format!("bad chunk size {size_text:?}"))?;
            self.buf.drain(..line_end + 2);
            while self.buf.len() < size + 2 {
                self.fill().await?;
            }
            body.extend(self.buf.drain(..size));
            self.buf.drain(..2);
            if size == 0 {
                return Ok(body);
            }
        }
    }

    async fn fill(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            self.open = false;
            bail!("the server closed the connection mid-response");
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

/// One request on a connection of its own.
pub async fn once(
    target: &Target,
    source: Ipv4Addr,
    method: &str,
    path: &str,
    auth_cookie: Option<&str>,
    json_body: Option<&str>,
) -> anyhow::Result<Response> {
    let mut conn = tokio::time::timeout(REQUEST_TIMEOUT, HttpConn::connect(target, source))
        .await
        .context("connecting took too long")??;
    conn.request(method, path, auth_cookie, json_body).await
}
