//! A group conversation across two socket-handler nodes while one of them is killed: each
//! group message fans out to members on both nodes, so the kill cuts deliveries in flight to
//! half of the members, and their reconnect (to the surviving node, later back to the restarted
//! one) must bring them every message exactly once through `after=` catch-up.

use std::time::Instant;

use crate::chatter::{Chatter, verify};
use crate::stack::{Account, Stack, WAIT};
use crate::{acked, everyone_leaves, progress, report};

/// Waits until each of `chatters` has opened a connection beyond `since` (its count then) and
/// is connected.
async fn reconnected(chatters: &[&Chatter], since: &[usize], what: &str) {
    shared::testing::eventually(what, WAIT, || async {
        chatters
            .iter()
            .zip(since)
            .all(|(c, before)| c.connections() > *before && c.state.borrow().connected)
            .then_some(())
    })
    .await;
}

#[actix_web::test]
async fn a_socket_handler_node_killed_mid_group_conversation_loses_nothing_and_every_member_catches_up()
 {
    let test = "group-node-killed";
    let mut stack = Stack::start(&[("socket-handler", 2)]).await;
    let mut members: Vec<Account> = Vec::new();
    for name in ["ann", "bob", "cat", "dan"] {
        members.push(stack.sign_up(name).await);
    }
    let observer = stack.sign_up("olga").await;
    let others: Vec<&Account> = members[1..].iter().collect();
    let group = stack.create_group(&members[0], "Chaos", &others).await;
    let nodes = stack.addresses("socket-handler");
    // ann and cat on node 0, bob and dan on node 1: every group message is delivered on both.
    let chatters: Vec<Chatter> = members
        .iter()
        .enumerate()
        .map(|(i, member)| Chatter::in_group(&stack, member, &group, nodes.clone(), i % 2))
        .collect();
    let all: Vec<&Chatter> = chatters.iter().collect();
    let on_first: Vec<&Chatter> = chatters.iter().step_by(2).collect();
    let accounts: Vec<&Account> = members.iter().collect();
    progress(
        &all,
        20,
        "20 acknowledged group messages each with both nodes up",
    )
    .await;
    stack.wait_presence(&observer, &accounts, "online").await;

    let before = acked(&all);
    let connections: Vec<usize> = on_first.iter().map(|c| c.connections()).collect();
    let started = Instant::now();
    stack.kill("socket-handler", 0);
    reconnected(
        &on_first,
        &connections,
        "node 0's members to reconnect to node 1",
    )
    .await;
    progress(
        &all,
        10,
        "10 more acknowledged group messages each with socket-handler#0 dead",
    )
    .await;
    let failed_over = started.elapsed();
    let during = acked(&all) - before;
    stack.restart("socket-handler", 0).await;
    let restarted = started.elapsed();
    // Back to the restarted node, so that the group's fan-out crosses both nodes again.
    let connections: Vec<usize> = on_first.iter().map(|c| c.connections()).collect();
    for chatter in &on_first {
        chatter.move_to(0);
    }
    reconnected(
        &on_first,
        &connections,
        "node 0's members to reconnect to the restarted node 0",
    )
    .await;
    progress(
        &all,
        20,
        "20 more acknowledged group messages each with the restarted node back",
    )
    .await;
    stack.wait_presence(&observer, &accounts, "online").await;
    for chatter in &chatters {
        chatter.drain().await;
    }
    let verdict = verify(&stack, &all).await;
    report(test, &all);
    eprintln!(
        "[{test}] socket-handler#0 killed (-9) with {before} acked; its members chatting again through node 1 {:.1}s later ({during} acks meanwhile); restarted and ready {:.1}s after the kill, its members back on it; {} stored ({} acked + the group's creation), every member holds each exactly once, seq dense and in order",
        failed_over.as_secs_f64(),
        restarted.as_secs_f64(),
        verdict.stored,
        verdict.acked
    );
    let mut chatters = chatters;
    everyone_leaves(&stack, &mut chatters, &observer).await;
    eprintln!("[{test}] after everyone left, all four offline");
}
