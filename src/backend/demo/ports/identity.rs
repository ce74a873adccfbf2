//! IAM and STS on the demo world: roles, policies, attachments, the caller's account.

use crate::backend::demo::world::{ACCOUNT_ID, DemoWorld, OIDC_PROVIDER_ID, ok, policy_arn};
use crate::runbook::ports::{IdentityOps, OpsError, OpsFuture};

fn arn_of_role(role: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:role/{role}")
}

impl IdentityOps for DemoWorld {
    fn role_arn<'a>(&'a self, role: &'a str) -> OpsFuture<'a, Option<String>> {
        let has = self.state.lock().unwrap().roles.contains_key(role);
        ok(has.then(|| arn_of_role(role)))
    }

    fn create_role<'a>(&'a self, role: &'a str, _: &'a str) -> OpsFuture<'a, String> {
        Box::pin(async move {
            let mut w = self.state.lock().unwrap();
            Self::created(&mut w, format!("iam role {role}"))?;
            w.roles.insert(role.into(), vec![]);
            Ok(arn_of_role(role))
        })
    }

    fn policy_arn<'a>(&'a self, policy: &'a str) -> OpsFuture<'a, Option<String>> {
        ok(self.state.lock().unwrap().policies.get(policy).cloned())
    }

    fn create_policy<'a>(&'a self, policy: &'a str, _: &'a str) -> OpsFuture<'a, String> {
        Box::pin(async move {
            let mut w = self.state.lock().unwrap();
            Self::created(&mut w, format!("iam policy {policy}"))?;
            w.policies.insert(policy.into(), policy_arn(policy));
            Ok(policy_arn(policy))
        })
    }

    fn attached_policies<'a>(&'a self, role: &'a str) -> OpsFuture<'a, Vec<String>> {
        ok(self
            .state
            .lock()
            .unwrap()
            .roles
            .get(role)
            .cloned()
            .unwrap_or_default())
    }

    fn attach_policy<'a>(&'a self, role: &'a str, arn: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let mut w = self.state.lock().unwrap();
            Self::created(&mut w, format!("attachment {role} {arn}"))?;
            w.roles
                .get_mut(role)
                .ok_or_else(|| OpsError::NotFound(format!("role {role}")))?
                .push(arn.into());
            Ok(())
        })
    }

    fn caller_account(&self) -> OpsFuture<'_, String> {
        ok(ACCOUNT_ID.to_string())
    }

    fn oidc_provider_id<'a>(
        &'a self,
        _cluster: &'a str,
        _region: &'a str,
    ) -> OpsFuture<'a, String> {
        ok(OIDC_PROVIDER_ID.to_string())
    }
}
