//! The one error policy of every consumer, against real Postgres errors: data that Postgres
//! refuses is permanent, anything else is retried.

use shared::amqp::HandleError;
use shared::testing::TestInfra;

#[tokio::test]
async fn refused_data_is_permanent_and_everything_else_transient() {
    let infra = TestInfra::new("classify").await;
    let client = infra.db().await;
    client
        .batch_execute("CREATE TABLE things (id int PRIMARY KEY, name text NOT NULL)")
        .await
        .unwrap();
    client
        .execute("INSERT INTO things VALUES (1, 'a')", &[])
        .await
        .unwrap();

    let permanent = [
        "INSERT INTO things VALUES (1, 'again')", // 23505 unique violation
        "INSERT INTO things VALUES (2, NULL)",    // 23502 not null violation
        "SELECT 1 / 0",                           // 22012 division by zero
        "SELECT 'not a number'::int",             // 22P02 invalid text representation
    ];
    for sql in permanent {
        let error = client.execute(sql, &[]).await.unwrap_err();
        assert!(
            matches!(HandleError::from(error), HandleError::Permanent(_)),
            "{sql}"
        );
    }
    let transient = [
        // 42P01: a replica deployed ahead of its migration, which another replica may run.
        "SELECT * FROM no_such_table",
        // 57014: a statement cancelled by its timeout, as under load.
        "SET statement_timeout = 1; SELECT pg_sleep(1)",
    ];
    for sql in transient {
        let error = client.batch_execute(sql).await.unwrap_err();
        assert!(
            matches!(HandleError::from(error), HandleError::Transient(_)),
            "{sql}"
        );
    }
    let wrapped = anyhow::Error::from(client.execute("SELECT 1 / 0", &[]).await.unwrap_err())
        .context("storing a thing");
    assert!(matches!(
        HandleError::classify(wrapped),
        HandleError::Permanent(_)
    ));
}
