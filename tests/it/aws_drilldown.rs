//! Why it is broken, on AWS, through the real binary and the AWS SDK against moto (behind the
//! CBOR proxy, which also answers the few operations moto does not serve, as test-side
//! responders shaped from the AWS API reference, each named where it is set): an ECS service's
//! deployments, stopped tasks, events and task definition; its logs from CloudWatch Logs
//! (running tasks, stopped ones, a container without awslogs, a missing log group); redeploy
//! and scale behind --write and --confirm; an RDS instance's events and maintenance; a region's
//! alarm history and health checks per checker; an EKS cluster's node groups and add-ons; and a
//! refused or throttled call in its own section.

use std::path::PathBuf;
use std::process::Output;

use aws_sdk_ecs::types::{ContainerDefinition, LaunchType, LogConfiguration, LogDriver};
use serde_json::{Value, json};
use testkit::cbor_proxy::{Canned, CborProxy};
use testkit::fleet::{create_eks_cluster, create_firing_sae1_alarm, create_routing, sdk};
use testkit::moto::Moto;

const CLUSTER: &str = "phenom-prod-cluster";
const REGION: &str = "us-east-1";
const GROUP: &str = "/ecs/phenom-prod/functions";

/// moto behind the proxy, with phenom's ECS services (`functions` logging with awslogs,
/// `graphql` with no log configuration), one running and two stopped tasks of `functions` with
/// their log streams, and a database.
/// The next revision of `phenom-prod-functions`: its one container logging with awslogs to
/// `group` under the stream prefix `ecs`.
async fn register_functions(ecs: &aws_sdk_ecs::Client, image: &str, group: &str) {
    ecs.register_task_definition()
        .family("phenom-prod-functions")
        .cpu("512")
        .memory("1024")
        .container_definitions(
            ContainerDefinition::builder()
                .name("functions")
                .image(image)
                .memory(1024)
                .essential(true)
                .log_configuration(
                    LogConfiguration::builder()
                        .log_driver(LogDriver::Awslogs)
                        .options("awslogs-group", group)
                        .options("awslogs-region", REGION)
                        .options("awslogs-stream-prefix", "ecs")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
}

struct Phenom {
    _moto: Moto,
    proxy: CborProxy,
    home: tempfile::TempDir,
    config: PathBuf,
    running: String,
    stopped: Vec<String>,
}

async fn phenom() -> Phenom {
    let moto = Moto::start().await;
    let proxy = CborProxy::start(&moto.url, std::time::Duration::ZERO).await;
    let conf = sdk(&proxy.url, REGION).await;
    let ecs = aws_sdk_ecs::Client::new(&conf);
    ecs.create_cluster()
        .cluster_name(CLUSTER)
        .send()
        .await
        .unwrap();
    register_functions(
        &ecs,
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/phenom/functions:2026.11.20",
        GROUP,
    )
    .await;
    testkit::fleet::register_plain(&ecs, "phenom-prod-graphql", "graphql").await;
    for (svc, td) in [
        ("functions", "phenom-prod-functions"),
        ("graphql", "phenom-prod-graphql"),
    ] {
        ecs.create_service()
            .cluster(CLUSTER)
            .service_name(svc)
            .task_definition(td)
            .desired_count(2)
            .launch_type(LaunchType::Fargate)
            .send()
            .await
            .unwrap();
    }
    let run = ecs
        .run_task()
        .cluster(CLUSTER)
        .task_definition("phenom-prod-functions")
        .launch_type(LaunchType::Fargate)
        .count(3)
        .started_by("ecs-svc/1735")
        // As ECS starts a service's tasks: ListTasks(serviceName) finds them by it.
        .group("service:functions")
        .send()
        .await
        .unwrap();
    let ids: Vec<String> = run
        .tasks()
        .iter()
        .map(|t| {
            t.task_arn()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    for id in &ids[1..] {
        ecs.stop_task()
            .cluster(CLUSTER)
            .task(id)
            .reason("Essential container in task exited")
            .send()
            .await
            .unwrap();
    }
    let logs = log_group(&conf, GROUP).await;
    let now = jiff::Timestamp::now().as_millisecond();
    for (i, id) in ids.iter().enumerate() {
        let lines: Vec<&str> = if i == 0 {
            // Colours and a title change a container wrote: printed without them.
            vec![
                "[functions] \u{1b}[32minvoked\u{1b}[0m render-thumbnail in 212 ms\u{1b}]0;PWNED\u{7}",
            ]
        } else {
            vec![
                "[functions] invoked render-thumbnail (batch of 240 media)",
                "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
            ]
        };
        // The later a task in `ids`, the earlier it ran and crashed.
        let start = now - 60_000 * (i as i64 + 1);
        write_stream(&logs, GROUP, &format!("ecs/functions/{id}"), start, &lines).await;
    }
    let rds = aws_sdk_rds::Client::new(&conf);
    testkit::fleet::create_db_instance(
        &rds,
        "phenom-prod-postgres",
        &[("environment", "production")],
    )
    .await;
    let home = tempfile::tempdir().unwrap();
    let config = crate::phenom_config(home.path(), &proxy.url);
    Phenom {
        _moto: moto,
        proxy,
        home,
        config,
        running: ids[0].clone(),
        stopped: ids[1..].to_vec(),
    }
}

impl Phenom {
    async fn opsdeck(&self, args: &[&str]) -> Output {
        let mut cmd = crate::opsdeck_on_moto(self.home.path());
        cmd.arg("--config").arg(&self.config).args(args);
        crate::output_off_runtime(cmd).await
    }

    async fn describe(&self, path: &str) -> (Value, Output) {
        let out = self
            .opsdeck(&[
                "describe",
                path,
                "--account",
                "phenom",
                "--region",
                REGION,
                "--json",
                "--timeout",
                "20",
            ])
            .await;
        let v = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
        (v, out)
    }
}

/// `opsdeck ecs ACTION TARGET [N] --account phenom --region R` and `rest`.
fn ecs_args<'a>(
    action: &'a str,
    target: &'a str,
    region: &'a str,
    rest: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec!["ecs", action, target];
    if action == "scale" {
        args.push("3");
    }
    args.extend(["--account", "phenom", "--region", region]);
    args.extend(rest);
    args
}

/// A new log group, as the awslogs driver's `awslogs-create-group` would make it.
async fn log_group(conf: &aws_config::SdkConfig, group: &str) -> aws_sdk_cloudwatchlogs::Client {
    let logs = aws_sdk_cloudwatchlogs::Client::new(conf);
    logs.create_log_group()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    logs
}

/// A stream of `group` holding `lines`, one millisecond apart from `start` (ms since the epoch).
async fn write_stream(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    stream: &str,
    start: i64,
    lines: &[&str],
) {
    logs.create_log_stream()
        .log_group_name(group)
        .log_stream_name(stream)
        .send()
        .await
        .unwrap();
    let events = lines.iter().enumerate().map(|(k, l)| {
        aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
            .timestamp(start + k as i64)
            .message(*l)
            .build()
            .unwrap()
    });
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .set_log_events(Some(events.collect()))
        .send()
        .await
        .unwrap();
}

/// The command failed (exit 1) and its stderr says `words`.
fn refused_saying(out: &Output, words: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(words), "{err}");
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A table section's rows: each row's cells and note.
fn rows(v: &Value, section: &str) -> Vec<(Vec<String>, String)> {
    let s = &v["sections"][section];
    assert_eq!(s["state"], "loaded", "{section}: {s}");
    s["body"]["items"]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{section}: {s}"))
        .iter()
        .map(|r| {
            (
                r["cells"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_string())
                    .collect(),
                r["note"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_ecs_service_shows_deployments_stopped_tasks_and_its_task_definition() {
    let p = phenom().await;
    let (d, out) = p.describe(&format!("ecs/{CLUSTER}/functions")).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let deployments = rows(&d, "deployments");
    assert_eq!(deployments[0].0[1], "PRIMARY");
    assert_eq!(deployments[0].0[2], "phenom-prod-functions:1");
    let tasks = rows(&d, "tasks");
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    for (cells, note) in &tasks {
        assert!(
            p.stopped.iter().any(|id| id.starts_with(&cells[0])),
            "{cells:?}"
        );
        assert_eq!(cells[4], "Essential container in task exited");
        assert!(note.starts_with("container functions"), "{note}");
    }
    let td = rows(&d, "task_definition");
    assert_eq!(td[0].0[0], "(task phenom-prod-functions:1)");
    assert_eq!((td[0].0[2].as_str(), td[0].0[3].as_str()), ("512", "1024"));
    assert_eq!(td[1].0[0], "functions");
    assert_eq!(
        td[1].1,
        format!("awslogs: group {GROUP}, streams ecs/functions/<task id> in {REGION}")
    );
    assert!(
        p.proxy
            .seen()
            .iter()
            .any(|s| s.operation == "ListTasks" && s.body.contains("STOPPED"))
    );

    // A task definition without awslogs says where its logs go instead.
    let (d, _) = p.describe(&format!("ecs/{CLUSTER}/graphql")).await;
    assert_eq!(
        rows(&d, "task_definition")[1].1,
        "no log configuration: its output is not kept"
    );
}

#[tokio::test]
async fn ecs_logs_come_from_cloudwatch_logs_by_the_awslogs_options() {
    let p = phenom().await;
    let path = format!("ecs/{CLUSTER}/functions");
    let args = ["logs", &path, "--account", "phenom", "--region", REGION];
    let out = p.opsdeck(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let running = &p.running[..8];
    assert_eq!(
        text(&out.stdout),
        format!("{running}/functions │ [functions] invoked render-thumbnail in 212 ms\n"),
        "the running task's stream only, without the escape sequences it wrote"
    );
    // The stopped tasks: how they ended.
    let out = p.opsdeck(&[&args[..], &["--previous"]].concat()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert_eq!(
        t.matches("FATAL ERROR: Reached heap limit").count(),
        2,
        "{t}"
    );
    // Merged in time order, as `aws logs tail` does: the last crash ends the output.
    let (first, last) = (&p.stopped[1][..8], &p.stopped[0][..8]);
    let lines: Vec<&str> = t.lines().collect();
    assert!(
        lines[0].starts_with(&format!("{first}/functions │ [functions] invoked")),
        "{t}"
    );
    assert!(
        lines[3].starts_with(&format!("{last}/functions │ FATAL ERROR")),
        "{t}"
    );
    // Mid-rollout: a task of the next revision logs to another group; each task is read by
    // its own task definition.
    let conf = sdk(&p.proxy.url, REGION).await;
    let ecs = aws_sdk_ecs::Client::new(&conf);
    let v2 = "/ecs/phenom-prod/functions-v2";
    register_functions(&ecs, "functions:v2", v2).await;
    let next = ecs
        .run_task()
        .cluster(CLUSTER)
        .task_definition("phenom-prod-functions:2")
        .launch_type(LaunchType::Fargate)
        .group("service:functions")
        .send()
        .await
        .unwrap();
    let next_id = next.tasks()[0]
        .task_arn()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let logs = log_group(&conf, v2).await;
    let stream = format!("ecs/functions/{next_id}");
    let now = jiff::Timestamp::now().as_millisecond();
    write_stream(&logs, v2, &stream, now, &["[functions] v2 started"]).await;
    let out = p.opsdeck(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(
        t.contains(&format!("{running}/functions │ [functions] invoked"))
            && t.contains(&format!(
                "{}/functions │ [functions] v2 started",
                &next_id[..8]
            )),
        "{t}"
    );

    // A service whose container has no awslogs: said, nothing read.
    let out = p
        .opsdeck(&[
            "logs",
            &format!("ecs/{CLUSTER}/graphql"),
            "--account",
            "phenom",
            "--region",
            REGION,
        ])
        .await;
    assert!(
        text(&out.stderr)
            .contains("container graphql: no log configuration: its output is not kept"),
        "{}",
        text(&out.stderr)
    );
    // The log group gone: each stream says so, exit 3.
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk(&p.proxy.url, REGION).await);
    logs.delete_log_group()
        .log_group_name(GROUP)
        .send()
        .await
        .unwrap();
    let out = p.opsdeck(&args).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("the group does not exist"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn a_refused_or_throttled_call_is_said_in_its_own_place() {
    let p = phenom().await;
    let path = format!("ecs/{CLUSTER}/functions");
    // IAM refuses logs:GetLogEvents: the logs say which call and for whom.
    p.proxy.fail("GetLogEvents", "AccessDeniedException");
    let out = p
        .opsdeck(&["logs", &path, "--account", "phenom", "--region", REGION])
        .await;
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(
        err.contains("logs:GetLogEvents: access denied for the default credentials"),
        "{err}"
    );
    // DescribeTasks throttled past the SDK's retries: the stopped tasks say so, the rest shows.
    p.proxy.fail("DescribeTasks", "ThrottlingException");
    let (d, out) = p.describe(&path).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(d["sections"]["tasks"]["state"], "unavailable");
    assert_eq!(
        d["sections"]["tasks"]["reason"],
        "ecs:DescribeTasks: throttled by AWS even after retries; trying again"
    );
    assert_eq!(d["sections"]["deployments"]["state"], "loaded");
}

#[tokio::test]
async fn redeploy_and_scale_need_write_and_the_service_typed() {
    let p = phenom().await;
    let service = format!("{CLUSTER}/functions");
    // moto does not move rollouts: these return once ECS took the change.
    let base = ecs_args("scale", &service, REGION, &["--no-wait"]);
    // A region the account does not list, a name that is not an ECS name: refused before
    // anything is asked of AWS.
    for (args, why) in [
        (
            ecs_args("scale", &service, "us-west-2", &[]),
            "is not one of account phenom's regions",
        ),
        (
            ecs_args("scale", "phenom-prod-cluster/", REGION, &[]),
            "service name \"\": empty",
        ),
        (
            ecs_args("scale", "../functions", REGION, &[]),
            "cluster name \"..\"",
        ),
    ] {
        let args = [&["--write"][..], &args[..], &["--confirm", "functions"]].concat();
        let out = p.opsdeck(&args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains(why), "{}", text(&out.stderr));
    }
    assert!(
        !p.proxy
            .seen()
            .iter()
            .any(|s| s.operation == "UpdateService"),
        "nothing was sent"
    );
    // Without --confirm: what it would do, nothing done.
    let out = p.opsdeck(&base).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "would scale ECS service functions in cluster phenom-prod-cluster (account phenom, region us-east-1) to 3 tasks; add --confirm functions"
        ),
        "{}",
        text(&out.stderr)
    );
    // --confirm without --write: refused, and audited.
    let out = p
        .opsdeck(&[&base[..], &["--confirm", "functions"]].concat())
        .await;
    refused_saying(&out, "read-only");
    let ecs = aws_sdk_ecs::Client::new(&sdk(&p.proxy.url, REGION).await);
    let desired = |ecs: aws_sdk_ecs::Client| async move {
        ecs.describe_services()
            .cluster(CLUSTER)
            .services("functions")
            .send()
            .await
            .unwrap()
            .services()[0]
            .desired_count()
    };
    assert_eq!(desired(ecs.clone()).await, 2);
    let out = p
        .opsdeck(&[&["--write"][..], &base[..], &["--confirm", "functions"]].concat())
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("desired count 2 → 3"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(desired(ecs.clone()).await, 3);
    let redeploy = ecs_args(
        "redeploy",
        &service,
        REGION,
        &["--confirm", "functions", "--no-wait"],
    );
    let out = p.opsdeck(&[&["--write"][..], &redeploy[..]].concat()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        p.proxy
            .seen()
            .iter()
            .any(|s| s.operation == "UpdateService" && s.body.contains("forceNewDeployment"))
    );
    // A confirmation that is not the service's name: refused, nothing sent, recorded.
    let out = p
        .opsdeck(&[&["--write"][..], &base[..], &["--confirm", "Functions"]].concat())
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(desired(ecs.clone()).await, 3);
    // Every try is in the audit log: a refusal is one line, a write is started, then its
    // outcome.
    let audit = std::fs::read_to_string(p.home.path().join("state/opsdeck/audit.jsonl")).unwrap();
    let outcomes: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["outcome"].clone())
        .collect();
    assert_eq!(outcomes.len(), 6, "{audit}");
    assert!(
        outcomes[0].as_str().unwrap().contains("read-only"),
        "{audit}"
    );
    assert_eq!(
        outcomes[1..5],
        ["started", "ok", "started", "ok"].map(Value::from)
    );
    assert!(
        outcomes[5]
            .as_str()
            .unwrap()
            .contains("is not the service's name"),
        "{audit}"
    );
    assert!(audit.contains("\"scale to 3\"") && audit.contains("\"redeploy\""));
}

/// An ECS service as `UpdateService` and `DescribeServices` return it (ECS API reference,
/// `Service` and `Deployment`), with one deployment of `functions` in `rollout` state.
fn service_json(rollout: &str, reason: &str, running: i32, desired: i32) -> Value {
    json!({
        "serviceName": "functions",
        "serviceArn": format!("arn:aws:ecs:{REGION}:123456789012:service/{CLUSTER}/functions"),
        "clusterArn": format!("arn:aws:ecs:{REGION}:123456789012:cluster/{CLUSTER}"),
        "status": "ACTIVE",
        "taskDefinition": format!("arn:aws:ecs:{REGION}:123456789012:task-definition/phenom-prod-functions:2"),
        "desiredCount": desired,
        "runningCount": running,
        "pendingCount": desired - running,
        "deployments": [{
            "id": "ecs-svc/7001",
            "status": "PRIMARY",
            "taskDefinition": format!("arn:aws:ecs:{REGION}:123456789012:task-definition/phenom-prod-functions:2"),
            "desiredCount": desired,
            "runningCount": running,
            "pendingCount": desired - running,
            "failedTasks": 0,
            "rolloutState": rollout,
            "rolloutStateReason": reason,
            "createdAt": jiff::Timestamp::now().as_second(),
            "updatedAt": jiff::Timestamp::now().as_second()
        }]
    })
}

#[tokio::test]
async fn a_redeploy_is_followed_until_its_rollout_completes_or_fails() {
    let p = phenom().await;
    let service = format!("{CLUSTER}/functions");
    let redeploy = [
        &["--write"][..],
        &ecs_args("redeploy", &service, REGION, &["--confirm", "functions"]),
    ]
    .concat();
    // Test-side responders: moto keeps a deployment's rolloutState as it was created, so the
    // rollout's steps are answered here, shaped from the ECS API reference.
    let started = json!({"service": service_json("IN_PROGRESS", "ECS deployment ecs-svc/7001 in progress.", 1, 2)});
    p.proxy
        .respond("UpdateService", Canned::Json(started.clone()));
    p.proxy.respond_in_turn(
        "DescribeServices",
        vec![
            Canned::Json(json!({"services": [service_json("IN_PROGRESS", "ECS deployment ecs-svc/7001 in progress.", 1, 2)], "failures": []})),
            Canned::Json(json!({"services": [service_json("COMPLETED", "ECS deployment ecs-svc/7001 completed.", 2, 2)], "failures": []})),
        ],
    );
    let out = p.opsdeck(&redeploy).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("a new deployment of phenom-prod-functions:2 started (ecs-svc/7001); rollout completed: 2/2 running, task definition phenom-prod-functions:2"),
        "{}",
        text(&out.stdout)
    );
    let polls = p
        .proxy
        .seen()
        .iter()
        .filter(|s| s.operation == "DescribeServices")
        .count();
    assert!(polls >= 2, "followed until COMPLETED: {polls} reads");

    // The circuit breaker stops the next one: said, exit 1.
    p.proxy.respond(
        "DescribeServices",
        Canned::Json(json!({"services": [service_json("FAILED", "ECS deployment circuit breaker: tasks failed to start.", 0, 2)], "failures": []})),
    );
    let out = p.opsdeck(&redeploy).await;
    refused_saying(
        &out,
        "rollout failed: ECS deployment circuit breaker: tasks failed to start.",
    );
    // Still going at --timeout: said, with where it stands.
    p.proxy.respond(
        "DescribeServices",
        Canned::Json(
            json!({"services": [service_json("IN_PROGRESS", "in progress", 1, 2)], "failures": []}),
        ),
    );
    let out = p
        .opsdeck(&[&redeploy[..], &["--timeout", "1"]].concat())
        .await;
    refused_saying(&out, "still rolling out after 1 s (1/2 running");
}

/// The test-side responders for the operations moto does not serve, each shaped from the AWS
/// API reference: CloudWatch DescribeAlarmHistory, Route53 GetHealthCheckLastFailureReason and
/// GetHealthCheckStatus (moto's always says Success), EKS ListAddons/DescribeAddon and RDS
/// DescribePendingMaintenanceActions.
fn responders(proxy: &CborProxy, check: &str) {
    let now = jiff::Timestamp::now().as_second();
    let item = |ago: i64, from: &str, to: &str| {
        json!({"AlarmName": "eks-prod-sae1-node-cpu-high", "AlarmType": "MetricAlarm",
               "Timestamp": now - ago, "HistoryItemType": "StateUpdate",
               "HistorySummary": format!("Alarm updated from {from} to {to}"),
               "HistoryData": json!({"version": "1.0", "oldState": {"stateValue": from},
                   "newState": {"stateValue": to, "stateReason": format!("went {to} {ago}s ago")}}).to_string()})
    };
    proxy.respond(
        "DescribeAlarmHistory",
        Canned::Json(json!({"AlarmHistoryItems": [
            item(60, "OK", "ALARM"), item(700, "ALARM", "OK"), item(1900, "OK", "ALARM"),
            {"AlarmName": "someone-elses-alarm", "Timestamp": now, "HistoryItemType": "StateUpdate",
             "HistorySummary": "Alarm updated from OK to ALARM"}]})),
    );
    let observation = |region: &str, status: &str| {
        format!(
            "<HealthCheckObservation><Region>{region}</Region><IPAddress>15.177.2.{}</IPAddress><StatusReport><Status>{status}</Status><CheckedTime>2026-11-23T11:59:00Z</CheckedTime></StatusReport></HealthCheckObservation>",
            region.len()
        )
    };
    let timed_out = "Failure: Connection timed out. The endpoint or the internet connection is down, or requests are being blocked by your firewall.";
    let ok = "Success: HTTP Status Code 200, OK";
    let status: String = [
        ("us-east-1", ok),
        ("us-west-1", timed_out),
        ("us-west-2", timed_out),
        ("eu-west-1", ok),
        ("ap-southeast-1", ok),
        ("ap-southeast-2", ok),
        ("ap-northeast-1", ok),
        ("sa-east-1", ok),
    ]
    .iter()
    .map(|(r, s)| observation(r, s))
    .collect();
    proxy.respond(
        &format!("GET /2013-04-01/healthcheck/{check}/status"),
        Canned::Xml(format!("<?xml version=\"1.0\"?><GetHealthCheckStatusResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><HealthCheckObservations>{status}</HealthCheckObservations></GetHealthCheckStatusResponse>")),
    );
    proxy.respond(
        &format!("GET /2013-04-01/healthcheck/{check}/lastfailurereason"),
        Canned::Xml(format!("<?xml version=\"1.0\"?><GetHealthCheckLastFailureReasonResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><HealthCheckObservations>{}</HealthCheckObservations></GetHealthCheckLastFailureReasonResponse>", observation("us-west-1", timed_out))),
    );
    proxy.respond(
        "GET /clusters/eks-prod-sae1/addons",
        Canned::Json(json!({"addons": ["vpc-cni", "aws-ebs-csi-driver"]})),
    );
    for (name, status, issue) in [
        ("vpc-cni", "ACTIVE", None),
        (
            "aws-ebs-csi-driver",
            "DEGRADED",
            Some("InsufficientNumberOfReplicas"),
        ),
    ] {
        let issues: Vec<Value> = issue
            .map(|c| vec![json!({"code": c, "message": "The add-on is unhealthy because it doesn't have the desired number of replicas.", "resourceIds": []})])
            .unwrap_or_default();
        proxy.respond(
            &format!("GET /clusters/eks-prod-sae1/addons/{name}"),
            Canned::Json(json!({"addon": {"addonName": name, "clusterName": "eks-prod-sae1",
                "status": status, "addonVersion": "v1.37.0-eksbuild.1", "health": {"issues": issues}}})),
        );
    }
    proxy.respond(
        "DescribePendingMaintenanceActions",
        Canned::Xml("<DescribePendingMaintenanceActionsResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><DescribePendingMaintenanceActionsResult><PendingMaintenanceActions><ResourcePendingMaintenanceActions><ResourceIdentifier>arn:aws:rds:us-east-1:123456789012:db:phenom-prod-postgres</ResourceIdentifier><PendingMaintenanceActionDetails><PendingMaintenanceAction><Action>system-update</Action><Description>New Operating System update is available</Description><AutoAppliedAfterDate>2026-12-14T03:00:00Z</AutoAppliedAfterDate></PendingMaintenanceAction></PendingMaintenanceActionDetails></ResourcePendingMaintenanceActions></PendingMaintenanceActions></DescribePendingMaintenanceActionsResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribePendingMaintenanceActionsResponse>".into()),
    );
}

#[tokio::test]
async fn a_region_a_database_and_a_cluster_explain_themselves() {
    let moto = Moto::start().await;
    let proxy = CborProxy::start(&moto.url, std::time::Duration::ZERO).await;
    create_routing(&proxy.url).await;
    create_firing_sae1_alarm(&proxy.url).await;
    create_eks_cluster(&proxy.url, "sa-east-1", "eks-prod-sae1").await;
    let eks = aws_sdk_eks::Client::new(&sdk(&proxy.url, "sa-east-1").await);
    eks.create_nodegroup()
        .cluster_name("eks-prod-sae1")
        .nodegroup_name("general")
        .node_role("arn:aws:iam::123456789012:role/nodes")
        .subnets("subnet-1")
        .instance_types("m6i.xlarge")
        .scaling_config(
            aws_sdk_eks::types::NodegroupScalingConfig::builder()
                .desired_size(3)
                .min_size(2)
                .max_size(6)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let rds = aws_sdk_rds::Client::new(&sdk(&proxy.url, "us-east-1").await);
    testkit::fleet::create_db_instance(
        &rds,
        "phenom-prod-postgres",
        &[("environment", "production")],
    )
    .await;
    rds.create_db_snapshot()
        .db_instance_identifier("phenom-prod-postgres")
        .db_snapshot_identifier("phenom-prod-before-upgrade")
        .send()
        .await
        .unwrap();
    // The sa-east-1 health check's id, as moto made it.
    let r53 = aws_sdk_route53::Client::new(&sdk(&proxy.url, "us-east-1").await);
    let check = r53
        .list_health_checks()
        .send()
        .await
        .unwrap()
        .health_checks()
        .iter()
        .find(|h| {
            h.health_check_config()
                .and_then(|c| c.fully_qualified_domain_name())
                .is_some_and(|f| f.contains("sae1"))
        })
        .unwrap()
        .id()
        .to_string();
    responders(&proxy, &check);
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"helpdev-prod\"\nregions = [\"sa-east-1\", \"us-east-1\"]\nendpoint_url = \"{}\"\n\n[aws]\nhosted_zones = [\"helpdev.io\"]\n",
            proxy.url
        ),
    )
    .unwrap();
    let describe = |path: &'static str, region: &'static str| {
        let (home, config) = (home.path().to_path_buf(), config.clone());
        async move {
            let mut cmd = crate::opsdeck_on_moto(&home);
            cmd.arg("--config").arg(&config).args([
                "describe",
                path,
                "--account",
                "helpdev-prod",
                "--region",
                region,
                "--json",
                "--timeout",
                "20",
            ]);
            let out = crate::output_off_runtime(cmd).await;
            let v: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
            (v, out)
        }
    };
    let (region, out) = describe("region/helpdev-prod/sa-east-1", "sa-east-1").await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let history = rows(&region, "alarm_history");
    let changes: Vec<&str> = history.iter().map(|(c, _)| c[2].as_str()).collect();
    assert_eq!(
        changes,
        [
            "Alarm updated from OK to ALARM",
            "Alarm updated from ALARM to OK",
            "Alarm updated from OK to ALARM"
        ],
        "the region's alarm only, newest first"
    );
    assert_eq!(history[0].1, "went ALARM 60s ago");
    let checks = rows(&region, "health_checks");
    assert_eq!(checks[0].0[2], "6/8 ok");
    assert!(
        checks[0].1.starts_with(
            "failing from 2 of 8 checkers (us-west-1, us-west-2): Failure: Connection timed out"
        ),
        "{}",
        checks[0].1
    );

    let (db, out) = describe("rds/phenom-prod-postgres", "us-east-1").await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let m = rows(&db, "maintenance");
    assert!(
        m.iter()
            .any(|(c, _)| c[0] == "maintenance: system-update" && c[1].contains("2026-12-14")),
        "{m:?}"
    );
    let manual = m
        .iter()
        .find(|(c, _)| c[0] == "latest manual snapshot")
        .unwrap();
    assert!(
        manual.0[2].starts_with("phenom-prod-before-upgrade, "),
        "{m:?}"
    );
    assert_eq!(db["sections"]["events"]["state"], "loaded");
    assert!(moto_or_responder_answered(&db));

    let (cluster, out) = describe("eks/eks-prod-sae1", "sa-east-1").await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let groups = rows(&cluster, "node_groups");
    assert_eq!(
        groups[0].0[..5],
        ["general", "ACTIVE", "3", "2", "6"].map(String::from)
    );
    let addons = rows(&cluster, "addons");
    assert!(addons.iter().any(|(c, n)| c[0] == "aws-ebs-csi-driver"
        && c[2] == "DEGRADED"
        && n.starts_with("InsufficientNumberOfReplicas")));
}

/// RDS events: moto answers DescribeEvents (with what it recorded, possibly nothing).
fn moto_or_responder_answered(db: &Value) -> bool {
    db["sections"]["events"]["body"]["items"].is_array()
}
