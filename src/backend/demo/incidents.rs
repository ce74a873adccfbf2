//! The demo's incidents: a timeline that repeats every `PERIOD` simulated seconds, so on-call
//! scenarios come and go while the demo runs. At t = 0 every incident but one is active, so a
//! snapshot taken at start shows them; the Argo CD rollout of seed 003 comes after the calm
//! (a merge leaves `checkout-api` OutOfSync, its sync rolls out a revision that degrades, and
//! Argo CD syncs back to the last good one); then phenom's `graphql` runs 2/2 tasks that all
//! fail the ALB's health check (seed 004's "running but down"), and FORGE's Redis evicts keys
//! under memory pressure (seed 002).

/// Simulated seconds per cycle.
pub const PERIOD: u32 = 600;
/// Offsets within a cycle at which something changes.
pub const TRANSITIONS: [u32; 12] = [0, 90, 150, 240, 270, 300, 360, 390, 420, 480, 510, 570];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpgradePhase {
    /// `Ready=False, UpgradeFailed`.
    Failing,
    /// Rolled back: `Remediated=True`, Ready still False.
    Remediated,
    /// Flux retries the upgrade: `Reconciling=True`.
    Retrying,
    /// `Ready=True, UpgradeSucceeded` on the new chart version.
    Upgraded,
}

/// Seed 003's `checkout-api` Argo CD Application on eks-prod-use1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgoPhase {
    /// Synced and Healthy on the good revision.
    InSync,
    /// A merge to the GitOps repository: OutOfSync until auto-sync catches up.
    OutOfSync,
    /// Synced to the new revision, whose Deployment never becomes ready: Degraded.
    Degraded,
}

/// Which incidents are active at a moment, and since when (offset within the cycle).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Incidents {
    pub cycle: u32,
    pub upgrade: UpgradePhase,
    pub upgrade_since: u32,
    /// phenom-prod `functions` runs 1 of 2 tasks.
    pub ecs_short: bool,
    pub ecs_since: u32,
    /// An alarm fires in sa-east-1.
    pub alarm_firing: bool,
    pub alarm_since: u32,
    /// The VPN to eks-prod-sae1 drops: its source goes stale.
    pub vpn_down: bool,
    pub vpn_since: u32,
    pub argo: ArgoPhase,
    pub argo_since: u32,
    /// phenom-prod `graphql`'s targets fail the ALB's health check (502) while its tasks run.
    pub targets_failing: bool,
    pub targets_since: u32,
    /// FORGE's Redis is out of memory and evicts keys.
    pub redis_evicting: bool,
    pub redis_since: u32,
}

impl Incidents {
    pub fn at(elapsed_s: f64) -> Incidents {
        let t = elapsed_s.max(0.0) as u64;
        let cycle = (t / PERIOD as u64) as u32;
        let o = (t % PERIOD as u64) as u32;
        let (upgrade, upgrade_since) = match o {
            0..150 => (UpgradePhase::Failing, 0),
            150..240 => (UpgradePhase::Remediated, 150),
            240..270 => (UpgradePhase::Retrying, 240),
            _ => (UpgradePhase::Upgraded, 270),
        };
        Incidents {
            cycle,
            upgrade,
            upgrade_since,
            ecs_short: o < 240,
            ecs_since: if o < 240 { 0 } else { 240 },
            alarm_firing: o < 300,
            alarm_since: if o < 300 { 0 } else { 300 },
            vpn_down: (90..150).contains(&o),
            vpn_since: match o {
                0..90 => 0,
                90..150 => 90,
                _ => 150,
            },
            argo: match o {
                360..390 => ArgoPhase::OutOfSync,
                390..480 => ArgoPhase::Degraded,
                _ => ArgoPhase::InSync,
            },
            argo_since: match o {
                0..360 => 0,
                360..390 => 360,
                390..480 => 390,
                _ => 480,
            },
            targets_failing: (420..510).contains(&o),
            targets_since: match o {
                0..420 => 0,
                420..510 => 420,
                _ => 510,
            },
            redis_evicting: (510..570).contains(&o),
            redis_since: match o {
                0..510 => 0,
                510..570 => 510,
                _ => 570,
            },
        }
    }

    /// Simulated seconds of the next change strictly after `elapsed_s`.
    pub fn next_change(elapsed_s: f64) -> f64 {
        let t = elapsed_s.max(0.0);
        let cycle = (t / PERIOD as f64).floor();
        let o = t - cycle * PERIOD as f64;
        match TRANSITIONS.iter().find(|x| **x as f64 > o) {
            Some(x) => cycle * PERIOD as f64 + *x as f64,
            None => (cycle + 1.0) * PERIOD as f64,
        }
    }

    /// Simulated seconds since the origin of an offset within this cycle.
    pub fn absolute(&self, offset: u32) -> i64 {
        self.cycle as i64 * PERIOD as i64 + offset as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_incident_is_active_at_start() {
        let i = Incidents::at(0.0);
        assert_eq!(i.upgrade, UpgradePhase::Failing);
        assert!(i.ecs_short && i.alarm_firing && !i.vpn_down);
        assert!(
            !i.targets_failing && !i.redis_evicting,
            "they come after the calm"
        );
        assert_eq!(
            i.argo,
            ArgoPhase::InSync,
            "the rollout comes after the calm"
        );
    }

    #[test]
    fn incidents_come_and_go_and_come_back() {
        assert!(Incidents::at(100.0).vpn_down);
        assert_eq!(Incidents::at(200.0).upgrade, UpgradePhase::Remediated);
        assert_eq!(Incidents::at(250.0).upgrade, UpgradePhase::Retrying);
        let calm = Incidents::at(330.0);
        assert_eq!(calm.upgrade, UpgradePhase::Upgraded);
        assert!(!calm.ecs_short && !calm.alarm_firing && !calm.vpn_down);
        assert_eq!(calm.argo, ArgoPhase::InSync);
        assert_eq!(Incidents::at(370.0).argo, ArgoPhase::OutOfSync);
        assert_eq!(Incidents::at(400.0).argo, ArgoPhase::Degraded);
        assert_eq!(Incidents::at(500.0).argo, ArgoPhase::InSync);
        assert!(Incidents::at(430.0).targets_failing && !Incidents::at(520.0).targets_failing);
        assert!(Incidents::at(520.0).redis_evicting && !Incidents::at(580.0).redis_evicting);
        let again = Incidents::at(PERIOD as f64 + 1.0);
        assert_eq!(again.upgrade, UpgradePhase::Failing);
        assert_eq!(again.cycle, 1);
    }

    #[test]
    fn next_change_walks_the_transitions() {
        assert_eq!(Incidents::next_change(0.0), 90.0);
        assert_eq!(Incidents::next_change(90.0), 150.0);
        assert_eq!(Incidents::next_change(301.0), 360.0);
        assert_eq!(Incidents::next_change(481.0), 510.0);
        assert_eq!(Incidents::next_change(571.0), 600.0);
        assert_eq!(Incidents::next_change(600.0), 690.0);
    }
}
