//! create-org (seed 001): a new tenant organization on the platform cluster — its GitOps
//! directory, namespace and service account, IAM role and policies, Secrets Manager secrets, S3
//! prefixes, DNS check, ClusterIssuer, registration, a commit on `onboard/<org>`, and Flux
//! applying it. The inputs and what is not a step are here; the steps are in `steps.rs`, the
//! edit of the cluster's kustomization in `kustomization.rs`.

mod kustomization;
mod steps;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::from_world::{FromWorld, WorldHints, missing};
use super::inputs::{self, InputShape, InputSpec, Problems};
use super::ports::Ports;
use super::step::Step;
use super::{Preflight, Procedure, RunbookSpec};
use kustomization::register;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateOrg {
    pub org: String,
    pub domain: String,
    pub spaces: Vec<String>,
    /// Read from the world when not given (`read_from_world`); empty until then.
    #[serde(default, deserialize_with = "null_is_empty")]
    pub account_id: String,
    #[serde(default, deserialize_with = "null_is_empty")]
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

/// An optional input not given (null) is an empty text, which the validation names.
fn null_is_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Option::<String>::deserialize(d).map(Option::unwrap_or_default)
}

/// One line per field of `CreateOrg`: its CLI flag, form field and journal key.
const INPUTS: &[InputSpec] = &[
    InputSpec {
        key: "org",
        flag: "org",
        label: "organization",
        help: "Organization name (DNS-1123, at most 40 characters)",
        default: None,
        shape: InputShape::Text,
    },
    InputSpec {
        key: "domain",
        flag: "domain",
        label: "domain",
        help: "The organization's domain",
        default: None,
        shape: InputShape::Text,
    },
    InputSpec {
        key: "spaces",
        flag: "space",
        label: "spaces (comma-separated)",
        help: "A Hyperfy2 space (repeat for several)",
        default: None,
        shape: InputShape::List,
    },
    InputSpec {
        key: "account_id",
        flag: "account-id",
        label: "account id",
        help: "AWS account id (12 digits); read from sts:GetCallerIdentity when not given",
        default: None,
        shape: InputShape::Optional,
    },
    InputSpec {
        key: "oidc_provider_id",
        flag: "oidc-id",
        label: "OIDC provider id",
        help: "The cluster's EKS OIDC provider id; read from eks:DescribeCluster when not given",
        default: None,
        shape: InputShape::Optional,
    },
    InputSpec {
        key: "cluster",
        flag: "cluster",
        label: "cluster",
        help: "The platform cluster (its directory in the GitOps repository); typed to confirm",
        default: Some("prod-cluster"),
        shape: InputShape::Text,
    },
    InputSpec {
        key: "region",
        flag: "region",
        label: "region",
        help: "The cluster's region (its OIDC issuer)",
        default: Some("eu-west-1"),
        shape: InputShape::Text,
    },
    InputSpec {
        key: "template",
        flag: "template",
        label: "template organization",
        help: "The organization whose directory is copied",
        default: Some("numinia"),
        shape: InputShape::Text,
    },
    InputSpec {
        key: "statics_bucket",
        flag: "statics-bucket",
        label: "statics bucket",
        help: "The bucket that holds hyperfy-spaces/<org>/…",
        default: Some("numinia-statics"),
        shape: InputShape::Text,
    },
    InputSpec {
        key: "statics_policy",
        flag: "statics-policy",
        label: "statics policy",
        help: "The IAM policy that grants the statics bucket, attached to the org's role",
        default: Some("numinia-statics-bucket"),
        shape: InputShape::Text,
    },
];

const CLUSTER_ISSUER_FILE: &str = "infrastructure/networking/cert-manager/cluster-issuer.yaml";

impl Procedure for CreateOrg {
    const SPEC: RunbookSpec = RunbookSpec {
        name: "create-org",
        about: "Onboard a tenant organization on the platform cluster (seed 001)",
        inputs: INPUTS,
        build: inputs::build::<CreateOrg>,
        from_world: Some(FromWorld {
            keys: &["account_id", "oidc_provider_id"],
            read: read_from_world,
        }),
    };

    const STEPS: &'static [&'static dyn Step<CreateOrg>] = &[
        &steps::Directory,
        &steps::NamespaceAndAccount,
        &steps::Role,
        &steps::Policies,
        &steps::Attach,
        &steps::Secrets,
        &steps::Prefixes,
        &steps::Dns,
        &steps::Issuer,
        &steps::Register,
        &steps::Commit,
        &steps::Flux,
    ];

    fn validate(&self, p: &mut Problems) {
        p.input("org").dns_label("organization name", &self.org, 40);
        p.input("domain").domain("domain", &self.domain);
        // Ingress hosts and certificates name it without the root's dot.
        if self.domain.ends_with('.') {
            p.push(format!(
                "domain {:?} ends with a dot: write it as {}",
                self.domain,
                self.domain.trim_end_matches('.')
            ));
        }
        const READ: &str = "not given and not read from the world: type it (`opsdeck runbook create-org` reads it from the account and the cluster)";
        if self.account_id.is_empty() {
            p.input("account_id").push(format!("account id {READ}"));
        } else {
            p.input("account_id")
                .account_id("account id", &self.account_id);
        }
        let oidc = &self.oidc_provider_id;
        if oidc.is_empty() {
            p.input("oidc_provider_id")
                .push(format!("OIDC provider id {READ}"));
        } else if oidc.len() < 8 || !oidc.chars().all(|ch| ch.is_ascii_alphanumeric()) {
            p.input("oidc_provider_id").push(format!(
                "OIDC provider id {oidc:?} is not an EKS OIDC id (hex, e.g. from `aws eks describe-cluster --query cluster.identity.oidc.issuer`)"
            ));
        }
        p.input("cluster").dns_label("cluster", &self.cluster, 63);
        p.input("region").aws_region("region", &self.region);
        p.input("template")
            .dns_label("template", &self.template, 40);
        p.input("spaces");
        if self.spaces.is_empty() {
            p.push("no spaces: name at least one (--space world)");
        }
        for s in &self.spaces {
            p.dns_label("space", s, 30);
        }
        // A space named twice would have every per-space step (secrets, prefixes) run twice.
        p.unique("space", &self.spaces);
        p.input("statics_bucket")
            .s3_bucket("statics bucket", &self.statics_bucket);
        let policy = &self.statics_policy;
        if !(1..=128).contains(&policy.len())
            || !policy
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "+=,.@_-".contains(ch))
        {
            p.input("statics_policy").push(format!(
                "statics policy {policy:?} is not an IAM policy name: 1 to 128 letters, digits and +=,.@_-"
            ));
        }
        if self.org == self.template {
            p.input("org").push(format!(
                "organization {:?} is the template itself",
                self.org
            ));
        }
    }

    fn target(&self) -> String {
        self.cluster.clone()
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
            match ports.identity.caller_account().await {
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

/// The inputs the world can tell when they are not given (as the journal keys them): the
/// account id from STS (the account the credentials act in) and the OIDC provider id from
/// `eks:DescribeCluster` of the EKS cluster the `cluster` context points at (its ARN in the
/// kubeconfig names it and its region), else of the cluster of that name in `region`. Says
/// where each one came from, for the plan; refuses when one can be read from nowhere.
fn read_from_world<'a>(
    ports: &'a Ports,
    hints: &'a WorldHints,
    inputs: &'a mut serde_json::Value,
) -> BoxFuture<'a, Result<Vec<String>, String>> {
    Box::pin(async move {
        let mut read = Vec::new();
        if missing(inputs, "account_id") {
            let id = ports.identity.caller_account().await.map_err(|e| {
                format!("--account-id not given, and the AWS account could not be read: {e}")
            })?;
            read.push(format!(
                "account id {id}: read from sts:GetCallerIdentity (the account the credentials act in)"
            ));
            inputs["account_id"] = id.into();
        }
        if missing(inputs, "oidc_provider_id") {
            let context = inputs["cluster"].as_str().unwrap_or_default().to_string();
            let region = inputs["region"].as_str().unwrap_or_default().to_string();
            let (eks, region) = match hints.eks.get(&context) {
                Some((name, r)) => (name.clone(), r.clone().unwrap_or(region)),
                None => (context, region),
            };
            let id = ports
                .identity
                .oidc_provider_id(&eks, &region)
                .await
                .map_err(|e| format!("--oidc-id not given, and it could not be read: {e}"))?;
            read.push(format!(
                "OIDC provider id {id}: read from eks:DescribeCluster {eks} in {region} (identity.oidc.issuer)"
            ));
            inputs["oidc_provider_id"] = id.into();
        }
        Ok(read)
    })
}

impl CreateOrg {
    /// Validates the inputs: one message per problem.
    pub fn new(c: CreateOrg) -> Result<CreateOrg, Vec<String>> {
        inputs::checked(c).map_err(inputs::messages)
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

    /// The policies the role gets: the two secrets policies and the statics bucket's.
    fn role_policies(&self) -> [String; 3] {
        [
            self.policy("pre"),
            self.policy("pro"),
            self.statics_policy.clone(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Through the form, as an engineer would give them.
    pub fn acme() -> CreateOrg {
        let texts = [
            "acme-games",
            "acmegames.io",
            "world, arena",
            "111122223333",
            "5E1F3A0C9D2B4F6A8C7E",
            "prod-cluster",
            "eu-west-1",
            "numinia",
            "numinia-statics",
            "numinia-statics-bucket",
        ]
        .map(String::from);
        let values = inputs::form_values(&CreateOrg::SPEC, &texts);
        inputs::decode(&values).unwrap()
    }

    #[test]
    fn invalid_inputs_are_each_named() {
        let bad = CreateOrg {
            org: "Acme_Games".into(),
            domain: "acme".into(),
            account_id: "1234".into(),
            spaces: vec![],
            ..acme()
        };
        let problems = CreateOrg::new(bad.clone()).unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:#?}");
        // Each beside its field in the form.
        let keys: Vec<_> = inputs::checked(bad)
            .unwrap_err()
            .into_iter()
            .map(|p| p.key)
            .collect();
        assert_eq!(
            keys,
            [
                Some("org"),
                Some("domain"),
                Some("account_id"),
                Some("spaces")
            ]
        );
    }

    #[test]
    fn policies_are_scoped_to_the_org_and_environment() {
        let c = acme();
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
}
