//! Secret values (generated JWT secrets, admin codes, passwords): they go to the secret store and
//! nowhere else. `SecretValue` prints as its name only, so a `{:?}`, a log line or a journal
//! event cannot leak it.

use std::fmt;

/// A named secret value. Debug and Display show `<secret NAME>`; only `expose` gives the value,
/// and only a port that writes to a secret store calls it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue {
    name: String,
    value: String,
}

impl SecretValue {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> SecretValue {
        SecretValue {
            name: name.into(),
            value: value.into(),
        }
    }

    /// `bytes` random bytes from the system's CSPRNG, hex-encoded.
    pub fn generate(name: impl Into<String>, bytes: usize) -> SecretValue {
        let mut buf = vec![0u8; bytes];
        aws_lc_rs::rand::fill(&mut buf).expect("the system random generator works");
        let value = buf.iter().map(|b| format!("{b:02x}")).collect::<String>();
        SecretValue::new(name, value)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn expose(&self) -> &str {
        &self.value
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<secret {}>", self.name)
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<secret {}>", self.name)
    }
}

/// A secret document (several keys, e.g. JWT_SECRET and ADMIN_CODE) as the secret store takes
/// it: a JSON object. Debug shows the keys only.
#[derive(Clone)]
pub struct SecretDocument(pub Vec<SecretValue>);

impl SecretDocument {
    pub fn keys(&self) -> Vec<&str> {
        self.0.iter().map(SecretValue::name).collect()
    }

    /// The JSON the secret store receives.
    pub fn expose_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self
            .0
            .iter()
            .map(|s| (s.name.clone(), s.value.clone().into()))
            .collect();
        serde_json::Value::Object(map).to_string()
    }
}

impl fmt::Debug for SecretDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<secret document {:?}>", self.keys())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_prints_as_its_name() {
        let s = SecretValue::generate("JWT_SECRET", 32);
        assert_eq!(s.expose().len(), 64);
        assert_ne!(s.expose(), SecretValue::generate("JWT_SECRET", 32).expose());
        assert_eq!(
            format!("{s} {s:?}"),
            "<secret JWT_SECRET> <secret JWT_SECRET>"
        );
        let doc = SecretDocument(vec![s.clone(), SecretValue::generate("ADMIN_CODE", 8)]);
        assert!(!format!("{doc:?}").contains(s.expose()));
        assert!(doc.expose_json().contains(s.expose()));
    }
}
