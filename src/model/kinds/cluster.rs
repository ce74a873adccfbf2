//! EKS cluster: `eks:DescribeCluster` joined with the kube API's reachability.

use jiff::Timestamp;
use serde::Serialize;

use super::KindFacts;
use crate::model::drilldown::Section;
use crate::model::{Assessment, Cell, Column, Condition, Health, KindSpec, Row};

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Cluster {
    /// "EKS" today; the field keeps the door open for others.
    pub provider: String,
    /// EKS status: CREATING, ACTIVE, UPDATING, DELETING, FAILED, PENDING.
    pub status: String,
    pub version: String,
    pub platform_version: Option<String>,
    pub endpoint: Option<String>,
    /// From the kube side: `None` when no kube context maps to this cluster.
    pub api_reachable: Option<bool>,
    pub server_version: Option<String>,
    pub nodes: Option<u32>,
    /// Why the kube side cannot reach the API (unreachable, expired credentials…), when it cannot.
    pub api_error: Option<String>,
    /// Kinds the API serves but cannot list now ("HelmReleases unavailable: 500 …"): the
    /// cluster answers, so it is degraded, not down.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unavailable: Vec<String>,
    /// The EKS ARN: the key that joins the AWS side and the kube side into one row.
    pub arn: Option<String>,
    /// The kube context that reaches the cluster: its Flux objects and organizations live there.
    pub kube_context: Option<String>,
    /// Which side this row's source reports; the store keeps the other side's fields.
    #[serde(skip)]
    pub reported: Sides,
}

/// The two sources of an EKS cluster row: EKS (status, version, endpoint) and the kube API
/// (reachability, server version, nodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sides {
    pub aws: bool,
    pub kube: bool,
}

impl Default for Sides {
    /// A source that knows both sides (the demo fleet).
    fn default() -> Self {
        Sides {
            aws: true,
            kube: true,
        }
    }
}

impl Sides {
    pub const AWS: Sides = Sides {
        aws: true,
        kube: false,
    };
    pub const KUBE: Sides = Sides {
        aws: false,
        kube: true,
    };
}

impl Cluster {
    /// Takes from `older` (the row this one joins) the side this one does not report.
    pub fn keep_unreported(&mut self, older: &Cluster) {
        if !self.reported.aws && older.reported.aws {
            self.provider = older.provider.clone();
            self.status = older.status.clone();
            self.version = older.version.clone();
            self.platform_version = older.platform_version.clone();
            self.endpoint = older.endpoint.clone();
            self.reported.aws = true;
        }
        if !self.reported.kube && older.reported.kube {
            self.api_reachable = older.api_reachable;
            self.server_version = older.server_version.clone();
            self.nodes = older.nodes;
            self.api_error = older.api_error.clone();
            self.unavailable = older.unavailable.clone();
            self.kube_context = older.kube_context.clone();
            self.reported.kube = true;
        }
        if self.arn.is_none() {
            self.arn = older.arn.clone();
        }
    }

    /// "degraded: HelmReleases unavailable (500 …)": some kinds fail, the rest answer.
    fn degraded_kinds(&self) -> Assessment {
        Assessment::new(
            Health::Degraded,
            format!("degraded: {}", self.unavailable.join("; ")),
        )
    }

    /// The context to run kubectl against.
    pub fn context<'a>(&'a self, row: &'a Row) -> &'a str {
        self.kube_context
            .as_deref()
            .or(row.id.scope.context.as_deref())
            .unwrap_or(&row.id.name)
    }
}

fn api_cell(c: &Cluster) -> Cell {
    Cell::text(match c.api_reachable {
        Some(true) => "reachable",
        Some(false) => "unreachable",
        None => "-",
    })
}

impl KindFacts for Cluster {
    // EKS and the kube API's reachability, joined by the store (see store/join.rs).
    const SPEC: &'static KindSpec = &KindSpec::regional("cluster", "Clusters")
        .labels("Clusters", "cluster", &["clusters", "eks"])
        .counted_in_region(|p| &mut p.clusters)
        .drills_into(&[Section::Issues, Section::NodeGroups, Section::Addons]);
    const COLUMNS: &'static [Column<Self>] = &[
        Column::name(18),
        Column::account(14),
        Column::region(12),
        Column::new("STATUS", 9, |_, c, _| Cell::text(c.status.clone())),
        Column::new("VERSION", 8, |_, c, _| Cell::text(c.version.clone())),
        Column::new("NODES", 6, |_, c, _| {
            c.nodes
                .map(Cell::count)
                .unwrap_or_else(|| Cell::number(-1, "-"))
        }),
        Column::new("API", 12, |_, c, _| api_cell(c)),
        Column::HEALTH,
        Column::reason(40),
    ];

    fn merge_unreported(&mut self, older: &Cluster) -> bool {
        self.keep_unreported(older);
        true
    }

    fn assess(&self, _: &[Condition], _: Timestamp) -> Assessment {
        match self.status.as_str() {
            "FAILED" => Assessment::new(Health::Failed, "EKS reports status FAILED"),
            "DELETING" => Assessment::new(Health::Degraded, "cluster is being deleted"),
            "CREATING" | "UPDATING" | "PENDING" => {
                Assessment::new(Health::Progressing, format!("EKS status {}", self.status))
            }
            "ACTIVE" => match self.api_reachable {
                Some(false) => Assessment::new(
                    Health::Degraded,
                    match &self.api_error {
                        Some(e) => format!("ACTIVE, but the kube API: {e}"),
                        None => "ACTIVE but the API server is unreachable".into(),
                    },
                ),
                Some(true) if !self.unavailable.is_empty() => self.degraded_kinds(),
                Some(true) => {
                    let mut reason = String::from("ACTIVE, API reachable");
                    if let Some(v) = &self.server_version {
                        reason.push_str(&format!(", {v}"));
                    }
                    if let Some(n) = self.nodes {
                        reason.push_str(&format!(", {n} nodes"));
                    }
                    Assessment::new(Health::Healthy, reason)
                }
                None => Assessment::new(Health::Healthy, "ACTIVE"),
            },
            // Seen from the kube side only: no EKS status, reachability decides.
            "" => match self.api_reachable {
                Some(true) if !self.unavailable.is_empty() => self.degraded_kinds(),
                Some(true) => Assessment::new(
                    Health::Healthy,
                    format!(
                        "API reachable{}",
                        self.server_version
                            .as_deref()
                            .map(|v| format!(", {v}"))
                            .unwrap_or_default()
                    ),
                ),
                Some(false) => Assessment::new(
                    Health::Failed,
                    self.api_error
                        .clone()
                        .unwrap_or_else(|| "API server unreachable".into()),
                ),
                None => Assessment::new(Health::Unknown, "not reached yet"),
            },
            other => Assessment::new(Health::Unknown, format!("unexpected EKS status {other:?}")),
        }
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        vec![
            format!(
                "aws eks describe-cluster --name {} {}",
                row.id.name,
                row.id.scope.aws_flags()
            ),
            format!("kubectl --context {} get nodes", self.context(row)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::testing::{all_cells, row};
    use crate::model::{Facts, Kind};

    fn cluster(status: &str, reachable: Option<bool>) -> Cluster {
        Cluster {
            provider: "EKS".into(),
            status: status.into(),
            version: "1.31".into(),
            api_reachable: reachable,
            server_version: Some("v1.31.4-eks-2d98532".into()),
            nodes: Some(6),
            ..Cluster::default()
        }
    }

    #[test]
    fn each_side_keeps_the_others_fields() {
        let kube = Cluster {
            reported: Sides::KUBE,
            kube_context: Some("eks-prod-use1".into()),
            arn: Some("arn:aws:eks:us-east-1:111122223333:cluster/eks-prod-use1".into()),
            version: "1.30".into(),
            ..cluster("", Some(false))
        };
        let mut aws = Cluster {
            reported: Sides::AWS,
            api_reachable: None,
            nodes: None,
            server_version: None,
            ..cluster("ACTIVE", None)
        };
        aws.keep_unreported(&kube);
        assert_eq!(aws.status, "ACTIVE");
        assert_eq!(aws.version, "1.31", "EKS says the version");
        assert_eq!(
            aws.api_reachable,
            Some(false),
            "the kube side says reachability"
        );
        assert_eq!(aws.nodes, Some(6));
        assert_eq!(aws.kube_context.as_deref(), Some("eks-prod-use1"));
        assert_eq!(aws.reported, Sides::default());
        let r = row(Kind::Cluster, Facts::Cluster(aws), vec![]);
        assert_eq!(r.health, Health::Degraded, "ACTIVE but unreachable");
    }

    #[test]
    fn health_follows_status_and_reachability() {
        let r = row(
            Kind::Cluster,
            Facts::Cluster(cluster("ACTIVE", Some(true))),
            vec![],
        );
        assert_eq!(r.health, Health::Healthy);
        assert_eq!(
            r.reason,
            "ACTIVE, API reachable, v1.31.4-eks-2d98532, 6 nodes"
        );
        assert_eq!(all_cells(&r)[6].text, "reachable");
        let r = row(
            Kind::Cluster,
            Facts::Cluster(cluster("ACTIVE", Some(false))),
            vec![],
        );
        assert_eq!(r.health, Health::Degraded);
        let r = row(
            Kind::Cluster,
            Facts::Cluster(cluster("UPDATING", None)),
            vec![],
        );
        assert_eq!(r.health, Health::Progressing);
        let r = row(
            Kind::Cluster,
            Facts::Cluster(cluster("FAILED", None)),
            vec![],
        );
        assert_eq!(r.health, Health::Failed);
    }
}
