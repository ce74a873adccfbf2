//! A runbook's inputs, declared once (`InputSpec`: the CLI flag, the form field and the journal
//! key in one line), and the rules that validate them: one clear message per problem, all found
//! at once, each on the input it is about so the form can show it beside the field.

use serde_json::Value;

use super::{Procedure, Runbook, RunbookSpec};

/// How an input is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputShape {
    /// One value.
    Text,
    /// Several values: a repeatable flag on the CLI, comma-separated in the form.
    List,
    /// One value or none: an empty form field is none.
    Optional,
}

/// One input of a runbook: what clap, the TUI form, validation and the journal know it by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputSpec {
    /// The JSON and journal key (the runbook's struct field).
    pub key: &'static str,
    /// The CLI's long flag.
    pub flag: &'static str,
    /// The TUI form's label.
    pub label: &'static str,
    /// The CLI's help line.
    pub help: &'static str,
    /// The CLI's default and where the form starts.
    pub default: Option<&'static str>,
    pub shape: InputShape,
}

impl InputSpec {
    /// What the form starts with: the default, else nothing (what the world tells comes later).
    pub fn form_default(&self) -> &'static str {
        self.default.unwrap_or_default()
    }

    /// Whether the CLI must be given it: no default, and not optional.
    pub fn required(&self) -> bool {
        self.default.is_none() && self.shape != InputShape::Optional
    }
}

/// A problem with the inputs, and the input it is about (`None`: the inputs as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputProblem {
    pub key: Option<&'static str>,
    pub message: String,
}

/// The problems' messages, in order: what the CLI prints.
pub fn messages(problems: Vec<InputProblem>) -> Vec<String> {
    problems.into_iter().map(|p| p.message).collect()
}

/// The form's texts (in `spec.inputs` order) as inputs: trimmed; a list split on ',' (empty
/// items dropped); an empty optional input is null.
pub fn form_values(spec: &RunbookSpec, texts: &[String]) -> Value {
    let values = spec.inputs.iter().enumerate().map(|(i, input)| {
        let text = texts.get(i).map_or("", |t| t.trim());
        let value = match input.shape {
            InputShape::Text => Value::from(text),
            InputShape::List => text
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect(),
            InputShape::Optional if text.is_empty() => Value::Null,
            InputShape::Optional => Value::from(text),
        };
        (input.key.to_string(), value)
    });
    Value::Object(values.collect())
}

/// Inputs (a journal's, a refused run's) as the form's texts, in `spec.inputs` order: a list
/// joined with ','; anything absent is empty.
pub fn form_texts(spec: &RunbookSpec, inputs: &Value) -> Vec<String> {
    spec.inputs
        .iter()
        .map(|input| match &inputs[input.key] {
            Value::String(s) => s.clone(),
            Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(","),
            _ => String::new(),
        })
        .collect()
}

/// `p` if its inputs pass its validation, else one problem per mistake.
pub fn checked<P: Procedure>(p: P) -> Result<P, Vec<InputProblem>> {
    let mut problems = Problems::default();
    p.validate(&mut problems);
    problems.into_problems().map(|()| p)
}

/// The runbook `P` from inputs given as JSON, validated.
pub fn decode<P: Procedure>(inputs: &Value) -> Result<P, Vec<InputProblem>> {
    let p: P = serde_json::from_value(inputs.clone()).map_err(|e| {
        vec![InputProblem {
            key: None,
            message: format!("{} inputs: {e}", P::SPEC.name),
        }]
    })?;
    checked(p)
}

/// `RunbookSpec::build` for a runbook whose inputs are all declared (no day of the run).
pub fn build<P: Procedure>(
    inputs: &Value,
    _today: &str,
) -> Result<Box<dyn Runbook>, Vec<InputProblem>> {
    Ok(Box::new(decode::<P>(inputs)?))
}

/// Collects problems with the inputs, each on the input named last (`input`).
#[derive(Debug, Default)]
pub struct Problems {
    found: Vec<InputProblem>,
    key: Option<&'static str>,
}

impl Problems {
    /// The problems found from here on are about the input `key`.
    pub fn input(&mut self, key: &'static str) -> &mut Problems {
        self.key = Some(key);
        self
    }

    /// The problems found from here on are about the inputs as a whole.
    pub fn together(&mut self) -> &mut Problems {
        self.key = None;
        self
    }

    pub fn push(&mut self, p: impl Into<String>) {
        self.found.push(InputProblem {
            key: self.key,
            message: p.into(),
        });
    }

    /// The messages, for the CLI and the runbooks' `new`.
    pub fn into_result(self) -> Result<(), Vec<String>> {
        self.into_problems().map_err(messages)
    }

    pub fn into_problems(self) -> Result<(), Vec<InputProblem>> {
        if self.found.is_empty() {
            Ok(())
        } else {
            Err(self.found)
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

    fn texts(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_form_gives_and_takes_back_the_declared_inputs() {
        let spec = crate::runbook::spec("create-org").unwrap();
        let mut given = vec![String::new(); spec.inputs.len()];
        given[2] = " world, arena,".into();
        let v = form_values(spec, &given);
        assert_eq!(v["spaces"], serde_json::json!(["world", "arena"]));
        assert_eq!(v["org"], "");
        assert_eq!(form_texts(spec, &v)[2], "world,arena");

        // Filled forms are runs; their inputs fill the form again, trimmed.
        let filled: [(&str, &[&str]); 2] = [
            (
                "failover",
                &[" helpdev.io", "api.helpdev.io ", "us-east-1", "sa-east-1"],
            ),
            (
                "staging-refresh",
                &["prod-db", "dev-db", "prod-media", "staging-media", ""],
            ),
        ];
        for (name, values) in filled {
            let spec = crate::runbook::spec(name).unwrap();
            let given = texts(values);
            let Ok(rb) = (spec.build)(&form_values(spec, &given), "20261125") else {
                panic!("{name}: the filled form is refused")
            };
            let trimmed: Vec<String> = given.iter().map(|t| t.trim().to_string()).collect();
            assert_eq!(form_texts(spec, &rb.inputs()), trimmed, "{name}");
        }
        let spec = crate::runbook::spec("staging-refresh").unwrap();
        let v = form_values(spec, &texts(&["a-db", "b-db", "a-media", "b-media", "  "]));
        assert_eq!(v["snapshot"], Value::Null);
        let Ok(rb) = (spec.build)(&v, "20261125") else {
            panic!("refused")
        };
        assert_eq!(rb.inputs()["day"], "20261125");
    }

    #[test]
    fn each_problem_sits_beside_its_input() {
        let spec = crate::runbook::spec("failover").unwrap();
        let v = form_values(
            spec,
            &texts(&["helpdev.io", "api.other.io", "mars-1", "mars-1"]),
        );
        let Err(problems) = (spec.build)(&v, "20261125") else {
            panic!("accepted")
        };
        let keys: Vec<_> = problems.iter().map(|p| p.key).collect();
        assert_eq!(
            keys,
            [Some("record"), Some("from"), Some("to"), Some("to")],
            "{problems:#?}"
        );
        assert!(problems[0].message.contains("is not in zone helpdev.io"));
    }

    #[test]
    fn inputs_are_declared_once_each() {
        for spec in crate::runbook::RUNBOOKS {
            let keys: std::collections::BTreeSet<_> = spec.inputs.iter().map(|i| i.key).collect();
            let flags: std::collections::BTreeSet<_> = spec.inputs.iter().map(|i| i.flag).collect();
            assert_eq!(keys.len(), spec.inputs.len(), "{}", spec.name);
            assert_eq!(flags.len(), spec.inputs.len(), "{}", spec.name);
        }
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
