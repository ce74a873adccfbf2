//! A proxy in front of moto that translates CloudWatch's Smithy RPC v2 CBOR protocol (the only
//! one aws-sdk-cloudwatch speaks) into the JSON protocol moto answers, and back; every other
//! request is forwarded as it is. Timestamps travel as CBOR tag 1 (epoch seconds) on the SDK's
//! side and as epoch-second numbers on moto's side. Optionally delays each request, to show
//! that pollers run concurrently, and records when each request ran.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, Response, StatusCode, Uri};
use ciborium::value::Value as Cbor;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value as Json;

const CLOUDWATCH_PREFIX: &str = "/service/GraniteServiceVersion20100801/operation/";

/// One request as the proxy saw it: when it started and ended, relative to the proxy's start.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// The operation: from X-Amz-Target (JSON protocols), `Action=` (query protocols), the
    /// CloudWatch path, else the method and path (REST protocols).
    pub operation: String,
    /// The request body as text, lossily (CBOR strings stay readable).
    pub body: String,
    pub start: Duration,
    pub end: Duration,
}

#[derive(Clone)]
struct Shared {
    moto: String,
    client: Client<HttpConnector, Full<Bytes>>,
    delay: Duration,
    started: Instant,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// (service, error code) pairs answered with that error, in the service's protocol.
    faults: Arc<Mutex<Vec<(String, String)>>>,
    /// Operations moto does not answer, answered here instead (`respond`).
    responders: Arc<Mutex<Responders>>,
}

/// What the proxy answers for an operation moto lacks, shaped from the AWS API reference.
#[derive(Clone, Debug)]
pub enum Canned {
    /// A JSON document: as is for the JSON and REST-JSON services, turned into CBOR for
    /// CloudWatch.
    Json(Json),
    /// An XML document, for the query and REST-XML services (RDS, Route53).
    Xml(String),
}

/// Per operation, the answers still to give (the last one stays).
type Responders = Vec<(String, VecDeque<Canned>)>;

pub struct CborProxy {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    faults: Arc<Mutex<Vec<(String, String)>>>,
    responders: Arc<Mutex<Responders>>,
}

impl CborProxy {
    pub async fn start(moto: &str, delay: Duration) -> CborProxy {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let faults = Arc::new(Mutex::new(Vec::new()));
        let responders = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            moto: moto.trim_end_matches('/').to_string(),
            client: Client::builder(TokioExecutor::new()).build_http(),
            delay,
            started: Instant::now(),
            seen: seen.clone(),
            faults: faults.clone(),
            responders: responders.clone(),
        };
        let app = Router::new().fallback(handle).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        CborProxy {
            url: format!("http://{addr}"),
            seen,
            faults,
            responders,
        }
    }

    /// Answers `operation` (as `Seen::operation` names it: "DescribeAlarmHistory",
    /// "DescribePendingMaintenanceActions", "GET /clusters/eks-prod/addons") with `canned`
    /// instead of asking moto, which does not serve it: a test-side responder for that one
    /// operation.
    pub fn respond(&self, operation: &str, canned: Canned) {
        self.respond_in_turn(operation, vec![canned]);
    }

    /// Answers `operation` with each of `answers` in turn, then with the last one for good: a
    /// state the service moves through (a rollout IN_PROGRESS, then COMPLETED). Replaces any
    /// earlier responder of the operation.
    pub fn respond_in_turn(&self, operation: &str, answers: Vec<Canned>) {
        assert!(!answers.is_empty(), "a responder answers something");
        let mut responders = self.responders.lock().unwrap();
        responders.retain(|(op, _)| op != operation);
        responders.push((operation.to_string(), answers.into()));
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Answers every request signed for `service` ("ecs", "eks", "rds", "monitoring", or "*"
    /// for all), or every call of one operation ("DescribeTasks", "GetLogEvents"), with the
    /// error `code` (AccessDenied, ExpiredToken, ThrottlingException…), in that service's
    /// protocol.
    pub fn fail(&self, service: &str, code: &str) {
        self.faults
            .lock()
            .unwrap()
            .push((service.to_string(), code.to_string()));
    }
}

/// A part of a SigV4 request's signing scope ("AKID/date/us-east-1/ecs/aws4_request"):
/// 2 is the region, 3 the service.
fn signed_scope(headers: &HeaderMap, part: usize) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(part))
        .unwrap_or_default()
        .to_string()
}

async fn handle(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let start = s.started.elapsed();
    let service = signed_scope(&headers, 3);
    let region = signed_scope(&headers, 2);
    tokio::time::sleep(s.delay).await;
    let target = format!("{service} {}", uri.path());
    let verb = method.to_string();
    let text = String::from_utf8_lossy(&body).to_string();
    let operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit('.').next())
        .or_else(|| uri.path().strip_prefix(CLOUDWATCH_PREFIX))
        .map(str::to_string)
        .or_else(|| {
            text.split('&')
                .find_map(|kv| kv.strip_prefix("Action="))
                .map(str::to_string)
        })
        .unwrap_or_else(|| format!("{verb} {}", uri.path()));
    let fault = s
        .faults
        .lock()
        .unwrap()
        .iter()
        .find(|(svc, _)| *svc == service || *svc == operation || svc == "*")
        .map(|(_, c)| c.clone());
    let canned = s
        .responders
        .lock()
        .unwrap()
        .iter_mut()
        .find(|(op, _)| *op == operation)
        .and_then(|(_, answers)| {
            if answers.len() > 1 {
                answers.pop_front()
            } else {
                answers.front().cloned()
            }
        });
    let response = if let Some(code) = fault {
        error_response(&service, &code, &headers)
    } else if let Some(canned) = canned {
        canned_response(&canned, headers.get("smithy-protocol").is_some())
    } else if let Some(op) = uri.path().strip_prefix(CLOUDWATCH_PREFIX) {
        cloudwatch(&s, op, &region, &body).await
    } else {
        forward(&s, method, &uri, &headers, body).await
    };
    s.seen.lock().unwrap().push(Seen {
        method: verb,
        target,
        operation,
        body: text,
        start,
        end: s.started.elapsed(),
    });
    response
}

/// The error `code` as the service's protocol carries it: CBOR for CloudWatch, XML for the
/// query and REST-XML services (RDS, Route53, STS), JSON with `x-amzn-errortype` otherwise.
fn error_response(service: &str, code: &str, headers: &HeaderMap) -> Response<Body> {
    let message = format!(
        "injected {code} for {service}: User arn:aws:iam::123456789012:user/oncall is not authorized to perform {service}:Describe*"
    );
    if headers.get("smithy-protocol").is_some() {
        let body = to_cbor_bytes(&Cbor::Map(vec![
            (Cbor::Text("__type".into()), Cbor::Text(code.into())),
            (Cbor::Text("message".into()), Cbor::Text(message)),
        ]));
        return Response::builder()
            .status(400)
            .header("smithy-protocol", "rpc-v2-cbor")
            .header("content-type", "application/cbor")
            .body(Body::from(body))
            .unwrap();
    }
    if [
        "rds",
        "route53",
        "sts",
        "iam",
        "elasticloadbalancing",
        "elasticache",
    ]
    .contains(&service)
    {
        let xml = format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>1</RequestId></ErrorResponse>"
        );
        return Response::builder()
            .status(403)
            .header("content-type", "text/xml")
            .body(Body::from(xml))
            .unwrap();
    }
    let body = serde_json::json!({"__type": code, "message": message}).to_string();
    Response::builder()
        .status(403)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amzn-errortype", code)
        .body(Body::from(body))
        .unwrap()
}

fn canned_response(canned: &Canned, cbor: bool) -> Response<Body> {
    let (content_type, body) = match canned {
        Canned::Json(j) if cbor => ("application/cbor", to_cbor_bytes(&json_to_cbor(j, None))),
        Canned::Json(j) => ("application/json", j.to_string().into_bytes()),
        Canned::Xml(x) => ("text/xml", x.clone().into_bytes()),
    };
    let mut r = Response::builder()
        .status(200)
        .header("content-type", content_type);
    if cbor {
        r = r.header("smithy-protocol", "rpc-v2-cbor");
    }
    r.body(Body::from(body)).unwrap()
}

async fn forward(
    s: &Shared,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let url = format!(
        "{}{}",
        s.moto,
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    let mut req = Request::builder().method(method).uri(url);
    for (k, v) in headers {
        if k != "host" {
            req = req.header(k, v);
        }
    }
    let resp = s
        .client
        .request(req.body(Full::new(body.clone())).unwrap())
        .await
        .expect("moto answers");
    let (mut parts, answer) = resp.into_parts();
    let mut bytes = answer.collect().await.unwrap().to_bytes();
    let ecs = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("AmazonEC2ContainerServiceV20141113."));
    if ecs && let Ok(mut json) = serde_json::from_slice::<Json>(&bytes) {
        ecs_as_documented(&mut json);
        let list_tasks = headers
            .get("x-amz-target")
            .is_some_and(|t| t.as_bytes().ends_with(b".ListTasks"));
        if list_tasks {
            service_tasks_only(s, uri, headers, &body, &mut json).await;
        }
        bytes = Bytes::from(json.to_string());
        parts.headers.remove("content-length");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// `ListTasks` with `serviceName` lists that service's tasks only (ECS API reference); moto
/// ignores the filter. A service's tasks are in the group `service:<name>`, as ECS starts them
/// (the tests run theirs with that group), so the answer keeps the tasks `DescribeTasks` puts
/// there.
async fn service_tasks_only(
    s: &Shared,
    uri: &Uri,
    headers: &HeaderMap,
    request: &Bytes,
    answer: &mut Json,
) {
    let Ok(asked) = serde_json::from_slice::<Json>(request) else {
        return;
    };
    let Some(service) = asked.get("serviceName").and_then(Json::as_str) else {
        return;
    };
    let arns = answer
        .get("taskArns")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    if arns.is_empty() {
        return;
    }
    let describe = serde_json::json!({"cluster": asked.get("cluster"), "tasks": arns});
    let mut req = Request::builder().method(Method::POST).uri(format!(
        "{}{}",
        s.moto,
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    ));
    for (k, v) in headers {
        if k != "host" && k != "content-length" && k != "x-amz-target" {
            req = req.header(k, v);
        }
    }
    let req = req
        .header(
            "x-amz-target",
            "AmazonEC2ContainerServiceV20141113.DescribeTasks",
        )
        .body(Full::new(Bytes::from(describe.to_string())))
        .unwrap();
    let Ok(resp) = s.client.request(req).await else {
        return;
    };
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let Ok(described) = serde_json::from_slice::<Json>(&body) else {
        return;
    };
    let group = format!("service:{service}");
    let ours: Vec<Json> = described
        .get("tasks")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter(|t| t.get("group").and_then(Json::as_str) == Some(group.as_str()))
        .filter_map(|t| t.get("taskArn").cloned())
        .collect();
    answer["taskArns"] = Json::Array(ours);
}

/// moto writes a task's containers' `cpu` and `memory` as numbers; the ECS API reference (and
/// the SDK) has them as strings, as AWS sends them.
fn ecs_as_documented(json: &mut Json) {
    if let Some(task) = json.get_mut("task") {
        containers_as_documented(task);
    }
    for task in json
        .get_mut("tasks")
        .and_then(Json::as_array_mut)
        .into_iter()
        .flatten()
    {
        containers_as_documented(task);
    }
}

fn containers_as_documented(task: &mut Json) {
    for c in task
        .get_mut("containers")
        .and_then(Json::as_array_mut)
        .into_iter()
        .flatten()
    {
        for k in ["cpu", "memory", "memoryReservation"] {
            if let Some(n) = c.get(k).filter(|v| v.is_number()).map(|v| v.to_string()) {
                c[k] = Json::String(n);
            }
        }
    }
}

async fn cloudwatch(s: &Shared, op: &str, region: &str, body: &Bytes) -> Response<Body> {
    let input: Cbor = if body.is_empty() {
        Cbor::Map(vec![])
    } else {
        ciborium::de::from_reader(&body[..]).expect("the SDK sends CBOR")
    };
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("{}/", s.moto))
        .header("x-amz-target", format!("GraniteServiceVersion20100801.{op}"))
        .header("content-type", "application/x-amz-json-1.0")
        // moto finds the region in the signature's scope; the signature itself is not checked.
        .header("authorization", format!("AWS4-HMAC-SHA256 Credential=testing/20261123/{region}/monitoring/aws4_request, SignedHeaders=host, Signature=0"))
        .body(Full::new(Bytes::from(cbor_to_json(&input).to_string())))
        .unwrap();
    let resp = s.client.request(req).await.expect("moto answers");
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let json: Json = serde_json::from_slice(&bytes).unwrap_or(Json::Object(Default::default()));
    let out = if status.is_success() {
        json_to_cbor(&json, None)
    } else {
        let code = json
            .get("__type")
            .and_then(Json::as_str)
            .unwrap_or("InternalFailure")
            .rsplit('#')
            .next()
            .unwrap_or_default()
            .to_string();
        let message = json
            .get("message")
            .or_else(|| json.get("Message"))
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        Cbor::Map(vec![
            (Cbor::Text("__type".into()), Cbor::Text(code)),
            (Cbor::Text("message".into()), Cbor::Text(message)),
        ])
    };
    Response::builder()
        .status(if status.is_success() {
            StatusCode::OK
        } else {
            status
        })
        .header("smithy-protocol", "rpc-v2-cbor")
        .header("content-type", "application/cbor")
        .body(Body::from(to_cbor_bytes(&out)))
        .unwrap()
}

fn to_cbor_bytes(v: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(v, &mut out).unwrap();
    out
}

fn cbor_to_json(v: &Cbor) -> Json {
    match v {
        Cbor::Integer(i) => Json::from(i128::from(*i) as i64),
        Cbor::Float(f) => Json::from(*f),
        Cbor::Text(t) => Json::from(t.clone()),
        Cbor::Bool(b) => Json::from(*b),
        Cbor::Null => Json::Null,
        // Timestamps: epoch seconds on both sides.
        Cbor::Tag(1, inner) => cbor_to_json(inner),
        Cbor::Tag(_, inner) => cbor_to_json(inner),
        Cbor::Array(a) => Json::Array(a.iter().map(cbor_to_json).collect()),
        Cbor::Map(m) => Json::Object(
            m.iter()
                .filter_map(|(k, v)| k.as_text().map(|k| (k.to_string(), cbor_to_json(v))))
                .collect(),
        ),
        Cbor::Bytes(b) => Json::from(b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
        _ => Json::Null,
    }
}

/// JSON into CBOR; members whose name ends in "Timestamp" become tag-1 epoch seconds.
fn json_to_cbor(v: &Json, key: Option<&str>) -> Cbor {
    let timestamp = key.is_some_and(|k| k.ends_with("Timestamp"));
    match v {
        Json::Number(n) if timestamp => {
            Cbor::Tag(1, Box::new(Cbor::Float(n.as_f64().unwrap_or(0.0))))
        }
        Json::String(t) if timestamp => {
            let secs = t
                .parse::<jiff::Timestamp>()
                .map(|t| t.as_second() as f64)
                .unwrap_or(0.0);
            Cbor::Tag(1, Box::new(Cbor::Float(secs)))
        }
        Json::Number(n) => match n.as_i64() {
            Some(i) => Cbor::Integer(i.into()),
            None => Cbor::Float(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(t) => Cbor::Text(t.clone()),
        Json::Bool(b) => Cbor::Bool(*b),
        Json::Null => Cbor::Null,
        // GetMetricData's "Timestamps": a list of timestamps.
        Json::Array(a) if key.is_some_and(|k| k.ends_with("Timestamps")) => Cbor::Array(
            a.iter()
                .map(|x| json_to_cbor(x, Some("Timestamp")))
                .collect(),
        ),
        Json::Array(a) => Cbor::Array(a.iter().map(|x| json_to_cbor(x, None)).collect()),
        Json::Object(o) => Cbor::Map(
            o.iter()
                .map(|(k, v)| (Cbor::Text(k.clone()), json_to_cbor(v, Some(k))))
                .collect(),
        ),
    }
}
