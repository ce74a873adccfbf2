//! The demo's logs: what each app writes (a few lines of its past, then, while following, a new
//! line every second or so), the crashing pod's Node.js running out of heap before the kernel
//! kills it (its previous container's log ends the same way), the agent whose container cannot
//! start (the API's answer, as an error), and helm-controller's JSON lines, filtered to the
//! object the way `flux logs` filters them.

use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use jiff::{SignedDuration, Timestamp};

use super::incidents::UpgradePhase;
use super::inspect::{DemoInspector, Moment, all_pods, crash_restarts, crashing_pod, pods_of};
use super::seed::FAILING_RELEASE;
use super::workloads::MISSING_SECRET;
use crate::inspect::ObjectRef;
use crate::inspect::logs::{
    LogEvent, LogLine, LogQuery, LogSource, LogStream, LogTarget, controller_for, flux_line_about,
};
use crate::model::drilldown::PodLine;

/// How often a followed demo container writes a line (real time).
const EVERY: Duration = Duration::from_millis(1200);

impl LogSource for DemoInspector {
    fn logs(&self, target: &LogTarget, query: &LogQuery) -> LogStream {
        let m = self.moment();
        if target.context == super::seed::VPN_CONTEXT && m.inc.vpn_down {
            return Box::pin(stream::iter([LogEvent::Error(
                super::inspect::VPN_DOWN.into(),
            )]));
        }
        if let Some(object) = &target.flux_object {
            return controller_log(&m, object, query);
        }
        if let Some(ecs) = &target.ecs {
            return ecs_log(&m, ecs, query);
        }
        let pods: Vec<PodLine> = if target.pods.is_empty() {
            target
                .workloads
                .iter()
                .flat_map(|w| pods_of(&m, &target.context, w))
                .collect()
        } else {
            all_pods(&m, &target.context)
                .into_iter()
                .filter(|p| target.pods.contains(&(p.namespace.clone(), p.name.clone())))
                .collect()
        };
        if pods.is_empty() {
            return Box::pin(stream::iter([LogEvent::Note("no pods to read".into())]));
        }
        if let Some(c) = &query.container
            && !pods.iter().any(|p| p.containers.contains(c))
        {
            // As the API answers it (400 BadRequest), for the first pod.
            return Box::pin(stream::iter([LogEvent::Error(format!(
                "container {c} is not valid for pod {}: its containers are {}",
                pods[0].name,
                pods[0].containers.join(", ")
            ))]));
        }
        let streams: Vec<LogStream> = pods
            .iter()
            .flat_map(|p| {
                p.containers
                    .iter()
                    .filter(|c| query.container.as_ref().is_none_or(|q| q == *c))
                    .map(|c| container_log(&m, p, c, query))
                    .collect::<Vec<_>>()
            })
            .collect();
        Box::pin(stream::select_all(streams))
    }
}

fn line(pod: &PodLine, container: &str, text: String) -> LogEvent {
    LogEvent::Line(LogLine {
        pod: pod.name.clone(),
        container: container.to_string(),
        text,
    })
}

/// What an app writes in steady state, by its container's name.
fn steady(container: &str, i: u64) -> String {
    match container {
        "hyperfy2" => match i % 4 {
            0 => format!("[hyperfy2] ws client connected ({} online)", 30 + i % 11),
            1 => "[hyperfy2] GET /health 200 1ms".into(),
            2 => format!("[hyperfy2] world snapshot saved ({}.{} MB)", 2, i % 10),
            _ => format!("[hyperfy2] ws client left ({} online)", 29 + i % 11),
        },
        "elizaos" => format!(
            "[eliza] agent tick: {} memories, 0 pending actions",
            1200 + i
        ),
        c if c.ends_with("-controller") => format!(
            "{{\"level\":\"info\",\"ts\":\"{}\",\"msg\":\"leader election renewed\",\"controller\":\"{c}\"}}",
            Timestamp::now()
        ),
        c => format!("{c}: GET /healthz 200 0.4ms ({i})"),
    }
}

/// Startup lines of a Node.js app.
fn startup(container: &str) -> Vec<String> {
    vec![
        format!("[{container}] starting (node v20.18.1, NODE_ENV=production)"),
        format!("[{container}] loading world numen-games/world"),
        format!("[{container}] world loaded: 18342 entities, 412 scripts in 3.8s"),
        format!("[{container}] listening on :3000"),
    ]
}

/// The crashing container's last lines: the heap fills, V8 gives up, the kernel kills it.
fn crash(container: &str) -> Vec<String> {
    vec![
        format!("[{container}] heap used 398 MB of 512 MB (migrating 0.4.2 scripts)"),
        format!("[{container}] heap used 471 MB of 512 MB"),
        String::new(),
        "<--- Last few GCs --->".into(),
        "[1:0x5b8e2f0]    61234 ms: Mark-Compact 503.9 (519.4) -> 501.7 (520.1) MB, 812.3 / 0.0 ms  (average mu = 0.112, current mu = 0.034) allocation failure; scavenge might not succeed".into(),
        String::new(),
        "<--- JS stacktrace --->".into(),
        String::new(),
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory".into(),
        " 1: 0xb9c1f0 node::Abort() [node]".into(),
    ]
}

fn container_log(m: &Moment, pod: &PodLine, container: &str, query: &LogQuery) -> LogStream {
    let failing = pod.namespace == FAILING_RELEASE.0 && pod.name == crashing_pod();
    if pod
        .waiting
        .as_deref()
        .is_some_and(|w| w.starts_with("CreateContainerConfigError"))
    {
        // What the API answers for a container that never started (400 BadRequest).
        return Box::pin(stream::iter([LogEvent::Error(format!(
            "container \"{container}\" in pod \"{}\" is waiting to start: CreateContainerConfigError (secret \"{MISSING_SECRET}\" not found)",
            pod.name
        ))]));
    }
    if query.previous && pod.restarts == 0 {
        // As the kube side says the API's 400 for it: a note, not a failure.
        return Box::pin(stream::iter([LogEvent::Note(format!(
            "{}/{container}: no previous container (it has not restarted)",
            pod.name
        ))]));
    }
    let mut past: Vec<String> = Vec::new();
    if failing && m.inc.upgrade == UpgradePhase::Failing {
        // The current container is on its way to the same end as the previous one.
        past.extend(startup(container));
        past.extend(crash(container));
        let lines: Vec<LogEvent> = tail(past, query)
            .into_iter()
            .map(|t| line(pod, container, t))
            .collect();
        let mut events = lines;
        if query.follow && !query.previous {
            events.push(LogEvent::Note(format!(
                "{}/{container}: log ended (the container stopped: OOMKilled, exit 137; restart {} is backing off)",
                pod.name,
                crash_restarts(m) + 1
            )));
        }
        return Box::pin(stream::iter(events));
    }
    // Each pod is at its own point of the same routine: started long ago, then a line every
    // `EVERY`; `since` keeps the lines of that last stretch only.
    let offset = hash_ms(&pod.name);
    let mut steady_lines = 40;
    match query.since {
        Some(secs) => {
            let fit = secs.max(0) as u128 * 1000 / EVERY.as_millis();
            steady_lines = steady_lines.min(fit as u64);
        }
        None => past.extend(startup(container)),
    }
    past.extend((40 - steady_lines..40).map(|i| steady(container, i + offset)));
    let lines: Vec<LogEvent> = tail(past, query)
        .into_iter()
        .map(|t| line(pod, container, t))
        .collect();
    let history = stream::iter(lines);
    if !query.follow || query.previous {
        return Box::pin(history);
    }
    let (pod, container) = (pod.clone(), container.to_string());
    let live = stream::unfold(40 + offset, move |i| {
        let (pod, container) = (pod.clone(), container.clone());
        async move {
            tokio::time::sleep(EVERY + Duration::from_millis(hash_ms(&pod.name))).await;
            Some((line(&pod, &container, steady(&container, i)), i + 1))
        }
    });
    Box::pin(history.chain(live))
}

/// A per-pod offset, so pods do not all write at the same instant.
fn hash_ms(s: &str) -> u64 {
    s.bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
        % 700
}

/// The last lines as the query asks (`tail`), or all.
fn tail<T>(mut lines: Vec<T>, query: &LogQuery) -> Vec<T> {
    match query.tail {
        Some(n) if (n as usize) < lines.len() => lines.split_off(lines.len() - n as usize),
        _ => lines,
    }
}

/// helm-controller's (or another controller's) JSON lines over the last minutes, about several
/// objects, filtered to `object` like `flux logs --kind --name --namespace`.
fn controller_log(m: &Moment, object: &ObjectRef, query: &LogQuery) -> LogStream {
    let controller = controller_for(&object.kind);
    let pod = format!(
        "{controller}-7d5f9c8b6-{}",
        &controller[..5.min(controller.len())]
    );
    let group = match object.kind.as_str() {
        "HelmRelease" => "helm.toolkit.fluxcd.io",
        "Kustomization" => "kustomize.toolkit.fluxcd.io",
        _ => "source.toolkit.fluxcd.io",
    };
    let json =
        |at: Timestamp, level: &str, msg: &str, ns: &str, name: &str, error: Option<&str>| {
            let mut v = serde_json::json!({
                "level": level, "ts": at.to_string(), "msg": msg,
                "controller": object.kind.to_ascii_lowercase(), "controllerGroup": group,
                "controllerKind": object.kind, object.kind.clone(): {"name": name, "namespace": ns},
                "namespace": ns, "name": name, "reconcileID": format!("{:08x}", at.as_second())
            });
            if let Some(e) = error {
                v["error"] = e.into();
            }
            v.to_string()
        };
    let failing = (object.namespace.as_str(), object.name.as_str()) == FAILING_RELEASE;
    let mut raw = Vec::new();
    // `since` keeps the lines written in that last stretch, as the API's sinceSeconds does.
    let oldest = query.since.map_or(i64::MAX, |secs| secs.max(0));
    for i in (0..12i64).filter(|i| 600 - i * 50 <= oldest) {
        let at = m.now - SignedDuration::from_secs(600 - i * 50);
        // Other objects' lines, which the filter drops.
        raw.push(json(
            at,
            "info",
            "release in-sync with desired state",
            "numinia",
            "hyperfy2-plaza",
            None,
        ));
        let (level, msg, error) = if failing && m.inc.upgrade == UpgradePhase::Failing && i > 5 {
            (
                "error",
                "Reconciler error",
                Some(
                    "Helm upgrade failed for release numen-games/hyperfy2-world with chart hyperfy2@0.4.3: context deadline exceeded",
                ),
            )
        } else if failing && m.inc.upgrade == UpgradePhase::Failing {
            (
                "info",
                "running 'upgrade' action with timeout of 5m0s",
                None,
            )
        } else {
            ("info", "release in-sync with desired state", None)
        };
        raw.push(json(at, level, msg, &object.namespace, &object.name, error));
    }
    let kept: Vec<LogEvent> = raw
        .into_iter()
        .filter_map(|l| flux_line_about(&l, &object.kind, &object.namespace, &object.name))
        .map(|text| {
            LogEvent::Line(LogLine {
                pod: pod.clone(),
                container: "manager".into(),
                text,
            })
        })
        .collect();
    let kept = tail(kept, query);
    Box::pin(stream::iter(kept))
}

/// An ECS service's tasks' logs as awslogs keeps them: `functions`' stopped tasks (read with
/// "previous") end with Node.js running out of heap; the running ones write requests; graphql
/// logs through FireLens, which is said, not read.
fn ecs_log(m: &Moment, ecs: &crate::inspect::logs::EcsLogTarget, query: &LogQuery) -> LogStream {
    use super::aws::{STOPPED, awslogs_group};
    let service = ecs.service.as_str();
    if awslogs_group(service, &ecs.cluster).is_none() {
        return Box::pin(stream::iter([LogEvent::Note(format!(
            "container {service}: FireLens (fluentbit): the logs go where its router sends them, not to CloudWatch Logs here"
        ))]));
    }
    let short =
        (ecs.cluster.as_str(), service) == super::seed::SHORT_ECS_SERVICE && m.inc.ecs_short;
    let as_line = |task: &str, text: String| {
        LogEvent::Line(LogLine {
            pod: task.to_string(),
            container: service.to_string(),
            text,
        })
    };
    if query.previous {
        if !short {
            return Box::pin(stream::iter([LogEvent::Note(
                "no stopped task to read".into(),
            )]));
        }
        let mut v = Vec::new();
        // Oldest stopped task first: the newest crash ends the output.
        for task in STOPPED.iter().rev() {
            v.push(as_line(
                task,
                format!("[{service}] cold start: loading 14 handlers"),
            ));
            v.push(as_line(
                task,
                format!("[{service}] invoked render-thumbnail (batch of 240 media)"),
            ));
            for l in crash(service).into_iter().skip(1) {
                v.push(as_line(task, l));
            }
        }
        return Box::pin(stream::iter(v));
    }
    let running: Vec<String> = (0..if short { 1 } else { 2 })
        .map(|i| format!("{:08x}", 0x9f2c_41d7u32.wrapping_add(i * 0x1111)))
        .collect();
    // Each task wrote a line every `EVERY`; `since` keeps that last stretch's.
    let written = query.since.map_or(20, |secs| {
        (secs.max(0) as u128 * 1000 / EVERY.as_millis()).min(20) as u64
    });
    let history: Vec<LogEvent> = running
        .iter()
        .flat_map(|task| {
            (20 - written..20u64).map(move |i| {
                let text = steady(service, i + hash_ms(task));
                (task.clone(), text)
            })
        })
        .map(|(task, text)| as_line(&task, text))
        .collect();
    let history = stream::iter(tail(history, query));
    if !query.follow {
        return Box::pin(history);
    }
    let service = service.to_string();
    let live = stream::unfold((0u64, running), move |(i, running)| {
        let service = service.clone();
        async move {
            tokio::time::sleep(EVERY).await;
            // Each task goes on from its own last line: no line twice where history meets live.
            let task = running[(i as usize) % running.len()].clone();
            let next = 20 + hash_ms(&task) + i / running.len() as u64;
            let ev = LogEvent::Line(LogLine {
                text: steady(&service, next),
                pod: task,
                container: service.clone(),
            });
            Some((ev, (i + 1, running)))
        }
    });
    Box::pin(history.chain(live))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use futures_util::StreamExt;

    use super::*;
    use crate::clock::FixedClock;
    use crate::inspect::logs::EcsLogTarget;

    fn inspector() -> DemoInspector {
        let origin: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        DemoInspector::new(Arc::new(FixedClock::new(origin)), origin)
    }

    fn texts(events: Vec<LogEvent>) -> Vec<(String, String)> {
        events
            .into_iter()
            .filter_map(|e| match e {
                LogEvent::Line(l) => Some((l.pod, l.text)),
                _ => None,
            })
            .collect()
    }

    fn ecs_target(service: &str) -> LogTarget {
        LogTarget {
            context: String::new(),
            workloads: vec![],
            pods: vec![],
            flux_object: None,
            ecs: Some(EcsLogTarget {
                account: "phenom".into(),
                region: "us-east-1".into(),
                cluster: "phenom-prod-cluster".into(),
                service: service.into(),
                task: None,
            }),
        }
    }

    /// `--since` keeps the last stretch only, on the ECS and the Flux controller's logs too.
    #[tokio::test]
    async fn since_keeps_the_last_stretch_of_every_log() {
        let demo = inspector();
        let read = |target: LogTarget, since: Option<i64>| {
            let query = LogQuery {
                since,
                ..LogQuery::default()
            };
            demo.logs(&target, &query).collect::<Vec<_>>()
        };
        let all = texts(read(ecs_target("auth"), None).await);
        let recent = texts(read(ecs_target("auth"), Some(5)).await);
        assert!(
            !recent.is_empty() && recent.len() < all.len() / 2,
            "{recent:?}"
        );
        assert_eq!(recent.last(), all.last(), "the newest lines are kept");

        let flux = LogTarget {
            ecs: None,
            flux_object: Some(ObjectRef {
                kind: "HelmRelease".into(),
                namespace: FAILING_RELEASE.0.into(),
                name: FAILING_RELEASE.1.into(),
            }),
            ..ecs_target("auth")
        };
        let all = texts(read(flux.clone(), None).await);
        let recent = texts(read(flux, Some(120)).await);
        assert!(!recent.is_empty() && recent.len() < all.len(), "{recent:?}");
    }

    /// Following goes on from each task's last line: none is printed twice where the history
    /// meets the live lines.
    #[tokio::test(start_paused = true)]
    async fn following_an_ecs_service_prints_no_line_twice() {
        let query = LogQuery {
            follow: true,
            tail: Some(2),
            ..LogQuery::default()
        };
        let events: Vec<LogEvent> = inspector()
            .logs(&ecs_target("functions"), &query)
            .take(12)
            .collect()
            .await;
        let lines = texts(events);
        let mut seen = std::collections::HashSet::new();
        for l in &lines {
            assert!(seen.insert(l.clone()), "{l:?} twice in {lines:#?}");
        }
    }
}
