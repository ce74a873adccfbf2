//! Time as the fleet sees it: the wall clock for real backends, a sped-up simulated clock for the
//! demo. Ages, staleness and certificate expiry are all measured against it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
    /// Real time until the clock reads `t` (zero when already past).
    fn until(&self, t: Timestamp) -> Duration;
}

pub type SharedClock = Arc<dyn Clock>;

/// Now, without the sub-second part (simulations start on a whole second: tidier output).
pub fn whole_second_now() -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second()).unwrap_or_else(|_| Timestamp::now())
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
    fn until(&self, t: Timestamp) -> Duration {
        Duration::try_from(t - Timestamp::now()).unwrap_or(Duration::ZERO)
    }
}

/// Simulated time: starts at `origin` and runs `speed` times faster than the wall clock.
pub struct SimClock {
    origin: Timestamp,
    started: Instant,
    speed: f64,
    /// Simulated seconds already gone by at the start (`--at`).
    offset_s: f64,
}

impl SimClock {
    pub fn new(origin: Timestamp, speed: f64) -> SimClock {
        SimClock::starting_at(origin, speed, 0.0)
    }

    /// A clock `offset_s` simulated seconds past `origin` from the start: the demo's world
    /// later in its incident cycle (`snapshot --demo --at 7m`).
    pub fn starting_at(origin: Timestamp, speed: f64, offset_s: f64) -> SimClock {
        SimClock {
            origin,
            started: Instant::now(),
            speed: speed.max(0.001),
            offset_s: offset_s.max(0.0),
        }
    }

    pub fn origin(&self) -> Timestamp {
        self.origin
    }

    /// The simulated seconds already gone by at the start (`starting_at`).
    pub fn offset_s(&self) -> f64 {
        self.offset_s
    }

    /// Simulated seconds since the origin.
    pub fn elapsed_s(&self) -> f64 {
        self.offset_s + self.started.elapsed().as_secs_f64() * self.speed
    }
}

impl Clock for SimClock {
    fn now(&self) -> Timestamp {
        let nanos = (self.elapsed_s() * 1e9) as i64;
        self.origin
            .checked_add(jiff::SignedDuration::from_nanos(nanos))
            .unwrap_or(self.origin)
    }
    fn until(&self, t: Timestamp) -> Duration {
        let sim = (t.as_nanosecond() - self.now().as_nanosecond()) as f64 / 1e9;
        Duration::from_secs_f64((sim / self.speed).max(0.0))
    }
}

/// A clock that reads a time it is told: for tests and renders that must be reproducible.
pub struct FixedClock(pub std::sync::Mutex<Timestamp>);

impl FixedClock {
    pub fn new(t: Timestamp) -> FixedClock {
        FixedClock(std::sync::Mutex::new(t))
    }

    pub fn set(&self, t: Timestamp) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn until(&self, t: Timestamp) -> Duration {
        Duration::try_from(t - self.now()).unwrap_or(Duration::ZERO)
    }
}

/// A clock that stands still until someone waits, then jumps to the time waited for: a demo
/// runbook at full speed, and tests whose waits must not depend on the machine's load.
pub struct JumpClock(std::sync::Mutex<Timestamp>);

impl JumpClock {
    pub fn new(t: Timestamp) -> JumpClock {
        JumpClock(std::sync::Mutex::new(t))
    }
}

impl Clock for JumpClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn until(&self, t: Timestamp) -> Duration {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now = (*now).max(t);
        Duration::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_clock_runs_fast_and_converts_back_to_real_time() {
        let origin: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        let c = SimClock::new(origin, 1000.0);
        assert!(c.now() >= origin);
        let in_an_hour = origin
            .checked_add(jiff::SignedDuration::from_secs(3600))
            .unwrap();
        let real = c.until(in_an_hour);
        assert!(real <= Duration::from_secs_f64(3.6), "{real:?}");
        assert!(real > Duration::from_secs_f64(3.0), "{real:?}");
    }
}
