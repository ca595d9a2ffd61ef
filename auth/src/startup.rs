//! Building and running auth: infrastructure, state, the outbox relay and the HTTP server.

use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::web;
use anyhow::Context;
use shared::auth::{SessionRevocations, TokenSigner, TokenVerifier};
use shared::outbox::OutboxRelay;
use shared::service::ServiceInfra;

use crate::config::Config;
use crate::state::AppState;
use crate::throttle::SignInThrottle;
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
        let cost = config.bcrypt_cost;
        let decoy_hash = web::block(move || crate::credentials::decoy_hash(cost))
            .await?
            .context("hashing the decoy password")?;
        let state = web::Data::new(AppState {
            db: infra.db.clone(),
            signer: TokenSigner::from_pem(&config.jwt_private_key_pem)?,
            verifier: TokenVerifier::from_pem(&config.common.jwt_public_key_pem)?,
            revocations: SessionRevocations::new(infra.cache.clone()),
            throttle: SignInThrottle::new(infra.cache.clone(), config.throttle),
            decoy_hash: decoy_hash.into(),
            config: Arc::new(config),
        });

        let relay = OutboxRelay::new(
            infra.db.clone(),
            &infra.config.database_url,
            infra.publisher.clone(),
        );
        infra.tasks.spawn(relay.run(infra.shutdown.clone()));
        infra.tasks.spawn(crate::sessions::keep_revocations_listed(
            infra.db.clone(),
            state.revocations.clone(),
            state.config.revocation_relist,
            infra.shutdown.clone(),
        ));

        let listener = infra.bind()?;
        let port = listener.local_addr()?.port();
        let server = infra.http_server(listener, move |cfg| {
            cfg.app_data(state.clone());
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
