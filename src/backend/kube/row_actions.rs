//! The TUI's write actions on kube rows, through `KubeOps` (which records each in the audit log,
//! naming the row's context).

use std::sync::Arc;

use super::context::client;
use super::kubeconfig::Loaded;
use super::resources::{WATCHED, Watched};
use super::writes::{KubeOps, ReconcileOptions};

use crate::model::kinds::flux::flux_name;
use crate::model::{Facts, Kind, RowId};
use crate::row_actions::{ActionFuture, ActionRunner, RowAction};

pub struct KubeActions {
    kubeconfig: Arc<Loaded>,
    write: bool,
}

impl KubeActions {
    pub fn new(kubeconfig: Arc<Loaded>, write: bool) -> KubeActions {
        KubeActions { kubeconfig, write }
    }
}

fn watched_for(id: &RowId, facts: &Facts) -> Option<&'static Watched> {
    match (id.kind, facts) {
        (Kind::FluxSource, Facts::FluxSource(s)) => {
            WATCHED.iter().find(|w| w.api_kind == s.source_kind)
        }
        (k, _) => WATCHED.iter().find(|w| w.kind == k),
    }
}

/// The object a row stands for, owned so a spawned future can keep it.
struct Target {
    watched: Option<Watched>,
    context: String,
    namespace: String,
    name: String,
}

impl Target {
    fn of(id: &RowId, facts: &Facts) -> Target {
        Target {
            watched: watched_for(id, facts).copied(),
            context: id.scope.context().to_string(),
            namespace: id.scope.namespace().to_string(),
            name: flux_name(&id.name).to_string(),
        }
    }
}

impl ActionRunner for KubeActions {
    fn run(&self, action: RowAction, id: &RowId, facts: &Facts) -> ActionFuture {
        let kubeconfig = self.kubeconfig.clone();
        let write = self.write;
        let Target {
            watched,
            context: ctx,
            namespace: ns,
            name,
        } = Target::of(id, facts);
        Box::pin(async move {
            let w = watched.ok_or_else(|| "no write action for this kind".to_string())?;
            let c = client(&kubeconfig.config, &ctx).await?;
            let ops = KubeOps::new(c, write)
                .on_context(&ctx)
                .audited(crate::audit::path());
            let what = format!("{} {ns}/{name} on {ctx}", w.api_kind);
            let res = match action {
                RowAction::Reconcile => ops
                    .reconcile(&w, &ns, &name, ReconcileOptions::default())
                    .await
                    .map(|r| {
                        format!(
                            "{what} reconciled: {}{}",
                            if r.ready { "" } else { "not Ready: " },
                            r.message
                        )
                    }),
                RowAction::Suspend => ops
                    .set_suspend(&w, &ns, &name, true)
                    .await
                    .map(|_| format!("{what} suspended")),
                RowAction::Resume => ops
                    .set_suspend(&w, &ns, &name, false)
                    .await
                    .map(|_| format!("{what} resumed")),
                RowAction::Renew => ops
                    .renew(&w, &ns, &name)
                    .await
                    .map(|_| format!("{what}: renewal triggered")),
                RowAction::ArgoRefresh => ops
                    .argo_refresh(&w, &ns, &name)
                    .await
                    .map(|o| format!("{what} refreshed: {o}")),
                RowAction::Sync => ops.argo_sync(&w, &ns, &name).await.and_then(|o| {
                    if o.failed() {
                        Err(super::writes::OpError::Api(format!("{what}: {o}")))
                    } else {
                        Ok(format!("{what}: {o}"))
                    }
                }),
                RowAction::Redeploy | RowAction::Scale(_) => {
                    return Err(format!("cannot {} {what}: an ECS action", action.verb()));
                }
            };
            res.map_err(|e| e.to_string())
        })
    }
}
