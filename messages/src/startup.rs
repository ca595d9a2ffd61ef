//! Building messages: infrastructure, the outbox relay, the command and event consumers, the
//! HTTP server.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use deadpool_postgres::Pool;
use shared::service::{Application, Service, ServiceInfra};
use tokio_util::sync::CancellationToken;

use crate::commands::{self, CommandProcessor};
use crate::config::Config;
use crate::limits::Limits;
use crate::repository::processed;
use crate::vote_cache::VoteCache;
use crate::{consumers, migrations, routes};

/// The messages service.
pub struct Messages;

impl Service for Messages {
    const NAME: &'static str = "messages";
    type Config = Config;

    async fn build(config: Config) -> anyhow::Result<Application> {
        let limits = web::Data::new(Limits::from_config(&config));
        let infra = ServiceInfra::start(config.common, migrations::ALL).await?;
        infra.relay_outbox();

        let votes = VoteCache::new(infra.cache.clone());
        commands::start(
            &infra,
            Arc::new(CommandProcessor {
                db: infra.db.clone(),
                publisher: infra.publisher.clone(),
                votes: votes.clone(),
            }),
        );
        infra.tasks.spawn(prune_processed_commands(
            infra.db.clone(),
            infra.shutdown.clone(),
        ));
        consumers::start(&infra);

        let db = web::Data::new(infra.db.clone());
        let votes = web::Data::new(votes);
        Application::serve(infra, move |cfg| {
            cfg.app_data(db.clone())
                .app_data(votes.clone())
                .app_data(limits.clone());
            routes::configure(cfg);
        })
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
