use std::time::Duration;

use shared::amqp::{AmqpClient, Publisher};
use shared::db::{self, Migration};
use shared::events::UserRegistered;
use shared::outbox::{self, OutboxRelay};
use shared::testing::{EventProbe, TcpProxy, TestInfra, eventually};
use tokio_util::sync::CancellationToken;

use crate::amqp::amqp_host_port;
use crate::support::{WAIT, registered};

const SCHEMA: &[Migration] = &[
    Migration::new(1, "outbox", outbox::SCHEMA_SQL),
    Migration::new(2, "outbox bcc", outbox::BCC_SQL),
    Migration::new(3, "outbox ids", outbox::ID_NOT_UNIQUE_SQL),
];

struct Relayed {
    infra: TestInfra,
    pool: deadpool_postgres::Pool,
    stop: CancellationToken,
}

impl Drop for Relayed {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn setup() -> Relayed {
    let infra = TestInfra::new("outbox").await;
    let pool = db::pool(&infra.database_url, 4).unwrap();
    db::migrate(&pool, SCHEMA, WAIT).await.unwrap();
    Relayed {
        infra,
        pool,
        stop: CancellationToken::new(),
    }
}

impl Relayed {
    /// Starts a relay; returns its broker client.
    fn start_relay(&self, amqp_url: &str) -> AmqpClient {
        self.start_paced_relay(amqp_url, Duration::ZERO)
    }

    /// Starts a relay that reads at most once every `pace`; returns its broker client.
    fn start_paced_relay(&self, amqp_url: &str, pace: Duration) -> AmqpClient {
        let client = AmqpClient::start(amqp_url, "relay", self.infra.topology(), self.stop.clone());
        let relay =
            OutboxRelay::new(&self.infra.database_url, Publisher::new(client.clone())).paced(pace);
        tokio::spawn(relay.run(self.stop.clone()));
        client
    }

    async fn enqueue(&self, names: &[String]) -> Vec<shared::events::Envelope<UserRegistered>> {
        let mut client = self.pool.get().await.unwrap();
        let transaction = client.transaction().await.unwrap();
        let mut envelopes = Vec::new();
        for name in names {
            let envelope = registered(name);
            outbox::enqueue(&transaction, &envelope).await.unwrap();
            envelopes.push(envelope);
        }
        transaction.commit().await.unwrap();
        envelopes
    }

    /// `sent` arrives at `probe` in order, each once, and leaves the outbox.
    async fn assert_published_once_in_order(
        &self,
        probe: &mut EventProbe<UserRegistered>,
        sent: &[shared::events::Envelope<UserRegistered>],
    ) {
        for expected in sent {
            assert_eq!(
                probe.next(WAIT).await.id,
                expected.id,
                "in commit order, each once"
            );
        }
        eventually("the outbox to drain", WAIT, || async {
            (self.pending().await == 0).then_some(())
        })
        .await;
        probe.assert_silent(Duration::from_millis(300)).await;
    }

    async fn pending(&self) -> i64 {
        let client = self.pool.get().await.unwrap();
        client
            .query_one("SELECT count(*) FROM outbox", &[])
            .await
            .unwrap()
            .get(0)
    }
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:04}")).collect()
}

#[tokio::test]
async fn committed_events_are_published_in_order_and_then_removed() {
    let relayed = setup().await;
    let mut probe = relayed.infra.probe::<UserRegistered>().await;
    relayed.start_relay(&relayed.infra.amqp_url);

    let sent = relayed.enqueue(&names("user", 300)).await;
    relayed
        .assert_published_once_in_order(&mut probe, &sent)
        .await;
}

/// Paced, the relay takes what many commits wrote in one read: still each row once, in commit
/// order.
#[tokio::test]
async fn a_paced_relay_publishes_many_commits_together_in_order() {
    let relayed = setup().await;
    let mut probe = relayed.infra.probe::<UserRegistered>().await;
    relayed.start_paced_relay(&relayed.infra.amqp_url, Duration::from_millis(200));

    let mut sent = Vec::new();
    for commit in 0..20 {
        sent.extend(relayed.enqueue(&names(&format!("c{commit}-"), 5)).await);
    }
    relayed
        .assert_published_once_in_order(&mut probe, &sent)
        .await;
}

/// Its plans are made when the table is empty, where reading all of it is cheapest; between
/// autovacuum's visits the table is mostly dead rows, so the relay must go through the key.
#[tokio::test]
async fn the_relay_finds_rows_by_their_key_even_when_it_started_on_an_empty_table() {
    let relayed = setup().await;
    let scans =
        "SELECT seq_scan, coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'outbox'";
    // The migrations' own reads (a column added NOT NULL is checked row by row), counted now:
    // each connection of the pool publishes its counters at its next statement.
    let mut connections = Vec::new();
    for _ in 0..4 {
        let client = relayed.pool.get().await.unwrap();
        client
            .batch_execute("SELECT pg_stat_force_next_flush(); SELECT 1")
            .await
            .unwrap();
        connections.push(client);
    }
    let client = connections.pop().unwrap();
    drop(connections);
    let before: i64 = client.query_one(scans, &[]).await.unwrap().get(0);

    let mut probe = relayed.infra.probe::<UserRegistered>().await;
    relayed.start_relay(&relayed.infra.amqp_url);
    for batch in 0..5 {
        for expected in relayed.enqueue(&names(&format!("b{batch}-"), 50)).await {
            assert_eq!(probe.next(WAIT).await.id, expected.id);
        }
    }

    // The relay publishes its counters within seconds; its index reads show when.
    let after: i64 = eventually("the relay's reads to be counted", WAIT, || async {
        let row = client.query_one(scans, &[]).await.ok()?;
        (row.get::<_, i64>(1) > 0).then(|| row.get(0))
    })
    .await;
    assert_eq!(after, before, "no read of the whole table");
}

#[tokio::test]
async fn a_row_committed_after_a_later_position_was_sent_is_still_published() {
    let relayed = setup().await;
    let mut probe = relayed.infra.probe::<UserRegistered>().await;
    relayed.start_relay(&relayed.infra.amqp_url);
    // The slow transaction takes the lower position, the quick one commits first.
    let mut slow_client = relayed.pool.get().await.unwrap();
    let slow = slow_client.transaction().await.unwrap();
    let late = registered("late");
    outbox::enqueue(&slow, &late).await.unwrap();
    let quick = relayed.enqueue(&names("quick", 1)).await;
    assert_eq!(probe.next(WAIT).await.id, quick[0].id);
    slow.commit().await.unwrap();
    assert_eq!(probe.next(WAIT).await.id, late.id, "not skipped");
    eventually("the outbox to drain", WAIT, || async {
        (relayed.pending().await == 0).then_some(())
    })
    .await;
    probe.assert_silent(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_rolled_back_transaction_publishes_nothing() {
    let relayed = setup().await;
    let mut probe = relayed.infra.probe::<UserRegistered>().await;
    relayed.start_relay(&relayed.infra.amqp_url);
    {
        let mut client = relayed.pool.get().await.unwrap();
        let transaction = client.transaction().await.unwrap();
        outbox::enqueue(&transaction, &registered("ghost"))
            .await
            .unwrap();
        transaction.rollback().await.unwrap();
    }
    let real = relayed.enqueue(&names("real", 1)).await;
    assert_eq!(probe.next(WAIT).await.id, real[0].id);
    probe.assert_silent(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn events_written_while_the_broker_is_unreachable_are_published_once_it_is_back() {
    let relayed = setup().await;
    let target = amqp_host_port(&relayed.infra.amqp_url).unwrap();
    let proxy = TcpProxy::start(&target).await;
    let mut probe = relayed.infra.probe::<UserRegistered>().await;
    proxy.cut();
    relayed.start_relay(&proxy.rewrite(&relayed.infra.amqp_url, &target));

    let sent = relayed.enqueue(&names("offline", 20)).await;
    probe.assert_silent(Duration::from_millis(500)).await;
    assert_eq!(
        relayed.pending().await,
        20,
        "kept in the outbox while the broker is away"
    );

    proxy.restore();
    for expected in &sent {
        assert_eq!(probe.next(WAIT).await.id, expected.id);
    }
    eventually("the outbox to drain", WAIT, || async {
        (relayed.pending().await == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn two_relays_on_one_database_publish_each_event_once_in_order() {
    let relayed = setup().await;
    let mut probe = relayed.infra.probe::<UserRegistered>().await;
    relayed.start_relay(&relayed.infra.amqp_url);
    relayed.start_relay(&relayed.infra.amqp_url);

    let mut sent = Vec::new();
    for batch in 0..10 {
        sent.extend(relayed.enqueue(&names(&format!("b{batch}-"), 20)).await);
    }
    for expected in &sent {
        assert_eq!(probe.next(WAIT).await.id, expected.id);
    }
    probe.assert_silent(Duration::from_millis(300)).await;
}

/// Deliveries a writer published after its commit without a confirm are handed to the relay,
/// which publishes them as they would have gone: same routing, kind and body.
#[tokio::test]
async fn deliveries_handed_to_the_relay_go_out_as_they_would_have() {
    use lapin::options::BasicGetOptions;
    use shared::chat::{Deliveries, hand_to_relay, kind};
    use shared::ids::UserId;
    use shared::outbox::OutboxBatch;

    let relayed = setup().await;
    let topology = relayed.infra.topology();
    let users: Vec<UserId> = (0..3).map(|_| UserId::new()).collect();
    let mut deliveries = Deliveries::default();
    deliveries.add(&users[..2], kind::MESSAGE, &"first");
    deliveries.add(&users[1..], kind::VOTES, &"second");
    let unconfirmed = deliveries.into_outgoing(&topology);

    // The relay's client declares the delivery exchange; a node holding user 2's socket binds
    // to it before anything is published.
    let client = relayed.start_relay(&relayed.infra.amqp_url);
    eventually("the relay to connect", WAIT, || async {
        client.is_connected().then_some(())
    })
    .await;
    let connection = lapin::Connection::connect(
        &relayed.infra.amqp_url,
        lapin::ConnectionProperties::default(),
    )
    .await
    .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let queue = relayed.infra.bind_node_queue(&channel, &users[2..]).await;

    let mut outbox = OutboxBatch::default();
    hand_to_relay(&unconfirmed, &mut outbox);
    outbox
        .write(&relayed.pool.get().await.unwrap())
        .await
        .unwrap();

    for expected in &unconfirmed {
        let got = eventually("the relay to publish a handed delivery", WAIT, || async {
            channel
                .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: true })
                .await
                .unwrap()
        })
        .await;
        let kind = got.delivery.properties.kind().as_ref().map(|k| k.as_str());
        assert_eq!(kind, Some(expected.kind.as_str()));
        assert_eq!(got.delivery.data, expected.payload);
    }
    eventually("the outbox to drain", WAIT, || async {
        (relayed.pending().await == 0).then_some(())
    })
    .await;
    let extra = channel
        .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: true })
        .await
        .unwrap();
    assert!(extra.is_none(), "each published once");
}

/// Rows written `behind` an exchange go into the outbox only while it already holds a row for
/// that exchange (the writer's deliveries then follow a group change's through the relay), and
/// not otherwise (they go straight to the broker).
#[tokio::test]
async fn rows_behind_an_exchange_are_written_only_while_it_has_rows_waiting() {
    use shared::chat::{Deliveries, hand_to_relay, kind};
    use shared::db::PipelinedTransaction;
    use shared::ids::UserId;
    use shared::outbox::OutboxBatch;

    let relayed = setup().await;
    let topology = relayed.infra.topology();
    let batch = || {
        let mut deliveries = Deliveries::default();
        deliveries.add(&[UserId::new()], kind::MESSAGE, &"hello");
        let mut rows = OutboxBatch::default();
        hand_to_relay(&deliveries.into_outgoing(&topology), &mut rows);
        rows
    };
    // Writes `rows` behind the chat deliveries in one transaction; the rows written.
    let write_behind = async |rows: OutboxBatch| {
        let (transaction, ()) = PipelinedTransaction::new(relayed.pool.get().await.unwrap())
            .begin_with(async |_| Ok::<(), tokio_postgres::Error>(()))
            .await
            .unwrap();
        let behind = rows
            .behind(transaction.client(), shared::amqp::CHAT_DELIVERY_EXCHANGE)
            .await
            .unwrap();
        OutboxBatch::default()
            .write_and_commit(transaction, None, behind.as_ref())
            .await
            .unwrap()
    };

    assert_eq!(
        write_behind(batch()).await,
        0,
        "nothing waiting: not written"
    );
    assert_eq!(relayed.pending().await, 0);
    // A delivery waiting in the outbox, as a group change leaves one.
    batch()
        .write(&relayed.pool.get().await.unwrap())
        .await
        .unwrap();
    assert_eq!(
        write_behind(batch()).await,
        1,
        "written behind the waiting one"
    );
    assert_eq!(relayed.pending().await, 2);
}
