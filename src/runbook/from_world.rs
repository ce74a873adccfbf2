//! What the world tells a runbook's inputs when they are not given: create-org's account and
//! OIDC provider, the routed names of the configured hosted zones for a failover, the RDS
//! instances and buckets with their environment tags for a staging refresh. A runbook declares
//! which inputs the world can answer (`RunbookSpec::from_world`); the CLI does not require
//! those flags, and the TUI's form starts from what was read instead of example names. Reading
//! fills only what is missing and only when the world answers one way; otherwise it lists the
//! choices, for the refusal or the form to show. Nothing here writes.

use std::collections::BTreeMap;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::ports::Ports;

/// What the caller knows of the configured world that the ports do not (empty for the demo,
/// whose ports know it all).
#[derive(Clone, Debug, Default)]
pub struct WorldHints {
    /// The hosted zones the config names.
    pub hosted_zones: Vec<String>,
    /// The EKS cluster (name, region) each kube context points at, from its ARN in the
    /// kubeconfig (`aws eks update-kubeconfig` names clusters so).
    pub eks: BTreeMap<String, (String, Option<String>)>,
}

/// Fills the missing inputs the world can tell, in place; gives what was read and where from,
/// and the choices it did not pick from, one line each. `Err` refuses the run: an input that
/// must be read and could not be.
pub type ReadWorld = for<'a> fn(
    &'a Ports,
    &'a WorldHints,
    &'a mut Value,
) -> BoxFuture<'a, Result<Vec<String>, String>>;

/// The inputs a runbook can read from the world, and how.
pub struct FromWorld {
    /// Their keys (`InputSpec::key`): the CLI does not require these flags.
    pub keys: &'static [&'static str],
    pub read: ReadWorld,
}

/// Whether `key` was not given (absent, null or empty).
pub fn missing(inputs: &Value, key: &str) -> bool {
    inputs
        .get(key)
        .is_none_or(|v| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()))
}

/// Sets `key` to `value` when it was not given; says so in `said` with `why`.
pub fn fill(inputs: &mut Value, said: &mut Vec<String>, key: &str, value: &str, why: &str) {
    if missing(inputs, key) {
        inputs[key] = value.into();
        said.push(format!("{key} {value}: {why}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_only_what_is_missing_and_says_so() {
        let mut inputs = json!({"zone": "given.io", "record": null, "from": ""});
        let mut said = Vec::new();
        fill(&mut inputs, &mut said, "zone", "other.io", "read");
        fill(
            &mut inputs,
            &mut said,
            "record",
            "api.given.io",
            "the only one",
        );
        fill(&mut inputs, &mut said, "from", "us-east-1", "serving");
        assert_eq!(inputs["zone"], "given.io");
        assert_eq!(inputs["record"], "api.given.io");
        assert_eq!(inputs["from"], "us-east-1");
        assert_eq!(
            said,
            [
                "record api.given.io: the only one",
                "from us-east-1: serving"
            ]
        );
    }
}
