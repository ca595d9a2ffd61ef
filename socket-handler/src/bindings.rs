//! Which users' deliveries this node receives. The node's inbox binds a user's topic patterns
//! when their first socket here opens and unbinds them when the last one closes, counted per
//! connection under one lock so that a close racing an open can never unbind a live user.

use std::collections::HashMap;

use shared::chat::user_bindings;
use shared::ids::UserId;
use shared::socket::NodeInbox;
use tokio::sync::Mutex;

/// Counted delivery bindings of this node.
pub struct DeliveryBindings {
    inbox: NodeInbox,
    exchange: String,
    counts: Mutex<HashMap<UserId, usize>>,
}

impl DeliveryBindings {
    /// Over this node's inbox and the chat delivery exchange.
    pub fn new(inbox: NodeInbox, exchange: String) -> Self {
        Self {
            inbox,
            exchange,
            counts: Mutex::default(),
        }
    }

    /// One more socket of `user`; binds (and waits for the broker) if it is the first.
    pub async fn acquire(&self, user: UserId) {
        let mut counts = self.counts.lock().await;
        let count = counts.entry(user).or_insert(0);
        *count += 1;
        if *count == 1 {
            for pattern in user_bindings(user) {
                self.inbox.bind(&self.exchange, &pattern).await;
            }
        }
    }

    /// One socket of `user` fewer; unbinds if it was the last.
    pub async fn release(&self, user: UserId) {
        let mut counts = self.counts.lock().await;
        let Some(count) = counts.get_mut(&user) else {
            return;
        };
        *count -= 1;
        if *count == 0 {
            counts.remove(&user);
            for pattern in user_bindings(user) {
                self.inbox.unbind(&self.exchange, &pattern).await;
            }
        }
    }
}
