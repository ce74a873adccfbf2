//! The demo fleet carrying out the TUI's write actions, so `opsdeck demo --write` shows the
//! confirmation and the outcome as a real fleet would: suspend and resume flip `spec.suspend`;
//! reconcile answers as the controller does (the failing upgrade fails again, a suspended
//! object is refused); renew re-issues a certificate unless its HTTP-01 challenge cannot pass;
//! an ECS redeploy or scale rolls out, `IN_PROGRESS` then `COMPLETED`; an Argo CD refresh
//! answers the app's state, a sync runs the revision Git names (the health stays the
//! incident's: a sync does not unstick a Deployment). Each takes a moment, as
//! the controllers do.
//!
//! What a write changed is kept in `Overrides`, which the demo loop applies to every row it
//! sends: the next incident tick does not undo it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::clock::{Clock, SimClock};
use crate::model::{Condition, Facts, Kind, Row, RowId};
use crate::row_actions::{ActionFuture, ActionRunner, RowAction};
use crate::store::{Update, UpdateSender};

/// How long the demo's controllers take to answer (real time).
const ANSWER: Duration = Duration::from_millis(900);

/// What the writes changed, by row.
#[derive(Clone, Debug, PartialEq)]
enum Change {
    Suspended(bool),
    Renewed {
        not_after: Timestamp,
    },
    Ecs {
        desired: u32,
        rollout: &'static str,
    },
    /// An Argo CD sync of `revision` that succeeded at `at`: the app runs it while Git still
    /// names it (a later commit makes it OutOfSync again).
    ArgoSynced {
        revision: Option<String>,
        at: Timestamp,
    },
}

/// What a row not kept by `Overrides` is, made again from the demo's generators.
pub type Regenerate = Box<dyn Fn(&RowId) -> Option<Row> + Send + Sync>;

/// The rows that change on their own as the demo last sent them, and what writes changed:
/// shared by the demo loop and the actions. The scale's rows never change on their own; kept
/// here they would double the fleet's memory (at 40,000 rows, more than the store's own copy),
/// so an action on one makes it again (`regenerate`).
#[derive(Default)]
pub struct Overrides {
    changes: Mutex<HashMap<RowId, Change>>,
    current: Mutex<HashMap<RowId, Row>>,
    regenerate: Option<Regenerate>,
}

impl Overrides {
    pub fn new(regenerate: Regenerate) -> Overrides {
        Overrides {
            regenerate: Some(regenerate),
            ..Overrides::default()
        }
    }

    /// `row` with what writes changed of it applied; remembered as the one sent.
    pub fn apply(&self, row: Row, now: Timestamp) -> Row {
        let row = self.apply_preview(row, now);
        self.record(&row);
        row
    }

    /// Remembers `row` (already with its changes) as the one sent.
    pub fn record(&self, row: &Row) {
        self.current
            .lock()
            .unwrap()
            .insert(row.id.clone(), row.clone());
    }

    /// `row` with what writes changed of it applied, not yet sent.
    pub fn apply_preview(&self, row: Row, now: Timestamp) -> Row {
        let change = self.changes.lock().unwrap().get(&row.id).cloned();
        match change {
            Some(c) => changed(row, &c, now),
            None => row,
        }
    }

    /// Whether `row` differs from the one last sent for its id.
    pub fn differs(&self, row: &Row) -> bool {
        self.current
            .lock()
            .unwrap()
            .get(&row.id)
            .is_none_or(|old| !old.same_content(row))
    }

    fn set(&self, id: &RowId, change: Change) {
        self.changes.lock().unwrap().insert(id.clone(), change);
    }

    /// The row as last sent: kept, or made again with the writes' changes applied.
    fn current(&self, id: &RowId, now: Timestamp) -> Option<Row> {
        if let Some(row) = self.current.lock().unwrap().get(id).cloned() {
            return Some(row);
        }
        let row = self.regenerate.as_ref()?(id)?;
        Some(self.apply_preview(row, now))
    }
}

/// `row` as `change` leaves it: its facts and conditions, then its health again.
fn changed(row: Row, change: &Change, now: Timestamp) -> Row {
    let Row {
        id,
        source,
        mut facts,
        mut conditions,
        ..
    } = row;
    match (&mut facts, change) {
        (Facts::Kustomization(k), Change::Suspended(s)) => k.suspended = *s,
        (Facts::HelmRelease(h), Change::Suspended(s)) => h.suspended = *s,
        (Facts::FluxSource(f), Change::Suspended(s)) => f.suspended = *s,
        (Facts::Certificate(c), Change::Renewed { not_after }) => {
            c.not_after = Some(*not_after);
            c.renewal_time = Some(*not_after - SignedDuration::from_hours(30 * 24));
            conditions.retain(|c| c.kind != "Ready" && c.kind != "Issuing");
            conditions.push(Condition::new(
                "Ready",
                "True",
                "Ready",
                "Certificate is up to date and has not expired",
            ));
        }
        (Facts::ArgoApplication(a), Change::ArgoSynced { revision, at })
            if a.revision == *revision =>
        {
            a.sync = "Synced".into();
            a.deployed_revision = revision.clone();
            a.operation = Some(crate::model::kinds::argo_application::Operation {
                phase: "Succeeded".into(),
                message: "successfully synced (all tasks run)".into(),
                started_at: Some(at.to_string()),
                finished_at: Some(at.to_string()),
            });
            for r in &mut a.resources {
                r.sync = "Synced".into();
            }
        }
        (Facts::EcsService(s), Change::Ecs { desired, rollout }) => {
            s.desired = *desired;
            s.rollout = Some(rollout.to_string());
            if *rollout == "COMPLETED" {
                s.running = *desired;
                s.pending = 0;
                s.failed_tasks = 0;
            }
        }
        _ => {}
    }
    Row::new(id, source, facts, conditions, now)
}

/// The `ActionRunner` of the demo TUI.
pub struct DemoActions {
    overrides: Arc<Overrides>,
    tx: UpdateSender,
    clock: Arc<SimClock>,
    /// Where each write is recorded, as the demo's runbook steps are: marked as the demo world.
    audit: Option<std::path::PathBuf>,
}

impl DemoActions {
    pub fn new(overrides: Arc<Overrides>, tx: UpdateSender, clock: Arc<SimClock>) -> DemoActions {
        DemoActions {
            overrides,
            tx,
            clock,
            audit: crate::audit::path(),
        }
    }

    /// Records to `log` instead of the user's audit log (tests).
    pub fn audited(mut self, log: Option<std::path::PathBuf>) -> DemoActions {
        self.audit = log;
        self
    }
}

/// What the row is, in a message or an audit line: its API kind ("HelmRelease"), "ECS
/// service" as the real ECS writes say it.
fn noun(row: &Row) -> &str {
    match row.kind() {
        Kind::EcsService => "ECS service",
        _ => row.facts.api_kind().unwrap_or(row.kind().title()),
    }
}

/// The audit line of a write on the demo fleet: the kube (or ECS) object, and the demo world.
fn audit_entry(
    action: RowAction,
    row: &Row,
    outcome: crate::audit::Outcome,
) -> crate::audit::Entry {
    let s = &row.id.scope;
    let verb = match action {
        RowAction::Scale(n) => format!("scale to {n}"),
        other => other.verb().to_string(),
    };
    let kind = noun(row);
    crate::audit::Entry {
        world: Some(crate::runbook::journal::World::Demo { repo: None }),
        ..crate::audit::Entry::kube(
            &verb,
            kind,
            s.namespace(),
            &row.id.name,
            s.context.as_deref(),
            outcome,
        )
    }
}

impl ActionRunner for DemoActions {
    fn run(&self, action: RowAction, id: &RowId, _facts: &Facts) -> ActionFuture {
        let (overrides, tx, clock) = (self.overrides.clone(), self.tx.clone(), self.clock.clone());
        let audit = self.audit.clone();
        let id = id.clone();
        Box::pin(async move {
            let row = overrides
                .current(&id, clock.now())
                .ok_or_else(|| format!("{} not found", id.display_name()))?;
            // Recorded before it is carried out, as a real write is; its outcome after.
            let pending = crate::audit::begin(
                audit.as_deref(),
                audit_entry(action, &row, crate::audit::Outcome::Started),
            )?;
            let result = carry_out(action, row, &overrides, &tx, &clock).await;
            pending.finish(match &result {
                Ok(_) => crate::audit::Outcome::Ok,
                Err(e) => crate::audit::Outcome::failed(e),
            });
            result
        })
    }
}

/// What the demo's controllers do with `action` on `row`, and what they answer.
async fn carry_out(
    action: RowAction,
    row: Row,
    overrides: &Overrides,
    tx: &UpdateSender,
    clock: &SimClock,
) -> Result<String, String> {
    let id = row.id.clone();
    // Where, as the kube writes say it: the same app runs in several clusters.
    let what = match id.scope.context() {
        "" => format!("{} {}", noun(&row), id.display_name()),
        ctx => format!("{} {} on {ctx}", noun(&row), id.display_name()),
    };
    let send = |change: Change| {
        overrides.set(&id, change);
        let row = overrides.apply(row.clone(), clock.now());
        let tx = tx.clone();
        async move {
            let _ = tx.send(vec![Update::upsert(row)]).await;
        }
    };
    tokio::time::sleep(ANSWER).await;
    match action {
        RowAction::Suspend | RowAction::Resume => {
            let suspend = action == RowAction::Suspend;
            send(Change::Suspended(suspend)).await;
            Ok(format!(
                "{what} {}",
                if suspend { "suspended" } else { "resumed" }
            ))
        }
        RowAction::Reconcile => reconciled(&row, &what),
        RowAction::ArgoRefresh | RowAction::Sync => {
            let Facts::ArgoApplication(a) = &row.facts else {
                return Err(format!("{what} is not an Argo CD Application"));
            };
            if action == RowAction::Sync {
                send(Change::ArgoSynced {
                    revision: a.revision.clone(),
                    at: clock.now(),
                })
                .await;
                let Some(Row {
                    facts: Facts::ArgoApplication(a),
                    ..
                }) = overrides.current(&id, clock.now())
                else {
                    return Err(format!("{what} is gone"));
                };
                let rev = a.revision.as_deref().unwrap_or("HEAD");
                return Ok(format!(
                    "{what}: sync Succeeded to {}: successfully synced (all tasks run); now {}",
                    crate::model::kinds::argo_application::short_revision(rev),
                    a.sync,
                ));
            }
            Ok(format!("{what} refreshed: {}, {}", a.sync, a.argo_health))
        }
        RowAction::Renew => {
            let Facts::Certificate(c) = &row.facts else {
                return Err(format!("{what} is not a certificate"));
            };
            if c.days_left(clock.now()).is_some_and(|d| d < 14) {
                // The chain's challenge cannot pass: the renewal waits on it again.
                let apex = c.dns_names.first().cloned().unwrap_or_default();
                return Err(format!(
                    "{what}: issuance started, but the HTTP-01 challenge for {apex} fails its self check (connection refused): does {apex} point at the ingress?"
                ));
            }
            let not_after = clock.now() + SignedDuration::from_hours(90 * 24);
            send(Change::Renewed { not_after }).await;
            Ok(format!(
                "{what} renewed: valid until {}",
                not_after.strftime("%Y-%m-%d")
            ))
        }
        RowAction::Redeploy | RowAction::Scale(_) => {
            let Facts::EcsService(s) = &row.facts else {
                return Err(format!("{what} is not an ECS service"));
            };
            let desired = match action {
                RowAction::Scale(n) => n,
                _ => s.desired,
            };
            send(Change::Ecs {
                desired,
                rollout: "IN_PROGRESS",
            })
            .await;
            tokio::time::sleep(ANSWER * 3).await;
            send(Change::Ecs {
                desired,
                rollout: "COMPLETED",
            })
            .await;
            Ok(format!(
                "{what}: {} → {desired} task{}, rollout completed",
                s.desired,
                if desired == 1 { "" } else { "s" }
            ))
        }
    }
}

/// What the controller answers to a reconcile request: the object's Ready condition after it,
/// which the demo's incidents decide (the failing upgrade fails again).
fn reconciled(row: &Row, what: &str) -> Result<String, String> {
    if row.facts.suspended() == Some(true) {
        return Err(format!("{what} is suspended: resume it first"));
    }
    let ready = crate::model::condition::find(&row.conditions, "Ready");
    match ready {
        Some(c) if c.is_true() => Ok(format!("{what} reconciled: {}", c.message)),
        Some(c) => Err(format!(
            "{what} reconciled but not Ready: {}: {}",
            c.reason, c.message
        )),
        None if row.kind() == Kind::Certificate => {
            Err(format!("{what}: a certificate is renewed, not reconciled"))
        }
        None => Ok(format!("{what} reconciled")),
    }
}
