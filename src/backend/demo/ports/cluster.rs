//! Flux on the demo's platform cluster: an organization committed on its onboarding branch is
//! applied a minute later (as after the merge), Ready soon after, its HelmReleases later; the
//! fleet gets its rows at each stage. The seed's organizations are there from the start.

use jiff::{SignedDuration, Timestamp};

use crate::backend::demo::incidents::Incidents;
use crate::backend::demo::seed::{self, Builder};
use crate::backend::demo::world::{DemoWorld, INGRESS, ok};
use crate::runbook::ports::{ClusterOps, FluxStatus, InCluster, OpsError, OpsFuture, Readiness};
use crate::store::Update;

/// How long Flux takes on the demo clock (seconds): to apply a merged organization, to make
/// its Kustomizations Ready, to install its HelmReleases.
const FLUX_APPLY_S: i64 = 60;
const FLUX_READY_S: i64 = 45;
const HELM_READY_S: i64 = 120;
/// The revision Flux applies an onboarding at (`MemoryGit`'s first commit).
const ONBOARD_REVISION: &str = "onboard@sha1:0b0a4d11";

impl DemoWorld {
    /// When Flux applies `org` (None: not committed yet).
    async fn flux(&self, org: &str) -> Result<Option<Timestamp>, OpsError> {
        if let Some(at) = self.state.lock().unwrap().applied.get(org) {
            return Ok(Some(*at));
        }
        let branch = format!("onboard/{org}");
        let message = format!("feat: add {org} organization");
        if self.git.find_commit(&branch, &message).await?.is_none() {
            return Ok(None);
        }
        let at = self.now() + SignedDuration::from_secs(FLUX_APPLY_S);
        self.state.lock().unwrap().applied.insert(org.into(), at);
        Ok(Some(at))
    }

    /// The new organization's rows once Flux applied and readied them; sent once per stage.
    async fn org_rows(&self, org: &str, applied: Timestamp) -> Result<(), OpsError> {
        let now = self.now();
        if now < applied {
            return Ok(());
        }
        let stage = if now >= applied + SignedDuration::from_secs(HELM_READY_S) {
            3
        } else if now >= applied + SignedDuration::from_secs(FLUX_READY_S) {
            2
        } else {
            1
        };
        let key = format!("org:{org}:{stage}");
        if !self.state.lock().unwrap().sent.insert(key) {
            return Ok(());
        }
        let domain = self.domain_of(org).await?;
        let spaces = self.spaces_of(org);
        let inc = Incidents::at(0.0);
        let mut b = Builder::new(now, now, &inc);
        let ctx = seed::PLATFORM_CONTEXT;
        let pre = format!("{org}-pre");
        b.org(ctx, org, &domain, vec![org.to_string(), pre.clone()]);
        if stage >= 2 {
            let base = format!("./clusters/{ctx}/organizations/{org}");
            b.ok_ks(ctx, org, org, &base, ONBOARD_REVISION);
            let pro = format!("{org}-pro");
            b.ok_ks(ctx, org, &pro, &format!("{base}/pro"), ONBOARD_REVISION);
            b.ok_ks(ctx, &pre, &pre, &format!("{base}/pre"), ONBOARD_REVISION);
        }
        if stage >= 3 {
            let repo = format!("{org}-charts");
            for space in &spaces {
                let name = format!("hyperfy2-{space}");
                b.ok_hr(ctx, org, &name, "hyperfy2", "0.4.2", &repo);
                b.ok_hr(ctx, &pre, &name, "hyperfy2", "0.4.3", &repo);
            }
        }
        self.send(b.rows.into_iter().map(Update::upsert).collect())
            .await;
        Ok(())
    }

    /// The organization's domain, when the repository has its ClusterIssuer.
    async fn domain_of(&self, org: &str) -> Result<String, OpsError> {
        let issuers = self
            .git
            .read("infrastructure/networking/cert-manager/cluster-issuer.yaml")
            .await?
            .unwrap_or_default();
        Ok(if issuers.contains(&format!("letsencrypt-{org}-prod")) {
            format!("{org}.numinia.xyz")
        } else {
            String::new()
        })
    }

    /// The organization's spaces, from the secrets create-org made for them.
    fn spaces_of(&self, org: &str) -> Vec<String> {
        let w = self.state.lock().unwrap();
        let prefix = format!("hyperfy2-{org}-");
        let mut spaces: Vec<String> = w
            .secrets
            .keys()
            .filter_map(|s| {
                s.strip_prefix(&prefix)?
                    .strip_suffix("-pro")
                    .map(str::to_string)
            })
            .collect();
        spaces.sort();
        spaces
    }
}

impl ClusterOps for DemoWorld {
    fn namespace_exists<'a>(&'a self, _: &'a str, ns: &'a str) -> OpsFuture<'a, bool> {
        Box::pin(async move {
            if seed::ORGS
                .iter()
                .any(|o| o.name == ns || format!("{}-pre", o.name) == ns)
            {
                return Ok(true);
            }
            let Some(at) = self.flux(ns).await? else {
                return Ok(false);
            };
            self.org_rows(ns, at).await?;
            Ok(self.now() >= at)
        })
    }

    fn service_account_role<'a>(&'a self, obj: InCluster<'a>) -> OpsFuture<'a, Option<String>> {
        let InCluster { cluster, ns, name } = obj;
        Box::pin(async move {
            if !self.namespace_exists(cluster, ns).await? {
                return Ok(None);
            }
            let path = format!(
                "clusters/{cluster}/organizations/{ns}/org-config/overlays/service-account.yaml"
            );
            let sa = self.git.read(&path).await?.unwrap_or_default();
            if !sa.contains(&format!("name: {name}")) {
                return Ok(None);
            }
            Ok(sa.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("eks.amazonaws.com/role-arn: ")
                    .map(str::to_string)
            }))
        })
    }

    fn kustomization<'a>(&'a self, obj: InCluster<'a>) -> OpsFuture<'a, Option<FluxStatus>> {
        let InCluster { ns, name, .. } = obj;
        Box::pin(async move {
            let Some(at) = self.flux(ns).await? else {
                return Ok(None);
            };
            self.org_rows(ns, at).await?;
            let now = self.now();
            if now < at {
                return Ok(None);
            }
            Ok(Some(FluxStatus::settling(
                name,
                now >= at + SignedDuration::from_secs(FLUX_READY_S),
                &format!("Applied revision: {ONBOARD_REVISION}"),
                "Reconciliation in progress",
            )))
        })
    }

    fn helm_releases<'a>(&'a self, _: &'a str, ns: &'a str) -> OpsFuture<'a, Vec<FluxStatus>> {
        Box::pin(async move {
            let Some(at) = self.flux(ns).await? else {
                return Ok(vec![]);
            };
            self.org_rows(ns, at).await?;
            let ready = self.now() >= at + SignedDuration::from_secs(HELM_READY_S);
            Ok(self
                .spaces_of(ns)
                .into_iter()
                .map(|s| {
                    FluxStatus::settling(
                        format!("hyperfy2-{s}"),
                        ready,
                        "Helm install succeeded",
                        "Running 'install' action",
                    )
                })
                .collect())
        })
    }

    fn ingress_address<'a>(&'a self, _: &'a str) -> OpsFuture<'a, Option<String>> {
        ok(Some(INGRESS.to_string()))
    }

    fn cluster_ready<'a>(&'a self, cluster: &'a str) -> OpsFuture<'a, Readiness> {
        ok(Readiness::yes(format!("{cluster}: Flux Ready")))
    }
}
