//! The seed fleet, from the documents in `shared/seeds/`: the numinia multi-tenant EKS + Flux
//! platform (eu-west-1), FORGE on EKS (us-west-2), helpdev's isolated us-east-1/sa-east-1
//! regions with Route53 failover, and phenom on ECS Fargate with RDS PostgreSQL 17.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::incidents::{ArgoPhase, Incidents, PERIOD, UpgradePhase};
use super::objects::{self, CertSpec, HrSpec, KsSpec, condition, not_ready, ready};
use super::workloads::{self, Release};
use crate::model::kinds::certificate::expiring_in;
use crate::model::kinds::cluster::Cluster;
use crate::model::kinds::db_instance::{DbInstance, Snapshot};
use crate::model::kinds::ecs_service::{EcsService, TargetGroupHealth};
use crate::model::kinds::organization::Organization;
use crate::model::kinds::project_object;
use crate::model::kinds::region::{Alarm, FailoverRecord, HealthCheck, Region};
use crate::model::kinds::series::Series;
use crate::model::{Facts, Kind, Row, RowId, Scope};
use crate::runbook::ports::RoutedRecord;

/// A tenant organization of the numinia platform.
pub struct OrgSeed {
    pub name: &'static str,
    pub domain: &'static str,
    pub spaces: &'static [&'static str],
    pub agents: &'static [&'static str],
    pub cert_days: i64,
}

pub const PLATFORM_CONTEXT: &str = "prod-cluster";

pub const ORGS: &[OrgSeed] = &[
    OrgSeed {
        name: "numen-games",
        domain: "numengames.com",
        spaces: &["world", "arena"],
        agents: &["guide"],
        cert_days: 61,
    },
    OrgSeed {
        name: "active-inference",
        domain: "activeinference.org",
        spaces: &["lab"],
        agents: &["researcher", "tutor"],
        cert_days: 47,
    },
    OrgSeed {
        name: "art-unchained",
        domain: "artunchained.com",
        spaces: &["gallery", "studio"],
        agents: &[],
        cert_days: 33,
    },
    OrgSeed {
        name: "numinia",
        domain: "numinia.xyz",
        spaces: &["world", "vic", "plaza"],
        agents: &["numi"],
        cert_days: 74,
    },
    // Its certificate expires in 5 days: the renewal is stuck.
    OrgSeed {
        name: "r3s3t",
        domain: "r3s3t.io",
        spaces: &["hub"],
        agents: &["r3s3t"],
        cert_days: 5,
    },
];

/// The incidents' fixed targets.
pub const FAILING_RELEASE: (&str, &str) = ("numen-games", "hyperfy2-world");
pub const SUSPENDED_KUSTOMIZATION: (&str, &str) = ("art-unchained-pre", "art-unchained-pre");
pub const SHORT_ECS_SERVICE: (&str, &str) = ("phenom-prod-cluster", "functions");
/// The ECS service whose tasks run while they fail the ALB's health check.
pub const FAILING_TARGETS: (&str, &str) = ("phenom-prod-cluster", "graphql");
pub const VPN_CONTEXT: &str = "eks-prod-sae1";
/// The Argo CD Application whose rollout degrades after the calm (seed 003).
pub const ARGO_ROLLOUT: (&str, &str) = ("eks-prod-use1", "checkout-api");
/// Seed 003's GitOps repository, which its Argo CD Applications and ApplicationSets read.
pub const ARGO_REPO: &str = "https://github.com/helpdeveloper/platform-gitops.git";
/// Its revisions: the good one, and the merge that degrades it.
pub const ARGO_REVISIONS: (&str, &str) = (
    "77ab31e0c4d5b6a7f8e9d0c1b2a3f4e5d6c7b8a9",
    "c41d9e2f0a7b3c8d5e6f1a2b9c0d7e4f3a8b5c6d",
);
/// What Argo CD says of the degraded rollout.
pub const ARGO_DEGRADED: &str = "Deployment \"checkout-api\" exceeded its progress deadline";

/// Every source the seed fleet has: kube contexts, then AWS (account, region) pairs.
pub const KUBE_CONTEXTS: &[&str] = &[
    "prod-cluster",
    "forge-prod",
    "eks-hml-use1",
    "eks-prod-use1",
    "eks-prod-sae1",
];
pub const AWS_REGIONS: &[(&str, &str)] = &[
    ("numinia", "eu-west-1"),
    ("forge", "us-west-2"),
    ("helpdev-hml", "us-east-1"),
    ("helpdev-prod", "us-east-1"),
    ("helpdev-prod", "sa-east-1"),
    ("phenom", "us-east-1"),
];

pub fn aws_source(account: &str, region: &str) -> String {
    format!("aws:{account}/{region}")
}

/// helpdev's Route53 failover pair: `FAILOVER_RECORD` in `FAILOVER_ZONE`, one record a region.
pub const FAILOVER_ZONE: &str = "helpdev.io";
pub const FAILOVER_RECORD: &str = "api.helpdev.io";

/// One region of the failover pair, as the demo starts it: the fleet's region rows show it,
/// and the demo world's Route53 serves it and shifts it.
#[derive(Debug)]
pub struct FailoverSeed {
    pub account: &'static str,
    pub region: &'static str,
    /// The record's set identifier, also the region's short name in its health check's id and
    /// in the name that check probes.
    pub set_identifier: &'static str,
    /// PRIMARY at start (the other region is SECONDARY).
    pub primary: bool,
}

pub const FAILOVER: &[FailoverSeed] = &[
    FailoverSeed::new("helpdev-prod", "us-east-1", "use1", true),
    FailoverSeed::new("helpdev-prod", "sa-east-1", "sae1", false),
];

impl FailoverSeed {
    const fn new(
        account: &'static str,
        region: &'static str,
        set_identifier: &'static str,
        primary: bool,
    ) -> FailoverSeed {
        FailoverSeed {
            account,
            region,
            set_identifier,
            primary,
        }
    }

    /// The record's Route53 health check.
    pub fn health_check(&self) -> String {
        format!("hc-api-{}", self.set_identifier)
    }

    /// The region's record of the pair in a region row, with its health check: what Route53
    /// has now.
    pub fn routing(&self, primary: bool, healthy: bool, serving: bool) -> Region {
        Region {
            health_checks: vec![HealthCheck {
                id: self.health_check(),
                fqdn: format!("api.{}.helpdev.io", self.set_identifier),
                healthy: Some(healthy),
            }],
            failover: vec![FailoverRecord {
                zone: FAILOVER_ZONE.into(),
                record: FAILOVER_RECORD.into(),
                role: RoutedRecord::role_of(primary).into(),
                serving,
            }],
            ..Region::default()
        }
    }
}

/// The routing layer of `region` in `account` at start (none outside the failover pair):
/// healthy, the primary serving.
fn routing_at_start(account: &str, region: &str) -> Region {
    FAILOVER
        .iter()
        .find(|f| f.account == account && f.region == region)
        .map(|f| f.routing(f.primary, true, f.primary))
        .unwrap_or_default()
}

/// Builds rows at one moment of the simulation.
pub struct Builder<'a> {
    pub origin: Timestamp,
    pub now: Timestamp,
    pub inc: &'a Incidents,
    pub rows: Vec<Row>,
    sources: std::collections::HashMap<String, Arc<str>>,
    /// The Kustomization (namespace, name) that applies the Flux objects added now.
    applier: (String, String),
    /// Whether a HelmRelease brings its workloads (the seed's do; `--scale`'s synthetic
    /// clusters are Flux objects only).
    pub workloads: bool,
    /// The GitRepositories made, by (context, namespace): Kustomizations apply from
    /// flux-system's.
    gits: std::collections::HashMap<(String, String), String>,
    /// The HelmRepositories made, by (context, name): their namespace.
    helm_repos: std::collections::HashMap<(String, String), String>,
}

impl<'a> Builder<'a> {
    pub fn new(origin: Timestamp, now: Timestamp, inc: &'a Incidents) -> Self {
        Builder {
            origin,
            now,
            inc,
            rows: Vec::new(),
            sources: Default::default(),
            applier: ("flux-system".into(), "flux-system".into()),
            workloads: false,
            gits: Default::default(),
            helm_repos: Default::default(),
        }
    }

    /// The GitRepository the context's Kustomizations apply from, (namespace, name): the one
    /// bootstrapped in flux-system (the organizations' own repositories are for their teams).
    pub fn git_source(&self, context: &str) -> (String, String) {
        let ns = "flux-system";
        let name = self
            .gits
            .get(&(context.to_string(), ns.to_string()))
            .cloned()
            .unwrap_or_else(|| "flux-system".into());
        (ns.into(), name)
    }

    /// Where the HelmRepository `repository` of `context` is; `namespace` (Flux's default,
    /// the release's) when none was made.
    pub fn repository_namespace(&self, context: &str, repository: &str, namespace: &str) -> String {
        self.helm_repos
            .get(&(context.to_string(), repository.to_string()))
            .cloned()
            .unwrap_or_else(|| namespace.to_string())
    }

    /// The Flux objects added from now on are applied by the Kustomization `namespace/name`.
    pub fn applied_by(&mut self, namespace: &str, name: &str) {
        self.applier = (namespace.into(), name.into());
    }

    /// A time `s` simulated seconds after the origin.
    pub fn at(&self, s: i64) -> Timestamp {
        self.origin
            .checked_add(SignedDuration::from_secs(s))
            .unwrap_or(self.origin)
    }

    /// A time `s` seconds before the origin (for things that happened before the demo began).
    pub fn ago(&self, s: i64) -> Timestamp {
        self.at(-s)
    }

    fn source(&mut self, name: &str) -> Arc<str> {
        self.sources
            .entry(name.to_string())
            .or_insert_with(|| name.into())
            .clone()
    }

    pub fn kube(&mut self, context: &str, obj: Value) {
        let src = self.source(context);
        let row =
            project_object(&obj, context, src, self.now).expect("demo objects are well-formed");
        self.rows.push(row);
    }

    pub fn aws(&mut self, kind: Kind, scope: Scope, name: &str, mut facts: Facts) {
        if let Facts::DbInstance(d) = &mut facts {
            // Where DescribeDBInstances says the instance answers.
            d.endpoint.get_or_insert_with(|| {
                format!("{name}.c7x2k9q4m1zp.{}.rds.amazonaws.com", scope.region())
            });
        }
        let src = self.source(&aws_source(
            scope.account(),
            scope.region.as_deref().unwrap_or(name),
        ));
        self.rows.push(Row::new(
            RowId::new(kind, scope, name),
            src,
            facts,
            vec![],
            self.now,
        ));
    }

    pub fn org(&mut self, context: &str, name: &str, domain: &str, namespaces: Vec<String>) {
        let src = self.source(context);
        let facts = Facts::Organization(Organization {
            domain: Some(domain.into()),
            namespaces,
            ..Default::default()
        });
        let scope = Scope {
            context: Some(context.into()),
            ..Scope::default()
        };
        self.rows.push(Row::new(
            RowId::new(Kind::Organization, scope, name),
            src,
            facts,
            vec![],
            self.now,
        ));
    }

    pub fn ok_ks(
        &mut self,
        context: &str,
        namespace: &str,
        name: &str,
        path: &str,
        revision: &str,
    ) {
        let cond = vec![ready(
            "ReconciliationSucceeded",
            &format!("Applied revision: {revision}"),
            self.ago(3600),
        )];
        let applier = self.applier.clone();
        let source = self.git_source(context);
        self.kube(
            context,
            objects::kustomization(KsSpec {
                applied_by: (&applier.0, &applier.1),
                namespace,
                name,
                path,
                revision,
                suspended: false,
                conditions: cond,
                source: (&source.0, &source.1),
            }),
        );
    }

    pub fn ok_hr(
        &mut self,
        context: &str,
        namespace: &str,
        name: &str,
        chart: &str,
        version: &str,
        repository: &str,
    ) {
        let msg = format!(
            "Helm upgrade succeeded for release {namespace}/{name}.v3 with chart {chart}@{version}"
        );
        let cond = vec![
            ready("UpgradeSucceeded", &msg, self.ago(7200)),
            condition("Released", "True", "UpgradeSucceeded", &msg, self.ago(7200)),
        ];
        let applier = self.applier.clone();
        let repository_namespace = self.repository_namespace(context, repository, namespace);
        self.kube(
            context,
            objects::helm_release(HrSpec {
                applied_by: (&applier.0, &applier.1),
                namespace,
                name,
                chart,
                version,
                repository,
                repository_namespace: &repository_namespace,
                attempted: version,
                upgrade_failures: 0,
                conditions: cond,
            }),
        );
        self.release_workloads(Release {
            argo: false,
            stuck_since: None,
            context,
            namespace,
            name,
            chart,
            version,
        });
    }

    /// A seed-003 Argo CD Application of `chart` at `version` in `namespace`, with its
    /// workloads, in `phase` of the rollout incident (the others are always in sync).
    #[allow(clippy::too_many_arguments)]
    pub fn argo_app(
        &mut self,
        context: &str,
        namespace: &str,
        name: &str,
        chart: &str,
        version: &str,
        env: &str,
        phase: ArgoPhase,
    ) {
        let path = format!("apps/{namespace}/{name}/overlays/{env}");
        let (good, merged) = ARGO_REVISIONS;
        let rollout = (context, name) == ARGO_ROLLOUT;
        // (Git's revision, the synced one, Argo CD's health, the Deployment's sync and health)
        let (revision, deployed, health, deployment) = match phase {
            ArgoPhase::InSync => (good, good, ("Healthy", None), ("Synced", "Healthy")),
            ArgoPhase::OutOfSync => (merged, good, ("Healthy", None), ("OutOfSync", "Healthy")),
            ArgoPhase::Degraded => (
                merged,
                merged,
                ("Degraded", Some(ARGO_DEGRADED)),
                ("Synced", "Degraded"),
            ),
        };
        let sync = if phase == ArgoPhase::OutOfSync {
            "OutOfSync"
        } else {
            "Synced"
        };
        let resources = vec![
            ("Deployment", name.to_string(), deployment.0, deployment.1),
            ("Service", name.to_string(), "Synced", "Healthy"),
        ];
        // The last sync: the rollout's at 390 s, the sync back at 480 s (of this cycle, or the
        // last one's before 390 s); every other app's long before the demo began.
        let synced_at = match (rollout, self.inc.argo_since) {
            (false, _) => self.ago(7200),
            (true, 390) => self.at(self.inc.absolute(390)),
            (true, 480) => self.at(self.inc.absolute(480)),
            (true, _) if self.inc.cycle == 0 => self.ago(7200),
            (true, _) => self.at(self.inc.absolute(480) - i64::from(PERIOD)),
        };
        self.kube(
            context,
            objects::argo_application(objects::ArgoSpec {
                name,
                project: "helpdev",
                repo: ARGO_REPO,
                path: &path,
                destination_namespace: namespace,
                sync,
                health,
                revision,
                deployed_revision: deployed,
                auto_sync: env != "hml",
                resources,
                synced_at,
            }),
        );
        self.release_workloads(Release {
            argo: true,
            stuck_since: (phase == ArgoPhase::Degraded).then(|| self.at(self.inc.absolute(390))),
            context,
            namespace,
            name,
            chart,
            version,
        });
    }

    /// What a release's chart runs, when this builder brings workloads (the seed's do).
    fn release_workloads(&mut self, release: Release<'_>) {
        if self.workloads {
            workloads::of_release(self, &release);
        }
    }

    pub fn ok_cert(
        &mut self,
        context: &str,
        namespace: &str,
        name: &str,
        dns: &[&str],
        issuer: &str,
        days: i64,
    ) {
        // Hours past the whole days: "expires in 5 d" reads the same for the next hours, not 4
        // a second after the start.
        let not_after = expiring_in(self.origin, days)
            .checked_add(jiff::SignedDuration::from_hours(6))
            .unwrap_or(self.origin);
        let cond = vec![ready(
            "Ready",
            "Certificate is up to date and has not expired",
            self.ago(86_400 * (90 - days).max(1)),
        )];
        self.kube(
            context,
            objects::certificate(CertSpec {
                namespace,
                name,
                dns_names: dns.iter().map(|s| s.to_string()).collect(),
                issuer,
                not_after,
                renewal_time: expiring_in(not_after, -30),
                conditions: cond,
            }),
        );
    }

    pub fn git(&mut self, context: &str, namespace: &str, name: &str, url: &str, revision: &str) {
        self.gits
            .insert((context.into(), namespace.into()), name.into());
        let at = self.ago(600);
        self.kube(
            context,
            objects::source("GitRepository", namespace, name, url, revision, at),
        );
    }

    pub fn helm_repo(&mut self, context: &str, namespace: &str, name: &str, url: &str) {
        self.helm_repos
            .insert((context.into(), name.into()), namespace.into());
        let at = self.ago(900);
        self.kube(
            context,
            objects::source(
                "HelmRepository",
                namespace,
                name,
                url,
                "sha256:9c1e2b7d",
                at,
            ),
        );
    }
}

pub fn build(b: &mut Builder<'_>) {
    b.workloads = true;
    numinia(b);
    forge(b);
    helpdev(b);
    phenom(b);
}

fn eks(
    b: &mut Builder<'_>,
    account: &str,
    region: &str,
    name: &str,
    version: &str,
    nodes: u32,
    reachable: bool,
) {
    let facts = Facts::Cluster(Cluster {
        provider: "EKS".into(),
        status: "ACTIVE".into(),
        version: version.into(),
        platform_version: Some("eks.12".into()),
        endpoint: Some(format!(
            "https://{:X}.gr7.{region}.eks.amazonaws.com",
            name.len() * 0x1F3A9
        )),
        api_reachable: Some(reachable),
        server_version: reachable.then(|| format!("v{version}.4-eks-2d98532")),
        nodes: reachable.then_some(nodes),
        api_error: (!reachable)
            .then(|| "API server unreachable: connection timed out (VPN?)".to_string()),
        kube_context: Some(name.into()),
        ..Cluster::default()
    });
    b.aws(
        Kind::Cluster,
        Scope::aws(account, region).with_context(name),
        name,
        facts,
    );
}

fn region(b: &mut Builder<'_>, account: &str, region: &str, facts: Region) {
    let scope = Scope {
        account: Some(account.into()),
        ..Scope::default()
    };
    b.aws(Kind::Region, scope, region, Facts::Region(facts));
}

fn alarm(name: &str, firing: bool, target: &str) -> Alarm {
    Alarm {
        name: name.into(),
        state: if firing { "ALARM" } else { "OK" }.into(),
        reason: if firing {
            "Threshold Crossed: 3 out of the last 3 datapoints [94.2, 91.7, 93.0] were greater than the threshold (80.0)".into()
        } else {
            "Threshold Crossed: no datapoints were greater than the threshold (80.0)".into()
        },
        target: Some(target.into()),
    }
}

fn db(
    engine_version: &str,
    class: &str,
    multi_az: bool,
    storage: u32,
    free: f64,
    env: &str,
    snapshots: Vec<Snapshot>,
) -> DbInstance {
    DbInstance {
        engine: "postgres".into(),
        engine_version: engine_version.into(),
        class: class.into(),
        status: "available".into(),
        multi_az,
        storage_gb: storage,
        free_storage_gb: Some(free),
        endpoint: None,
        backup_window: Some("03:00-04:00".into()),
        pending_modifications: vec![],
        environment: Some(env.into()),
        metrics: vec![
            wave("CPU %", 35.0, 20.0, storage as f64),
            wave("free storage GB", free, 1.5, 3.0),
        ],
        snapshots,
    }
}

/// A made-up but plausible series of 36 five-minute points for the demo's sparklines.
fn wave(name: &str, base: f64, amplitude: f64, phase: f64) -> Series {
    Series {
        name: name.into(),
        points: (0..36)
            .map(|i| {
                let x = i as f64 / 5.0 + phase;
                (base + amplitude * (x.sin() * 0.7 + (x * 2.3).cos() * 0.3)).max(0.0)
            })
            .collect(),
    }
}

fn daily_snapshots(b: &Builder<'_>, instance: &str, days: i64) -> Vec<Snapshot> {
    (0..days)
        .map(|d| {
            let created = b.ago(9 * 3600 + d * 86_400);
            Snapshot {
                id: format!("rds:{instance}-{}", created.strftime("%Y-%m-%d-%H-%M")),
                created,
                status: "available".into(),
                snapshot_type: "automated".into(),
            }
        })
        .collect()
}

fn numinia(b: &mut Builder<'_>) {
    let ctx = PLATFORM_CONTEXT;
    let rev = "main@sha1:5f1c2e7a";
    eks(b, "numinia", "eu-west-1", ctx, "1.31", 6, true);
    region(
        b,
        "numinia",
        "eu-west-1",
        Region {
            alarms: vec![
                alarm("prod-cluster-node-cpu-high", false, ctx),
                alarm(
                    "numinia-prod-postgres-free-storage",
                    false,
                    "numinia-prod-postgres",
                ),
            ],
            ..Region::default()
        },
    );
    let snaps = daily_snapshots(b, "numinia-prod-postgres", 3);
    b.aws(
        Kind::DbInstance,
        Scope::aws("numinia", "eu-west-1"),
        "numinia-prod-postgres",
        Facts::DbInstance(db(
            "16.3",
            "db.t3.medium",
            false,
            100,
            58.0,
            "production",
            snaps,
        )),
    );

    b.git(
        ctx,
        "flux-system",
        "flux-system",
        "ssh://git@github.com/numinia/numinia-k8s",
        rev,
    );
    b.applied_by("flux-system", "flux-system");
    workloads::flux_controllers(b, ctx);
    b.ok_ks(
        ctx,
        "flux-system",
        "flux-system",
        "./clusters/prod-cluster",
        rev,
    );
    b.ok_ks(
        ctx,
        "flux-system",
        "infrastructure",
        "./infrastructure",
        rev,
    );
    b.applied_by("flux-system", "infrastructure");
    b.ok_hr(
        ctx,
        "cert-manager",
        "cert-manager",
        "cert-manager",
        "v1.16.2",
        "jetstack",
    );
    b.ok_hr(ctx, "traefik", "traefik", "traefik", "33.2.1", "traefik");

    for (i, org) in ORGS.iter().enumerate() {
        let pre = format!("{}-pre", org.name);
        b.org(
            ctx,
            org.name,
            org.domain,
            vec![org.name.to_string(), pre.clone()],
        );
        b.git(
            ctx,
            org.name,
            org.name,
            &format!("ssh://git@github.com/numinia/{}-config", org.name),
            &format!(
                "main@sha1:{:08x}",
                0x3a7f_10c2u32.wrapping_mul(i as u32 + 1)
            ),
        );
        b.helm_repo(
            ctx,
            org.name,
            &format!("{}-charts", org.name),
            "https://charts.numinia.xyz",
        );
        let base = format!("./clusters/prod-cluster/organizations/{}", org.name);
        b.applied_by("flux-system", "flux-system");
        b.ok_ks(
            ctx,
            org.name,
            &format!("{}-pro", org.name),
            &format!("{base}/pro"),
            rev,
        );
        if (pre.as_str(), pre.as_str()) == SUSPENDED_KUSTOMIZATION {
            // Suspended five days ago at the revision it last applied; the source moved on.
            let cond = vec![ready(
                "ReconciliationSucceeded",
                "Applied revision: main@sha1:1b9d0c44",
                b.ago(5 * 86_400),
            )];
            let source = b.git_source(ctx);
            b.kube(
                ctx,
                objects::kustomization(KsSpec {
                    applied_by: objects::ROOT,
                    namespace: &pre,
                    name: &pre,
                    path: &format!("{base}/pre"),
                    revision: "main@sha1:1b9d0c44",
                    suspended: true,
                    conditions: cond,
                    source: (&source.0, &source.1),
                }),
            );
        } else {
            b.ok_ks(ctx, &pre, &pre, &format!("{base}/pre"), rev);
        }
        let repo = format!("{}-charts", org.name);
        let pro = format!("{}-pro", org.name);
        for space in org.spaces {
            let name = format!("hyperfy2-{space}");
            b.applied_by(&pre, &pre);
            b.ok_hr(ctx, &pre, &name, "hyperfy2", "0.4.3", &repo);
            b.applied_by(org.name, &pro);
            if (org.name, name.as_str()) == FAILING_RELEASE {
                failing_release(b, org.name, &name, &repo);
            } else {
                b.ok_hr(ctx, org.name, &name, "hyperfy2", "0.4.2", &repo);
            }
        }
        b.applied_by(org.name, &pro);
        for agent in org.agents {
            b.ok_hr(
                ctx,
                org.name,
                &format!("elizaos-{agent}"),
                "elizaos",
                "1.2.0",
                &repo,
            );
        }
        let wildcard = format!("*.{}", org.domain);
        b.ok_cert(
            ctx,
            org.name,
            &format!("{}-tls", org.name),
            &[org.domain, &wildcard],
            &format!("letsencrypt-{}-prod", org.name),
            org.cert_days,
        );
    }
}

/// The HelmRelease whose upgrade fails, is rolled back, is retried and succeeds.
fn failing_release(b: &mut Builder<'_>, ns: &str, name: &str, repo: &str) {
    let since = b.at(b.inc.absolute(b.inc.upgrade_since));
    let failed_msg = format!(
        "Helm upgrade failed for release {ns}/{name} with chart hyperfy2@0.4.3: context deadline exceeded"
    );
    let (version, failures, conditions) = match b.inc.upgrade {
        UpgradePhase::Failing => (
            "0.4.2",
            1,
            vec![
                not_ready("UpgradeFailed", &failed_msg, since),
                condition("Released", "False", "UpgradeFailed", &failed_msg, since),
            ],
        ),
        UpgradePhase::Remediated => (
            "0.4.2",
            1,
            vec![
                not_ready("UpgradeFailed", &failed_msg, b.at(b.inc.absolute(0))),
                condition(
                    "Remediated",
                    "True",
                    "RollbackSucceeded",
                    &format!(
                        "Helm rollback to previous release {ns}/{name}.v2 with chart hyperfy2@0.4.2 succeeded"
                    ),
                    since,
                ),
            ],
        ),
        UpgradePhase::Retrying => (
            "0.4.2",
            1,
            vec![
                condition(
                    "Ready",
                    "Unknown",
                    "Progressing",
                    "Running 'upgrade' action with timeout of 5m0s",
                    since,
                ),
                condition(
                    "Reconciling",
                    "True",
                    "Progressing",
                    "Running 'upgrade' action with timeout of 5m0s",
                    since,
                ),
            ],
        ),
        UpgradePhase::Upgraded => (
            "0.4.3",
            0,
            vec![
                ready(
                    "UpgradeSucceeded",
                    &format!(
                        "Helm upgrade succeeded for release {ns}/{name}.v3 with chart hyperfy2@0.4.3"
                    ),
                    since,
                ),
                condition(
                    "Released",
                    "True",
                    "UpgradeSucceeded",
                    "Helm upgrade succeeded",
                    since,
                ),
            ],
        ),
    };
    let pro = format!("{ns}-pro");
    let repository_namespace = b.repository_namespace(PLATFORM_CONTEXT, repo, ns);
    b.kube(
        PLATFORM_CONTEXT,
        objects::helm_release(HrSpec {
            applied_by: (ns, &pro),
            namespace: ns,
            name,
            chart: "hyperfy2",
            version,
            repository: repo,
            repository_namespace: &repository_namespace,
            attempted: "0.4.3",
            upgrade_failures: failures,
            conditions,
        }),
    );
    workloads::failing_release_workload(b, PLATFORM_CONTEXT);
}

/// Seed 002's Redis 7.1 beside RDS: three nodes across the region's zones, failover on; in
/// the eviction storm its memory fills and it throws keys away, climbing.
fn forge_redis(b: &mut Builder<'_>) {
    use crate::model::kinds::cache_group::{CacheGroup, CacheNode};
    let storm = b.inc.redis_evicting;
    let node = |n: u32, role: &str, zone: &str| CacheNode {
        id: format!("forge-prod-redis-00{n}"),
        role: role.into(),
        zone: zone.into(),
        status: Some("available".into()),
    };
    let (memory, evictions) = if storm {
        let memory = Series {
            name: "memory %".into(),
            points: (0..36).map(|i| 62.0 + (i as f64 * 1.1).min(37.4)).collect(),
        };
        let evictions = Series {
            name: "evictions".into(),
            points: (0..36)
                .map(|i| {
                    if i < 30 {
                        0.0
                    } else {
                        150.0 * 2f64.powi(i - 30)
                    }
                })
                .collect(),
        };
        (memory, evictions)
    } else {
        (
            wave("memory %", 58.0, 4.0, 1.0),
            Series {
                name: "evictions".into(),
                points: vec![0.0; 36],
            },
        )
    };
    b.aws(
        Kind::CacheGroup,
        Scope::aws("forge", "us-west-2"),
        "forge-prod-redis",
        Facts::CacheGroup(CacheGroup {
            status: "available".into(),
            engine: "redis".into(),
            engine_version: Some("7.1.0".into()),
            node_type: "cache.r7g.large".into(),
            automatic_failover: "enabled".into(),
            multi_az: true,
            cluster_mode: false,
            endpoint: Some("master.forge-prod-redis.x1y2z3.usw2.cache.amazonaws.com".into()),
            nodes: vec![
                node(1, "primary", "us-west-2a"),
                node(2, "replica", "us-west-2b"),
                node(3, "replica", "us-west-2c"),
            ],
            pending_modifications: vec![],
            metrics: vec![
                wave("CPU %", 18.0, 6.0, 0.5),
                wave("engine CPU %", if storm { 71.0 } else { 22.0 }, 8.0, 0.3),
                memory,
                evictions,
                wave("replication lag s", 0.05, 0.04, 2.0),
            ],
        }),
    );
}

fn forge(b: &mut Builder<'_>) {
    let ctx = "forge-prod";
    let rev = "main@sha1:c0ffee42";
    eks(b, "forge", "us-west-2", ctx, "1.30", 9, true);
    region(
        b,
        "forge",
        "us-west-2",
        Region {
            alarms: vec![
                alarm("forge-prod-mcp-database-errors", false, "mcp-database"),
                alarm("forge-prod-bedrock-throttles", false, "convergence-engine"),
            ],
            ..Region::default()
        },
    );
    forge_redis(b);
    let snaps = daily_snapshots(b, "forge-prod-postgres", 3);
    b.aws(
        Kind::DbInstance,
        Scope::aws("forge", "us-west-2"),
        "forge-prod-postgres",
        Facts::DbInstance(db(
            "16.4",
            "db.r6g.large",
            true,
            200,
            141.0,
            "production",
            snaps,
        )),
    );
    b.git(
        ctx,
        "flux-system",
        "forge-infra",
        "ssh://git@github.com/forge/forge-infra",
        rev,
    );
    b.helm_repo(
        ctx,
        "flux-system",
        "forge-charts",
        "oci://123456789012.dkr.ecr.us-west-2.amazonaws.com/charts",
    );
    b.applied_by("flux-system", "flux-system");
    workloads::flux_controllers(b, ctx);
    for ks in ["infrastructure", "forge-apps", "mcp-servers"] {
        b.ok_ks(ctx, "flux-system", ks, &format!("./k8s/{ks}"), rev);
    }
    b.applied_by("flux-system", "forge-apps");
    for app in [
        "forge-api",
        "convergence-engine",
        "evidence-service",
        "governance-gateway",
    ] {
        b.ok_hr(ctx, "forge", app, app, "2.3.1", "forge-charts");
    }
    b.applied_by("flux-system", "mcp-servers");
    for mcp in [
        "mcp-filesystem",
        "mcp-github",
        "mcp-slack",
        "mcp-database",
        "mcp-web-search",
        "mcp-bedrock",
    ] {
        b.ok_hr(
            ctx,
            "mcp-system",
            mcp,
            "mcp-server",
            "0.9.0",
            "forge-charts",
        );
    }
    b.ok_cert(
        ctx,
        "forge",
        "forge-api-tls",
        &["api.forge.dev"],
        "letsencrypt-prod",
        52,
    );
    b.ok_cert(
        ctx,
        "mcp-system",
        "mcp-mtls",
        &["*.mcp-system.svc.cluster.local"],
        "forge-internal-ca",
        180,
    );
}

fn helpdev(b: &mut Builder<'_>) {
    let vpn_down = b.inc.vpn_down;
    eks(
        b,
        "helpdev-hml",
        "us-east-1",
        "eks-hml-use1",
        "1.31",
        4,
        true,
    );
    eks(
        b,
        "helpdev-prod",
        "us-east-1",
        "eks-prod-use1",
        "1.31",
        12,
        true,
    );
    // While the VPN is down the kube side cannot reach sa-east-1's API server.
    eks(
        b,
        "helpdev-prod",
        "sa-east-1",
        VPN_CONTEXT,
        "1.31",
        6,
        !vpn_down,
    );

    region(
        b,
        "helpdev-hml",
        "us-east-1",
        Region {
            alarms: vec![alarm("eks-hml-use1-5xx-rate", false, "eks-hml-use1")],
            ..Region::default()
        },
    );
    region(
        b,
        "helpdev-prod",
        "us-east-1",
        Region {
            alarms: vec![
                alarm("eks-prod-use1-5xx-rate", false, "eks-prod-use1"),
                alarm("payments-use1-cpu-high", false, "payments-use1"),
            ],
            ..routing_at_start("helpdev-prod", "us-east-1")
        },
    );
    region(
        b,
        "helpdev-prod",
        "sa-east-1",
        Region {
            alarms: vec![alarm(
                "eks-prod-sae1-node-cpu-high",
                b.inc.alarm_firing,
                VPN_CONTEXT,
            )],
            ..routing_at_start("helpdev-prod", "sa-east-1")
        },
    );
    for (account, region, name, multi_az, env) in [
        ("helpdev-hml", "us-east-1", "payments-hml", false, "staging"),
        (
            "helpdev-prod",
            "us-east-1",
            "payments-use1",
            true,
            "production",
        ),
        (
            "helpdev-prod",
            "sa-east-1",
            "payments-sae1",
            true,
            "production",
        ),
    ] {
        let snaps = daily_snapshots(b, name, 2);
        b.aws(
            Kind::DbInstance,
            Scope::aws(account, region),
            name,
            Facts::DbInstance(db("16.4", "db.r6g.large", multi_az, 250, 180.0, env, snaps)),
        );
    }
    // Seed 003: one Argo CD per cluster, its Applications paths of the platform's GitOps
    // repository; no Flux. Homologation syncs by hand.
    for ctx in ["eks-hml-use1", "eks-prod-use1", VPN_CONTEXT] {
        workloads::argo_controllers(b, ctx);
        let env = if ctx == "eks-hml-use1" { "hml" } else { "prod" };
        let mut generated = Vec::new();
        for (ns, app, chart, version) in [
            ("istio-system", "istiod", "istiod", "1.24.2"),
            ("keycloak", "keycloak", "keycloak", "24.3.0"),
            ("payments", "payment-api", "service", "3.8.0"),
            ("checkout", "checkout-api", "service", "3.8.0"),
            ("orders", "order-events-worker", "worker", "1.4.1"),
        ] {
            let phase = if (ctx, app) == ARGO_ROLLOUT {
                b.inc.argo
            } else {
                ArgoPhase::InSync
            };
            b.argo_app(ctx, ns, app, chart, version, env, phase);
            let (sync, health) = match phase {
                ArgoPhase::InSync => ("Synced", "Healthy"),
                ArgoPhase::OutOfSync => ("OutOfSync", "Healthy"),
                ArgoPhase::Degraded => ("Synced", "Degraded"),
            };
            generated.push((app.to_string(), sync, health));
        }
        b.kube(
            ctx,
            objects::argo_appset("platform-apps", ARGO_REPO, &generated),
        );
        b.ok_cert(
            ctx,
            "istio-system",
            "ingress-gateway-tls",
            &["api.helpdev.io", "*.helpdev.io"],
            "letsencrypt-prod",
            40,
        );
    }
}

/// The ALB target group `name` of a phenom service: its two tasks' IPs, healthy; one registering
/// again while the service runs short; both failing their health check with 502 while
/// `failing`.
fn target_group(
    region: &str,
    name: &str,
    i: usize,
    short: bool,
    failing: bool,
) -> TargetGroupHealth {
    let mut tg = TargetGroupHealth {
        name: name.to_string(),
        arn: format!(
            "arn:aws:elasticloadbalancing:{region}:{}:targetgroup/{name}/{:016x}",
            super::world::ACCOUNT_ID,
            0x73e2_d6bc_24d8_a067_u64.wrapping_mul(i as u64 + 1)
        ),
        healthy: 2,
        ..TargetGroupHealth::default()
    };
    if short {
        tg.healthy = 1;
        tg.initial = 1;
        tg.reasons = vec!["Elb.RegistrationInProgress: Target registration is in progress".into()];
    }
    if failing {
        tg.healthy = 0;
        tg.unhealthy = 2;
        tg.reasons =
            vec!["Target.FailedHealthChecks: Health checks failed with these codes: [502]".into()];
    }
    tg
}

fn phenom(b: &mut Builder<'_>) {
    let (account, r) = ("phenom", "us-east-1");
    region(
        b,
        account,
        r,
        Region {
            alarms: vec![
                alarm("phenom-prod-alb-5xx", false, "phenom-prod-cluster"),
                alarm(
                    "phenom-prod-postgres-cpu-high",
                    false,
                    "phenom-prod-postgres",
                ),
            ],
            ..Region::default()
        },
    );
    for env in ["prod", "dev"] {
        let cluster = format!("phenom-{env}-cluster");
        for (i, (svc, port)) in [
            ("graphql", 8080u16),
            ("auth", 4000),
            ("storage", 5000),
            ("functions", 3000),
        ]
        .into_iter()
        .enumerate()
        {
            let short = (cluster.as_str(), svc) == SHORT_ECS_SERVICE && b.inc.ecs_short;
            let failing = (cluster.as_str(), svc) == FAILING_TARGETS && b.inc.targets_failing;
            let events = if short {
                vec![
                    format!(
                        "(service {svc}) task 4b1e03aa stopped: Essential container in task exited (exit code 137: OutOfMemory)"
                    ),
                    format!("(service {svc}) has started 1 tasks: (task 9f2c41d7)."),
                ]
            } else if failing {
                vec![
                    format!(
                        "(service {svc}) (port {port}) is unhealthy in target-group phenom-{env}-{svc} due to (reason Health checks failed with these codes: [502])."
                    ),
                    format!("(service {svc}) has reached a steady state."),
                ]
            } else {
                vec![format!("(service {svc}) has reached a steady state.")]
            };
            let target_group = target_group(r, &format!("phenom-{env}-{svc}"), i, short, failing);
            let facts = Facts::EcsService(EcsService {
                status: "ACTIVE".into(),
                desired: 2,
                running: if short { 1 } else { 2 },
                pending: short as u32,
                rollout: Some("COMPLETED".into()),
                task_definition: format!("phenom-{env}-{svc}:{}", 40 + i * 7),
                launch_type: "FARGATE".into(),
                port: Some(port),
                failed_tasks: if short { 3 } else { 0 },
                events,
                target_groups: vec![target_group],
                metrics: vec![
                    wave("CPU %", 30.0 + 5.0 * i as f64, 15.0, i as f64),
                    wave("memory %", 55.0, 10.0, 2.0 * i as f64),
                ],
            });
            b.aws(
                Kind::EcsService,
                Scope::aws(account, r).with_context(&cluster),
                svc,
                facts,
            );
        }
    }
    let mut prod_snaps = daily_snapshots(b, "phenom-prod-postgres", 3);
    prod_snaps.push(Snapshot {
        id: "phenom-prod-postgres-clone-20260620".into(),
        created: "2026-06-20T09:12:00Z".parse().unwrap(),
        status: "available".into(),
        snapshot_type: "manual".into(),
    });
    b.aws(
        Kind::DbInstance,
        Scope::aws(account, r),
        "phenom-prod-postgres",
        Facts::DbInstance(db(
            "17.4",
            "db.m5.large",
            true,
            100,
            71.0,
            "production",
            prod_snaps,
        )),
    );
    let dev_snaps = daily_snapshots(b, "phenom-dev-postgres", 2);
    b.aws(
        Kind::DbInstance,
        Scope::aws(account, r),
        "phenom-dev-postgres",
        Facts::DbInstance(db(
            "17.4",
            "db.m5.large",
            false,
            100,
            74.0,
            "staging",
            dev_snaps,
        )),
    );
}
