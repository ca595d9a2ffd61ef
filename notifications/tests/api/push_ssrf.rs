//! Push endpoints are URLs that users supply: none outside the policy is stored, and nothing is
//! ever sent to an address that is not global, whatever a name resolves to.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use notifications::domain::HostPattern;
use notifications::push::resolver::{HostLookup, Lookup, StaticLookup};
use serde_json::json;
use shared::ids::ConversationId;
use shared::testing::TestUser;

use crate::helpers::{assert_error, message, spawn_app_with};
use crate::push_support::{StandIn, spawn_push_app};

#[actix_web::test]
async fn unsafe_endpoints_are_refused_on_subscribe_and_never_stored() {
    // The deployment's policy: no stand-in allowed.
    let app = spawn_app_with(|config| config.push.policy.allow_insecure_localhost = false).await;
    let standin = StandIn::start().await;
    let ann = TestUser::new("ann");
    let keys = standin.browser(&[]).subscription["keys"].clone();
    let long = format!("https://fcm.googleapis.com/fcm/send/{}", "a".repeat(1000));
    let unsafe_endpoints = [
        "http://fcm.googleapis.com/fcm/send/abc".to_owned(),
        "https://127.0.0.1/".to_owned(),
        "https://169.254.169.254/latest/meta-data/".to_owned(),
        "https://evil.example/push".to_owned(),
        "https://[::1]/".to_owned(),
        "https://[::ffff:127.0.0.1]/".to_owned(),
        "https://2130706433/".to_owned(),
        "https://fcm.googleapis.com@evil/".to_owned(),
        "https://fcm.googleapis.com:pass@evil.example/".to_owned(),
        "https://fcm.googleapis.com.evil.example/".to_owned(),
        "https://fcm.googleapis.com:8443/fcm/send/abc".to_owned(),
        format!("{}/push/abc", standin.origin),
        long,
        "not a url".to_owned(),
    ];
    for endpoint in &unsafe_endpoints {
        let answer = app
            .subscribe_raw(&ann, &json!({"endpoint": endpoint, "keys": keys}))
            .await;
        assert_error(&answer, 400, "invalid_field");
        assert!(
            answer.body["error"]["fields"]["endpoint"].is_string(),
            "{endpoint}: {}",
            answer.body
        );
    }
    assert!(app.subscriptions(&ann).await.is_empty());
    assert_eq!(standin.total_received(), 0);

    let fine = app
        .subscribe_raw(
            &ann,
            &json!({"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": keys}),
        )
        .await;
    assert_eq!(fine.status, 201, "{}", fine.body);
}

/// A fixed table that also remembers what was looked up.
struct RecordingLookup {
    table: StaticLookup,
    asked: Arc<Mutex<Vec<String>>>,
}

impl HostLookup for RecordingLookup {
    fn lookup(
        &self,
        host: String,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
        self.asked.lock().expect("not poisoned").push(host.clone());
        self.table.lookup(host)
    }
}

#[actix_web::test]
async fn an_allowed_host_that_resolves_to_a_private_address_is_never_sent_to() {
    let names: [(&str, &[&str]); 5] = [
        ("rebound.push.test", &["10.0.0.1"]),
        ("metadata.push.test", &["169.254.169.254"]),
        ("loopback.push.test", &["::1", "127.0.0.1"]),
        ("mapped.push.test", &["::ffff:127.0.0.1"]),
        ("mixed.push.test", &["142.250.74.42", "192.168.0.1"]),
    ];
    let asked = Arc::new(Mutex::new(Vec::new()));
    let table: HashMap<String, Vec<IpAddr>> = names
        .iter()
        .map(|(name, ips)| {
            (
                (*name).to_owned(),
                ips.iter().map(|ip| ip.parse().unwrap()).collect(),
            )
        })
        .collect();
    let lookup = Lookup(Arc::new(RecordingLookup {
        table: StaticLookup(table),
        asked: asked.clone(),
    }));
    let app = spawn_push_app(|config| {
        config
            .push
            .policy
            .hosts
            .push(HostPattern::parse("*.push.test").unwrap());
        config.push.lookup = lookup;
    })
    .await;
    let standin = StandIn::start().await;
    let (ann, bob) = (TestUser::new("ann"), TestUser::new("bob"));
    app.register_and_wait(&ann).await;
    // A subscription that works, as the witness that the push job ran.
    let witness = standin.browser(&[]);
    app.subscribe(&bob, &witness).await;
    let keys = witness.subscription["keys"].clone();
    let mut refused = Vec::new();
    for (name, _) in names {
        let answer = app
            .subscribe_raw(
                &bob,
                &json!({"endpoint": format!("https://{name}/push/1"), "keys": keys}),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        refused.push(
            answer.body["subscription"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    let sent = message(&ann, &bob, ConversationId::new(), 1, "hello");
    app.sent(&sent).await;
    standin.wait_for_push(&witness, sent.id).await;
    for id in &refused {
        assert_eq!(app.wait_for_outcome(sent.id, id).await, "refused");
    }
    let asked = asked.lock().unwrap().clone();
    for (name, _) in names {
        assert_eq!(
            asked.iter().filter(|a| a.as_str() == name).count(),
            1,
            "{name} looked up once and refused at once: {asked:?}"
        );
    }
    assert_eq!(standin.total_received(), 1, "only the witness was sent to");
}
