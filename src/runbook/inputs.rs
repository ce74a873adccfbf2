//! Input rules shared by the runbooks: one clear message per problem, all found at once.

/// Collects problems with the inputs.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<String>);

impl Problems {
    pub fn push(&mut self, p: impl Into<String>) {
        self.0.push(p.into());
    }

    pub fn into_result(self) -> Result<(), Vec<String>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }

    /// A Kubernetes namespace-style name (DNS-1123 label), at most `max` characters.
    pub fn dns_label(&mut self, what: &str, value: &str, max: usize) {
        if value.is_empty() {
            self.push(format!("{what} is empty"));
        } else if value.len() > max {
            self.push(format!(
                "{what} {value:?} is {} characters; at most {max}",
                value.len()
            ));
        } else if !is_dns_label(value) {
            self.push(format!(
                "{what} {value:?} is not a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"
            ));
        }
    }

    pub fn domain(&mut self, what: &str, value: &str) {
        let labels: Vec<&str> = value.trim_end_matches('.').split('.').collect();
        let ok = value.len() <= 253
            && labels.len() >= 2
            && labels
                .iter()
                .all(|l| !l.is_empty() && l.len() <= 63 && is_dns_label(l))
            && labels
                .last()
                .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_lowercase()));
        if !ok {
            self.push(format!(
                "{what} {value:?} is not a domain name like example.com (lowercase)"
            ));
        }
    }

    pub fn account_id(&mut self, what: &str, value: &str) {
        if value.len() != 12 || !value.chars().all(|c| c.is_ascii_digit()) {
            self.push(format!("{what} {value:?} is not a 12-digit AWS account id"));
        }
    }

    pub fn non_empty(&mut self, what: &str, value: &str) {
        if value.trim().is_empty() {
            self.push(format!("{what} is empty"));
        }
    }
}

pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A Kubernetes object name (DNS-1123 subdomain): dot-separated labels, at most 253
/// characters. What a write names goes into a URL path: `/`, `..`, `?` and the like never do.
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// A field of journalled inputs.
pub fn field(inputs: &serde_json::Value, key: &str) -> Result<String, String> {
    inputs[key]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("the journal's inputs have no {key:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_is_named() {
        let mut p = Problems::default();
        p.dns_label("org", "Acme_Games", 40);
        p.dns_label("org", &"a".repeat(41), 40);
        p.dns_label("org", "acme-games", 40);
        p.domain("domain", "acme");
        p.domain("domain", "acme.games");
        p.account_id("account id", "12345");
        p.account_id("account id", "111122223333");
        let v = p.into_result().unwrap_err();
        assert_eq!(v.len(), 4, "{v:#?}");
        assert!(v[0].contains("DNS-1123"));
        assert!(v[1].contains("at most 40"));
        assert!(v[2].contains("\"acme\""));
        assert!(v[3].contains("12-digit"));
    }
}
