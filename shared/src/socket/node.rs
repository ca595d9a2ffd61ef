//! A socket node: what socket-handler and notifications both set up to hold sockets. Its hub of
//! connections, its presence in Redis and heartbeat, and its inbox, which closes an ended
//! session's sockets; each service adds only the inbox handlers that are its own.

use tokio_util::sync::CancellationToken;

use super::node_inbox::NodeInboxBuilder;
use super::{
    ConnectionHub, NodeInbox, Presence, PresenceTiming, SessionCloser, SocketLimits, SocketServices,
};
use crate::service::ServiceInfra;
use std::sync::Arc;

/// This process's sockets and what serves them.
pub struct SocketNode {
    /// This node's connections.
    pub hub: ConnectionHub,
    /// Who is online, fed by this node's sockets.
    pub presence: Presence,
    /// What every connection handler needs, for the socket route.
    pub sockets: Arc<SocketServices>,
}

impl SocketNode {
    /// A node of `infra`'s service with these limits and presence timing.
    pub fn new(infra: &ServiceInfra, limits: SocketLimits, timing: PresenceTiming) -> Self {
        let hub = ConnectionHub::new(limits.send_queue);
        let presence = Presence::new(
            infra.cache.clone(),
            infra.publisher.clone(),
            &infra.config.node_id,
            timing,
        );
        let sockets = Arc::new(SocketServices {
            hub: hub.clone(),
            presence: presence.clone(),
            limits,
            shutdown: infra.shutdown.clone(),
        });
        Self {
            hub,
            presence,
            sockets,
        }
    }

    /// This node's inbox, already closing ended sessions' sockets; add the service's own
    /// handlers, build it, then [`Self::start`] it.
    pub fn inbox(&self, infra: &ServiceInfra) -> NodeInboxBuilder {
        NodeInbox::builder(
            infra.amqp.clone(),
            infra.config.service,
            &infra.config.node_id,
        )
        .on_event(Arc::new(SessionCloser {
            hub: self.hub.clone(),
        }))
    }

    /// Runs the inbox and the presence heartbeat until the service stops. The token returned is
    /// cancelled once the inbox consumes (see [`crate::service::Application::ready_when`]).
    pub fn start(&self, infra: &ServiceInfra, inbox: NodeInbox) -> CancellationToken {
        let ready = CancellationToken::new();
        infra
            .tasks
            .spawn(inbox.run(infra.shutdown.clone(), ready.clone()));
        infra.tasks.spawn(
            self.presence
                .clone()
                .maintain(self.hub.clone(), infra.shutdown.clone()),
        );
        ready
    }
}
