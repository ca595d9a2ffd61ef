//! Building socket-handler: infrastructure, the socket node (hub, presence, and the inbox that
//! brings this node its users' deliveries), the HTTP server.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use shared::chat::{kind, lane, node_key};
use shared::service::{Application, Service, ServiceInfra};
use shared::socket::{NodeInboxBuilder, SocketNode};

use crate::bindings::DeliveryBindings;
use crate::config::Config;
use crate::deliveries::{self, DeliveryRouter};
use crate::forwarder::{CommandForwarder, ForwarderSettings};
use crate::lane::WriterLane;
use crate::protocol::ChatServices;
use crate::rate_limit::{CommandLimiter, FloodLimits};
use crate::routes::ChatSocket;
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
        let inbox = node.inbox(&infra).bind(&exchange, &node_key(&node_id));
        let inbox = on(inbox, &router, kind::MESSAGE, DeliveryRouter::message);
        let inbox = on(inbox, &router, kind::ACK, DeliveryRouter::ack);
        let inbox = on(inbox, &router, kind::WATERMARK, DeliveryRouter::watermark);
        let inbox = on(inbox, &router, kind::TYPING, DeliveryRouter::typing);
        let inbox = on(inbox, &router, kind::VOTES, DeliveryRouter::votes);
        let inbox = on(inbox, &router, kind::UPDATED, DeliveryRouter::updated);
        let inbox = on(
            inbox,
            &router,
            kind::CONVERSATION,
            DeliveryRouter::conversation,
        );
        let inbox = on(inbox, &router, kind::REMOVED, DeliveryRouter::removed);
        let inbox = on(inbox, &router, kind::ERROR, DeliveryRouter::error);
        let inbox = on(inbox, &router, kind::BATCH, DeliveryRouter::batch).build();
        let ready = node.start(&infra, inbox.clone());

        let forwarder = CommandForwarder::start(
            ForwarderSettings {
                publisher: infra.publisher.clone(),
                commands_queue: topology.chat_commands_queue().name,
                sends_queue: topology.chat_sends_queue().name,
                lane: config.writer_lane.then(|| {
                    WriterLane::new(
                        infra.cache.clone(),
                        lane::secret(&infra.config.amqp_url),
                        config.command_deadline,
                    )
                }),
                hub: node.hub.clone(),
                limiter: CommandLimiter::new(infra.cache.clone(), config.command_limits),
                deadline: config.command_deadline,
                capacity: config.command_backlog,
            },
            &infra,
        );
        let chat = Arc::new(ChatServices {
            forwarder,
            node_id,
            flood_limits: FloodLimits::new(&config.command_limits),
            bindings: DeliveryBindings::new(inbox, exchange),
        });
        let socket = ChatSocket {
            sockets: node.sockets,
            chat,
        };
        Ok(Application::serve_socket(infra, routes::configure, socket)?.ready_when(ready))
    }
}

/// Adds a node-inbox handler that decodes a delivery of `kind` and hands it to one of the
/// router's methods (the node inbox cannot retry: an undecodable one is logged and dropped).
fn on<T: DeserializeOwned + 'static>(
    inbox: NodeInboxBuilder,
    router: &Arc<DeliveryRouter>,
    kind: &'static str,
    method: fn(&DeliveryRouter, T),
) -> NodeInboxBuilder {
    let router = router.clone();
    inbox.on_raw(kind, move |payload| {
        if let Some(delivery) = deliveries::decode(&payload, kind) {
            method(&router, delivery);
        }
        std::future::ready(())
    })
}
