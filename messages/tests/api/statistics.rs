//! The planner's statistics of the tables every batch of sends reads by key follow their growth
//! (see `messages::repository::statistics`), without waiting for autovacuum.

use shared::testing::eventually;

use crate::helpers::{WAIT, spawn_app};

#[actix_web::test]
async fn a_table_that_doubled_since_its_last_analyze_is_analyzed_again() {
    let app = spawn_app().await;
    let db = app.infra.db().await;
    db.batch_execute(
        "INSERT INTO conversations (id, pair_key)
         SELECT gen_random_uuid(), 'test:' || n FROM generate_series(1, 1500) AS n",
    )
    .await
    .unwrap();
    // Postgres publishes a session's table counters at most once a second; this one's now.
    db.batch_execute("SELECT pg_stat_force_next_flush(); SELECT 1")
        .await
        .unwrap();

    let analyzed = "SELECT reltuples FROM pg_class WHERE relname = 'conversations'";
    let rows: f32 = eventually("conversations to be analyzed", WAIT, || async {
        let rows: f32 = db.query_one(analyzed, &[]).await.ok()?.get(0);
        (rows >= 1500.0).then_some(rows)
    })
    .await;
    assert_eq!(rows, 1500.0, "the planner knows the table's size");
}
