//! Health of a row: one of six states, ordered by severity so roll-ups can take the worst.

use serde::{Deserialize, Serialize};

/// Declaration order is severity order (least severe first): `Ord` gives "worst" for free.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Healthy,
    Suspended,
    Progressing,
    Unknown,
    Degraded,
    Failed,
}

impl Health {
    pub const ALL: [Health; 6] = [
        Health::Healthy,
        Health::Suspended,
        Health::Progressing,
        Health::Unknown,
        Health::Degraded,
        Health::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Suspended => "suspended",
            Health::Progressing => "progressing",
            Health::Unknown => "unknown",
            Health::Degraded => "degraded",
            Health::Failed => "failed",
        }
    }

    /// A compact glyph for dense cells (region matrix); colour carries the rest.
    pub fn glyph(self) -> &'static str {
        match self {
            Health::Healthy => "●",
            Health::Suspended => "‖",
            Health::Progressing => "◐",
            Health::Unknown => "?",
            Health::Degraded => "▲",
            Health::Failed => "✖",
        }
    }

    pub fn severity(self) -> u8 {
        self as u8
    }
}

impl std::fmt::Display for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A health state with its one-line reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub health: Health,
    pub reason: String,
}

impl Assessment {
    pub fn new(health: Health, reason: impl Into<String>) -> Self {
        Assessment {
            health,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_is_worst_and_healthy_is_best() {
        assert_eq!(Health::ALL.iter().max(), Some(&Health::Failed));
        assert_eq!(Health::ALL.iter().min(), Some(&Health::Healthy));
        assert!(Health::Degraded > Health::Progressing);
        assert!(Health::Suspended < Health::Unknown);
    }
}
