//! create-org's steps, in the order `CreateOrg::STEPS` runs them: each says what it changes,
//! whether that is there already, how to make it, and (where the check cannot tell) how to
//! verify it.

use super::kustomization::{register, registered};
use super::{CLUSTER_ISSUER_FILE, CreateOrg};
use crate::runbook::ports::{InCluster, OpsError, Ports};
use crate::runbook::secret::{SecretDocument, SecretValue};
use crate::runbook::step::{Step, verify_by_check};
use crate::runbook::{RunState, StepFuture, StepSpec, Verdict};

/// Before a step writes to the repository: a clean work tree, on the onboarding branch (made
/// now, or this onboarding's own from an earlier run, checked out), never on someone else's.
async fn on_branch(rb: &CreateOrg, ports: &Ports) -> Result<(), OpsError> {
    ports.git.begin(&rb.branch(), &rb.commit_message()).await
}

/// Whether the role has the policy `name` attached (`attached` are ARNs).
fn is_attached(attached: &[String], name: &str) -> bool {
    attached.iter().any(|a| a.ends_with(&format!("/{name}")))
}

pub struct Directory;

impl Step<CreateOrg> for Directory {
    fn spec(&self, rb: &CreateOrg) -> StepSpec {
        let (dir, template) = (rb.org_dir(), rb.template_dir());
        StepSpec::new(
            "directory",
            "Organization directory from the template",
            format!("copy {template} (kustomizations, org-config; no spaces)"),
            dir.clone(),
        )
        .cli(format!("cp -r {template} {dir} && rm -r {dir}/<spaces>"))
    }

    fn check<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move {
            let file = format!("{}/kustomization.yaml", rb.org_dir());
            Ok(ports.git.read(&file).await?.is_some())
        })
    }

    fn apply<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            on_branch(rb, ports).await?;
            let (dir, template) = (rb.org_dir(), rb.template_dir());
            for file in ports.git.list(&template).await? {
                let rel = file.trim_start_matches(&template).trim_start_matches('/');
                if !CreateOrg::keeps(rel) {
                    continue;
                }
                let content = ports.git.read(&file).await?.unwrap_or_default();
                let renamed = content.replace(&rb.template, &rb.org);
                ports.git.write(&format!("{dir}/{rel}"), &renamed).await?;
            }
            Ok(())
        })
    }
}

pub struct NamespaceAndAccount;

impl Step<CreateOrg> for NamespaceAndAccount {
    fn spec(&self, rb: &CreateOrg) -> StepSpec {
        let org = &rb.org;
        StepSpec::new(
            "namespace",
            "Namespace and service account",
            format!(
                "namespace {org} (label organization={org}), service account {org} with eks.amazonaws.com/role-arn"
            ),
            format!("{}/org-config", rb.org_dir()),
        )
    }

    fn check<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move {
            let file = format!("{}/org-config/overlays/service-account.yaml", rb.org_dir());
            Ok(ports
                .git
                .read(&file)
                .await?
                .is_some_and(|s| s.contains(&rb.role_arn())))
        })
    }

    fn apply<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            on_branch(rb, ports).await?;
            let dir = rb.org_dir();
            ports
                .git
                .write(
                    &format!("{dir}/org-config/namespace.yaml"),
                    &rb.namespace_yaml(),
                )
                .await?;
            ports
                .git
                .write(
                    &format!("{dir}/org-config/overlays/service-account.yaml"),
                    &rb.service_account_yaml(),
                )
                .await
        })
    }
}

pub struct Role;

impl Step<CreateOrg> for Role {
    fn spec(&self, rb: &CreateOrg) -> StepSpec {
        let (org, role) = (&rb.org, rb.role());
        StepSpec::new(
            "iam-role",
            "IAM role with the IRSA trust policy",
            format!(
                "role {role} trusted by system:serviceaccount:{org}:{org} via {}",
                rb.oidc()
            ),
            format!("account {}", rb.account_id),
        )
        .cli(format!(
            "aws iam create-role --role-name {role} --assume-role-policy-document file://trust.json"
        ))
    }

    fn check<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move { Ok(ports.identity.role_arn(&rb.role()).await?.is_some()) })
    }

    fn apply<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        state: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            let arn = ports
                .identity
                .create_role(&rb.role(), &rb.trust_policy())
                .await?;
            state.insert("role_arn".into(), arn);
            Ok(())
        })
    }

    fn verify<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        Box::pin(async move {
            if !state.contains_key("role_arn")
                && ports.identity.role_arn(&rb.role()).await?.is_none()
            {
                return Ok(Verdict::Failed(format!(
                    "role {} not found after creating it",
                    rb.role()
                )));
            }
            verify_by_check(self, rb, ports, state).await
        })
    }
}

pub struct Policies;

impl Step<CreateOrg> for Policies {
    fn spec(&self, rb: &CreateOrg) -> StepSpec {
        let (org, pre) = (&rb.org, rb.policy("pre"));
        StepSpec::new(
            "iam-policies",
            "Secrets Manager policies (pre, pro)",
            format!(
                "{pre} on hyperfy2-{org}-*-pre-*, {} on hyperfy2-{org}-*-pro-*",
                rb.policy("pro")
            ),
            format!("account {}", rb.account_id),
        )
        .cli(format!(
            "aws iam create-policy --policy-name {pre} --policy-document file://pre.json"
        ))
    }

    fn check<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move {
            Ok(ports
                .identity
                .policy_arn(&rb.policy("pre"))
                .await?
                .is_some()
                && ports
                    .identity
                    .policy_arn(&rb.policy("pro"))
                    .await?
                    .is_some())
        })
    }

    fn apply<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        state: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            for env in ["pre", "pro"] {
                let name = rb.policy(env);
                if ports.identity.policy_arn(&name).await?.is_none() {
                    let arn = ports
                        .identity
                        .create_policy(&name, &rb.secrets_policy(env))
                        .await?;
                    state.insert(format!("{env}_policy_arn"), arn);
                }
            }
            Ok(())
        })
    }
}

pub struct Attach;

impl Step<CreateOrg> for Attach {
    fn spec(&self, rb: &CreateOrg) -> StepSpec {
        let [pre, pro, statics] = rb.role_policies();
        StepSpec::new(
            "attach-policies",
            "Policies attached to the role",
            format!("attach {pre}, {pro} and {statics}"),
            rb.role(),
        )
        .cli(format!(
            "aws iam attach-role-policy --role-name {} --policy-arn <arn>",
            rb.role()
        ))
    }

    fn check<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move {
            let attached = ports.identity.attached_policies(&rb.role()).await?;
            Ok(rb.role_policies().iter().all(|p| is_attached(&attached, p)))
        })
    }

    fn apply<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            let attached = ports.identity.attached_policies(&rb.role()).await?;
            for p in rb.role_policies() {
                if is_attached(&attached, &p) {
                    continue;
                }
                let arn = ports
                    .identity
                    .policy_arn(&p)
                    .await?
                    .ok_or_else(|| OpsError::NotFound(format!("policy {p}")))?;
                ports.identity.attach_policy(&rb.role(), &arn).await?;
            }
            Ok(())
        })
    }
}

pub struct Secrets;

impl Step<CreateOrg> for Secrets {
    fn spec(&self, rb: &CreateOrg) -> StepSpec {
        StepSpec::new(
            "secrets",
            "Secrets for every space (JWT_SECRET, ADMIN_CODE generated)",
            format!("create {}", rb.secret_names().join(", ")),
            "Secrets Manager",
        )
        .cli("aws secretsmanager create-secret --name <name> --secret-string <generated>")
    }

    fn check<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move {
            let mut all = true;
            for s in rb.secret_names() {
                all &= ports.secrets.secret_exists(&s).await?;
            }
            Ok(all)
        })
    }

    fn apply<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        state: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            for name in rb.secret_names() {
                if ports.secrets.secret_exists(&name).await? {
                    continue;
                }
                // Generated here and handed to the secret store only.
                let doc = SecretDocument(vec![
                    SecretValue::generate("JWT_SECRET", 32),
                    SecretValue::generate("ADMIN_CODE", 12),
                ]);
                ports.secrets.create_secret(&name, &doc).await?;
            }
            // Their names (never their values) for the journal.
            state.insert("secrets".into(), rb.secret_names().join(","));
            Ok(())
        })
    }
}

pub struct Prefixes;

impl Step<CreateOrg> for Prefixes {
    fn spec(&self, rb: &CreateOrg) -> StepSpec {
        let bucket = &rb.statics_bucket;
        StepSpec::new(
            "s3-prefixes",
            "S3 asset prefixes",
            format!("create {}", rb.prefixes().join(", ")),
            format!("s3://{bucket}"),
        )
        .cli(format!(
            "aws s3api put-object --bucket {bucket} --key <prefix>"
        ))
    }

    fn check<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move {
            let mut all = true;
            for p in rb.prefixes() {
                all &= ports.storage.prefix_exists(&rb.statics_bucket, &p).await?;
            }
            Ok(all)
        })
    }

    fn apply<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            for p in rb.prefixes() {
                if !ports.storage.prefix_exists(&rb.statics_bucket, &p).await? {
                    ports.storage.create_prefix(&rb.statics_bucket, &p).await?;
                }
            }
            Ok(())
        })
    }
}

/// A check, not a change: it runs every time.
pub struct Dns;

impl Step<CreateOrg> for Dns {
    fn spec(&self, rb: &CreateOrg) -> StepSpec {
        let domain = &rb.domain;
        StepSpec::new(
            "dns",
            "Domain points at the cluster's load balancer",
            format!("{domain} resolves to the ingress of {}", rb.cluster),
            domain.clone(),
        )
        .cli(format!("dig +short {domain}"))
        .no_changes()
    }

    fn verify<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        Box::pin(async move {
            let addrs = ports.dns.resolve(&rb.domain).await?;
            let lb = ports.cluster.ingress_address(&rb.cluster).await?;
            // The domain may be a CNAME of the balancer or resolve to its addresses.
            let lb_addrs = match &lb {
                Some(lb) => ports.dns.resolve(lb).await?,
                None => vec![],
            };
            let points =
                |lb: &String| addrs.contains(lb) || addrs.iter().any(|a| lb_addrs.contains(a));
            Ok(match (addrs.is_empty(), lb) {
                (true, _) => Verdict::Warn(format!(
                    "{} does not resolve yet: point it at the cluster's load balancer before cert-manager can issue (HTTP-01)",
                    rb.domain
                )),
                (false, Some(lb)) if !points(&lb) => Verdict::Warn(format!(
                    "{} resolves to {} but the ingress is {lb}: cert-manager cannot validate until it points there",
                    rb.domain,
                    addrs.join(", ")
                )),
                _ => Verdict::Done,
            })
        })
    }
}

pub struct Issuer;

impl Issuer {
    fn issued(rb: &CreateOrg, text: &str) -> bool {
        text.contains(&format!("name: letsencrypt-{}-prod", rb.org))
    }
}

impl Step<CreateOrg> for Issuer {
    fn spec(&self, rb: &CreateOrg) -> StepSpec {
        StepSpec::new(
            "cluster-issuer",
            "ClusterIssuer for the domain",
            format!("append ClusterIssuer letsencrypt-{}-prod", rb.org),
            CLUSTER_ISSUER_FILE,
        )
    }

    fn check<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move {
            let file = ports.git.read(CLUSTER_ISSUER_FILE).await?;
            Ok(file.is_some_and(|s| Issuer::issued(rb, &s)))
        })
    }

    fn apply<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            on_branch(rb, ports).await?;
            let current = ports
                .git
                .read(CLUSTER_ISSUER_FILE)
                .await?
                .unwrap_or_default();
            if Issuer::issued(rb, &current) {
                // There on the branch an earlier run made.
                return Ok(());
            }
            let mut next = current.clone();
            if !next.is_empty() && !next.ends_with('\n') {
                next.push('\n');
            }
            next.push_str(&rb.cluster_issuer_yaml());
            ports.git.write(CLUSTER_ISSUER_FILE, &next).await
        })
    }
}

pub struct Register;

impl Step<CreateOrg> for Register {
    fn spec(&self, rb: &CreateOrg) -> StepSpec {
        StepSpec::new(
            "register",
            "Organization registered in the cluster",
            format!(
                "add {} to the resources list, in the list's own style",
                rb.registration()
            ),
            rb.kustomization_path(),
        )
    }

    fn check<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move {
            let path = rb.kustomization_path();
            Ok(match ports.git.read(&path).await? {
                Some(text) => registered(&text, &rb.registration())
                    .map_err(|e| OpsError::Failed(format!("{path}: {e}")))?,
                None => false,
            })
        })
    }

    fn apply<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            on_branch(rb, ports).await?;
            let path = rb.kustomization_path();
            let current = ports
                .git
                .read(&path)
                .await?
                .ok_or_else(|| OpsError::NotFound(path.clone()))?;
            let next = register(&current, &rb.registration())
                .map_err(|e| OpsError::Failed(format!("{path}: {e}")))?;
            if next != current {
                ports.git.write(&path, &next).await?;
            }
            Ok(())
        })
    }
}

pub struct Commit;

impl Step<CreateOrg> for Commit {
    fn spec(&self, rb: &CreateOrg) -> StepSpec {
        let (branch, message) = (rb.branch(), rb.commit_message());
        StepSpec::new(
            "commit",
            "Commit on a new branch (not pushed)",
            format!("commit {message:?} on {branch}: only the files this run wrote"),
            "GitOps repository",
        )
        .cli(format!(
            "git checkout -b {branch} && git add -- <the files written> && git commit -m {message:?} -- <the files written>"
        ))
    }

    fn check<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move {
            let found = ports
                .git
                .find_commit(&rb.branch(), &rb.commit_message())
                .await?;
            Ok(found.is_some())
        })
    }

    fn apply<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        state: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            on_branch(rb, ports).await?;
            if self.check(rb, ports, state).await? {
                return Err(OpsError::Exists(format!("commit on {}", rb.branch())));
            }
            let sha = ports.git.commit(&rb.branch(), &rb.commit_message()).await?;
            state.insert("commit".into(), sha);
            Ok(())
        })
    }
}

/// Waits for Flux to apply the merged branch: namespace, service account, Kustomization, then
/// the HelmReleases.
pub struct Flux;

impl Step<CreateOrg> for Flux {
    fn spec(&self, rb: &CreateOrg) -> StepSpec {
        let org = &rb.org;
        StepSpec::new(
            "flux-ready",
            "Flux applies the organization",
            format!(
                "namespace and service account exist, Kustomization {org} and its HelmReleases Ready (after the branch is merged)"
            ),
            rb.cluster.clone(),
        )
        .cli(format!(
            "flux get kustomizations -n {org} && flux get helmreleases -n {org}"
        ))
        .takes(180)
        .no_changes()
    }

    fn verify<'a>(
        &'a self,
        rb: &'a CreateOrg,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        Box::pin(async move {
            let (org, cluster) = (&rb.org, &rb.cluster);
            // The organization's service account and Kustomization are both named after it.
            let in_org = InCluster {
                cluster,
                ns: org,
                name: org,
            };
            let waiting = |progress: f64, note: String| {
                Ok(Verdict::Waiting {
                    progress: Some(progress),
                    note,
                })
            };
            if !ports.cluster.namespace_exists(cluster, org).await? {
                return waiting(
                    0.0,
                    format!("namespace {org} not there yet (is {} merged?)", rb.branch()),
                );
            }
            if ports.cluster.service_account_role(in_org).await?.as_deref()
                != Some(rb.role_arn().as_str())
            {
                return waiting(
                    0.25,
                    format!("service account {org} without the role annotation yet"),
                );
            }
            match ports.cluster.kustomization(in_org).await? {
                Some(k) if k.ready == Some(true) => {}
                Some(k) if k.ready == Some(false) && k.message.contains("failed") => {
                    return Ok(Verdict::Failed(format!(
                        "Kustomization {org}: {}",
                        k.message
                    )));
                }
                Some(k) => return waiting(0.5, format!("Kustomization {org}: {}", k.message)),
                None => return waiting(0.5, format!("Kustomization {org} not there yet")),
            }
            let hrs = ports.cluster.helm_releases(cluster, org).await?;
            let ready = hrs.iter().filter(|h| h.ready == Some(true)).count();
            // A new organization may have no HelmRelease yet (spaces come later): all of none
            // are Ready.
            if ready < hrs.len() {
                return waiting(
                    0.75 + 0.25 * ready as f64 / hrs.len() as f64,
                    format!("HelmReleases ready {ready}/{}", hrs.len()),
                );
            }
            Ok(Verdict::Done)
        })
    }
}
