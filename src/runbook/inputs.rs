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

    /// An AWS region code (it goes into ARNs and OIDC issuer host names).
    pub fn aws_region(&mut self, what: &str, value: &str) {
        if !crate::config::is_aws_region(value) {
            let hint = crate::config::closest_region(value)
                .map(|r| format!("; did you mean {r}?"))
                .unwrap_or_default();
            self.push(format!("{what} {value:?} is not an AWS region{hint}"));
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

    /// An S3 bucket name by AWS's rules for general purpose buckets; whether it exists is the
    /// preflight's to find out.
    pub fn s3_bucket(&mut self, what: &str, value: &str) {
        if value.is_empty() {
            self.push(format!("{what} is empty"));
        } else if let Some(why) = s3_bucket_problem(value) {
            self.push(format!(
                "{what} {value:?} is not a valid S3 bucket name: {why}"
            ));
        }
    }

    /// Each value given more than once, named once: a repeated value would make every step
    /// that acts per value do its work twice.
    pub fn unique(&mut self, what: &str, values: &[String]) {
        let mut seen = std::collections::BTreeSet::new();
        let mut named = std::collections::BTreeSet::new();
        for v in values {
            if !seen.insert(v.as_str()) && named.insert(v.as_str()) {
                self.push(format!(
                    "{what} {v:?} is given more than once: name each once"
                ));
            }
        }
    }
}

/// Why `s` is not an S3 bucket name (AWS's naming rules for general purpose buckets), or `None`
/// when it is one.
pub fn s3_bucket_problem(s: &str) -> Option<&'static str> {
    const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
    const RESERVED_SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&s.len()) {
        Some("3 to 63 characters")
    } else if !s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    {
        Some("only lowercase letters, digits, '.' and '-'")
    } else if !edge(s.chars().next()) || !edge(s.chars().last()) {
        Some("it must start and end with a lowercase letter or digit")
    } else if s.contains("..") {
        Some("no two adjacent periods ('..')")
    } else if is_ip_form(s) {
        Some("it must not be formatted as an IP address")
    } else if RESERVED_PREFIXES.iter().any(|p| s.starts_with(p)) {
        Some("the prefixes xn--, sthree- and amzn-s3-demo- are reserved")
    } else if RESERVED_SUFFIXES.iter().any(|x| s.ends_with(x)) {
        Some("the suffixes -s3alias, --ol-s3, .mrap, --x-s3 and --table-s3 are reserved")
    } else {
        None
    }
}

/// Four dot-separated groups of digits, as an IPv4 address is written (`192.168.5.4`).
fn is_ip_form(s: &str) -> bool {
    let groups: Vec<&str> = s.split('.').collect();
    groups.len() == 4
        && groups
            .iter()
            .all(|g| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit()))
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

    #[test]
    fn s3_bucket_names_follow_the_aws_rules() {
        for ok in [
            "phenom-prod-media",
            "numinia-statics",
            "abc",
            "my.bucket.name",
            "1-2",
            "192.168.5.4.media",
        ] {
            assert_eq!(s3_bucket_problem(ok), None, "{ok}");
        }
        let long = "a".repeat(64);
        for (bad, why) in [
            ("a b", "only lowercase"),
            ("ab", "3 to 63"),
            (long.as_str(), "3 to 63"),
            ("Phenom-media", "only lowercase"),
            ("phenom_media", "only lowercase"),
            ("-phenom", "start and end"),
            ("phenom.", "start and end"),
            ("phenom..media", "adjacent periods"),
            ("192.168.5.4", "IP address"),
            ("xn--media", "reserved"),
            ("media-s3alias", "reserved"),
        ] {
            let got = s3_bucket_problem(bad);
            assert!(got.is_some_and(|g| g.contains(why)), "{bad}: {got:?}");
        }
        let mut p = Problems::default();
        p.s3_bucket("target bucket", "a b");
        p.s3_bucket("source bucket", "");
        p.s3_bucket("source bucket", "phenom-prod-media");
        let v = p.into_result().unwrap_err();
        assert_eq!(v.len(), 2, "{v:#?}");
        assert!(v[0].contains("target bucket \"a b\" is not a valid S3 bucket name"));
        assert_eq!(v[1], "source bucket is empty");
    }

    #[test]
    fn repeated_values_are_named_once() {
        let mut p = Problems::default();
        let spaces: Vec<String> = ["world", "arena", "world", "world", "vic", "arena"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        p.unique("space", &spaces);
        let v = p.into_result().unwrap_err();
        assert_eq!(v.len(), 2, "{v:#?}");
        assert!(v[0].contains("space \"world\" is given more than once"));
        assert!(v[1].contains("\"arena\""));
        let mut p = Problems::default();
        p.unique("space", &["world".to_string(), "arena".to_string()]);
        assert!(p.into_result().is_ok());
    }
}
