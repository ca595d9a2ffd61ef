//! Building and running notifications: infrastructure, sockets, presence, the node inbox, live
//! delivery, the durable consumers and the HTTP server.

use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::web;
use shared::events::{UserOffline, UserOnline};
use shared::service::ServiceInfra;
use shared::socket::{ConnectionHub, NodeInbox, Presence, SessionCloser, SocketServices};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::consumers::notification_created::NotificationPush;
use crate::consumers::presence_changed::PresenceFanout;
use crate::consumers::user_registered::SignUpFanout;
use crate::consumers::{self, ConsumerContext};
use crate::live::{DeliveryPublisher, LiveRouting, NOTIFICATION_CREATED};
use crate::state::AppState;
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
        let prefetch = config.common.amqp_prefetch;
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

        let delivery = DeliveryPublisher::new(infra.publisher.clone());
        let fanout = Arc::new(PresenceFanout { hub: hub.clone() });
        let push = NotificationPush { hub: hub.clone() };
        let inbox = NodeInbox::builder(infra.amqp.clone(), "notifications", &config.common.node_id)
            .on_event::<UserOnline, _>(fanout.clone())
            .on_event::<UserOffline, _>(fanout)
            .on_event(Arc::new(SignUpFanout { hub: hub.clone() }))
            .on_event(Arc::new(SessionCloser { hub: hub.clone() }))
            .on_raw(NOTIFICATION_CREATED, move |payload| {
                push.deliver(&payload);
                std::future::ready(())
            })
            .build();
        let live = LiveRouting::new(inbox.clone(), delivery.exchange());
        let inbox_ready = CancellationToken::new();
        infra
            .tasks
            .spawn(inbox.run(infra.shutdown.clone(), inbox_ready.clone()));
        infra
            .tasks
            .spawn(presence.maintain(hub, infra.shutdown.clone()));

        consumers::start(
            &infra,
            prefetch,
            &ConsumerContext {
                db: infra.db.clone(),
                delivery,
            },
        );

        crate::push::start(&infra, &config.push)?;

        let state = web::Data::new(AppState {
            db: infra.db.clone(),
            live,
            push: Arc::new(config.push),
        });
        let listener = infra.bind()?;
        let port = listener.local_addr()?.port();
        let server = infra.http_server(listener, move |cfg| {
            cfg.app_data(sockets.clone()).app_data(state.clone());
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
