//! The TUI's requests on kube rows: write actions through `KubeOps` (which records each in the
//! audit log, naming the row's context), and the events of a row for its detail view (listed
//! when the detail opens, like `kubectl describe` does).

use std::sync::Arc;

use super::context::client;
use super::kubeconfig::Loaded;
use super::resources::{WATCHED, Watched};
use super::writes::{KubeOps, ReconcileOptions};
use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, ListParams};

use crate::model::kinds::flux::flux_name;
use crate::model::{Facts, Kind, RowId};
use crate::row_actions::{
    ActionFuture, ActionRunner, EventLine, EventSource, EventsFuture, RowAction,
};

pub struct KubeActions {
    kubeconfig: Arc<Loaded>,
    write: bool,
}

impl KubeActions {
    pub fn new(kubeconfig: Loaded, write: bool) -> KubeActions {
        KubeActions {
            kubeconfig: Arc::new(kubeconfig),
            write,
        }
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
            };
            res.map_err(|e| e.to_string())
        })
    }
}

/// At most this many events are shown.
const MAX_EVENTS: usize = 15;

fn event_line(e: &Event) -> EventLine {
    let last_seen = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
        .or_else(|| e.first_timestamp.as_ref().map(|t| t.0));
    EventLine {
        last_seen,
        event_type: e.type_.clone().unwrap_or_default(),
        reason: e.reason.clone().unwrap_or_default(),
        message: e
            .message
            .clone()
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        count: e.count.unwrap_or(1).max(1) as u32,
    }
}

impl EventSource for KubeActions {
    fn events(&self, id: &RowId, facts: &Facts) -> EventsFuture {
        let kubeconfig = self.kubeconfig.clone();
        let Target {
            watched,
            context: ctx,
            namespace: ns,
            name,
        } = Target::of(id, facts);
        Box::pin(async move {
            let Some(w) = watched else {
                return Ok(Vec::new());
            };
            let c = client(&kubeconfig.config, &ctx).await?;
            let api: Api<Event> = Api::namespaced(c, &ns);
            let fields = format!(
                "involvedObject.kind={},involvedObject.name={name}",
                w.api_kind
            );
            let list = api
                .list(&ListParams::default().fields(&fields))
                .await
                .map_err(|e| {
                    format!(
                        "events of {} {ns}/{name}: {}",
                        w.api_kind,
                        super::kubeconfig::error_chain(&e)
                    )
                })?;
            let mut lines: Vec<EventLine> = list.items.iter().map(event_line).collect();
            lines.sort_by_key(|e| std::cmp::Reverse(e.last_seen));
            lines.truncate(MAX_EVENTS);
            Ok(lines)
        })
    }
}
