//! A watched Flux or cert-manager object as the API server sent it: its text, and the metadata
//! kube-rs needs (the watcher resumes from resourceVersions). The projection parses the text
//! into JSON just before it reads it, and drops it with the object. A `DynamicObject` would
//! buffer every field through serde's `flatten` and the projection would serialize it back into
//! JSON (most of a fill's CPU at 40,000 objects); and a page of 500 parsed objects waiting to
//! be projected holds several times the memory of its text.
//!
//! `metadata.managedFields` (server-side apply's record of who set which field: on a Flux- or
//! kubectl-applied object often more than the rest of it) is read by nothing here, so it is
//! skipped, not built, when the text is parsed, and not kept in the metadata.

use std::borrow::Cow;

use kube::core::{ApiResource, DynamicResourceScope, ObjectMeta};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
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
    /// The whole object as JSON, but for `metadata.managedFields`.
    pub fn json(&self) -> serde_json::Result<Value> {
        let mut de = serde_json::Deserializer::from_str(self.text.get());
        let value = WithoutManagedFields { depth: 0 }.deserialize(&mut de)?;
        de.end()?;
        Ok(value)
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

/// Parses an object (depth 0) into JSON, its `metadata` (depth 1) without `managedFields`,
/// which serde skips over without building.
#[derive(Clone, Copy)]
struct WithoutManagedFields {
    depth: u8,
}

impl<'de> DeserializeSeed<'de> for WithoutManagedFields {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for WithoutManagedFields {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Kubernetes object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match (self.depth, key.as_str()) {
                (0, "metadata") => {
                    let meta = map.next_value_seed(WithoutManagedFields { depth: 1 })?;
                    out.insert(key, meta);
                }
                (1, "managedFields") => {
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    out.insert(key, map.next_value::<Value>()?);
                }
            }
        }
        Ok(Value::Object(out))
    }

    // Anything but an object is kept as it is (the projection then says it is not readable).
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
}

impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Box::<RawValue>::deserialize(d)?;
        match serde_json::from_str::<Envelope>(text.get()) {
            Ok(Envelope { mut metadata }) => Ok(RawObject {
                meta: {
                    metadata.managed_fields = None;
                    metadata
                },
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
    fn managed_fields_are_neither_built_nor_kept() {
        let text = r#"{"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "acme", "resourceVersion": "42",
              "labels": {"app": "web"},
              "managedFields": [{"manager": "kustomize-controller", "operation": "Apply",
                "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:spec": {"f:replicas": {}}}}]},
            "spec": {"replicas": 2, "managedFields": "a spec field of that name stays"}}"#;
        let obj: RawObject = serde_json::from_str(text).unwrap();
        assert!(obj.meta().managed_fields.is_none(), "not kept");
        let json = obj.json().unwrap();
        assert!(json["metadata"].get("managedFields").is_none());
        assert_eq!(json["metadata"]["labels"]["app"], "web");
        assert_eq!(json["spec"]["replicas"], 2);
        assert_eq!(
            json["spec"]["managedFields"],
            "a spec field of that name stays"
        );
        // Exactly what a plain parse gives, managedFields aside.
        let mut plain: Value = serde_json::from_str(text).unwrap();
        plain["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        assert_eq!(json, plain);
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
