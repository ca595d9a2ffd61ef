//! Many items for many recipients as few publishes as the broker allows: each publish carries a
//! list of items and names every recipient of any of them once (its routing key, then the `BCC`
//! header: RabbitMQ's sender-selected distribution), so a node bound to several of them gets one
//! copy and hands each item to its own sockets of that item's recipients only. A burst of a
//! hundred messages is then one broker write instead of a hundred.

use std::collections::HashSet;

/// At most this many recipients' keys in one publish: AMQP cannot split a message's header
/// across frames, and RabbitMQ's frames are 128 KiB (a key is ~40 bytes).
const MAX_KEYS_PER_PUBLISH: usize = 1_000;

/// Items gathered for one or more publishes, in the order they were added.
pub struct Addressed<T> {
    /// The publish being gathered.
    current: Part<T>,
    /// The keys in `current`.
    seen: HashSet<String>,
    /// Earlier publishes (when one would have had too many keys).
    done: Vec<Part<T>>,
}

/// What one publish carries.
pub struct Part<T> {
    /// The items, in order.
    pub items: Vec<T>,
    /// The recipients' keys of the items, each once, in the order first met: the first is the
    /// routing key, the rest the `BCC` header.
    pub keys: Vec<String>,
}

impl<T> Default for Part<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            keys: Vec::new(),
        }
    }
}

impl<T> Default for Addressed<T> {
    fn default() -> Self {
        Self {
            current: Part::default(),
            seen: HashSet::new(),
            done: Vec::new(),
        }
    }
}

impl<T> Addressed<T> {
    /// Adds `item` for the recipients with `keys` (none: nothing is added).
    pub fn add(&mut self, keys: Vec<String>, item: T) {
        if keys.is_empty() {
            return;
        }
        let fresh = keys.iter().filter(|key| !self.seen.contains(*key)).count();
        if !self.current.items.is_empty() && self.current.keys.len() + fresh > MAX_KEYS_PER_PUBLISH
        {
            self.done.push(std::mem::take(&mut self.current));
            self.seen.clear();
        }
        for key in keys {
            if self.seen.insert(key.clone()) {
                self.current.keys.push(key);
            }
        }
        self.current.items.push(item);
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.current.items.is_empty() && self.done.is_empty()
    }

    /// The publishes, in order; none empty.
    pub fn into_parts(self) -> Vec<Part<T>> {
        let mut parts = self.done;
        if !self.current.items.is_empty() {
            parts.push(self.current);
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn items_share_a_publish_and_each_key_appears_once() {
        let mut addressed = Addressed::default();
        addressed.add(keys(&["a", "b"]), 1);
        addressed.add(keys(&["b", "c"]), 2);
        addressed.add(Vec::new(), 3);
        let parts = addressed.into_parts();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].items, vec![1, 2]);
        assert_eq!(parts[0].keys, keys(&["a", "b", "c"]));
    }

    #[test]
    fn a_publish_that_would_name_too_many_keys_is_split_in_order() {
        let mut addressed = Addressed::default();
        for i in 0..MAX_KEYS_PER_PUBLISH + 1 {
            addressed.add(vec![format!("k{i}")], i);
        }
        let parts = addressed.into_parts();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].keys.len(), MAX_KEYS_PER_PUBLISH);
        assert_eq!(parts[1].items, vec![MAX_KEYS_PER_PUBLISH]);
    }

    #[test]
    fn nothing_added_is_no_publish() {
        let addressed: Addressed<u8> = Addressed::default();
        assert!(addressed.is_empty());
        assert!(addressed.into_parts().is_empty());
    }
}
