//! Which users' deliveries this node receives.

use std::sync::Arc;

use shared::ids::UserId;
use shared::socket::NodeInbox;

/// Binds and unbinds this node's inbox to the delivery exchange, one routing key per user
/// connected here. Cheap to clone.
#[derive(Clone)]
pub struct LiveRouting {
    inbox: NodeInbox,
    exchange: Arc<str>,
}

impl LiveRouting {
    /// Over this node's `inbox` and the full name of the delivery `exchange`.
    pub fn new(inbox: NodeInbox, exchange: &str) -> Self {
        Self {
            inbox,
            exchange: exchange.into(),
        }
    }

    /// From now on, `user`'s deliveries reach this node (their first socket here opened).
    ///
    /// [`NodeInbox`] applies bindings and unbindings in the order they were asked for, and a
    /// user's first-open and last-close on this node alternate, so the binding always ends up
    /// matching whether the user has a socket here.
    pub async fn start(&self, user: UserId) {
        self.inbox.bind(&self.exchange, &user.to_string()).await;
    }

    /// `user`'s deliveries no longer reach this node (their last socket here closed).
    pub async fn stop(&self, user: UserId) {
        self.inbox.unbind(&self.exchange, &user.to_string()).await;
    }
}
