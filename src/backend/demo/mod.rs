//! The demo backend: an embedded simulated fleet built from the seeds, on a clock that can be
//! sped up, sending `Update`s over the same channel as the real backends; and the demo world
//! behind the runbook ports (`world.rs`, `ports/`), which starts from the same seed and sends
//! its changes over the same channel. The only home of simulated state.

mod aws;
pub mod incidents;
mod inspect;
mod logs;
mod memory_git;
pub mod objects;
mod ports;
mod rehearsal;
pub mod scale;
pub mod seed;
pub mod workloads;
mod world;
mod writes;

pub use inspect::DemoInspector;
pub use memory_git::{MemoryGit, template_repo};
pub use rehearsal::rehearsal_ports;
pub use world::{ACCOUNT_ID, DemoWorld, INGRESS};
pub use writes::{DemoActions, Overrides};

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::task::JoinHandle;

use crate::clock::{Clock, SimClock};
use crate::model::{Health, Row, RowId};
use crate::store::{SourceStatus, Update, UpdateSender};
use incidents::Incidents;
use seed::Builder;

#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// 1 is the seed fleet; N adds N-1 synthetic clusters of 2,000 Flux objects.
    pub scale: u32,
    /// Simulated seconds per real second.
    pub speed: f64,
    /// Real delay between two sources connecting, so the screen fills in as it would live.
    pub connect_stagger: Duration,
    /// Whether the events already there are put on the timeline when the sources connect, as
    /// an event watch lists them: not when the timeline kept from the last run has them.
    pub list_events: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            scale: 1,
            speed: 1.0,
            connect_stagger: Duration::from_millis(60),
            list_events: true,
        }
    }
}

/// Every source name of the demo fleet at this scale.
pub fn source_names(scale: u32) -> Vec<String> {
    let mut v: Vec<String> = seed::KUBE_CONTEXTS.iter().map(|s| s.to_string()).collect();
    v.extend(
        seed::AWS_REGIONS
            .iter()
            .map(|(a, r)| seed::aws_source(a, r)),
    );
    v.extend(scale::contexts(scale));
    v.extend(
        scale::used_regions(scale)
            .into_iter()
            .map(|r| seed::aws_source("scale", r)),
    );
    v
}

/// The seed fleet's rows at `elapsed_s` simulated seconds after `origin`.
pub fn seed_rows(origin: Timestamp, elapsed_s: f64) -> Vec<Row> {
    let inc = Incidents::at(elapsed_s);
    let now = origin
        .checked_add(jiff::SignedDuration::from_secs_f64(elapsed_s))
        .unwrap_or(origin);
    let mut b = Builder::new(origin, now, &inc);
    seed::build(&mut b);
    b.rows
}

/// The synthetic clusters' rows (`--scale`); they carry no incidents of their own over time.
pub fn scale_rows(origin: Timestamp, scale: u32) -> Vec<Row> {
    let inc = Incidents::at(0.0);
    let mut b = Builder::new(origin, origin, &inc);
    let contexts = scale::contexts(scale);
    for (i, ctx) in contexts.iter().enumerate() {
        scale::cluster(&mut b, i + 2, ctx);
    }
    scale::regions(&mut b, scale);
    b.rows
}

/// The whole demo fleet at start, as the updates a backend would send: for tests and benches
/// that want a filled store without running the task.
pub fn initial_updates(origin: Timestamp, scale: u32) -> Vec<Update> {
    initial_updates_at(origin, scale, 0.0)
}

/// `initial_updates` at `elapsed_s` simulated seconds into the incidents.
pub fn initial_updates_at(origin: Timestamp, scale: u32, elapsed_s: f64) -> Vec<Update> {
    let mut v: Vec<Update> = source_names(scale)
        .into_iter()
        .map(|name| Update::Source {
            name,
            status: SourceStatus::Connected,
            at: origin,
        })
        .collect();
    v.extend(
        seed_rows(origin, elapsed_s)
            .into_iter()
            .chain(scale_rows(origin, scale))
            .map(Update::upsert),
    );
    v
}

/// Incidents touch a region's alarms only: the routing layer stays as a runbook left it.
fn alarms_only(mut row: Row) -> Row {
    if let crate::model::Facts::Region(r) = &mut row.facts {
        r.reported = crate::model::kinds::region::Reported::ALARMS;
    }
    row
}

fn source_status(name: &str, inc: &Incidents) -> SourceStatus {
    if name == seed::VPN_CONTEXT && inc.vpn_down {
        SourceStatus::Stale {
            reason: "watch connection timed out after 30s (VPN down?)".into(),
        }
    } else {
        SourceStatus::Connected
    }
}

/// Starts the simulation. Sources connect one after another, then incidents come and go.
pub fn spawn(opts: DemoOptions, clock: Arc<SimClock>, tx: UpdateSender) -> JoinHandle<()> {
    spawn_writable(opts, clock, tx).0
}

/// `spawn`, and the actions that carry out the TUI's writes on the simulated fleet.
pub fn spawn_writable(
    opts: DemoOptions,
    clock: Arc<SimClock>,
    tx: UpdateSender,
) -> (JoinHandle<()>, DemoActions) {
    let (origin, scale) = (clock.origin(), opts.scale);
    let overrides = Arc::new(Overrides::new(Box::new(move |id: &RowId| {
        scale_rows(origin, scale).into_iter().find(|r| &r.id == id)
    })));
    let actions = DemoActions::new(overrides.clone(), tx.clone(), clock.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = run(opts, clock, tx, overrides).await {
            tracing::debug!("demo backend stopped: {e}");
        }
    });
    (task, actions)
}

async fn run(
    opts: DemoOptions,
    clock: Arc<SimClock>,
    tx: UpdateSender,
    overrides: Arc<Overrides>,
) -> Result<(), &'static str> {
    let origin = clock.origin();
    // Where the incidents stand when the sources connect: 0, or later with `--at`. The clock's
    // start, not its reading now: a task scheduled late (a fast test clock) still starts there.
    let start = clock.offset_s();
    let names = source_names(opts.scale);
    let closed = |_| "the store went away";
    tx.send(
        names
            .iter()
            .map(|n| Update::Source {
                name: n.clone(),
                status: SourceStatus::Connecting,
                at: clock.now(),
            })
            .collect(),
    )
    .await
    .map_err(closed)?;

    // Fill source by source, the way independent watches would answer. The seed's rows change
    // with the incidents: kept as sent, to send only what changed; the scale's are not.
    let mut by_source: HashMap<Arc<str>, Vec<Row>> = HashMap::new();
    for r in seed_rows(origin, start) {
        let r = overrides.apply(r, clock.now());
        by_source.entry(r.source.clone()).or_default().push(r);
    }
    for r in scale_rows(origin, opts.scale) {
        let r = overrides.apply_preview(r, clock.now());
        by_source.entry(r.source.clone()).or_default().push(r);
    }
    // The events an event watch lists on connecting: those of what is already in trouble.
    let troubled: Vec<RowId> = by_source
        .values()
        .flatten()
        .filter(|r| r.health != Health::Healthy)
        .map(|r| r.id.clone())
        .collect();
    let listed = if opts.list_events {
        inspect::timeline_events(origin, start, &troubled)
    } else {
        Vec::new()
    };
    let mut events_seen: HashSet<String> = HashSet::new();
    let mut inc = Incidents::at(start);
    for name in &names {
        tokio::time::sleep(opts.connect_stagger).await;
        let mut batch: Vec<Update> = by_source
            .remove(name.as_str())
            .unwrap_or_default()
            .into_iter()
            .map(Update::upsert)
            .collect();
        batch.push(Update::Source {
            name: name.clone(),
            status: source_status(name, &inc),
            at: clock.now(),
        });
        for (key, change) in &listed {
            if &*change.source == name.as_str() && events_seen.insert(key.clone()) {
                batch.push(Update::Happened(Box::new(change.clone())));
            }
        }
        tx.send(batch).await.map_err(closed)?;
    }

    // Then the incidents' timeline; only what changed is sent, with the events of what changed
    // (each once an incident cycle, as an event watch records it once).
    let mut cycle = 0;
    loop {
        let elapsed = clock.elapsed_s();
        let next = Incidents::next_change(elapsed);
        let at = origin
            .checked_add(jiff::SignedDuration::from_secs_f64(next))
            .unwrap_or(origin);
        tokio::time::sleep(clock.until(at)).await;
        let now_inc = Incidents::at(next);
        let mut batch = Vec::new();
        let mut changed = Vec::new();
        for row in seed_rows(origin, next) {
            // What the TUI's writes changed stays changed.
            let row = overrides.apply_preview(row, at);
            if overrides.differs(&row) {
                overrides.record(&row);
                changed.push(row.id.clone());
                batch.push(Update::upsert(alarms_only(row)));
            }
        }
        if (next / f64::from(incidents::PERIOD)) as u64 != cycle {
            cycle = (next / f64::from(incidents::PERIOD)) as u64;
            events_seen.clear();
        }
        for (key, change) in inspect::timeline_events(origin, next, &changed) {
            if events_seen.insert(key) {
                batch.push(Update::Happened(Box::new(change)));
            }
        }
        for name in &names {
            let (before, after) = (source_status(name, &inc), source_status(name, &now_inc));
            if before != after {
                batch.push(Update::Source {
                    name: name.clone(),
                    status: after,
                    at,
                });
            }
        }
        inc = now_inc;
        if !batch.is_empty() {
            tx.send(batch).await.map_err(closed)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Health, Kind};
    use crate::store::Fleet;

    fn origin() -> Timestamp {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    fn fleet_at(elapsed: f64) -> Fleet {
        let mut f = Fleet::new("demo");
        f.apply(initial_updates(origin(), 1));
        f.apply(seed_rows(origin(), elapsed).into_iter().map(Update::upsert));
        f
    }

    fn health(f: &Fleet, kind: Kind, name: &str, ns: Option<&str>) -> Health {
        f.rows_of(kind)
            .find(|r| r.id.name == name && ns.is_none_or(|n| r.id.scope.namespace() == n))
            .unwrap_or_else(|| panic!("{kind} {name} missing"))
            .health
    }

    #[test]
    fn every_row_comes_from_a_listed_source() {
        let names = source_names(5);
        let rows = seed_rows(origin(), 0.0)
            .into_iter()
            .chain(scale_rows(origin(), 5));
        for r in rows {
            assert!(
                names.iter().any(|n| **n == *r.source),
                "{} comes from unlisted {}",
                r.id.name,
                r.source
            );
        }
    }

    #[test]
    fn the_seed_fleet_has_every_kind() {
        let f = fleet_at(0.0);
        for k in Kind::ALL {
            assert!(f.count(k) > 0, "no {k} rows");
        }
        assert_eq!(f.count(Kind::Organization), 5);
        assert_eq!(f.count(Kind::EcsService), 8);
    }

    #[test]
    fn incidents_show_with_the_right_health_at_start() {
        let f = fleet_at(0.0);
        assert_eq!(
            health(&f, Kind::HelmRelease, "hyperfy2-world", Some("numen-games")),
            Health::Failed
        );
        assert_eq!(
            health(&f, Kind::Certificate, "r3s3t-tls", None),
            Health::Degraded
        );
        assert_eq!(
            health(&f, Kind::Kustomization, "art-unchained-pre", None),
            Health::Suspended
        );
        let ecs = f
            .rows_of(Kind::EcsService)
            .find(|r| r.id.name == "functions" && r.id.scope.context() == "phenom-prod-cluster")
            .unwrap();
        assert_eq!(ecs.health, Health::Degraded);
        let sae1 = f
            .rows_of(Kind::Region)
            .find(|r| r.id.name == "sa-east-1")
            .unwrap();
        assert_eq!(sae1.health, Health::Degraded);
        let phenom = f
            .rows_of(Kind::Region)
            .find(|r| r.id.scope.account() == "phenom")
            .unwrap();
        assert_eq!(
            phenom.health,
            Health::Degraded,
            "the 1/2 ECS service degrades its region"
        );
        assert!(phenom.reason.contains("functions"));
        let numen = f
            .rows_of(Kind::Organization)
            .find(|r| r.id.name == "numen-games")
            .unwrap();
        assert_eq!(numen.health, Health::Failed);
        let r3 = f
            .rows_of(Kind::Organization)
            .find(|r| r.id.name == "r3s3t")
            .unwrap();
        assert_eq!(r3.health, Health::Degraded);
    }

    #[test]
    fn incidents_resolve_later_in_the_cycle() {
        let f = fleet_at(400.0);
        assert_eq!(
            health(&f, Kind::HelmRelease, "hyperfy2-world", Some("numen-games")),
            Health::Healthy
        );
        let phenom = f
            .rows_of(Kind::Region)
            .find(|r| r.id.scope.account() == "phenom")
            .unwrap();
        assert_eq!(phenom.health, Health::Healthy);
        let f = fleet_at(200.0);
        assert_eq!(
            health(&f, Kind::HelmRelease, "hyperfy2-world", Some("numen-games")),
            Health::Degraded
        );
    }

    #[tokio::test]
    async fn the_task_connects_every_source_and_follows_the_timeline() {
        let (tx, mut rx) = crate::store::channel();
        // 600x: the VPN drop at t=90 s comes 150 ms after start.
        let clock = Arc::new(SimClock::new(origin(), 600.0));
        let opts = DemoOptions {
            connect_stagger: Duration::ZERO,
            ..DemoOptions::default()
        };
        let task = spawn(opts, clock, tx);
        let mut f = Fleet::new("demo");
        let mut saw_stale = false;
        while !saw_stale {
            let batch = tokio::time::timeout(Duration::from_secs(20), rx.recv())
                .await
                .expect("updates flow")
                .unwrap();
            f.apply(batch);
            saw_stale = f
                .source(seed::VPN_CONTEXT)
                .is_some_and(|s| s.status.is_stale());
        }
        assert!(
            f.sources()
                .filter(|s| s.name != seed::VPN_CONTEXT)
                .all(|s| s.status == SourceStatus::Connected)
        );
        assert_eq!(f.count(Kind::Organization), 5);
        task.abort();
    }

    /// The demo's timeline carries the events an event watch would: those listed on connecting
    /// (the pod backing off: no row, the pod is named), then the failing upgrade's Warning on
    /// its release, the rollback and the retry as Flux tells them, each once, in time order.
    #[tokio::test]
    async fn the_incidents_bring_their_events_to_the_timeline_once_each() {
        let (tx, mut rx) = crate::store::channel();
        let clock = Arc::new(SimClock::new(origin(), 1200.0));
        let opts = DemoOptions {
            connect_stagger: Duration::ZERO,
            ..DemoOptions::default()
        };
        let task = spawn(opts, clock.clone(), tx);
        let mut f = Fleet::new("demo");
        while clock.elapsed_s() < f64::from(incidents::PERIOD) - 1.0 {
            if let Ok(Some(batch)) =
                tokio::time::timeout(Duration::from_millis(200), rx.recv()).await
            {
                f.apply(batch);
            }
        }
        task.abort();
        // The first half of the cycle: the failure, its rollback, the retry and the fix (the
        // loop above may run into the next cycle, whose failure comes again, a little before
        // it begins).
        let end = origin() + jiff::SignedDuration::from_secs(i64::from(incidents::PERIOD / 2));
        let events: Vec<String> = f
            .timeline()
            .newest_first()
            .filter(|c| c.at < end)
            .filter(|c| c.note.starts_with("Warning ") || c.note.starts_with("Normal "))
            .map(|c| format!("{} {}: {}", c.label().0, c.label().1, c.note))
            .collect();
        let has = |prefix: &str| events.iter().filter(|e| e.starts_with(prefix)).count();
        assert_eq!(
            has("hr numen-games/hyperfy2-world: Warning UpgradeFailed"),
            1,
            "{events:#?}"
        );
        assert_eq!(has("pod numen-games/hyperfy2-world-"), 1, "{events:#?}");
        assert_eq!(
            has("hr numen-games/hyperfy2-world: Normal RollbackSucceeded"),
            1,
            "{events:#?}"
        );
        let times: Vec<_> = f.timeline().newest_first().map(|c| c.at).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "time order");
    }
}
