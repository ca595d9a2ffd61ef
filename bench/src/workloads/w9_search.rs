//! W9, search: with `--w9-messages` stored messages over `--w9-conversations` conversations, a
//! user who belongs to a tenth of them (100 of 1,000 by default) searches with
//! `GET /api/messages/search`: a common word (one message in ten), a rare word (about one in a
//! hundred thousand), a phrase (one in fifty) and a two-character Chinese word (in one message in
//! twenty, written without spaces). Each query is sent `--w9-requests` times in a row over one
//! keep-alive connection through the gateway; p50 and p99 per kind. Afterwards the plans behind
//! the numbers (`EXPLAIN (ANALYZE, BUFFERS)` of the statements messages runs for each query) are
//! recorded with the results and written to `<run dir>/bench/w9-plans.txt`.
//!
//! As in W7 (whose loader this follows) the messages are written straight into messages'
//! database with SQL, interleaved over the conversations as they would arrive, then analysed,
//! and the GIN indexes' pending lists flushed, as autovacuum would.

use anyhow::Context;
use serde::Deserialize;
use serde_json::json;
use tokio::time::Instant;

use crate::http::HttpConn;
use crate::report::Run;
use crate::stats::{Samples, round1};
use crate::users::User;
use crate::{Ctx, log};

const WARM_UP_REQUESTS: usize = 10;
/// Results per request, as a client's first page.
const PAGE: usize = 20;
/// The issue's target for every kind.
const TARGET_P99_MS: f64 = 50.0;

#[derive(Deserialize)]
struct SearchPage {
    results: Vec<SearchResult>,
}

#[derive(Deserialize)]
struct SearchResult {
    message: Found,
}

#[derive(Deserialize)]
struct Found {
    content: String,
}

/// One kind of query: its name, `q`, text every result must hold, and the condition messages'
/// statement has for it (`messages/src/repository/search.rs`), for the plan.
struct Kind {
    name: &'static str,
    q: &'static str,
    holds: &'static str,
    condition: &'static str,
}

const KINDS: [Kind; 4] = [
    Kind {
        name: "common word",
        q: "meeting",
        holds: "meeting",
        condition: "(m.search_vector @@ to_tsquery('english'::regconfig, '''meeting'':*') \
                    OR m.content ILIKE '%meeting%')",
    },
    Kind {
        name: "rare word",
        q: "zanzibar",
        holds: "zanzibar",
        condition: "(m.search_vector @@ to_tsquery('english'::regconfig, '''zanzibar'':*') \
                    OR m.content ILIKE '%zanzibar%')",
    },
    Kind {
        name: "phrase",
        q: "\"project deadline\"",
        holds: "project deadline",
        condition: "(m.search_vector @@ phraseto_tsquery('english'::regconfig, 'project deadline') \
                    OR m.content ILIKE '%project deadline%')",
    },
    Kind {
        name: "CJK substring",
        q: "北京",
        holds: "北京",
        condition: "(numnode(to_tsquery('simple'::regconfig, '''北京''')) = 0 \
                    OR m.search_bigrams @@ to_tsquery('simple'::regconfig, '''北京''')) \
                    AND m.content ILIKE '%北京%'",
    },
];

/// Seeds and measures, with `users[0]` as the one who searches.
pub async fn run(ctx: &Ctx, users: &[User]) -> anyhow::Result<()> {
    let o = &ctx.opts;
    let searcher = users.first().context("W9 needs a user")?;
    let n = o.w9_messages.max(1_000);
    let conversations = o.w9_conversations.max(10);
    let mine = (conversations / 10).max(1);
    log(&format!(
        "W9: storing {n} messages with SQL over {conversations} conversations, {mine} of them the searcher's"
    ));
    let seeding = Instant::now();
    let sql = seed_sql(&searcher.id, n, conversations, mine);
    let stack = ctx.stack.clone();
    let db = stack.database("messages");
    let db_for_seed = db.clone();
    tokio::task::spawn_blocking(move || stack.psql(&db_for_seed, &sql)).await??;
    let seed_secs = seeding.elapsed().as_secs_f64();
    log(&format!("W9: seeded in {seed_secs:.1} s"));

    let mut conn = HttpConn::connect(&ctx.target, searcher.source).await?;
    let mut violations = Vec::new();
    let mut results = serde_json::Map::new();
    let mut summaries = Vec::new();
    let mut plans = String::new();
    let mut met = true;
    for kind in &KINDS {
        let path = format!(
            "/api/messages/search?q={}&limit={PAGE}",
            percent_encode(kind.q)
        );
        let mut lat = Samples::default();
        let mut cold = None;
        let mut found = 0;
        for i in 0..WARM_UP_REQUESTS + o.w9_requests {
            if !conn.is_open() {
                conn = HttpConn::connect(&ctx.target, searcher.source).await?;
            }
            let t = Instant::now();
            let response = conn
                .request("GET", &path, Some(&searcher.cookie), None)
                .await?;
            let took = t.elapsed();
            if response.status != 200 {
                return Err(response.unexpected(kind.name));
            }
            if i == 0 {
                cold = Some(took);
                let page: SearchPage = response.json()?;
                found = page.results.len();
                if found == 0 {
                    violations.push(format!("{}: {} found nothing", kind.name, kind.q));
                }
                if let Some(wrong) = page
                    .results
                    .iter()
                    .find(|r| !r.message.content.to_lowercase().contains(kind.holds))
                {
                    violations.push(format!(
                        "{}: a result without {:?}: {:?}",
                        kind.name, kind.holds, wrong.message.content
                    ));
                }
            }
            if i >= WARM_UP_REQUESTS {
                lat.push(took);
            }
        }
        let s = lat.summary();
        met &= s.p99 <= TARGET_P99_MS;
        let plan = explain(ctx, &db, &searcher.id, kind.condition).await?;
        plans.push_str(&format!("--- {} (q={}) ---\n{plan}\n\n", kind.name, kind.q));
        summaries.push(format!("{}: p50 {} / p99 {} ms", kind.name, s.p50, s.p99));
        results.insert(
            kind.name.replace(' ', "_"),
            json!({
                "q": kind.q,
                "results_on_first_page": found,
                "first_request_ms": cold.map(|d| d.as_secs_f64() * 1000.0),
                "latency_ms": s,
                "plan": plan,
            }),
        );
    }
    let plans_file = ctx.stack.run_dir.join("bench").join("w9-plans.txt");
    match std::fs::create_dir_all(ctx.stack.run_dir.join("bench"))
        .and_then(|()| std::fs::write(&plans_file, &plans))
    {
        Ok(()) => log(&format!("W9: plans in {}", plans_file.display())),
        Err(e) => log(&format!("W9: could not write the plans: {e}")),
    }
    results.insert("seed_secs".to_owned(), json!(round1(seed_secs)));
    ctx.reporter.record(Run {
        workload: "W9",
        name: format!("{n} stored messages, search"),
        parameters: json!({
            "stored_messages": n,
            "conversations": conversations,
            "searchers_conversations": mine,
            "requests_per_kind": o.w9_requests,
            "warm_up_requests": WARM_UP_REQUESTS,
            "page": PAGE,
            "seeded_with_sql": true,
        }),
        results: serde_json::Value::Object(results),
        summary: summaries.join("; "),
        target: Some(format!("p99 ≤ {TARGET_P99_MS} ms for each kind")),
        met: Some(met && violations.is_empty()),
        violations,
        problems: Vec::new(),
    });
    Ok(())
}

/// How many of the viewer's newest messages messages' search reads first, shared out over their
/// conversations (`NEWEST_BUDGET` in `messages/src/repository/search.rs`).
const NEWEST_BUDGET: usize = 2_000;

/// The plans of messages' search statements for `condition` (`repository/search.rs`, with their
/// parameters written in), as `viewer` runs them: where reading the newest messages stops (the
/// frontier), the newest messages' matches, and, when those hold no page, the statement through
/// the text indexes that answers instead.
async fn explain(ctx: &Ctx, db: &str, viewer: &str, condition: &str) -> anyhow::Result<String> {
    // The service reads the viewer's conversations first and passes them as a list.
    let list = format!(
        "SELECT count(*) || ':' || coalesce(string_agg(quote_literal(conversation_id::text), ','), '') \
         FROM conversation_members WHERE user_id = '{viewer}'"
    );
    let answer = psql(ctx, db, list).await?;
    let (count, ids) = answer
        .split_once(':')
        .context("the viewer's conversations")?;
    let per_conversation = NEWEST_BUDGET / count.parse::<usize>()?.max(1);
    let frontier = format!(
        "SELECT e.created_at, e.seq, e.id
         FROM unnest(ARRAY[{ids}]::uuid[]) AS c(id)
         CROSS JOIN LATERAL (
             SELECT m.created_at, m.seq, m.id FROM messages m
             WHERE m.conversation_id = c.id
             ORDER BY m.created_at DESC, m.seq DESC, m.id DESC
             OFFSET {} LIMIT 1
         ) e
         ORDER BY e.created_at DESC, e.seq DESC, e.id DESC
         LIMIT 1",
        per_conversation.saturating_sub(1)
    );
    let edge = psql(ctx, db, frontier.clone()).await?;
    let window = match edge.split('|').collect::<Vec<_>>()[..] {
        [at, seq, id] => {
            format!("AND (m.created_at, m.seq, m.id) >= ('{at}'::timestamptz, {seq}, '{id}'::uuid)")
        }
        _ => String::new(),
    };
    let select =
        "SELECT m.id, m.conversation_id, m.seq, m.content, m.created_at, mv.vote AS my_vote";
    let votes =
        format!("LEFT JOIN message_votes mv ON mv.message_id = m.id AND mv.user_id = '{viewer}'");
    let wanted = format!("m.deleted_at IS NULL AND m.kind = 'user' AND {condition}");
    let order = format!(
        "ORDER BY m.created_at DESC, m.seq DESC, m.id DESC LIMIT {}",
        PAGE + 1
    );
    let mine = format!("m.conversation_id = ANY(ARRAY[{ids}]::uuid[])");
    let newest = format!(
        "WITH newest AS MATERIALIZED (SELECT * FROM messages m WHERE {mine} {window})
         {select} FROM newest m {votes} WHERE {wanted} {order}"
    );
    let indexed = format!("{select} FROM messages m {votes} WHERE {mine} AND {wanted} {order}");
    let found: usize = psql(ctx, db, format!("SELECT count(*) FROM ({newest}) r"))
        .await?
        .parse()?;
    let mut plans = format!(
        "-- frontier ({per_conversation} per conversation): {edge}\n{}\n-- newest: {found} found\n{}",
        psql(ctx, db, format!("EXPLAIN (ANALYZE, BUFFERS) {frontier}")).await?,
        psql(ctx, db, format!("EXPLAIN (ANALYZE, BUFFERS) {newest}")).await?,
    );
    if found <= PAGE && !window.is_empty() {
        plans.push_str(&format!(
            "\n-- no page among the newest: through the text indexes\n{}",
            psql(ctx, db, format!("EXPLAIN (ANALYZE, BUFFERS) {indexed}")).await?
        ));
    }
    Ok(plans)
}

/// `sql`'s output in `db`, from a blocking task.
async fn psql(ctx: &Ctx, db: &str, sql: String) -> anyhow::Result<String> {
    let stack = ctx.stack.clone();
    let db = db.to_owned();
    tokio::task::spawn_blocking(move || stack.psql(&db, &sql)).await?
}

/// A query parameter's value, percent-encoded (everything but unreserved characters).
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The seeding SQL: `conversations` direct conversations, the first `mine` of them with the
/// searcher, the others between made-up users; `n` messages dealt over them in turn (newest
/// last, 100 a second, ending now). Contents are a few words from a small vocabulary, with
/// "meeting" in one message in ten, "the project deadline is close" in one in fifty, "zanzibar"
/// in one in 100,003, and one in twenty a sentence in Chinese or Japanese.
fn seed_sql(searcher: &str, n: usize, conversations: usize, mine: usize) -> String {
    format!(
        "BEGIN;
CREATE TEMP TABLE w9_conv AS
  SELECT i, gen_random_uuid() AS id,
         CASE WHEN i < {mine} THEN '{searcher}'::uuid ELSE gen_random_uuid() END AS u1,
         gen_random_uuid() AS u2
  FROM generate_series(0, {conversations} - 1) i;
INSERT INTO users (id, username) SELECT u2, 'w9_peer_' || i FROM w9_conv ON CONFLICT DO NOTHING;
INSERT INTO conversations (id, pair_key)
  SELECT id, u1::text || ':' || u2::text FROM w9_conv;
INSERT INTO conversation_members (conversation_id, user_id)
  SELECT id, u1 FROM w9_conv UNION ALL SELECT id, u2 FROM w9_conv;
WITH f AS (
  SELECT array_agg(id ORDER BY i) AS ids, array_agg(u1 ORDER BY i) AS u1s,
         array_agg(u2 ORDER BY i) AS u2s,
         (extract(epoch FROM now()) * 1000)::bigint - {n}::bigint * 10 AS base_ms
  FROM w9_conv
), v AS (
  SELECT ARRAY['apple', 'budget', 'coffee', 'dinner', 'email', 'friday', 'garden', 'holiday',
               'invoice', 'jacket', 'kitchen', 'lunch', 'monday', 'notes', 'office', 'parcel',
               'quarter', 'report', 'station', 'ticket', 'update', 'village', 'weekend',
               'yellow', 'zero', 'train', 'music', 'football', 'doctor', 'printer', 'window',
               'bicycle', 'camera', 'design', 'energy', 'flight', 'guitar', 'hotel', 'island',
               'journey', 'laptop', 'market', 'number', 'orange', 'picture', 'question',
               'river', 'summer', 'tomorrow', 'tonight'] AS w,
         ARRAY['我们明天去北京开会', '明日の会議は東京で', '北京的天气今天很好',
               '来週の出張は大阪です'] AS cjk
)
INSERT INTO messages (id, conversation_id, seq, sender_id, receiver_id, client_msg_id, content,
                      created_at)
SELECT (lpad(to_hex(f.base_ms + s::bigint * 10), 12, '0') || '70009000' || lpad(to_hex(s), 12, '0'))::uuid,
       f.ids[s % {conversations} + 1],
       s / {conversations} + 1,
       CASE WHEN (s / {conversations}) % 2 = 0 THEN f.u1s[s % {conversations} + 1]
            ELSE f.u2s[s % {conversations} + 1] END,
       CASE WHEN (s / {conversations}) % 2 = 0 THEN f.u2s[s % {conversations} + 1]
            ELSE f.u1s[s % {conversations} + 1] END,
       'w9-' || s,
       CASE WHEN s % 20 = 7 THEN v.cjk[(s / 20) % 4 + 1] || ' ' || s
            ELSE concat_ws(' ', v.w[s % 50 + 1], v.w[(s / 7) % 50 + 1],
                           CASE WHEN s % 10 = 3 THEN 'meeting' END,
                           CASE WHEN s % 50 = 11 THEN 'the project deadline is close' END,
                           CASE WHEN s % 100003 = 5 THEN 'zanzibar' END,
                           v.w[(s / 13) % 50 + 1], 'number', s) END,
       now() - make_interval(secs => ({n} - s) / 100.0)
FROM generate_series(0, {n} - 1) s, f, v;
UPDATE conversations c SET last_seq = m.last, rev = m.last, updated_at = now()
  FROM (SELECT conversation_id, max(seq) AS last FROM messages
        WHERE conversation_id IN (SELECT id FROM w9_conv)
        GROUP BY conversation_id) m
  WHERE c.id = m.conversation_id;
COMMIT;
ANALYZE messages;
ANALYZE conversations;
ANALYZE conversation_members;
SELECT gin_clean_pending_list('messages_search_vector'::regclass);
SELECT gin_clean_pending_list('messages_content_trigrams'::regclass);"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_percent_encoded() {
        assert_eq!(percent_encode("\"a b\""), "%22a%20b%22");
        assert_eq!(percent_encode("北"), "%E5%8C%97");
        assert_eq!(percent_encode("meeting"), "meeting");
    }
}
