//! Container logs, on demand: the pods of a row (several interleaved, each line prefixed with
//! its pod as stern does), or the Flux controller's lines about one Flux object (as
//! `flux logs --kind --name --namespace`). A `LogSource` streams them; the view keeps the
//! newest `MAX_LOG_LINES` (`LogBuffer`), so following busy pods for hours costs the same memory
//! as following them for a minute.

use std::collections::VecDeque;

use futures_util::stream::BoxStream;
use serde_json::Value;

use super::{ObjectRef, Subject, WorkloadRef};

/// The most lines a log view keeps; older ones are dropped and counted.
pub const MAX_LOG_LINES: usize = 10_000;

/// What to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogQuery {
    /// Keep reading as lines are written (`kubectl logs -f`).
    pub follow: bool,
    /// The previous, terminated container's logs (`--previous`): why it crashed.
    pub previous: bool,
    /// Only lines newer than this many seconds.
    pub since: Option<i64>,
    /// Only the last lines of each container.
    pub tail: Option<i64>,
    /// Only this container (all of each pod's otherwise).
    pub container: Option<String>,
}

impl LogQuery {
    /// What the view starts with: the last 200 lines of each container, followed.
    pub fn recent() -> LogQuery {
        LogQuery {
            follow: true,
            tail: Some(200),
            ..LogQuery::default()
        }
    }
}

/// Whose logs to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogTarget {
    pub context: String,
    /// The pods of these workloads, listed again while following, so a restarted container or
    /// a new pod of a rollout joins the stream.
    pub workloads: Vec<WorkloadRef>,
    /// These pods by (namespace, name): one picked in the pods view, `opsdeck logs pod/…`.
    pub pods: Vec<(String, String)>,
    /// The Flux controller's lines about this object instead (`flux logs --kind --name -n`).
    pub flux_object: Option<ObjectRef>,
    /// An ECS service's containers' logs in CloudWatch Logs instead.
    pub ecs: Option<EcsLogTarget>,
}

/// An ECS service (or one of its tasks) whose logs to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcsLogTarget {
    pub account: String,
    pub region: String,
    pub cluster: String,
    pub service: String,
    /// One task (by id) instead of the service's current ones.
    pub task: Option<String>,
}

impl LogTarget {
    /// The pods of the subject's workloads; an ECS service's tasks.
    pub fn of(subject: &Subject) -> LogTarget {
        let ecs = (subject.id.kind == crate::model::Kind::EcsService).then(|| EcsLogTarget {
            account: subject.id.scope.account().to_string(),
            region: subject.id.scope.region().to_string(),
            cluster: subject.context().to_string(),
            service: subject.id.name.clone(),
            task: None,
        });
        LogTarget {
            context: subject.context().to_string(),
            workloads: subject.workloads.clone(),
            pods: Vec::new(),
            flux_object: None,
            ecs,
        }
    }

    /// Whether there is anything to read: pods, a Flux object, an ECS service.
    pub fn has_logs(&self) -> bool {
        !self.workloads.is_empty()
            || !self.pods.is_empty()
            || self.flux_object.is_some()
            || self.ecs.is_some()
    }

    /// One pod.
    pub fn pod(context: &str, namespace: &str, name: &str) -> LogTarget {
        LogTarget {
            context: context.to_string(),
            workloads: Vec::new(),
            pods: vec![(namespace.to_string(), name.to_string())],
            flux_object: None,
            ecs: None,
        }
    }

    /// The Flux controller's lines about the subject; `None` for a subject Flux does not
    /// reconcile.
    pub fn controller(subject: &Subject) -> Option<LogTarget> {
        let object = subject
            .object
            .clone()
            .filter(|_| subject.id.kind.is_flux())?;
        Some(LogTarget {
            context: subject.context().to_string(),
            workloads: Vec::new(),
            pods: Vec::new(),
            flux_object: Some(object),
            ecs: None,
        })
    }

    /// What the log view's title says it shows.
    pub fn describe(&self) -> String {
        if let Some(e) = &self.ecs {
            let what = match &e.task {
                Some(t) => format!("task {}", t.chars().take(8).collect::<String>()),
                None => format!("service {}", e.service),
            };
            return format!(
                "{what} @ {}/{}/{} (CloudWatch Logs)",
                e.account, e.region, e.cluster
            );
        }
        if let Some(o) = &self.flux_object {
            return format!(
                "{} lines about {}/{}/{}",
                controller_for(&o.kind),
                o.kind,
                o.namespace,
                o.name
            );
        }
        let mut names: Vec<String> = self
            .workloads
            .iter()
            .map(|w| format!("{}/{}", w.kind.to_ascii_lowercase(), w.name))
            .collect();
        names.extend(self.pods.iter().map(|(_, p)| format!("pod/{p}")));
        format!("{} @ {}", names.join(", "), self.context)
    }
}

/// One line of one container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub pod: String,
    pub container: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogEvent {
    Line(LogLine),
    /// Something the reader should know that is not a log line: a pod that went away, a
    /// stream that ended, a container that restarted.
    Note(String),
    /// A stream that could not be read ("forbidden (RBAC): pods/log"); the others go on.
    Error(String),
}

pub type LogStream = BoxStream<'static, LogEvent>;

/// A stream of what `drive` sends. The driver runs as a task of its own, started when the
/// stream is first read (so making the stream needs no runtime), reading at the network's pace
/// whatever the reader's; it is aborted when the stream is dropped (the view closed). The
/// channel between them bounds what waits to be read.
pub fn driven<F>(drive: impl FnOnce(tokio::sync::mpsc::Sender<LogEvent>) -> F) -> LogStream
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    use futures_util::StreamExt;
    let (tx, rx) = tokio::sync::mpsc::channel::<LogEvent>(4096);
    let driver = drive(tx);
    let mut rx = Some(rx);
    let started =
        futures_util::stream::once(async move { Stop(tokio::spawn(driver).abort_handle()) });
    Box::pin(started.flat_map(move |stop| {
        let rx = rx.take().expect("the driver starts once");
        futures_util::stream::unfold((rx, stop), |(mut rx, stop)| async move {
            rx.recv().await.map(|e| (e, (rx, stop)))
        })
    }))
}

/// Aborts the driver of a stream when the stream goes.
struct Stop(tokio::task::AbortHandle);

impl Drop for Stop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A stream that says only why there is nothing to read.
pub fn refused(why: impl Into<String>) -> LogStream {
    Box::pin(futures_util::stream::iter([LogEvent::Error(why.into())]))
}

/// What serves logs: the kube backend, the demo world.
pub trait LogSource: Send + Sync {
    /// Streams the target's logs as `query` says, until dropped (or, not following, until
    /// every container's log has been read).
    fn logs(&self, target: &LogTarget, query: &LogQuery) -> LogStream;
}

/// The newest lines of a log view.
#[derive(Debug, Default)]
pub struct LogBuffer {
    lines: VecDeque<LogEvent>,
    /// Lines dropped to stay under `MAX_LOG_LINES`.
    pub dropped: u64,
}

impl LogBuffer {
    pub fn push(&mut self, event: LogEvent) {
        if self.lines.len() == MAX_LOG_LINES {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(event);
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogEvent> + ExactSizeIterator + '_ {
        self.lines.iter()
    }

    pub fn clear(&mut self) {
        self.lines.clear();
        self.dropped = 0;
    }
}

/// Which Flux controller reconciles a kind (the pods `flux logs` reads for it).
pub fn controller_for(api_kind: &str) -> &'static str {
    match api_kind {
        "HelmRelease" => "helm-controller",
        "Kustomization" => "kustomize-controller",
        "GitRepository" | "HelmRepository" | "OCIRepository" | "HelmChart" | "Bucket" => {
            "source-controller"
        }
        _ => "notification-controller",
    }
}

/// A Flux controller's JSON log line as `flux logs` prints it ("ts level Kind/name.namespace -
/// msg error") when it is about `kind` `namespace/name`; `None` for other objects' lines and for
/// lines that are not JSON. The controllers write the kind as `controllerKind` (older ones:
/// `reconciler kind`) and the object as `name` and `namespace`.
pub fn flux_line_about(line: &str, kind: &str, namespace: &str, name: &str) -> Option<String> {
    if !line.starts_with('{') {
        return None;
    }
    let v: Value = serde_json::from_str(line).ok()?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
    let line_kind = match s("controllerKind") {
        "" => s("reconciler kind"),
        k => k,
    };
    if !line_kind.eq_ignore_ascii_case(kind)
        || !s("name").eq_ignore_ascii_case(name)
        || !s("namespace").eq_ignore_ascii_case(namespace)
    {
        return None;
    }
    let mut out = format!(
        "{} {} {line_kind}/{}.{} - {}",
        s("ts"),
        s("level"),
        s("name"),
        s("namespace"),
        s("msg")
    );
    if !s("error").is_empty() {
        out.push(' ');
        out.push_str(s("error"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buffer_keeps_the_newest_lines() {
        let mut b = LogBuffer::default();
        for i in 0..MAX_LOG_LINES + 5 {
            b.push(LogEvent::Note(i.to_string()));
        }
        assert_eq!(b.len(), MAX_LOG_LINES);
        assert_eq!(b.dropped, 5);
        assert_eq!(b.iter().next(), Some(&LogEvent::Note("5".into())));
    }

    #[test]
    fn controller_lines_are_filtered_to_the_object_like_flux_logs() {
        let about = r#"{"level":"error","ts":"2026-11-23T08:20:11.5Z","msg":"Reconciler error","controller":"helmrelease","controllerGroup":"helm.toolkit.fluxcd.io","controllerKind":"HelmRelease","HelmRelease":{"name":"hyperfy2-world","namespace":"numen-games"},"namespace":"numen-games","name":"hyperfy2-world","reconcileID":"9f1c","error":"Helm upgrade failed: context deadline exceeded"}"#;
        assert_eq!(
            flux_line_about(about, "HelmRelease", "numen-games", "hyperfy2-world").as_deref(),
            Some(
                "2026-11-23T08:20:11.5Z error HelmRelease/hyperfy2-world.numen-games - Reconciler error Helm upgrade failed: context deadline exceeded"
            )
        );
        assert_eq!(
            flux_line_about(about, "HelmRelease", "numen-games", "hyperfy2-arena"),
            None
        );
        let older = r#"{"level":"info","ts":"t","msg":"ok","reconciler kind":"Kustomization","name":"x","namespace":"y"}"#;
        assert!(flux_line_about(older, "kustomization", "y", "x").is_some());
        assert_eq!(flux_line_about("plain text", "HelmRelease", "a", "b"), None);
        assert_eq!(controller_for("OCIRepository"), "source-controller");
    }
}
