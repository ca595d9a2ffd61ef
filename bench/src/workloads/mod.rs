//! The workloads, and the order `run_all` runs them in.
//!
//! Users are signed up once and shared: workloads run one after another and each closes its
//! sockets, so W3's ten thousand users include W6's observers. Memory (W3) is measured on fresh
//! processes, before other workloads have grown the allocators' caches. With the reference
//! server, W1 and W2 run on it too, on users of its own, right before ours (W1 rate by rate).
//! W8's groups are made of the first users of the pool (W1's among them: their conversations
//! with each other stay apart from the groups).

mod open_loop;
mod w10_attachments;
mod w1_fixed_rate;
mod w2_saturation;
mod w3_idle;
mod w4_storm;
mod w5_backlog;
mod w6_presence;
mod w7_history;
mod w8_groups;
mod w9_search;

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use crate::compare::W1_TARGET_RATES;
use crate::report::{Run, System};
use crate::users::{self, User};
use crate::{Ctx, log};

/// All clocks of the bench count from here; message contents carry nanoseconds since it.
static BASE: OnceLock<Instant> = OnceLock::new();

/// Nanoseconds from the bench's base instant to `t` (encoded into message contents, so the
/// receiving task knows when a message was scheduled without any shared table).
pub fn ns_of(t: Instant) -> u64 {
    let base = *BASE.get_or_init(Instant::now);
    u64::try_from(t.saturating_duration_since(base).as_nanos()).unwrap_or(u64::MAX)
}

/// The instant `ns_of` encoded.
pub fn instant_of(ns: u64) -> Instant {
    *BASE.get_or_init(Instant::now) + Duration::from_nanos(ns)
}

/// A `clientMsgId` in UUID form that says which message it is: the workload's number and
/// `(a, b, c)` as in [`encode`], so an `error` frame (which carries only the id) can be
/// attributed. Workloads that reuse users must use different numbers: a repeated id is, as the
/// contract says, answered with the message first stored under it.
pub fn client_id(workload: u8, a: usize, b: usize, c: u64) -> String {
    let high = (0xb0u64 << 56) | (u64::from(workload) << 48) | (a as u64 & 0xffff_ffff);
    let low = ((b as u64) << 40) | (c & 0xff_ffff_ffff);
    uuid::Uuid::from_u64_pair(high, low).to_string()
}

/// The fields of a [`client_id`] of `workload`.
pub fn parse_client_id(workload: u8, id: &str) -> Option<(usize, usize, u64)> {
    let (high, low) = uuid::Uuid::parse_str(id).ok()?.as_u64_pair();
    if high >> 56 != 0xb0 || (high >> 48) & 0xff != u64::from(workload) {
        return None;
    }
    Some((
        (high & 0xffff_ffff) as usize,
        (low >> 40) as usize,
        low & 0xff_ffff_ffff,
    ))
}

/// `"{tag} a b c ns"`: what a bench message's content says about it.
pub fn encode(tag: &str, a: usize, b: usize, c: u64, at: Instant) -> String {
    format!("{tag} {a} {b} {c} {}", ns_of(at))
}

/// The fields of [`encode`], if `content` is a bench message with this tag.
pub fn decode(tag: &str, content: &str) -> Option<(usize, usize, u64, Instant)> {
    let mut f = content.split(' ');
    if f.next()? != tag {
        return None;
    }
    let a = f.next()?.parse().ok()?;
    let b = f.next()?.parse().ok()?;
    let c = f.next()?.parse().ok()?;
    let ns = f.next()?.parse().ok()?;
    Some((a, b, c, instant_of(ns)))
}

/// A rough upper bound of each workload's duration, to skip what cannot finish in the budget
/// (W1 and W2 count `systems` times: ours, and the reference server when it runs too). W1's
/// covers its rates up to the highest one a target names: it checks the time before every
/// further step itself.
fn estimate(w: &str, ctx: &Ctx, systems: usize) -> Duration {
    let o = &ctx.opts;
    let systems = systems as f64;
    let highest_target = W1_TARGET_RATES.iter().copied().max().unwrap_or(0);
    let w1_steps = o
        .w1_rates
        .iter()
        .filter(|r| **r <= highest_target)
        .count()
        .max(1);
    let secs = match w {
        "W1" => systems * (10.0 + w1_steps as f64 * (o.w1_secs + 6.0)),
        "W2" => systems * (20.0 + o.w2_secs),
        "W3" => 80.0 + o.w3_counts.iter().sum::<usize>() as f64 / 200.0,
        "W4" => 10.0 + o.w4_rates.len() as f64 * (o.w4_secs + 4.0),
        // W5 shrinks its backlog to the time left (see w5_backlog::sized_to_budget).
        "W5" => 45.0,
        "W6" => 20.0 + o.w6_users as f64 / 40.0,
        "W7" => 30.0 + o.w7_messages as f64 / 40_000.0,
        "W8" => {
            10.0 + (o.w8_groups * o.w8_members) as f64 / 20.0
                + o.w8_rates.len() as f64 * (o.w8_secs + 6.0)
        }
        // Two GIN indexes (words, trigrams) make its rows slower to load than W7's.
        "W9" => 40.0 + o.w9_messages as f64 / 15_000.0,
        "W10" => 90.0,
        _ => 0.0,
    };
    Duration::from_secs_f64(secs.min(if o.quick { 60.0 } else { 400.0 }))
}

/// Runs every wanted workload in turn; a failing workload is recorded and the rest still run.
/// `reference`, when given, is the reference server's context: W1 and W2 run on it too.
pub async fn run_all(ctx: &Ctx, reference: Option<&Ctx>, fd_limit: u64) -> anyhow::Result<()> {
    let o = &ctx.opts;
    let pairs = 2 * o.w1_pairs;
    let w5_users = 1 + o.w5_senders;
    let mut pool_size = 0;
    if o.wants("W1") || o.wants("W2") {
        pool_size = pool_size.max(pairs);
    }
    // The check (--quick) runs against a debug build with bcrypt at its production cost, where a
    // sign-up takes a second of CPU: W5 reuses W1's users there (the receiver is user 0, the
    // senders users 2, 4, …, so every W5 conversation is new).
    let w5_shares_w1 = o.quick && o.wants("W1") && pairs > 2 * o.w5_senders;
    let w5_at = pool_size;
    if o.wants("W5") && !w5_shares_w1 {
        pool_size += w5_users;
    }
    let w7_at = pool_size;
    if o.wants("W7") {
        pool_size += 2;
    }
    let w9_at = pool_size;
    if o.wants("W9") {
        pool_size += 1;
    }
    let fd_room = usize::try_from(fd_limit.saturating_sub(1000)).unwrap_or(usize::MAX);
    let w3_counts: Vec<usize> = o.w3_counts.iter().map(|c| (*c).min(fd_room)).collect();
    if w3_counts != o.w3_counts {
        log(&format!(
            "W3 counts capped to {w3_counts:?} by the bench's open-files limit {fd_limit}"
        ));
    }
    if o.wants("W3") {
        pool_size = pool_size.max(w3_counts.iter().copied().max().unwrap_or(0));
    }
    if o.wants("W6") {
        pool_size = pool_size.max(o.w6_users + o.w6_subjects);
    }
    if o.wants("W4") {
        pool_size = pool_size.max(200);
    }
    let w8_users = o.w8_groups * o.w8_members;
    if o.wants("W8") {
        pool_size = pool_size.max(w8_users);
    }
    if o.wants("W10") {
        pool_size = pool_size.max(w10_attachments::UPLOADERS);
    }
    // bcrypt at cost 12 in a debug build (the check's stack) takes about a second of CPU per
    // sign-up: a few at a time, or each would wait for all the others.
    let concurrency = if o.quick { 4 } else { 48 };
    let pool = users::sign_up_many(ctx, pool_size, concurrency).await?;
    // The reference server's own users, for W1 and W2 (its failures are its, recorded as such).
    let reference = match reference.filter(|_| o.wants("W1") || o.wants("W2")) {
        Some(r) => match users::sign_up_many(r, pairs, concurrency).await {
            Ok(users) => Some((r, users)),
            Err(e) => {
                failed(r, "W1/W2", &e);
                None
            }
        },
        None => None,
    };
    ctx.settle(Duration::from_secs(30)).await;
    // W1 and W2's systems, in the order they run: the reference first.
    let mut chat: Vec<(&Ctx, &[User])> = Vec::with_capacity(2);
    if let Some((r, users)) = &reference {
        chat.push((*r, users.as_slice()));
    }
    if o.wants("W1") || o.wants("W2") {
        chat.push((ctx, &pool[..pairs]));
    }

    // W6 and W3 on fresh processes (W6 barely touches socket-handler; W3 restarts the stack
    // between and after its counts). W7 next: its seeding covers the burst of presence changes
    // that follows W3 (see w3_idle), W9 after it (search, seeded the same way), and W10's uploads
    // (which only touch messages). Then the hot path, W1 and W2 (with the reference server, the
    // longest part), before W4, so that a slow machine skips the storm rather than them. W5
    // last, sized to the time that is left (its crash restarts everything anyway). W8, the group
    // fan-out, right after the hot path it extends.
    let order = ["W6", "W3", "W7", "W9", "W10", "W1", "W2", "W8", "W4", "W5"];
    for w in order.into_iter().filter(|w| o.wants(w)) {
        let systems = if matches!(w, "W1" | "W2") {
            chat.len()
        } else {
            1
        };
        if ctx.remaining() < estimate(w, ctx, systems) {
            log(&format!(
                "{w} skipped: it would not finish within the time budget"
            ));
            ctx.reporter
                .record(skipped(w, "skipped: not enough time left in the budget"));
            continue;
        }
        log(&format!("--- {w} ---"));
        let result = match w {
            "W1" => w1_fixed_rate::run(&chat).await,
            "W2" => {
                let mut result = Ok(());
                for (c, users) in &chat {
                    match w2_saturation::run(c, users).await {
                        Err(e) if c.system == System::Reference => failed(c, "W2", &e),
                        Err(e) => result = Err(e),
                        Ok(()) => {}
                    }
                    c.settle(Duration::from_secs(30)).await;
                }
                result
            }
            "W3" => w3_idle::run(ctx, &pool, &w3_counts, fd_limit).await,
            "W4" => w4_storm::run(ctx, &pool).await,
            "W5" => {
                let users: Vec<User> = if w5_shares_w1 {
                    (0..w5_users).map(|i| pool[2 * i].clone()).collect()
                } else {
                    pool[w5_at..w5_at + w5_users].to_vec()
                };
                w5_backlog::run(ctx, &users).await
            }
            "W6" => w6_presence::run(ctx, &pool).await,
            "W7" => w7_history::run(ctx, &pool[w7_at..w7_at + 2]).await,
            "W8" => w8_groups::run(ctx, &pool[..w8_users]).await,
            "W9" => w9_search::run(ctx, &pool[w9_at..=w9_at]).await,
            "W10" => w10_attachments::run(ctx, &pool).await,
            _ => Ok(()),
        };
        if let Err(e) = result {
            failed(ctx, w, &e);
        }
        ctx.settle(Duration::from_secs(30)).await;
    }
    Ok(())
}

/// Records that workload `w` failed on `ctx`'s system (a violation for ours; for the reference
/// server, a problem).
pub fn failed(ctx: &Ctx, w: &'static str, e: &anyhow::Error) {
    log(&format!("{w} failed{}: {e:#}", reference_label(ctx)));
    let mut run = skipped(w, &format!("failed: {e:#}"));
    run.violations.push(format!("the workload failed: {e:#}"));
    ctx.reporter.record(run);
}

fn reference_label(ctx: &Ctx) -> &'static str {
    match ctx.system {
        System::Ours => "",
        System::Reference => " on the reference server",
    }
}

fn skipped(w: &'static str, why: &str) -> Run {
    Run {
        workload: w,
        name: "-".to_owned(),
        parameters: json!({}),
        results: json!({"outcome": why}),
        summary: why.to_owned(),
        target: None,
        met: None,
        violations: Vec::new(),
        problems: Vec::new(),
    }
}

/// Pairs `users` as (0, 1), (2, 3), …
pub fn pairs_of(users: &[User]) -> Vec<(User, User)> {
    users
        .chunks_exact(2)
        .map(|c| (c[0].clone(), c[1].clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_carry_their_fields_and_schedule() {
        let at = Instant::now() + Duration::from_millis(5);
        let text = encode("w1", 3, 7, 42, at);
        let (a, b, c, back) = decode("w1", &text).expect("decodes");
        assert_eq!((a, b, c), (3, 7, 42));
        assert!(back.max(at) - back.min(at) < Duration::from_micros(1));
        assert!(decode("w2", &text).is_none());
    }

    #[test]
    fn client_ids_are_uuids_that_name_their_message() {
        let id = client_id(1, 4, 99, 123_456);
        assert!(uuid::Uuid::parse_str(&id).is_ok());
        assert_eq!(parse_client_id(1, &id), Some((4, 99, 123_456)));
        assert_ne!(client_id(2, 4, 99, 123_456), id);
        assert_eq!(parse_client_id(2, &id), None);
        assert_eq!(parse_client_id(1, &uuid::Uuid::new_v4().to_string()), None);
    }
}
