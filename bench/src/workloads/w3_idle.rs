//! W3, idle sockets: N signed-in users each open `/ws/chat` and stay silent. Measured: how long
//! connecting all of them took (and each upgrade's latency), and the memory each connection
//! costs socket-handler: the growth of its proportional set size (`Pss` of
//! `/proc/<pid>/smaps_rollup`) divided by N, after the connections are up and the stack is
//! quiet. nginx's growth is reported too (it holds two sockets per WebSocket).

use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use serde_json::json;
use tokio::time::Instant;

use crate::procs::{self, open_files_limit, pss_kib, rss_kib};
use crate::report::Run;
use crate::stats::{Samples, round1};
use crate::users::User;
use crate::ws::{self, Socket};
use crate::{Ctx, log};

/// Upgrades in flight at once while connecting.
const CONCURRENCY: usize = 200;

/// Runs each count of `counts` with the first users of `pool` (cycling if it is smaller).
///
/// With `--restart-cmd`, each count runs on freshly started services (memory freed by an earlier
/// run would otherwise be reused and hide the cost of new connections), and the stack is
/// restarted once more at the end: socket-handler unbinds a closed user's deliveries one user at
/// a time, so ten thousand closes would keep it busy into the next workload.
pub async fn run(ctx: &Ctx, pool: &[User], counts: &[usize], fd_limit: u64) -> anyhow::Result<()> {
    anyhow::ensure!(!pool.is_empty(), "W3 needs users");
    let restart = ctx.opts.restart_cmd.is_some();
    for (i, &count) in counts.iter().enumerate() {
        // The first count runs on the stack as started (only W6, which holds twenty chat
        // sockets, ran before).
        if restart && i > 0 {
            let secs = ctx.restart_stack().await?;
            log(&format!("W3: the stack was restarted in {secs:.1} s"));
            ctx.settle(Duration::from_secs(15)).await;
        }
        run_count(ctx, pool, count, fd_limit, restart || i == 0).await?;
        if !restart {
            ctx.settle(Duration::from_secs(30)).await;
        }
    }
    if restart {
        // A socket-handler that has to be killed on the way (it unbinds closed users one at a
        // time and cannot finish within the stop timeout) leaves its users in Redis until their
        // presence lapses (30 s) and a sweep announces them all offline at once. W7's seeding
        // comes next and covers that burst.
        let secs = ctx.restart_stack().await?;
        log(&format!("W3: the stack was restarted in {secs:.1} s"));
    }
    Ok(())
}

fn nginx_pss(ctx: &Ctx) -> Option<u64> {
    let master = ctx.stack.pid("nginx")?;
    let workers = procs::children(master);
    Some(workers.iter().filter_map(|w| pss_kib(*w)).sum::<u64>() + pss_kib(master)?)
}

async fn run_count(
    ctx: &Ctx,
    pool: &[User],
    count: usize,
    fd_limit: u64,
    fresh: bool,
) -> anyhow::Result<()> {
    let sh = ctx.stack.pid("socket-handler");
    let nginx_workers: Vec<u32> = ctx
        .stack
        .pid("nginx")
        .map(procs::children)
        .unwrap_or_default();
    let limits = json!({
        "bench": fd_limit,
        "socket_handler": sh.and_then(open_files_limit),
        "nginx_workers": nginx_workers.iter().filter_map(|p| open_files_limit(*p)).collect::<Vec<_>>(),
    });
    if let Some(limit) = sh.and_then(open_files_limit)
        && (limit as usize) < count + 100
    {
        log(&format!(
            "W3: socket-handler may open only {limit} files; {count} sockets will not all fit"
        ));
    }
    let pss_before = sh.and_then(pss_kib);
    let nginx_before = nginx_pss(ctx);
    log(&format!("W3: opening {count} idle chat sockets"));
    let started = Instant::now();
    let results: Vec<(Option<Socket>, Option<Duration>)> = stream::iter(0..count)
        .map(|i| {
            let user = &pool[i % pool.len()];
            async move {
                let t = Instant::now();
                match ws::open(&ctx.target, ws::CHAT, &user.cookie, user.source).await {
                    Ok(ws) => (Some(Socket::start(ws, |_: &str, _| {})), Some(t.elapsed())),
                    Err(e) => {
                        log(&format!("W3: connect failed: {e:#}"));
                        (None, None)
                    }
                }
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let connect_secs = started.elapsed().as_secs_f64();
    let mut handshake = Samples::default();
    let mut sockets = Vec::with_capacity(count);
    for (socket, took) in results {
        if let Some(took) = took {
            handshake.push(took);
        }
        if let Some(socket) = socket {
            sockets.push(socket);
        }
    }
    let connected = sockets.len();
    ctx.settle(Duration::from_secs(20)).await;
    let (ended, sockets) = ws::ended_by_server(sockets).await;
    let alive = sockets.len();
    let pss_after = sh.and_then(pss_kib);
    let rss_after = sh.and_then(rss_kib);
    let nginx_after = nginx_pss(ctx);
    let per_conn = |before: Option<u64>, after: Option<u64>| match (before, after) {
        (Some(b), Some(a)) if alive > 0 => {
            Some(round1((a.saturating_sub(b) as f64) * 1024.0 / alive as f64))
        }
        _ => None,
    };
    let sh_bytes = per_conn(pss_before, pss_after);
    let nginx_bytes = per_conn(nginx_before, nginx_after);
    log(&format!("W3: closing {connected} sockets"));
    let closing = Instant::now();
    ws::close_all(sockets).await;
    let close_secs = closing.elapsed().as_secs_f64();

    let summary_hs = handshake.summary();
    let failed = count - connected;
    let mut problems = Vec::new();
    if failed > 0 {
        problems.push(format!("{failed} of {count} connects failed"));
    }
    if alive < connected {
        log(&format!("W3: sockets closed by the server: {ended:?}"));
        problems.push(format!(
            "{} idle sockets were closed by the server: {ended:?}",
            connected - alive
        ));
    }
    let met = sh_bytes.is_some_and(|b| b <= 8000.0)
        && (count < 10_000 || connect_secs < 10.0)
        && failed == 0;
    ctx.reporter.record(Run {
        workload: "W3",
        name: format!("{count} idle sockets"),
        parameters: json!({
            "connections": count,
            "distinct_users": count.min(pool.len()),
            "concurrent_upgrades": CONCURRENCY,
            "fresh_processes": fresh,
        }),
        results: json!({
            "connected": connected,
            "failed": failed,
            "still_open_after_settling": alive,
            "closed_by_server": ended,
            "connect_all_secs": (connect_secs * 100.0).round() / 100.0,
            "upgrade_ms": summary_hs,
            "socket_handler_pss_kib_before": pss_before,
            "socket_handler_pss_kib_after": pss_after,
            "socket_handler_rss_kib_after": rss_after,
            "socket_handler_pss_bytes_per_connection": sh_bytes,
            "nginx_pss_bytes_per_connection": nginx_bytes,
            "close_all_secs": round1(close_secs),
            "open_files_limits": limits,
        }),
        summary: format!(
            "socket-handler {} bytes (PSS) per connection (nginx {} more); all up in {:.2} s, \
             upgrade p50 {} / p99 {} ms; {failed} failed",
            sh_bytes.map_or("?".to_owned(), |b| format!("{b:.0}")),
            nginx_bytes.map_or("?".to_owned(), |b| format!("{b:.0}")),
            connect_secs,
            summary_hs.p50,
            summary_hs.p99
        ),
        target: Some(if count >= 10_000 {
            "≤ 8 KB per connection; 10,000 up in < 10 s".to_owned()
        } else {
            "≤ 8 KB per connection".to_owned()
        }),
        met: Some(met),
        violations: Vec::new(),
        problems,
    });
    Ok(())
}
