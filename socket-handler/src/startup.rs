//! Building and running socket-handler: infrastructure, sockets, presence, the node inbox that
//! brings this node its users' deliveries, and the HTTP server.

use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::web;
use shared::chat::{kind, node_key};
use shared::service::ServiceInfra;
use shared::socket::{ConnectionHub, NodeInbox, Presence, SessionCloser, SocketServices};
use tokio_util::sync::CancellationToken;

use crate::bindings::DeliveryBindings;
use crate::config::Config;
use crate::deliveries::DeliveryRouter;
use crate::protocol::ChatServices;
use crate::rate_limit::SendRateLimiter;
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
        let topology = infra.amqp.topology().clone();
        let node_id = config.common.node_id.clone();
        let hub = ConnectionHub::new(config.socket_limits.send_queue);
        let presence = Presence::new(
            infra.cache.clone(),
            infra.publisher.clone(),
            &node_id,
            config.presence,
        );
        let sockets = web::Data::new(SocketServices {
            hub: hub.clone(),
            presence: presence.clone(),
            limits: config.socket_limits,
            shutdown: infra.shutdown.clone(),
        });

        let router = Arc::new(DeliveryRouter::new(hub.clone(), node_id.clone()));
        let exchange = topology.chat_delivery_exchange();
        let inbox = NodeInbox::builder(infra.amqp.clone(), "socket-handler", &node_id)
            .on_event(Arc::new(SessionCloser { hub: hub.clone() }))
            .bind(&exchange, &node_key(&node_id))
            .on_raw(kind::MESSAGE, route(&router, DeliveryRouter::message))
            .on_raw(kind::ACK, route(&router, DeliveryRouter::ack))
            .on_raw(kind::READ, route(&router, DeliveryRouter::read))
            .on_raw(kind::TYPING, route(&router, DeliveryRouter::typing))
            .on_raw(kind::VOTES, route(&router, DeliveryRouter::votes))
            .on_raw(kind::ERROR, route(&router, DeliveryRouter::error))
            .build();
        let inbox_ready = CancellationToken::new();
        infra.tasks.spawn(
            inbox
                .clone()
                .run(infra.shutdown.clone(), inbox_ready.clone()),
        );
        infra
            .tasks
            .spawn(presence.maintain(hub, infra.shutdown.clone()));

        let chat = web::Data::new(ChatServices {
            publisher: infra.publisher.clone(),
            commands_queue: topology.chat_commands_queue().name,
            node_id,
            limiter: SendRateLimiter::new(config.send_rate_per_sec, config.send_burst),
            bindings: DeliveryBindings::new(inbox, exchange),
            command_deadline: config.command_deadline,
        });

        let listener = infra.bind()?;
        let port = listener.local_addr()?.port();
        let server = infra.http_server(listener, move |cfg| {
            cfg.app_data(sockets.clone()).app_data(chat.clone());
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

    /// Cancelled once the node inbox is consuming (tests wait for it).
    pub fn inbox_ready(&self) -> CancellationToken {
        self.inbox_ready.clone()
    }

    /// Serves until SIGTERM/SIGINT or the shutdown token, then drains.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.infra.run_until_stopped(self.server).await
    }
}

/// A node-inbox handler that hands the payload to one of the router's methods.
fn route(
    router: &Arc<DeliveryRouter>,
    method: fn(&DeliveryRouter, &[u8]),
) -> impl Fn(Vec<u8>) -> std::future::Ready<()> + Send + Sync + 'static {
    let router = router.clone();
    move |payload| {
        method(&router, &payload);
        std::future::ready(())
    }
}
