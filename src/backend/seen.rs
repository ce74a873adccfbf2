//! What an event stream has already recorded, so that a relist or a re-read window records
//! nothing twice: a bounded set of keys, the oldest forgotten first. The Kubernetes event watches
//! key by uid; the RDS poll, whose `DescribeEvents` has no id, by instance, time and message.

use std::collections::{HashSet, VecDeque};

/// The keys remembered per stream (the oldest go).
pub const REMEMBERED: usize = 20_000;

/// The keys seen, oldest first, bounded.
#[derive(Debug, Default)]
pub struct Seen {
    set: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    /// Whether `key` is new (and remembers it). An empty key has no identity: always new.
    pub fn first_time(&mut self, key: String) -> bool {
        if key.is_empty() || self.set.contains(&key) {
            return key.is_empty();
        }
        if self.order.len() == REMEMBERED
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        self.set.insert(key.clone());
        self.order.push_back(key);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_recorded_once_and_the_oldest_are_forgotten() {
        let mut seen = Seen::default();
        assert!(seen.first_time("a".into()));
        assert!(!seen.first_time("a".into()));
        for i in 0..REMEMBERED {
            seen.first_time(format!("n{i}"));
        }
        assert!(
            seen.first_time("a".into()),
            "forgotten after REMEMBERED more"
        );
    }
}
