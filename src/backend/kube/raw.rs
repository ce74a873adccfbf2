//! A watched Flux or cert-manager object as the API server sent it: its text, and the metadata
//! kube-rs needs (the watcher resumes from resourceVersions). The projection parses the text
//! into JSON just before it reads it, and drops it with the object. A `DynamicObject` would
//! buffer every field through serde's `flatten` and the projection would serialize it back into
//! JSON (most of a fill's CPU at 40,000 objects); and a page of 500 parsed objects waiting to
//! be projected holds several times the memory of its text.

use std::borrow::Cow;

use kube::core::{ApiResource, DynamicResourceScope, ObjectMeta};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

#[derive(Clone, Debug)]
pub struct RawObject {
    meta: ObjectMeta,
    /// The whole object's JSON text.
    text: Box<RawValue>,
    /// Why the metadata did not parse as `ObjectMeta`, when it did not: the object is kept
    /// (with what could be read of its name) so one bad object never fails its whole list.
    malformed: Option<String>,
}

/// The metadata of an object; serde skips the rest of the text without building it.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    metadata: ObjectMeta,
}

/// The metadata fields read from an object whose metadata does not parse, each only if it is
/// a string.
#[derive(Deserialize)]
struct LooseEnvelope {
    #[serde(default)]
    metadata: serde_json::Map<String, Value>,
}

impl RawObject {
    /// The whole object as JSON.
    pub fn json(&self) -> serde_json::Result<Value> {
        serde_json::from_str(self.text.get())
    }

    /// Why this object cannot be read as a Kubernetes object, if it cannot.
    pub fn malformed(&self) -> Option<&str> {
        self.malformed.as_deref()
    }

    /// "namespace/name" or "name", as far as they can be read.
    pub fn label(&self) -> String {
        let name = self.meta.name.as_deref().unwrap_or("(unnamed)");
        match &self.meta.namespace {
            Some(ns) => format!("{ns}/{name}"),
            None => name.to_string(),
        }
    }
}

impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Box::<RawValue>::deserialize(d)?;
        match serde_json::from_str::<Envelope>(text.get()) {
            Ok(Envelope { metadata }) => Ok(RawObject {
                meta: metadata,
                text,
                malformed: None,
            }),
            Err(e) => {
                let loose = serde_json::from_str::<LooseEnvelope>(text.get())
                    .map(|l| l.metadata)
                    .unwrap_or_default();
                let field = |k: &str| loose.get(k).and_then(Value::as_str).map(str::to_string);
                let meta = ObjectMeta {
                    name: field("name"),
                    namespace: field("namespace"),
                    resource_version: field("resourceVersion"),
                    uid: field("uid"),
                    ..ObjectMeta::default()
                };
                Ok(RawObject {
                    meta,
                    text,
                    malformed: Some(format!("metadata: {e}")),
                })
            }
        }
    }
}

impl kube::Resource for RawObject {
    type DynamicType = ApiResource;
    type Scope = DynamicResourceScope;

    fn kind(dt: &ApiResource) -> Cow<'_, str> {
        dt.kind.as_str().into()
    }

    fn group(dt: &ApiResource) -> Cow<'_, str> {
        dt.group.as_str().into()
    }

    fn version(dt: &ApiResource) -> Cow<'_, str> {
        dt.version.as_str().into()
    }

    fn api_version(dt: &ApiResource) -> Cow<'_, str> {
        dt.api_version.as_str().into()
    }

    fn plural(dt: &ApiResource) -> Cow<'_, str> {
        dt.plural.as_str().into()
    }

    fn meta(&self) -> &ObjectMeta {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.meta
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::{Resource, ResourceExt};

    #[test]
    fn keeps_the_whole_object_and_reads_its_metadata() {
        let text = r#"{"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "web", "namespace": "acme", "resourceVersion": "42"},
            "spec": {"interval": "10m"}, "status": {"conditions": []}}"#;
        let obj: RawObject = serde_json::from_str(text).unwrap();
        assert_eq!(obj.resource_version().as_deref(), Some("42"));
        assert_eq!(obj.meta().namespace.as_deref(), Some("acme"));
        let json = obj.json().unwrap();
        assert_eq!(json["spec"]["interval"], "10m");
        assert_eq!(json["kind"], "HelmRelease");
    }

    #[test]
    fn watch_events_carry_it_as_the_apiserver_writes_them() {
        // `type` comes first (Go's field order), so serde hands the object's text straight on.
        let line = r#"{"type":"MODIFIED","object":{"kind":"Kustomization",
            "metadata":{"name":"apps","resourceVersion":"7"},"status":{"conditions":[]}}}"#;
        let event: kube::core::WatchEvent<RawObject> = serde_json::from_str(line).unwrap();
        let kube::core::WatchEvent::Modified(obj) = event else {
            panic!("{event:?}");
        };
        assert_eq!(obj.resource_version().as_deref(), Some("7"));
        assert_eq!(obj.json().unwrap()["kind"], "Kustomization");
    }

    #[test]
    fn malformed_metadata_is_kept_and_said_not_an_error() {
        let obj = serde_json::from_str::<RawObject>(
            r#"{"metadata": {"name": "web", "namespace": "acme", "labels": 7, "resourceVersion": "9"}}"#,
        )
        .unwrap();
        assert!(
            obj.malformed().is_some_and(|m| m.contains("invalid type")),
            "{:?}",
            obj.malformed()
        );
        assert_eq!(obj.label(), "acme/web");
        assert_eq!(obj.resource_version().as_deref(), Some("9"));
        let obj = serde_json::from_str::<RawObject>(r#"{"metadata": "nope"}"#).unwrap();
        assert!(obj.malformed().is_some());
        assert_eq!(obj.label(), "(unnamed)");
    }

    #[test]
    fn a_list_with_one_bad_object_keeps_the_others() {
        let list = r#"{"metadata": {"resourceVersion": "abc-opaque"}, "items": [
            {"metadata": {"name": "a", "resourceVersion": "x1"}},
            {"metadata": {"name": 7}},
            {"metadata": {"name": "c", "resourceVersion": "x3"}}]}"#;
        let list: kube::core::ObjectList<RawObject> = serde_json::from_str(list).unwrap();
        assert_eq!(list.items.len(), 3);
        assert_eq!(
            list.items
                .iter()
                .filter(|o| o.malformed().is_none())
                .count(),
            2
        );
    }
}
