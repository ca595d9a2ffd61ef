//! Which users' deliveries this node receives. The node's inbox binds a user's key
//! ([`shared::chat::user_key`]) when their first socket here opens and unbinds them when the last one closes, counted per
//! connection under that user's own lock, so that a close racing an open can never unbind a
//! live user, while different users' broker round trips proceed side by side (a connect wave
//! is not serialised behind one lock).

use std::collections::HashMap;
use std::sync::Arc;

use shared::chat::user_key;
use shared::ids::UserId;
use shared::socket::NodeInbox;

type Count = Arc<tokio::sync::Mutex<usize>>;

/// Counted delivery bindings of this node.
pub struct DeliveryBindings {
    inbox: NodeInbox,
    exchange: String,
    counts: std::sync::Mutex<HashMap<UserId, Count>>,
}

impl DeliveryBindings {
    /// Over this node's inbox and the chat delivery exchange.
    pub fn new(inbox: NodeInbox, exchange: String) -> Self {
        Self {
            inbox,
            exchange,
            counts: std::sync::Mutex::default(),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Count>> {
        // Every update is a single insert or remove, so a poisoned map is still consistent.
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One more socket of `user`; binds (and waits for the broker) if it is the first.
    pub async fn acquire(&self, user: UserId) {
        let count = self.map().entry(user).or_default().clone();
        let mut count = count.lock().await;
        *count += 1;
        if *count == 1 {
            self.inbox.bind(&self.exchange, &user_key(user)).await;
        }
    }

    /// One socket of `user` fewer; unbinds if it was the last.
    pub async fn release(&self, user: UserId) {
        let Some(entry) = self.map().get(&user).cloned() else {
            return;
        };
        let mut count = entry.lock().await;
        *count = count.saturating_sub(1);
        if *count > 0 {
            return;
        }
        self.inbox.unbind(&self.exchange, &user_key(user)).await;
        // Forget the user unless someone is already waiting on this entry: clones are only
        // taken under the map's lock, so nobody can pick it up after this check.
        let mut map = self.map();
        if Arc::strong_count(&entry) == 2 && *count == 0 {
            map.remove(&user);
        }
    }
}
