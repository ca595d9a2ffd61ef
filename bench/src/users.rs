//! Simulated users: sign-up and sign-in over HTTP through the gateway, and the first message of
//! each conversation (which also waits until messages has heard of both users).

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::SinkExt;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::http;
use crate::ws::{self, Socket};
use crate::{Ctx, log};

/// Every simulated user's password.
pub const PASSWORD: &str = "bench-password-1";

/// A signed-up user.
#[derive(Clone, Debug)]
pub struct User {
    /// Their id.
    pub id: String,
    /// Their username.
    pub username: String,
    /// Their `auth` cookie's value.
    pub cookie: String,
    /// The address this user connects from.
    pub source: Ipv4Addr,
}

#[derive(Deserialize)]
struct UserBody {
    user: UserId,
}

#[derive(Deserialize)]
struct UserId {
    id: String,
}

/// Signs up `count` new users, `concurrency` at a time.
pub async fn sign_up_many(
    ctx: &Ctx,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<Vec<User>> {
    let started = std::time::Instant::now();
    let first = ctx.next_user_index(count);
    let users: Vec<User> = stream::iter(first..first + count)
        .map(|i| sign_up(ctx, i))
        .buffered(concurrency)
        .try_collect()
        .await?;
    log(&format!(
        "signed up {count} users in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(users)
}

/// Signs up the `i`-th user of this run.
pub async fn sign_up(ctx: &Ctx, i: usize) -> anyhow::Result<User> {
    let username = format!("b{}_{i}", ctx.run_tag);
    let body = serde_json::json!({
        "email": format!("{username}@example.com"),
        "username": username,
        "password": PASSWORD,
    })
    .to_string();
    let source = ctx.sources.for_client(i);
    let response = with_retries(|| {
        http::once(
            &ctx.target,
            source,
            "POST",
            "/api/auth/signup",
            None,
            Some(&body),
        )
    })
    .await?;
    if response.status != 201 {
        return Err(response.unexpected("sign-up"));
    }
    let cookie = response
        .set_cookie("auth")
        .context("sign-up set no auth cookie")?;
    let id = response.json::<UserBody>()?.user.id;
    Ok(User {
        id,
        username,
        cookie,
        source,
    })
}

/// Signs `user` in again (a new session) and returns the new `auth` cookie.
pub async fn sign_in(ctx: &Ctx, user: &User, source: Ipv4Addr) -> anyhow::Result<String> {
    let body = serde_json::json!({"username": user.username, "password": PASSWORD}).to_string();
    let response = http::once(
        &ctx.target,
        source,
        "POST",
        "/api/auth/signin",
        None,
        Some(&body),
    )
    .await?;
    if response.status != 200 {
        return Err(response.unexpected("sign-in"));
    }
    response
        .set_cookie("auth")
        .context("sign-in set no auth cookie")
}

/// Retries a request answered 429 or 503 (the gateway's per-address limit, a service starting).
async fn with_retries<F, Fut>(mut request: F) -> anyhow::Result<http::Response>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<http::Response>>,
{
    let mut attempt = 0;
    loop {
        let response = request().await?;
        attempt += 1;
        if !matches!(response.status, 429 | 503) || attempt >= 20 {
            return Ok(response);
        }
        tokio::time::sleep(Duration::from_millis(250 * attempt.min(4))).await;
    }
}

/// Starts the conversation of each pair with one message from the first to the second, retrying
/// while messages has not yet heard of the receiver (`user.registered` is asynchronous). Returns
/// each conversation's id (none from the reference server, which has no conversations). Every
/// later message of the pair gets `seq` 2 and up.
pub async fn start_conversations(
    ctx: &Ctx,
    pairs: &[(User, User)],
) -> anyhow::Result<Vec<Option<String>>> {
    let started = std::time::Instant::now();
    let ids: Vec<Option<String>> = stream::iter(pairs.iter())
        .map(|(a, b)| first_message(ctx, a, b))
        .buffered(32)
        .try_collect()
        .await?;
    log(&format!(
        "started {} conversations in {:.1} s",
        pairs.len(),
        started.elapsed().as_secs_f64()
    ));
    Ok(ids)
}

/// [`start_conversations`] on a system whose messages name their conversation (ours).
pub async fn start_conversations_with_ids(
    ctx: &Ctx,
    pairs: &[(User, User)],
) -> anyhow::Result<Vec<String>> {
    start_conversations(ctx, pairs)
        .await?
        .into_iter()
        .collect::<Option<Vec<String>>>()
        .context("an ack named no conversation")
}

async fn first_message(ctx: &Ctx, from: &User, to: &User) -> anyhow::Result<Option<String>> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let socket = Socket::start(
        ws::open(&ctx.target, ws::CHAT, &from.cookie, from.source).await?,
        move |text: &str, _| {
            if let Some(frame) = ws::parse(text) {
                let _ = tx.send(frame);
            }
        },
    );
    let socket = Arc::new(tokio::sync::Mutex::new(socket));
    let client_msg_id = uuid::Uuid::new_v4().to_string();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let result = async {
        loop {
            socket
                .lock()
                .await
                .sink
                .send(ws::send_frame(&client_msg_id, &to.id, "hello"))
                .await?;
            let answer = loop {
                let frame = tokio::time::timeout_at(deadline, rx.recv())
                    .await
                    .context("no answer to the first message within 30 s")?
                    .context("the socket closed")?;
                if frame.client_msg_id.as_deref() == Some(&client_msg_id) {
                    break frame;
                }
            };
            match (answer.kind.as_str(), answer.code.as_deref()) {
                ("message.ack", _) => {
                    return answer
                        .message()
                        .map(|m| m.conversation_id)
                        .context("an ack without its message");
                }
                ("error", Some("not_found" | "rate_limited" | "unavailable")) => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                _ => bail!("unexpected answer to the first message: {answer:?}"),
            }
        }
    }
    .await;
    if let Ok(socket) = Arc::try_unwrap(socket) {
        socket.into_inner().close().await;
    }
    result
}
