//! Kubernetes-style status conditions, as Flux and cert-manager report them.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    /// "True", "False" or "Unknown", verbatim from the API.
    pub status: String,
    pub reason: String,
    pub message: String,
    pub last_transition: Option<Timestamp>,
}

impl Condition {
    pub fn new(kind: &str, status: &str, reason: &str, message: &str) -> Self {
        Condition {
            kind: kind.to_string(),
            status: status.to_string(),
            reason: reason.to_string(),
            message: message.to_string(),
            last_transition: None,
        }
    }

    pub fn at(mut self, t: Timestamp) -> Self {
        self.last_transition = Some(t);
        self
    }

    pub fn is_true(&self) -> bool {
        self.status == "True"
    }

    pub fn is_false(&self) -> bool {
        self.status == "False"
    }

    /// Reads one entry of `status.conditions[]`.
    pub fn from_json(v: &Value) -> Option<Self> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
        let kind = v.get("type")?.as_str()?;
        Some(Condition {
            kind: kind.to_string(),
            status: s("status").to_string(),
            reason: s("reason").to_string(),
            message: s("message").to_string(),
            last_transition: v
                .get("lastTransitionTime")
                .and_then(Value::as_str)
                .and_then(|t| t.parse().ok()),
        })
    }

    /// Reads `status.conditions` of a whole API object.
    pub fn all_from_object(obj: &Value) -> Vec<Condition> {
        crate::model::json::at(obj, "/status/conditions")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Condition::from_json).collect())
            .unwrap_or_default()
    }
}

/// The condition of the given type, if present.
pub fn find<'a>(conditions: &'a [Condition], kind: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.kind == kind)
}

/// True when the condition is present with status "True" (Flux sets Stalled/Reconciling only then).
pub fn is_true(conditions: &[Condition], kind: &str) -> bool {
    find(conditions, kind).is_some_and(Condition::is_true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_conditions_from_an_object() {
        let obj = json!({"status": {"conditions": [
            {"type": "Ready", "status": "False", "reason": "UpgradeFailed",
             "message": "Helm upgrade failed", "lastTransitionTime": "2026-11-20T10:00:00Z"},
            {"status": "True"}
        ]}});
        let c = Condition::all_from_object(&obj);
        assert_eq!(c.len(), 1, "an entry without a type is skipped");
        assert!(c[0].is_false());
        assert_eq!(c[0].reason, "UpgradeFailed");
        assert_eq!(
            c[0].last_transition,
            Some("2026-11-20T10:00:00Z".parse().unwrap())
        );
        assert!(!is_true(&c, "Ready"));
        assert!(!is_true(&c, "Stalled"));
    }
}
