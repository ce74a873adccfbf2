//! What went wrong talking to a cluster, in the words an on-call engineer needs.

use super::kubeconfig::error_chain;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// RBAC says no: only this kind is affected.
    Forbidden(String),
    /// The resource is not served (CRD not installed).
    NotFound,
    /// Cannot reach the API server: the rows go stale and the watcher retries.
    Unreachable(String),
    /// Credentials: the exec plugin failed or the token was refused. Says how to renew.
    Auth(String),
    Other(String),
}

impl Failure {
    /// What to show: the words of the failure.
    pub fn reason(&self) -> String {
        match self {
            Failure::Forbidden(r)
            | Failure::Unreachable(r)
            | Failure::Auth(r)
            | Failure::Other(r) => r.clone(),
            Failure::NotFound => "not found".into(),
        }
    }
}

fn api_status(e: &kube::Error) -> Option<(u16, String)> {
    match e {
        kube::Error::Api(s) => Some((s.code, s.message.clone())),
        _ => None,
    }
}

/// Classifies a client error. `aws_profile` is the profile of the context's exec plugin.
pub fn classify(e: &kube::Error, aws_profile: Option<&str>) -> Failure {
    let chain = error_chain(e);
    if let Some((code, message)) = api_status(e) {
        return match code {
            403 => Failure::Forbidden(message),
            404 => Failure::NotFound,
            401 => Failure::Auth(format!(
                "the API server refused the credentials (401){}",
                renew_hint(aws_profile)
            )),
            _ => Failure::Other(format!("{code}: {message}")),
        };
    }
    if matches!(e, kube::Error::Auth(_))
        || chain.contains("auth exec")
        || chain.contains("exec-plugin")
    {
        let first = chain.lines().next().unwrap_or(&chain).to_string();
        return Failure::Auth(format!("{first}{}", renew_hint(aws_profile)));
    }
    let lower = chain.to_ascii_lowercase();
    // A certificate the client does not trust is not a dropped VPN: retrying will not fix it.
    let tls = [
        "invalid peer certificate",
        "certificate verify failed",
        "unknownissuer",
        "notvalidforname",
        "handshake failure",
        "received fatal alert",
    ];
    if let Some(at) = tls.iter().filter_map(|t| lower.find(t)).min() {
        let detail = chain[at..].trim();
        return Failure::Other(format!(
            "TLS with the API server failed ({detail}): check the cluster's certificate-authority-data in the kubeconfig, or a proxy that intercepts TLS"
        ));
    }
    let unreachable = [
        "connection refused",
        "connect error",
        "timed out",
        "timeout",
        "connection reset",
        "broken pipe",
        "unexpected eof",
        "dns error",
        "no route to host",
        "network is unreachable",
        "connection closed",
        "error trying to connect",
        "channel closed",
        "incomplete message",
    ];
    if unreachable.iter().any(|u| lower.contains(u))
        || matches!(e, kube::Error::HyperError(_) | kube::Error::Service(_))
    {
        return Failure::Unreachable(short_reason(&lower));
    }
    Failure::Other(chain)
}

pub fn classify_watch(e: &kube::runtime::watcher::Error, aws_profile: Option<&str>) -> Failure {
    use kube::runtime::watcher::Error as W;
    match e {
        W::InitialListFailed(k) | W::WatchStartFailed(k) | W::WatchFailed(k) => {
            classify(k, aws_profile)
        }
        W::WatchError(s) if s.code == 403 => Failure::Forbidden(s.message.clone()),
        W::WatchError(s) => Failure::Other(format!("{}: {}", s.code, s.message)),
        W::NoResourceVersion => Failure::Other(e.to_string()),
    }
}

fn short_reason(lower: &str) -> String {
    let what = if lower.contains("refused") {
        "connection refused"
    } else if lower.contains("timed out") || lower.contains("timeout") {
        "connection timed out"
    } else if lower.contains("dns") {
        "DNS lookup failed"
    } else {
        "connection lost"
    };
    format!("API server unreachable: {what} (VPN?); retrying")
}

/// What renews a context's credentials, after its failure: the AWS profile's renewal when an
/// `aws eks get-token` plugin names one.
pub(super) fn renew_hint(profile: Option<&str>) -> String {
    match profile {
        Some(p) => format!(
            " — if the AWS session expired, renew it: {}",
            crate::backend::aws::profiles::renew_command(Some(p))
        ),
        None => {
            " — renew the credentials of this context (e.g. aws sso login) and it reconnects".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client error as hyper and rustls chain it.
    fn service(message: &str) -> kube::Error {
        kube::Error::Service(message.to_string().into())
    }

    #[test]
    fn an_untrusted_certificate_is_said_as_tls_not_as_a_vpn_drop() {
        let e = service("error trying to connect: invalid peer certificate: UnknownIssuer");
        let Failure::Other(reason) = classify(&e, None) else {
            panic!("{:?}", classify(&e, None));
        };
        assert!(
            reason.starts_with(
                "TLS with the API server failed (invalid peer certificate: UnknownIssuer)"
            ) && reason.contains("certificate-authority-data"),
            "{reason}"
        );
        assert!(matches!(
            classify(&service("error trying to connect: tcp connect error: Connection refused"), None),
            Failure::Unreachable(r) if r.contains("connection refused")
        ));
    }
}
