//! W4, connect storm: users arrive at a fixed rate (open loop), each signing in over HTTP and
//! opening `/ws/chat` with the fresh cookie, and stay connected until the step ends. The time of
//! an arrival runs from its scheduled moment to the completed upgrade. Rates step up until the
//! p99 of that time passes 1 s (or more than 1% fail); the answer is the highest rate below.
//!
//! Sign-in verifies a bcrypt hash, so its cost decides much of this: the stack's `BCRYPT_COST`
//! is part of the machine record.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use crate::report::Run;
use crate::stats::{Samples, round1};
use crate::users::{User, sign_in};
use crate::ws::{self, Socket};
use crate::{Ctx, log};

const P99_LIMIT_MS: f64 = 1000.0;
/// An arrival that takes longer than this counts as failed.
const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(10);

struct Arrival {
    total: Option<Duration>,
    sign_in: Option<Duration>,
    upgrade: Option<Duration>,
    socket: Option<Socket>,
    error: Option<String>,
}

/// Steps through `--w4-rates` with users of `pool` in turn.
pub async fn run(ctx: &Ctx, pool: &[User]) -> anyhow::Result<()> {
    anyhow::ensure!(!pool.is_empty(), "W4 needs users");
    let o = &ctx.opts;
    let pool: Arc<Vec<User>> = Arc::new(pool.to_vec());
    let mut steps = Vec::new();
    let mut best: Option<u32> = None;
    let mut next_user = 0usize;
    for &rate in &o.w4_rates {
        if ctx.remaining() < Duration::from_secs_f64(o.w4_secs + 15.0) {
            log("W4: no time left for higher rates");
            break;
        }
        let count = ((f64::from(rate) * o.w4_secs).round() as usize).max(1);
        log(&format!(
            "W4: {rate} sign-ins + connects per second for {} s",
            o.w4_secs
        ));
        let start = Instant::now() + Duration::from_millis(100);
        let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
        let mut tasks = Vec::with_capacity(count);
        for k in 0..count {
            let scheduled = start + interval.mul_f64(k as f64);
            let user = pool[next_user % pool.len()].clone();
            next_user += 1;
            let source = ctx.sources.next();
            let ctx_target = ctx.target.clone();
            tasks.push(async move {
                tokio::time::sleep_until(scheduled).await;
                let attempt = async {
                    let t0 = Instant::now();
                    let cookie = sign_in(ctx, &user, source).await?;
                    let t1 = Instant::now();
                    let ws = ws::open(&ctx_target, ws::CHAT, &cookie, source).await?;
                    Ok::<_, anyhow::Error>((ws, t1 - t0, t1.elapsed()))
                };
                match tokio::time::timeout(ARRIVAL_TIMEOUT, attempt).await {
                    Ok(Ok((ws, sign_in, upgrade))) => Arrival {
                        total: Some(Instant::now().saturating_duration_since(scheduled)),
                        sign_in: Some(sign_in),
                        upgrade: Some(upgrade),
                        socket: Some(Socket::start(ws, |_: &str, _| {})),
                        error: None,
                    },
                    Ok(Err(e)) => Arrival {
                        total: None,
                        sign_in: None,
                        upgrade: None,
                        socket: None,
                        error: Some(format!("{e:#}")),
                    },
                    Err(_) => Arrival {
                        total: None,
                        sign_in: None,
                        upgrade: None,
                        socket: None,
                        error: Some("timed out".to_owned()),
                    },
                }
            });
        }
        let arrivals = futures_util::future::join_all(tasks).await;
        let elapsed = start.elapsed().as_secs_f64();
        let mut total = Samples::default();
        let mut sign_in_t = Samples::default();
        let mut upgrade_t = Samples::default();
        let mut errors: BTreeMap<String, u64> = BTreeMap::new();
        let mut sockets = Vec::new();
        for a in arrivals {
            match a.total {
                Some(t) => total.push(t),
                // A failed arrival counts at the timeout, so failures raise the percentiles.
                None => total.push(ARRIVAL_TIMEOUT),
            }
            if let Some(t) = a.sign_in {
                sign_in_t.push(t);
            }
            if let Some(t) = a.upgrade {
                upgrade_t.push(t);
            }
            if let Some(e) = a.error {
                let key: String = e.chars().take(80).collect();
                *errors.entry(key).or_default() += 1;
            }
            if let Some(s) = a.socket {
                sockets.push(s);
            }
        }
        let connected = sockets.len();
        ws::close_all(sockets).await;
        let failed = count - connected;
        let t = total.summary();
        let ok = t.p99 <= P99_LIMIT_MS && (failed as f64) <= 0.01 * count as f64;
        if ok {
            best = Some(rate);
        }
        steps.push(json!({
            "rate_per_sec": rate,
            "arrivals": count,
            "connected": connected,
            "failed": failed,
            "errors": errors,
            "achieved_per_sec": round1(connected as f64 / elapsed),
            "arrival_to_open_ms": t,
            "sign_in_ms": sign_in_t.summary(),
            "upgrade_ms": upgrade_t.summary(),
        }));
        log(&format!(
            "W4: {rate}/s: p50 {} / p99 {} ms, {failed} failed",
            t.p50, t.p99
        ));
        ctx.settle(Duration::from_secs(20)).await;
        if !ok {
            break;
        }
    }
    let summary = steps
        .iter()
        .map(|s| {
            format!(
                "{}/s: p99 {} ms{}",
                s["rate_per_sec"],
                s["arrival_to_open_ms"]["p99"],
                if s["failed"].as_u64().unwrap_or(0) > 0 {
                    format!(" ({} failed)", s["failed"])
                } else {
                    String::new()
                }
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    ctx.reporter.record(Run {
        workload: "W4",
        name: "sign-in + connect storm".to_owned(),
        parameters: json!({"rates": o.w4_rates, "seconds_per_rate": o.w4_secs}),
        results: json!({
            "highest_rate_with_p99_under_1s": best,
            "steps": steps,
        }),
        summary: format!(
            "highest rate with p99 ≤ 1 s: {}; {summary}",
            best.map_or("none".to_owned(), |b| format!("{b}/s"))
        ),
        target: None,
        met: None,
        violations: Vec::new(),
        problems: Vec::new(),
    });
    Ok(())
}
