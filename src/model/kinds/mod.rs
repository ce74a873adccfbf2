//! One file per kind: its facts (the projection), its spec (names, scope, roll-up part, watched
//! resources), its columns, its health rule and its tests. The registry below lists every kind
//! once and generates from those files the closed sets `Kind` and `Facts` and every dispatch over
//! them, so the store and the UI stay kind-agnostic and a forgotten case cannot compile.

#[cfg(test)]
mod arbitrary;
pub mod argo_application;
pub mod argo_appset;
pub mod cache_group;
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
pub mod workload;

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;

use super::{Assessment, Cell, Column, ColumnSpec, Condition, KindSpec, Row};

/// What every kind file provides: with the facts type, the kind's whole declaration.
pub trait KindFacts: Serialize + Sized + 'static {
    /// Names, scope, roll-up part, watched resources, default sort.
    const SPEC: &'static KindSpec;
    const COLUMNS: &'static [Column<Self>];
    /// The kind's own health rule. `now` matters for time-dependent kinds (certificates).
    fn assess(&self, conditions: &[Condition], now: Timestamp) -> Assessment;
    /// The equivalent commands of the tools people already use (flux, kubectl, cmctl, aws).
    fn cli(&self, row: &Row) -> Vec<String>;
    /// The short metric series a row carries (RDS, ECS), for sparklines.
    fn metrics(&self) -> &[series::Series] {
        &[]
    }
    /// For a kind written by two sources (a region: CloudWatch and Route53; an EKS cluster: EKS
    /// and the kube API), takes from `older` what this one does not report and says so.
    fn merge_unreported(&mut self, _older: &Self) -> bool {
        false
    }
    /// Whether the object is suspended, for kinds that can be (`T` suspends and resumes them).
    fn suspended(&self) -> Option<bool> {
        None
    }
    /// What happened between two readings of the object, beyond its health, one line each,
    /// for the timeline: a new revision rolled out (the upgrade ten minutes before the alarm),
    /// an alarm or a health check flipping, a service's new events.
    fn happened(&self, _before: &Self) -> Vec<String> {
        Vec::new()
    }
    /// The API kind of the row's object ("HelmRelease", "Deployment"), for kinds read from
    /// Kubernetes: the one resource the spec watches, or for a kind watched from several, the
    /// row's own (a Flux source, a workload).
    fn api_kind(&self) -> Option<&str> {
        match Self::SPEC.watch {
            Some(w) if w.resources.len() == 1 => Some(w.resources[0].api_kind),
            _ => None,
        }
    }
}

/// "revision a → b" when what an object runs moved; nothing when it did not or one is unknown.
pub fn moved(what: &str, before: Option<&str>, now: Option<&str>) -> Option<String> {
    match (before, now) {
        (Some(b), Some(n)) if b != n => Some(format!("{what} {b} → {n}")),
        _ => None,
    }
}

/// Generates `Kind`, `Facts` and their dispatch from `Variant => facts type` lines. Variant
/// names are the serde names in snake case; their order is `Kind::ALL`'s and the panes'.
macro_rules! kinds {
    ($($kind:ident => $facts:ty),+ $(,)?) => {
        /// What a row is: one variant per kind file.
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Kind {
            $($kind),+
        }

        impl Kind {
            /// Every kind, in the registry's order (the panes' order).
            pub const ALL: [Kind; [$(stringify!($kind)),+].len()] = [$(Kind::$kind),+];

            /// The kind's declaration, from its file.
            pub const fn spec(self) -> &'static KindSpec {
                match self {
                    $(Kind::$kind => <$facts as KindFacts>::SPEC),+
                }
            }
        }

        /// A row's facts: what its kind keeps of the outside object.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum Facts {
            $($kind($facts)),+
        }

        impl Facts {
            pub fn kind(&self) -> Kind {
                match self {
                    $(Facts::$kind(_) => Kind::$kind),+
                }
            }

            /// Takes from `older` what this one does not report, for kinds written by two
            /// sources; false (nothing taken) for the others.
            pub fn keep_unreported(&mut self, older: &Facts) -> bool {
                match self {
                    $(Facts::$kind(new) => {
                        let Facts::$kind(old) = older else { return false };
                        KindFacts::merge_unreported(new, old)
                    })+
                }
            }

            pub fn assess(&self, conditions: &[Condition], now: Timestamp) -> Assessment {
                match self {
                    $(Facts::$kind(f) => KindFacts::assess(f, conditions, now)),+
                }
            }

            pub fn cell(&self, row: &Row, col: usize, now: Timestamp) -> Cell {
                match self {
                    $(Facts::$kind(f) => cell_of(row, f, col, now)),+
                }
            }

            pub fn cli(&self, row: &Row) -> Vec<String> {
                match self {
                    $(Facts::$kind(f) => KindFacts::cli(f, row)),+
                }
            }

            /// Whether the object is suspended; `None` for kinds that cannot be.
            pub fn suspended(&self) -> Option<bool> {
                match self {
                    $(Facts::$kind(f) => KindFacts::suspended(f)),+
                }
            }

            /// What happened since `before` (the same object's last reading), for the timeline.
            pub fn happened(&self, before: &Facts) -> Vec<String> {
                match self {
                    $(Facts::$kind(new) => {
                        let Facts::$kind(old) = before else { return Vec::new() };
                        KindFacts::happened(new, old)
                    })+
                }
            }

            /// The API kind of the row's object, for kinds read from Kubernetes.
            pub fn api_kind(&self) -> Option<&str> {
                match self {
                    $(Facts::$kind(f) => KindFacts::api_kind(f)),+
                }
            }

            /// The short metric series a row carries (RDS, ECS), for sparklines.
            pub fn metrics(&self) -> &[series::Series] {
                match self {
                    $(Facts::$kind(f) => KindFacts::metrics(f)),+
                }
            }
        }

        /// The column headers of a kind's table.
        pub fn columns(kind: Kind) -> Vec<ColumnSpec> {
            match kind {
                $(Kind::$kind => column_specs::<$facts>()),+
            }
        }
    };
}

// The registry: one line per kind.
kinds! {
    Cluster => cluster::Cluster,
    EcsService => ecs_service::EcsService,
    Kustomization => kustomization::Kustomization,
    HelmRelease => helm_release::HelmRelease,
    Workload => workload::Workload,
    FluxSource => flux_source::FluxSource,
    ArgoApplication => argo_application::ArgoApplication,
    ArgoAppSet => argo_appset::ArgoAppSet,
    Certificate => certificate::Certificate,
    DbInstance => db_instance::DbInstance,
    CacheGroup => cache_group::CacheGroup,
    Region => region::Region,
    Organization => organization::Organization,
}

fn column_specs<T: KindFacts>() -> Vec<ColumnSpec> {
    T::COLUMNS.iter().map(Column::spec).collect()
}

fn cell_of<T: KindFacts>(row: &Row, facts: &T, col: usize, now: Timestamp) -> Cell {
    T::COLUMNS
        .get(col)
        .map(|c| (c.cell)(row, facts, now))
        .unwrap_or_else(|| Cell::text(""))
}

impl Facts {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// The column a kind's table sorts by when the user has not chosen one.
pub fn default_sort_column(kind: Kind) -> usize {
    let title = kind.spec().sort_by;
    columns(kind)
        .iter()
        .position(|c| c.title == title)
        .unwrap_or(0)
}

/// Projects a Kubernetes API object into its kind's row, by its `kind` field: the kind whose
/// spec watches that resource. `None` for kinds opsdeck does not show or objects without a name.
pub fn project_object(
    obj: &serde_json::Value,
    context: &str,
    source: Arc<str>,
    now: Timestamp,
) -> Option<Row> {
    let api_kind = obj.get("kind")?.as_str()?;
    let watch = Kind::ALL
        .iter()
        .filter_map(|k| k.spec().watch)
        .find(|w| w.resources.iter().any(|r| r.api_kind == api_kind))?;
    (watch.project)(obj, context, source, now)
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

#[cfg(test)]
mod tests {
    //! The registry's own insurance: every kind declares a whole, distinct spec.
    use std::collections::HashSet;

    use super::*;

    /// Inserts every name, failing on the first seen twice.
    fn distinct<'a>(what: &str, names: impl IntoIterator<Item = &'a str>) {
        let mut seen = HashSet::new();
        for n in names {
            assert!(!n.is_empty(), "an empty {what}");
            assert!(seen.insert(n), "{what} {n:?} declared twice");
        }
    }

    #[test]
    fn every_kind_declares_a_whole_distinct_spec() {
        let specs = || Kind::ALL.iter().map(|k| k.spec());
        distinct("name", specs().map(|s| s.name));
        distinct("title", specs().map(|s| s.title));
        distinct("tab label", specs().map(|s| s.tab));
        distinct("short label", specs().map(|s| s.short));
        distinct("command", specs().flat_map(|s| s.commands.iter().copied()));
        distinct(
            "watched resource",
            specs()
                .filter_map(|s| s.watch)
                .flat_map(|w| w.resources.iter().map(|r| r.api_kind)),
        );
        for kind in Kind::ALL {
            let spec = kind.spec();
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                spec.name,
                "{kind:?}: the spec's name is the serde name"
            );
            assert!(!spec.commands.is_empty(), "{kind:?} has no command");
            let columns = columns(kind);
            assert!(!columns.is_empty(), "{kind:?} has no column");
            assert!(
                columns.iter().any(|c| c.title == "NAME"),
                "{kind:?} has no NAME column"
            );
            assert!(
                columns.iter().any(|c| c.title == spec.sort_by),
                "{kind:?} sorts by a column it does not have"
            );
            if let Some(w) = spec.watch {
                assert!(!w.resources.is_empty(), "{kind:?} watches nothing");
            }
        }
    }

    #[test]
    fn derived_answers_match_the_kinds() {
        let flux: Vec<Kind> = Kind::ALL.into_iter().filter(|k| k.is_flux()).collect();
        assert_eq!(
            flux,
            [Kind::Kustomization, Kind::HelmRelease, Kind::FluxSource]
        );
        let regional: Vec<Kind> = Kind::ALL
            .into_iter()
            .filter(|k| k.is_regional_part())
            .collect();
        assert_eq!(
            regional,
            [
                Kind::Cluster,
                Kind::EcsService,
                Kind::DbInstance,
                Kind::CacheGroup
            ]
        );
        assert!(Kind::Certificate.is_namespaced() && !Kind::Certificate.is_flux());
        assert!(Kind::Region.is_rollup() && Kind::Organization.is_rollup());
        assert_eq!(default_sort_column(Kind::Certificate), 7, "DAYS");
        assert_eq!(default_sort_column(Kind::Region), 1, "NAME");
    }
}
