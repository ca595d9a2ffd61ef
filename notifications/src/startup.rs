//! Building notifications: infrastructure, the socket node (hub, presence, inbox), live
//! delivery, the durable consumers and the HTTP server.

use std::sync::Arc;

use actix_web::web;
use shared::events::{UserOffline, UserOnline};
use shared::service::{Application, Service, ServiceInfra};
use shared::socket::SocketNode;

use crate::config::Config;
use crate::consumers::notification_created::NotificationPush;
use crate::consumers::presence_changed::PresenceFanout;
use crate::consumers::user_registered::SignUpFanout;
use crate::consumers::{self, ConsumerContext};
use crate::live::{DeliveryPublisher, LiveRouting, NOTIFICATION_CREATED};
use crate::routes::NotificationsSocket;
use crate::state::AppState;
use crate::{migrations, routes};

/// The notifications service.
pub struct Notifications;

impl Service for Notifications {
    const NAME: &'static str = "notifications";
    type Config = Config;

    async fn build(config: Config) -> anyhow::Result<Application> {
        let infra = ServiceInfra::start(config.common, migrations::ALL).await?;
        let node = SocketNode::new(&infra, config.socket_limits, config.presence);

        let delivery = DeliveryPublisher::new(infra.publisher.clone());
        let fanout = Arc::new(PresenceFanout {
            hub: node.hub.clone(),
        });
        let push = NotificationPush {
            hub: node.hub.clone(),
        };
        let inbox = node
            .inbox(&infra)
            .on_event::<UserOnline, _>(fanout.clone())
            .on_event::<UserOffline, _>(fanout)
            .on_event(Arc::new(SignUpFanout {
                hub: node.hub.clone(),
            }))
            .on_raw(NOTIFICATION_CREATED, move |payload| {
                push.deliver(&payload);
                std::future::ready(())
            })
            .build();
        let live = LiveRouting::new(inbox.clone(), delivery.exchange());
        let ready = node.start(&infra, inbox);

        consumers::start(
            &infra,
            &ConsumerContext {
                // Connections are made on demand: as many as the consumers use at once.
                db: shared::db::keyed_pool(
                    &infra.config.database_url,
                    infra.config.database_pool_size,
                )?,
                delivery,
            },
        );

        let push = crate::push::start(&infra, &config.push)?;

        let socket = NotificationsSocket {
            sockets: node.sockets,
            live: live.clone(),
        };
        let state = web::Data::new(AppState {
            db: infra.db.clone(),
            live,
            push: Arc::new(push),
        });
        Ok(Application::serve_socket(
            infra,
            move |cfg| {
                cfg.app_data(state.clone());
                routes::configure(cfg);
            },
            socket,
        )?
        .ready_when(ready))
    }
}
