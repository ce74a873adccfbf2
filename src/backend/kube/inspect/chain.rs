//! A certificate's issuance chain, as `cmctl status certificate` walks it: the newest
//! CertificateRequest of the certificate, its ACME Order, and the Order's Challenges, each with
//! its state and the controller's reason ("Waiting for HTTP-01 challenge propagation: wrong
//! status code '404', expected '200'"). An issuer that is not ACME has no Orders; a cluster
//! without the ACME resources is not an error.

use serde_json::Value;

use super::Reader;
use crate::inspect::Subject;
use crate::model::Health;
use crate::model::drilldown::ChainLink;
use crate::model::json::at;
use crate::model::kinds::certificate::{CERTIFICATE_REQUESTS, CHALLENGES, ORDERS};

const CERTIFICATE_NAME: &str = "cert-manager.io/certificate-name";
const CERTIFICATE_REVISION: &str = "cert-manager.io/certificate-revision";

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    at(v, pointer).and_then(Value::as_str).unwrap_or_default()
}

fn annotation<'a>(v: &'a Value, key: &str) -> &'a str {
    at(v, "/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn name(v: &Value) -> &str {
    text(v, "/metadata/name")
}

/// Whether `owner_kind` `owner` is among the object's owners.
fn owned_by(v: &Value, owner_kind: &str, owner: &str) -> bool {
    at(v, "/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter().any(|r| {
                r.get("kind").and_then(Value::as_str) == Some(owner_kind)
                    && r.get("name").and_then(Value::as_str) == Some(owner)
            })
        })
}

fn condition<'a>(v: &'a Value, kind: &str) -> Option<&'a Value> {
    at(v, "/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
}

fn request_link(cr: &Value) -> ChainLink {
    let ready = condition(cr, "Ready");
    let denied = condition(cr, "Denied").filter(|c| text(c, "/status") == "True");
    let invalid = condition(cr, "InvalidRequest").filter(|c| text(c, "/status") == "True");
    let (state, reason, health) = match (denied.or(invalid), ready) {
        (Some(c), _) => (
            format!("{}=True", text(c, "/type")),
            text(c, "/message").to_string(),
            Health::Failed,
        ),
        (None, Some(c)) => {
            let status = text(c, "/status");
            let why = text(c, "/reason");
            let health = match (status, why) {
                ("True", _) => Health::Healthy,
                ("False", "Failed") => Health::Failed,
                _ => Health::Progressing,
            };
            (
                format!("Ready={status} ({why})"),
                text(c, "/message").to_string(),
                health,
            )
        }
        (None, None) => (
            "no Ready condition yet".into(),
            String::new(),
            Health::Progressing,
        ),
    };
    ChainLink {
        kind: "CertificateRequest".into(),
        name: name(cr).into(),
        state,
        reason,
        health,
        depth: 0,
    }
}

/// An ACME state as health: `valid` is done, `invalid`/`errored`/`expired` failed, the rest on
/// its way.
fn acme_health(state: &str) -> Health {
    match state {
        "valid" => Health::Healthy,
        "invalid" | "errored" | "expired" => Health::Failed,
        _ => Health::Progressing,
    }
}

fn unreadable(kind: &str, reason: String, depth: u8) -> ChainLink {
    ChainLink {
        kind: kind.into(),
        name: String::new(),
        state: "unreadable".into(),
        reason,
        health: Health::Unknown,
        depth,
    }
}

pub(super) async fn chain(read: &Reader, subject: &Subject) -> Result<Vec<ChainLink>, String> {
    let Some(cert) = &subject.object else {
        return Err("no Kubernetes object behind this row".into());
    };
    let ns = &cert.namespace;
    let requests = read
        .list(&CERTIFICATE_REQUESTS, ns)
        .await?
        .ok_or_else(|| "not installed: cert-manager's CertificateRequests".to_string())?;
    let revision = |cr: &Value| {
        annotation(cr, CERTIFICATE_REVISION)
            .parse::<u64>()
            .unwrap_or(0)
    };
    let Some(request) = requests
        .iter()
        .filter(|cr| {
            owned_by(cr, "Certificate", &cert.name) || annotation(cr, CERTIFICATE_NAME) == cert.name
        })
        .max_by_key(|cr| {
            (
                revision(cr),
                text(cr, "/metadata/creationTimestamp").to_string(),
            )
        })
    else {
        return Ok(Vec::new());
    };
    let mut links = vec![request_link(request)];
    let orders = match read.list(&ORDERS, ns).await {
        Ok(Some(o)) => o,
        // Not ACME here: the request is the whole chain.
        Ok(None) => return Ok(links),
        Err(e) => {
            links.push(unreadable("Order", e, 1));
            return Ok(links);
        }
    };
    let challenges = read.list(&CHALLENGES, ns).await;
    for order in orders
        .iter()
        .filter(|o| owned_by(o, "CertificateRequest", name(request)))
    {
        let state = text(order, "/status/state");
        links.push(ChainLink {
            kind: "Order".into(),
            name: name(order).into(),
            state: if state.is_empty() { "pending" } else { state }.into(),
            reason: text(order, "/status/reason").into(),
            health: acme_health(state),
            depth: 1,
        });
        match &challenges {
            Ok(Some(cs)) => {
                for c in cs.iter().filter(|c| owned_by(c, "Order", name(order))) {
                    let state = text(c, "/status/state");
                    links.push(ChainLink {
                        kind: "Challenge".into(),
                        name: name(c).into(),
                        state: format!(
                            "{} ({} {})",
                            if state.is_empty() { "pending" } else { state },
                            text(c, "/spec/type"),
                            text(c, "/spec/dnsName")
                        ),
                        reason: text(c, "/status/reason").into(),
                        health: acme_health(state),
                        depth: 2,
                    });
                }
            }
            Ok(None) => {}
            Err(e) => links.push(unreadable("Challenge", e.clone(), 2)),
        }
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pending_request_and_a_denied_one() {
        let cr = json!({"metadata": {"name": "r3s3t-tls-1"},
            "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "Pending",
                "message": "Waiting on certificate issuance from order r3s3t/r3s3t-tls-1-2891: \"pending\""}]}});
        let l = request_link(&cr);
        assert_eq!(l.state, "Ready=False (Pending)");
        assert_eq!(l.health, Health::Progressing);
        let denied = json!({"metadata": {"name": "x"},
            "status": {"conditions": [{"type": "Denied", "status": "True", "message": "policy says no"}]}});
        assert_eq!(request_link(&denied).health, Health::Failed);
        assert_eq!(acme_health("invalid"), Health::Failed);
        assert_eq!(acme_health(""), Health::Progressing);
    }
}
