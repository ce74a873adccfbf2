//! `--scale N`: N-1 synthetic tenant clusters of 2,000 Flux objects each beside the seed fleet,
//! for benchmarks and for seeing how opsdeck behaves at fleet size.

use super::objects::{self, KsSpec, not_ready};
use super::seed::Builder;
use crate::model::kinds::cluster::Cluster;
use crate::model::kinds::region::Region;
use crate::model::{Facts, Kind, Scope};

pub const ORGS_PER_CLUSTER: usize = 50;
pub const SPACES_PER_ORG: usize = 16;
const REGIONS: [&str; 6] = [
    "eu-west-1",
    "us-east-1",
    "us-west-2",
    "sa-east-1",
    "eu-central-1",
    "ap-southeast-1",
];

/// The kube contexts `--scale N` adds.
pub fn contexts(scale: u32) -> Vec<String> {
    (2..=scale).map(|i| format!("tenants-{i:02}")).collect()
}

pub fn region_of(i: usize) -> &'static str {
    REGIONS[i % REGIONS.len()]
}

/// The regions the synthetic clusters of `--scale N` use.
pub fn used_regions(scale: u32) -> Vec<&'static str> {
    let mut used: Vec<&str> = (2..=scale as usize).map(region_of).collect();
    used.sort();
    used.dedup();
    used
}

/// One region row per region the synthetic clusters use, so they roll up like the seed's.
pub fn regions(b: &mut Builder<'_>, scale: u32) {
    for region in used_regions(scale) {
        let scope = Scope {
            account: Some("scale".into()),
            ..Scope::default()
        };
        b.aws(
            Kind::Region,
            scope,
            region,
            Facts::Region(Region::default()),
        );
    }
}

/// Builds one synthetic cluster: per organization 2 namespaces, 2 Kustomizations, 2 sources,
/// 32 HelmReleases and 4 certificates (40 objects; 50 organizations make 2,000).
pub fn cluster(b: &mut Builder<'_>, index: usize, context: &str) {
    let region = region_of(index);
    let facts = Facts::Cluster(Cluster {
        provider: "EKS".into(),
        status: "ACTIVE".into(),
        version: "1.31".into(),
        api_reachable: Some(true),
        nodes: Some(20),
        server_version: Some("v1.31.4-eks-2d98532".into()),
        ..Cluster::default()
    });
    b.aws(
        Kind::Cluster,
        Scope::aws("scale", region).with_context(context),
        context,
        facts,
    );
    let rev = "main@sha1:0a1b2c3d";
    for o in 0..ORGS_PER_CLUSTER {
        let org = format!("tenant-{o:03}");
        let pre = format!("{org}-pre");
        b.org(
            context,
            &org,
            &format!("{org}.example.net"),
            vec![org.clone(), pre.clone()],
        );
        b.git(
            context,
            &org,
            &org,
            &format!("ssh://git@github.com/example/{org}"),
            rev,
        );
        b.helm_repo(context, &org, "charts", "https://charts.example.net");
        b.ok_ks(
            context,
            &org,
            &format!("{org}-pro"),
            &format!("./orgs/{org}/pro"),
            rev,
        );
        if (index + o).is_multiple_of(17) {
            let cond = vec![not_ready(
                "BuildFailed",
                "kustomize build failed: accumulating resources: missing file",
                b.ago(300),
            )];
            let source = b.git_source(context);
            b.kube(
                context,
                objects::kustomization(KsSpec {
                    applied_by: objects::ROOT,
                    namespace: &pre,
                    name: &pre,
                    path: "./missing",
                    revision: rev,
                    suspended: false,
                    conditions: cond,
                    source: (&source.0, &source.1),
                }),
            );
        } else {
            b.ok_ks(context, &pre, &pre, &format!("./orgs/{org}/pre"), rev);
        }
        for s in 0..SPACES_PER_ORG {
            let name = format!("space-{s:02}");
            b.ok_hr(context, &pre, &name, "hyperfy2", "0.4.3", "charts");
            b.ok_hr(context, &org, &name, "hyperfy2", "0.4.2", "charts");
        }
        for c in 0..4 {
            let host = format!("s{c}.{org}.example.net");
            let days = 20 + ((index * 31 + o * 7 + c * 13) % 70) as i64;
            b.ok_cert(
                context,
                if c % 2 == 0 { &org } else { &pre },
                &format!("tls-{c}"),
                &[&host],
                "letsencrypt-prod",
                days,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::demo::incidents::Incidents;

    #[test]
    fn a_scale_cluster_has_two_thousand_flux_objects() {
        let inc = Incidents::at(0.0);
        let t = "2026-11-23T12:00:00Z".parse().unwrap();
        let mut b = Builder::new(t, t, &inc);
        cluster(&mut b, 2, "tenants-02");
        let flux = b.rows.iter().filter(|r| r.kind().is_namespaced()).count();
        assert_eq!(flux, 2000);
        assert_eq!(
            b.rows
                .iter()
                .filter(|r| r.kind() == Kind::Organization)
                .count(),
            ORGS_PER_CLUSTER
        );
        assert_eq!(contexts(3), ["tenants-02", "tenants-03"]);
        assert_eq!(used_regions(3), ["sa-east-1", "us-west-2"]);
    }
}
