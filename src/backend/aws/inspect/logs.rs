//! An ECS service's container logs from CloudWatch Logs, found as the awslogs driver writes
//! them: the task definition's `awslogs-group` (and `awslogs-region`) and the stream
//! `<awslogs-stream-prefix>/<container>/<task id>` of each task. The running tasks by default,
//! the recently stopped ones with "previous" (ECS keeps no previous container: a crashed task is
//! a stopped one), or one task. The last lines of each stream are read (`GetLogEvents`), then,
//! following, what is new every two seconds (`FilterLogEvents` from the last time seen, ids
//! already shown dropped); tasks are listed again now and then so a replacement task joins. A
//! container whose logs go elsewhere (FireLens, no log configuration) is said, not read.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::time::Duration;

use aws_sdk_ecs::types::DesiredStatus;
use tokio::sync::mpsc;

use super::ecs::{describe_service, log_destination, read_task_definition};
use super::{AwsInspector, Calls, last_segment};
use crate::inspect::logs::{
    EcsLogTarget, LogEvent, LogLine, LogQuery, LogSource, LogStream, LogTarget, driven, refused,
};

/// How often a followed stream is asked for what is new.
const POLL: Duration = Duration::from_secs(2);
/// How often the tasks are listed again while following.
const RELIST: Duration = Duration::from_secs(10);
/// At most this many tasks' streams are read.
const MAX_TASKS: usize = 10;
/// Events remembered to drop what a poll returns twice.
const SEEN_IDS: usize = 10_000;
/// How far before the last read a poll asks from: CloudWatch Logs takes seconds to ingest.
const INGESTION_LAG_MS: i64 = 10_000;

/// One stream to read: its group, its name, and whose it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Stream {
    group: String,
    name: String,
    task: String,
    container: String,
}

impl LogSource for AwsInspector {
    fn logs(&self, target: &LogTarget, query: &LogQuery) -> LogStream {
        let Some(ecs) = target.ecs.clone() else {
            return refused("the AWS side reads ECS services' logs only");
        };
        let (me, query) = (self.clone(), query.clone());
        driven(move |tx| async move { me.ecs_logs(ecs, query, tx).await })
    }
}

impl AwsInspector {
    /// Streams the target's logs into `tx` until it is dropped (or, not following, to the
    /// end of what there is).
    pub(crate) async fn ecs_logs(
        &self,
        target: EcsLogTarget,
        query: LogQuery,
        tx: mpsc::Sender<LogEvent>,
    ) {
        let calls = match self.calls(&target.account, &target.region).await {
            Ok(c) => c,
            Err(e) => {
                let _ = tx.send(LogEvent::Error(e)).await;
                return;
            }
        };
        let mut shown: HashSet<Stream> = HashSet::new();
        let mut seen = Seen::default();
        // Per stream, the newest event time read (ms since the epoch).
        let mut last: BTreeMap<Stream, i64> = BTreeMap::new();
        let mut relisted = tokio::time::Instant::now();
        let mut first = true;
        loop {
            if first || relisted.elapsed() >= RELIST {
                relisted = tokio::time::Instant::now();
                match streams(&calls, &target, &query, &tx, first).await {
                    Ok(all) => {
                        let new: Vec<Stream> =
                            all.into_iter().filter(|s| !shown.contains(s)).collect();
                        // The new streams' last lines in time order, as `aws logs tail` merges
                        // streams: several tasks read at once end with the newest line.
                        let mut read = Vec::new();
                        for s in new {
                            let since = last_lines(&calls, &s, &query, &mut read, &mut seen).await;
                            last.insert(s.clone(), since);
                            shown.insert(s);
                        }
                        read.sort_by_key(|(at, _)| *at);
                        for (_, event) in read {
                            if tx.send(event).await.is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(LogEvent::Error(e)).await;
                        return;
                    }
                }
            }
            first = false;
            if !query.follow || query.previous || tx.is_closed() {
                return;
            }
            tokio::time::sleep(POLL).await;
            if let Err(e) = poll_new(&calls, &mut last, &tx, &mut seen).await {
                let _ = tx.send(LogEvent::Error(e)).await;
            }
        }
    }
}

/// Event ids already sent, the oldest forgotten first.
#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    /// Whether `id` is new (and remembers it).
    fn first(&mut self, id: &str) -> bool {
        if self.ids.contains(id) {
            return false;
        }
        if self.order.len() == SEEN_IDS
            && let Some(old) = self.order.pop_front()
        {
            self.ids.remove(&old);
        }
        self.ids.insert(id.to_string());
        self.order.push_back(id.to_string());
        true
    }
}

/// The streams of the target's tasks, each from its own task definition (during a rollout the
/// old tasks run the old one, which may log elsewhere), and a note (on the first listing) for
/// each container whose logs are not in CloudWatch Logs.
async fn streams(
    calls: &Calls,
    target: &EcsLogTarget,
    query: &LogQuery,
    tx: &mpsc::Sender<LogEvent>,
    first: bool,
) -> Result<Vec<Stream>, String> {
    // A service that is not there says so, instead of "no task".
    let service = if first {
        Some(describe_service_of(calls, target).await?)
    } else {
        None
    };
    let client = aws_sdk_ecs::Client::new(&calls.config);
    let tasks = match &target.task {
        Some(t) => vec![t.clone()],
        None => {
            let status = if query.previous {
                DesiredStatus::Stopped
            } else {
                DesiredStatus::Running
            };
            client
                .list_tasks()
                .cluster(&target.cluster)
                .service_name(&target.service)
                .desired_status(status)
                .max_results(MAX_TASKS as i32)
                .send()
                .await
                .map_err(|e| calls.failed("ecs:ListTasks", &e))?
                .task_arns()
                .iter()
                .map(|a| last_segment(a).to_string())
                .collect::<Vec<_>>()
        }
    };
    if tasks.is_empty() {
        if let Some(service) = service {
            let which = if query.previous { "stopped" } else { "running" };
            let _ = tx
                .send(LogEvent::Note(format!("no {which} task to read")))
                .await;
            // Still say where the containers' logs go, as the service's task definition has it.
            let td =
                read_task_definition(calls, service.task_definition().unwrap_or_default()).await?;
            for c in td.container_definitions() {
                let awslogs = c
                    .log_configuration()
                    .is_some_and(|l| l.log_driver().as_str() == "awslogs");
                if !awslogs {
                    let note = format!(
                        "container {}: {}",
                        c.name().unwrap_or("?"),
                        log_destination(c)
                    );
                    let _ = tx.send(LogEvent::Note(note)).await;
                }
            }
        }
        return Ok(Vec::new());
    }
    let described = client
        .describe_tasks()
        .cluster(&target.cluster)
        .set_tasks(Some(tasks))
        .send()
        .await
        .map_err(|e| calls.failed("ecs:DescribeTasks", &e))?;
    let task_defs: Vec<(String, String)> = described
        .tasks()
        .iter()
        .filter_map(|t| {
            Some((
                last_segment(t.task_arn()?).to_string(),
                t.task_definition_arn()?.to_string(),
            ))
        })
        .collect();
    let mut defs = BTreeMap::new();
    for (_, arn) in &task_defs {
        if !defs.contains_key(arn) {
            defs.insert(arn.clone(), read_task_definition(calls, arn).await?);
        }
    }
    let mut out = Vec::new();
    let mut containers = std::collections::BTreeSet::new();
    let mut said = HashSet::new();
    for (task, arn) in &task_defs {
        for c in defs[arn].container_definitions() {
            let name = c.name().unwrap_or("?").to_string();
            containers.insert(name.clone());
            if query.container.as_ref().is_some_and(|q| *q != name) {
                continue;
            }
            let lc = c.log_configuration();
            let awslogs = lc.is_some_and(|l| l.log_driver().as_str() == "awslogs");
            let opt = |k: &str| lc.and_then(|l| l.options()).and_then(|o| o.get(k)).cloned();
            match (awslogs, opt("awslogs-group"), opt("awslogs-stream-prefix")) {
                (true, Some(group), Some(prefix)) => out.push(Stream {
                    group,
                    name: format!("{prefix}/{name}/{task}"),
                    task: task.clone(),
                    container: name,
                }),
                _ if first && said.insert(name.clone()) => {
                    let _ = tx
                        .send(LogEvent::Note(format!(
                            "container {name}: {}",
                            log_destination(c)
                        )))
                        .await;
                }
                _ => {}
            }
        }
    }
    if let Some(want) = query
        .container
        .as_ref()
        .filter(|w| !containers.contains(*w))
    {
        return Err(format!(
            "no container {want} in the tasks' task definitions (containers: {})",
            containers.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(out)
}

async fn describe_service_of(
    calls: &Calls,
    target: &EcsLogTarget,
) -> Result<aws_sdk_ecs::types::Service, String> {
    let subject = crate::inspect::Subject {
        id: crate::model::RowId::new(
            crate::model::Kind::EcsService,
            crate::model::Scope::aws(&target.account, &target.region).with_context(&target.cluster),
            target.service.clone(),
        ),
        facts: crate::model::Facts::EcsService(Default::default()),
        object: None,
        workloads: Vec::new(),
        source: None,
    };
    describe_service(calls, &subject).await
}

/// What tells two events apart across GetLogEvents and FilterLogEvents (which alone has ids):
/// the stream, the time and the message.
fn event_key(s: &Stream, at: Option<i64>, message: Option<&str>) -> String {
    let h = message
        .unwrap_or_default()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
    format!("{}:{}:{h:x}", s.name, at.unwrap_or(0))
}

fn line(s: &Stream, message: &str) -> LogEvent {
    LogEvent::Line(LogLine {
        // A task id's first eight characters name it as the console does.
        pod: s.task.chars().take(8).collect(),
        container: s.container.clone(),
        text: message.trim_end_matches(['\n', '\r']).to_string(),
    })
}

/// Reads a stream's last lines (or those since `query.since`) into `read` with their times;
/// returns when they were read.
async fn last_lines(
    calls: &Calls,
    s: &Stream,
    query: &LogQuery,
    read: &mut Vec<(i64, LogEvent)>,
    seen: &mut Seen,
) -> i64 {
    let client = aws_sdk_cloudwatchlogs::Client::new(&calls.config);
    let now_ms = jiff::Timestamp::now().as_millisecond();
    if query.since.is_none() && query.tail == Some(0) {
        // `--tail 0`: nothing of the past, only what comes (with --follow).
        return now_ms;
    }
    let mut req = client
        .get_log_events()
        .log_group_name(&s.group)
        .log_stream_name(&s.name);
    req = match query.since {
        Some(secs) => req.start_time(now_ms - secs * 1000).start_from_head(true),
        None => req
            .start_from_head(false)
            .limit(query.tail.unwrap_or(200).clamp(1, 10_000) as i32),
    };
    match req.send().await {
        Ok(out) => {
            for e in out.events() {
                seen.first(&event_key(s, e.timestamp(), e.message()));
                read.push((
                    e.timestamp().unwrap_or(0),
                    line(s, e.message().unwrap_or_default()),
                ));
            }
            now_ms
        }
        Err(e) => {
            let code = aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata::code(&e);
            let why = if code == Some("ResourceNotFoundException") {
                format!(
                    "{}/{}: no log stream {} in group {} yet (the task has not written, or the group does not exist)",
                    s.task, s.container, s.name, s.group
                )
            } else {
                format!(
                    "{}/{}: {}",
                    s.task,
                    s.container,
                    calls.failed("logs:GetLogEvents", &e)
                )
            };
            read.push((0, LogEvent::Error(why)));
            now_ms
        }
    }
}

/// Asks each group for what its streams wrote since they were last read.
async fn poll_new(
    calls: &Calls,
    last: &mut BTreeMap<Stream, i64>,
    tx: &mpsc::Sender<LogEvent>,
    seen: &mut Seen,
) -> Result<(), String> {
    let client = aws_sdk_cloudwatchlogs::Client::new(&calls.config);
    let mut groups: BTreeMap<String, Vec<Stream>> = BTreeMap::new();
    for s in last.keys() {
        groups.entry(s.group.clone()).or_default().push(s.clone());
    }
    for (group, streams) in groups {
        // Events arrive in CloudWatch Logs a few seconds after their time: asked from a little
        // before, the late ones are read too (and the repeats skipped by `seen`).
        let from = streams.iter().map(|s| last[s]).min().unwrap_or(0) - INGESTION_LAG_MS;
        // FilterLogEvents takes at most 100 stream names.
        for chunk in streams.chunks(100) {
            let mut pages = client
                .filter_log_events()
                .log_group_name(&group)
                .set_log_stream_names(Some(chunk.iter().map(|s| s.name.clone()).collect()))
                .start_time(from)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| calls.failed("logs:FilterLogEvents", &e))?;
                for e in page.events() {
                    let Some(s) = chunk
                        .iter()
                        .find(|s| Some(s.name.as_str()) == e.log_stream_name())
                    else {
                        continue;
                    };
                    // Asked from the newest time read, a poll returns that moment's events again.
                    if !seen.first(&event_key(s, e.timestamp(), e.message())) {
                        continue;
                    }
                    if let Some(t) = e.timestamp() {
                        let entry = last.get_mut(s).expect("streams come from `last`");
                        *entry = (*entry).max(t);
                    }
                    if tx
                        .send(line(s, e.message().unwrap_or_default()))
                        .await
                        .is_err()
                    {
                        return Ok(());
                    }
                }
            }
        }
    }
    Ok(())
}
