//! The nine kinds of row opsdeck shows.

use serde::Serialize;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Cluster,
    EcsService,
    Kustomization,
    HelmRelease,
    FluxSource,
    Certificate,
    DbInstance,
    Region,
    Organization,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Cluster,
        Kind::EcsService,
        Kind::Kustomization,
        Kind::HelmRelease,
        Kind::FluxSource,
        Kind::Certificate,
        Kind::DbInstance,
        Kind::Region,
        Kind::Organization,
    ];

    /// The machine name used in JSON output and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cluster => "cluster",
            Kind::EcsService => "ecs_service",
            Kind::Kustomization => "kustomization",
            Kind::HelmRelease => "helm_release",
            Kind::FluxSource => "flux_source",
            Kind::Certificate => "certificate",
            Kind::DbInstance => "db_instance",
            Kind::Region => "region",
            Kind::Organization => "organization",
        }
    }

    /// The pane title.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Cluster => "Clusters",
            Kind::EcsService => "ECS services",
            Kind::Kustomization => "Kustomizations",
            Kind::HelmRelease => "HelmReleases",
            Kind::FluxSource => "Sources",
            Kind::Certificate => "Certificates",
            Kind::DbInstance => "RDS",
            Kind::Region => "Regions",
            Kind::Organization => "Organizations",
        }
    }

    /// A short label for mixed lists (the Problems pane).
    pub fn short(self) -> &'static str {
        match self {
            Kind::Cluster => "cluster",
            Kind::EcsService => "ecs",
            Kind::Kustomization => "ks",
            Kind::HelmRelease => "hr",
            Kind::FluxSource => "src",
            Kind::Certificate => "cert",
            Kind::DbInstance => "rds",
            Kind::Region => "region",
            Kind::Organization => "org",
        }
    }

    pub fn is_flux(self) -> bool {
        matches!(
            self,
            Kind::Kustomization | Kind::HelmRelease | Kind::FluxSource
        )
    }

    /// Kinds that live in a namespace of a kube context and so belong to an organization.
    pub fn is_namespaced(self) -> bool {
        self.is_flux() || self == Kind::Certificate
    }

    /// Kinds whose health the store derives from other rows.
    pub fn is_rollup(self) -> bool {
        matches!(self, Kind::Region | Kind::Organization)
    }

    /// Kinds that count toward a region's roll-up.
    pub fn is_regional_part(self) -> bool {
        matches!(self, Kind::Cluster | Kind::EcsService | Kind::DbInstance)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
