//! IAM roles and policies, and the account the credentials act in (STS `GetCallerIdentity`).

use aws_sdk_iam::Client as Iam;
use aws_sdk_iam::types::PolicyScopeType;
use aws_sdk_sts::Client as Sts;

use super::{AwsPorts, not_found};
use crate::runbook::ports::{IdentityOps, OpsError, OpsFuture};

impl IdentityOps for AwsPorts {
    fn role_arn<'a>(&'a self, role: &'a str) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move {
            let iam = self.client(Iam::new).await;
            let out = self.found(iam.get_role().role_name(role).send()).await?;
            Ok(out.and_then(|out| out.role().map(|r| r.arn().to_string())))
        })
    }

    fn create_role<'a>(&'a self, role: &'a str, trust_policy: &'a str) -> OpsFuture<'a, String> {
        Box::pin(async move {
            let call = self
                .client(Iam::new)
                .await
                .create_role()
                .role_name(role)
                .assume_role_policy_document(trust_policy);
            let out = self.sent(call.send()).await?;
            Ok(out.role().map(|r| r.arn().to_string()).unwrap_or_default())
        })
    }

    fn policy_arn<'a>(&'a self, policy: &'a str) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move {
            let mut pages = self
                .client(Iam::new)
                .await
                .list_policies()
                .scope(PolicyScopeType::Local)
                .into_paginator()
                .items()
                .send();
            while let Some(p) = pages.next().await {
                let p = p.map_err(|e| self.fail(e))?;
                if p.policy_name() == Some(policy) {
                    return Ok(p.arn().map(str::to_string));
                }
            }
            Ok(None)
        })
    }

    fn create_policy<'a>(&'a self, policy: &'a str, document: &'a str) -> OpsFuture<'a, String> {
        Box::pin(async move {
            let call = self
                .client(Iam::new)
                .await
                .create_policy()
                .policy_name(policy)
                .policy_document(document);
            let out = self.sent(call.send()).await?;
            Ok(out
                .policy()
                .and_then(|p| p.arn())
                .unwrap_or_default()
                .to_string())
        })
    }

    fn attached_policies<'a>(&'a self, role: &'a str) -> OpsFuture<'a, Vec<String>> {
        Box::pin(async move {
            let mut arns = Vec::new();
            let mut pages = self
                .client(Iam::new)
                .await
                .list_attached_role_policies()
                .role_name(role)
                .into_paginator()
                .items()
                .send();
            while let Some(p) = pages.next().await {
                match p {
                    Ok(p) => arns.extend(p.policy_arn().map(str::to_string)),
                    Err(e) if not_found(&e) => return Ok(vec![]),
                    Err(e) => return Err(self.fail(e)),
                }
            }
            Ok(arns)
        })
    }

    fn attach_policy<'a>(&'a self, role: &'a str, policy_arn: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let iam = self.client(Iam::new).await;
            let call = iam.attach_role_policy().role_name(role);
            self.sent(call.policy_arn(policy_arn).send()).await?;
            Ok(())
        })
    }

    fn oidc_provider_id<'a>(&'a self, cluster: &'a str, region: &'a str) -> OpsFuture<'a, String> {
        Box::pin(async move {
            let eks = aws_sdk_eks::Client::new(&self.config(region).await);
            let out = self
                .sent(eks.describe_cluster().name(cluster).send())
                .await?;
            let issuer = out
                .cluster()
                .and_then(|c| c.identity())
                .and_then(|i| i.oidc())
                .and_then(|o| o.issuer())
                .unwrap_or_default();
            match issuer.rsplit_once("/id/") {
                Some((_, id)) if !id.is_empty() => Ok(id.to_string()),
                _ => Err(OpsError::Failed(format!(
                    "EKS cluster {cluster} in {region} has no OIDC issuer ({issuer:?}): associate one (eksctl utils associate-iam-oidc-provider) or give --oidc-id"
                ))),
            }
        })
    }

    fn caller_account(&self) -> OpsFuture<'_, String> {
        Box::pin(async move {
            let sts = self.client(Sts::new).await;
            let out = self.sent(sts.get_caller_identity().send()).await?;
            out.account().map(str::to_string).ok_or_else(|| {
                OpsError::Failed("STS GetCallerIdentity answered without an account id".into())
            })
        })
    }
}
