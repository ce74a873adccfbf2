//! `opsdeck kube reconcile|suspend|resume|renew|refresh|sync <kind> <namespace>/<name>
//! [--context C]`.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::backend::kube::context::client;
use crate::backend::kube::kubeconfig;
use crate::backend::kube::resources::Watched;
use crate::backend::kube::writes::{KubeOps, ReconcileOptions};
use crate::config::Config;
use crate::runbook::inputs::{is_dns_label, is_dns_subdomain};

#[derive(Subcommand, Debug)]
pub enum KubeAction {
    /// Ask Flux to reconcile now, wait until it has, and report Ready (like flux reconcile)
    Reconcile {
        #[command(flatten)]
        target: Target,
        /// HelmRelease: force a one-off install or upgrade
        #[arg(long)]
        force: bool,
        /// HelmRelease: reset the failure counts
        #[arg(long)]
        reset: bool,
        /// Seconds to wait for the controller, 1 to 86400
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        timeout: u64,
    },
    /// Suspend a Flux object (spec.suspend = true)
    Suspend {
        #[command(flatten)]
        target: Target,
    },
    /// Resume a suspended Flux object (spec.suspend = false)
    Resume {
        #[command(flatten)]
        target: Target,
    },
    /// Trigger a certificate's renewal (Issuing=True, like cmctl renew)
    Renew {
        #[command(flatten)]
        target: Target,
    },
    /// Ask Argo CD to compare an Application with Git now, and wait until it has (like argocd
    /// app get --refresh)
    Refresh {
        #[command(flatten)]
        target: Target,
        /// Seconds to wait for the application controller, 1 to 86400
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        timeout: u64,
    },
    /// Sync an Argo CD Application to the revision its spec names, and wait until the sync ran
    /// (like argocd app sync); it changes the cluster, so the app's name is typed to confirm
    Sync {
        #[command(flatten)]
        target: Target,
        /// The Application's name, typed to confirm (as `opsdeck ecs` takes the service's)
        #[arg(long, value_name = "NAME")]
        confirm: Option<String>,
        /// Seconds to wait for the application controller, 1 to 86400
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        timeout: u64,
    },
}

#[derive(Args, Debug)]
pub struct Target {
    // The help lists the watched resources' names, from the kinds' specs:
    // "ks|kustomization, hr|helmrelease, gitrepository, …, cert|certificate".
    #[arg(help = Watched::names_help())]
    pub kind: String,
    /// namespace/name
    pub object: String,
    /// kube context (default: the one context the config watches, else the kubeconfig's current
    /// one; with several configured, it must be named)
    #[arg(long)]
    pub context: Option<String>,
}

impl KubeAction {
    fn target(&self) -> &Target {
        match self {
            KubeAction::Reconcile { target, .. }
            | KubeAction::Suspend { target }
            | KubeAction::Resume { target }
            | KubeAction::Renew { target }
            | KubeAction::Refresh { target, .. }
            | KubeAction::Sync { target, .. } => target,
        }
    }
}

/// Why `action` cannot apply to `kind` at all, said before anything is read or written.
fn refusal(action: &KubeAction, kind: &Watched) -> Option<String> {
    let flux = kind.flux_noun.is_some();
    let argo = kind.kind == crate::model::Kind::ArgoApplication;
    match action {
        KubeAction::Refresh { .. } | KubeAction::Sync { .. } if !argo => Some(format!(
            "a {} is not an Argo CD Application: refresh and sync act on Applications \
             (a Flux object is reconciled: opsdeck kube reconcile)",
            kind.api_kind
        )),
        _ if argo && !matches!(action, KubeAction::Refresh { .. } | KubeAction::Sync { .. }) => {
            Some(
                "an Argo CD Application is refreshed or synced: opsdeck kube refresh app \
                 NAMESPACE/NAME, opsdeck kube sync app NAMESPACE/NAME --confirm NAME"
                    .to_string(),
            )
        }
        KubeAction::Reconcile { .. } | KubeAction::Suspend { .. } | KubeAction::Resume { .. }
            if !flux =>
        {
            Some(format!(
                "a {} is not a Flux object: reconcile, suspend and resume act on Flux objects \
                 (a certificate is renewed: opsdeck kube renew cert NAMESPACE/NAME)",
                kind.api_kind
            ))
        }
        KubeAction::Reconcile { force, reset, .. }
            if (*force || *reset) && kind.kind != crate::model::Kind::HelmRelease =>
        {
            Some(format!(
                "--force and --reset are HelmRelease options, not {}'s",
                kind.api_kind
            ))
        }
        KubeAction::Renew { .. } if kind.kind != crate::model::Kind::Certificate => Some(format!(
            "only certificates are renewed: a {} is reconciled (opsdeck kube reconcile)",
            kind.api_kind
        )),
        _ => None,
    }
}

pub async fn run(action: KubeAction, config: &Config, write: bool) -> ExitCode {
    // Refused before any kubeconfig is read, any credential plugin runs or any progress is said.
    if !write {
        return super::fail(
            "read-only: start opsdeck with --write (or set write = true in the config) to change objects",
        );
    }
    let t = action.target();
    let Some(kind) = Watched::by_name(&t.kind) else {
        // A name of a kind opsdeck knows says why it is not one to write to.
        let why = match crate::model::Kind::by_name(&t.kind) {
            Some((k, None)) if k.spec().refresh != crate::model::Refresh::Nothing => format!(
                "{:?} names several resources ({}): say which",
                t.kind,
                k.spec()
                    .watch
                    .map(|w| w.resources.iter().map(|r| r.api_kind.to_ascii_lowercase()))
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some((k, _)) => format!("{} are read only here", k.title()),
            None => format!("unknown kind {:?}", t.kind),
        };
        eprintln!("opsdeck: {why}: use {}", Watched::names_list());
        return ExitCode::from(2);
    };
    let Some((ns, name)) = t.object.split_once('/') else {
        return super::fail(format!(
            "{:?}: write the object as namespace/name",
            t.object
        ));
    };
    if let Some(refusal) = refusal(&action, kind) {
        return super::fail(refusal);
    }
    if !is_dns_label(ns) || !is_dns_subdomain(name) {
        return super::fail(format!(
            "{:?} is not namespace/name: a namespace is a DNS-1123 label and a name a DNS-1123 subdomain (lowercase letters, digits, '-' and '.'), with no '/', '?' or '..'",
            t.object
        ));
    }
    // A sync applies to the cluster: its name typed, as the ECS writes and runbooks ask, before
    // any kubeconfig is read.
    if let KubeAction::Sync { confirm, .. } = &action {
        match confirm.as_deref() {
            None => {
                eprintln!(
                    "opsdeck: would sync Application {ns}/{name}; add --confirm {name} to do it"
                );
                return ExitCode::from(2);
            }
            Some(typed) if typed != name => {
                eprintln!(
                    "opsdeck: --confirm {typed:?} is not the Application's name {name:?}: nothing was done"
                );
                return ExitCode::from(2);
            }
            Some(_) => {}
        }
    }
    let loaded = match kubeconfig::load(config.kube.kubeconfig.as_deref()) {
        Ok(l) => l,
        Err(e) => return super::fail(e),
    };
    // A write lands where it is named: with several contexts configured, none is picked for it.
    let wanted: Vec<String> = match (&t.context, config.kube.contexts.as_slice()) {
        (Some(c), _) => vec![c.clone()],
        (None, [one]) => vec![one.clone()],
        (None, []) => Vec::new(),
        (None, several) => {
            eprintln!(
                "opsdeck: which context? the config watches {}: add --context NAME",
                several.join(", ")
            );
            return ExitCode::from(2);
        }
    };
    let context = match loaded.contexts(&wanted) {
        Ok(c) => c[0].clone(),
        Err(e) => return super::fail(e),
    };
    let client = match client(&loaded.config, &context).await {
        Ok(c) => c,
        Err(e) => return super::fail(e),
    };
    // Records the write in the audit log, naming the context it used.
    let mut ops = KubeOps::new(client, write)
        .on_context(&context)
        .audited(crate::audit::path());
    let result = match &action {
        KubeAction::Reconcile {
            force,
            reset,
            timeout,
            ..
        } => {
            ops.timeout = Duration::from_secs(*timeout);
            // As flux says it: each step once it is done, so a refusal is never "waiting".
            eprintln!("► annotating {} {ns}/{name} in {context}", kind.api_kind);
            let options = ReconcileOptions {
                force: *force,
                reset: *reset,
            };
            let requested = match ops.request(kind, ns, name, options).await {
                Ok(at) => at,
                Err(e) => return super::fail(e),
            };
            eprintln!("✔ {} annotated", kind.api_kind);
            eprintln!("◎ waiting for {} reconciliation", kind.api_kind);
            ops.await_reconcile(kind, ns, name, requested)
                .await
                .map(|r| {
                    if r.ready {
                        format!(
                            "✔ {} reconciliation completed: {}",
                            kind.api_kind, r.message
                        )
                    } else {
                        format!(
                            "✗ {} reconciled but not Ready: {}",
                            kind.api_kind, r.message
                        )
                    }
                })
        }
        KubeAction::Suspend { .. } => ops
            .set_suspend(kind, ns, name, true)
            .await
            .map(|_| format!("✔ {} {ns}/{name} suspended", kind.api_kind)),
        KubeAction::Resume { .. } => ops
            .set_suspend(kind, ns, name, false)
            .await
            .map(|_| format!("✔ {} {ns}/{name} resumed", kind.api_kind)),
        KubeAction::Renew { .. } => ops
            .renew(kind, ns, name)
            .await
            .map(|_| format!("✔ manually triggered issuance of Certificate {ns}/{name}")),
        KubeAction::Refresh { timeout, .. } => {
            ops.timeout = Duration::from_secs(*timeout);
            eprintln!("► refreshing Application {ns}/{name} in {context}");
            ops.argo_refresh(kind, ns, name)
                .await
                .map(|o| format!("✔ Application {ns}/{name} refreshed: {o}"))
        }
        KubeAction::Sync { timeout, .. } => {
            ops.timeout = Duration::from_secs(*timeout);
            eprintln!("► syncing Application {ns}/{name} in {context}");
            ops.argo_sync(kind, ns, name).await.map(|o| {
                let mark = if o.failed() { '✗' } else { '✔' };
                format!("{mark} Application {ns}/{name}: {o}")
            })
        }
    };
    match result {
        Ok(msg) if msg.starts_with('✗') => {
            eprintln!("{msg}");
            ExitCode::from(1)
        }
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => super::fail(e),
    }
}
