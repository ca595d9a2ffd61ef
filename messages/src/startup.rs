//! Building messages: infrastructure, the outbox relay, the command and event consumers, the
//! HTTP server.

use std::time::Duration;

use actix_web::web;
use shared::service::{Application, Service, ServiceInfra};

use crate::attachments::Attachments;
use crate::commands;
use crate::config::Config;
use crate::limits::{Limits, Throttle};
use crate::repository::{processed, search, statistics};
use crate::vote_cache::VoteCache;
use crate::{consumers, lane, migrations, routes};

/// The messages service.
pub struct Messages;

impl Service for Messages {
    const NAME: &'static str = "messages";
    type Config = Config;

    async fn build(config: Config) -> anyhow::Result<Application> {
        let limits = web::Data::new(Limits::from_config(&config));
        let (search_allowance, upload_allowance) =
            (config.search_allowance, config.upload_allowance);
        let attachments = Attachments::open(config.attachments.clone())?;
        let infra = ServiceInfra::start(config.common, migrations::ALL).await?;
        infra.relay_outbox(shared::outbox::RELAY_PACE);

        let votes = VoteCache::new(infra.cache.clone());
        let writer = commands::start(
            &infra,
            // One batch is applied at a time (see `commands::Writer`); the other connection
            // writes what the broker did not confirm into the outbox (`dispatch`).
            shared::db::keyed_pool(&infra.config.database_url, 2)?,
            votes.clone(),
        );
        lane::start(&infra, writer, &config.lane).await?;
        let db = infra.db.clone();
        infra.every(Duration::from_secs(600), "applied command ids", move || {
            let db = db.clone();
            async move { Ok(processed::prune(&db.get().await?, PROCESSED_AGE).await?) }
        });
        let db = infra.db.clone();
        infra.every(TEXT_INDEX_MERGE_EVERY, "text index merge", move || {
            let db = db.clone();
            async move { Ok(search::merge_pending(&db.get().await?).await?) }
        });
        let db = infra.db.clone();
        infra.every(STATISTICS_EVERY, "planner statistics", move || {
            let db = db.clone();
            async move { Ok(statistics::refresh(&db.get().await?).await?) }
        });
        let db = infra.db.clone();
        let sweeper = attachments.clone();
        infra.every(
            attachments.settings.sweep_every,
            "attachments sweep",
            move || {
                let db = db.clone();
                let sweeper = sweeper.clone();
                async move { sweeper.sweep(&db).await }
            },
        );
        consumers::start(&infra);

        let throttle = web::Data::new(Throttle::new(
            infra.cache.clone(),
            search_allowance,
            upload_allowance,
        ));
        let db = web::Data::new(infra.db.clone());
        let votes = web::Data::new(votes);
        let attachments = web::Data::new(attachments);
        Application::serve(infra, move |cfg| {
            cfg.app_data(db.clone())
                .app_data(votes.clone())
                .app_data(limits.clone())
                .app_data(throttle.clone())
                .app_data(attachments.clone());
            routes::configure(cfg);
        })
    }
}

/// How long applied command ids are kept: redeliveries come within minutes (see
/// [`crate::repository::processed`]).
const PROCESSED_AGE: Duration = Duration::from_secs(24 * 3600);

/// How often the text indexes' pending lists are merged (see
/// [`crate::repository::search::merge_pending`]): at a thousand messages a second, a second's
/// worth is a merge of a few milliseconds, far from the size at which a writer would do it.
const TEXT_INDEX_MERGE_EVERY: Duration = Duration::from_secs(1);

/// How often the hot tables' planner statistics are checked (see
/// [`crate::repository::statistics`]): a check is one read of Postgres' own counters.
const STATISTICS_EVERY: Duration = Duration::from_secs(5);
