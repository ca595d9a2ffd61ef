//! Web Push (RFC 8030, 8291, 8292): a push to each of a user's browsers for each notification,
//! even with no tab of the app open.
//!
//! The path: storing a notification (in `consumers::message_sent`) writes a [`job::PushJob`]
//! to the outbox in the same transaction, unless its conversation is muted or its owner has no
//! subscription; the outbox relay publishes it after commit to the durable quorum queue
//! `notifications.push`; [`worker::PushWorker`] takes up to `PUSH_PREFETCH` jobs at once and
//! sends each to every subscription of the owner ([`delivery`], [`client`]), recording what was
//! delivered so that nothing goes twice.
//!
//! - [`config`]: the settings. [`vapid`]: our key and its tokens. [`payload`]: the body, its
//!   size limit and headers.
//! - [`address`], [`resolver`]: the send-time half of the SSRF policy (the other half,
//!   checked on subscribe and before each send, is [`crate::domain::endpoint`]).
//! - [`maintenance`] prunes.

pub mod address;
pub mod client;
pub mod config;
pub mod delivery;
pub mod job;
pub mod maintenance;
pub mod payload;
pub mod resolver;
pub mod vapid;
pub mod worker;

use std::sync::Arc;

use shared::amqp::{ConsumerSpec, consume_concurrently};
use shared::service::ServiceInfra;

use self::config::PushConfig;
use self::job::PushJob;
use self::vapid::VapidKey;
use self::worker::PushWorker;
use crate::domain::EndpointPolicy;

/// What the push routes need: the key they serve and the policy subscriptions are checked
/// against.
#[derive(Clone, Debug)]
pub struct PushSettings {
    /// The VAPID key (its public half is served).
    pub vapid: VapidKey,
    /// The endpoint policy.
    pub policy: EndpointPolicy,
}

/// Starts the outbox relay (which publishes push jobs), the push worker and the pruning, all
/// stopped by the service's shutdown token; what the routes need.
pub fn start(infra: &ServiceInfra, config: &PushConfig) -> anyhow::Result<PushSettings> {
    let vapid = config.vapid_key()?;
    if config.policy.allow_insecure_localhost {
        tracing::warn!(
            "PUSH_ALLOW_INSECURE_LOCALHOST is on: push endpoints on this machine are accepted (development only)"
        );
    }
    infra.relay_outbox(shared::outbox::RELAY_PACE);
    let worker = Arc::new(PushWorker::new(infra.db.clone(), config, vapid.clone())?);
    infra.tasks.spawn(consume_concurrently(
        infra.amqp.clone(),
        ConsumerSpec::new(infra.amqp.topology().push_queue(), config.prefetch),
        PushJob::decode,
        move |job| worker.clone().handle(job),
        infra.shutdown.clone(),
    ));
    let db = infra.db.clone();
    infra.every(maintenance::EVERY, "push records", move || {
        let db = db.clone();
        async move { Ok(maintenance::prune(&db).await?) }
    });
    Ok(PushSettings {
        vapid,
        policy: config.policy.clone(),
    })
}
