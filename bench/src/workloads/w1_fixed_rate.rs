//! W1, fixed rate: pairs of users both sending to each other, open loop, at stepped total rates.
//!
//! Each user sends on its own schedule (evenly phased against the others); a message's latency
//! runs from the time it was *scheduled* to its `message.new` at the receiver, so a late sender
//! (a slow socket, a busy machine) shows up as latency instead of silently sending less
//! (no coordinated omission). The schedule is encoded in the message's content, which is how
//! the receiving task knows it. Counted per step: sent, acked, delivered, lost (never delivered
//! after the backlog stopped moving), duplicated (a message or ack seen twice), out of order
//! (a `message.new` whose `seq` is not above the last one the receiver saw, or that comes after
//! a later message of the same sender: its counter is in the content too, which is all there is
//! to check on the reference server, which has no `seq`).
//!
//! With the reference server the two systems step together: each rate runs on the reference,
//! then on ours, each on its own users and sockets, so both meet the machine in the same state.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::SinkExt;
use serde_json::json;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::open_loop::{self, Faults};
use super::{client_id, decode, encode, failed, pairs_of, parse_client_id};
use crate::compare::W1_TARGET_RATES;
use crate::report::{Run, System};
use crate::stats::{Samples, round1};
use crate::users::{User, start_conversations};
use crate::ws::{self, ReaderEnd, Socket, WsSink};
use crate::{Ctx, log};

const TAG: &str = "w1";
/// A step whose p99 exceeds this is past saturation: higher rates would only queue more (but
/// the rates the targets name always run, see [`W1_TARGET_RATES`]).
const SATURATED_P99_MS: f64 = 1000.0;

#[derive(Default)]
struct Step {
    acked: HashSet<(usize, u64)>,
    /// Answered with an `error` instead of an ack (never stored, so never delivered).
    refused: HashSet<(usize, u64)>,
    errors: BTreeMap<String, u64>,
    delivered: HashSet<(usize, u64)>,
    /// When the step's last new message arrived.
    last_delivery: Option<Instant>,
    duplicate_acks: u64,
    duplicate_deliveries: u64,
    out_of_order: u64,
    misdelivered: u64,
    latency: Samples,
    ack_latency: Samples,
}

struct State {
    steps: Vec<Step>,
    /// The users' ids, by index.
    ids: Vec<String>,
    /// Highest `seq` each user has seen in a `message.new`.
    last_seq: Vec<i64>,
    /// The latest (step, counter) each user has seen from its partner.
    last_from_partner: Vec<Option<(usize, u64)>>,
    /// Errors that name no message of a step.
    errors: BTreeMap<String, u64>,
    unparsed: u64,
}

fn on_frame(state: &Mutex<State>, me: usize, text: &str, at: Instant) {
    let mut st = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(frame) = ws::parse(text) else {
        st.unparsed += 1;
        return;
    };
    match frame.kind.as_str() {
        "message.ack" | "message.new" => {
            let is_ack = frame.kind == "message.ack";
            let Some(message) = frame.message() else {
                st.unparsed += 1;
                return;
            };
            let Some((step, sender, k, scheduled)) = decode(TAG, &message.content) else {
                return;
            };
            if step >= st.steps.len() {
                return;
            }
            if is_ack {
                let s = &mut st.steps[step];
                if s.acked.insert((sender, k)) {
                    s.ack_latency.push(at.saturating_duration_since(scheduled));
                } else {
                    s.duplicate_acks += 1;
                }
            } else {
                // The reference server has no seq: only the sender's own order is checked there.
                let seq_in_order = message.seq.is_none_or(|seq| seq > st.last_seq[me]);
                if let Some(seq) = message.seq {
                    st.last_seq[me] = st.last_seq[me].max(seq);
                }
                let sender_in_order = st.last_from_partner[me].is_none_or(|last| (step, k) > last);
                st.last_from_partner[me] = st.last_from_partner[me].max(Some((step, k)));
                let wrong_sender = sender != (me ^ 1) || message.sender_id != st.ids[me ^ 1];
                let s = &mut st.steps[step];
                if !(seq_in_order && sender_in_order) {
                    s.out_of_order += 1;
                }
                if wrong_sender {
                    s.misdelivered += 1;
                }
                if s.delivered.insert((sender, k)) {
                    s.latency.push(at.saturating_duration_since(scheduled));
                    s.last_delivery = Some(at);
                } else {
                    s.duplicate_deliveries += 1;
                }
            }
        }
        "error" => {
            let code = frame.code.unwrap_or_else(|| "?".to_owned());
            match frame
                .client_msg_id
                .as_deref()
                .and_then(|id| parse_client_id(1, id))
            {
                Some((step, sender, k)) if step < st.steps.len() => {
                    let s = &mut st.steps[step];
                    s.refused.insert((sender, k));
                    *s.errors.entry(code).or_default() += 1;
                }
                _ => *st.errors.entry(code).or_default() += 1,
            }
        }
        _ => {}
    }
}

/// Runs every rate of `--w1-rates` on each system over its users (paired 0-1, 2-3, …), rate by
/// rate in the order given (the reference first, when it runs), each system until it saturates.
/// A failure of ours ends W1 with an error; one of the reference is recorded as its and ours
/// goes on.
pub async fn run(systems: &[(&Ctx, &[User])]) -> anyhow::Result<()> {
    let mut sessions = Vec::with_capacity(systems.len());
    let mut error = None;
    for (ctx, users) in systems {
        match Session::open(ctx, users).await {
            Ok(s) => sessions.push(s),
            Err(e) if ctx.system == System::Reference => failed(ctx, "W1", &e),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    if error.is_none() {
        error = step_all(&mut sessions).await.err();
    }
    // Whatever happened, every open socket is closed before W1 ends.
    for session in sessions {
        session.finish().await;
    }
    error.map_or(Ok(()), Err)
}

/// Steps the sessions rate by rate until each is done; an error of ours ends it.
async fn step_all(sessions: &mut [Session<'_>]) -> anyhow::Result<()> {
    let Some(first) = sessions.first() else {
        return Ok(());
    };
    let o = &first.ctx.opts;
    for (step, &rate) in o.w1_rates.iter().enumerate() {
        for session in sessions.iter_mut().filter(|s| !s.done) {
            let ctx = session.ctx;
            if ctx.remaining() < Duration::from_secs_f64(o.w1_secs + 10.0) {
                log("W1: no time left for higher rates");
                session.done = true;
                continue;
            }
            match session.step(step, rate).await {
                Ok(()) => {}
                Err(e) if ctx.system == System::Reference => {
                    failed(ctx, "W1", &e);
                    session.done = true;
                }
                Err(e) => return Err(e),
            }
            // Before the next step, of either system: this one's aftermath must not land in it.
            ctx.settle(Duration::from_secs(10)).await;
        }
        if sessions.iter().all(|s| s.done) {
            break;
        }
    }
    Ok(())
}

/// One system's W1: its users' open sockets and what they have seen, stepped rate by rate.
struct Session<'a> {
    ctx: &'a Ctx,
    users: &'a [User],
    state: Arc<Mutex<State>>,
    sinks: Vec<Option<WsSink>>,
    readers: Vec<JoinHandle<ReaderEnd>>,
    best_rate_under_50ms: Option<u32>,
    steps_run: usize,
    /// No higher rate is to run (saturated, out of time, or failed).
    done: bool,
}

impl<'a> Session<'a> {
    /// Starts the pairs' conversations and opens every user's socket.
    async fn open(ctx: &'a Ctx, users: &'a [User]) -> anyhow::Result<Self> {
        let o = &ctx.opts;
        let pairs = pairs_of(users);
        start_conversations(ctx, &pairs).await?;
        let n = users.len();
        let state = Arc::new(Mutex::new(State {
            steps: (0..o.w1_rates.len()).map(|_| Step::default()).collect(),
            ids: users.iter().map(|u| u.id.clone()).collect(),
            // The conversation's first message (seq 1) came from start_conversations.
            last_seq: vec![1; n],
            last_from_partner: vec![None; n],
            errors: BTreeMap::new(),
            unparsed: 0,
        }));
        let mut sinks: Vec<Option<WsSink>> = Vec::with_capacity(n);
        let mut readers = Vec::with_capacity(n);
        for (i, user) in users.iter().enumerate() {
            let ws = ws::open(&ctx.target, ws::CHAT, &user.cookie, user.source).await?;
            let st = state.clone();
            let socket = Socket::start(ws, move |text: &str, at| on_frame(&st, i, text, at));
            sinks.push(Some(socket.sink));
            readers.push(socket.reader);
        }
        Ok(Self {
            ctx,
            users,
            state,
            sinks,
            readers,
            best_rate_under_50ms: None,
            steps_run: 0,
            done: false,
        })
    }

    /// Runs one rate and decides whether higher ones are worth running: not once a rate is past
    /// saturation (p99 over a second, something lost, sockets dead), unless a target names a
    /// higher rate.
    async fn step(&mut self, step: usize, rate: u32) -> anyhow::Result<()> {
        let o = &self.ctx.opts;
        self.steps_run += 1;
        let outcome = run_step(
            self.ctx,
            &self.state,
            &mut self.sinks,
            self.users,
            step,
            rate,
        )
        .await?;
        if outcome.p99_ms <= 50.0 && outcome.lost == 0 {
            self.best_rate_under_50ms = Some(rate);
        }
        let last = step + 1 == o.w1_rates.len();
        let targets_above = o.w1_rates[step + 1..]
            .iter()
            .any(|r| W1_TARGET_RATES.contains(r));
        let saturated =
            outcome.p99_ms > SATURATED_P99_MS || outcome.lost > 0 || outcome.dead_sockets > 0;
        if last || (saturated && !targets_above) {
            if !last {
                log(&format!(
                    "W1: {rate} msg/s is past saturation; higher rates are not run"
                ));
            }
            self.done = true;
        }
        Ok(())
    }

    /// Records the highest rate under 50 ms and closes the sockets.
    async fn finish(self) {
        let o = &self.ctx.opts;
        if !o.quick && self.steps_run > 0 {
            let best = self.best_rate_under_50ms;
            self.ctx.reporter.record(Run {
                workload: "W1",
                name: "highest rate with p99 ≤ 50 ms".to_owned(),
                parameters: json!({"rates": o.w1_rates, "pairs": o.w1_pairs}),
                results: json!({"highest_rate_with_p99_under_50ms": best}),
                summary: match best {
                    Some(r) => format!("{r} msg/s (of the rates tried)"),
                    None => "none of the rates tried".to_owned(),
                },
                target: Some("≥ 10,000 msg/s".to_owned()),
                met: Some(best.is_some_and(|r| r >= 10_000)),
                violations: Vec::new(),
                problems: Vec::new(),
            });
        }
        let mut sockets = Vec::with_capacity(self.sinks.len());
        for (sink, reader) in self.sinks.into_iter().zip(self.readers) {
            match sink {
                Some(sink) => sockets.push(Socket { sink, reader }),
                None => reader.abort(),
            }
        }
        ws::close_all(sockets).await;
    }
}

struct StepOutcome {
    p99_ms: f64,
    lost: u64,
    dead_sockets: usize,
}

async fn run_step(
    ctx: &Ctx,
    state: &Arc<Mutex<State>>,
    sinks: &mut [Option<WsSink>],
    users: &[User],
    step: usize,
    rate: u32,
) -> anyhow::Result<StepOutcome> {
    let o = &ctx.opts;
    let n = users.len();
    let per_user = f64::from(rate) / n as f64;
    let interval = Duration::from_secs_f64(1.0 / per_user);
    let count = ((per_user * o.w1_secs).round() as u64).max(1);
    let start = Instant::now() + Duration::from_millis(200);
    log(&format!(
        "W1: {rate} msg/s for {} s ({count} messages from each of {n} users)",
        o.w1_secs
    ));
    let cpu_before = ctx.cpu();
    let mut writers = Vec::with_capacity(n);
    for (i, slot) in sinks.iter_mut().enumerate() {
        let Some(sink) = slot.take() else { continue };
        let to = users[i ^ 1].id.clone();
        let phase = interval.mul_f64(i as f64 / n as f64);
        writers.push((
            i,
            tokio::spawn(send_on_schedule(
                sink,
                to,
                step,
                i,
                count,
                start + phase,
                interval,
            )),
        ));
    }
    let mut sent = 0u64;
    let mut lag = Samples::default();
    let mut dead_sockets = 0;
    for (i, writer) in writers {
        let (sink, lags, n_sent, failed) = writer.await?;
        sent += n_sent;
        lag.extend(&lags);
        if failed {
            dead_sockets += 1;
        } else {
            sinks[i] = Some(sink);
        }
    }
    let send_secs = start.elapsed().as_secs_f64();

    // Drain: until everything is acknowledged and delivered, or nothing moved for 5 s, or 60 s.
    let drained = open_loop::drain((sent, sent), || {
        let st = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let s = &st.steps[step];
        let refused = s.refused.len() as u64;
        (
            s.acked.len() as u64 + refused,
            s.delivered.len() as u64 + refused,
        )
    })
    .await;
    let cpu = cpu_before.until(&ctx.cpu(), ctx.ticks);
    let total_secs = start.elapsed().as_secs_f64();

    let st = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let s = &st.steps[step];
    let acked = s.acked.len() as u64;
    let delivered = s.delivered.len() as u64;
    let refused = s.refused.len() as u64;
    let missing = sent.saturating_sub(delivered + refused);
    // Acknowledged means stored: one that never reached its (connected) receiver is lost. One
    // never answered at all is the client's to resend; it counts against the system only when
    // nothing moved for 5 s. While the backlog still moved when the drain time ran out, what is
    // missing is reported as pending.
    let acked_undelivered = s.acked.difference(&s.delivered).count() as u64;
    let unanswered = sent.saturating_sub(acked + refused);
    let (lost, pending) = drained.lost_or_pending(missing);
    let latency = s.latency.summary();
    ctx.set_measured_rate(delivered as f64 / total_secs);
    // From the first scheduled send to the last delivery: the rate the receivers saw.
    let delivered_per_sec = open_loop::rate_to_last(start, s.last_delivery, delivered);
    let duplicated = s.duplicate_acks + s.duplicate_deliveries;
    let violations = Faults {
        duplicated,
        out_of_order: s.out_of_order,
        misdelivered: (s.misdelivered, "delivered to the wrong user"),
        dead_sockets,
    }
    .violations((lost > 0).then(|| {
        format!(
            "{lost} lost: {acked_undelivered} acknowledged but never delivered, {unanswered} \
             never answered, with nothing moving for 5 s"
        )
    }));
    let (target, met) = if o.quick {
        (None, None)
    } else if rate == 2000 {
        (
            Some("p99 ≤ 6 ms, nothing lost".to_owned()),
            Some(latency.p99 <= 6.0 && lost == 0 && pending == 0),
        )
    } else {
        (
            Some("p99 ≤ 50 ms up to 10,000 msg/s".to_owned()),
            Some(latency.p99 <= 50.0 && lost == 0 && pending == 0),
        )
    };
    let results = json!({
        "sent": sent,
        "acked": acked,
        "delivered": delivered,
        "lost": lost,
        "acked_but_undelivered": acked_undelivered,
        "unanswered": unanswered,
        "pending_when_drain_ended": pending,
        "duplicated": duplicated,
        "out_of_order": s.out_of_order,
        "misdelivered": s.misdelivered,
        "refused": refused,
        "errors": s.errors,
        "errors_naming_no_message": st.errors,
        "unparsed_frames": st.unparsed,
        "achieved_send_rate": round1(sent as f64 / send_secs),
        "delivered_per_sec": round1(delivered_per_sec),
        "latency_ms": latency,
        "ack_latency_ms": s.ack_latency.summary(),
        "send_lag_ms": lag.summary(),
        "drain_secs": round1(drained.secs),
        "cpu": cpu.to_json(Some(delivered)),
    });
    ctx.reporter.record(Run {
        workload: "W1",
        name: format!("{rate} msg/s"),
        parameters: json!({
            "rate_msgs_per_sec": rate,
            "pairs": n / 2,
            "seconds": o.w1_secs,
            "open_loop": true,
        }),
        summary: format!(
            "p50 {} / p90 {} / p99 {} / p99.9 {} / max {} ms; sent {sent}, acked {acked}, \
             delivered {delivered}, {}",
            latency.p50,
            latency.p90,
            latency.p99,
            latency.p999,
            latency.max,
            open_loop::outcome_words(
                lost,
                pending,
                duplicated,
                s.out_of_order,
                refused,
                &s.errors
            ),
        ),
        results,
        target,
        met,
        violations,
        problems: Vec::new(),
    });
    Ok(StepOutcome {
        p99_ms: if pending > 0 {
            f64::INFINITY
        } else {
            latency.p99
        },
        lost,
        dead_sockets,
    })
}

/// Sends `count` messages at `first`, `first + interval`, …; returns the sink, how late each
/// send was, how many were sent and whether the socket failed.
async fn send_on_schedule(
    mut sink: WsSink,
    to: String,
    step: usize,
    me: usize,
    count: u64,
    first: Instant,
    interval: Duration,
) -> (WsSink, Samples, u64, bool) {
    let mut lag = Samples::default();
    let mut sent = 0;
    for k in 0..count {
        let scheduled = first + interval.mul_f64(k as f64);
        tokio::time::sleep_until(scheduled).await;
        lag.push(Instant::now().saturating_duration_since(scheduled));
        let content = encode(TAG, step, me, k, scheduled);
        let frame = ws::send_frame(&client_id(1, step, me, k), &to, &content);
        if sink.send(frame).await.is_err() {
            return (sink, lag, sent, true);
        }
        sent += 1;
    }
    (sink, lag, sent, false)
}
