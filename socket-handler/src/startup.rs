//! Building socket-handler: infrastructure, the socket node (hub, presence, and the inbox that
//! brings this node its users' deliveries), the HTTP server.

use std::sync::Arc;

use actix_web::web;
use serde::de::DeserializeOwned;
use shared::chat::{kind, node_key};
use shared::service::{Application, Service, ServiceInfra};
use shared::socket::SocketNode;

use crate::bindings::DeliveryBindings;
use crate::config::Config;
use crate::deliveries::{self, DeliveryRouter};
use crate::forwarder::{CommandForwarder, ForwarderSettings};
use crate::protocol::ChatServices;
use crate::rate_limit::CommandLimiter;
use crate::{migrations, routes};

/// The socket-handler service.
pub struct SocketHandler;

impl Service for SocketHandler {
    const NAME: &'static str = "socket-handler";
    type Config = Config;

    async fn build(config: Config) -> anyhow::Result<Application> {
        let infra = ServiceInfra::start(config.common.clone(), migrations::ALL).await?;
        let topology = infra.amqp.topology().clone();
        let node_id = config.common.node_id.clone();
        let node = SocketNode::new(&infra, config.socket_limits, config.presence);

        let router = Arc::new(DeliveryRouter::new(node.hub.clone(), node_id.clone()));
        let exchange = topology.chat_delivery_exchange();
        let inbox = node
            .inbox(&infra)
            .bind(&exchange, &node_key(&node_id))
            .on_raw(
                kind::MESSAGE,
                route(&router, kind::MESSAGE, DeliveryRouter::message),
            )
            .on_raw(kind::ACK, route(&router, kind::ACK, DeliveryRouter::ack))
            .on_raw(
                kind::WATERMARK,
                route(&router, kind::WATERMARK, DeliveryRouter::watermark),
            )
            .on_raw(
                kind::TYPING,
                route(&router, kind::TYPING, DeliveryRouter::typing),
            )
            .on_raw(
                kind::VOTES,
                route(&router, kind::VOTES, DeliveryRouter::votes),
            )
            .on_raw(
                kind::UPDATED,
                route(&router, kind::UPDATED, DeliveryRouter::updated),
            )
            .on_raw(
                kind::CONVERSATION,
                route(&router, kind::CONVERSATION, DeliveryRouter::conversation),
            )
            .on_raw(
                kind::REMOVED,
                route(&router, kind::REMOVED, DeliveryRouter::removed),
            )
            .on_raw(
                kind::ERROR,
                route(&router, kind::ERROR, DeliveryRouter::error),
            )
            .on_raw(
                kind::BATCH,
                route(&router, kind::BATCH, DeliveryRouter::batch),
            )
            .build();
        let ready = node.start(&infra, inbox.clone());

        let forwarder = CommandForwarder::start(
            ForwarderSettings {
                publisher: infra.publisher.clone(),
                commands_queue: topology.chat_commands_queue().name,
                hub: node.hub.clone(),
                deadline: config.command_deadline,
                capacity: config.command_backlog,
            },
            &infra,
        );
        let chat = web::Data::new(ChatServices {
            forwarder,
            node_id,
            limiter: CommandLimiter::new(infra.cache.clone(), config.command_limits),
            bindings: DeliveryBindings::new(inbox, exchange),
        });
        let sockets = node.sockets;
        Ok(Application::serve(infra, move |cfg| {
            cfg.app_data(sockets.clone()).app_data(chat.clone());
            routes::configure(cfg);
        })?
        .ready_when(ready))
    }
}

/// A node-inbox handler that decodes the payload as a `kind` and hands it to one of the
/// router's methods.
fn route<T: DeserializeOwned + 'static>(
    router: &Arc<DeliveryRouter>,
    kind: &'static str,
    method: fn(&DeliveryRouter, T),
) -> impl Fn(Vec<u8>) -> std::future::Ready<()> + Send + Sync + 'static {
    let router = router.clone();
    move |payload| {
        if let Some(delivery) = deliveries::decode(&payload, kind) {
            method(&router, delivery);
        }
        std::future::ready(())
    }
}
