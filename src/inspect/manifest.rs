//! `y`: a row's object as its API serves it, fetched when asked and dropped when the view
//! closes. A Kubernetes object comes back as `kubectl get -o yaml` shows it (without
//! `metadata.managedFields`, which kubectl too hides unless asked); a row read from AWS as the
//! JSON of what opsdeck read from the API (the SDK's response types do not serialize, so the
//! row's facts stand in for them, and the view says so).

use futures_util::future::BoxFuture;

use super::Subject;

/// What `y` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// "YAML" or "JSON".
    pub format: &'static str,
    /// Where it comes from: "GET helm.toolkit.fluxcd.io/v2 HelmRelease numen-games/hyperfy2".
    pub origin: String,
    pub text: String,
}

pub type ManifestFuture = BoxFuture<'static, Result<Manifest, String>>;

impl Manifest {
    /// The row's facts as JSON: what opsdeck read of it, for rows whose API response is not
    /// kept as it came.
    pub fn of_facts(subject: &Subject) -> Manifest {
        let text = serde_json::to_string_pretty(&serde_json::json!({
            "kind": subject.id.kind.as_str(),
            "name": subject.id.name,
            "scope": subject.id.scope,
            "facts": subject.facts,
        }))
        .unwrap_or_default();
        Manifest {
            format: "JSON",
            origin: "what opsdeck read from the API (its facts)".into(),
            text,
        }
    }

    /// A Kubernetes object as YAML, `managedFields` left out.
    pub fn yaml(mut object: serde_json::Value, origin: String) -> Result<Manifest, String> {
        if let Some(meta) = object
            .get_mut("metadata")
            .and_then(serde_json::Value::as_object_mut)
        {
            meta.remove("managedFields");
        }
        let text = serde_saphyr::to_string(&object).map_err(|e| format!("as YAML: {e}"))?;
        Ok(Manifest {
            format: "YAML",
            origin,
            text,
        })
    }

    pub fn lines(&self) -> Vec<String> {
        self.text.lines().map(str::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_leaves_managed_fields_out() {
        let obj = serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "managedFields": [{"manager": "kubectl"}]},
            "data": {"k": "v"}
        });
        let m = Manifest::yaml(obj, "GET".into()).unwrap();
        assert!(m.text.contains("name: a"), "{}", m.text);
        assert!(m.text.contains("kind: ConfigMap"), "{}", m.text);
        assert!(!m.text.contains("managedFields"), "{}", m.text);
    }
}
