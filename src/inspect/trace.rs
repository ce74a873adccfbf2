//! `flux trace`, from the store: from a workload to the HelmRelease or Kustomization that
//! applied it, the source it came from and that source's revision, and up through the
//! Kustomizations that applied those, to the cluster's root. Every step is a row the fleet
//! already holds (Flux sets `helm.toolkit.fluxcd.io/*` and `kustomize.toolkit.fluxcd.io/*`
//! labels on what it applies), so nothing is fetched and the trace is as live as the rows.

use std::collections::HashSet;

use serde::Serialize;

use super::ObjectRef;
use crate::model::kinds::flux::FluxRef;
use crate::model::{Facts, Health, Kind, Row, RowId};
use crate::store::Fleet;

/// A trace is never longer than this (a loop of labels cannot make it endless).
const MAX_STEPS: usize = 12;

/// One object on the way from a workload to the root Kustomization.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceStep {
    /// The API kind: "Deployment", "HelmRelease", "HelmRepository".
    pub kind: String,
    /// "namespace/name".
    pub name: String,
    /// Its row's health; `None` when the fleet has no row for it (not watched, or gone).
    pub health: Option<Health>,
    /// What the step says: the row's reason, with the revision or chart it points at.
    pub detail: String,
    /// The row, to open it.
    #[serde(skip)]
    pub id: Option<RowId>,
}

impl TraceStep {
    fn of_row(row: &Row) -> TraceStep {
        let kind = row
            .facts
            .api_kind()
            .unwrap_or(row.kind().title())
            .to_string();
        let revision = match &row.facts {
            Facts::HelmRelease(h) => Some(format!(
                "chart {}@{}",
                h.chart,
                h.chart_version.as_deref().unwrap_or("?")
            )),
            Facts::Kustomization(k) => k.revision.as_ref().map(|r| format!("revision {r}")),
            Facts::FluxSource(s) => s.revision.as_ref().map(|r| format!("revision {r}")),
            _ => None,
        };
        TraceStep {
            kind,
            name: format!(
                "{}/{}",
                row.id.scope.namespace(),
                crate::model::kinds::flux::flux_name(&row.id.name)
            ),
            health: Some(row.health),
            detail: match revision {
                Some(r) => format!("{r} — {}", row.reason),
                None => row.reason.clone(),
            },
            id: Some(row.id.clone()),
        }
    }

    fn missing(kind: &str, namespace: &str, name: &str) -> TraceStep {
        TraceStep {
            kind: kind.into(),
            name: format!("{namespace}/{name}"),
            health: None,
            detail: "not in view (not watched here, or deleted)".into(),
            id: None,
        }
    }
}

/// The trace of `row`: itself first, then what applied it and where that came from. Empty for
/// a row outside Flux's reach (not from Kubernetes).
pub fn trace(row: &Row, fleet: &Fleet) -> Vec<TraceStep> {
    let ctx = row.id.scope.context().to_string();
    let mut steps = vec![TraceStep::of_row(row)];
    let mut seen: HashSet<RowId> = HashSet::from([row.id.clone()]);
    let mut next = match &row.facts {
        Facts::Workload(w) => w.owner.clone(),
        Facts::HelmRelease(_) | Facts::Kustomization(_) => {
            push_source(row, fleet, &mut steps);
            managed_by(row)
        }
        _ => return Vec::new(),
    };
    while let Some(owner) = next.take() {
        if steps.len() >= MAX_STEPS {
            break;
        }
        let Some(id) = owner.row_id(&ctx) else { break };
        if !seen.insert(id.clone()) {
            break;
        }
        match fleet.row(&id) {
            Some(r) => {
                steps.push(TraceStep::of_row(r));
                push_source(r, fleet, &mut steps);
                next = managed_by(r);
            }
            None => steps.push(TraceStep::missing(
                &owner.kind,
                &owner.namespace,
                &owner.name,
            )),
        }
    }
    steps
}

fn managed_by(row: &Row) -> Option<FluxRef> {
    match &row.facts {
        Facts::HelmRelease(h) => h.managed_by.clone(),
        Facts::Kustomization(k) => k.managed_by.clone(),
        _ => None,
    }
}

/// The source a HelmRelease or Kustomization reads from, as a step.
fn push_source(row: &Row, fleet: &Fleet, steps: &mut Vec<TraceStep>) {
    let text = match &row.facts {
        Facts::HelmRelease(h) => &h.source,
        Facts::Kustomization(k) => &k.source,
        _ => return,
    };
    let Some(src) = ObjectRef::parse(text, row.id.scope.namespace()) else {
        return;
    };
    let id = Kind::row_id_of(row.id.scope.context(), &src.kind, &src.namespace, &src.name);
    // Two Kustomizations on the way may read one source: it is said once.
    if id.is_some() && steps.iter().any(|s| s.id == id) {
        return;
    }
    steps.push(match id.as_ref().and_then(|id| fleet.row(id)) {
        Some(r) => TraceStep::of_row(r),
        None => TraceStep::missing(&src.kind, &src.namespace, &src.name),
    });
}
