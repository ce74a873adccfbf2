//! `R` and `T` on a row: whether the write makes sense and is allowed, the prompt that asks for
//! it (the target's name typed where it is protected), and the write started once confirmed.

use super::{App, NamePrompt, UiEvent};
use crate::model::{Facts, Kind, RowId, Scope};
use crate::row_actions::RowAction;
use crate::ui::keymap::Action;

impl App {
    /// Checks the action `key` asks for on row `id` (the selected one when `None`) makes sense
    /// and is allowed, then asks for confirmation.
    pub(super) fn ask_row_action(&mut self, key: Action, id: Option<RowId>) {
        let id = id.or_else(|| self.selected_id());
        let Some(row) = id.as_ref().and_then(|id| self.fleet.row(id)) else {
            return self.say("no row selected", true);
        };
        let action = match key {
            Action::Refresh => RowAction::refresh_for(row),
            _ => RowAction::toggle_for(row),
        };
        let Some(action) = action else {
            let what = if key == Action::Refresh {
                "reconcile, refresh, renew or redeploy"
            } else {
                "suspend or resume"
            };
            return self.say(format!("cannot {what} {}", row.kind().title()), true);
        };
        self.ask_action(action, id);
    }

    /// Checks `action` on row `id` (the selected one when `None`) makes sense and is allowed,
    /// then asks for confirmation.
    pub(super) fn ask_action(&mut self, action: RowAction, id: Option<RowId>) {
        let id = id.or_else(|| self.selected_id());
        let Some(row) = id.as_ref().and_then(|id| self.fleet.row(id)) else {
            return self.say("no row selected", true);
        };
        if action == RowAction::Sync && row.kind() != Kind::ArgoApplication {
            return self.say(
                format!(
                    "cannot sync {}: :sync syncs an Argo CD Application",
                    row.id.display_name()
                ),
                true,
            );
        }
        if matches!(action, RowAction::Scale(_)) && row.kind() != Kind::EcsService {
            return self.say(
                format!(
                    "cannot scale {}: :scale sets an ECS service's desired count",
                    row.id.display_name()
                ),
                true,
            );
        }
        let label = format!(
            "{} {} on {}",
            row.kind().title().trim_end_matches('s'),
            row.id.display_name(),
            row.id.scope.context()
        );
        if self.read_only {
            return self.say(
                format!(
                    "read-only: start opsdeck with --write to {} {label}",
                    action.verb()
                ),
                true,
            );
        }
        if self.actions.is_none() {
            return self.say(
                format!(
                    "{}: this fleet's backend does not carry out write actions",
                    action.verb()
                ),
                true,
            );
        }
        // Where the write lands: the row's account and region, else those of the EKS cluster
        // its context reaches.
        let scope = &row.id.scope;
        let lands = match &scope.account {
            Some(_) => scope,
            None => self.cluster_scope(scope.context()).unwrap_or(scope),
        };
        let (account, region) = (lands.account.as_deref(), lands.region.as_deref());
        let guard = if self.protected.contexts.contains(scope.context()) {
            Some((scope.context().to_string(), "context"))
        } else {
            account
                .filter(|a| self.protected.accounts.contains(*a))
                .map(|a| (a.to_string(), "account"))
        };
        let place = match (account, region) {
            (Some(a), Some(r)) => format!(" (account {a}, region {r})"),
            (Some(a), None) => format!(" (account {a})"),
            (None, Some(r)) => format!(" (region {r})"),
            (None, None) => String::new(),
        };
        // An AWS row's prompt always names its account and region.
        let own_place = if scope.account.is_some() {
            place.as_str()
        } else {
            ""
        };
        let id = row.id.clone();
        let verb = capitalize(action.verb());
        let detail = match (action, &row.facts) {
            // What the sync changes: the revision that runs and the one it will apply.
            (RowAction::Sync, Facts::ArgoApplication(a)) => {
                fn short(r: Option<&str>) -> &str {
                    r.map_or("?", crate::model::kinds::argo_application::short_revision)
                }
                format!(
                    " ({}: runs {}, Git names {}; as argocd app sync)",
                    a.sync,
                    short(a.deployed_revision.as_deref()),
                    short(a.revision.as_deref())
                )
            }
            _ => action.detail(),
        };
        match guard {
            None => {
                self.confirm_name = None;
                self.say(
                    format!("{verb} {label}{own_place}{detail}? y confirms, any other key cancels"),
                    false,
                );
            }
            Some((name, what)) => {
                let prompt = NamePrompt::new(
                    name,
                    format!("{verb} {label}{place}{detail}? Protected {what}"),
                );
                self.say(prompt.line(), false);
                self.confirm_name = Some(prompt);
            }
        }
        self.confirm = Some((action, id));
    }

    /// The scope (AWS account and region) of the EKS cluster kube `context` reaches, when the
    /// fleet has its row.
    fn cluster_scope(&self, context: &str) -> Option<&Scope> {
        if context.is_empty() {
            return None;
        }
        self.fleet
            .rows_of(Kind::Cluster)
            .filter(|r| r.id.scope.account.is_some())
            .find(|r| {
                matches!(&r.facts, Facts::Cluster(c) if c.kube_context.as_deref() == Some(context))
            })
            .map(|r| &r.id.scope)
    }

    /// Starts a confirmed write; its outcome comes back as a notice.
    pub(super) fn start_row_action(&mut self, action: RowAction, id: RowId) {
        let (Some(runner), Some(row)) = (self.actions.clone(), self.fleet.row(&id)) else {
            return;
        };
        let write = runner.run(action, &id, &row.facts);
        self.say(format!("{} {} …", action.verb(), id.display_name()), false);
        let outbox = self.outbox.clone();
        let verb = action.verb();
        self.outbox.start(async move {
            let outcome = write.await;
            outbox.report(UiEvent::ActionDone { id, verb, outcome });
        });
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
