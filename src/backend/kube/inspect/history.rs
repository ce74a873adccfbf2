//! History, read from the objects themselves when a detail asks (the watched rows keep only
//! what the tables show): a HelmRelease's `status.history` (newest first, as helm-controller
//! writes it), a Kustomization's applied and attempted revisions beside its source's artifact,
//! and a Kustomization's inventory (`status.inventory.entries`).

use jiff::Timestamp;
use serde_json::Value;

use super::Reader;
use crate::inspect::{ObjectRef, Subject};
use crate::model::drilldown::{
    Body, InventoryEntry, KustomizeRevisions, MAX_HISTORY, MAX_INVENTORY, Revision,
};
use crate::model::json::at;
use crate::model::kinds::flux_source::RESOURCES as SOURCES;
use crate::model::kinds::{helm_release, kustomization};
use crate::model::{Facts, KubeResource};

fn text(v: &Value, pointer: &str) -> Option<String> {
    at(v, pointer).and_then(Value::as_str).map(String::from)
}

fn time(v: &Value, pointer: &str) -> Option<Timestamp> {
    at(v, pointer)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

/// The row's own object, which must exist.
async fn own(read: &Reader, subject: &Subject, r: &KubeResource) -> Result<Value, String> {
    let o = subject
        .object
        .as_ref()
        .ok_or_else(|| "no Kubernetes object behind this row".to_string())?;
    read.get(r, &o.namespace, &o.name)
        .await?
        .ok_or_else(|| format!("{} {}/{} is gone", r.api_kind, o.namespace, o.name))
}

pub(super) async fn history(read: &Reader, subject: &Subject) -> Result<Body, String> {
    match &subject.facts {
        Facts::HelmRelease(_) => {
            let obj = own(read, subject, &helm_release::RESOURCE).await?;
            Ok(Body::Releases(releases(&obj)))
        }
        Facts::Kustomization(_) => {
            let obj = own(read, subject, &kustomization::RESOURCE).await?;
            Ok(Body::Revisions(revisions(read, subject, &obj).await))
        }
        _ => Err("no history for this kind".into()),
    }
}

/// A HelmRelease's releases from `status.history`, newest first.
pub fn releases(obj: &Value) -> Vec<Revision> {
    at(obj, "/status/history")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(MAX_HISTORY)
        .map(|h| Revision {
            version: h.get("version").and_then(Value::as_u64).unwrap_or(0) as u32,
            chart: text(h, "/chartName").unwrap_or_default(),
            chart_version: text(h, "/chartVersion").unwrap_or_default(),
            app_version: text(h, "/appVersion"),
            status: text(h, "/status").unwrap_or_default(),
            digest: text(h, "/configDigest").or_else(|| text(h, "/digest")),
            deployed: time(h, "/lastDeployed").or_else(|| time(h, "/firstDeployed")),
        })
        .collect()
}

async fn revisions(read: &Reader, subject: &Subject, obj: &Value) -> KustomizeRevisions {
    let mut r = KustomizeRevisions {
        applied: text(obj, "/status/lastAppliedRevision"),
        attempted: text(obj, "/status/lastAttemptedRevision"),
        source: subject
            .source
            .as_ref()
            .map(ObjectRef::to_string)
            .unwrap_or_else(|| "-".into()),
        ..KustomizeRevisions::default()
    };
    let Some(src) = &subject.source else { return r };
    let Some(resource) = SOURCES.iter().find(|s| s.api_kind == src.kind) else {
        return r;
    };
    // The source's artifact is a nicety beside the revisions: unreadable, it is left out.
    if let Ok(Some(s)) = read.get(resource, &src.namespace, &src.name).await {
        r.artifact_revision = text(&s, "/status/artifact/revision");
        r.artifact_digest = text(&s, "/status/artifact/digest");
        r.artifact_at = time(&s, "/status/artifact/lastUpdateTime");
    }
    r
}

pub(super) async fn inventory(
    read: &Reader,
    subject: &Subject,
) -> Result<Vec<InventoryEntry>, String> {
    let obj = own(read, subject, &kustomization::RESOURCE).await?;
    Ok(inventory_of(&obj))
}

/// A Kustomization's inventory entries, at most `MAX_INVENTORY`.
pub fn inventory_of(obj: &Value) -> Vec<InventoryEntry> {
    at(obj, "/status/inventory/entries")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            InventoryEntry::parse(
                e.get("id")?.as_str()?,
                e.get("v").and_then(Value::as_str).unwrap_or_default(),
            )
        })
        .take(MAX_INVENTORY)
        .collect()
}
