//! Building users: infrastructure, the event consumers, the HTTP server.

use actix_web::web;
use shared::service::{Application, Service, ServiceInfra};

use crate::cache::ListCache;
use crate::config::Config;
use crate::consumers::{self, ConsumerContext};
use crate::directory::Directory;
use crate::{migrations, routes};

/// The users service.
pub struct Users;

impl Service for Users {
    const NAME: &'static str = "users";
    type Config = Config;

    async fn build(config: Config) -> anyhow::Result<Application> {
        let infra = ServiceInfra::start(config.common, migrations::ALL).await?;
        let list_cache = ListCache::new(infra.cache.clone(), config.list_cache_ttl);
        consumers::start(
            &infra,
            &ConsumerContext {
                db: infra.db.clone(),
                list_cache: list_cache.clone(),
            },
        );
        let directory = web::Data::new(Directory::new(infra.db.clone(), list_cache));
        Application::serve(infra, move |cfg| {
            cfg.app_data(directory.clone());
            routes::configure(cfg);
        })
    }
}
