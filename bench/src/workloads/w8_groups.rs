//! W8, groups: `--w8-groups` groups of `--w8-members` members each (created with
//! `POST /api/messages/conversations`), every member with one `/ws/chat` socket, the members of
//! each group spread over the socket-handler nodes of `--w8-nodes` (alternately; without it,
//! all through the gateway). Open loop at stepped total rates of group messages: each group
//! sends on its own schedule (evenly phased against the others), its members taking turns
//! (round-robin), so every message is one send and `members - 1` deliveries.
//!
//! Latency runs from a message's *scheduled* send time to its `message.new` at each receiver
//! (no coordinated omission, as in W1: the schedule is in the content). Counted per step:
//! group messages sent, acked, deliveries, lost (deliveries missing when the backlog stopped
//! moving), duplicated (an ack or a delivery seen twice), out of order (a `message.new` whose
//! `seq` is not above the last one its receiver saw of its group), misdelivered (to someone
//! outside the group, or naming another sender than the member whose turn it was).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::open_loop::{self, Faults};
use super::{client_id, decode, encode, parse_client_id};
use crate::net::Target;
use crate::report::Run;
use crate::stats::{Samples, round1};
use crate::users::User;
use crate::ws::{self, Socket, WsSink};
use crate::{Ctx, http, log};

const TAG: &str = "w8";
/// This workload's number in its `clientMsgId`s.
const WORKLOAD: u8 = 8;
/// The rate the target names, in group messages per second.
const TARGET_RATE: u32 = 500;
/// The target's p99 at that rate, in ms.
const TARGET_P99_MS: f64 = 50.0;

#[derive(Default)]
struct Step {
    /// (group, k) of each acknowledged message.
    acked: HashSet<(usize, u64)>,
    /// Answered with an `error` instead of an ack (never stored, so never delivered).
    refused: HashSet<(usize, u64)>,
    errors: BTreeMap<String, u64>,
    /// (group, k, receiver) of each delivery.
    delivered: HashSet<(usize, u64, usize)>,
    /// When the step's last new delivery arrived.
    last_delivery: Option<Instant>,
    duplicate_acks: u64,
    duplicate_deliveries: u64,
    out_of_order: u64,
    misdelivered: u64,
    latency: Samples,
}

struct State {
    steps: Vec<Step>,
    members: usize,
    /// The users' ids, by index (member `i` of group `g` is user `g * members + i`).
    ids: Vec<String>,
    /// Group index by conversation id.
    groups: HashMap<String, usize>,
    /// Highest `seq` each user has seen in a `message.new` of its group.
    last_seq: Vec<i64>,
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
            let my_group = me / st.members;
            let group = message
                .conversation_id
                .as_deref()
                .and_then(|id| st.groups.get(id).copied());
            // Checked for every message of the group, system messages included.
            let seq_in_order = if is_ack || group != Some(my_group) {
                true
            } else {
                let in_order = message.seq.is_some_and(|seq| seq > st.last_seq[me]);
                st.last_seq[me] = st.last_seq[me].max(message.seq.unwrap_or_default());
                in_order
            };
            let Some((step, g, k, scheduled)) = decode(TAG, &message.content) else {
                return;
            };
            if step >= st.steps.len() {
                return;
            }
            let sender = g * st.members + (k as usize % st.members);
            let wrong = group != Some(g)
                || g != my_group
                || st.ids.get(sender).is_none_or(|id| *id != message.sender_id);
            let s = &mut st.steps[step];
            if is_ack {
                if !s.acked.insert((g, k)) {
                    s.duplicate_acks += 1;
                }
                return;
            }
            if !seq_in_order {
                s.out_of_order += 1;
            }
            if wrong {
                s.misdelivered += 1;
            }
            if s.delivered.insert((g, k, me)) {
                s.latency.push(at.saturating_duration_since(scheduled));
                s.last_delivery = Some(at);
            } else {
                s.duplicate_deliveries += 1;
            }
        }
        "error" => {
            let code = frame.code.unwrap_or_else(|| "?".to_owned());
            match frame
                .client_msg_id
                .as_deref()
                .and_then(|id| parse_client_id(WORKLOAD, id))
            {
                Some((step, g, k)) if step < st.steps.len() => {
                    let s = &mut st.steps[step];
                    s.refused.insert((g, k));
                    *s.errors.entry(code).or_default() += 1;
                }
                _ => *st.errors.entry(code).or_default() += 1,
            }
        }
        _ => {}
    }
}

/// The socket-handler nodes the members connect to: `--w8-nodes` (each with the gateway's
/// `Origin`, which the services allow), else the gateway alone.
fn nodes(ctx: &Ctx) -> anyhow::Result<Vec<Target>> {
    if ctx.opts.w8_nodes.is_empty() {
        return Ok(vec![ctx.target.clone()]);
    }
    ctx.opts
        .w8_nodes
        .iter()
        .map(|url| {
            let mut node = Target::parse(url)?;
            node.origin.clone_from(&ctx.target.origin);
            Ok(node)
        })
        .collect()
}

/// Runs every rate of `--w8-rates` over `users` (`groups × members` of them), each rate until
/// one is past saturation (p99 over a second or something lost), closing every socket at the
/// end.
pub async fn run(ctx: &Ctx, users: &[User]) -> anyhow::Result<()> {
    let o = &ctx.opts;
    let members = o.w8_members;
    anyhow::ensure!(members >= 2, "a group needs at least two members");
    let nodes = nodes(ctx)?;
    let started = Instant::now();
    let mut conversations = Vec::with_capacity(o.w8_groups);
    for group in users.chunks_exact(members) {
        conversations.push(create_group(ctx, group).await?);
    }
    log(&format!(
        "W8: created {} groups of {members} in {:.1} s",
        conversations.len(),
        started.elapsed().as_secs_f64()
    ));
    let n = conversations.len() * members;
    let state = Arc::new(Mutex::new(State {
        steps: (0..o.w8_rates.len()).map(|_| Step::default()).collect(),
        members,
        ids: users[..n].iter().map(|u| u.id.clone()).collect(),
        groups: conversations
            .iter()
            .enumerate()
            .map(|(g, id)| (id.clone(), g))
            .collect(),
        // Each group's first message (seq 1) is its creation.
        last_seq: vec![1; n],
        errors: BTreeMap::new(),
        unparsed: 0,
    }));
    // Sockets by group, so that each group's sender task owns its members' sinks.
    let mut sinks: Vec<Vec<Option<WsSink>>> = Vec::with_capacity(conversations.len());
    let mut readers = Vec::with_capacity(n);
    for (i, user) in users[..n].iter().enumerate() {
        let node = &nodes[i % nodes.len()];
        let socket = ws::open(node, ws::CHAT, &user.cookie, user.source).await?;
        let st = state.clone();
        let socket = Socket::start(socket, move |text: &str, at| on_frame(&st, i, text, at));
        if i % members == 0 {
            sinks.push(Vec::with_capacity(members));
        }
        if let Some(group) = sinks.last_mut() {
            group.push(Some(socket.sink));
        }
        readers.push(socket.reader);
    }
    ctx.settle(Duration::from_secs(10)).await;
    let mut result = Ok(());
    for (step, &rate) in o.w8_rates.iter().enumerate() {
        if ctx.remaining() < Duration::from_secs_f64(o.w8_secs + 10.0) {
            log("W8: no time left for higher rates");
            break;
        }
        match run_step(
            ctx,
            &state,
            &mut sinks,
            &conversations,
            nodes.len(),
            step,
            rate,
        )
        .await
        {
            Ok(outcome) if outcome.saturated => {
                if step + 1 < o.w8_rates.len() {
                    log(&format!(
                        "W8: {rate} group msg/s is past saturation; higher rates are not run"
                    ));
                }
                break;
            }
            Ok(_) => {}
            Err(e) => {
                result = Err(e);
                break;
            }
        }
        ctx.settle(Duration::from_secs(10)).await;
    }
    let mut sockets = Vec::with_capacity(n);
    for (sink, reader) in sinks.into_iter().flatten().zip(readers) {
        match sink {
            Some(sink) => sockets.push(Socket { sink, reader }),
            None => reader.abort(),
        }
    }
    ws::close_all(sockets).await;
    result
}

/// Creates a group owned by `members[0]` with the others; returns its id. Retries while
/// messages has not yet heard of a member (`user.registered` is asynchronous: 400 naming
/// `memberIds`) or the gateway asks to slow down.
async fn create_group(ctx: &Ctx, members: &[User]) -> anyhow::Result<String> {
    let owner = &members[0];
    let ids: Vec<&str> = members[1..].iter().map(|u| u.id.as_str()).collect();
    let body = json!({"name": format!("w8 {}", owner.username), "memberIds": ids}).to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let response = http::once(
            &ctx.target,
            owner.source,
            "POST",
            "/api/messages/conversations",
            Some(&owner.cookie),
            Some(&body),
        )
        .await?;
        if response.status == 201 {
            let answer: Value = response.json()?;
            return answer["conversation"]["id"]
                .as_str()
                .map(str::to_owned)
                .context("the created group has no id");
        }
        if !matches!(response.status, 400 | 429 | 503) || Instant::now() > deadline {
            return Err(response.unexpected("creating a group"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

struct StepOutcome {
    saturated: bool,
}

async fn run_step(
    ctx: &Ctx,
    state: &Arc<Mutex<State>>,
    sinks: &mut [Vec<Option<WsSink>>],
    conversations: &[String],
    node_count: usize,
    step: usize,
    rate: u32,
) -> anyhow::Result<StepOutcome> {
    let o = &ctx.opts;
    let groups = conversations.len();
    let members = o.w8_members;
    let per_group = f64::from(rate) / groups as f64;
    let interval = Duration::from_secs_f64(1.0 / per_group);
    let count = ((per_group * o.w8_secs).round() as u64).max(1);
    let start = Instant::now() + Duration::from_millis(200);
    log(&format!(
        "W8: {rate} group msg/s for {} s ({count} messages into each of {groups} groups of {members}, {} deliveries/s)",
        o.w8_secs,
        rate as usize * (members - 1)
    ));
    let cpu_before = ctx.cpu();
    let mut writers = Vec::with_capacity(groups);
    for (g, group) in sinks.iter_mut().enumerate() {
        let phase = interval.mul_f64(g as f64 / groups as f64);
        let schedule = Schedule {
            step,
            group: g,
            conversation: conversations[g].clone(),
            count,
            first: start + phase,
            interval,
        };
        writers.push(tokio::spawn(send_on_schedule(
            std::mem::take(group),
            schedule,
        )));
    }
    let mut sent = 0u64;
    let mut lag = Samples::default();
    let mut dead_sockets = 0;
    for (g, writer) in writers.into_iter().enumerate() {
        let sending = writer.await?;
        sent += sending.sent;
        lag.extend(&sending.lag);
        dead_sockets += sending.sinks.iter().filter(|s| s.is_none()).count();
        sinks[g] = sending.sinks;
    }
    let send_secs = start.elapsed().as_secs_f64();
    let fan_out = (members - 1) as u64;

    // Drain: until everything is acknowledged and delivered, or nothing moved for 5 s, or 60 s.
    let drained = open_loop::drain((sent, sent * fan_out), || {
        let st = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let s = &st.steps[step];
        let refused = s.refused.len() as u64;
        (
            s.acked.len() as u64 + refused,
            s.delivered.len() as u64 + refused * fan_out,
        )
    })
    .await;
    let cpu = cpu_before.until(&ctx.cpu(), ctx.ticks);

    let st = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let s = &st.steps[step];
    let acked = s.acked.len() as u64;
    let refused = s.refused.len() as u64;
    let delivered = s.delivered.len() as u64;
    let expected = sent.saturating_sub(refused) * fan_out;
    let missing = expected.saturating_sub(delivered);
    let (lost, pending) = drained.lost_or_pending(missing);
    let unanswered = sent.saturating_sub(acked + refused);
    let latency = s.latency.summary();
    let deliveries_per_sec = open_loop::rate_to_last(start, s.last_delivery, delivered);
    let duplicated = s.duplicate_acks + s.duplicate_deliveries;
    let violations = Faults {
        duplicated,
        out_of_order: s.out_of_order,
        misdelivered: (
            s.misdelivered,
            "delivered to a non-member or from the wrong sender",
        ),
        dead_sockets,
    }
    .violations((lost > 0).then(|| {
        format!(
            "{lost} deliveries lost ({unanswered} messages never answered), with nothing moving for 5 s"
        )
    }));
    let clean = lost == 0 && pending == 0;
    let (target, met) = if o.quick {
        (None, None)
    } else if rate == TARGET_RATE {
        (
            Some(format!(
                "nothing lost; p99 ≤ {TARGET_P99_MS} ms at {TARGET_RATE} group msg/s ({} deliveries/s)",
                TARGET_RATE as usize * (members - 1)
            )),
            Some(clean && latency.p99 <= TARGET_P99_MS),
        )
    } else {
        (Some("nothing lost".to_owned()), Some(clean))
    };
    let results = json!({
        "sent": sent,
        "acked": acked,
        "refused": refused,
        "deliveries": delivered,
        "expected_deliveries": expected,
        "lost": lost,
        "unanswered": unanswered,
        "pending_when_drain_ended": pending,
        "duplicated": duplicated,
        "out_of_order": s.out_of_order,
        "misdelivered": s.misdelivered,
        "errors": s.errors,
        "errors_naming_no_message": st.errors,
        "unparsed_frames": st.unparsed,
        "achieved_send_rate": round1(sent as f64 / send_secs),
        "deliveries_per_sec": round1(deliveries_per_sec),
        "latency_ms": latency,
        "send_lag_ms": lag.summary(),
        "drain_secs": round1(drained.secs),
        "cpu": cpu.to_json(Some(delivered)),
    });
    ctx.reporter.record(Run {
        workload: "W8",
        name: format!("{rate} group msg/s"),
        parameters: json!({
            "rate_group_msgs_per_sec": rate,
            "groups": groups,
            "members": members,
            "seconds": o.w8_secs,
            "socket_handler_nodes": node_count,
            "connected": if o.w8_nodes.is_empty() { "through the gateway" } else { "to the nodes directly" },
            "open_loop": true,
        }),
        summary: format!(
            "{} deliveries/s; p50 {} / p90 {} / p99 {} / max {} ms; sent {sent}, acked {acked}, \
             deliveries {delivered} of {expected}, {}",
            round1(deliveries_per_sec),
            latency.p50,
            latency.p90,
            latency.p99,
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
        saturated: !clean || latency.p99 > 1000.0 || dead_sockets > 0,
    })
}

/// When and where one group's messages of a step go.
struct Schedule {
    step: usize,
    group: usize,
    conversation: String,
    count: u64,
    first: Instant,
    interval: Duration,
}

/// What one group's sender did: its members' sinks back (`None` where the socket failed), how
/// late each send was, how many were sent.
struct Sending {
    sinks: Vec<Option<WsSink>>,
    lag: Samples,
    sent: u64,
}

/// Sends the group's `count` messages at `first`, `first + interval`, …, member `k % members`
/// sending the `k`-th. A member whose socket failed is skipped from then on.
async fn send_on_schedule(mut sinks: Vec<Option<WsSink>>, s: Schedule) -> Sending {
    let mut lag = Samples::default();
    let mut sent = 0;
    let members = sinks.len().max(1);
    for k in 0..s.count {
        let scheduled = s.first + s.interval.mul_f64(k as f64);
        tokio::time::sleep_until(scheduled).await;
        let slot = &mut sinks[k as usize % members];
        let Some(sink) = slot.as_mut() else { continue };
        lag.push(Instant::now().saturating_duration_since(scheduled));
        let content = encode(TAG, s.step, s.group, k, scheduled);
        let frame = ws::send_frame_into(
            &client_id(WORKLOAD, s.step, s.group, k),
            &s.conversation,
            &content,
        );
        if sink.send(frame).await.is_err() {
            *slot = None;
            continue;
        }
        sent += 1;
    }
    Sending { sinks, lag, sent }
}
