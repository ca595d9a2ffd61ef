//! W7, history: with `--w7-messages` stored messages, the latency of
//! `GET /api/messages/conversations/{id}/messages` for the newest page and for a page deep in a
//! long conversation (`before=` its middle), each requested `--w7-requests` times in a row over
//! one keep-alive connection through the gateway.
//!
//! Storing a million messages through the socket would take longer than the whole benchmark may,
//! so they are written straight into messages' database with SQL, in the schema of
//! `messages/migrations`: the conversation is started through the socket as usual (so it and
//! both users are real), then half of the messages go to it and the other half to 100 other
//! conversations, interleaved as they would arrive (the long conversation's rows are spread over
//! the table, not packed together). Tables are analysed afterwards, as autovacuum would.

use anyhow::Context;
use serde::Deserialize;
use serde_json::json;
use tokio::time::Instant;

use crate::http::HttpConn;
use crate::report::Run;
use crate::stats::{Samples, round1};
use crate::users::{User, start_conversations_with_ids};
use crate::ws::ChatMessage;
use crate::{Ctx, log};

const WARM_UP_REQUESTS: usize = 20;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HistoryPage {
    messages: Vec<ChatMessage>,
}

/// Seeds and measures, with `users[0]` and `users[1]` as the long conversation's participants.
pub async fn run(ctx: &Ctx, users: &[User]) -> anyhow::Result<()> {
    let o = &ctx.opts;
    let (a, b) = (&users[0], &users[1]);
    let conversation = start_conversations_with_ids(ctx, &[(a.clone(), b.clone())])
        .await?
        .pop()
        .context("no conversation")?;
    let n = o.w7_messages.max(200);
    let long = n / 2;
    log(&format!(
        "W7: storing {n} messages with SQL ({long} in one conversation, the rest in 100 others)"
    ));
    let seeding = Instant::now();
    let sql = seed_sql(&conversation, &a.id, &b.id, n);
    let stack = ctx.stack.clone();
    let db = stack.database("messages");
    let db2 = db.clone();
    tokio::task::spawn_blocking(move || stack.psql(&db, &sql)).await??;
    let seed_secs = seeding.elapsed().as_secs_f64();
    let stack = ctx.stack.clone();
    let table = tokio::task::spawn_blocking(move || {
        stack.psql(
            &db2,
            "SELECT count(*) || ' ' || pg_total_relation_size('messages') FROM messages",
        )
    })
    .await??;
    let (rows, bytes) = table.split_once(' ').unwrap_or(("?", "?"));
    log(&format!(
        "W7: seeded in {seed_secs:.1} s; messages table: {rows} rows, {bytes} bytes with indexes"
    ));

    let last_seq = 1 + long as i64;
    let deep = 1 + long as i64 / 2;
    let mut conn = HttpConn::connect(&ctx.target, a.source).await?;
    let base = format!("/api/messages/conversations/{conversation}/messages");
    let changes = format!("/api/messages/conversations/{conversation}/changes");
    let kinds = [
        ("newest page", base.clone(), last_seq - 49, last_seq),
        // What a client that was away for the last 50 changes asks after reconnecting.
        (
            "change feed",
            format!("{changes}?since={}&limit=50", last_seq - 50),
            last_seq - 49,
            last_seq,
        ),
        (
            "deep page",
            format!("{base}?before={deep}&limit=50"),
            deep - 50,
            deep - 1,
        ),
    ];
    let mut violations = Vec::new();
    let mut results = serde_json::Map::new();
    let mut summaries = Vec::new();
    let mut met = true;
    for (name, path, first, last) in kinds {
        let mut lat = Samples::default();
        let mut cold = None;
        for i in 0..WARM_UP_REQUESTS + o.w7_requests {
            if !conn.is_open() {
                conn = HttpConn::connect(&ctx.target, a.source).await?;
            }
            let t = Instant::now();
            let response = conn.request("GET", &path, Some(&a.cookie), None).await?;
            let took = t.elapsed();
            if response.status != 200 {
                return Err(response.unexpected(name));
            }
            if i == 0 {
                cold = Some(took);
                let page: HistoryPage = response.json()?;
                // A message without its `seq` makes the list shorter than the one expected.
                let seqs: Vec<i64> = page.messages.iter().filter_map(|m| m.seq).collect();
                let want: Vec<i64> = (first..=last).collect();
                if seqs != want {
                    violations.push(format!(
                        "{name}: got seqs {:?}..{:?} ({} messages), expected {first}..{last}",
                        seqs.first(),
                        seqs.last(),
                        seqs.len()
                    ));
                }
            }
            if i >= WARM_UP_REQUESTS {
                lat.push(took);
            }
        }
        let s = lat.summary();
        met &= s.p99 < 5.0;
        summaries.push(format!(
            "{name}: p50 {} / p99 {} / max {} ms",
            s.p50, s.p99, s.max
        ));
        results.insert(
            name.replace(' ', "_"),
            json!({
                "path": path,
                "first_request_ms": cold.map(|d| d.as_secs_f64() * 1000.0),
                "latency_ms": s,
            }),
        );
    }
    results.insert("seed_secs".to_owned(), json!(round1(seed_secs)));
    results.insert("messages_table_rows".to_owned(), json!(rows));
    results.insert("messages_table_bytes".to_owned(), json!(bytes));
    results.insert("long_conversation_messages".to_owned(), json!(long + 1));
    ctx.reporter.record(Run {
        workload: "W7",
        name: format!("{n} stored messages"),
        parameters: json!({
            "stored_messages": n,
            "long_conversation": long + 1,
            "other_conversations": 100,
            "requests_per_page": o.w7_requests,
            "warm_up_requests": WARM_UP_REQUESTS,
            "seeded_with_sql": true,
        }),
        results: serde_json::Value::Object(results),
        summary: summaries.join("; "),
        target: Some("p99 < 5 ms for each".to_owned()),
        met: Some(met && violations.is_empty()),
        violations,
        problems: Vec::new(),
    });
    Ok(())
}

/// The seeding SQL: one transaction, then ANALYZE. Message ids are time-ordered like the
/// service's UUIDv7 ids (100 messages a second, ending now), so the primary key index grows at
/// its right edge as it does in service.
fn seed_sql(conversation: &str, a: &str, b: &str, n: usize) -> String {
    format!(
        "BEGIN;
CREATE TEMP TABLE w7_fill AS
  SELECT i, gen_random_uuid() AS id, gen_random_uuid() AS u1, gen_random_uuid() AS u2
  FROM generate_series(0, 99) i;
INSERT INTO conversations (id, pair_key)
  SELECT id, u1::text || ':' || u2::text FROM w7_fill;
INSERT INTO conversation_members (conversation_id, user_id)
  SELECT id, u1 FROM w7_fill UNION ALL SELECT id, u2 FROM w7_fill;
WITH f AS (
  SELECT array_agg(id ORDER BY i) AS ids, array_agg(u1 ORDER BY i) AS u1s,
         array_agg(u2 ORDER BY i) AS u2s,
         (extract(epoch FROM now()) * 1000)::bigint - {n}::bigint * 10 AS base_ms
  FROM w7_fill
)
INSERT INTO messages (id, conversation_id, seq, rev, sender_id, receiver_id, client_msg_id,
                      content, created_at)
SELECT (lpad(to_hex(f.base_ms + s::bigint * 10), 12, '0') || '70008000' || lpad(to_hex(s), 12, '0'))::uuid,
       CASE WHEN s % 2 = 0 THEN '{conversation}'::uuid ELSE f.ids[(s / 2) % 100 + 1] END,
       q.seq,
       -- As if nothing was ever changed: each message's last change is its arrival.
       q.seq,
       CASE WHEN s % 2 = 1 THEN f.u1s[(s / 2) % 100 + 1]
            WHEN (s / 2) % 2 = 0 THEN '{a}'::uuid ELSE '{b}'::uuid END,
       CASE WHEN s % 2 = 1 THEN f.u2s[(s / 2) % 100 + 1]
            WHEN (s / 2) % 2 = 0 THEN '{b}'::uuid ELSE '{a}'::uuid END,
       'seed-' || s,
       'w7 seeded message ' || s || ', about as long as a short line of chat is',
       now() - make_interval(secs => ({n} - s) / 100.0)
FROM generate_series(0, {n} - 1) s, f,
     LATERAL (SELECT CASE WHEN s % 2 = 0 THEN s / 2 + 2 ELSE (s / 2) / 100 + 1 END AS seq) q;
UPDATE conversations c SET last_seq = m.last, rev = m.last, updated_at = now()
  FROM (SELECT conversation_id, max(seq) AS last FROM messages
        WHERE conversation_id IN (SELECT id FROM w7_fill UNION ALL SELECT '{conversation}'::uuid)
        GROUP BY conversation_id) m
  WHERE c.id = m.conversation_id;
UPDATE conversation_members cm SET unread_count = (
    SELECT count(*) FROM messages m
    WHERE m.conversation_id = cm.conversation_id AND m.sender_id <> cm.user_id
      AND m.seq > cm.last_read_seq)
  WHERE cm.conversation_id = '{conversation}'::uuid;
COMMIT;
ANALYZE messages;
ANALYZE conversations;
ANALYZE conversation_members;"
    )
}
