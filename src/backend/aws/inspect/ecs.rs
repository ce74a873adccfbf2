//! An ECS service, as the console's service page shows it: its deployments (primary and
//! active, task definition, rollout state and reason, counts, failed tasks, the circuit
//! breaker), its recently stopped tasks (`ListTasks desiredStatus=STOPPED` + `DescribeTasks`:
//! why each stopped, each container's exit code and reason), its events (newest first, repeats
//! folded as the console folds them), and its task definition (CPU, memory, each container's
//! image and where its logs go).

use aws_sdk_ecs::types::{DesiredStatus, Service, TaskDefinition};

use super::{Calls, ago, last_segment, time};
use crate::inspect::Subject;
use crate::model::Health;
use crate::model::drilldown::{Body, EventLine, Section, Table, newest_events};

/// At most this many stopped tasks are described (one DescribeTasks call).
const STOPPED_TASKS: usize = 20;

/// The service's cluster and name from its row (the row's context is the ECS cluster).
fn names(subject: &Subject) -> (&str, &str) {
    (subject.id.scope.context(), subject.id.name.as_str())
}

pub(super) async fn describe_service(calls: &Calls, subject: &Subject) -> Result<Service, String> {
    let (cluster, service) = names(subject);
    let client = aws_sdk_ecs::Client::new(&calls.config);
    let out = client
        .describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .map_err(|e| calls.failed("ecs:DescribeServices", &e))?;
    out.services()
        .first()
        .cloned()
        .ok_or_else(|| format!("service {service} is not in cluster {cluster} (deleted?)"))
}

fn rollout_health(state: Option<&str>) -> Health {
    match state {
        Some("COMPLETED") => Health::Healthy,
        Some("FAILED") => Health::Failed,
        Some("IN_PROGRESS") => Health::Progressing,
        _ => Health::Unknown,
    }
}

pub(super) async fn deployments(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let s = describe_service(calls, subject).await?;
    let breaker = s
        .deployment_configuration()
        .and_then(|c| c.deployment_circuit_breaker())
        .map(|b| match (b.enable(), b.rollback()) {
            (true, true) => "circuit breaker on, rolls back",
            (true, false) => "circuit breaker on, no rollback",
            _ => "circuit breaker off",
        })
        .unwrap_or("circuit breaker off");
    let mut t = Table::of(Section::Deployments);
    for d in s.deployments() {
        let rollout = d.rollout_state().map(|r| r.as_str().to_string());
        let failed = d.failed_tasks().max(0);
        let health = if failed > 0 && rollout.as_deref() != Some("COMPLETED") {
            Health::Degraded
        } else {
            rollout_health(rollout.as_deref())
        };
        let mut note = d.rollout_state_reason().unwrap_or_default().to_string();
        if d.status() == Some("PRIMARY") {
            note = if note.is_empty() {
                breaker.to_string()
            } else {
                format!("{note} ({breaker})")
            };
        }
        t.row(
            vec![
                last_segment(d.id().unwrap_or_default()).to_string(),
                d.status().unwrap_or_default().to_string(),
                last_segment(d.task_definition().unwrap_or_default()).to_string(),
                rollout.unwrap_or_else(|| "-".into()),
                d.running_count().to_string(),
                d.pending_count().to_string(),
                d.desired_count().to_string(),
                failed.to_string(),
                ago(time(d.updated_at())),
            ],
            Some(health),
            Some(note),
        );
    }
    Ok(Body::Table(t))
}

pub(super) async fn stopped_tasks(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let (cluster, service) = names(subject);
    let client = aws_sdk_ecs::Client::new(&calls.config);
    let listed = client
        .list_tasks()
        .cluster(cluster)
        .service_name(service)
        .desired_status(DesiredStatus::Stopped)
        .max_results(STOPPED_TASKS as i32)
        .send()
        .await
        .map_err(|e| calls.failed("ecs:ListTasks", &e))?;
    let arns = listed.task_arns().to_vec();
    let mut t = Table::of(Section::Tasks);
    if arns.is_empty() {
        return Ok(Body::Table(t));
    }
    let described = client
        .describe_tasks()
        .cluster(cluster)
        .set_tasks(Some(arns))
        .send()
        .await
        .map_err(|e| calls.failed("ecs:DescribeTasks", &e))?;
    let mut tasks = described.tasks().to_vec();
    tasks.sort_by_key(|t| std::cmp::Reverse(time(t.stopped_at())));
    for task in tasks {
        let containers: Vec<String> = task
            .containers()
            .iter()
            .map(|c| {
                let mut s = format!("container {}", c.name().unwrap_or("?"));
                if let Some(code) = c.exit_code() {
                    s.push_str(&format!(": exit {code}"));
                    if code == 137 {
                        s.push_str(" (killed: out of memory, or stopped)");
                    }
                }
                if let Some(r) = c.reason() {
                    s.push_str(&format!(" — {r}"));
                }
                s
            })
            .collect();
        let crashed = task
            .containers()
            .iter()
            .any(|c| c.exit_code().is_some_and(|x| x != 0));
        t.row(
            vec![
                last_segment(task.task_arn().unwrap_or_default())
                    .chars()
                    .take(12)
                    .collect(),
                ago(time(task.stopped_at())),
                task.stop_code()
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_else(|| "-".into()),
                last_segment(task.task_definition_arn().unwrap_or_default()).to_string(),
                task.stopped_reason().unwrap_or_default().to_string(),
            ],
            Some(if crashed {
                Health::Failed
            } else {
                Health::Unknown
            }),
            Some(containers.join("; ")),
        );
    }
    Ok(Body::Table(t))
}

/// Whether a service event tells of trouble (the console shows those in red).
pub fn troubled(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "unable",
        "failed",
        "error",
        "unhealthy",
        "stopped",
        "insufficient",
        "throttl",
    ]
    .iter()
    .any(|w| m.contains(w))
}

pub(super) async fn events(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let s = describe_service(calls, subject).await?;
    Ok(Body::Events(fold_events(&s, subject.id.name.as_str())))
}

/// The service's events, newest first, a message repeated back to back folded into one with
/// its count (the console's "has reached a steady state" × n).
pub(super) fn fold_events(s: &Service, service: &str) -> Vec<EventLine> {
    let mut out: Vec<EventLine> = Vec::new();
    for e in s.events() {
        let message = e.message().unwrap_or_default().to_string();
        match out.last_mut() {
            Some(last) if last.message == message => last.count += 1,
            _ => out.push(EventLine {
                last_seen: time(e.created_at()),
                event_type: if troubled(&message) {
                    "Warning".into()
                } else {
                    "Normal".into()
                },
                reason: "ServiceEvent".into(),
                message,
                count: 1,
                object: format!("Service/{service}"),
            }),
        }
    }
    newest_events(out)
}

pub(super) async fn task_definition(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let s = describe_service(calls, subject).await?;
    let td = read_task_definition(calls, s.task_definition().unwrap_or_default()).await?;
    Ok(Body::Table(task_definition_table(&td)))
}

pub(super) async fn read_task_definition(
    calls: &Calls,
    arn: &str,
) -> Result<TaskDefinition, String> {
    let client = aws_sdk_ecs::Client::new(&calls.config);
    client
        .describe_task_definition()
        .task_definition(arn)
        .send()
        .await
        .map_err(|e| calls.failed("ecs:DescribeTaskDefinition", &e))?
        .task_definition()
        .cloned()
        .ok_or_else(|| format!("task definition {arn} not found"))
}

/// Where a container's logs go, in words: the awslogs group and stream prefix, or FireLens,
/// or nowhere.
pub(super) fn log_destination(c: &aws_sdk_ecs::types::ContainerDefinition) -> String {
    let Some(lc) = c.log_configuration() else {
        return "no log configuration: its output is not kept".into();
    };
    let opts = lc.options();
    let opt = |k: &str| opts.and_then(|o| o.get(k)).map(String::as_str);
    match lc.log_driver().as_str() {
        "awslogs" => format!(
            "awslogs: group {}, streams {}/{}/<task id>{}",
            opt("awslogs-group").unwrap_or("?"),
            opt("awslogs-stream-prefix").unwrap_or("?"),
            c.name().unwrap_or("?"),
            opt("awslogs-region")
                .map(|r| format!(" in {r}"))
                .unwrap_or_default()
        ),
        "awsfirelens" => format!(
            "FireLens ({}): the logs go where its router sends them, not to CloudWatch Logs here",
            opt("Name").unwrap_or("awsfirelens")
        ),
        other => format!("log driver {other}: not read by opsdeck"),
    }
}

pub(super) fn task_definition_table(td: &TaskDefinition) -> Table {
    let mut t = Table::of(Section::TaskDefinition);
    t.row(
        vec![
            format!("(task {}:{})", td.family().unwrap_or("?"), td.revision()),
            "-".into(),
            td.cpu().unwrap_or("-").to_string(),
            td.memory().unwrap_or("-").to_string(),
            "-".into(),
        ],
        None,
        None,
    );
    for c in td.container_definitions() {
        let memory = match (c.memory(), c.memory_reservation()) {
            (Some(m), _) => format!("{m} MiB"),
            (None, Some(r)) => format!("{r} MiB reserved"),
            (None, None) => "-".into(),
        };
        t.row(
            vec![
                c.name().unwrap_or("?").to_string(),
                c.image().unwrap_or("?").to_string(),
                c.cpu().to_string(),
                memory,
                c.essential().unwrap_or(true).to_string(),
            ],
            None,
            Some(log_destination(c)),
        );
    }
    t
}
