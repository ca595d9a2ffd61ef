//! Building and running notifications: infrastructure, sockets, presence, the node inbox and the
//! HTTP server.

use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::web;
use shared::events::{UserOffline, UserOnline};
use shared::service::ServiceInfra;
use shared::socket::{ConnectionHub, NodeInbox, Presence, SocketServices};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::consumers::presence_changed::PresenceFanout;
use crate::consumers::user_registered::SignUpFanout;
use crate::consumers::user_signed_out::SessionCloser;
use crate::{migrations, routes};

/// A built service, listening but not yet serving.
pub struct Application {
    infra: ServiceInfra,
    server: Server,
    port: u16,
    inbox_ready: CancellationToken,
}

impl Application {
    /// Connects, migrates and binds. With port 0 the OS picks a free port: see [`Self::port`].
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let infra = ServiceInfra::start(config.common.clone(), migrations::ALL).await?;
        let hub = ConnectionHub::new(config.socket_limits.send_queue);
        let presence = Presence::new(
            infra.cache.clone(),
            infra.publisher.clone(),
            &config.common.node_id,
            config.presence,
        );
        let sockets = web::Data::new(SocketServices {
            hub: hub.clone(),
            presence: presence.clone(),
            limits: config.socket_limits,
            shutdown: infra.shutdown.clone(),
        });

        let fanout = Arc::new(PresenceFanout { hub: hub.clone() });
        let inbox = NodeInbox::builder(infra.amqp.clone(), "notifications", &config.common.node_id)
            .on_event::<UserOnline, _>(fanout.clone())
            .on_event::<UserOffline, _>(fanout)
            .on_event(Arc::new(SignUpFanout { hub: hub.clone() }))
            .on_event(Arc::new(SessionCloser { hub: hub.clone() }))
            .build();
        let inbox_ready = CancellationToken::new();
        infra
            .tasks
            .spawn(inbox.run(infra.shutdown.clone(), inbox_ready.clone()));
        infra
            .tasks
            .spawn(presence.maintain(hub, infra.shutdown.clone()));

        let listener = infra.bind()?;
        let port = listener.local_addr()?.port();
        let server = infra.http_server(listener, move |cfg| {
            cfg.app_data(sockets.clone());
            routes::configure(cfg);
        })?;
        Ok(Self {
            infra,
            server,
            port,
            inbox_ready,
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

    /// Cancelled once the node inbox is consuming (tests wait for it before publishing).
    pub fn inbox_ready(&self) -> CancellationToken {
        self.inbox_ready.clone()
    }

    /// Serves until SIGTERM/SIGINT or the shutdown token, then drains.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.infra.run_until_stopped(self.server).await
    }
}
