//! Building auth: infrastructure, state, the outbox relay, the revocation list and the HTTP
//! server.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use anyhow::Context;
use shared::auth::{SessionRevocations, TokenSigner, TokenVerifier};
use shared::service::{Application, Service, ServiceInfra};

use crate::config::Config;
use crate::state::AppState;
use crate::throttle::SignInThrottle;
use crate::{migrations, routes};

/// The auth service.
pub struct Auth;

impl Service for Auth {
    const NAME: &'static str = "auth";
    type Config = Config;

    async fn build(config: Config) -> anyhow::Result<Application> {
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

        // Unpaced: a sign-up is waited on (messages learns of a new account from it).
        infra.relay_outbox(Duration::ZERO);
        infra.tasks.spawn(crate::sessions::keep_revocations_listed(
            infra.db.clone(),
            state.revocations.clone(),
            state.config.revocation_relist,
            infra.shutdown.clone(),
        ));

        Application::serve(infra, move |cfg| {
            cfg.app_data(state.clone());
            routes::configure(cfg);
        })
    }
}
