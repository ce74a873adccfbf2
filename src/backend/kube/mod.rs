//! The kube backend: every configured context (or the current one) watched concurrently through
//! kube-rs, each a source with its own status. See `context.rs` for one context's life.

pub mod argo;
mod board;
pub mod context;
pub mod credentials;
pub mod errors;
pub mod events;
pub mod inspect;
pub mod kubeconfig;
mod namespaces;
pub mod raw;
pub mod resources;
pub mod row_actions;
pub mod runbook_port;
mod watch;
pub mod writes;

use std::path::PathBuf;

use tokio::task::JoinSet;

use crate::clock::SharedClock;
use crate::store::{SourceStatus, Update, UpdateSender};
use board::Board;

#[derive(Clone, Debug, Default)]
pub struct KubeOptions {
    /// Overrides `KUBECONFIG`.
    pub kubeconfig: Option<PathBuf>,
    /// Contexts to watch; empty means the current context.
    pub contexts: Vec<String>,
}

/// The source name under which kubeconfig problems are reported.
pub const KUBECONFIG_SOURCE: &str = "kubeconfig";

/// Starts a task per context. Problems with the kubeconfig itself or a missing context become
/// sources in error, with the file, the context and the fix, so the rest keeps working.
pub async fn start(opts: KubeOptions, clock: SharedClock, tx: UpdateSender) -> JoinSet<()> {
    let mut tasks = JoinSet::new();
    let loaded = match kubeconfig::load(opts.kubeconfig.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            let _ = tx
                .send(vec![Update::Source {
                    name: KUBECONFIG_SOURCE.into(),
                    status: SourceStatus::Error {
                        reason: e.to_string(),
                    },
                    at: clock.now(),
                }])
                .await;
            return tasks;
        }
    };
    let contexts = match loaded.contexts(&opts.contexts) {
        Ok(c) => c,
        Err(e) => {
            // Watch the contexts that exist; report the missing ones each as its own source.
            let existing: Vec<String> = opts
                .contexts
                .iter()
                .filter(|c| loaded.contexts(std::slice::from_ref(*c)).is_ok())
                .cloned()
                .collect();
            let mut updates = Vec::new();
            for missing in opts.contexts.iter().filter(|c| !existing.contains(c)) {
                let reason = loaded
                    .contexts(std::slice::from_ref(missing))
                    .unwrap_err()
                    .to_string();
                updates.push(Update::Source {
                    name: missing.clone(),
                    status: SourceStatus::Error { reason },
                    at: clock.now(),
                });
            }
            if opts.contexts.is_empty() {
                updates.push(Update::Source {
                    name: KUBECONFIG_SOURCE.into(),
                    status: SourceStatus::Error {
                        reason: e.to_string(),
                    },
                    at: clock.now(),
                });
            }
            let _ = tx.send(updates).await;
            existing
        }
    };
    for ctx in contexts {
        let board = Board::new(&ctx, loaded.cluster_of(&ctx), tx.clone(), clock.clone());
        // Announced before the task starts: whoever waits for every source knows this one.
        board.announce().await;
        let profile = loaded.aws_profile(&ctx);
        tasks.spawn(context::run(loaded.config.clone(), board, profile));
    }
    tasks
}
