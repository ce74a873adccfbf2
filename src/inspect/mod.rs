//! Drilling into one row, on demand: what a detail (and `opsdeck describe`, `opsdeck logs`)
//! asks a backend for beyond the row itself — pods, events, history, inventory, the certificate
//! chain (`Inspector`) and container logs (`logs::LogSource`). Nothing here is watched
//! fleet-wide: a section is fetched while its view is open (`live.rs` refreshes it and stops
//! when the view closes) and is bounded in size.
//!
//! What the store already knows is not fetched: the workloads a Flux object applied, and the
//! chain from a workload to the Flux objects and sources it came from (`trace.rs`, as
//! `flux trace`), are read from the fleet's rows. `document.rs` lays the whole detail out once
//! for the TUI and for `opsdeck describe`.

pub mod document;
pub mod lines;
pub mod live;
pub mod logs;
pub mod manifest;
pub mod route;
pub mod trace;

use futures_util::future::BoxFuture;
use serde::Serialize;

use crate::model::drilldown::{Body, Section};
use crate::model::kinds::flux::flux_name;
use crate::model::kinds::workload::object_name;
use crate::model::{Facts, Kind, Row, RowId};
use crate::store::Fleet;

/// A Kubernetes object by kind, namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    pub fn new(kind: &str, namespace: &str, name: &str) -> ObjectRef {
        ObjectRef {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// Parses "Kind/name" or "Kind/namespace/name" (a `sourceRef` as the facts keep it), the
    /// namespace defaulting to `namespace`.
    pub fn parse(text: &str, namespace: &str) -> Option<ObjectRef> {
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [kind, name] if !kind.is_empty() && !name.is_empty() => {
                Some(ObjectRef::new(kind, namespace, name))
            }
            [kind, ns, name] if !kind.is_empty() && !name.is_empty() => {
                Some(ObjectRef::new(kind, ns, name))
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
    }
}

/// A workload whose pods a detail lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkloadRef {
    /// Deployment, StatefulSet, DaemonSet.
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// Its `spec.selector` as a label selector.
    pub selector: String,
}

/// What a detail asks a backend about: the row, and what the store knows around it.
#[derive(Clone, Debug)]
pub struct Subject {
    pub id: RowId,
    pub facts: Facts,
    /// The row's own object; `None` for rows not read from Kubernetes.
    pub object: Option<ObjectRef>,
    /// The workloads whose pods belong to the row: itself, or those it applied.
    pub workloads: Vec<WorkloadRef>,
    /// The Flux source it reads from: `flux events --for` shows its events too.
    pub source: Option<ObjectRef>,
}

impl Subject {
    /// The subject of `row`, with its workloads and source read from `fleet`.
    pub fn of(row: &Row, fleet: &Fleet) -> Subject {
        let ns = row.id.scope.namespace();
        let object = row
            .facts
            .api_kind()
            .map(|kind| ObjectRef::new(kind, ns, flux_name(&row.id.name)));
        let source = match &row.facts {
            Facts::HelmRelease(h) => ObjectRef::parse(&h.source, ns),
            Facts::Kustomization(k) => ObjectRef::parse(&k.source, ns),
            _ => None,
        };
        let workloads = match &row.facts {
            Facts::Workload(w) => vec![WorkloadRef {
                kind: w.workload_kind.clone(),
                namespace: ns.to_string(),
                name: object_name(&row.id.name).to_string(),
                selector: w.selector.clone(),
            }],
            _ => applied_workloads(row, fleet)
                .into_iter()
                .filter_map(|r| match &r.facts {
                    Facts::Workload(w) => Some(WorkloadRef {
                        kind: w.workload_kind.clone(),
                        namespace: r.id.scope.namespace().to_string(),
                        name: object_name(&r.id.name).to_string(),
                        selector: w.selector.clone(),
                    }),
                    _ => None,
                })
                .collect(),
        };
        Subject {
            id: row.id.clone(),
            facts: row.facts.clone(),
            object,
            workloads,
            source,
        }
    }

    pub fn context(&self) -> &str {
        self.id.scope.context()
    }
}

/// The workload rows a HelmRelease, Kustomization or Argo CD Application applied (by the labels
/// Flux and Argo CD set on them), worst first; none for other kinds.
pub fn applied_workloads<'a>(row: &Row, fleet: &'a Fleet) -> Vec<&'a Row> {
    let kind = match row.kind() {
        Kind::HelmRelease => "HelmRelease",
        Kind::Kustomization => "Kustomization",
        Kind::ArgoApplication => "Application",
        _ => return Vec::new(),
    };
    let (ctx, ns, name) = (
        row.id.scope.context(),
        row.id.scope.namespace(),
        row.id.name.as_str(),
    );
    let mut keys: Vec<_> = fleet
        .keys_of(Kind::Workload)
        .filter(|k| {
            fleet.get(*k).is_some_and(|r| {
                r.id.scope.context() == ctx
                    && matches!(&r.facts, Facts::Workload(w) if w.owner.as_ref().is_some_and(|o| {
                        o.kind == kind && o.namespace == ns && o.name == name
                    }))
            })
        })
        .collect();
    fleet.sort_worst_first(&mut keys);
    keys.into_iter().filter_map(|k| fleet.get(k)).collect()
}

/// One section's fetch: its body, or why it could not be read ("forbidden (RBAC): …").
pub type SectionFuture = BoxFuture<'static, Result<Body, String>>;

/// What a backend answers about one row, on demand.
pub trait Inspector: Send + Sync {
    /// Fetches one section of the subject's detail, now.
    fn fetch(&self, subject: &Subject, section: Section) -> SectionFuture;

    /// The subject's object as its API serves it (`y`); by default what opsdeck read of it.
    fn manifest(&self, subject: &Subject) -> manifest::ManifestFuture {
        let m = manifest::Manifest::of_facts(subject);
        Box::pin(async move { Ok(m) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_refs_parse_with_and_without_a_namespace() {
        assert_eq!(
            ObjectRef::parse("HelmRepository/numen-games-charts", "numen-games"),
            Some(ObjectRef::new(
                "HelmRepository",
                "numen-games",
                "numen-games-charts"
            ))
        );
        assert_eq!(
            ObjectRef::parse("GitRepository/flux-system/flux-system", "numen-games")
                .unwrap()
                .to_string(),
            "GitRepository/flux-system/flux-system"
        );
        assert_eq!(ObjectRef::parse("-", "x"), None);
    }
}
