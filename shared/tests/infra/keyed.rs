//! The keyed pool (`db::keyed_pool`): what a writer's statements are planned with.

use shared::db;

use crate::support::infra_with_things;

/// A lookup of `= ANY($1)` is the shape Postgres otherwise plans again on every execution.
const LOOKUP: &str = "SELECT id FROM things WHERE id = ANY($1)";

/// Counts the executions of [`LOOKUP`] with a generic and with a custom plan after ten runs on
/// one connection of `pool`, and shows the plan it runs with.
async fn plans_of_lookup(pool: &deadpool_postgres::Pool) -> (i64, i64, String) {
    let client = pool.get().await.unwrap();
    let lookup = client.prepare_cached(LOOKUP).await.unwrap();
    for n in 0..10 {
        client.query(&lookup, &[&vec![n, n + 1]]).await.unwrap();
    }
    let row = client
        .query_one(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements
             WHERE statement = $1",
            &[&LOOKUP],
        )
        .await
        .unwrap();
    let explain = format!("EXPLAIN EXECUTE {}('{{1,2}}')", row.get::<_, String>(0));
    let plan: String = client
        .query(&explain, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect();
    (row.get(1), row.get(2), plan)
}

/// Made while the table is empty, the plan still goes through the key; and it is made once
/// (an ordinary connection plans such a lookup at every execution: docs/profiling.md).
#[tokio::test]
async fn a_keyed_connection_plans_a_lookup_once_and_through_the_key() {
    let infra = infra_with_things("keyed").await;

    let (generic, custom, plan) =
        plans_of_lookup(&db::keyed_pool(&infra.database_url, 1).unwrap()).await;
    assert_eq!(
        (generic, custom),
        (10, 0),
        "one generic plan for every execution"
    );
    assert!(plan.contains("Index"), "through the key: {plan}");
}
