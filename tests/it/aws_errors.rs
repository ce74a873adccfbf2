//! AWS errors always say something. Against a fake endpoint that answers what the SDK cannot
//! read (a proxy's HTML 404 page), a 500 with an AWS error body, or nothing at all (the
//! connection is reset), every service's source leaves Connecting with a reason that names the
//! service and says what came back.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Response};
use opsdeck::backend::aws::{self, AwsOptions, Service, source_name};
use opsdeck::clock::FixedClock;
use opsdeck::config::Account;
use opsdeck::store::{self, SourceStatus, Update};
use testkit::fleet::creds;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

const ACCOUNT: &str = "emulated";
const REGION: &str = "us-east-1";

const NOT_FOUND_PAGE: &str = "<html>\r\n<head><title>404 Not Found</title></head>\r\n\
    <body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n\
    </body>\r\n</html>\r\n";
const JSON_ERROR: &str = r#"{"__type":"InternalFailure","message":"boom"}"#;
const XML_ERROR: &str = "<ErrorResponse><Error><Code>InternalFailure</Code>\
    <Message>boom</Message></Error></ErrorResponse>";

#[derive(Clone, Copy, Debug)]
enum Fake {
    /// Every request: 404 with an HTML page, as a proxy or an emulator without the service says.
    NotFoundPage,
    /// Every request: 500 with an AWS error body, in XML for RDS and Route53, else in JSON.
    InternalFailure,
    /// Every connection is accepted, its request read, and reset without an answer.
    Reset,
}

/// A fake AWS endpoint on 127.0.0.1; its URL.
async fn fake_aws(fake: Fake) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    match fake {
        Fake::Reset => {
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    tokio::spawn(async move {
                        let mut request = vec![0u8; 64 * 1024];
                        let _ = stream.read(&mut request).await;
                        // An abortive close when dropped: the client sees a reset, no answer.
                        let _ = stream.set_zero_linger();
                    });
                }
            });
        }
        Fake::NotFoundPage | Fake::InternalFailure => {
            let app = Router::new()
                .fallback(move |headers: HeaderMap| async move { answer(fake, &headers) });
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        }
    }
    url
}

fn answer(fake: Fake, headers: &HeaderMap) -> Response<Body> {
    let (status, content_type, body): (u16, &str, &str) = match fake {
        Fake::NotFoundPage => (404, "text/html", NOT_FOUND_PAGE),
        Fake::InternalFailure if matches!(signed_service(headers), "rds" | "route53") => {
            (500, "text/xml", XML_ERROR)
        }
        Fake::InternalFailure => (500, "application/x-amz-json-1.1", JSON_ERROR),
        Fake::Reset => unreachable!("a reset connection gets no answer"),
    };
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap()
}

/// The service a SigV4 request is signed for: `Credential=AKID/date/region/service/aws4_request`.
fn signed_service(headers: &HeaderMap) -> &str {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or_default()
}

/// Starts the backend with one account and region against `endpoint`, waits until every
/// service's source has left Connecting, and returns each service's reason.
async fn reasons(endpoint: &str) -> Vec<(Service, String)> {
    let (tx, mut rx) = store::channel();
    let opts = AwsOptions {
        accounts: vec![Account {
            name: ACCOUNT.into(),
            profile: None,
            role_arn: None,
            regions: vec![REGION.into()],
            environment: None,
            endpoint_url: Some(endpoint.into()),
            protected: false,
        }],
        // One poll each: the first outcome is what is checked.
        poll: Duration::from_secs(3600),
        fast_poll: Duration::from_secs(3600),
        static_credentials: Some(creds()),
        hosted_zones: vec!["example.com".into()],
    };
    let clock = Arc::new(FixedClock::new(testkit::origin()));
    let _tasks = aws::start(opts, clock, tx).await;
    let mut statuses: HashMap<String, SourceStatus> = HashMap::new();
    let settled = |statuses: &HashMap<String, SourceStatus>| {
        Service::ALL.iter().all(|s| {
            statuses
                .get(&source_name(ACCOUNT, REGION, *s))
                .is_some_and(|status| *status != SourceStatus::Connecting)
        })
    };
    // The SDK retries 500s and resets with backoff; its operation timeout bounds each poll.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    while !settled(&statuses) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(batch)) => {
                for update in batch {
                    if let Update::Source { name, status, .. } = update {
                        statuses.insert(name, status);
                    }
                }
            }
            _ => panic!("waited for every source to leave Connecting: {statuses:#?}"),
        }
    }
    Service::ALL
        .into_iter()
        .map(|s| {
            let name = source_name(ACCOUNT, REGION, s);
            match statuses.remove(&name) {
                Some(SourceStatus::Error { reason } | SourceStatus::Stale { reason }) => {
                    (s, reason)
                }
                other => panic!("{name}: {other:?}"),
            }
        })
        .collect()
}

/// The reason names the service as a word of its own ("rds" inside "records" does not count).
fn names(reason: &str, service: Service) -> bool {
    reason
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == service.as_str())
}

/// Says something: not empty, not the `: ` of an empty code and message.
fn says_something(reason: &str) -> bool {
    !reason.trim().is_empty() && !reason.contains("(: )") && !reason.trim_end().ends_with(':')
}

/// Every service's reason against the fake `fake`: one each, each saying something and naming
/// its service.
async fn reasons_from(fake: Fake) -> Vec<(Service, String)> {
    let url = fake_aws(fake).await;
    let reasons = reasons(&url).await;
    assert_eq!(reasons.len(), Service::ALL.len());
    for (service, reason) in &reasons {
        assert!(says_something(reason), "{service:?}: {reason}");
        assert!(names(reason, *service), "{service:?}: {reason}");
    }
    reasons
}

#[tokio::test]
async fn a_proxy_page_instead_of_aws_says_the_status_and_what_it_said() {
    for (service, reason) in reasons_from(Fake::NotFoundPage).await {
        assert!(reason.contains("404"), "{service:?}: {reason}");
        assert!(reason.contains("404 Not Found"), "{service:?}: {reason}");
        assert!(reason.contains("endpoint_url"), "{service:?}: {reason}");
        assert!(!reason.contains('\n'), "one line: {service:?}: {reason}");
    }
}

#[tokio::test]
async fn a_server_error_says_the_status_and_the_services_words() {
    for (service, reason) in reasons_from(Fake::InternalFailure).await {
        assert!(reason.contains("500"), "{service:?}: {reason}");
        assert!(
            reason.contains("InternalFailure") || reason.contains("boom"),
            "{service:?}: {reason}"
        );
    }
}

#[tokio::test]
async fn a_reset_connection_says_the_service_is_unreachable() {
    for (service, reason) in reasons_from(Fake::Reset).await {
        assert!(reason.contains("unreachable"), "{service:?}: {reason}");
    }
}
