use std::sync::Arc;
use std::time::Duration;

use lapin::BasicProperties;
use lapin::options::{BasicGetOptions, BasicPublishOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use shared::amqp::{AmqpClient, ConsumerSpec, Outgoing, Publisher, consume, consume_batched};
use shared::events::{Envelope, Event, Exchange, UserRegistered};
use shared::testing::{TcpProxy, TestInfra, eventually};
use tokio_util::sync::CancellationToken;

use crate::support::{Behaviour, Recorder, WAIT, registered};

const SERVICE: &str = "probe";

struct Bus {
    infra: TestInfra,
    client: AmqpClient,
    /// A separate connection for reading and deleting queues behind the back of the connection
    /// under test (a queue's state is read through `TestInfra::queue_state`).
    inspector: AmqpClient,
    /// One channel for all inspection, rather than one per poll.
    inspector_channel: tokio::sync::Mutex<Option<lapin::Channel>>,
    stop: CancellationToken,
}

impl Drop for Bus {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Bus {
    async fn new() -> Self {
        let infra = TestInfra::new("amqp").await;
        let stop = CancellationToken::new();
        let client = AmqpClient::start(&infra.amqp_url, "test", infra.topology(), stop.clone());
        let inspector =
            AmqpClient::start(&infra.amqp_url, "inspector", infra.topology(), stop.clone());
        Self {
            infra,
            client,
            inspector,
            inspector_channel: tokio::sync::Mutex::new(None),
            stop,
        }
    }

    fn spec(&self) -> ConsumerSpec {
        let queue = self.client.topology().event_queue(
            SERVICE,
            UserRegistered::EXCHANGE,
            UserRegistered::ROUTING_KEY,
        );
        ConsumerSpec {
            retry_backoff: Duration::from_millis(5),
            ..ConsumerSpec::new(queue, 8)
        }
    }

    /// Starts a consumer and waits until it consumes, which is after its queue is bound: nothing
    /// published after this is missed.
    async fn consume_with(&self, client: AmqpClient, recorder: Arc<Recorder>) {
        tokio::spawn(consume(client, self.spec(), recorder, self.stop.clone()));
        let name = self.spec().queue.name;
        eventually("the consumer", WAIT, || async {
            let (_, consumers) = self.queue_state(&name).await?;
            (consumers > 0).then_some(())
        })
        .await;
    }

    async fn inspect(&self) -> lapin::Channel {
        let mut slot = self.inspector_channel.lock().await;
        match slot.as_ref() {
            Some(channel) if channel.status().connected() => channel.clone(),
            _ => {
                let channel = self.inspector.channel(WAIT).await.unwrap();
                *slot = Some(channel.clone());
                channel
            }
        }
    }

    async fn queue_depth(&self, name: &str) -> Option<u32> {
        self.queue_state(name).await.map(|(messages, _)| messages)
    }

    /// (messages ready, consumers) of a queue, if it exists.
    async fn queue_state(&self, name: &str) -> Option<(u32, u32)> {
        self.infra.queue_state(name).await
    }

    async fn dead_letters(&self) -> Vec<Vec<u8>> {
        let channel = self.inspect().await;
        let mut letters = Vec::new();
        while let Some(message) = channel
            .basic_get(
                self.client.topology().dead_letter_queue(SERVICE).into(),
                BasicGetOptions { no_ack: true },
            )
            .await
            .unwrap()
        {
            letters.push(message.delivery.data.clone());
        }
        letters
    }
}

#[tokio::test]
async fn a_published_event_is_handled_once_and_acknowledged() {
    let bus = Bus::new().await;
    let recorder = Recorder::with(Behaviour::Succeed);
    bus.consume_with(bus.client.clone(), recorder.clone()).await;
    let mut probe = bus.infra.probe::<UserRegistered>().await;

    let event = registered("alice");
    Publisher::new(bus.client.clone())
        .publish(&event, WAIT)
        .await
        .unwrap();

    assert_eq!(
        probe.next(WAIT).await.id,
        event.id,
        "public consumers see the event"
    );
    eventually("the event to be handled", WAIT, || async {
        (recorder.count() == 1).then_some(())
    })
    .await;
    let name = bus.spec().queue.name;
    eventually("the queue to be empty", WAIT, || async {
        (bus.queue_depth(&name).await == Some(0)).then_some(())
    })
    .await;
    assert_eq!(recorder.seen.lock().unwrap()[0], event);
}

#[tokio::test]
async fn a_handler_that_keeps_failing_is_retried_a_bounded_number_of_times_then_dead_lettered() {
    let bus = Bus::new().await;
    let recorder = Recorder::with(Behaviour::FailTransiently);
    bus.consume_with(bus.client.clone(), recorder.clone()).await;

    let event = registered("bob");
    Publisher::new(bus.client.clone())
        .publish(&event, WAIT)
        .await
        .unwrap();

    let letters = eventually("the dead letter", WAIT, || async {
        let letters = bus.dead_letters().await;
        (!letters.is_empty()).then_some(letters)
    })
    .await;
    let dead: serde_json::Value = serde_json::from_slice(&letters[0]).unwrap();
    assert_eq!(dead["id"], event.id.to_string());
    let attempts = recorder.count();
    assert!(
        (2..=shared::amqp::DELIVERY_LIMIT as usize + 1).contains(&attempts),
        "retried a bounded number of times, got {attempts}"
    );
}

#[tokio::test]
async fn a_permanent_failure_and_a_panic_are_dead_lettered_without_stopping_the_consumer() {
    let bus = Bus::new().await;
    let recorder = Recorder::with(Behaviour::FailPermanently);
    bus.consume_with(bus.client.clone(), recorder.clone()).await;
    let publisher = Publisher::new(bus.client.clone());

    publisher
        .publish(&registered("permanent"), WAIT)
        .await
        .unwrap();
    eventually("the permanent failure", WAIT, || async {
        (bus.dead_letters().await.len() == 1).then_some(())
    })
    .await;
    assert_eq!(recorder.count(), 1, "a permanent failure is not retried");

    *recorder.behaviour.lock().unwrap() = Behaviour::Panic;
    publisher
        .publish(&registered("panics"), WAIT)
        .await
        .unwrap();
    eventually("the panicking event's dead letter", WAIT, || async {
        (bus.dead_letters().await.len() == 1).then_some(())
    })
    .await;

    *recorder.behaviour.lock().unwrap() = Behaviour::Succeed;
    publisher.publish(&registered("after"), WAIT).await.unwrap();
    eventually("the consumer to go on", WAIT, || async {
        recorder
            .usernames()
            .contains(&"after".to_owned())
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn an_undecodable_message_is_dead_lettered_and_the_next_one_handled() {
    let bus = Bus::new().await;
    let recorder = Recorder::with(Behaviour::Succeed);
    bus.consume_with(bus.client.clone(), recorder.clone()).await;

    let channel = bus.client.channel(WAIT).await.unwrap();
    for poison in [
        &b"not json"[..],
        br#"{"id":"x","type":"user.registered"}"#,
        b"\xff\xfe",
    ] {
        channel
            .basic_publish(
                bus.client.topology().exchange(Exchange::UserEvents).into(),
                UserRegistered::ROUTING_KEY.into(),
                BasicPublishOptions::default(),
                poison,
                BasicProperties::default().with_delivery_mode(2),
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }
    Publisher::new(bus.client.clone())
        .publish(&registered("healthy"), WAIT)
        .await
        .unwrap();

    eventually("the healthy event", WAIT, || async {
        (recorder.count() == 1).then_some(())
    })
    .await;
    let total = std::sync::atomic::AtomicUsize::new(0);
    eventually("three dead letters", WAIT, || async {
        let drained = bus.dead_letters().await.len();
        let seen = total.fetch_add(drained, std::sync::atomic::Ordering::SeqCst) + drained;
        (seen == 3).then_some(())
    })
    .await;
    assert_eq!(recorder.usernames(), vec!["healthy".to_owned()]);
}

#[tokio::test]
async fn publishing_and_consuming_resume_after_the_broker_connection_is_lost() {
    let bus = Bus::new().await;
    let target = "127.0.0.1:5672";
    let amqp_target = amqp_host_port(&bus.infra.amqp_url).unwrap_or_else(|| target.to_owned());
    let proxy = TcpProxy::start(&amqp_target).await;
    let flaky = AmqpClient::start(
        &proxy.rewrite(&bus.infra.amqp_url, &amqp_target),
        "flaky",
        bus.infra.topology(),
        bus.stop.clone(),
    );
    let recorder = Recorder::with(Behaviour::Succeed);
    bus.consume_with(flaky.clone(), recorder.clone()).await;
    let publisher = Publisher::new(flaky.clone());

    publisher
        .publish(&registered("before"), WAIT)
        .await
        .unwrap();
    eventually("the first event", WAIT, || async {
        (recorder.count() == 1).then_some(())
    })
    .await;

    proxy.cut();
    eventually("the outage to be noticed", WAIT, || async {
        (!flaky.is_connected()).then_some(())
    })
    .await;
    let during = tokio::spawn({
        let publisher = publisher.clone();
        async move { publisher.publish(&registered("during"), WAIT).await }
    });
    proxy.restore();
    during
        .await
        .unwrap()
        .expect("a publish made during the outage completes once it is over");
    publisher.publish(&registered("after"), WAIT).await.unwrap();

    eventually("every event after recovery", WAIT, || async {
        let names = recorder.usernames();
        (names.contains(&"during".to_owned()) && names.contains(&"after".to_owned())).then_some(())
    })
    .await;
}

/// `amqp://user:pass@host:port/vhost` → `host:port`.
pub fn amqp_host_port(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    Some(rest.split('/').next()?.to_owned())
}

#[tokio::test]
async fn a_leftover_queue_with_other_arguments_does_not_keep_a_service_off_the_broker() {
    let infra = TestInfra::new("amqp").await;
    let stop = CancellationToken::new();
    // Someone declared a subscription queue earlier, as a classic queue without our arguments.
    let leftover = infra
        .topology()
        .event_queue("users", Exchange::UserEvents, "user.online")
        .name;
    {
        let connection =
            lapin::Connection::connect(&infra.amqp_url, lapin::ConnectionProperties::default())
                .await
                .unwrap();
        let channel = connection.create_channel().await.unwrap();
        channel
            .queue_declare(
                leftover.clone().into(),
                QueueDeclareOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        let _ = connection.close(200, "done".into()).await;
    }

    let client = AmqpClient::start(&infra.amqp_url, "service", infra.topology(), stop.clone());
    eventually("the service to connect anyway", WAIT, || async {
        client.is_connected().then_some(())
    })
    .await;
    let mut probe = infra.probe::<UserRegistered>().await;
    let event = registered("still works");
    Publisher::new(client.clone())
        .publish(&event, WAIT)
        .await
        .unwrap();
    assert_eq!(probe.next(WAIT).await.id, event.id);

    // The harness only removes what our topology recorded, and this one did not come from it.
    let cleanup =
        lapin::Connection::connect(&infra.amqp_url, lapin::ConnectionProperties::default())
            .await
            .unwrap();
    let channel = cleanup.create_channel().await.unwrap();
    let _ = channel
        .queue_delete(
            leftover.into(),
            lapin::options::QueueDeleteOptions::default(),
        )
        .await;
    stop.cancel();
}

/// A delivery to many users is one publish: every queue bound to any of their keys gets exactly
/// one copy (even when bound to several of them), and no other queue gets any.
#[tokio::test]
async fn a_delivery_routed_by_bcc_reaches_each_bound_queue_once_and_no_other() {
    use shared::chat::{Route, delivery};
    use shared::ids::UserId;

    let infra = TestInfra::new("amqp").await;
    let stop = CancellationToken::new();
    let client = AmqpClient::start(&infra.amqp_url, "bcc", infra.topology(), stop.clone());
    let publisher = Publisher::new(client.clone());
    let users: Vec<UserId> = (0..4).map(|_| UserId::new()).collect();
    let connection =
        lapin::Connection::connect(&infra.amqp_url, lapin::ConnectionProperties::default())
            .await
            .unwrap();
    let channel = connection.create_channel().await.unwrap();
    // The client declares (and the harness later removes) the delivery exchange.
    eventually("the publisher to connect", WAIT, || async {
        client.is_connected().then_some(())
    })
    .await;
    // Node A holds users 0 and 1, node B user 2, node C user 3.
    let mut queues = Vec::new();
    for bound in [&users[0..2], &users[2..3], &users[3..4]] {
        queues.push(infra.bind_node_queue(&channel, bound).await);
    }
    let route = Route::to(&users[0..3]).unwrap();
    let message = delivery(&infra.topology(), route, "chat.message", &"hello");
    publisher.publish_all(&[message], WAIT).await.unwrap();

    let mut counts = Vec::new();
    for queue in &queues {
        let mut count = 0;
        // The publish was confirmed, so routing is done: whatever a queue holds is there now.
        while let Ok(Some(got)) = channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: true })
            .await
        {
            assert!(
                got.delivery
                    .properties
                    .headers()
                    .as_ref()
                    .is_none_or(|h| !h.inner().contains_key("BCC")),
                "the broker strips BCC"
            );
            count += 1;
        }
        counts.push(count);
    }
    assert_eq!(counts, [1, 1, 0]);
    let _ = connection.close(200, "done".into()).await;
    stop.cancel();
}

/// A message addressed to a queue by its name must reach that queue: the commands queue kept in
/// memory is gone after a broker restart until a service declares it again, and a broker
/// confirms what it drops for lack of a queue unless told that it is mandatory.
#[tokio::test]
async fn a_message_for_a_queue_that_is_gone_is_refused_not_confirmed() {
    let bus = Bus::new().await;
    let publisher = Publisher::new(bus.client.clone());
    let sends = bus.client.topology().chat_sends_queue().name;
    // Every connect declares the commands queues.
    eventually("the sends queue", WAIT, || async {
        bus.queue_depth(&sends).await
    })
    .await;
    let command = |queue: &str| Outgoing {
        exchange: String::new(),
        routing_key: queue.to_owned(),
        bcc: Vec::new(),
        kind: "chat.commands".to_owned(),
        message_id: uuid::Uuid::now_v7().to_string(),
        payload: b"[]".to_vec(),
    };
    publisher
        .publish_all(&[command(&sends)], WAIT)
        .await
        .expect("a queue that exists takes it");
    assert_eq!(bus.queue_depth(&sends).await, Some(1));

    bus.inspect()
        .await
        .queue_delete(sends.as_str().into(), Default::default())
        .await
        .unwrap();
    let refused = publisher
        .publish_all(&[command(&sends)], Duration::from_millis(300))
        .await;
    assert!(
        refused.is_err(),
        "a queue that is gone takes nothing: {refused:?}"
    );
    assert_eq!(
        bus.queue_depth(&sends).await,
        None,
        "nobody declared it again"
    );
}

#[tokio::test]
async fn a_gathering_batch_consumer_takes_what_arrives_within_its_window_as_one_batch() {
    let bus = Bus::new().await;
    let batches = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = batches.clone();
    tokio::spawn(consume_batched(
        bus.client.clone(),
        bus.spec().gathering(Duration::from_secs(2)),
        |payload| {
            serde_json::from_slice::<Envelope<UserRegistered>>(payload).map_err(|e| e.to_string())
        },
        move |batch: Vec<Envelope<UserRegistered>>| {
            let outcomes = batch.iter().map(|_| Ok(())).collect();
            seen.lock().unwrap().push(batch.len());
            std::future::ready(outcomes)
        },
        bus.stop.clone(),
    ));
    let name = bus.spec().queue.name;
    eventually("the consumer", WAIT, || async {
        let (_, consumers) = bus.queue_state(&name).await?;
        (consumers > 0).then_some(())
    })
    .await;

    let publisher = Publisher::new(bus.client.clone());
    publisher.publish(&registered("first"), WAIT).await.unwrap();
    // The second arrives once the consumer holds the first, inside its window.
    eventually("the first event to be taken", WAIT, || async {
        (bus.queue_depth(&name).await == Some(0)).then_some(())
    })
    .await;
    publisher
        .publish(&registered("second"), WAIT)
        .await
        .unwrap();

    eventually("both events to be handled", WAIT, || async {
        (batches.lock().unwrap().iter().sum::<usize>() == 2).then_some(())
    })
    .await;
    assert_eq!(*batches.lock().unwrap(), vec![2], "one batch");
}
