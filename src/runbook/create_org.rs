//! create-org (seed 001): a new tenant organization on the platform cluster — its GitOps
//! directory, namespace and service account, IAM role and policies, Secrets Manager secrets, S3
//! prefixes, DNS check, ClusterIssuer, registration, a commit on `onboard/<org>`, and Flux
//! applying it.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::inputs::Problems;
use super::ports::{OpsError, Ports};
use super::secret::{SecretDocument, SecretValue};
use super::{Preflight, RunState, Runbook, StepDescription, StepFuture, StepSpec, Verdict};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateOrg {
    pub org: String,
    pub domain: String,
    pub spaces: Vec<String>,
    pub account_id: String,
    pub oidc_provider_id: String,
    /// The platform cluster (its directory in the GitOps repo and its kube context).
    pub cluster: String,
    pub region: String,
    /// The organization whose directory is the template.
    pub template: String,
    /// The bucket holding `hyperfy-spaces/…` and the policy that grants it.
    pub statics_bucket: String,
    pub statics_policy: String,
}

const CLUSTER_ISSUER_FILE: &str = "infrastructure/networking/cert-manager/cluster-issuer.yaml";

impl CreateOrg {
    /// Validates the inputs: one message per problem.
    pub fn new(c: CreateOrg) -> Result<CreateOrg, Vec<String>> {
        let mut p = Problems::default();
        p.dns_label("organization name", &c.org, 40);
        p.domain("domain", &c.domain);
        // Ingress hosts and certificates name it without the root's dot.
        if c.domain.ends_with('.') {
            p.push(format!(
                "domain {:?} ends with a dot: write it as {}",
                c.domain,
                c.domain.trim_end_matches('.')
            ));
        }
        p.account_id("account id", &c.account_id);
        if c.oidc_provider_id.len() < 8
            || !c
                .oidc_provider_id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric())
        {
            p.push(format!(
                "OIDC provider id {:?} is not an EKS OIDC id (hex, e.g. from `aws eks describe-cluster --query cluster.identity.oidc.issuer`)",
                c.oidc_provider_id
            ));
        }
        p.dns_label("cluster", &c.cluster, 63);
        p.aws_region("region", &c.region);
        p.dns_label("template", &c.template, 40);
        if c.spaces.is_empty() {
            p.push("no spaces: name at least one (--space world)");
        }
        for s in &c.spaces {
            p.dns_label("space", s, 30);
        }
        // A space named twice would have every per-space step (secrets, prefixes) run twice.
        p.unique("space", &c.spaces);
        p.s3_bucket("statics bucket", &c.statics_bucket);
        if !(1..=128).contains(&c.statics_policy.len())
            || !c
                .statics_policy
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "+=,.@_-".contains(ch))
        {
            p.push(format!(
                "statics policy {:?} is not an IAM policy name: 1 to 128 letters, digits and +=,.@_-",
                c.statics_policy
            ));
        }
        if c.org == c.template {
            p.push(format!("organization {:?} is the template itself", c.org));
        }
        p.into_result().map(|()| c)
    }

    pub fn from_json(v: &serde_json::Value) -> Result<CreateOrg, String> {
        let c: CreateOrg =
            serde_json::from_value(v.clone()).map_err(|e| format!("create-org inputs: {e}"))?;
        CreateOrg::new(c).map_err(|p| p.join("; "))
    }

    fn org_dir(&self) -> String {
        format!("clusters/{}/organizations/{}", self.cluster, self.org)
    }

    fn template_dir(&self) -> String {
        format!("clusters/{}/organizations/{}", self.cluster, self.template)
    }

    fn role(&self) -> String {
        format!("{}-secret-manager-role", self.org)
    }

    fn policy(&self, env: &str) -> String {
        format!("{}-{env}-secret-manager-policy", self.org)
    }

    fn branch(&self) -> String {
        format!("onboard/{}", self.org)
    }

    fn commit_message(&self) -> String {
        format!("feat: add {} organization", self.org)
    }

    fn role_arn(&self) -> String {
        format!("arn:aws:iam::{}:role/{}", self.account_id, self.role())
    }

    fn oidc(&self) -> String {
        format!(
            "oidc.eks.{}.amazonaws.com/id/{}",
            self.region, self.oidc_provider_id
        )
    }

    pub fn trust_policy(&self) -> String {
        let oidc = self.oidc();
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": format!("arn:aws:iam::{}:oidc-provider/{oidc}", self.account_id)},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    format!("{oidc}:aud"): "sts.amazonaws.com",
                    format!("{oidc}:sub"): format!("system:serviceaccount:{}:{}", self.org, self.org),
                }}
            }]
        })
        .to_string()
    }

    pub fn secrets_policy(&self, env: &str) -> String {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecrets"],
                "Resource": [format!(
                    "arn:aws:secretsmanager:{}:{}:secret:hyperfy2-{}-*-{env}-*",
                    self.region, self.account_id, self.org
                )]
            }]
        })
        .to_string()
    }

    fn secret_names(&self) -> Vec<String> {
        self.spaces
            .iter()
            .flat_map(|s| ["pre", "pro"].map(|env| format!("hyperfy2-{}-{s}-{env}", self.org)))
            .collect()
    }

    fn prefixes(&self) -> Vec<String> {
        self.spaces
            .iter()
            .flat_map(|s| {
                ["dev", "latest"]
                    .map(|env| format!("hyperfy-spaces/{}/{s}/{env}/assets/", self.org))
            })
            .collect()
    }

    fn namespace_yaml(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {org}\n  labels:\n    organization: {org}\n    environment: production\n",
            org = self.org
        )
    }

    fn service_account_yaml(&self) -> String {
        format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {org}\n  namespace: {org}\n  annotations:\n    eks.amazonaws.com/role-arn: {arn}\n",
            org = self.org,
            arn = self.role_arn()
        )
    }

    fn cluster_issuer_yaml(&self) -> String {
        format!(
            "---\napiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt-{org}-prod\nspec:\n  acme:\n    server: https://acme-v02.api.letsencrypt.org/directory\n    email: \"notifications@numengames.com\"\n    privateKeySecretRef:\n      name: letsencrypt-{org}-prod\n    solvers:\n      - http01:\n          ingress:\n            class: traefik\n",
            org = self.org
        )
    }

    /// Which template files the new organization keeps: its kustomizations and org-config, not
    /// the template's spaces.
    fn keeps(rel: &str) -> bool {
        let first = rel.split('/').next().unwrap_or_default();
        let top_file = !rel.contains('/');
        (top_file && (first == "kustomization.yaml" || first == "flux-kustomization.yaml"))
            || first.starts_with("pre-kustomization")
            || first.starts_with("pro-kustomization")
            || first == "org-config"
    }

    /// The item the cluster's kustomization lists the organization by.
    fn registration(&self) -> String {
        format!("organizations/{}", self.org)
    }

    fn kustomization_path(&self) -> String {
        format!("clusters/{}/kustomization.yaml", self.cluster)
    }
}

#[derive(Clone, Copy)]
enum Step {
    Directory,
    NamespaceAndAccount,
    Role,
    Policies,
    Attach,
    Secrets,
    Prefixes,
    Dns,
    Issuer,
    Register,
    Commit,
    Flux,
}

const STEPS: [Step; 12] = [
    Step::Directory,
    Step::NamespaceAndAccount,
    Step::Role,
    Step::Policies,
    Step::Attach,
    Step::Secrets,
    Step::Prefixes,
    Step::Dns,
    Step::Issuer,
    Step::Register,
    Step::Commit,
    Step::Flux,
];

fn spec(
    key: &str,
    title: &str,
    what: String,
    target: String,
    cli: Option<String>,
    expected: Option<u64>,
) -> StepSpec {
    StepSpec {
        key: key.into(),
        title: title.into(),
        description: StepDescription {
            what,
            target,
            equivalent_cli: cli,
        },
        expected: expected.map(Duration::from_secs),
        changes: !matches!(key, "dns" | "flux-ready"),
        writes_in_verify: false,
    }
}

fn exists(what: String) -> OpsError {
    OpsError::Exists(what)
}

impl Runbook for CreateOrg {
    fn name(&self) -> &'static str {
        "create-org"
    }

    fn target(&self) -> String {
        self.cluster.clone()
    }

    fn inputs(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("inputs serialize")
    }

    fn steps(&self) -> Vec<StepSpec> {
        let org = &self.org;
        let dir = self.org_dir();
        STEPS
            .iter()
            .map(|s| match s {
                Step::Directory => spec("directory", "Organization directory from the template",
                    format!("copy {} (kustomizations, org-config; no spaces)", self.template_dir()), dir.clone(),
                    Some(format!("cp -r {} {dir} && rm -r {dir}/<spaces>", self.template_dir())), None),
                Step::NamespaceAndAccount => spec("namespace", "Namespace and service account",
                    format!("namespace {org} (label organization={org}), service account {org} with eks.amazonaws.com/role-arn"),
                    format!("{dir}/org-config"), None, None),
                Step::Role => spec("iam-role", "IAM role with the IRSA trust policy",
                    format!("role {} trusted by system:serviceaccount:{org}:{org} via {}", self.role(), self.oidc()),
                    format!("account {}", self.account_id),
                    Some(format!("aws iam create-role --role-name {} --assume-role-policy-document file://trust.json", self.role())), None),
                Step::Policies => spec("iam-policies", "Secrets Manager policies (pre, pro)",
                    format!("{} on hyperfy2-{org}-*-pre-*, {} on hyperfy2-{org}-*-pro-*", self.policy("pre"), self.policy("pro")),
                    format!("account {}", self.account_id),
                    Some(format!("aws iam create-policy --policy-name {} --policy-document file://pre.json", self.policy("pre"))), None),
                Step::Attach => spec("attach-policies", "Policies attached to the role",
                    format!("attach {}, {} and {}", self.policy("pre"), self.policy("pro"), self.statics_policy),
                    self.role(),
                    Some(format!("aws iam attach-role-policy --role-name {} --policy-arn <arn>", self.role())), None),
                Step::Secrets => spec("secrets", "Secrets for every space (JWT_SECRET, ADMIN_CODE generated)",
                    format!("create {}", self.secret_names().join(", ")), "Secrets Manager".into(),
                    Some("aws secretsmanager create-secret --name <name> --secret-string <generated>".into()), None),
                Step::Prefixes => spec("s3-prefixes", "S3 asset prefixes",
                    format!("create {}", self.prefixes().join(", ")), format!("s3://{}", self.statics_bucket),
                    Some(format!("aws s3api put-object --bucket {} --key <prefix>", self.statics_bucket)), None),
                Step::Dns => spec("dns", "Domain points at the cluster's load balancer",
                    format!("{} resolves to the ingress of {}", self.domain, self.cluster), self.domain.clone(),
                    Some(format!("dig +short {}", self.domain)), None),
                Step::Issuer => spec("cluster-issuer", "ClusterIssuer for the domain",
                    format!("append ClusterIssuer letsencrypt-{org}-prod"), CLUSTER_ISSUER_FILE.into(), None, None),
                Step::Register => spec("register", "Organization registered in the cluster",
                    format!("add {} to the resources list, in the list's own style", self.registration()),
                    self.kustomization_path(), None, None),
                Step::Commit => spec("commit", "Commit on a new branch (not pushed)",
                    format!("commit {:?} on {}: only the files this run wrote", self.commit_message(), self.branch()), "GitOps repository".into(),
                    Some(format!("git checkout -b {} && git add -- <the files written> && git commit -m {:?} -- <the files written>", self.branch(), self.commit_message())), None),
                Step::Flux => spec("flux-ready", "Flux applies the organization",
                    format!("namespace and service account exist, Kustomization {org} and its HelmReleases Ready (after the branch is merged)"),
                    self.cluster.clone(),
                    Some(format!("flux get kustomizations -n {org} && flux get helmreleases -n {org}")), Some(180)),
            })
            .collect()
    }

    fn preflight<'a>(&'a self, ports: &'a Ports) -> BoxFuture<'a, Preflight> {
        Box::pin(async move {
            let mut pre = Preflight::default();
            // The repository first: a work tree with someone's changes, or someone else's
            // onboarding branch, refuses the run before anything is written anywhere.
            match ports
                .git
                .preflight(&self.branch(), &self.commit_message())
                .await
            {
                Ok(git) => {
                    pre.problems.extend(git.problems);
                    pre.findings.extend(git.findings);
                }
                Err(e) => pre.problems.push(format!("GitOps repository: {e}")),
            }
            match ports.git.list(&self.template_dir()).await {
                Ok(files) if files.is_empty() => pre.problems.push(format!(
                    "the template organization {} is not in the GitOps repository",
                    self.template_dir()
                )),
                Ok(_) => {}
                Err(e) => pre.problems.push(format!("GitOps repository: {e}")),
            }
            match ports.git.list(&self.org_dir()).await {
                Ok(files) if !files.is_empty() => pre.findings.push(format!(
                    "{} exists already: the steps that are done will be skipped",
                    self.org_dir()
                )),
                Ok(_) => {}
                Err(e) => pre.problems.push(format!("GitOps repository: {e}")),
            }
            let kustomization = self.kustomization_path();
            match ports.git.read(&kustomization).await {
                // The registration must be an edit that provably keeps the list: found out now,
                // not after the cloud steps ran.
                Ok(Some(text)) => {
                    if let Err(e) = register(&text, &self.registration()) {
                        pre.problems.push(format!("{kustomization}: {e}"));
                    }
                }
                Ok(None) => pre.problems.push(format!(
                    "{kustomization} is not in the GitOps repository: is {} the cluster's name?",
                    self.cluster
                )),
                Err(e) => pre.problems.push(format!("GitOps repository: {e}")),
            }
            if let Err(e) = ports.git.read(CLUSTER_ISSUER_FILE).await {
                pre.problems.push(format!("GitOps repository: {e}"));
            }
            // The role and its policies go to the account the credentials act in, trusting the
            // OIDC provider of the account the input names: the two must be the same.
            match ports.cloud.caller_account().await {
                Ok(id) if id == self.account_id => {}
                Ok(id) => pre.problems.push(format!(
                    "account id {} (--account-id) is not the AWS account the credentials act in ({id}): the role and its policies would be created in {id}, trusting {}'s OIDC provider; use the credentials of account {} or give --account-id {id}",
                    self.account_id, self.account_id, self.account_id
                )),
                Err(e) => pre.problems.push(format!(
                    "cannot check account id {} (--account-id) against the AWS account the credentials act in: {e}",
                    self.account_id
                )),
            }
            // One port failing fails every read the same way: said once.
            pre.problems.dedup();
            pre
        })
    }

    fn check<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, bool> {
        let _ = state;
        Box::pin(async move {
            let dir = self.org_dir();
            Ok(match STEPS[step] {
                Step::Directory => ports
                    .git
                    .read(&format!("{dir}/kustomization.yaml"))
                    .await?
                    .is_some(),
                Step::NamespaceAndAccount => ports
                    .git
                    .read(&format!("{dir}/org-config/overlays/service-account.yaml"))
                    .await?
                    .is_some_and(|s| s.contains(&self.role_arn())),
                Step::Role => ports.cloud.role_arn(&self.role()).await?.is_some(),
                Step::Policies => {
                    ports.cloud.policy_arn(&self.policy("pre")).await?.is_some()
                        && ports.cloud.policy_arn(&self.policy("pro")).await?.is_some()
                }
                Step::Attach => {
                    let attached = ports.cloud.attached_policies(&self.role()).await?;
                    [
                        self.policy("pre"),
                        self.policy("pro"),
                        self.statics_policy.clone(),
                    ]
                    .iter()
                    .all(|p| attached.iter().any(|a| a.ends_with(&format!("/{p}"))))
                }
                Step::Secrets => {
                    let mut all = true;
                    for s in self.secret_names() {
                        all &= ports.cloud.secret_exists(&s).await?;
                    }
                    all
                }
                Step::Prefixes => {
                    let mut all = true;
                    for p in self.prefixes() {
                        all &= ports.cloud.prefix_exists(&self.statics_bucket, &p).await?;
                    }
                    all
                }
                // A check, not a change: it runs every time.
                Step::Dns => false,
                Step::Issuer => {
                    ports.git.read(CLUSTER_ISSUER_FILE).await?.is_some_and(|s| {
                        s.contains(&format!("name: letsencrypt-{}-prod", self.org))
                    })
                }
                Step::Register => match ports.git.read(&self.kustomization_path()).await? {
                    Some(text) => registered(&text, &self.registration()).map_err(|e| {
                        OpsError::Failed(format!("{}: {e}", self.kustomization_path()))
                    })?,
                    None => false,
                },
                Step::Commit => ports
                    .git
                    .find_commit(&self.branch(), &self.commit_message())
                    .await?
                    .is_some(),
                Step::Flux => false,
            })
        })
    }

    fn apply<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            let dir = self.org_dir();
            if matches!(
                STEPS[step],
                Step::Directory
                    | Step::NamespaceAndAccount
                    | Step::Issuer
                    | Step::Register
                    | Step::Commit
            ) {
                // Before anything is written: a clean work tree, on the onboarding branch (made
                // now, or this onboarding's own from an earlier run, checked out), never on
                // someone else's.
                ports
                    .git
                    .begin(&self.branch(), &self.commit_message())
                    .await?;
            }
            match STEPS[step] {
                Step::Directory => {
                    let template = self.template_dir();
                    for file in ports.git.list(&template).await? {
                        let rel = file.trim_start_matches(&template).trim_start_matches('/');
                        if !Self::keeps(rel) {
                            continue;
                        }
                        let content = ports.git.read(&file).await?.unwrap_or_default();
                        let renamed = content.replace(&self.template, &self.org);
                        ports.git.write(&format!("{dir}/{rel}"), &renamed).await?;
                    }
                }
                Step::NamespaceAndAccount => {
                    ports
                        .git
                        .write(
                            &format!("{dir}/org-config/namespace.yaml"),
                            &self.namespace_yaml(),
                        )
                        .await?;
                    ports
                        .git
                        .write(
                            &format!("{dir}/org-config/overlays/service-account.yaml"),
                            &self.service_account_yaml(),
                        )
                        .await?;
                }
                Step::Role => {
                    let arn = ports
                        .cloud
                        .create_role(&self.role(), &self.trust_policy())
                        .await?;
                    state.insert("role_arn".into(), arn);
                }
                Step::Policies => {
                    for env in ["pre", "pro"] {
                        let name = self.policy(env);
                        if ports.cloud.policy_arn(&name).await?.is_none() {
                            let arn = ports
                                .cloud
                                .create_policy(&name, &self.secrets_policy(env))
                                .await?;
                            state.insert(format!("{env}_policy_arn"), arn);
                        }
                    }
                }
                Step::Attach => {
                    let attached = ports.cloud.attached_policies(&self.role()).await?;
                    for p in [
                        self.policy("pre"),
                        self.policy("pro"),
                        self.statics_policy.clone(),
                    ] {
                        if attached.iter().any(|a| a.ends_with(&format!("/{p}"))) {
                            continue;
                        }
                        let arn = ports
                            .cloud
                            .policy_arn(&p)
                            .await?
                            .ok_or_else(|| OpsError::NotFound(format!("policy {p}")))?;
                        ports.cloud.attach_policy(&self.role(), &arn).await?;
                    }
                }
                Step::Secrets => {
                    for name in self.secret_names() {
                        if ports.cloud.secret_exists(&name).await? {
                            continue;
                        }
                        // Generated here and handed to the secret store only.
                        let doc = SecretDocument(vec![
                            SecretValue::generate("JWT_SECRET", 32),
                            SecretValue::generate("ADMIN_CODE", 12),
                        ]);
                        ports.cloud.create_secret(&name, &doc).await?;
                    }
                    // Their names (never their values) for the journal.
                    state.insert("secrets".into(), self.secret_names().join(","));
                }
                Step::Prefixes => {
                    for p in self.prefixes() {
                        if !ports.cloud.prefix_exists(&self.statics_bucket, &p).await? {
                            ports.cloud.create_prefix(&self.statics_bucket, &p).await?;
                        }
                    }
                }
                Step::Dns | Step::Flux => {}
                Step::Issuer => {
                    let current = ports
                        .git
                        .read(CLUSTER_ISSUER_FILE)
                        .await?
                        .unwrap_or_default();
                    if current.contains(&format!("name: letsencrypt-{}-prod", self.org)) {
                        // There on the branch an earlier run made.
                        return Ok(());
                    }
                    let mut next = current.clone();
                    if !next.is_empty() && !next.ends_with('\n') {
                        next.push('\n');
                    }
                    next.push_str(&self.cluster_issuer_yaml());
                    ports.git.write(CLUSTER_ISSUER_FILE, &next).await?;
                }
                Step::Register => {
                    let path = self.kustomization_path();
                    let current = ports
                        .git
                        .read(&path)
                        .await?
                        .ok_or_else(|| OpsError::NotFound(path.clone()))?;
                    let next = register(&current, &self.registration())
                        .map_err(|e| OpsError::Failed(format!("{path}: {e}")))?;
                    if next != current {
                        ports.git.write(&path, &next).await?;
                    }
                }
                Step::Commit => {
                    if ports
                        .git
                        .find_commit(&self.branch(), &self.commit_message())
                        .await?
                        .is_some()
                    {
                        return Err(exists(format!("commit on {}", self.branch())));
                    }
                    let sha = ports
                        .git
                        .commit(&self.branch(), &self.commit_message())
                        .await?;
                    state.insert("commit".into(), sha);
                }
            }
            Ok(())
        })
    }

    fn verify<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        Box::pin(async move {
            Ok(match STEPS[step] {
                Step::Dns => {
                    let addrs = ports.cloud.resolve(&self.domain).await?;
                    let lb = ports.cluster.ingress_address(&self.cluster).await?;
                    // The domain may be a CNAME of the balancer or resolve to its addresses.
                    let lb_addrs = match &lb {
                        Some(lb) => ports.cloud.resolve(lb).await?,
                        None => vec![],
                    };
                    let points = |lb: &String| {
                        addrs.contains(lb) || addrs.iter().any(|a| lb_addrs.contains(a))
                    };
                    match (addrs.is_empty(), lb) {
                        (true, _) => Verdict::Warn(format!(
                            "{} does not resolve yet: point it at the cluster's load balancer before cert-manager can issue (HTTP-01)",
                            self.domain
                        )),
                        (false, Some(lb)) if !points(&lb) => Verdict::Warn(format!(
                            "{} resolves to {} but the ingress is {lb}: cert-manager cannot validate until it points there",
                            self.domain,
                            addrs.join(", ")
                        )),
                        _ => Verdict::Done,
                    }
                }
                Step::Flux => {
                    let org = &self.org;
                    if !ports.cluster.namespace_exists(&self.cluster, org).await? {
                        return Ok(Verdict::Waiting {
                            progress: Some(0.0),
                            note: format!(
                                "namespace {org} not there yet (is {} merged?)",
                                self.branch()
                            ),
                        });
                    }
                    if ports
                        .cluster
                        .service_account_role(&self.cluster, org, org)
                        .await?
                        .as_deref()
                        != Some(self.role_arn().as_str())
                    {
                        return Ok(Verdict::Waiting {
                            progress: Some(0.25),
                            note: format!("service account {org} without the role annotation yet"),
                        });
                    }
                    match ports.cluster.kustomization(&self.cluster, org, org).await? {
                        Some(k) if k.ready == Some(true) => {}
                        Some(k) if k.ready == Some(false) && k.message.contains("failed") => {
                            return Ok(Verdict::Failed(format!(
                                "Kustomization {org}: {}",
                                k.message
                            )));
                        }
                        Some(k) => {
                            return Ok(Verdict::Waiting {
                                progress: Some(0.5),
                                note: format!("Kustomization {org}: {}", k.message),
                            });
                        }
                        None => {
                            return Ok(Verdict::Waiting {
                                progress: Some(0.5),
                                note: format!("Kustomization {org} not there yet"),
                            });
                        }
                    }
                    let hrs = ports.cluster.helm_releases(&self.cluster, org).await?;
                    let ready = hrs.iter().filter(|h| h.ready == Some(true)).count();
                    // A new organization may have no HelmRelease yet (spaces come later): all
                    // of none are Ready.
                    if ready < hrs.len() {
                        return Ok(Verdict::Waiting {
                            progress: Some(0.75 + 0.25 * ready as f64 / hrs.len() as f64),
                            note: format!("HelmReleases ready {ready}/{}", hrs.len()),
                        });
                    }
                    Verdict::Done
                }
                Step::Role
                    if !state.contains_key("role_arn")
                        && ports.cloud.role_arn(&self.role()).await?.is_none() =>
                {
                    Verdict::Failed(format!("role {} not found after creating it", self.role()))
                }
                _ => {
                    if self.check(step, ports, state).await? {
                        Verdict::Done
                    } else {
                        Verdict::Failed("the change is not there after applying it".into())
                    }
                }
            })
        })
    }

    fn follow_ups(&self) -> Vec<String> {
        vec![
            format!(
                "push {} and open a pull request: opsdeck never pushes",
                self.branch()
            ),
            format!(
                "add the spaces' HelmReleases under {}/<space>/{{pre,pro}} (see the deploying-an-application guide)",
                self.org_dir()
            ),
        ]
    }
}

/// A kustomization.yaml as far as the registration reads it.
#[derive(Deserialize)]
struct Kustomization {
    resources: Option<Vec<String>>,
}

/// The `resources:` list of a kustomization.yaml, parsed as YAML.
fn resources_of(kustomization: &str) -> Result<Vec<String>, String> {
    serde_saphyr::from_str::<Kustomization>(kustomization)
        .map(|k| k.resources.unwrap_or_default())
        .map_err(|e| {
            let e = e.to_string();
            let first = e.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
            let first = first.trim().trim_start_matches("error: ");
            format!("not a kustomization whose resources opsdeck can read ({first})")
        })
}

/// Whether `item` is in the `resources:` list.
fn registered(kustomization: &str, item: &str) -> Result<bool, String> {
    Ok(resources_of(kustomization)?.iter().any(|r| r == item))
}

/// Adds `item` to the `resources:` list of a kustomization.yaml as YAML, in the list's own style:
/// the new item goes right after the list's last one with the same indentation (`- x` at column
/// 0, as `kustomize edit` writes it, or `  - x`) and quoting; every other byte of the file is
/// kept. Unchanged when `item` is listed already. A list it cannot edit provably (a flow list
/// `[a, b]`, items over several lines, tabs) is refused with why, and the result is parsed again:
/// the list must have gained exactly `item` at its end and lost nothing.
fn register(kustomization: &str, item: &str) -> Result<String, String> {
    let before = resources_of(kustomization)?;
    if before.iter().any(|r| r == item) {
        return Ok(kustomization.to_string());
    }
    let lines: Vec<&str> = kustomization.split_inclusive('\n').collect();
    let keys: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("resources:"))
        .map(|(i, _)| i)
        .collect();
    let next = match keys[..] {
        [] if before.is_empty() => {
            // No list yet: one at the end, in the indented style.
            let mut next = kustomization.to_string();
            if !next.is_empty() && !next.ends_with('\n') {
                next.push('\n');
            }
            next.push_str(&format!("resources:\n  - {item}\n"));
            next
        }
        [k] => insert_item(&lines, k, item)?,
        _ => {
            return Err(format!(
                "its resources list is not one top-level `resources:` block that opsdeck can edit: add `{item}` to it by hand"
            ));
        }
    };
    let after = resources_of(&next)
        .map_err(|e| format!("adding {item} as text would break the file ({e}): add it by hand"))?;
    let mut expected = before;
    expected.push(item.to_string());
    if after != expected {
        return Err(format!(
            "adding {item} as text would not give the list with it added (it would read {after:?}): add it by hand"
        ));
    }
    Ok(next)
}

/// `lines` (with their line ends) with `item` added to the block list under the `resources:` key
/// on line `key`.
fn insert_item(lines: &[&str], key: usize, item: &str) -> Result<String, String> {
    let by_hand = |why: &str| {
        format!(
            "its resources list {why}: opsdeck edits only a block list of one-line items (`- item` each on its own line); add `{item}` by hand"
        )
    };
    let value = lines[key]["resources:".len()..].trim();
    if !value.is_empty() && !value.starts_with('#') {
        return Err(by_hand(&format!(
            "is written inline (`resources: {value}`, a flow list)"
        )));
    }
    // The list's items: their indentation, and the last one.
    let mut indent: Option<usize> = None;
    let mut last = None;
    for (i, line) in lines.iter().enumerate().skip(key + 1) {
        let text = line.trim_end_matches(['\n', '\r']);
        let content = text.trim_start_matches(' ');
        let col = text.len() - content.len();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if content.starts_with('\t') {
            return Err(by_hand("is indented with tabs"));
        }
        let is_item = content.starts_with("- ");
        match indent {
            None if is_item => {
                indent = Some(col);
                last = Some(i);
            }
            // The next key: the list is empty.
            None if col == 0 => break,
            None => return Err(by_hand("is not a list of items")),
            Some(ind) if col == ind && is_item => last = Some(i),
            // The next key, or the end of the document.
            Some(ind) if col < ind || (col == 0 && !is_item) => break,
            Some(_) => return Err(by_hand("has an item over several lines, or nested")),
        }
    }
    let (at, prefix, quote) = match last {
        Some(i) => {
            let text = lines[i].trim_end_matches(['\n', '\r']);
            let dash = text.len() - text.trim_start_matches(' ').len();
            let value = text[dash + 1..].trim_start_matches(' ');
            let prefix = &text[..text.len() - value.len()];
            let quote = match value.chars().next() {
                Some('"') => "\"",
                Some('\'') => "'",
                _ => "",
            };
            (i, prefix.to_string(), quote)
        }
        // `resources:` with no item yet: the indented style.
        None => (key, "  - ".to_string(), ""),
    };
    let eol = if lines[at].ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        if i == at {
            if !line.ends_with('\n') {
                out.push_str(eol);
            }
            out.push_str(&format!("{prefix}{quote}{item}{quote}{eol}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn inputs() -> CreateOrg {
        CreateOrg {
            org: "acme-games".into(),
            domain: "acmegames.io".into(),
            spaces: vec!["world".into(), "arena".into()],
            account_id: "111122223333".into(),
            oidc_provider_id: "5E1F3A0C9D2B4F6A8C7E".into(),
            cluster: "prod-cluster".into(),
            region: "eu-west-1".into(),
            template: "numinia".into(),
            statics_bucket: "numinia-statics".into(),
            statics_policy: "numinia-statics-bucket".into(),
        }
    }

    #[test]
    fn invalid_inputs_are_each_named() {
        let bad = CreateOrg {
            org: "Acme_Games".into(),
            domain: "acme".into(),
            account_id: "1234".into(),
            spaces: vec![],
            ..inputs()
        };
        let problems = CreateOrg::new(bad).unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:#?}");
    }

    #[test]
    fn policies_are_scoped_to_the_org_and_environment() {
        let c = inputs();
        assert!(
            c.trust_policy()
                .contains("system:serviceaccount:acme-games:acme-games")
        );
        assert!(
            c.trust_policy()
                .contains("oidc.eks.eu-west-1.amazonaws.com/id/5E1F3A0C9D2B4F6A8C7E:aud")
        );
        assert!(
            c.secrets_policy("pre")
                .contains("secret:hyperfy2-acme-games-*-pre-*")
        );
        assert_eq!(
            c.secret_names()[..2],
            [
                "hyperfy2-acme-games-world-pre",
                "hyperfy2-acme-games-world-pro"
            ]
        );
        assert_eq!(
            c.prefixes()[0],
            "hyperfy-spaces/acme-games/world/dev/assets/"
        );
    }

    #[test]
    fn template_files_kept_and_dropped() {
        assert!(CreateOrg::keeps("kustomization.yaml"));
        assert!(CreateOrg::keeps("flux-kustomization.yaml"));
        assert!(CreateOrg::keeps("pre-kustomization.yaml"));
        assert!(CreateOrg::keeps("pro-kustomization/kustomization.yaml"));
        assert!(CreateOrg::keeps("org-config/overlays/service-account.yaml"));
        assert!(!CreateOrg::keeps("world/pre/helmrelease.yaml"));
        assert!(!CreateOrg::keeps("vic/kustomization.yaml"));
    }

    #[test]
    fn registration_goes_into_resources() {
        let k = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - organizations/numinia\n  - organizations/r3s3t\npatches: []\n";
        let out = register(k, "organizations/acme").unwrap();
        assert_eq!(
            out,
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - organizations/numinia\n  - organizations/r3s3t\n  - organizations/acme\npatches: []\n"
        );
        assert_eq!(register(&out, "organizations/acme").unwrap(), out, "once");
        assert!(registered(&out, "organizations/acme").unwrap());
        assert!(!registered(k, "organizations/acme").unwrap());
        assert!(
            register("kind: Kustomization\n", "organizations/acme")
                .unwrap()
                .ends_with("resources:\n  - organizations/acme\n")
        );
    }

    #[test]
    fn registration_keeps_the_list_style() {
        // `kustomize edit` writes the items at column 0.
        assert_eq!(
            register(
                "resources:\n- organizations/numinia\n- organizations/r3s3t\n",
                "organizations/acme"
            )
            .unwrap(),
            "resources:\n- organizations/numinia\n- organizations/r3s3t\n- organizations/acme\n"
        );
        // Comments, the next key, quotes, CRLF and no final newline are kept.
        assert_eq!(
            register(
                "# the cluster\nresources:  # orgs\n    - \"organizations/numinia\"\n    # - organizations/old\n    - \"organizations/r3s3t\" # the other\n\n# tail\npatches:\n- path: p.yaml\n",
                "organizations/acme"
            )
            .unwrap(),
            "# the cluster\nresources:  # orgs\n    - \"organizations/numinia\"\n    # - organizations/old\n    - \"organizations/r3s3t\" # the other\n    - \"organizations/acme\"\n\n# tail\npatches:\n- path: p.yaml\n"
        );
        assert_eq!(
            register("resources:\r\n- a\r\n", "organizations/acme").unwrap(),
            "resources:\r\n- a\r\n- organizations/acme\r\n"
        );
        assert_eq!(
            register("resources:\n- a", "organizations/acme").unwrap(),
            "resources:\n- a\n- organizations/acme\n"
        );
        assert_eq!(
            register("resources:\nkind: Kustomization\n", "organizations/acme").unwrap(),
            "resources:\n  - organizations/acme\nkind: Kustomization\n"
        );
    }

    #[test]
    fn registration_refuses_what_it_cannot_edit_provably() {
        for (k, why) in [
            ("resources: [organizations/numinia]\n", "flow list"),
            ("resources: []\n", "flow list"),
            // The unindented item the old text edit appended: one item over two lines.
            (
                "resources:\n- organizations/numinia\n  - organizations/old\n",
                "several lines",
            ),
            (
                "resources:\n- organizations/numinia\n  more\n",
                "several lines",
            ),
            // Not read as YAML: never edited as text.
            ("resources:\n- a\nresources:\n- b\n", "duplicate"),
            ("resources:\n\t- a\n", "can read"),
            ("resources: {a: b}\n", "can read"),
            ("resources:\n- a\n---\nkind: Kustomization\n", "can read"),
        ] {
            let e = register(k, "organizations/acme").unwrap_err();
            assert!(e.contains(why), "{k:?}: {e}");
        }
    }
}
