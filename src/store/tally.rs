//! How many rows of a kind are in each health state, kept as rows come, go and change, so the
//! tab badges and the problem count cost nothing per frame at 50,000 rows.

use crate::model::Health;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HealthTally {
    counts: [usize; Health::ALL.len()],
}

impl HealthTally {
    pub fn add(&mut self, health: Health) {
        self.counts[health as usize] += 1;
    }

    pub fn remove(&mut self, health: Health) {
        let n = &mut self.counts[health as usize];
        debug_assert!(*n > 0, "removing a {health} row that was not counted");
        *n = n.saturating_sub(1);
    }

    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Rows in any state but healthy.
    pub fn not_healthy(&self) -> usize {
        self.total() - self.counts[Health::Healthy as usize]
    }

    /// The worst state any row is in; `None` without rows.
    pub fn worst(&self) -> Option<Health> {
        Health::ALL
            .into_iter()
            .rev()
            .find(|h| self.counts[*h as usize] > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_adds_and_removes() {
        let mut t = HealthTally::default();
        assert_eq!(t.worst(), None);
        t.add(Health::Healthy);
        t.add(Health::Degraded);
        t.add(Health::Progressing);
        assert_eq!((t.total(), t.not_healthy()), (3, 2));
        assert_eq!(t.worst(), Some(Health::Degraded));
        t.remove(Health::Degraded);
        assert_eq!(t.worst(), Some(Health::Progressing));
        assert_eq!((t.total(), t.not_healthy()), (2, 1));
    }
}
