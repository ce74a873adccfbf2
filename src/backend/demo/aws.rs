//! The demo world's AWS answers on demand, as the console would give them: `functions`' stopped
//! tasks are OOM kills and its logs end with the runtime running out of heap; sa-east-1's CPU
//! alarm has been flapping for hours; its API health check fails from some checker regions
//! while the alarm fires; each database has its backups in its events and one a maintenance
//! action pending; each EKS cluster its node groups and add-ons.

use jiff::{SignedDuration, Timestamp};

use super::inspect::Moment;
use super::seed::{FAILOVER, SHORT_ECS_SERVICE};
use crate::inspect::Subject;
use crate::model::drilldown::{Body, EventLine, Section, Table, newest_events};
use crate::model::{Facts, Health};

fn ago(m: &Moment, s: i64) -> Timestamp {
    m.now - SignedDuration::from_secs(s)
}

fn since(m: &Moment, t: Timestamp) -> String {
    format!(
        "{} ago",
        crate::model::row::human_duration(m.now.as_second() - t.as_second())
    )
}

/// The demo's answer for an AWS row's section; `None` when it is not one.
pub(super) fn section(m: &Moment, subject: &Subject, section: Section) -> Option<Body> {
    Some(match (&subject.facts, section) {
        (Facts::EcsService(_), Section::Deployments) => Body::Table(deployments(m, subject)),
        (Facts::EcsService(_), Section::Tasks) => Body::Table(stopped_tasks(m, subject)),
        (Facts::EcsService(_), Section::Events) => Body::Events(service_events(m, subject)),
        (Facts::EcsService(_), Section::TaskDefinition) => Body::Table(task_definition(subject)),
        (Facts::DbInstance(_), Section::Events) => Body::Events(db_events(m, subject)),
        (Facts::CacheGroup(_), Section::Events) => Body::Events(cache_events(m, subject)),
        (Facts::DbInstance(_), Section::Maintenance) => Body::Table(maintenance(m, subject)),
        (Facts::Region(_), Section::AlarmHistory) => Body::Table(alarm_history(m, subject)),
        (Facts::Region(_), Section::HealthChecks) => Body::Table(health_checks(m, subject)),
        (Facts::Cluster(_), Section::Issues) => Body::Table(Table::of(Section::Issues)),
        (Facts::Cluster(c), Section::NodeGroups) => Body::Table(node_groups(subject, c.nodes)),
        (Facts::Cluster(_), Section::Addons) => Body::Table(addons(subject)),
        _ => return None,
    })
}

/// When the `i`th newest of `functions`' stopped tasks stopped: the crashes began with the
/// incident, so they age with it.
fn crashed(m: &Moment, i: usize) -> Timestamp {
    ago(m, m.inc.ecs_since as i64 + 120 + 540 * i as i64)
}

/// Whether the service is the one whose tasks run out of memory, now.
fn short(m: &Moment, subject: &Subject) -> bool {
    (subject.id.scope.context(), subject.id.name.as_str()) == SHORT_ECS_SERVICE && m.inc.ecs_short
}

/// The short ids of `functions`' stopped tasks, newest first.
pub(super) const STOPPED: [&str; 3] = ["4b1e03aa", "7c20d9e1", "e91a5b04"];

fn deployments(m: &Moment, subject: &Subject) -> Table {
    let Facts::EcsService(s) = &subject.facts else {
        return Table::default();
    };
    let mut t = Table::of(Section::Deployments);
    let failing = short(m, subject);
    t.row(
        vec![
            "ecs-svc/4410837362781954".into(),
            "PRIMARY".into(),
            s.task_definition.clone(),
            s.rollout.clone().unwrap_or_else(|| "-".into()),
            s.running.to_string(),
            s.pending.to_string(),
            s.desired.to_string(),
            s.failed_tasks.to_string(),
            since(m, ago(m, 3 * 86_400)),
        ],
        Some(if failing {
            Health::Degraded
        } else {
            Health::Healthy
        }),
        Some(
            "ECS deployment ecs-svc/4410837362781954 completed. (circuit breaker on, rolls back)"
                .into(),
        ),
    );
    t
}

fn stopped_tasks(m: &Moment, subject: &Subject) -> Table {
    let Facts::EcsService(s) = &subject.facts else {
        return Table::default();
    };
    let mut t = Table::of(Section::Tasks);
    if !short(m, subject) {
        return t;
    }
    for (i, id) in STOPPED.iter().enumerate() {
        t.row(
            vec![
                format!("{id}9c2f"),
                since(m, crashed(m, i)),
                "EssentialContainerExited".into(),
                s.task_definition.clone(),
                "Essential container in task exited".into(),
            ],
            Some(Health::Failed),
            Some(format!(
                "container {}: exit 137 (killed: out of memory, or stopped) — OutOfMemoryError: Container killed due to memory usage",
                subject.id.name
            )),
        );
    }
    t
}

fn service_events(m: &Moment, subject: &Subject) -> Vec<EventLine> {
    let Facts::EcsService(s) = &subject.facts else {
        return Vec::new();
    };
    let object = format!("Service/{}", subject.id.name);
    let mut out: Vec<EventLine> = s
        .events
        .iter()
        .enumerate()
        .map(|(i, message)| EventLine {
            // The newest task's stop is the one the stopped tasks list first.
            last_seen: Some(if message.contains("stopped") {
                crashed(m, 0)
            } else {
                ago(m, 60 + 300 * i as i64)
            }),
            // As the real backend tells them (and the console colours them).
            event_type: if crate::backend::aws::inspect::ecs::troubled(message) {
                "Warning".into()
            } else {
                "Normal".into()
            },
            reason: "ServiceEvent".into(),
            message: message.clone(),
            count: 1,
            object: object.clone(),
        })
        .collect();
    if short(m, subject) {
        for (i, id) in STOPPED.iter().enumerate().skip(1) {
            out.push(EventLine {
                last_seen: Some(crashed(m, i)),
                event_type: "Warning".into(),
                reason: "ServiceEvent".into(),
                message: format!(
                    "(service {}) task {id} stopped: Essential container in task exited (exit code 137: OutOfMemory)",
                    subject.id.name
                ),
                count: 1,
                object: object.clone(),
            });
        }
    }
    out.push(EventLine {
        last_seen: Some(ago(m, 6 * 3600)),
        event_type: "Normal".into(),
        reason: "ServiceEvent".into(),
        message: format!("(service {}) has reached a steady state.", subject.id.name),
        count: 12,
        object,
    });
    newest_events(out)
}

/// Where the demo's services log: `graphql` through a FireLens sidecar, the rest with awslogs.
pub(super) fn awslogs_group(service: &str, cluster: &str) -> Option<String> {
    (service != "graphql")
        .then(|| format!("/ecs/{}/{service}", cluster.trim_end_matches("-cluster")))
}

fn task_definition(subject: &Subject) -> Table {
    let Facts::EcsService(s) = &subject.facts else {
        return Table::default();
    };
    let service = subject.id.name.as_str();
    let cluster = subject.id.scope.context();
    let (family, revision) = s
        .task_definition
        .split_once(':')
        .unwrap_or((&s.task_definition, "1"));
    let mut t = Table::of(Section::TaskDefinition);
    t.row(
        vec![
            format!("(task {family}:{revision})"),
            "-".into(),
            "512".into(),
            "1024".into(),
            "-".into(),
        ],
        None,
        None,
    );
    let image = format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/phenom/{service}:2026.11.20");
    let logs = match awslogs_group(service, cluster) {
        Some(group) => format!("awslogs: group {group}, streams ecs/{service}/<task id> in us-east-1"),
        None => "FireLens (fluentbit): the logs go where its router sends them, not to CloudWatch Logs here"
            .into(),
    };
    t.row(
        vec![
            service.into(),
            image,
            "0".into(),
            "1024 MiB".into(),
            "true".into(),
        ],
        None,
        Some(logs),
    );
    if service == "graphql" {
        t.row(
            vec![
                "log-router".into(),
                "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4".into(),
                "0".into(),
                "64 MiB reserved".into(),
                "true".into(),
            ],
            None,
            Some(
                "awslogs: group /ecs/phenom/firelens, streams firelens/log-router/<task id>".into(),
            ),
        );
    }
    t
}

/// A replication group's events as ElastiCache says them: last night's snapshot, and in the
/// eviction storm the parameter group's maxmemory warning.
fn cache_events(m: &Moment, subject: &Subject) -> Vec<EventLine> {
    let id = subject.id.name.as_str();
    let event = |at: Timestamp, kind: &str, message: String| EventLine {
        last_seen: Some(at),
        event_type: kind.into(),
        reason: "event".into(),
        message,
        count: 1,
        object: format!("ReplicationGroup/{id}"),
    };
    let mut v = vec![event(
        ago(m, 7 * 3600),
        "Normal",
        format!(
            "Snapshot succeeded for snapshot with ID 'automatic.{id}-001' of replication group with ID '{id}'"
        ),
    )];
    if m.inc.redis_evicting {
        v.push(event(
            m.origin + SignedDuration::from_secs(m.inc.absolute(m.inc.redis_since)),
            "Warning",
            format!("Cache cluster {id}-001 is approaching its maxmemory limit: keys are being evicted under the allkeys-lru policy"),
        ));
    }
    newest_events(v)
}

fn db_events(m: &Moment, subject: &Subject) -> Vec<EventLine> {
    let id = subject.id.name.as_str();
    let object = format!("DBInstance/{id}");
    let event = |at: Timestamp, kind: &str, reason: &str, message: &str| EventLine {
        last_seen: Some(at),
        event_type: kind.into(),
        reason: reason.into(),
        message: message.into(),
        count: 1,
        object: object.clone(),
    };
    let backup = ago(m, 9 * 3600);
    let mut v = vec![
        event(backup, "Normal", "backup", "Backing up DB instance"),
        event(
            backup + SignedDuration::from_secs(640),
            "Normal",
            "backup",
            "Finished DB Instance backup",
        ),
    ];
    if id == "phenom-prod-postgres" {
        v.push(event(
            ago(m, 20 * 3600),
            "Warning",
            "failover",
            "Multi-AZ instance failover started.",
        ));
        v.push(event(
            ago(m, 20 * 3600 - 75),
            "Warning",
            "failover",
            "Multi-AZ instance failover completed.",
        ));
    }
    newest_events(v)
}

fn maintenance(m: &Moment, subject: &Subject) -> Table {
    let Facts::DbInstance(d) = &subject.facts else {
        return Table::default();
    };
    let mut t = Table::of(Section::Maintenance);
    t.row(
        vec![
            "Multi-AZ".into(),
            if d.multi_az { "on" } else { "off" }.into(),
            {
                let r = subject.id.scope.region();
                if d.multi_az {
                    format!("primary in {r}a, standby in {r}b")
                } else {
                    format!("in {r}a")
                }
            },
        ],
        None,
        None,
    );
    t.row(
        vec![
            format!(
                "parameter group default.postgres{}",
                d.engine_version.split('.').next().unwrap_or("16")
            ),
            "in-sync".into(),
            String::new(),
        ],
        None,
        None,
    );
    t.row(
        vec![
            "automated backups".into(),
            "7 days".into(),
            "restorable to 5 minutes ago".into(),
        ],
        None,
        None,
    );
    // The newest of each type among the snapshots the row lists.
    for kind in ["automated", "manual"] {
        let newest = d
            .snapshots
            .iter()
            .filter(|s| s.snapshot_type == kind)
            .max_by_key(|s| s.created);
        t.row(
            match newest {
                Some(s) => vec![
                    format!("latest {kind} snapshot"),
                    s.status.clone(),
                    format!("{}, {}", s.id, since(m, s.created)),
                ],
                None => vec![
                    format!("latest {kind} snapshot"),
                    "none".into(),
                    String::new(),
                ],
            },
            None,
            None,
        );
    }
    if d.environment.as_deref() == Some("production") && subject.id.name.starts_with("phenom") {
        t.row(
            vec![
                "maintenance: system-update".into(),
                "applies next maintenance window".into(),
                "New Operating System update is available".into(),
            ],
            Some(Health::Degraded),
            None,
        );
    } else {
        t.row(
            vec!["pending maintenance".into(), "none".into(), String::new()],
            None,
            None,
        );
    }
    t
}

fn alarm_history(m: &Moment, subject: &Subject) -> Table {
    let Facts::Region(r) = &subject.facts else {
        return Table::default();
    };
    let mut changes: Vec<(Timestamp, &crate::model::kinds::region::Alarm, bool)> = Vec::new();
    for a in &r.alarms {
        // A firing alarm has been going in and out of ALARM for hours; a quiet one last moved
        // yesterday.
        let moves: &[(i64, bool)] = if a.state == "ALARM" {
            &[
                (60, true),
                (700, false),
                (1_900, true),
                (2_600, false),
                (5_200, true),
                (6_100, false),
            ]
        } else {
            &[(30 * 3600, false)]
        };
        // The flapping began before the incident's phase and ages with it.
        let since_phase = if a.state == "ALARM" {
            m.inc.alarm_since as i64
        } else {
            0
        };
        changes.extend(
            moves
                .iter()
                .map(|(s, up)| (ago(m, since_phase + *s), a, *up)),
        );
    }
    changes.sort_by_key(|(at, _, _)| std::cmp::Reverse(*at));
    let mut t = Table::of(Section::AlarmHistory);
    for (at, a, to_alarm) in changes {
        let (from, to) = if to_alarm {
            ("OK", "ALARM")
        } else {
            ("ALARM", "OK")
        };
        t.row(
            vec![
                since(m, at),
                a.name.clone(),
                format!("Alarm updated from {from} to {to}"),
            ],
            Some(if to_alarm {
                Health::Failed
            } else {
                Health::Healthy
            }),
            Some(if to_alarm {
                a.reason.clone()
            } else {
                "Threshold Crossed: 3 out of the last 3 datapoints were not greater than the threshold (80.0)".into()
            }),
        );
    }
    t
}

fn health_checks(m: &Moment, subject: &Subject) -> Table {
    let Facts::Region(r) = &subject.facts else {
        return Table::default();
    };
    let mut t = Table::of(Section::HealthChecks);
    let sae1 = FAILOVER
        .iter()
        .find(|f| f.set_identifier == "sae1")
        .map(|f| f.health_check());
    for hc in &r.health_checks {
        // While sa-east-1's alarm fires, 5 of the 16 checkers cannot reach its API: still
        // healthy for Route53 (enough checkers see it up), and a warning for the engineer.
        let flaky = Some(&hc.id) == sae1.as_ref() && m.inc.alarm_firing;
        let (ok, state, health, note) = if flaky {
            (
                11,
                "failing from some checkers",
                Health::Degraded,
                Some("failing from 5 of 16 checkers (us-west-1, us-west-2, eu-west-1, ap-southeast-1, ap-northeast-1): Failure: Connection timed out. The endpoint or the internet connection is down, or requests are being blocked by your firewall.".to_string()),
            )
        } else if hc.healthy == Some(false) {
            (0, "failing", Health::Failed, Some("failing from 16 of 16 checkers: Failure: HTTP Status Code 503, Service Unavailable".into()))
        } else {
            (16, "healthy", Health::Healthy, None)
        };
        t.row(
            vec![
                hc.id.clone(),
                hc.fqdn.clone(),
                format!("{ok}/16 ok"),
                state.into(),
            ],
            Some(health),
            note,
        );
    }
    t
}

fn node_groups(subject: &Subject, nodes: Option<u32>) -> Table {
    let n = nodes.unwrap_or(3);
    let mut t = Table::of(Section::NodeGroups);
    t.row(
        vec![
            format!("{}-general", subject.id.name),
            "ACTIVE".into(),
            n.to_string(),
            (n / 2).max(1).to_string(),
            (n * 2).to_string(),
            "m6i.xlarge,m6a.xlarge".into(),
        ],
        Some(Health::Healthy),
        None,
    );
    t
}

fn addons(subject: &Subject) -> Table {
    let mut t = Table::of(Section::Addons);
    // kube-proxy runs the cluster's own minor version, as EKS pairs them.
    let minor = match &subject.facts {
        Facts::Cluster(c) => c.version.clone(),
        _ => "1.31".into(),
    };
    let kube_proxy = format!("v{minor}.2-eksbuild.3");
    for (name, version) in [
        ("vpc-cni", "v1.19.0-eksbuild.1"),
        ("coredns", "v1.11.3-eksbuild.2"),
        ("kube-proxy", kube_proxy.as_str()),
        ("aws-ebs-csi-driver", "v1.37.0-eksbuild.1"),
    ] {
        // forge-prod's EBS CSI driver lost a replica: the cluster runs, its volumes may not
        // attach.
        let degraded = subject.id.name == "forge-prod" && name == "aws-ebs-csi-driver";
        t.row(
            vec![
                name.into(),
                version.into(),
                if degraded { "DEGRADED" } else { "ACTIVE" }.into(),
            ],
            Some(if degraded {
                Health::Degraded
            } else {
                Health::Healthy
            }),
            degraded.then(|| {
                "InsufficientNumberOfReplicas: The add-on is unhealthy because it doesn't have the desired number of replicas.".into()
            }),
        );
    }
    t
}
