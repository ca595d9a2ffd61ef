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
use shared::outbox::OutboxRelay;
use shared::service::ServiceInfra;

use self::config::PushConfig;
use self::job::PushJob;
use self::worker::PushWorker;

/// Starts the outbox relay (which publishes push jobs), the push worker and the pruning, all
/// stopped by the service's shutdown token.
pub fn start(infra: &ServiceInfra, config: &PushConfig) -> anyhow::Result<()> {
    infra.tasks.spawn(
        OutboxRelay::new(
            infra.db.clone(),
            &infra.config.database_url,
            infra.publisher.clone(),
        )
        .run(infra.shutdown.clone()),
    );
    let worker = Arc::new(PushWorker::new(infra.db.clone(), config)?);
    infra.tasks.spawn(consume_concurrently(
        infra.amqp.clone(),
        ConsumerSpec::new(infra.amqp.topology().push_queue(), config.prefetch),
        PushJob::decode,
        move |job| worker.clone().handle(job),
        infra.shutdown.clone(),
    ));
    infra.tasks.spawn(maintenance::prune_periodically(
        infra.db.clone(),
        infra.shutdown.clone(),
    ));
    Ok(())
}
