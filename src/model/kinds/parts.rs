//! Counts of a roll-up's parts (a region's clusters, an organization's HelmReleases…).

use serde::Serialize;

use crate::model::{Cell, Health};

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PartCount {
    pub total: u32,
    pub unhealthy: u32,
    /// The worst health among the parts (`None` when there are none).
    pub worst: Option<Health>,
}

impl PartCount {
    pub fn add(&mut self, h: Health) {
        self.total += 1;
        if h != Health::Healthy {
            self.unhealthy += 1;
        }
        self.worst = Some(self.worst.map_or(h, |w| w.max(h)));
    }

    /// "ok/total", sorting by the number of unhealthy parts.
    pub fn cell(&self) -> Cell {
        if self.total == 0 {
            return Cell::number(-1, "-");
        }
        Cell::number(
            self.unhealthy as i64,
            format!("{}/{}", self.total - self.unhealthy, self.total),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_keeps_the_worst() {
        let mut p = PartCount::default();
        assert_eq!(p.cell().text, "-");
        p.add(Health::Healthy);
        p.add(Health::Degraded);
        p.add(Health::Progressing);
        assert_eq!((p.total, p.unhealthy), (3, 2));
        assert_eq!(p.worst, Some(Health::Degraded));
        assert_eq!(p.cell().text, "1/3");
    }
}
