//! One file per kind: its facts (the projection), its columns, its health rule and its tests.
//! `Facts` is the closed set of them, so the store and the UI can stay kind-agnostic.

#[cfg(test)]
mod arbitrary;
pub mod certificate;
pub mod cluster;
pub mod db_instance;
pub mod ecs_service;
pub mod flux;
pub mod flux_source;
pub mod helm_release;
pub mod kustomization;
pub mod organization;
pub mod parts;
pub mod region;
pub mod series;

use jiff::Timestamp;
use serde::Serialize;

use super::{Assessment, Cell, Column, ColumnSpec, Condition, Kind, Row};

/// What every kind file provides.
pub trait KindFacts: Serialize + Sized + 'static {
    const KIND: Kind;
    const COLUMNS: &'static [Column<Self>];
    /// The kind's own health rule. `now` matters for time-dependent kinds (certificates).
    fn assess(&self, conditions: &[Condition], now: Timestamp) -> Assessment;
    /// The equivalent commands of the tools people already use (flux, kubectl, cmctl, aws).
    fn cli(&self, row: &Row) -> Vec<String>;
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Facts {
    Cluster(cluster::Cluster),
    EcsService(ecs_service::EcsService),
    Kustomization(kustomization::Kustomization),
    HelmRelease(helm_release::HelmRelease),
    FluxSource(flux_source::FluxSource),
    Certificate(certificate::Certificate),
    DbInstance(db_instance::DbInstance),
    Region(region::Region),
    Organization(organization::Organization),
}

/// Runs `$body` with `$f` bound to the kind's facts, whatever the kind.
macro_rules! with_facts {
    ($facts:expr, $f:ident => $body:expr) => {
        match $facts {
            Facts::Cluster($f) => $body,
            Facts::EcsService($f) => $body,
            Facts::Kustomization($f) => $body,
            Facts::HelmRelease($f) => $body,
            Facts::FluxSource($f) => $body,
            Facts::Certificate($f) => $body,
            Facts::DbInstance($f) => $body,
            Facts::Region($f) => $body,
            Facts::Organization($f) => $body,
        }
    };
}

fn kind_of<T: KindFacts>(_: &T) -> Kind {
    T::KIND
}

fn cell_of<T: KindFacts>(row: &Row, facts: &T, col: usize, now: Timestamp) -> Cell {
    T::COLUMNS
        .get(col)
        .map(|c| (c.cell)(row, facts, now))
        .unwrap_or_else(|| Cell::text(""))
}

fn specs_of<T: KindFacts>() -> Vec<ColumnSpec> {
    T::COLUMNS
        .iter()
        .map(|c| ColumnSpec {
            title: c.title,
            width: c.width,
        })
        .collect()
}

impl Facts {
    pub fn kind(&self) -> Kind {
        with_facts!(self, f => kind_of(f))
    }

    /// For a kind written by two sources (a region: CloudWatch and Route53; an EKS cluster: EKS
    /// and the kube API), takes from `older` what this one does not report. Others: nothing.
    pub fn keep_unreported(&mut self, older: &Facts) -> bool {
        match (self, older) {
            (Facts::Region(new), Facts::Region(old)) => {
                new.keep_unreported(old);
                new.parts = old.parts.clone();
                true
            }
            (Facts::Cluster(new), Facts::Cluster(old)) => {
                new.keep_unreported(old);
                true
            }
            _ => false,
        }
    }

    pub fn assess(&self, conditions: &[Condition], now: Timestamp) -> Assessment {
        with_facts!(self, f => f.assess(conditions, now))
    }

    pub fn cell(&self, row: &Row, col: usize, now: Timestamp) -> Cell {
        with_facts!(self, f => cell_of(row, f, col, now))
    }

    pub fn cli(&self, row: &Row) -> Vec<String> {
        with_facts!(self, f => f.cli(row))
    }

    /// The short metric series a row carries (RDS, ECS), for sparklines.
    pub fn metrics(&self) -> &[series::Series] {
        match self {
            Facts::DbInstance(d) => &d.metrics,
            Facts::EcsService(e) => &e.metrics,
            _ => &[],
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// The column headers of a kind's table.
pub fn columns(kind: Kind) -> Vec<ColumnSpec> {
    match kind {
        Kind::Cluster => specs_of::<cluster::Cluster>(),
        Kind::EcsService => specs_of::<ecs_service::EcsService>(),
        Kind::Kustomization => specs_of::<kustomization::Kustomization>(),
        Kind::HelmRelease => specs_of::<helm_release::HelmRelease>(),
        Kind::FluxSource => specs_of::<flux_source::FluxSource>(),
        Kind::Certificate => specs_of::<certificate::Certificate>(),
        Kind::DbInstance => specs_of::<db_instance::DbInstance>(),
        Kind::Region => specs_of::<region::Region>(),
        Kind::Organization => specs_of::<organization::Organization>(),
    }
}

/// The column a kind's table sorts by when the user has not chosen one.
pub fn default_sort_column(kind: Kind) -> usize {
    let title = match kind {
        Kind::Certificate => "DAYS",
        _ => "NAME",
    };
    columns(kind)
        .iter()
        .position(|c| c.title == title)
        .unwrap_or(0)
}

/// Projects a Flux or cert-manager API object into its kind's row, by its `kind` field.
/// `None` for kinds opsdeck does not show or objects without a name.
pub fn project_object(
    obj: &serde_json::Value,
    context: &str,
    source: std::sync::Arc<str>,
    now: Timestamp,
) -> Option<Row> {
    match obj.get("kind")?.as_str()? {
        "Kustomization" => kustomization::Kustomization::project(obj, context, source, now),
        "HelmRelease" => helm_release::HelmRelease::project(obj, context, source, now),
        "GitRepository" | "HelmRepository" | "OCIRepository" => {
            flux_source::FluxSource::project(obj, context, source, now)
        }
        "Certificate" => certificate::Certificate::project(obj, context, source, now),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers the kind tests share.
    use super::*;
    use crate::model::{RowId, Scope};

    pub fn now() -> Timestamp {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    pub fn row(kind: Kind, facts: Facts, conditions: Vec<Condition>) -> Row {
        Row::new(
            RowId::new(kind, Scope::kube("ctx", "ns"), "name"),
            "test".into(),
            facts,
            conditions,
            now(),
        )
    }

    /// Every column of the kind yields a cell and the header count matches.
    pub fn all_cells(r: &Row) -> Vec<Cell> {
        let n = columns(r.kind()).len();
        assert!(n > 0);
        (0..n).map(|i| r.facts.cell(r, i, now())).collect()
    }
}
