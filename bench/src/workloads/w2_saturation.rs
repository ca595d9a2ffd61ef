//! W2, saturation: the W1 pairs in a closed loop, each sender keeping `--w2-window`
//! unacknowledged messages in flight. After a 2 s warm-up the delivered rate is counted over
//! `--w2-secs`, together with the CPU time every server process spent in that window (per
//! process group and per 1,000 delivered messages, from `/proc/<pid>/stat`). Order is checked by
//! `seq` (ours) and by each sender's own counter, carried in the content (both systems: the
//! reference server has no `seq`).

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::SinkExt;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::open_loop::{self, Faults};
use super::{client_id, decode, encode, pairs_of};
use crate::report::Run;
use crate::stats::{Samples, round1};
use crate::users::{User, start_conversations};
use crate::ws::{self, Socket};
use crate::{Ctx, log};

const TAG: &str = "w2";
const WARM_UP: Duration = Duration::from_secs(2);

#[derive(Default)]
struct State {
    acked: HashSet<(usize, u64)>,
    delivered: HashSet<(usize, u64)>,
    duplicated: u64,
    out_of_order: u64,
    last_seq: Vec<i64>,
    /// The latest counter each user has seen from its partner.
    last_from_partner: Vec<Option<u64>>,
    window: Option<(Instant, Instant)>,
    delivered_in_window: u64,
    acked_in_window: u64,
    latency: Samples,
    errors: BTreeMap<String, u64>,
    refused: u64,
}

/// Runs the closed loop over `users` (paired 0-1, 2-3, …).
pub async fn run(ctx: &Ctx, users: &[User]) -> anyhow::Result<()> {
    let o = &ctx.opts;
    let pairs = pairs_of(users);
    start_conversations(ctx, &pairs).await?;
    let n = users.len();
    let state = Arc::new(Mutex::new(State {
        last_seq: vec![0; n],
        last_from_partner: vec![None; n],
        ..State::default()
    }));
    let windows: Vec<Arc<Semaphore>> = (0..n)
        .map(|_| Arc::new(Semaphore::new(o.w2_window)))
        .collect();
    let mut sockets = Vec::with_capacity(n);
    for (i, user) in users.iter().enumerate() {
        let ws = ws::open(&ctx.target, ws::CHAT, &user.cookie, user.source).await?;
        let st = state.clone();
        let window = windows[i].clone();
        sockets.push(Socket::start(ws, move |text: &str, at| {
            on_frame(&st, &window, i, text, at);
        }));
    }
    let start = Instant::now();
    let measure_from = start + WARM_UP;
    let stop = measure_from + Duration::from_secs_f64(o.w2_secs);
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .window = Some((measure_from, stop));
    log(&format!(
        "W2: closed loop, window {} per sender, {n} senders, {} s after a {} s warm-up",
        o.w2_window,
        o.w2_secs,
        WARM_UP.as_secs()
    ));
    let mut writers = Vec::with_capacity(n);
    for (i, socket) in sockets.into_iter().enumerate() {
        let to = users[i ^ 1].id.clone();
        let window = windows[i].clone();
        writers.push(tokio::spawn(async move {
            let Socket { mut sink, reader } = socket;
            let mut sent = 0u64;
            while let Ok(Ok(permit)) = tokio::time::timeout_at(stop, window.acquire()).await {
                permit.forget();
                let content = encode(TAG, 0, i, sent, Instant::now());
                let frame = ws::send_frame(&client_id(2, 0, i, sent), &to, &content);
                if sink.send(frame).await.is_err() {
                    break;
                }
                sent += 1;
            }
            (Socket { sink, reader }, sent)
        }));
    }
    tokio::time::sleep_until(measure_from).await;
    let cpu_before = ctx.cpu();
    tokio::time::sleep_until(stop).await;
    let cpu = cpu_before.until(&ctx.cpu(), ctx.ticks);
    let mut sockets = Vec::with_capacity(n);
    let mut sent = 0;
    for w in writers {
        let (socket, n_sent) = w.await?;
        sent += n_sent;
        sockets.push(socket);
    }
    // Drain the last windows: until all is answered and delivered, nothing moved for 5 s, or 60 s.
    let drained = open_loop::drain((sent, sent), || {
        let st = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (
            st.acked.len() as u64 + st.refused,
            st.delivered.len() as u64 + st.refused,
        )
    })
    .await;
    ws::close_all(sockets).await;

    let st = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let secs = o.w2_secs;
    let delivered_rate = st.delivered_in_window as f64 / secs;
    let missing = sent.saturating_sub(st.delivered.len() as u64 + st.refused);
    let acked_undelivered = st.acked.difference(&st.delivered).count() as u64;
    let unanswered = sent.saturating_sub(st.acked.len() as u64 + st.refused);
    let (lost, pending) = drained.lost_or_pending(missing);
    let violations = Faults {
        duplicated: st.duplicated,
        out_of_order: st.out_of_order,
        misdelivered: (0, ""),
        dead_sockets: 0,
    }
    .violations((lost > 0).then(|| {
        format!(
            "{lost} lost: {acked_undelivered} acknowledged but never delivered, {unanswered} \
             never answered, with nothing moving for 5 s"
        )
    }));
    ctx.set_measured_rate(delivered_rate);
    let cpu_json = cpu.to_json(Some(st.delivered_in_window));
    let per_1000 = cpu_json["system_cpu_ms_per_1000_msgs"]
        .as_f64()
        .unwrap_or(0.0);
    let latency = st.latency.summary();
    ctx.reporter.record(Run {
        workload: "W2",
        name: format!("window {}", o.w2_window),
        parameters: json!({
            "senders": n,
            "window": o.w2_window,
            "seconds": secs,
            "warm_up_seconds": WARM_UP.as_secs(),
        }),
        results: json!({
            "delivered_per_sec": round1(delivered_rate),
            "acked_per_sec": round1(st.acked_in_window as f64 / secs),
            "sent": sent,
            "acked": st.acked.len(),
            "delivered": st.delivered.len(),
            "lost": lost,
            "acked_but_undelivered": acked_undelivered,
            "unanswered": unanswered,
            "pending_when_drain_ended": pending,
            "duplicated": st.duplicated,
            "out_of_order": st.out_of_order,
            "refused": st.refused,
            "errors": st.errors,
            "latency_ms": latency,
            "cpu": cpu_json,
        }),
        summary: format!(
            "{} delivered msg/s; server CPU {per_1000} ms per 1,000 messages \
             ({}); latency p50 {} / p99 {} ms",
            round1(delivered_rate),
            cpu_breakdown(&cpu.groups, st.delivered_in_window),
            latency.p50,
            latency.p99
        ),
        target: Some("≥ 10,000 delivered msg/s".to_owned()),
        met: Some(delivered_rate >= 10_000.0),
        violations,
        problems: Vec::new(),
    });
    Ok(())
}

fn on_frame(state: &Mutex<State>, window: &Semaphore, me: usize, text: &str, at: Instant) {
    let Some(frame) = ws::parse(text) else { return };
    let mut st = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let in_window = st.window.is_some_and(|(from, to)| at >= from && at < to);
    match frame.kind.as_str() {
        "message.ack" => {
            window.add_permits(1);
            let Some(m) = frame.message_ref() else { return };
            let Some((_, sender, k, _)) = decode(TAG, &m.content) else {
                return;
            };
            if st.acked.insert((sender, k)) {
                if in_window {
                    st.acked_in_window += 1;
                }
            } else {
                st.duplicated += 1;
            }
        }
        "message.new" => {
            let Some(m) = frame.message_ref() else { return };
            let Some((_, sender, k, sent_at)) = decode(TAG, &m.content) else {
                return;
            };
            let seq_in_order = m.seq.is_none_or(|seq| seq > st.last_seq[me]);
            if let Some(seq) = m.seq {
                st.last_seq[me] = st.last_seq[me].max(seq);
            }
            let sender_in_order = st.last_from_partner[me].is_none_or(|last| k > last);
            st.last_from_partner[me] = st.last_from_partner[me].max(Some(k));
            if !(seq_in_order && sender_in_order) {
                st.out_of_order += 1;
            }
            if st.delivered.insert((sender, k)) {
                st.latency.push(at.saturating_duration_since(sent_at));
                if in_window {
                    st.delivered_in_window += 1;
                }
            } else {
                st.duplicated += 1;
            }
        }
        "error" => {
            window.add_permits(1);
            st.refused += 1;
            *st.errors
                .entry(frame.code.unwrap_or_else(|| "?".to_owned()))
                .or_default() += 1;
        }
        _ => {}
    }
}

/// "messages 40, postgres 35, …" in CPU ms per 1,000 messages, largest first.
pub fn cpu_breakdown(groups: &BTreeMap<String, f64>, messages: u64) -> String {
    if messages == 0 {
        return String::new();
    }
    let mut v: Vec<(&String, f64)> = groups
        .iter()
        .map(|(g, s)| (g, s * 1e6 / messages as f64))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v.iter()
        .map(|(g, ms)| format!("{g} {:.0}", ms))
        .collect::<Vec<_>>()
        .join(", ")
}
