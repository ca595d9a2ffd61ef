//! Building and running messages: infrastructure, the outbox relay, the command and event
//! consumers, and the HTTP server.

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::web;
use deadpool_postgres::Pool;
use shared::amqp::{ConsumerSpec, consume, consume_batched};
use shared::chat::CommandEnvelope;
use shared::events::{Event, UserRegistered};
use shared::outbox::OutboxRelay;
use shared::service::ServiceInfra;
use tokio_util::sync::CancellationToken;

use crate::commands::CommandProcessor;
use crate::config::Config;
use crate::consumers::user_registered::RecordUser;
use crate::repository::processed;
use crate::vote_cache::VoteCache;
use crate::{migrations, routes};

/// A built service, listening but not yet serving.
pub struct Application {
    infra: ServiceInfra,
    server: Server,
    port: u16,
}

impl Application {
    /// Connects, migrates and binds. With port 0 the OS picks a free port: see [`Self::port`].
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let infra = ServiceInfra::start(config.common.clone(), migrations::ALL).await?;
        let topology = infra.amqp.topology().clone();
        let prefetch = config.common.amqp_prefetch;

        let relay = OutboxRelay::new(
            infra.db.clone(),
            &infra.config.database_url,
            infra.publisher.clone(),
        );
        infra.tasks.spawn(relay.run(infra.shutdown.clone()));

        let votes = VoteCache::new(infra.cache.clone());
        let processor = Arc::new(CommandProcessor {
            db: infra.db.clone(),
            publisher: infra.publisher.clone(),
            votes: votes.clone(),
        });
        infra.tasks.spawn(consume_batched(
            infra.amqp.clone(),
            ConsumerSpec::new(topology.chat_commands_queue(), prefetch),
            |payload| serde_json::from_slice::<CommandEnvelope>(payload).map_err(|e| e.to_string()),
            move |batch| {
                let processor = processor.clone();
                async move { processor.apply_batch(batch).await }
            },
            infra.shutdown.clone(),
        ));
        infra.tasks.spawn(prune_processed_commands(
            infra.db.clone(),
            infra.shutdown.clone(),
        ));
        infra.tasks.spawn(consume(
            infra.amqp.clone(),
            ConsumerSpec::new(
                topology.event_queue(
                    "messages",
                    UserRegistered::EXCHANGE,
                    UserRegistered::ROUTING_KEY,
                ),
                prefetch,
            ),
            Arc::new(RecordUser {
                db: infra.db.clone(),
            }),
            infra.shutdown.clone(),
        ));

        let listener = infra.bind()?;
        let port = listener.local_addr()?.port();
        let db = web::Data::new(infra.db.clone());
        let votes = web::Data::new(votes);
        let server = infra.http_server(listener, move |cfg| {
            cfg.app_data(db.clone()).app_data(votes.clone());
            routes::configure(cfg);
        })?;
        Ok(Self {
            infra,
            server,
            port,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The connections and the shutdown token, for tests.
    pub fn infra(&self) -> &ServiceInfra {
        &self.infra
    }

    /// Serves until SIGTERM/SIGINT or the shutdown token, then drains.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.infra.run_until_stopped(self.server).await
    }
}

/// Forgets applied command ids once no redelivery can bring them back (see
/// [`crate::repository::processed`]).
async fn prune_processed_commands(db: Pool, shutdown: CancellationToken) {
    const EVERY: Duration = Duration::from_secs(600);
    const AGE: Duration = Duration::from_secs(24 * 3600);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(EVERY) => {}
        }
        let pruned = match db.get().await {
            Ok(client) => processed::prune(&client, AGE)
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        };
        match pruned {
            Ok(count) => tracing::debug!(count, "pruned applied command ids"),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "could not prune applied command ids")
            }
        }
    }
}
