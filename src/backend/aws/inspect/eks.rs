//! An EKS cluster, as its console page shows what is wrong: the cluster's health issues
//! (`DescribeCluster` health.issues), its node groups (`ListNodegroups` + `DescribeNodegroup`:
//! status, desired/min/max, instance types, health issues) and its add-ons
//! (`ListAddons` + `DescribeAddon`: version, status, health issues).

use super::Calls;
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
        "DEGRADED" | "CREATE_FAILED" | "DELETE_FAILED" | "UPDATE_FAILED" => Health::Failed,
        _ => Health::Unknown,
    }
}

pub(super) async fn node_groups(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let client = aws_sdk_eks::Client::new(&calls.config);
    let cluster = name(subject);
    let listed = client
        .list_nodegroups()
        .cluster_name(cluster)
        .send()
        .await
        .map_err(|e| calls.failed("eks:ListNodegroups", &e))?;
    let described = futures_util::future::join_all(listed.nodegroups().iter().map(|ng| {
        client
            .describe_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(ng)
            .send()
    }))
    .await;
    let mut t = Table::of(Section::NodeGroups);
    for d in described {
        let d = d.map_err(|e| calls.failed("eks:DescribeNodegroup", &e))?;
        let Some(ng) = d.nodegroup() else { continue };
        let status = ng
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        let scaling = ng.scaling_config();
        let issues: Vec<String> = ng
            .health()
            .map(|h| h.issues())
            .unwrap_or_default()
            .iter()
            .map(|i| issue(i.code().map(|c| c.as_str()), i.message()))
            .collect();
        let health = if issues.is_empty() {
            status_health(&status)
        } else {
            Health::Degraded.max(status_health(&status))
        };
        let count = |v: Option<i32>| v.map_or("-".into(), |n| n.to_string());
        t.row(
            vec![
                ng.nodegroup_name().unwrap_or("?").to_string(),
                status,
                count(scaling.and_then(|s| s.desired_size())),
                count(scaling.and_then(|s| s.min_size())),
                count(scaling.and_then(|s| s.max_size())),
                ng.instance_types().join(","),
            ],
            Some(health),
            Some(issues.join("; ")),
        );
    }
    Ok(Body::Table(t))
}

pub(super) async fn addons(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let client = aws_sdk_eks::Client::new(&calls.config);
    let cluster = name(subject);
    let listed = client
        .list_addons()
        .cluster_name(cluster)
        .send()
        .await
        .map_err(|e| calls.failed("eks:ListAddons", &e))?;
    let described = futures_util::future::join_all(listed.addons().iter().map(|a| {
        client
            .describe_addon()
            .cluster_name(cluster)
            .addon_name(a)
            .send()
    }))
    .await;
    let mut t = Table::of(Section::Addons);
    for d in described {
        let d = d.map_err(|e| calls.failed("eks:DescribeAddon", &e))?;
        let Some(a) = d.addon() else { continue };
        let status = a
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        let issues: Vec<String> = a
            .health()
            .map(|h| h.issues())
            .unwrap_or_default()
            .iter()
            .map(|i| issue(i.code().map(|c| c.as_str()), i.message()))
            .collect();
        let health = if issues.is_empty() {
            status_health(&status)
        } else {
            Health::Degraded
        };
        t.row(
            vec![
                a.addon_name().unwrap_or("?").to_string(),
                a.addon_version().unwrap_or("-").to_string(),
                status,
            ],
            Some(health),
            Some(issues.join("; ")),
        );
    }
    Ok(Body::Table(t))
}

/// "Code: message", as a node group's or an add-on's health issue reads.
fn issue(code: Option<&str>, message: Option<&str>) -> String {
    format!("{}: {}", code.unwrap_or("?"), message.unwrap_or_default())
}
