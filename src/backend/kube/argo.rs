//! Argo CD's two writes, as its CLI and UI make them (`argocd app get --refresh`,
//! `argocd app sync`), on the Application itself, so they need no Argo CD API server:
//! - refresh: merge-patch the annotation `argocd.argoproj.io/refresh: normal`, which the
//!   application controller removes once it has compared the app with Git again;
//! - sync: set the `operation` field (a sync to `spec.source.targetRevision`, initiated by the
//!   OS user) and clear `status.operationState`, as Argo CD's `SetAppOperation` does; refused
//!   while another operation runs, and written with the read `resourceVersion` so one started
//!   meanwhile is never overwritten (a conflict is read again and retried). The controller
//!   runs it, removes `operation` and reports the phase in `status.operationState`.
//!
//! Both go through `KubeOps`'s gate (`--write`) and audit log like the Flux writes.

use std::time::Duration;

use kube::api::{DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};

use super::resources::Watched;
use super::writes::{KubeOps, OpError, api_error, label};
use crate::audit;
use crate::model::Kind;
use crate::model::kinds::flux::first_line;

pub const REFRESH: &str = "argocd.argoproj.io/refresh";

/// What an Application says after a refresh or a sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgoOutcome {
    /// `status.sync.status`.
    pub sync: String,
    /// `status.health.status`.
    pub health: String,
    /// A sync's `status.operationState`: phase and message; `None` after a refresh.
    pub operation: Option<(String, String)>,
}

impl ArgoOutcome {
    fn of(obj: &DynamicObject, sync: bool) -> ArgoOutcome {
        let s = |p: &str| {
            obj.data
                .pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("Unknown")
        };
        ArgoOutcome {
            sync: s("/status/sync/status").to_string(),
            health: s("/status/health/status").to_string(),
            operation: sync.then(|| {
                (
                    s("/status/operationState/phase").to_string(),
                    first_line(s("/status/operationState/message")).to_string(),
                )
            }),
        }
    }

    /// Whether the sync ended otherwise than Succeeded.
    pub fn failed(&self) -> bool {
        self.operation
            .as_ref()
            .is_some_and(|(p, _)| p != "Succeeded")
    }
}

impl std::fmt::Display for ArgoOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Right after a sync the health is the old resources' or still settling: the row says
        // it as it moves, where it cannot stand stale as a message would.
        match &self.operation {
            Some((phase, message)) => write!(f, "sync {phase}: {message}; now {}", self.sync),
            None => write!(f, "{}, {}", self.sync, self.health),
        }
    }
}

fn only_applications(w: &Watched, ns: &str, name: &str, verb: &'static str) -> Result<(), OpError> {
    if w.kind == Kind::ArgoApplication {
        Ok(())
    } else {
        Err(OpError::Unsupported(
            label(w, ns, name),
            if verb == "sync" {
                "synced (only Argo CD Applications are)"
            } else {
                "refreshed (only Argo CD Applications are)"
            },
        ))
    }
}

/// `spec.source.targetRevision` (`HEAD` when unset), or one per source of `spec.sources`: what
/// `argocd app sync` syncs to when no `--revision` is given.
fn target_revisions(obj: &DynamicObject) -> Value {
    let of = |src: &Value| json!(src["targetRevision"].as_str().unwrap_or("HEAD"));
    match obj.data.pointer("/spec/sources").and_then(Value::as_array) {
        Some(sources) if !sources.is_empty() => {
            json!({"revisions": sources.iter().map(of).collect::<Vec<_>>()})
        }
        _ => json!({"revision": of(&obj.data["spec"]["source"])}),
    }
}

impl KubeOps {
    /// Asks Argo CD to compare the Application with Git now, and waits until it has.
    pub async fn argo_refresh(
        &self,
        w: &Watched,
        ns: &str,
        name: &str,
    ) -> Result<ArgoOutcome, OpError> {
        let mut started = None;
        let result = self.annotate_refresh(w, ns, name, &mut started).await;
        self.audit("refresh", w, ns, name, &result, started);
        let () = result?;
        let gone = |o: Option<&DynamicObject>| {
            o.is_none_or(|o| {
                !o.metadata
                    .annotations
                    .as_ref()
                    .is_some_and(|a| a.contains_key(REFRESH))
            })
        };
        let done = self.await_argo(w, ns, name, "refreshed", gone).await?;
        Ok(ArgoOutcome::of(&done, false))
    }

    async fn annotate_refresh(
        &self,
        w: &Watched,
        ns: &str,
        name: &str,
        started: &mut Option<audit::Pending>,
    ) -> Result<(), OpError> {
        only_applications(w, ns, name, "refresh")?;
        let what = label(w, ns, name);
        self.allowed(&format!("refresh {what}"))?;
        let api = self.api(w, ns);
        api.get(name).await.map_err(|e| api_error(e, &what))?;
        let patch = json!({"metadata": {"annotations": {REFRESH: "normal"}}});
        self.begin("refresh", w, ns, name, started)?;
        api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(|e| api_error(e, &what))?;
        tracing::info!(object = %what, "refresh requested");
        Ok(())
    }

    /// Starts a sync of the Application to the revision its spec names, and waits until the
    /// controller has run it.
    pub async fn argo_sync(
        &self,
        w: &Watched,
        ns: &str,
        name: &str,
    ) -> Result<ArgoOutcome, OpError> {
        let mut started = None;
        let result = self.set_sync_operation(w, ns, name, &mut started).await;
        self.audit("sync", w, ns, name, &result, started);
        let () = result?;
        let ran = |o: Option<&DynamicObject>| {
            o.is_none_or(|o| {
                let phase = o
                    .data
                    .pointer("/status/operationState/phase")
                    .and_then(Value::as_str);
                o.data.get("operation").is_none_or(Value::is_null)
                    && matches!(phase, Some("Succeeded" | "Failed" | "Error"))
            })
        };
        let done = self.await_argo(w, ns, name, "synced", ran).await?;
        Ok(ArgoOutcome::of(&done, true))
    }

    async fn set_sync_operation(
        &self,
        w: &Watched,
        ns: &str,
        name: &str,
        started: &mut Option<audit::Pending>,
    ) -> Result<(), OpError> {
        only_applications(w, ns, name, "sync")?;
        let what = label(w, ns, name);
        self.allowed(&format!("sync {what}"))?;
        let api = self.api(w, ns);
        // Argo CD retries its update on a conflict; so does this, a few times.
        for _ in 0..3 {
            let obj = api.get(name).await.map_err(|e| api_error(e, &what))?;
            if obj.data.get("operation").is_some_and(|o| !o.is_null()) {
                return Err(OpError::OperationInProgress(what, format!("{ns}/{name}")));
            }
            let mut sync = target_revisions(&obj);
            sync["syncStrategy"] = json!({"hook": {}});
            let patch = json!({
                "metadata": {"resourceVersion": obj.metadata.resource_version},
                "operation": {
                    "initiatedBy": {"username": audit::os_user().0},
                    "info": [{"name": "Reason", "value": "opsdeck sync"}],
                    "sync": sync,
                },
                "status": {"operationState": null},
            });
            if started.is_none() {
                self.begin("sync", w, ns, name, started)?;
            }
            match api
                .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(_) => {
                    tracing::info!(object = %what, "sync operation set");
                    return Ok(());
                }
                Err(kube::Error::Api(s)) if s.code == 409 => continue,
                Err(e) => return Err(api_error(e, &what)),
            }
        }
        Err(OpError::Api(format!(
            "{what}: changed by someone else each time it was read; try again"
        )))
    }

    /// Waits until `done` holds of the Application, within the ops' timeout.
    async fn await_argo(
        &self,
        w: &Watched,
        ns: &str,
        name: &str,
        done: &'static str,
        cond: impl Fn(Option<&DynamicObject>) -> bool,
    ) -> Result<DynamicObject, OpError> {
        let what = label(w, ns, name);
        let timeout: Duration = self.timeout;
        tokio::time::timeout(
            timeout,
            kube::runtime::wait::await_condition(self.api(w, ns), name, cond),
        )
        .await
        .map_err(|_| OpError::ArgoTimeout {
            what: what.clone(),
            done,
            timeout,
        })?
        .map_err(|e| OpError::Api(format!("{what}: {e}")))?
        .ok_or(OpError::NotFound(what))
    }
}
