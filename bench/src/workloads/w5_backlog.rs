//! W5, backlog and crash.
//!
//! W5 runs last and, if the rate measured by W1/W2 says the requested sizes would not fit in the
//! time left, sends fewer (see `sized_to_budget`; the run's parameters say how many).
//!
//! Backlog: a receiver goes offline; senders send it `--w5-messages` messages (windowed, resending
//! with the same `clientMsgId` when told `rate_limited` or `unavailable`) and keep every ack. The
//! receiver reconnects and catches up with `GET /api/messages/conversations/{id}/messages?after=`
//! from the last `seq` it held, page by page. Every acknowledged message must be there once, at
//! the `seq` and with the id its ack named, with no gap: the time from reconnecting to holding
//! all of it is the catch-up time.
//!
//! Crash (only with `--restart-cmd`): a sender sends `--w5-crash-messages`; the moment half of
//! them are acknowledged every service is killed with SIGKILL, then the stack is started again
//! with the restart command. Every message acknowledged before the kill must be in the history.
//! The unacknowledged ones are then sent again with their original `clientMsgId`s, as a client
//! would, and the conversation must end with each message exactly once, `seq` dense.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use anyhow::Context;
use futures_util::SinkExt;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{decode, encode};
use crate::http::HttpConn;
use crate::report::Run;
use crate::stats::{Samples, round1};
use crate::users::{User, start_conversations_with_ids};
use crate::ws::{self, ChatMessage, ServerFrame, Socket};
use crate::{Ctx, log, procs};

const TAG: &str = "w5";
const WINDOW: usize = 32;
const PAGE: usize = 100;

/// One message a sender wants stored.
#[derive(Clone, Debug)]
struct Outgoing {
    client_msg_id: String,
    k: u64,
    content: String,
}

#[derive(Default)]
struct SendOutcome {
    acked: HashMap<u64, ChatMessage>,
    unacked: Vec<Outgoing>,
    duplicate_acks: u64,
    resends: u64,
    errors: BTreeMap<String, u64>,
    killed_after_acks: Option<usize>,
    secs: f64,
}

/// Runs the backlog with `users[0]` as the receiver and the rest as senders, then the crash.
pub async fn run(ctx: &Ctx, users: &[User]) -> anyhow::Result<()> {
    let o = &ctx.opts;
    let (receiver, senders) = users.split_first().context("W5 needs users")?;
    anyhow::ensure!(!senders.is_empty(), "W5 needs senders");
    let pairs: Vec<(User, User)> = senders
        .iter()
        .map(|s| (s.clone(), receiver.clone()))
        .collect();
    let conversations = start_conversations_with_ids(ctx, &pairs).await?;
    // The receiver was online once and holds seq 1 of each conversation; now it leaves.
    ws::open(&ctx.target, ws::CHAT, &receiver.cookie, receiver.source)
        .await
        .map(|ws| Socket::start(ws, |_: &str, _| {}))?
        .close()
        .await;

    // Backlog, sized to the time left (see sized_to_budget).
    let (backlog, crash_count) = sized_to_budget(ctx);
    let per_sender = backlog.div_ceil(senders.len());
    log(&format!(
        "W5: {} messages from {} senders to an offline receiver",
        per_sender * senders.len(),
        senders.len()
    ));
    let started = Instant::now();
    let sends: Vec<_> = senders
        .iter()
        .enumerate()
        .map(|(i, sender)| {
            let msgs = (0..per_sender as u64)
                .map(|k| Outgoing {
                    client_msg_id: uuid::Uuid::new_v4().to_string(),
                    k,
                    content: encode(TAG, 0, i, k, Instant::now()),
                })
                .collect();
            send_all(
                ctx,
                sender,
                &receiver.id,
                msgs,
                None,
                Duration::from_secs(180),
            )
        })
        .collect();
    let outcomes: Vec<SendOutcome> = futures_util::future::try_join_all(sends).await?;
    let send_secs = started.elapsed().as_secs_f64();
    let acked: usize = outcomes.iter().map(|s| s.acked.len()).sum();
    let sent = per_sender * senders.len();

    // Catch-up.
    let live = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let live_counter = live.clone();
    let catch_up_start = Instant::now();
    let socket = Socket::start(
        ws::open(&ctx.target, ws::CHAT, &receiver.cookie, receiver.source).await?,
        move |text: &str, _| {
            if text.contains("\"message.new\"") {
                live_counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        },
    );
    let mut conn = HttpConn::connect(&ctx.target, receiver.source).await?;
    let mut page_latency = Samples::default();
    let mut histories = Vec::with_capacity(conversations.len());
    for conversation in &conversations {
        histories.push(
            fetch_after(
                &mut conn,
                &ctx.target,
                receiver,
                conversation,
                1,
                &mut page_latency,
            )
            .await?,
        );
    }
    let catch_up_secs = catch_up_start.elapsed().as_secs_f64();
    socket.close().await;

    let mut check = Check::default();
    for (i, (history, outcome)) in histories.iter().zip(&outcomes).enumerate() {
        check.conversation(history, 2, &outcome.acked, per_sender as u64, i);
    }
    let mut violations = check.violations();
    if acked < sent {
        violations.push(format!("{} sends never acknowledged", sent - acked));
    }
    let errors: BTreeMap<String, u64> =
        outcomes
            .iter()
            .flat_map(|o| o.errors.iter())
            .fold(BTreeMap::new(), |mut m, (k, v)| {
                *m.entry(k.clone()).or_default() += v;
                m
            });
    let pages = page_latency.len();
    let page = page_latency.summary();
    ctx.reporter.record(Run {
        workload: "W5",
        name: format!("backlog of {sent}"),
        parameters: json!({
            "messages": sent,
            "messages_requested": o.w5_messages,
            "sized_by_measured_rate": ctx.measured_rate().map(round1),
            "senders": senders.len(),
            "window": WINDOW,
            "page_size": PAGE,
        }),
        results: json!({
            "sent": sent,
            "acked": acked,
            "send_secs": round1(send_secs),
            "send_rate": round1(sent as f64 / send_secs),
            "resends_after_rate_limit_or_unavailable": outcomes.iter().map(|o| o.resends).sum::<u64>(),
            "errors": errors,
            "catch_up_secs": (catch_up_secs * 1000.0).round() / 1000.0,
            "pages": pages,
            "page_ms": page,
            "fetched": check.fetched,
            "missing": check.missing,
            "duplicated": check.duplicated + outcomes.iter().map(|o| o.duplicate_acks).sum::<u64>(),
            "gaps_or_disorder": check.gaps,
            "wrong_ids": check.wrong_ids,
            "unexpected": check.unexpected,
            "live_frames_after_reconnect": live.load(std::sync::atomic::Ordering::Relaxed),
        }),
        summary: format!(
            "caught up {} messages in {:.3} s ({pages} pages, p50 {} / p99 {} ms); missing {}, \
             duplicated {}, gaps {}",
            check.fetched, catch_up_secs, page.p50, page.p99, check.missing, check.duplicated, check.gaps
        ),
        target: Some("nothing missing".to_owned()),
        met: Some(violations.is_empty()),
        violations,
        problems: Vec::new(),
    });

    if let Some(restart) = o.restart_cmd.clone() {
        crash(
            ctx,
            receiver,
            &senders[0],
            &conversations[0],
            1 + per_sender as i64,
            &restart,
            crash_count,
        )
        .await?;
    }
    Ok(())
}

/// The backlog and crash sizes: as asked, unless at the delivered rate measured earlier they
/// would not finish within the time left. The crash part gets at most a third of it (its
/// messages plus about 40 s for the restart and the checks), the backlog the rest; never fewer
/// than 200 and 1,000 messages.
fn sized_to_budget(ctx: &Ctx) -> (usize, usize) {
    let o = &ctx.opts;
    let Some(rate) = ctx.measured_rate().filter(|r| *r > 0.0) else {
        return (o.w5_messages, o.w5_crash_messages);
    };
    let left = ctx.remaining().as_secs_f64();
    let (crash, crash_secs) = if o.restart_cmd.is_some() {
        let fits = ((left / 3.0 - 40.0).max(0.0) * rate / 1.5) as usize;
        let crash = fits.clamp(200, o.w5_crash_messages.max(200));
        (crash, 40.0 + 1.5 * crash as f64 / rate)
    } else {
        (o.w5_crash_messages, 0.0)
    };
    let fits = ((left - crash_secs - 20.0).max(0.0) * rate * 0.8) as usize;
    let backlog = fits.clamp(1000, o.w5_messages.max(1000));
    (backlog.min(o.w5_messages), crash.min(o.w5_crash_messages))
}

/// Sends `msgs` over a socket of `sender`, at most `WINDOW` unacknowledged, resending on
/// `rate_limited` / `unavailable`. With `kill_at`, every service is killed as soon as that many
/// are acknowledged; the socket then dies and what is unacknowledged is returned.
async fn send_all(
    ctx: &Ctx,
    sender: &User,
    to: &str,
    msgs: Vec<Outgoing>,
    kill_at: Option<usize>,
    limit: Duration,
) -> anyhow::Result<SendOutcome> {
    let started = Instant::now();
    let deadline = started + limit;
    let (tx, mut rx) = mpsc::unbounded_channel::<ServerFrame>();
    let Socket { mut sink, reader } = Socket::start(
        ws::open(&ctx.target, ws::CHAT, &sender.cookie, sender.source).await?,
        move |text: &str, _| {
            if let Some(frame) = ws::parse(text) {
                let _ = tx.send(frame);
            }
        },
    );
    let by_id: HashMap<String, Outgoing> = msgs
        .iter()
        .map(|m| (m.client_msg_id.clone(), m.clone()))
        .collect();
    let mut queue: std::collections::VecDeque<Outgoing> = msgs.into();
    let mut in_flight: HashSet<String> = HashSet::new();
    let mut retry: std::collections::VecDeque<(Instant, String)> = Default::default();
    let mut out = SendOutcome::default();
    let mut socket_alive = true;
    let mut next_report = Instant::now() + Duration::from_secs(10);
    while out.acked.len() < by_id.len() && Instant::now() < deadline {
        if Instant::now() >= next_report {
            next_report += Duration::from_secs(10);
            log(&format!(
                "W5: {}: {} of {} acknowledged, {} in flight, {} waiting to be resent, errors {:?}",
                sender.username,
                out.acked.len(),
                by_id.len(),
                in_flight.len(),
                retry.len(),
                out.errors
            ));
            let stuck: Vec<String> = in_flight
                .iter()
                .take(5)
                .map(|id| format!("{} (message {})", id, by_id[id].k))
                .collect();
            if !stuck.is_empty() {
                log(&format!("W5: in flight: {}", stuck.join(", ")));
            }
        }
        while socket_alive && in_flight.len() < WINDOW {
            let Some(m) = queue.pop_front() else { break };
            if sink
                .send(ws::send_frame(&m.client_msg_id, to, &m.content))
                .await
                .is_err()
            {
                socket_alive = false;
                queue.push_front(m);
                break;
            }
            in_flight.insert(m.client_msg_id);
        }
        let next_retry = retry.front().map(|(at, _)| *at);
        tokio::select! {
            frame = rx.recv() => {
                let Some(frame) = frame else { break };
                let Some(id) = frame.client_msg_id.clone().filter(|id| by_id.contains_key(id)) else {
                    if frame.kind == "error" {
                        let code = frame.code.unwrap_or_else(|| "?".to_owned());
                        log(&format!("W5: error frame about no message of ours: {code}"));
                        *out.errors.entry(format!("{code} (no clientMsgId)")).or_default() += 1;
                    }
                    continue;
                };
                match (frame.kind.as_str(), frame.code.as_deref()) {
                    ("message.ack", _) => {
                        in_flight.remove(&id);
                        let Some(message) = frame.message() else { continue };
                        let k = by_id[&id].k;
                        if out.acked.insert(k, message).is_some() {
                            out.duplicate_acks += 1;
                        }
                        if kill_at == Some(out.acked.len()) && out.killed_after_acks.is_none() {
                            let pids = procs::kill_services(&ctx.stack).await?;
                            out.killed_after_acks = Some(out.acked.len());
                            log(&format!(
                                "W5: killed {pids:?} with SIGKILL right after ack number {}",
                                out.acked.len()
                            ));
                        }
                    }
                    ("error", code) => {
                        let code = code.unwrap_or("?").to_owned();
                        *out.errors.entry(code.clone()).or_default() += 1;
                        if matches!(code.as_str(), "rate_limited" | "unavailable") {
                            retry.push_back((Instant::now() + Duration::from_millis(200), id));
                        } else {
                            in_flight.remove(&id);
                        }
                    }
                    _ => {}
                }
            }
            () = async {
                match next_retry {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {
                if let Some((_, id)) = retry.pop_front() {
                    out.resends += 1;
                    let m = &by_id[&id];
                    if sink.send(ws::send_frame(&m.client_msg_id, to, &m.content)).await.is_err() {
                        socket_alive = false;
                    }
                }
            }
            () = tokio::time::sleep_until(deadline.min(next_report)) => {}
        }
        if !socket_alive && out.killed_after_acks.is_none() {
            anyhow::bail!("the sender's socket failed");
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), sink.close()).await;
    reader.abort();
    out.unacked = by_id
        .values()
        .filter(|m| !out.acked.contains_key(&m.k))
        .cloned()
        .collect();
    out.unacked.sort_by_key(|m| m.k);
    out.secs = started.elapsed().as_secs_f64();
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HistoryPage {
    messages: Vec<ChatMessage>,
    has_more: bool,
}

/// Everything after `after` in a conversation, page by page, over one keep-alive connection.
async fn fetch_after(
    conn: &mut HttpConn,
    target: &crate::net::Target,
    user: &User,
    conversation: &str,
    after: i64,
    latency: &mut Samples,
) -> anyhow::Result<Vec<ChatMessage>> {
    let mut all = Vec::new();
    let mut after = after;
    loop {
        if !conn.is_open() {
            *conn = HttpConn::connect(target, user.source).await?;
        }
        let path = format!(
            "/api/messages/conversations/{conversation}/messages?after={after}&limit={PAGE}"
        );
        let t = Instant::now();
        let response = conn.request("GET", &path, Some(&user.cookie), None).await?;
        latency.push(t.elapsed());
        if response.status != 200 {
            return Err(response.unexpected("history"));
        }
        let page: HistoryPage = response.json()?;
        let Some(last) = page.messages.last() else {
            break;
        };
        after = last.seq.context("a history message without its seq")?;
        all.extend(page.messages);
        if !page.has_more {
            break;
        }
    }
    Ok(all)
}

/// Compares a fetched history with what was acknowledged.
#[derive(Default)]
struct Check {
    fetched: u64,
    missing: u64,
    duplicated: u64,
    gaps: u64,
    wrong_ids: u64,
    unexpected: u64,
}

impl Check {
    /// `history` should be exactly messages `0..expected` of sender `sender`, from `first_seq`
    /// on, each with the id its ack gave (for those acked).
    fn conversation(
        &mut self,
        history: &[ChatMessage],
        first_seq: i64,
        acked: &HashMap<u64, ChatMessage>,
        expected: u64,
        sender: usize,
    ) {
        self.fetched += history.len() as u64;
        let mut seen: HashSet<u64> = HashSet::new();
        for (i, m) in history.iter().enumerate() {
            if m.seq != Some(first_seq + i as i64) {
                self.gaps += 1;
            }
            match decode(TAG, &m.content) {
                Some((_, s, k, _)) if s == sender && k < expected => {
                    if !seen.insert(k) {
                        self.duplicated += 1;
                    }
                    if let Some(a) = acked.get(&k)
                        && (a.id != m.id || a.seq != m.seq)
                    {
                        self.wrong_ids += 1;
                    }
                }
                _ => self.unexpected += 1,
            }
        }
        self.missing += acked.keys().filter(|k| !seen.contains(k)).count() as u64;
    }

    fn violations(&self) -> Vec<String> {
        let mut v = Vec::new();
        for (n, what) in [
            (self.missing, "acknowledged messages missing"),
            (self.duplicated, "duplicated"),
            (self.gaps, "seq gaps or disorder"),
            (
                self.wrong_ids,
                "stored with another id or seq than acknowledged",
            ),
            (self.unexpected, "unexpected messages"),
        ] {
            if n > 0 {
                v.push(format!("{n} {what}"));
            }
        }
        v
    }
}

async fn crash(
    ctx: &Ctx,
    receiver: &User,
    sender: &User,
    conversation: &str,
    last_seq: i64,
    restart_cmd: &str,
    count: usize,
) -> anyhow::Result<()> {
    let count = count.max(2);
    let kill_at = count / 2;
    log(&format!(
        "W5: crash: {count} messages, every service killed right after ack {kill_at}"
    ));
    let msgs: Vec<Outgoing> = (0..count as u64)
        .map(|k| Outgoing {
            client_msg_id: uuid::Uuid::new_v4().to_string(),
            k,
            content: encode(TAG, 1, 0, k, Instant::now()),
        })
        .collect();
    let before = send_all(
        ctx,
        sender,
        &receiver.id,
        msgs,
        Some(kill_at),
        Duration::from_secs(120),
    )
    .await?;
    let killed_after = before
        .killed_after_acks
        .context("the kill never happened (fewer acks than expected)")?;
    let acked_before = before.acked.len();

    let restart_secs = ctx.restart_stack().await?;
    log(&format!("W5: the stack is back after {restart_secs:.1} s"));

    // Every acknowledged message is there.
    let mut conn = HttpConn::connect(&ctx.target, receiver.source).await?;
    let mut lat = Samples::default();
    let history = fetch_after(
        &mut conn,
        &ctx.target,
        receiver,
        conversation,
        last_seq,
        &mut lat,
    )
    .await?;
    let mut after_restart = Check::default();
    after_restart.conversation(&history, last_seq + 1, &before.acked, count as u64, 0);
    let stored_unacked = history
        .iter()
        .filter_map(|m| decode(TAG, &m.content))
        .filter(|(_, _, k, _)| !before.acked.contains_key(k))
        .count();

    // The client resends what was never acknowledged, with the same clientMsgIds.
    let resent = before.unacked.len();
    let again = send_all(
        ctx,
        sender,
        &receiver.id,
        before.unacked.clone(),
        None,
        Duration::from_secs(90),
    )
    .await?;
    let mut all_acked = before.acked.clone();
    all_acked.extend(again.acked.clone());
    let history = fetch_after(
        &mut conn,
        &ctx.target,
        receiver,
        conversation,
        last_seq,
        &mut lat,
    )
    .await?;
    let mut final_check = Check::default();
    final_check.conversation(&history, last_seq + 1, &all_acked, count as u64, 0);
    let mut violations: Vec<String> = after_restart
        .violations()
        .into_iter()
        .map(|v| format!("after restart: {v}"))
        .collect();
    violations.extend(
        final_check
            .violations()
            .into_iter()
            .map(|v| format!("after resending: {v}")),
    );
    if all_acked.len() < count {
        violations.push(format!(
            "{} messages never acknowledged after resending",
            count - all_acked.len()
        ));
    }
    if history.len() != count {
        violations.push(format!(
            "the conversation holds {} messages instead of {count}",
            history.len()
        ));
    }
    ctx.reporter.record(Run {
        workload: "W5",
        name: "kill -9 of every service after acks".to_owned(),
        parameters: json!({
            "messages": count,
            "messages_requested": ctx.opts.w5_crash_messages,
            "kill_after_ack": kill_at,
            "restart_cmd": restart_cmd,
        }),
        results: json!({
            "acked_before_kill": acked_before,
            "killed_after_ack": killed_after,
            "acked_missing_after_restart": after_restart.missing,
            "stored_but_unacked_before_kill": stored_unacked,
            "restart_secs": round1(restart_secs),
            "resent_with_same_client_msg_id": resent,
            "acked_after_resend": again.acked.len(),
            "final_messages": history.len(),
            "final_missing": final_check.missing,
            "final_duplicated": final_check.duplicated,
            "final_gaps": final_check.gaps,
            "wrong_ids": after_restart.wrong_ids + final_check.wrong_ids,
        }),
        summary: format!(
            "{acked_before} acked before the kill, {} of them missing after restart \
             ({stored_unacked} unacked were stored too); {resent} resent; final {} messages, \
             {} missing, {} duplicated; restart took {:.1} s",
            after_restart.missing,
            history.len(),
            final_check.missing,
            final_check.duplicated,
            restart_secs
        ),
        target: Some("every acked message survives".to_owned()),
        met: Some(violations.is_empty()),
        violations,
        problems: Vec::new(),
    });
    Ok(())
}
