use shared::db::{self, Migration};
use shared::testing::TestInfra;

use crate::support::WAIT;

const V1: Migration = Migration::new(1, "things", "CREATE TABLE things (id int PRIMARY KEY)");
const V2: Migration = Migration::new(2, "more", "ALTER TABLE things ADD COLUMN name text");

#[tokio::test]
async fn replicas_starting_together_apply_each_migration_once() {
    let infra = TestInfra::new("migrations").await;
    let pool = db::pool(&infra.database_url, 8).unwrap();
    let runs = (0..4).map(|_| db::migrate(&pool, &[V1, V2], WAIT));
    for result in futures_util::future::join_all(runs).await {
        result.expect("every replica starts");
    }
    let client = infra.db().await;
    let versions: Vec<i32> = client
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, vec![1, 2]);
}

#[tokio::test]
async fn a_migration_edited_after_it_was_applied_is_refused() {
    let infra = TestInfra::new("migrations").await;
    let pool = db::pool(&infra.database_url, 2).unwrap();
    db::migrate(&pool, &[V1], WAIT).await.unwrap();
    let edited = Migration::new(1, "things", "CREATE TABLE things (id bigint PRIMARY KEY)");
    let error = db::migrate(&pool, &[edited], WAIT).await.unwrap_err();
    assert!(
        format!("{error:#}").contains("changed after it was applied"),
        "{error:#}"
    );
}

#[tokio::test]
async fn a_failing_migration_leaves_the_schema_untouched() {
    let infra = TestInfra::new("migrations").await;
    let pool = db::pool(&infra.database_url, 2).unwrap();
    let broken = Migration::new(2, "broken", "ALTER TABLE nowhere ADD COLUMN x int");
    assert!(db::migrate(&pool, &[V1, broken], WAIT).await.is_err());
    let client = infra.db().await;
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'things'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "V1 was rolled back with the failed V2");
}
