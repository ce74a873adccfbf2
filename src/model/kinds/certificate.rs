//! cert-manager Certificate (`cert-manager.io/v1`). Expiring in under 14 days is a warning.

use std::sync::Arc;

use jiff::{Timestamp, ToSpan};
use serde::Serialize;
use serde_json::Value;

use super::{KindFacts, flux};
use crate::model::column::namespaced_columns;
use crate::model::condition::find;
use crate::model::drilldown::Section;
use crate::model::row::human_duration;
use crate::model::{
    Assessment, Cell, Column, Condition, Facts, Health, KindSpec, KubeResource, Refresh, Row,
};

pub const API_VERSION: &str = "cert-manager.io/v1";
pub const WARN_DAYS: i64 = 14;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Certificate {
    pub dns_names: Vec<String>,
    pub issuer: String,
    pub secret_name: String,
    pub not_after: Option<Timestamp>,
    pub renewal_time: Option<Timestamp>,
}

impl Certificate {
    pub fn project(obj: &Value, context: &str, source: Arc<str>, now: Timestamp) -> Option<Row> {
        let m = flux::meta(obj)?;
        let time = |p: &str| flux::str_at(obj, p).and_then(|s| s.parse().ok());
        let issuer_kind = flux::str_at(obj, "/spec/issuerRef/kind").unwrap_or("Issuer");
        let facts = Certificate {
            dns_names: crate::model::json::at(obj, "/spec/dnsNames")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
            issuer: format!(
                "{issuer_kind}/{}",
                flux::str_at(obj, "/spec/issuerRef/name").unwrap_or("?")
            ),
            secret_name: flux::string_at(obj, "/spec/secretName").unwrap_or_default(),
            not_after: time("/status/notAfter"),
            renewal_time: time("/status/renewalTime"),
        };
        flux::object_row(obj, m.name, context, source, Facts::Certificate(facts), now)
    }

    /// Whole days until `notAfter` (negative once expired).
    pub fn days_left(&self, now: Timestamp) -> Option<i64> {
        self.not_after.map(|t| {
            t.as_second()
                .saturating_sub(now.as_second())
                .div_euclid(86_400)
        })
    }
}

fn date(t: Option<Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "-".into())
}

/// Watched from `cert-manager.io/v1`.
pub const RESOURCE: KubeResource = KubeResource {
    api_version: API_VERSION,
    api_kind: "Certificate",
    plural: "certificates",
    provided_by: "cert-manager",
    flux_noun: None,
};

/// The resources of a certificate's issuance chain, read on demand (never watched):
/// CertificateRequests, and for ACME issuers their Orders and Challenges.
pub const CERTIFICATE_REQUESTS: KubeResource = KubeResource {
    api_version: API_VERSION,
    api_kind: "CertificateRequest",
    plural: "certificaterequests",
    provided_by: "cert-manager",
    flux_noun: None,
};
pub const ACME_API_VERSION: &str = "acme.cert-manager.io/v1";
pub const ORDERS: KubeResource = KubeResource {
    api_version: ACME_API_VERSION,
    api_kind: "Order",
    plural: "orders",
    provided_by: "cert-manager (ACME)",
    flux_noun: None,
};
pub const CHALLENGES: KubeResource = KubeResource {
    api_version: ACME_API_VERSION,
    api_kind: "Challenge",
    plural: "challenges",
    provided_by: "cert-manager (ACME)",
    flux_noun: None,
};

fn days_cell(c: &Certificate, now: Timestamp) -> Cell {
    match c.days_left(now) {
        Some(d) => Cell::number(d, d.to_string()),
        None => Cell::number(i64::MAX, "-"),
    }
}

impl KindFacts for Certificate {
    const SPEC: &'static KindSpec = &KindSpec::namespaced("certificate", "Certificates")
        .labels("Certs", "cert", &["cert", "certificates"])
        .counted_in_org(|p| &mut p.certificates)
        .watched(&[RESOURCE], Certificate::project)
        .sorted_by("DAYS")
        .refreshed_by(Refresh::Renew)
        .drills_into(&[Section::Chain, Section::Events]);
    const COLUMNS: &'static [Column<Self>] = namespaced_columns!(
        24,
        [
            Column::new("DNS NAMES", 30, |_, c, _| Cell::text(c.dns_names.join(","))),
            Column::new("ISSUER", 30, |_, c, _| Cell::text(c.issuer.clone())),
            Column::new("EXPIRES", 10, |_, c, _| Cell::text(date(c.not_after))),
            Column::new("DAYS", 5, |_, c, now| days_cell(c, now)),
            Column::new("RENEWAL", 10, |_, c, _| Cell::text(date(c.renewal_time))),
        ],
        36,
    );

    fn assess(&self, conditions: &[Condition], now: Timestamp) -> Assessment {
        let left = self.not_after.map(|t| t.as_second() - now.as_second());
        if let Some(s) = left.filter(|s| *s <= 0) {
            return Assessment::new(
                Health::Failed,
                format!("expired {} ago", human_duration(-s)),
            );
        }
        let ready = find(conditions, "Ready");
        if let Some(c) = find(conditions, "Issuing").filter(|c| c.is_true()) {
            return Assessment::new(
                Health::Progressing,
                format!("issuing: {}", flux::reason_text(c)),
            );
        }
        if let Some(c) = ready.filter(|c| c.is_false()) {
            return Assessment::new(Health::Failed, flux::reason_text(c));
        }
        let days = self.days_left(now);
        match (ready, days) {
            (Some(c), Some(d)) if c.is_true() && d < WARN_DAYS => Assessment::new(
                Health::Degraded,
                format!(
                    "expires in {d} d ({}), renewal due {}",
                    date(self.not_after),
                    date(self.renewal_time)
                ),
            ),
            (Some(c), Some(d)) if c.is_true() => {
                Assessment::new(Health::Healthy, format!("valid, expires in {d} d"))
            }
            (Some(c), None) if c.is_true() => Assessment::new(Health::Healthy, "valid"),
            (Some(c), _) => Assessment::new(Health::Progressing, flux::reason_text(c)),
            (None, _) => Assessment::new(Health::Unknown, "no Ready condition yet"),
        }
    }

    fn cli(&self, row: &Row) -> Vec<String> {
        let (ns, ctx) = (row.id.scope.namespace(), row.id.scope.context());
        vec![
            format!(
                "cmctl status certificate -n {ns} {} --context {ctx}",
                row.id.name
            ),
            format!("cmctl renew -n {ns} {} --context {ctx}", row.id.name),
            format!(
                "kubectl --context {ctx} -n {ns} describe certificate {}",
                row.id.name
            ),
        ]
    }
}

/// `notAfter` this many days from `now`: the demo fleet and tests use it.
pub fn expiring_in(now: Timestamp, days: i64) -> Timestamp {
    now.checked_add((days * 24).hours()).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::testing::{all_cells, now};
    use serde_json::json;

    fn object(not_after: Timestamp, ready: &str) -> Value {
        json!({
            "apiVersion": API_VERSION, "kind": "Certificate",
            "metadata": {"name": "r3s3t-tls", "namespace": "r3s3t"},
            "spec": {"secretName": "r3s3t-tls", "dnsNames": ["r3s3t.io", "*.r3s3t.io"],
                     "issuerRef": {"name": "letsencrypt-r3s3t-prod", "kind": "ClusterIssuer", "group": "cert-manager.io"}},
            "status": {"notAfter": not_after.to_string(), "renewalTime": expiring_in(not_after, -30).to_string(),
                       "conditions": [{"type": "Ready", "status": ready, "reason": "Ready",
                                       "message": "Certificate is up to date and has not expired"}]}
        })
    }

    /// A Ready certificate expiring `days` from now, projected.
    fn expiring(days: i64) -> Row {
        Certificate::project(
            &object(expiring_in(now(), days), "True"),
            "c",
            "p".into(),
            now(),
        )
        .unwrap()
    }

    #[test]
    fn expiring_in_five_days_is_degraded_with_days_left() {
        let r = expiring(5);
        assert_eq!(r.health, Health::Degraded);
        assert!(r.reason.starts_with("expires in 5 d"), "{}", r.reason);
        let cells = all_cells(&r);
        assert_eq!(cells[7].number, Some(5));
        assert_eq!(cells[5].text, "ClusterIssuer/letsencrypt-r3s3t-prod");
    }

    #[test]
    fn far_expiry_is_healthy_and_past_expiry_failed() {
        let r = expiring(60);
        assert_eq!(r.health, Health::Healthy);
        assert_eq!(r.reason, "valid, expires in 60 d");
        let r = expiring(-2);
        assert_eq!(r.health, Health::Failed);
        assert_eq!(r.reason, "expired 2d ago");
    }

    #[test]
    fn issuing_is_progressing() {
        let mut o = object(expiring_in(now(), 5), "True");
        o["status"]["conditions"]
            .as_array_mut()
            .unwrap()
            .push(json!({
            "type": "Issuing", "status": "True", "reason": "ManuallyTriggered",
            "message": "Certificate re-issuance manually triggered"}));
        let r = Certificate::project(&o, "c", "p".into(), now()).unwrap();
        assert_eq!(r.health, Health::Progressing);
        assert!(r.reason.contains("ManuallyTriggered"));
    }
}
