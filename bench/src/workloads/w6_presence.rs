//! W6, presence fan-out: `--w6-users` users hold `/ws/notifications` open. Then, one at a time,
//! `--w6-subjects` other users connect (`/ws/chat`, which counts as online like any socket); the
//! latency is from the moment the subject starts connecting to the `presence` frame
//! (`online`) arriving at each observer. The subject then disconnects and the `offline` frames
//! are timed the same way, from the close.
//!
//! Every observer that connects is announced to every other one, so connecting them is itself a
//! burst of presence frames. Observers the server closes meanwhile (it drops a connection whose
//! outgoing queue overflows, with 1013) reconnect the way a client would, 20 at a time, for up
//! to three rounds; how many were closed is reported.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::report::Run;
use crate::stats::{Samples, round1};
use crate::users::User;
use crate::ws::{self, ReaderEnd, Socket};
use crate::{Ctx, log};

/// Reconnect rounds for observers the server closed.
const RECONNECT_ROUNDS: usize = 3;

/// Whose presence the observers are waiting for, and since when.
#[derive(Clone)]
struct Expecting {
    user_id: String,
    status: &'static str,
    since: Instant,
}

type Watch = Arc<Mutex<Option<Expecting>>>;

/// Opens `/ws/notifications` for `user`, reporting presence frames about the awaited subject.
async fn observe(
    ctx: &Ctx,
    user: &User,
    expecting: Watch,
    tx: mpsc::UnboundedSender<Duration>,
) -> anyhow::Result<Socket> {
    let ws = ws::open(&ctx.target, ws::NOTIFICATIONS, &user.cookie, user.source).await?;
    Ok(Socket::start(ws, move |text: &str, at| {
        // Every observer hears of every other observer connecting: look closer only at frames
        // about the current subject.
        let Some(e) = expecting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
        else {
            return;
        };
        if !text.contains(&e.user_id) {
            return;
        }
        if let Some(frame) = ws::parse(text)
            && frame.kind == "presence"
            && frame.user_id.as_deref() == Some(&e.user_id)
            && frame.status.as_deref() == Some(e.status)
        {
            let _ = tx.send(at.saturating_duration_since(e.since));
        }
    }))
}

/// Opens observers for `who` (indices into `observers`), `concurrency` at a time.
async fn open_observers(
    ctx: &Ctx,
    observers: &[User],
    who: Vec<usize>,
    concurrency: usize,
    expecting: &Watch,
    tx: &mpsc::UnboundedSender<Duration>,
) -> (Vec<(usize, Socket)>, usize) {
    let opened: Vec<(usize, anyhow::Result<Socket>)> = stream::iter(who)
        .map(|i| {
            let (expecting, tx) = (expecting.clone(), tx.clone());
            async move { (i, observe(ctx, &observers[i], expecting, tx).await) }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut sockets = Vec::with_capacity(opened.len());
    let mut failed = 0;
    for (i, s) in opened {
        match s {
            Ok(s) => sockets.push((i, s)),
            Err(e) => {
                failed += 1;
                log(&format!("W6: observer failed to connect: {e:#}"));
            }
        }
    }
    (sockets, failed)
}

/// Splits off the sockets the server closed: their indices and close codes.
async fn closed_by_server(
    sockets: Vec<(usize, Socket)>,
) -> (Vec<(usize, Socket)>, Vec<usize>, BTreeMap<String, u64>) {
    let mut open = Vec::with_capacity(sockets.len());
    let mut closed = Vec::new();
    let mut codes = BTreeMap::new();
    for (i, s) in sockets {
        if s.is_open() {
            open.push((i, s));
            continue;
        }
        let key = match s.reader.await {
            Ok(ReaderEnd::Closed(Some(code))) => format!("closed {code}"),
            Ok(ReaderEnd::Closed(None)) => "closed without a code".to_owned(),
            Ok(ReaderEnd::Failed(e)) => format!("failed: {e}"),
            Err(e) => format!("reader task: {e}"),
        };
        *codes.entry(key).or_default() += 1;
        closed.push(i);
    }
    (open, closed, codes)
}

/// Observers are `pool[..users]`, subjects the next `subjects` users.
pub async fn run(ctx: &Ctx, pool: &[User]) -> anyhow::Result<()> {
    let o = &ctx.opts;
    anyhow::ensure!(
        pool.len() >= o.w6_users + o.w6_subjects,
        "W6 needs {} users",
        o.w6_users + o.w6_subjects
    );
    let observers = &pool[..o.w6_users];
    let subjects = &pool[o.w6_users..o.w6_users + o.w6_subjects];
    let expecting: Watch = Arc::default();
    let (tx, mut rx) = mpsc::unbounded_channel::<Duration>();

    log(&format!(
        "W6: {} observers open /ws/notifications",
        observers.len()
    ));
    let started = Instant::now();
    let (mut sockets, mut failed) = open_observers(
        ctx,
        observers,
        (0..observers.len()).collect(),
        100,
        &expecting,
        &tx,
    )
    .await;
    let connect_secs = started.elapsed().as_secs_f64();
    // Every observer connecting told every other one: let that fan-out finish first.
    ctx.settle(Duration::from_secs(60)).await;
    let mut closed_rounds: Vec<BTreeMap<String, u64>> = Vec::new();
    for round in 0..=RECONNECT_ROUNDS {
        let (open, closed, codes) = closed_by_server(sockets).await;
        sockets = open;
        if closed.is_empty() {
            break;
        }
        log(&format!(
            "W6: {} observers were closed by the server: {codes:?}",
            closed.len()
        ));
        closed_rounds.push(codes);
        if round == RECONNECT_ROUNDS {
            break;
        }
        let (again, failed_again) =
            open_observers(ctx, observers, closed, 20, &expecting, &tx).await;
        failed += failed_again;
        sockets.extend(again);
        ctx.settle(Duration::from_secs(30)).await;
    }
    let watching = sockets.len();
    log(&format!(
        "W6: {watching} of {} observers connected (the first connects took {connect_secs:.1} s); \
         timing {} subjects",
        observers.len(),
        subjects.len()
    ));

    let mut online = Samples::default();
    let mut offline = Samples::default();
    let mut missed = 0u64;
    for subject in subjects {
        let watch_for = |status: &'static str| {
            *expecting
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Expecting {
                user_id: subject.id.clone(),
                status,
                since: Instant::now(),
            });
        };
        while rx.try_recv().is_ok() {}
        watch_for("online");
        let ws = ws::open(&ctx.target, ws::CHAT, &subject.cookie, subject.source).await?;
        let socket = Socket::start(ws, |_: &str, _| {});
        let got = collect(&mut rx, watching, &mut online).await;
        missed += (watching - got) as u64;
        while rx.try_recv().is_ok() {}
        watch_for("offline");
        socket.close().await;
        let got = collect(&mut rx, watching, &mut offline).await;
        missed += (watching - got) as u64;
        *expecting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
    let (sockets, closed_while_timing, codes_while_timing) = closed_by_server(sockets).await;
    let still_open = sockets.len();
    ws::close_all(sockets.into_iter().map(|(_, s)| s).collect()).await;

    let on = online.summary();
    let off = offline.summary();
    let mut violations = Vec::new();
    if missed > 0 {
        violations.push(format!(
            "{missed} presence frames never reached a connected observer (waited 10 s each)"
        ));
    }
    let mut problems = Vec::new();
    let first_closed: u64 = closed_rounds.first().map_or(0, |c| c.values().sum());
    if first_closed > 0 {
        problems.push(format!(
            "the server closed {first_closed} of {} reading observers while they connected \
             ({:?}); reconnect rounds closed {:?} more",
            observers.len(),
            closed_rounds[0],
            closed_rounds
                .iter()
                .skip(1)
                .map(|c| c.values().sum::<u64>())
                .collect::<Vec<_>>()
        ));
    }
    if failed > 0 {
        problems.push(format!("{failed} observer connects failed"));
    }
    if !closed_while_timing.is_empty() {
        problems.push(format!(
            "{} observers closed by the server while subjects were timed: {codes_while_timing:?}",
            closed_while_timing.len()
        ));
    }
    ctx.reporter.record(Run {
        workload: "W6",
        name: format!("{} connected users", observers.len()),
        parameters: json!({
            "observers": observers.len(),
            "subjects": subjects.len(),
            "connect_concurrency": 100,
            "reconnect_rounds": RECONNECT_ROUNDS,
        }),
        results: json!({
            "observers_connect_secs": round1(connect_secs),
            "observers_closed_by_server_per_round": closed_rounds,
            "observer_connects_failed": failed,
            "observers_watching": watching,
            "online_ms": on,
            "offline_ms": off,
            "missed_frames": missed,
            "observers_still_open_at_end": still_open,
        }),
        summary: format!(
            "online: p50 {} / p99 {} / max {} ms; offline: p50 {} / p99 {} ms; \
             {watching} of {} observers watching",
            on.p50,
            on.p99,
            on.max,
            off.p50,
            off.p99,
            observers.len()
        ),
        target: Some("p99 < 100 ms".to_owned()),
        met: Some(on.p99 < 100.0 && missed == 0 && watching == observers.len()),
        violations,
        problems,
    });
    Ok(())
}

/// Collects up to `want` latencies, waiting at most 10 s; returns how many came.
async fn collect(
    rx: &mut mpsc::UnboundedReceiver<Duration>,
    want: usize,
    into: &mut Samples,
) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = 0;
    while got < want {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(d)) => {
                into.push(d);
                got += 1;
            }
            _ => break,
        }
    }
    got
}
