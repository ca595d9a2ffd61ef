//! `db::PipelinedTransaction`: BEGIN and COMMIT sent with the transaction's first and last
//! statements, and all of it or nothing stored, whichever statement fails; a `db::Deferred`
//! write sent with the statement after it.

use shared::db::{self, Deferred, PipelinedTransaction};
use shared::testing::TestInfra;

use crate::support::infra_with_things;

async fn setup() -> (TestInfra, deadpool_postgres::Pool) {
    let infra = infra_with_things("pipelined").await;
    // One connection: what a failed transaction leaves on it is what the next one meets.
    let pool = db::keyed_pool(&infra.database_url, 1).unwrap();
    (infra, pool)
}

async fn insert(client: &deadpool_postgres::Object, id: i32) -> Result<u64, tokio_postgres::Error> {
    let statement = client
        .prepare_cached("INSERT INTO things (id) VALUES ($1)")
        .await?;
    client.execute(&statement, &[&id]).await
}

/// What `client` sees in `things`.
async fn ids(client: &tokio_postgres::Client) -> Vec<i32> {
    client
        .query("SELECT id FROM things ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// What is committed: another connection's view.
async fn committed(infra: &TestInfra) -> Vec<i32> {
    ids(&infra.db().await).await
}

#[tokio::test]
async fn statements_between_begin_and_commit_are_one_transaction() {
    let (infra, pool) = setup().await;
    let (transaction, _) = PipelinedTransaction::new(pool.get().await.unwrap())
        .begin_with(async |client| {
            insert(client, 1).await?;
            // Not visible outside before the commit: the statements run inside BEGIN.
            assert_eq!(committed(&infra).await, Vec::<i32>::new());
            insert(client, 2).await
        })
        .await
        .unwrap();
    // The last statement prepared ahead (a cached statement), as `commit_after` requires.
    insert(transaction.client(), 0).await.unwrap();
    let last = transaction
        .client()
        .prepare_cached("INSERT INTO things (id) VALUES ($1)")
        .await
        .unwrap();
    transaction
        .commit_after(async |client| client.execute(&last, &[&3]).await)
        .await
        .unwrap();
    assert_eq!(committed(&infra).await, vec![0, 1, 2, 3]);
}

#[tokio::test]
async fn a_failing_last_statement_rolls_everything_back() {
    let (infra, pool) = setup().await;
    let (transaction, _) = PipelinedTransaction::new(pool.get().await.unwrap())
        .begin_with(async |client| insert(client, 1).await)
        .await
        .unwrap();
    let last = transaction
        .client()
        .prepare_cached("INSERT INTO things (id) VALUES ($1)")
        .await
        .unwrap();
    // A repeated key: the insert fails, and the COMMIT after it ends the aborted transaction.
    let outcome = transaction
        .commit_after(async |client| client.execute(&last, &[&1]).await)
        .await;
    assert!(outcome.is_err());
    assert_eq!(committed(&infra).await, Vec::<i32>::new());
    // The pool's connection (closed or clean) serves the next transaction.
    let (transaction, _) = PipelinedTransaction::new(pool.get().await.unwrap())
        .begin_with(async |client| insert(client, 5).await)
        .await
        .unwrap();
    transaction.commit().await.unwrap();
    assert_eq!(ids(&pool.get().await.unwrap()).await, vec![5]);
}

#[tokio::test]
async fn a_rolled_back_or_abandoned_transaction_leaves_nothing_open() {
    let (infra, pool) = setup().await;
    // Failed: rolled back before the error is returned.
    let failed = PipelinedTransaction::new(pool.get().await.unwrap())
        .begin_with(async |client| {
            insert(client, 1).await?;
            insert(client, 1).await
        })
        .await;
    assert!(failed.is_err());

    // Abandoned mid-way, as a cancelled future is: its connection is not given back.
    let (transaction, _) = PipelinedTransaction::new(pool.get().await.unwrap())
        .begin_with(async |client| insert(client, 2).await)
        .await
        .unwrap();
    drop(transaction);

    let client = pool.get().await.unwrap();
    // The abandoned transaction wrote, so it had an id: a fresh statement outside any
    // transaction has none.
    let open: bool = client
        .query_one("SELECT pg_current_xact_id_if_assigned() IS NOT NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert!(
        !open,
        "the pool handed out a connection inside a transaction"
    );
    drop(client);
    assert_eq!(committed(&infra).await, Vec::<i32>::new());
}

#[tokio::test]
async fn a_deferred_write_goes_ahead_of_what_is_polled_after_it_and_fails_the_commit() {
    let (infra, pool) = setup().await;
    let deferred_insert = |id: i32, statement: &tokio_postgres::Statement| {
        Deferred::new(statement.clone(), vec![Box::new(id)])
    };
    let (transaction, statement) = PipelinedTransaction::new(pool.get().await.unwrap())
        .begin_with(async |client| {
            client
                .prepare_cached("INSERT INTO things (id) VALUES ($1)")
                .await
        })
        .await
        .unwrap();
    let count = transaction
        .client()
        .prepare_cached("SELECT count(*) FROM things")
        .await
        .unwrap();
    // Polled together, the deferred insert first: the count after it sees its row.
    let held = deferred_insert(1, &statement);
    let (written, seen) = futures_util::future::try_join(
        held.execute(transaction.client()),
        transaction.client().query_one(&count, &[]),
    )
    .await
    .unwrap();
    assert_eq!((written, seen.get::<_, i64>(0)), (1, 1));

    // Held back to the commit, a failing write (a repeated key) rolls all of it back.
    let failing = deferred_insert(1, &statement);
    let outcome = transaction
        .commit_after(async |client| failing.execute(client).await)
        .await;
    assert!(outcome.is_err());
    assert_eq!(committed(&infra).await, Vec::<i32>::new());
}
