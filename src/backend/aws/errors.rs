//! What went wrong calling AWS, in the words an on-call engineer needs, with the fix.

use aws_sdk_eks::config::http::HttpResponse;
use aws_sdk_eks::error::{ProvideErrorMetadata, SdkError};

use crate::backend::kube::kubeconfig::error_chain;
use crate::text::one_line;

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

impl AwsFailure {
    /// The failure in words, for a place that shows one line (a detail's section).
    pub fn reason(&self) -> String {
        match self {
            AwsFailure::AccessDenied(r)
            | AwsFailure::Credentials(r)
            | AwsFailure::Unreachable(r)
            | AwsFailure::Other(r) => r.clone(),
            AwsFailure::Throttled => "throttled by AWS even after retries; trying again".into(),
        }
    }

    /// The failure in words for a call that is not made again (a write, a command that exits):
    /// without the "retrying" a poller or a live section adds.
    pub fn once(&self) -> String {
        crate::text::said_once(self.reason())
    }
}

/// The command that renews credentials for a profile.
pub fn renew_hint(profile: Option<&str>) -> String {
    format!("renew them: {}", super::profiles::renew_command(profile))
}

/// What an SDK error means for the on-call engineer. Every message says something: the HTTP
/// status when there was an answer, the service's error code and message when it sent one, else
/// the first bytes of what came back (an emulator's or a proxy's page), and what to do. It does
/// not name the service: the poller puts the source's service in front of every reason.
pub fn classify<E>(e: &SdkError<E, HttpResponse>, profile: Option<&str>) -> AwsFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let who = profile
        .map(|p| format!("profile {p}"))
        .unwrap_or_else(|| "the default credentials".into());
    let response = e.raw_response();
    let status = response.map(|r| r.status().as_u16());
    let code = e.code().map(str::trim).filter(|c| !c.is_empty());
    let message = e.message().map(one_line).filter(|m| !m.is_empty());
    if let Some(code) = code {
        let what = said(status, code);
        if DENIED.contains(&code) {
            let detail = match &message {
                Some(m) => format!("{m} ({what})"),
                None => what,
            };
            return AwsFailure::AccessDenied(format!(
                "access denied for {who}: {detail}; grant it in IAM or use another profile"
            ));
        }
        if EXPIRED.contains(&code) {
            return AwsFailure::Credentials(format!(
                "credentials of {who} rejected ({what}); {}",
                renew_hint(profile)
            ));
        }
        if THROTTLED.contains(&code) {
            return AwsFailure::Throttled;
        }
    }
    if let Some(response) = response {
        // An answer the SDK failed to read (not an error it could not interpret): say why.
        let unread = matches!(e, SdkError::ResponseError(_)).then(|| first_clause(&error_chain(e)));
        return AwsFailure::Other(answered(response, code, message.as_deref(), unread));
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
        SdkError::DispatchFailure(_) => AwsFailure::Unreachable(format!(
            "unreachable: {}; check the VPN, endpoint_url and any proxy in between; retrying",
            first_clause(&chain)
        )),
        _ if chain.is_empty() => {
            AwsFailure::Other("the request failed before it was sent, without a reason".into())
        }
        _ => AwsFailure::Other(chain),
    }
}

/// An answer that is an error: the service's code and message, else the start of the body
/// (the SDK could not read it as an AWS error: an emulator or a proxy answered, or, with
/// `unread`, why the SDK could not read it), and what to do.
fn answered(
    response: &HttpResponse,
    code: Option<&str>,
    message: Option<&str>,
    unread: Option<String>,
) -> String {
    let status = response.status().as_u16();
    let http = http_status(status);
    let retry = if response.status().is_server_error() {
        "a failure on the service's side; retrying"
    } else {
        "retrying"
    };
    match (code, message) {
        (Some(code), Some(message)) => format!("{http}, {code}: {message}; {retry}"),
        (Some(code), None) => format!("{http}, {code}; {retry}"),
        (None, Some(message)) => format!("{http}: {message}; {retry}"),
        (None, None) => {
            let body: String = match response.body().bytes() {
                Some([]) => " with an empty body".into(),
                Some(bytes) => match excerpt(bytes) {
                    Some(text) => format!(": \"{text}\""),
                    None => format!(" with a blank body of {} bytes", bytes.len()),
                },
                // Not read into memory (a streamed body): nothing to show.
                None => String::new(),
            };
            let fix = if status == 407 {
                "a proxy wants credentials: check the proxy settings; retrying"
            } else {
                "check endpoint_url (or AWS_ENDPOINT_URL) and any proxy in between; retrying"
            };
            let what = match unread {
                Some(why) => format!("an answer the SDK could not read ({why})"),
                None => "not an AWS answer".into(),
            };
            format!("{http}, {what}{body}; {fix}")
        }
    }
}

/// "HTTP 403 Forbidden, AccessDeniedException", or the code alone without a response.
fn said(status: Option<u16>, code: &str) -> String {
    match status {
        Some(s) => format!("{}, {code}", http_status(s)),
        None => code.to_string(),
    }
}

/// "HTTP 404 Not Found": the status with its reason phrase when it is a common one.
fn http_status(status: u16) -> String {
    let phrase = match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return format!("HTTP {status}"),
    };
    format!("HTTP {status} {phrase}")
}

/// Characters of a body shown in a message.
const EXCERPT_CHARS: usize = 160;

/// The first characters of a body on one line: runs of whitespace and control characters become
/// one space, a character the cut splits is dropped, and `…` says there is more. `None` when
/// there is nothing to show.
fn excerpt(body: &[u8]) -> Option<String> {
    // Room for the characters even when indentation collapses; the rest is not decoded.
    let cut = body.len().min(EXCERPT_CHARS * 16);
    let truncated = cut < body.len();
    let mut text = String::with_capacity(cut);
    let mut chunks = body[..cut].utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        text.push_str(chunk.valid());
        let split_by_cut = truncated && chunks.peek().is_none();
        if !chunk.invalid().is_empty() && !split_by_cut {
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    let line = one_line(&text);
    if line.is_empty() {
        return None;
    }
    let mut chars = line.chars();
    let mut out: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if truncated || chars.next().is_some() {
        out.push('…');
    }
    Some(out)
}

/// The most specific part of an error chain, kept short for a header.
fn first_clause(chain: &str) -> String {
    let last = chain
        .rsplit(": ")
        .map(str::trim)
        .find(|c| !c.is_empty())
        .unwrap_or("no reason given");
    last.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_html_page_is_shown_on_one_line_and_cut() {
        let page = format!(
            "<html>\n  <head><title>404 Not Found</title></head>\n  <body>{}</body>\n</html>",
            "x".repeat(400)
        );
        let text = excerpt(page.as_bytes()).unwrap();
        assert!(
            text.starts_with("<html> <head><title>404 Not Found</title></head> <body>xx"),
            "{text}"
        );
        assert!(text.ends_with('…'), "{text}");
        assert_eq!(text.chars().count(), EXCERPT_CHARS + 1);
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        // Blanks up to the cut, which falls inside the two bytes of the é.
        let mut body = b"a".to_vec();
        body.extend(std::iter::repeat_n(b' ', EXCERPT_CHARS * 16 - 2));
        body.extend("éb".as_bytes());
        assert_eq!(excerpt(&body).as_deref(), Some("a…"));
        assert_eq!(excerpt(b"a \xff b").as_deref(), Some("a \u{FFFD} b"));
        assert!(excerpt(b" \n\t ").is_none());
        assert_eq!(excerpt(b"{}").as_deref(), Some("{}"));
    }

    #[test]
    fn statuses_read_as_http_says_them() {
        assert_eq!(http_status(404), "HTTP 404 Not Found");
        assert_eq!(http_status(599), "HTTP 599");
    }

    #[test]
    fn a_chain_ending_in_nothing_still_says_something() {
        assert_eq!(first_clause("dispatch failure: "), "dispatch failure");
        assert_eq!(first_clause(""), "no reason given");
    }
}
