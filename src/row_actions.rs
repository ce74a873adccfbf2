//! The write actions the TUI asks a backend to carry out on one row, in the background
//! (reconcile, suspend/resume, renew) through `ActionRunner`. The UI spawns the returned futures
//! and shows their outcome when it arrives, never waiting on them. What a row's detail reads on
//! demand is `inspect`'s.

use std::future::Future;
use std::pin::Pin;

use crate::model::{Facts, Refresh, Row, RowId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowAction {
    Reconcile,
    Suspend,
    Resume,
    Renew,
    /// An ECS service: start a new deployment of the same task definition (new tasks).
    Redeploy,
    /// An ECS service: set its desired count.
    Scale(u32),
    /// An Argo CD Application: compare with Git now (`argocd.argoproj.io/refresh`).
    ArgoRefresh,
    /// An Argo CD Application: apply what Git says (the `operation` field, as `argocd app sync`).
    Sync,
}

impl RowAction {
    pub fn verb(self) -> &'static str {
        match self {
            RowAction::Reconcile => "reconcile",
            RowAction::Suspend => "suspend",
            RowAction::Resume => "resume",
            RowAction::Renew => "renew",
            RowAction::Redeploy => "redeploy",
            RowAction::Scale(_) => "scale",
            RowAction::ArgoRefresh => "refresh",
            RowAction::Sync => "sync",
        }
    }

    /// What the prompt says it will do, beyond the verb: "to 3 tasks".
    pub fn detail(self) -> String {
        match self {
            RowAction::Scale(n) => format!(" to {n} task{}", if n == 1 { "" } else { "s" }),
            RowAction::Redeploy => " (new tasks of the same task definition)".into(),
            RowAction::ArgoRefresh => " (compare with Git now, as argocd app get --refresh)".into(),
            RowAction::Sync => " (apply the revision Git names, as argocd app sync)".into(),
            _ => String::new(),
        }
    }

    /// `R`: what the row's kind declares (reconcile a Flux object, renew a certificate).
    pub fn refresh_for(row: &Row) -> Option<RowAction> {
        match row.kind().spec().refresh {
            Refresh::Reconcile => Some(RowAction::Reconcile),
            Refresh::Renew => Some(RowAction::Renew),
            Refresh::Redeploy => Some(RowAction::Redeploy),
            Refresh::ArgoRefresh => Some(RowAction::ArgoRefresh),
            Refresh::Nothing => None,
        }
    }

    /// `T`: suspend a running Flux object, resume a suspended one.
    pub fn toggle_for(row: &Row) -> Option<RowAction> {
        row.facts.suspended().map(|suspended| {
            if suspended {
                RowAction::Resume
            } else {
                RowAction::Suspend
            }
        })
    }
}

pub type ActionFuture = Pin<Box<dyn Future<Output = Result<String, String>> + Send>>;

pub trait ActionRunner: Send + Sync {
    /// Carries out `action` on the row; the result is a one-line outcome or error.
    fn run(&self, action: RowAction, row: &RowId, facts: &Facts) -> ActionFuture;
}

/// One runner for a TUI that watches both sides: a row with an AWS account in its scope goes to
/// the AWS side, the rest to the kube side.
#[derive(Clone, Default)]
pub struct ActionRouter {
    pub kube: Option<std::sync::Arc<dyn ActionRunner>>,
    pub aws: Option<std::sync::Arc<dyn ActionRunner>>,
}

impl ActionRunner for ActionRouter {
    fn run(&self, action: RowAction, row: &RowId, facts: &Facts) -> ActionFuture {
        let side = if row.scope.account.is_some() {
            self.aws.as_ref()
        } else {
            self.kube.as_ref()
        };
        match side {
            Some(runner) => runner.run(action, row, facts),
            None => Box::pin(async { Err("nothing is configured to carry this out".to_string()) }),
        }
    }
}
