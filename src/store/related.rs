//! Rows related to a row, for the detail view: an organization's objects, a namespace's
//! neighbours, a region's parts.

use super::fleet::{Fleet, RowKey, ns_key, region_key};
use crate::model::{Facts, Kind, KindScope, Row};

/// At most this many related rows are listed.
pub const MAX_RELATED: usize = 40;

impl Fleet {
    /// The contexts (or namespaces) the rows have, for `:ctx` and `:ns`: read from the namespace
    /// index and the few rows that are not namespaced, not from every row.
    pub fn scope_names(&self, context: bool) -> std::collections::BTreeSet<String> {
        let mut out: std::collections::BTreeSet<String> = self
            .by_namespace
            .iter()
            .filter(|(_, rows)| !rows.is_empty())
            .map(|((ctx, ns), _)| if context { ctx.clone() } else { ns.clone() })
            .collect();
        for kind in Kind::ALL.into_iter().filter(|k| !k.is_namespaced()) {
            for row in self.rows_of(kind) {
                let s = &row.id.scope;
                out.extend(if context {
                    s.context.clone()
                } else {
                    s.namespace.clone()
                });
            }
        }
        out
    }

    pub fn related(&self, row: &Row) -> Vec<RowKey> {
        let me = self.key_of(&row.id);
        let mut out: Vec<RowKey> = Vec::new();
        match row.kind().spec().scope {
            KindScope::OrganizationRollup => {
                let ctx = row.id.scope.context().to_string();
                if let Facts::Organization(org) = &row.facts {
                    for ns in &org.namespaces {
                        out.extend(
                            self.by_namespace
                                .get(&(ctx.clone(), ns.clone()))
                                .into_iter()
                                .flatten(),
                        );
                    }
                }
            }
            KindScope::RegionRollup => {
                if let Some(rk) = region_key(row) {
                    out.extend(self.by_region.get(&rk).into_iter().flatten());
                }
            }
            KindScope::Namespaced { .. } => {
                if let Some(nk) = ns_key(row) {
                    out.extend(self.org_of_ns.get(&nk));
                    out.extend(self.by_namespace.get(&nk).into_iter().flatten());
                }
            }
            KindScope::Regional { .. } => {
                if let Some(rk) = region_key(row) {
                    out.extend(self.region_rows.get(&rk));
                    // An ECS service's siblings in the same ECS cluster.
                    if row.kind() == Kind::EcsService {
                        out.extend(self.by_region.get(&rk).into_iter().flatten().filter(|k| {
                            self.get(**k).is_some_and(|r| {
                                r.kind() == Kind::EcsService
                                    && r.id.scope.context == row.id.scope.context
                            })
                        }));
                    }
                }
                // A cluster's organizations live in the kube context named after it.
                if let Facts::Cluster(c) = &row.facts {
                    let ctx = c.context(row);
                    out.extend(
                        self.keys_of(Kind::Organization)
                            .filter(|k| self.get(*k).is_some_and(|r| r.id.scope.context() == ctx)),
                    );
                }
            }
        }
        out.retain(|k| Some(*k) != me);
        out.dedup();
        self.sort_worst_first(&mut out);
        out.truncate(MAX_RELATED);
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::backend::demo;
    use crate::model::Kind;
    use crate::store::Fleet;

    #[test]
    fn related_rows_follow_organizations_namespaces_and_regions() {
        let mut f = Fleet::new("demo");
        f.apply(demo::initial_updates(
            "2026-11-23T12:00:00Z".parse().unwrap(),
            1,
        ));
        let org = f
            .rows_of(Kind::Organization)
            .find(|r| r.id.name == "numen-games")
            .unwrap();
        let rel = f.related(org);
        assert!(rel.iter().all(|k| {
            f.get(*k)
                .unwrap()
                .id
                .scope
                .namespace()
                .starts_with("numen-games")
        }));
        assert_eq!(
            f.get(rel[0]).unwrap().id.name,
            "hyperfy2-world",
            "worst first"
        );

        let hr = f.get(rel[0]).unwrap();
        let rel: Vec<Kind> = f
            .related(hr)
            .iter()
            .map(|k| f.get(*k).unwrap().kind())
            .collect();
        assert_eq!(
            rel[..2],
            [Kind::Workload, Kind::Organization],
            "its failing Deployment and its organization, worst first"
        );

        let region = f
            .rows_of(Kind::Region)
            .find(|r| r.id.scope.account() == "phenom")
            .unwrap();
        let rel = f.related(region);
        assert_eq!(rel.len(), 8 + 2, "8 ECS services and 2 databases");

        let svc = f
            .rows_of(Kind::EcsService)
            .find(|r| r.id.name == "auth" && r.id.scope.context() == "phenom-dev-cluster")
            .unwrap();
        let rel: Vec<_> = f
            .related(svc)
            .into_iter()
            .map(|k| f.get(k).unwrap())
            .collect();
        assert_eq!(
            rel[0].kind(),
            Kind::Region,
            "the degraded region sorts first"
        );
        assert_eq!(
            rel.len(),
            1 + 3,
            "its region and the 3 other services of phenom-dev-cluster"
        );
        assert!(
            rel[1..]
                .iter()
                .all(|r| r.id.scope.context() == "phenom-dev-cluster")
        );
    }
}
