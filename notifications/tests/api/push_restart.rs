//! Pushes are jobs on a durable queue: a restart of notifications loses none and sends none
//! twice.

use std::collections::HashMap;

use shared::ids::ConversationId;
use shared::testing::{TestUser, eventually};

use crate::helpers::{WAIT, message};
use crate::push_support::{Reply, StandIn, push_settings, spawn_push_app, start_instance};

#[actix_web::test]
async fn pushes_queued_across_a_restart_are_each_delivered_once() {
    // One job at a time, so that while the first hangs the others wait in the queue.
    let app = spawn_push_app(|config| config.push.prefetch = 1).await;
    let standin = StandIn::start().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    let browser = standin.browser(&[Reply::Hang]);
    app.subscribe(&bob, &browser).await;

    let sent: Vec<_> = (1..=5)
        .map(|seq| {
            message(
                &ann,
                &bob,
                ConversationId::new(),
                seq,
                &format!("number {seq}"),
            )
        })
        .collect();
    for message in &sent {
        app.sent(message).await;
        app.wait_for_notification(&bob, message.id).await;
    }
    // The first push hangs at the push service; the rest are queued behind it.
    standin.wait_for_requests(&browser, 1).await;

    app.service.stop();
    let _restarted = start_instance(&app.infra, push_settings).await;

    for message in &sent {
        standin.wait_for_push(&browser, message.id).await;
    }
    let db = app.infra.db().await;
    eventually("every push recorded", WAIT, || async {
        let row = db
            .query_one(
                "SELECT count(*) FROM push_deliveries WHERE outcome = 'delivered'",
                &[],
            )
            .await
            .ok()?;
        (row.get::<_, i64>(0) == 5).then_some(())
    })
    .await;
    let mut times: HashMap<String, usize> = HashMap::new();
    for payload in standin.delivered(&browser) {
        *times
            .entry(
                payload["notification"]["messageId"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
            .or_default() += 1;
    }
    assert_eq!(times.len(), 5);
    assert!(
        times.values().all(|&n| n == 1),
        "each delivered once: {times:?}"
    );
}
