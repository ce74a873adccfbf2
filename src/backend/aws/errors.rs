//! What went wrong calling AWS, in the words an on-call engineer needs, with the fix.

use aws_sdk_eks::error::{ProvideErrorMetadata, SdkError};

use crate::backend::kube::kubeconfig::error_chain;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AwsFailure {
    /// IAM says no to this service: only its source is affected.
    AccessDenied(String),
    /// Missing or expired credentials: says how to renew them.
    Credentials(String),
    /// The endpoint cannot be reached or timed out: the source goes stale and is retried.
    Unreachable(String),
    /// Still throttled after the SDK's adaptive retries.
    Throttled,
    Other(String),
}

const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "NotAuthorized",
];
const EXPIRED: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
];
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "PriorRequestNotComplete",
];

/// The command that renews credentials for a profile.
pub fn renew_hint(profile: Option<&str>) -> String {
    match profile {
        Some(p) => format!("renew them: aws sso login --profile {p}"),
        None => "renew them: aws sso login (or set AWS_PROFILE / aws configure)".into(),
    }
}

pub fn classify<E, R>(e: &SdkError<E, R>, profile: Option<&str>) -> AwsFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let who = profile
        .map(|p| format!("profile {p}"))
        .unwrap_or_else(|| "the default credentials".into());
    if let SdkError::ServiceError(_) = e {
        let code = e.code().unwrap_or_default();
        let message = e.message().unwrap_or_default().to_string();
        if DENIED.contains(&code) {
            return AwsFailure::AccessDenied(format!("access denied for {who}: {message}"));
        }
        if EXPIRED.contains(&code) {
            return AwsFailure::Credentials(format!(
                "credentials of {who} rejected ({code}); {}",
                renew_hint(profile)
            ));
        }
        if THROTTLED.contains(&code) {
            return AwsFailure::Throttled;
        }
        return AwsFailure::Other(format!("{code}: {message}"));
    }
    let chain = error_chain(e);
    let lower = chain.to_ascii_lowercase();
    if lower.contains("credential")
        || lower.contains("sso")
        || lower.contains("token") && lower.contains("expired")
    {
        return AwsFailure::Credentials(format!(
            "no usable credentials for {who} ({}); {}",
            first_clause(&chain),
            renew_hint(profile)
        ));
    }
    match e {
        SdkError::TimeoutError(_) => {
            AwsFailure::Unreachable("timed out (VPN? endpoint?); retrying".into())
        }
        SdkError::DispatchFailure(d) if d.is_timeout() => {
            AwsFailure::Unreachable("timed out (VPN? endpoint?); retrying".into())
        }
        SdkError::DispatchFailure(_) => {
            AwsFailure::Unreachable(format!("unreachable: {}; retrying", first_clause(&chain)))
        }
        _ => AwsFailure::Other(chain),
    }
}

/// The most specific part of an error chain, kept short for a header.
fn first_clause(chain: &str) -> String {
    let last = chain.rsplit(": ").next().unwrap_or(chain);
    last.chars().take(120).collect()
}
