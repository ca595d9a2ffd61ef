//! Building and running the service: infrastructure, HTTP server, background consumers.

use actix_web::dev::Server;
use actix_web::web;
use shared::service::ServiceInfra;

use crate::cache::ListCache;
use crate::config::Config;
use crate::consumers::{self, ConsumerContext};
use crate::directory::Directory;
use crate::{migrations, routes};

/// A built service, listening but not yet serving.
pub struct Application {
    infra: ServiceInfra,
    server: Server,
    port: u16,
}

impl Application {
    /// Connects, migrates, starts the consumers and binds. With port 0 the OS picks a free port:
    /// see [`Self::port`].
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let prefetch = config.common.amqp_prefetch;
        let infra = ServiceInfra::start(config.common, migrations::ALL).await?;
        let list_cache = ListCache::new(infra.cache.clone(), config.list_cache_ttl);

        consumers::start(
            &infra,
            prefetch,
            &ConsumerContext {
                db: infra.db.clone(),
                list_cache: list_cache.clone(),
            },
        );

        let directory = web::Data::new(Directory::new(infra.db.clone(), list_cache));
        let listener = infra.bind()?;
        let port = listener.local_addr()?.port();
        let server = infra.http_server(listener, move |cfg: &mut web::ServiceConfig| {
            cfg.app_data(directory.clone());
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
