//! Property test: the Kubernetes projections over arbitrary JSON. An API server (or a CRD
//! without a strict schema, or a newer Flux) can send any shape: missing status, nulls, fields
//! of the wrong type, unknown condition types, huge strings. A projection reads what it can or
//! declines the object; it never panics, and a row it makes renders every column.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::testing::{all_cells, now};
use super::{Kind, project_object};

/// Keys the projections read, so arbitrary objects reach deep into them, plus noise.
const KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "namespace",
    "labels",
    "annotations",
    "resourceVersion",
    "generation",
    "spec",
    "suspend",
    "interval",
    "chart",
    "version",
    "sourceRef",
    "path",
    "url",
    "ref",
    "branch",
    "status",
    "conditions",
    "type",
    "reason",
    "message",
    "lastTransitionTime",
    "observedGeneration",
    "lastAppliedRevision",
    "lastAttemptedRevision",
    "history",
    "chartVersion",
    "chartName",
    "artifact",
    "revision",
    "notAfter",
    "notBefore",
    "renewalTime",
    "secretName",
    "issuerRef",
    "dnsNames",
    "lastHandledReconcileAt",
    "failures",
    "upgradeFailures",
    "installFailures",
    "x",
    "",
];

/// The `kind` of every resource some kind's spec watches.
fn watched_kinds() -> Vec<&'static str> {
    Kind::ALL
        .iter()
        .filter_map(|k| k.spec().watch)
        .flat_map(|w| w.resources.iter().map(|r| r.api_kind))
        .collect()
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("True".to_string()),
            Just("False".to_string()),
            Just("Unknown".to_string()),
            Just("Ready".to_string()),
            Just("2026-11-23T12:00:00Z".to_string()),
            Just("not-a-time".to_string()),
            Just("x".repeat(100_000)),
            ".{0,40}",
        ]
        .prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// An object of a watched kind with a plausible name and anything else anywhere.
fn object() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(watched_kinds()),
        json_value(),
        json_value(),
        json_value(),
        any::<bool>(),
    )
        .prop_map(|(kind, metadata, spec, status, named)| {
            let mut metadata = match metadata {
                Value::Object(m) => Value::Object(m),
                other => json!({"extra": other}),
            };
            if named {
                metadata["name"] = json!("web");
                metadata["namespace"] = json!("acme");
            }
            json!({"kind": kind, "metadata": metadata, "spec": spec, "status": status})
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn projections_never_panic_and_their_rows_render(obj in object()) {
        if let Some(row) = project_object(&obj, "ctx", "test".into(), now()) {
            prop_assert_eq!(row.id.name.is_empty(), false);
            let _ = all_cells(&row);
        }
    }

    #[test]
    fn anything_at_all_is_declined_or_projected(obj in json_value()) {
        if let Some(row) = project_object(&obj, "ctx", "test".into(), now()) {
            let _ = all_cells(&row);
        }
    }
}
