//! An EKS cluster, as its console page shows what is wrong: the cluster's health issues
//! (`DescribeCluster` health.issues), its node groups (`ListNodegroups` + `DescribeNodegroup`:
//! status, desired/min/max, instance types, health issues) and its add-ons
//! (`ListAddons` + `DescribeAddon`: version, status, health issues).

use super::{CallError, Calls, OperationError};
use crate::inspect::Subject;
use crate::model::Health;
use crate::model::drilldown::{Body, Section, Table};

/// The cluster's EKS name: the row's name (the EKS side names it so).
fn name(subject: &Subject) -> &str {
    subject.id.name.as_str()
}

pub(super) async fn issues(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let client = aws_sdk_eks::Client::new(&calls.config);
    let out = client
        .describe_cluster()
        .name(name(subject))
        .send()
        .await
        .map_err(|e| calls.failed("eks:DescribeCluster", &e))?;
    let mut t = Table::of(Section::Issues);
    for i in out
        .cluster()
        .and_then(|c| c.health())
        .map(|h| h.issues().to_vec())
        .unwrap_or_default()
    {
        t.row(
            vec![
                i.code().map(|c| c.as_str().to_string()).unwrap_or_default(),
                i.resource_ids().join(", "),
                i.message().unwrap_or_default().to_string(),
            ],
            Some(Health::Degraded),
            None,
        );
    }
    Ok(Body::Table(t))
}

fn status_health(status: &str) -> Health {
    match status {
        "ACTIVE" => Health::Healthy,
        "CREATING" | "UPDATING" | "DELETING" => Health::Progressing,
        "DEGRADED" => Health::Degraded,
        "CREATE_FAILED" | "DELETE_FAILED" | "UPDATE_FAILED" => Health::Failed,
        _ => Health::Unknown,
    }
}

/// Each of `names` described at once with `describe`; the first failure is the section's.
async fn each<T, E, F>(
    calls: &Calls,
    op: &str,
    names: &[String],
    describe: impl Fn(String) -> F,
) -> Result<Vec<T>, String>
where
    E: OperationError,
    F: std::future::Future<Output = Result<T, CallError<E>>>,
{
    futures_util::future::join_all(names.iter().cloned().map(describe))
        .await
        .into_iter()
        .map(|r| r.map_err(|e| calls.failed(op, &e)))
        .collect()
}

/// What a node group and an add-on have alike: a status, health issues, and their row's cells.
trait Part {
    fn status(&self) -> &str;
    /// (code, message) of each health issue.
    fn issues(&self) -> Vec<(Option<&str>, Option<&str>)>;
    fn cells(&self) -> Vec<String>;
}

/// A node group's and an add-on's status and issues are read alike, through types of their own.
macro_rules! status_and_issues {
    () => {
        fn status(&self) -> &str {
            self.status().map(|s| s.as_str()).unwrap_or_default()
        }
        fn issues(&self) -> Vec<(Option<&str>, Option<&str>)> {
            let issues = self.health().map(|h| h.issues()).unwrap_or_default();
            issues
                .iter()
                .map(|i| (i.code().map(|c| c.as_str()), i.message()))
                .collect()
        }
    };
}

impl Part for aws_sdk_eks::types::Nodegroup {
    status_and_issues!();
    fn cells(&self) -> Vec<String> {
        let scaling = self.scaling_config();
        let count = |v: Option<i32>| v.map_or("-".into(), |n| n.to_string());
        vec![
            self.nodegroup_name().unwrap_or("?").to_string(),
            Part::status(self).to_string(),
            count(scaling.and_then(|s| s.desired_size())),
            count(scaling.and_then(|s| s.min_size())),
            count(scaling.and_then(|s| s.max_size())),
            self.instance_types().join(","),
        ]
    }
}

impl Part for aws_sdk_eks::types::Addon {
    status_and_issues!();
    fn cells(&self) -> Vec<String> {
        vec![
            self.addon_name().unwrap_or("?").to_string(),
            self.addon_version().unwrap_or("-").to_string(),
            Part::status(self).to_string(),
        ]
    }
}

/// The parts' table: each one's health is its status's, no better than degraded with an
/// issue; its issues ("Code: message") joined are the row's note.
fn table<'a, P: Part + 'a>(section: Section, parts: impl Iterator<Item = &'a P>) -> Body {
    let mut t = Table::of(section);
    for part in parts {
        let issues: Vec<String> = part
            .issues()
            .into_iter()
            .map(|(code, message)| {
                format!("{}: {}", code.unwrap_or("?"), message.unwrap_or_default())
            })
            .collect();
        let status = status_health(Part::status(part));
        let health = match issues.is_empty() {
            true => status,
            false => Health::Degraded.max(status),
        };
        t.row(part.cells(), Some(health), Some(issues.join("; ")));
    }
    Body::Table(t)
}

/// A cluster's node groups or add-ons: listed, then each described at once. A macro because
/// the two calls' builders are types of their own with nothing in common to name.
macro_rules! list_and_describe {
    ($calls:expr, $subject:expr, $list:ident => $names:ident, $describe:ident($named:ident), $ops:expr) => {{
        let (list_op, describe_op) = $ops;
        let client = aws_sdk_eks::Client::new(&$calls.config);
        let cluster = name($subject);
        let listed = client.$list().cluster_name(cluster).send().await;
        let listed = listed.map_err(|e| $calls.failed(list_op, &e))?;
        each($calls, describe_op, listed.$names(), |n| {
            client.$describe().cluster_name(cluster).$named(n).send()
        })
        .await?
    }};
}

pub(super) async fn node_groups(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let ops = ("eks:ListNodegroups", "eks:DescribeNodegroup");
    let described = list_and_describe!(
        calls,
        subject,
        list_nodegroups => nodegroups,
        describe_nodegroup(nodegroup_name),
        ops
    );
    let parts = described.iter().filter_map(|d| d.nodegroup());
    Ok(table(Section::NodeGroups, parts))
}

pub(super) async fn addons(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let ops = ("eks:ListAddons", "eks:DescribeAddon");
    let described =
        list_and_describe!(calls, subject, list_addons => addons, describe_addon(addon_name), ops);
    Ok(table(
        Section::Addons,
        described.iter().filter_map(|d| d.addon()),
    ))
}
