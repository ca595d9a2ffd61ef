//! Fault injection: real faults in real processes, while users chat.
//!
//! Each test starts its own Postgres, RabbitMQ and Redis (private instances on free ports in a
//! temporary folder, never the machine's) and runs each of the five services as an OS process of
//! its own (`chaos-node`), so that it can stop a server or `kill -9` a service in the middle of
//! a conversation. Users chat at a steady rate in both directions through clients that do what
//! the contract asks of a client (resend with the same `clientMsgId` until acknowledged,
//! reconnect with backoff, catch up with `after=<seq>`). After the fault, every test checks the
//! same thing: every acknowledged message is stored exactly once, as its ack said; `seq` is
//! 1..n without gaps; no `clientMsgId` is stored twice; each client received its messages in
//! `seq` order on each connection and ends holding exactly the stored history. Presence is
//! checked through the users service: it follows who is connected, and nobody stays online
//! once everyone has gone. Every wait is bounded and fails naming what it waited for; each test
//! prints (to stderr) what it did and the counts it saw.
//!
//! 1. RabbitMQ stopped for 10 s, then started again.
//! 2. Postgres stopped (`immediate`, so it recovers from a crash) for 10 s, then started again.
//! 3. Redis killed and started again empty: presence and caches rebuild themselves.
//! 4. Each of the five services `kill -9`-ed in turn and restarted.
//! 5. Two replicas of socket-handler and of messages; one of each killed: the others carry on.
//! 6. A group of four with its members on two socket-handler nodes; one node killed and
//!    restarted: every member ends holding every message of the group once (`groups`).
//!
//! Everything a test started is killed and its folder removed when it ends, also when it fails.
//!
//! A test that cannot set itself up should fail loudly (`expect`), and each test reports what it
//! did and counted on stderr (`--no-capture` shows it).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod chatter;
mod groups;
mod infra;
mod stack;

use std::time::{Duration, Instant};

use chatter::{Chatter, verify};
use shared::testing::WsClient;
use stack::{Account, Stack, WAIT};

/// How long each fault lasts where the scenario says "for a while".
const OUTAGE: Duration = Duration::from_secs(10);

/// Waits until each chatter has `more` acknowledgements beyond what it has now.
async fn progress(chatters: &[&Chatter], more: usize, what: &str) {
    let targets: Vec<usize> = chatters.iter().map(|c| c.acked() + more).collect();
    shared::testing::eventually(what, WAIT, || async {
        chatters
            .iter()
            .zip(&targets)
            .all(|(c, target)| c.acked() >= *target)
            .then_some(())
    })
    .await;
}

fn acked(chatters: &[&Chatter]) -> usize {
    chatters.iter().map(|c| c.acked()).sum()
}

fn report(test: &str, chatters: &[&Chatter]) {
    for chatter in chatters {
        eprintln!("[{test}] {}", chatter.summary());
    }
}

/// Two signed-up users who chat, plus an observer who reads the directory.
struct Pair {
    ann: Account,
    bob: Account,
    observer: Account,
}

async fn pair(stack: &Stack) -> Pair {
    Pair {
        ann: stack.sign_up("ann").await,
        bob: stack.sign_up("bob").await,
        observer: stack.sign_up("olga").await,
    }
}

/// Chats through a server outage: before, during, after; then checks everything. `during`
/// runs once the server is down.
async fn chat_through(
    test: &str,
    stack: &mut Stack,
    fault: &str,
    people: Pair,
    during: impl AsyncFnOnce(),
) -> (Chatter, Chatter, Pair) {
    let nodes = stack.addresses("socket-handler");
    let a = Chatter::start(stack, &people.ann, &people.bob, nodes.clone(), 0);
    let b = Chatter::start(stack, &people.bob, &people.ann, nodes, 0);
    progress(
        &[&a, &b],
        20,
        "20 acknowledged messages each before the fault",
    )
    .await;
    stack
        .wait_presence(&people.observer, &[&people.ann, &people.bob], "online")
        .await;
    let before = acked(&[&a, &b]);

    let started = Instant::now();
    match fault {
        "rabbitmq" => stack.stop_rabbit().await,
        "postgres" => stack.stop_postgres().await,
        _ => stack.kill_redis().await,
    }
    let stopping = started.elapsed();
    during().await;
    // Redis is back after a few seconds (time for eve's disconnect to fail against it): what
    // matters is that it comes back empty.
    let outage = if fault == "redis" {
        Duration::from_secs(4)
    } else {
        OUTAGE
    };
    tokio::time::sleep(outage.saturating_sub(started.elapsed() - stopping)).await;
    let starting = Instant::now();
    match fault {
        "rabbitmq" => stack.start_rabbit().await,
        "postgres" => stack.start_postgres().await,
        _ => stack.start_redis().await,
    }
    let starting = starting.elapsed();
    let acked_during = acked(&[&a, &b]) - before;
    let sent_during: usize = [&a, &b]
        .iter()
        .map(|c| c.state.borrow().outstanding())
        .sum();
    progress(
        &[&a, &b],
        20,
        "20 more acknowledged messages each after the fault",
    )
    .await;
    let recovered = started.elapsed();
    a.drain().await;
    b.drain().await;
    let verdict = verify(stack, &[&a, &b]).await;
    report(test, &[&a, &b]);
    eprintln!(
        "[{test}] {fault} stopping took {:.1}s, stopped for {:.0}s, starting took {:.1}s: {before} acked before, {acked_during} acked during, {sent_during} waiting when it came back; chat flowing again {:.1}s after the fault began; {} stored = {} acked, each exactly once, seq 1..{} dense and in order",
        stopping.as_secs_f64(),
        outage.as_secs_f64(),
        starting.as_secs_f64(),
        recovered.as_secs_f64(),
        verdict.stored,
        verdict.acked,
        verdict.stored
    );
    (a, b, people)
}

/// Stops the chatters and waits until users shows them offline (nobody stuck online).
async fn everyone_leaves(stack: &Stack, chatters: &mut [Chatter], observer: &Account) {
    for chatter in chatters.iter_mut() {
        chatter.stop().await;
    }
    let accounts: Vec<&Account> = chatters.iter().map(|c| &c.account).collect();
    stack.wait_presence(observer, &accounts, "offline").await;
}

#[actix_web::test]
async fn rabbitmq_stopped_for_ten_seconds_loses_nothing_and_duplicates_nothing() {
    let test = "rabbitmq-outage";
    let mut stack = Stack::start(&[]).await;
    let people = pair(&stack).await;
    let (a, b, people) = chat_through(test, &mut stack, "rabbitmq", people, async || {}).await;
    // A send during the outage reaches messages' writer over the writer lane, which needs no
    // broker, and is stored; its ack waits for the broker (the client sends it again meanwhile
    // and is acknowledged once). One that went through the queue instead is answered
    // `unavailable`. Either way `chat_through` has checked it was stored exactly once.
    let unavailable = a.state.borrow().unavailable + b.state.borrow().unavailable;
    eprintln!("[{test}] {unavailable} sends were answered `unavailable` and sent again");
    everyone_leaves(&stack, &mut [a, b], &people.observer).await;
}

#[actix_web::test]
async fn postgres_stopped_for_ten_seconds_loses_nothing_and_duplicates_nothing() {
    let test = "postgres-outage";
    let mut stack = Stack::start(&[]).await;
    let people = pair(&stack).await;
    let (a, b, people) = chat_through(test, &mut stack, "postgres", people, async || {}).await;
    everyone_leaves(&stack, &mut [a, b], &people.observer).await;
}

#[actix_web::test]
async fn a_redis_restart_loses_no_message_and_presence_rebuilds_itself() {
    let test = "redis-restart";
    let mut stack = Stack::start(&[]).await;
    let people = pair(&stack).await;
    // Eve is connected when Redis dies and leaves while it is down: her disconnect cannot be
    // recorded then, and Redis comes back without her socket. She must not stay online.
    let eve = stack.sign_up("eve").await;
    let eves = WsClient::connect(
        &format!(
            "{}/ws/chat",
            stack.address("socket-handler", 0).replacen("http", "ws", 1)
        ),
        Some(&eve.cookie),
    )
    .await
    .expect("eve's socket opens");
    stack
        .wait_presence(&people.observer, &[&eve], "online")
        .await;
    let (a, b, people) = chat_through(test, &mut stack, "redis", people, async || {
        eves.close().await;
    })
    .await;
    // Redis came back empty; the nodes' heartbeats put the open sockets back into presence.
    let redis = stack.redis().await;
    for account in [&people.ann, &people.bob] {
        let key = format!("gochat:presence:user:{}", account.id);
        shared::testing::eventually(
            &format!(
                "{}'s sockets to be back in Redis presence",
                account.username
            ),
            WAIT,
            || {
                let (mut redis, key) = (redis.clone(), key.clone());
                async move {
                    let members: i64 = redis::cmd("ZCARD")
                        .arg(&key)
                        .query_async(&mut redis)
                        .await
                        .ok()?;
                    (members > 0).then_some(())
                }
            },
        )
        .await;
    }
    stack
        .wait_presence(&people.observer, &[&people.ann, &people.bob], "online")
        .await;
    eprintln!(
        "[{test}] presence rebuilt in Redis; users lists both online (its page cache rebuilt)"
    );
    stack
        .wait_presence(&people.observer, &[&eve], "offline")
        .await;
    eprintln!("[{test}] eve, who left while Redis was down, is offline");
    everyone_leaves(&stack, &mut [a, b], &people.observer).await;
    eprintln!("[{test}] after both left, both offline");
}

#[actix_web::test]
async fn each_service_killed_in_turn_and_restarted_loses_nothing() {
    let test = "kill-each-service";
    let mut stack = Stack::start(&[]).await;
    let ann = stack.sign_up("ann").await;
    let bob = stack.sign_up("bob").await;
    let cat = stack.sign_up("cat").await;
    let dan = stack.sign_up("dan").await;
    let observer = stack.sign_up("olga").await;
    let nodes = stack.addresses("socket-handler");
    let chatters = [
        Chatter::start(&stack, &ann, &bob, nodes.clone(), 0),
        Chatter::start(&stack, &bob, &ann, nodes.clone(), 0),
        Chatter::start(&stack, &cat, &dan, nodes.clone(), 0),
        Chatter::start(&stack, &dan, &cat, nodes, 0),
    ];
    let all: Vec<&Chatter> = chatters.iter().collect();
    progress(
        &all,
        10,
        "10 acknowledged messages each before the first kill",
    )
    .await;
    stack
        .wait_presence(&observer, &[&ann, &bob, &cat, &dan], "online")
        .await;

    for service in stack::SERVICES {
        let before = acked(&all);
        let started = Instant::now();
        stack.kill(service, 0);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let during = acked(&all) - before;
        stack.restart(service, 0).await;
        let restarted = started.elapsed();
        progress(
            &all,
            10,
            &format!("10 more acknowledged messages each after {service} came back"),
        )
        .await;
        match service {
            "auth" => {
                // Signing up needs auth, and its outbox to reach the consumers.
                let late = stack.sign_up("late").await;
                eprintln!(
                    "[{test}] after auth restarted, {} signed up and every service learnt of it",
                    late.username
                );
            }
            "users" | "socket-handler" => {
                stack
                    .wait_presence(&observer, &[&ann, &bob, &cat, &dan], "online")
                    .await;
            }
            _ => {}
        }
        eprintln!(
            "[{test}] {service} killed (-9) and restarted (ready {:.1}s after the kill): {during} acks while it was down, {} acked in all",
            restarted.as_secs_f64(),
            acked(&all)
        );
    }
    for chatter in &chatters {
        chatter.drain().await;
    }
    let first = verify(&stack, &[&chatters[0], &chatters[1]]).await;
    let second = verify(&stack, &[&chatters[2], &chatters[3]]).await;
    report(test, &all);
    // notifications was killed too: still one notification per received message, none twice.
    for chatter in &chatters {
        let received = chatter
            .state
            .borrow()
            .seen
            .len()
            .saturating_sub(chatter.acked());
        let what = format!(
            "{} to have {received} unread notifications",
            chatter.account.username
        );
        shared::testing::eventually(&what, WAIT, || async {
            (stack.unread_notifications(&chatter.account).await? == received as i64).then_some(())
        })
        .await;
    }
    eprintln!(
        "[{test}] {} + {} messages stored, each acked once, seq dense and in order; one notification per received message",
        first.stored, second.stored
    );
    let mut chatters = chatters;
    everyone_leaves(&stack, &mut chatters, &observer).await;
    eprintln!("[{test}] after everyone left, all four offline");
}

#[actix_web::test]
async fn with_two_replicas_killing_one_of_each_leaves_the_others_carrying_on() {
    let test = "replicas";
    let mut stack = Stack::start(&[("socket-handler", 2)]).await;
    let ann = stack.sign_up("ann").await;
    let bob = stack.sign_up("bob").await;
    let cat = stack.sign_up("cat").await;
    let dan = stack.sign_up("dan").await;
    let observer = stack.sign_up("olga").await;
    let nodes = stack.addresses("socket-handler");
    // ann and cat on node 0, bob and dan on node 1: every message crosses nodes.
    let chatters = [
        Chatter::start(&stack, &ann, &bob, nodes.clone(), 0),
        Chatter::start(&stack, &bob, &ann, nodes.clone(), 1),
        Chatter::start(&stack, &cat, &dan, nodes.clone(), 0),
        Chatter::start(&stack, &dan, &cat, nodes, 1),
    ];
    let all: Vec<&Chatter> = chatters.iter().collect();
    progress(
        &all,
        20,
        "20 acknowledged messages each with one messages replica",
    )
    .await;
    // messages#0 consumed every command so far, alone: it is the queue's single active
    // consumer. messages#1 joins now as the standby that must take over.
    stack.add_replica("messages").await;
    for chatter in &chatters {
        chatter.learn_replicas(&stack);
    }
    progress(
        &all,
        10,
        "10 more acknowledged messages each with the standby waiting",
    )
    .await;
    let before = acked(&all);
    let started = Instant::now();
    stack.kill("socket-handler", 0);
    stack.kill("messages", 0);
    progress(
        &all,
        20,
        "20 more acknowledged messages each with one replica of each left",
    )
    .await;
    let recovered = started.elapsed();
    stack
        .wait_presence(&observer, &[&ann, &bob, &cat, &dan], "online")
        .await;
    for chatter in &chatters {
        chatter.drain().await;
    }
    let first = verify(&stack, &[&chatters[0], &chatters[1]]).await;
    let second = verify(&stack, &[&chatters[2], &chatters[3]]).await;
    report(test, &all);
    eprintln!(
        "[{test}] socket-handler#0 and messages#0 (the active consumer; #1 was the standby) killed (-9) with {before} acked; chat flowing again through the survivors {:.1}s later; {} + {} stored, each acked once, seq dense and in order",
        recovered.as_secs_f64(),
        first.stored,
        second.stored
    );
    let mut chatters = chatters;
    everyone_leaves(&stack, &mut chatters, &observer).await;
    eprintln!("[{test}] after everyone left, all four offline (the dead node's sockets lapsed)");
}
