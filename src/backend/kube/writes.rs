//! Write actions, as the flux CLI and cmctl do them:
//! - reconcile: merge-patch `reconcile.fluxcd.io/requestedAt` (and `forceAt`/`resetAt` for a
//!   HelmRelease), then wait until `status.lastHandledReconcileAt` equals it and report Ready;
//!   refused on a suspended object, like `flux reconcile`;
//! - suspend/resume: merge-patch `spec.suspend`;
//! - refresh and sync an Argo CD Application: `argo.rs`;
//! - renew a certificate: `Issuing=True`, reason `ManuallyTriggered`, through the status
//!   subresource, like `cmctl renew`.
//!
//! Every action is refused unless writes were enabled (`--write` or `write = true`).
//!
//! Every action, the TUI's and the CLI's alike, goes through here and is recorded in the audit
//! log (`crate::audit`): who, what, on which context, and how it went (ok, or failed with the
//! reason, a refusal included). The patch is recorded as started before it is sent (a log
//! that cannot be written refuses the action); a reconcile's outcome is recorded once its
//! request is made, before the wait for the controller, which may be cut short.

use std::time::Duration;

use jiff::Timestamp;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};

use super::resources::Watched;
use crate::audit;
use crate::model::Kind;
use crate::model::kinds::flux::first_line;

pub const REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";
pub const FORCE_AT: &str = "reconcile.fluxcd.io/forceAt";
pub const RESET_AT: &str = "reconcile.fluxcd.io/resetAt";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpError {
    #[error("read-only: start opsdeck with --write (or set write = true in the config) to {0}")]
    ReadOnly(String),
    #[error("{0} is suspended: resume it first (flux resume {1})")]
    Suspended(String, String),
    #[error("{0} cannot be {1}")]
    Unsupported(String, &'static str),
    #[error("{0} not found")]
    NotFound(String),
    #[error("forbidden (RBAC): {0}")]
    Forbidden(String),
    #[error("{what}: no reconcile handled within {}s; the controller may be down (flux check, flux logs)", .timeout.as_secs())]
    Timeout { what: String, timeout: Duration },
    #[error("{what}: not {done} within {}s; is Argo CD's application controller running? (kubectl -n argocd get pods)", .timeout.as_secs())]
    ArgoTimeout {
        what: String,
        done: &'static str,
        timeout: Duration,
    },
    #[error("{0}: another operation is already in progress (argocd app terminate-op {1} ends it)")]
    OperationInProgress(String, String),
    #[error("{0}")]
    Api(String),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReconcileOptions {
    /// HelmRelease: `--force` (one-off install or upgrade).
    pub force: bool,
    /// HelmRelease: `--reset` (reset the failure counts).
    pub reset: bool,
}

/// The outcome of a reconcile once the controller handled it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reconciled {
    pub requested_at: String,
    pub ready: bool,
    pub message: String,
}

pub struct KubeOps {
    client: kube::Client,
    write: bool,
    /// The kube context the client reaches, named in the audit log.
    context: Option<String>,
    /// Where each action is recorded; none for actions that are not the user's (a test's).
    audit: Option<std::path::PathBuf>,
    /// How long a reconcile waits for the controller.
    pub timeout: Duration,
}

pub(super) fn label(w: &Watched, ns: &str, name: &str) -> String {
    format!("{} {ns}/{name}", w.api_kind)
}

/// The flux CLI's name for a kind, for the hints (the kind's spec names it).
fn flux_noun(w: &Watched) -> &'static str {
    w.flux_noun.unwrap_or(w.plural)
}

pub(super) fn api_error(e: kube::Error, what: &str) -> OpError {
    match &e {
        kube::Error::Api(s) if s.code == 404 => OpError::NotFound(what.to_string()),
        kube::Error::Api(s) if s.code == 403 => OpError::Forbidden(s.message.clone()),
        _ => OpError::Api(format!("{what}: {}", super::kubeconfig::error_chain(&e))),
    }
}

impl KubeOps {
    pub fn new(client: kube::Client, write: bool) -> KubeOps {
        KubeOps {
            client,
            write,
            context: None,
            audit: None,
            timeout: Duration::from_secs(120),
        }
    }

    /// Names the kube context the client reaches, for the audit log.
    pub fn on_context(mut self, context: &str) -> KubeOps {
        self.context = Some(context.to_string());
        self
    }

    /// Records every action in the audit log at `path` (`crate::audit::path()` for the user's).
    pub fn audited(mut self, path: Option<std::path::PathBuf>) -> KubeOps {
        self.audit = path;
        self
    }

    fn entry(&self, action: &str, w: &Watched, ns: &str, name: &str) -> audit::Entry {
        audit::Entry::kube(
            action,
            w.api_kind,
            ns,
            name,
            self.context.as_deref(),
            audit::Outcome::Started,
        )
    }

    /// Records in the audit log that `action` on the object is about to be sent; an error
    /// when it cannot be recorded, and then it must not be sent.
    pub(super) fn begin(
        &self,
        action: &str,
        w: &Watched,
        ns: &str,
        name: &str,
        started: &mut Option<audit::Pending>,
    ) -> Result<(), OpError> {
        let entry = self.entry(action, w, ns, name);
        *started = Some(audit::begin(self.audit.as_deref(), entry).map_err(OpError::Api)?);
        Ok(())
    }

    /// Records the outcome of `action` on the object: after its `started` line when it got
    /// that far, alone when it was refused before.
    pub(super) fn audit<T>(
        &self,
        action: &str,
        w: &Watched,
        ns: &str,
        name: &str,
        result: &Result<T, OpError>,
        started: Option<audit::Pending>,
    ) {
        let outcome = match result {
            Ok(_) => audit::Outcome::Ok,
            Err(e) => audit::Outcome::failed(&e.to_string()),
        };
        match started {
            Some(pending) => pending.finish(outcome),
            None => {
                let mut entry = self.entry(action, w, ns, name);
                entry.outcome = outcome;
                audit::record(self.audit.as_deref(), &entry);
            }
        }
    }

    pub(super) fn api(&self, w: &Watched, ns: &str) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), ns, &w.api_resource())
    }

    pub(super) fn allowed(&self, action: &str) -> Result<(), OpError> {
        if self.write {
            Ok(())
        } else {
            Err(OpError::ReadOnly(action.to_string()))
        }
    }

    pub async fn reconcile(
        &self,
        w: &Watched,
        ns: &str,
        name: &str,
        opts: ReconcileOptions,
    ) -> Result<Reconciled, OpError> {
        let requested = self.request(w, ns, name, opts).await?;
        self.await_reconcile(w, ns, name, requested).await
    }

    /// The reconcile's write alone: the request annotated (and audited as soon as it is made or
    /// refused, before the wait for the controller, which may be cut short: Ctrl-C, the TUI
    /// closing). The time requested, for `await_reconcile`.
    pub async fn request(
        &self,
        w: &Watched,
        ns: &str,
        name: &str,
        opts: ReconcileOptions,
    ) -> Result<String, OpError> {
        let mut started = None;
        let requested = self
            .request_reconcile(w, ns, name, opts, &mut started)
            .await;
        self.audit("reconcile", w, ns, name, &requested, started);
        requested
    }

    /// Annotates the object with the time of the request, which is returned.
    async fn request_reconcile(
        &self,
        w: &Watched,
        ns: &str,
        name: &str,
        opts: ReconcileOptions,
        started: &mut Option<audit::Pending>,
    ) -> Result<String, OpError> {
        let what = label(w, ns, name);
        if w.kind == Kind::Certificate {
            return Err(OpError::Unsupported(what, "reconciled (renew it instead)"));
        }
        self.allowed(&format!("reconcile {what}"))?;
        let api = self.api(w, ns);
        let obj = api.get(name).await.map_err(|e| api_error(e, &what))?;
        if obj.data.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
            return Err(OpError::Suspended(
                what,
                format!("{} {name} -n {ns}", flux_noun(w)),
            ));
        }
        let requested_at = Timestamp::now().to_string();
        let mut annotations = json!({ REQUESTED_AT: requested_at });
        if w.kind == Kind::HelmRelease {
            if opts.force {
                annotations[FORCE_AT] = json!(requested_at);
            }
            if opts.reset {
                annotations[RESET_AT] = json!(requested_at);
            }
        }
        let patch = json!({"metadata": {"annotations": annotations}});
        self.begin("reconcile", w, ns, name, started)?;
        api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(|e| api_error(e, &what))?;
        tracing::info!(object = %what, %requested_at, "reconcile requested");
        Ok(requested_at)
    }

    /// Waits until the controller handled the request of `requested_at`, and reports Ready.
    pub async fn await_reconcile(
        &self,
        w: &Watched,
        ns: &str,
        name: &str,
        requested_at: String,
    ) -> Result<Reconciled, OpError> {
        let what = label(w, ns, name);
        let wanted = requested_at.clone();
        let handled = move |o: Option<&DynamicObject>| {
            o.and_then(|o| o.data.pointer("/status/lastHandledReconcileAt"))
                .and_then(Value::as_str)
                .is_some_and(|t| t == wanted)
        };
        let done = tokio::time::timeout(
            self.timeout,
            kube::runtime::wait::await_condition(self.api(w, ns), name, handled),
        )
        .await
        .map_err(|_| OpError::Timeout {
            what: what.clone(),
            timeout: self.timeout,
        })?
        .map_err(|e| OpError::Api(format!("{what}: {e}")))?;
        let ready = done
            .as_ref()
            .and_then(|o| o.data.pointer("/status/conditions"))
            .and_then(Value::as_array)
            .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
            .cloned()
            .unwrap_or(Value::Null);
        Ok(Reconciled {
            requested_at,
            ready: ready["status"] == "True",
            message: first_line(ready["message"].as_str().unwrap_or("no Ready condition"))
                .to_string(),
        })
    }

    pub async fn set_suspend(
        &self,
        w: &Watched,
        ns: &str,
        name: &str,
        suspend: bool,
    ) -> Result<(), OpError> {
        let mut started = None;
        let result = self.patch_suspend(w, ns, name, suspend, &mut started).await;
        let action = if suspend { "suspend" } else { "resume" };
        self.audit(action, w, ns, name, &result, started);
        result
    }

    async fn patch_suspend(
        &self,
        w: &Watched,
        ns: &str,
        name: &str,
        suspend: bool,
        started: &mut Option<audit::Pending>,
    ) -> Result<(), OpError> {
        let what = label(w, ns, name);
        if w.kind == Kind::Certificate {
            let verb = if suspend { "suspended" } else { "resumed" };
            return Err(OpError::Unsupported(what, verb));
        }
        self.allowed(&format!(
            "{} {what}",
            if suspend { "suspend" } else { "resume" }
        ))?;
        let patch = json!({"spec": {"suspend": suspend}});
        let action = if suspend { "suspend" } else { "resume" };
        self.begin(action, w, ns, name, started)?;
        self.api(w, ns)
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(|e| api_error(e, &what))?;
        tracing::info!(object = %what, suspend, "suspend set");
        Ok(())
    }

    pub async fn renew(&self, w: &Watched, ns: &str, name: &str) -> Result<(), OpError> {
        let mut started = None;
        let result = self.trigger_renewal(w, ns, name, &mut started).await;
        self.audit("renew", w, ns, name, &result, started);
        result
    }

    async fn trigger_renewal(
        &self,
        w: &Watched,
        ns: &str,
        name: &str,
        started: &mut Option<audit::Pending>,
    ) -> Result<(), OpError> {
        let what = label(w, ns, name);
        if w.kind != Kind::Certificate {
            return Err(OpError::Unsupported(
                what,
                "renewed (only certificates are)",
            ));
        }
        self.allowed(&format!("renew {what}"))?;
        let api = self.api(w, ns);
        let obj = api.get(name).await.map_err(|e| api_error(e, &what))?;
        let mut conditions: Vec<Value> = obj
            .data
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if conditions
            .iter()
            .any(|c| c["type"] == "Issuing" && c["status"] == "True")
        {
            // cmctl does the same: a renewal is already under way.
            return Ok(());
        }
        conditions.retain(|c| c["type"] != "Issuing");
        conditions.push(json!({
            "type": "Issuing", "status": "True", "reason": "ManuallyTriggered",
            "message": "Certificate re-issuance manually triggered",
            "lastTransitionTime": Timestamp::now().to_string(),
            "observedGeneration": obj.metadata.generation,
        }));
        let patch = json!({"status": {"conditions": conditions}});
        self.begin("renew", w, ns, name, started)?;
        api.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(|e| api_error(e, &what))?;
        tracing::info!(object = %what, "renewal triggered");
        Ok(())
    }
}
