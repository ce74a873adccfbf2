//! Write actions on AWS rows, for the TUI and `opsdeck ecs`: force a new deployment of an ECS
//! service, or set its desired count (`ecs:UpdateService`, as `aws ecs update-service
//! --force-new-deployment` / `--desired-count` do). Refused unless writes are on; every one,
//! refusals and failures included, is recorded in the audit log with the account, region,
//! cluster and service. Then, as `flux reconcile` waits for Ready, it follows the rollout
//! (`DescribeServices` every few seconds) until the deployment completes, fails (the circuit
//! breaker's reason), or the timeout passes; the detail shows the same deployments meanwhile.

use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_ecs::types::{DeploymentRolloutState, Service};

use super::AwsOptions;
use super::inspect::AwsInspector;
use crate::audit;
use crate::model::{Facts, Kind, RowId};
use crate::row_actions::{ActionFuture, ActionRunner, RowAction};

/// How often a rollout is read while it is followed.
const ROLLOUT_POLL: Duration = Duration::from_secs(3);

/// How long a rollout is followed unless told otherwise: ECS's own deployments of a healthy
/// service take a few minutes (draining included).
pub const ROLLOUT_TIMEOUT: Duration = Duration::from_secs(10 * 60);

#[derive(Clone)]
pub struct AwsActions {
    inspector: AwsInspector,
    write: bool,
    /// Where each action is recorded; `crate::audit::path()` for the user's.
    audit: Option<PathBuf>,
    /// How long the rollout after a write is followed; `None` returns once ECS took the write.
    follow: Option<Duration>,
}

impl AwsActions {
    pub fn new(opts: AwsOptions, write: bool, audit: Option<PathBuf>) -> AwsActions {
        AwsActions {
            inspector: AwsInspector::new(opts),
            write,
            audit,
            follow: Some(ROLLOUT_TIMEOUT),
        }
    }

    /// Follows each rollout for `follow` (`None`: not at all).
    pub fn following(mut self, follow: Option<Duration>) -> AwsActions {
        self.follow = follow;
        self
    }
}

/// Where a followed rollout stands.
#[derive(Debug, PartialEq, Eq)]
enum Rollout {
    Going(String),
    Done(String),
    Failed(String),
}

/// How the `deployment` (the primary when `None`) of `svc` stands. A redeploy is done when its
/// deployment completed; a scale when the service is steady as `aws ecs wait services-stable`
/// sees it (one deployment, running = desired).
fn rollout_of(svc: &Service, deployment: Option<&str>, action: RowAction) -> Rollout {
    let deployments = svc.deployments();
    let found = match deployment {
        Some(id) => deployments.iter().find(|d| d.id() == Some(id)),
        None => deployments.iter().find(|d| d.status() == Some("PRIMARY")),
    };
    let Some(d) = found else {
        return Rollout::Failed(format!(
            "deployment {} is gone: replaced by another one (rolled back?)",
            deployment.unwrap_or("PRIMARY")
        ));
    };
    let (running, desired) = (svc.running_count(), svc.desired_count());
    let progress = format!(
        "{running}/{desired} running, task definition {}",
        short_task_definition(d.task_definition())
    );
    let steady = deployments.len() == 1 && running == desired;
    match d.rollout_state() {
        Some(DeploymentRolloutState::Failed) => Rollout::Failed(format!(
            "rollout failed: {}",
            d.rollout_state_reason().unwrap_or("no reason given")
        )),
        Some(DeploymentRolloutState::Completed)
            if action == RowAction::Redeploy || running == desired =>
        {
            Rollout::Done(format!("rollout completed: {progress}"))
        }
        None if steady => Rollout::Done(format!("steady: {progress}")),
        _ => Rollout::Going(progress),
    }
}

/// An ECS service by account, region, cluster and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRef {
    pub account: String,
    pub region: String,
    pub cluster: String,
    pub service: String,
}

impl ServiceRef {
    pub fn of(id: &RowId) -> Option<ServiceRef> {
        (id.kind == Kind::EcsService).then(|| ServiceRef {
            account: id.scope.account().to_string(),
            region: id.scope.region().to_string(),
            cluster: id.scope.context().to_string(),
            service: id.name.clone(),
        })
    }
}

impl std::fmt::Display for ServiceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ECS service {} in cluster {} (account {}, region {})",
            self.service, self.cluster, self.account, self.region
        )
    }
}

impl AwsActions {
    /// Carries out `action` on the service (`request`), then follows the rollout; the outcome
    /// in a line.
    pub async fn update_service(
        &self,
        action: RowAction,
        s: &ServiceRef,
    ) -> Result<String, String> {
        let taken = self.request(action, s).await?;
        match self.follow {
            Some(timeout) => self.follow_rollout(action, s, taken, timeout).await,
            None => Ok(taken.said),
        }
    }

    /// Makes the write, `UpdateService`: refused unless writes are on and the service exists,
    /// recorded in the audit log as started before the request (not made when it cannot be
    /// recorded) and with its outcome after; a refusal is one line.
    pub async fn request(&self, action: RowAction, s: &ServiceRef) -> Result<Taken, String> {
        let mut started = None;
        let result = self.update(action, s, &mut started).await;
        let outcome = match &result {
            Ok(_) => audit::Outcome::Ok,
            Err(e) => audit::Outcome::failed(e),
        };
        match started {
            Some(pending) => pending.finish(outcome),
            None => {
                let mut entry = self.entry(action, s);
                entry.outcome = outcome;
                audit::record(self.audit.as_deref(), &entry);
            }
        }
        result
    }

    /// Records an attempt refused before anything was asked of AWS (a wrong confirmation).
    pub fn refused(&self, action: RowAction, s: &ServiceRef, why: &str) {
        let mut entry = self.entry(action, s);
        entry.outcome = audit::Outcome::failed(why);
        audit::record(self.audit.as_deref(), &entry);
    }

    fn entry(&self, action: RowAction, s: &ServiceRef) -> audit::Entry {
        let verb = match action {
            RowAction::Scale(n) => format!("scale to {n}"),
            other => other.verb().to_string(),
        };
        audit::Entry::aws(
            &verb,
            "ECS service",
            &s.account,
            &s.region,
            &s.cluster,
            &s.service,
            audit::Outcome::Started,
        )
    }

    async fn update(
        &self,
        action: RowAction,
        s: &ServiceRef,
        started: &mut Option<audit::Pending>,
    ) -> Result<Taken, String> {
        if !self.write {
            return Err(format!(
                "read-only: start opsdeck with --write (or set write = true in the config) to {} {s}",
                action.verb()
            ));
        }
        let calls = self.inspector.calls(&s.account, &s.region).await?;
        let client = aws_sdk_ecs::Client::new(&calls.config);
        // Read first: a service that is not there is refused before anything is sent, and
        // the outcome can say what changed ("desired count 2 → 3").
        let before = read_service(&client, s)
            .await
            .map_err(|e| calls.failed_once("ecs:DescribeServices", &e))?;
        let Some(current) = before
            .services()
            .iter()
            .find(|svc| svc.status() != Some("INACTIVE"))
        else {
            return Err(format!("{s}: no such service (nothing was changed)"));
        };
        let req = client
            .update_service()
            .cluster(&s.cluster)
            .service(&s.service);
        let (req, done) = match action {
            RowAction::Redeploy => (
                req.force_new_deployment(true),
                format!(
                    "a new deployment of {} started",
                    short_task_definition(current.task_definition())
                ),
            ),
            RowAction::Scale(n) => (
                req.desired_count(i32::try_from(n).unwrap_or(i32::MAX)),
                format!("desired count {} → {n}", current.desired_count()),
            ),
            other => return Err(format!("cannot {} an ECS service", other.verb())),
        };
        *started = Some(audit::begin(self.audit.as_deref(), self.entry(action, s))?);
        let out = req
            .send()
            .await
            .map_err(|e| calls.failed_once("ecs:UpdateService", &e))?;
        // A redeploy follows its own deployment: the new primary ECS answered with.
        let deployment = match action {
            RowAction::Redeploy => out
                .service()
                .and_then(|svc| {
                    svc.deployments()
                        .iter()
                        .find(|d| d.status() == Some("PRIMARY"))
                })
                .and_then(|d| d.id())
                .map(str::to_string),
            _ => None,
        };
        let said = match &deployment {
            Some(id) => format!("{s}: {done} ({id})"),
            None => format!("{s}: {done}"),
        };
        Ok(Taken {
            calls,
            deployment,
            said,
        })
    }

    /// Reads the service until its rollout is done or failed, or `timeout` passed. Every
    /// message starts with what ECS already took: a failure here does not undo the write.
    pub async fn follow_rollout(
        &self,
        action: RowAction,
        s: &ServiceRef,
        taken: Taken,
        timeout: Duration,
    ) -> Result<String, String> {
        let client = aws_sdk_ecs::Client::new(&taken.calls.config);
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let out = read_service(&client, s).await.map_err(|e| {
                format!(
                    "{}; then reading the rollout failed: {}",
                    taken.said,
                    taken.calls.failed_once("ecs:DescribeServices", &e)
                )
            })?;
            let Some(svc) = out.services().first() else {
                return Err(format!(
                    "{}; then the service was gone (deleted?)",
                    taken.said
                ));
            };
            match rollout_of(svc, taken.deployment.as_deref(), action) {
                Rollout::Done(line) => return Ok(format!("{}; {line}", taken.said)),
                Rollout::Failed(why) => return Err(format!("{}; {why}", taken.said)),
                Rollout::Going(progress) => {
                    let now = tokio::time::Instant::now();
                    if now >= deadline {
                        return Err(format!(
                            "{}; still rolling out after {} s ({progress}); ECS goes on with it: opsdeck describe ecs/{}/{} --account {} --region {} shows where it stands",
                            taken.said,
                            timeout.as_secs(),
                            s.cluster,
                            s.service,
                            s.account,
                            s.region
                        ));
                    }
                    tokio::time::sleep(ROLLOUT_POLL.min(deadline - now)).await;
                }
            }
        }
    }
}

/// `DescribeServices` of the one service.
async fn read_service(
    client: &aws_sdk_ecs::Client,
    s: &ServiceRef,
) -> Result<
    aws_sdk_ecs::operation::describe_services::DescribeServicesOutput,
    super::inspect::CallError<aws_sdk_ecs::operation::describe_services::DescribeServicesError>,
> {
    client
        .describe_services()
        .cluster(&s.cluster)
        .services(&s.service)
        .send()
        .await
}

/// "phenom-prod-functions:61" of a task definition's ARN.
fn short_task_definition(arn: Option<&str>) -> &str {
    arn.and_then(|t| t.rsplit('/').next())
        .unwrap_or("its task definition")
}

/// A write ECS took: the clients it was made with, the deployment it started, and the line
/// that says so.
pub struct Taken {
    calls: super::inspect::Calls,
    deployment: Option<String>,
    pub said: String,
}

impl ActionRunner for AwsActions {
    fn run(&self, action: RowAction, row: &RowId, facts: &Facts) -> ActionFuture {
        let _ = facts;
        let Some(service) = ServiceRef::of(row) else {
            let kind = row.kind.title();
            return Box::pin(async move { Err(format!("no write action for {kind} on AWS")) });
        };
        let me = self.clone();
        Box::pin(async move { me.update_service(action, &service).await })
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_ecs::types::Deployment;

    use super::*;

    fn service(
        running: i32,
        desired: i32,
        deployments: &[(&str, &str, DeploymentRolloutState)],
    ) -> Service {
        let mut b = Service::builder()
            .running_count(running)
            .desired_count(desired);
        for (id, status, state) in deployments {
            b = b.deployments(
                Deployment::builder()
                    .id(*id)
                    .status(*status)
                    .task_definition("arn:aws:ecs:us-east-1:1:task-definition/fn:3")
                    .rollout_state(state.clone())
                    .rollout_state_reason("circuit breaker: tasks failed to start")
                    .build(),
            );
        }
        b.build()
    }

    #[test]
    fn a_scale_waits_for_the_tasks_a_redeploy_for_its_deployment() {
        use DeploymentRolloutState::*;
        // Scaling keeps the COMPLETED deployment: done only once running reaches desired.
        let scaling = service(2, 3, &[("d1", "PRIMARY", Completed)]);
        assert_eq!(
            rollout_of(&scaling, None, RowAction::Scale(3)),
            Rollout::Going("2/3 running, task definition fn:3".into())
        );
        let scaled = service(3, 3, &[("d1", "PRIMARY", Completed)]);
        assert!(matches!(
            rollout_of(&scaled, None, RowAction::Scale(3)),
            Rollout::Done(_)
        ));
        // A redeploy follows its own deployment, not whichever is primary now.
        let rolling = service(
            2,
            2,
            &[("d2", "PRIMARY", InProgress), ("d1", "ACTIVE", Completed)],
        );
        assert!(matches!(
            rollout_of(&rolling, Some("d2"), RowAction::Redeploy),
            Rollout::Going(_)
        ));
        let rolled_back = service(
            2,
            2,
            &[("d1", "PRIMARY", Completed), ("d2", "ACTIVE", Failed)],
        );
        assert_eq!(
            rollout_of(&rolled_back, Some("d2"), RowAction::Redeploy),
            Rollout::Failed("rollout failed: circuit breaker: tasks failed to start".into())
        );
        let replaced = service(2, 2, &[("d3", "PRIMARY", InProgress)]);
        assert!(matches!(
            rollout_of(&replaced, Some("d2"), RowAction::Redeploy),
            Rollout::Failed(_)
        ));
    }
}
