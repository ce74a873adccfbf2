//! Organizations: the namespaces labelled `organization=<org>`, grouped into one row per org.

use std::collections::{BTreeMap, BTreeSet};

use kube::api::Api;
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::watcher;

use super::board::Board;
use super::raw::RawObject;
use super::watch::{Handler, Identity, supervise};
use crate::model::kinds::organization::{LABEL, Organization};
use crate::model::{Facts, Kind, Row, RowId, Scope};
use crate::store::Update;

/// org → its namespaces
type Orgs = BTreeMap<String, BTreeSet<String>>;

struct OrgRows {
    board: Board,
    orgs: Orgs,
    listing: Orgs,
}

/// Namespaces are read as raw objects too: a typed list fails whole on one odd namespace.
type Namespace = RawObject;

fn org_of(ns: &Namespace) -> Option<(String, String)> {
    use kube::Resource;
    let meta = ns.meta();
    let name = meta.name.clone()?;
    let org = meta.labels.as_ref()?.get(LABEL)?.clone();
    Some((org, name))
}

fn ns_name(ns: &Namespace) -> &str {
    use kube::Resource;
    ns.meta().name.as_deref().unwrap_or_default()
}

/// `orgs` without the namespace `ns` (and without organizations left empty).
fn without(orgs: &Orgs, ns: &str) -> Orgs {
    let mut next = orgs.clone();
    for nss in next.values_mut() {
        nss.remove(ns);
    }
    next.retain(|_, nss| !nss.is_empty());
    next
}

impl OrgRows {
    fn scope(&self) -> Scope {
        Scope {
            context: Some(self.board.context.clone()),
            ..Scope::default()
        }
    }

    /// Moves to `next`, sending only the organizations that changed.
    fn replace(&mut self, next: Orgs, out: &mut Vec<Update>) {
        for (org, nss) in &next {
            if self.orgs.get(org) != Some(nss) {
                let facts = Facts::Organization(Organization {
                    domain: None,
                    namespaces: nss.iter().cloned().collect(),
                    ..Default::default()
                });
                let id = RowId::new(Kind::Organization, self.scope(), org.clone());
                out.push(Update::upsert(Row::new(
                    id,
                    self.board.source(),
                    facts,
                    vec![],
                    self.board.clock().now(),
                )));
            }
        }
        for org in self.orgs.keys().filter(|o| !next.contains_key(*o)) {
            out.push(Update::Remove(RowId::new(
                Kind::Organization,
                self.scope(),
                org.clone(),
            )));
        }
        self.orgs = next;
    }
}

impl Handler<Namespace> for OrgRows {
    fn init(&mut self) {
        self.listing.clear();
    }

    fn init_apply(&mut self, ns: Namespace, _: &mut Vec<Update>) {
        if let Some((org, name)) = org_of(&ns) {
            self.listing.entry(org).or_default().insert(name);
        }
    }

    fn init_done(&mut self, out: &mut Vec<Update>) {
        let next = std::mem::take(&mut self.listing);
        self.replace(next, out);
    }

    fn apply(&mut self, ns: Namespace, out: &mut Vec<Update>) {
        let mut next = without(&self.orgs, ns_name(&ns));
        if let Some((org, name)) = org_of(&ns) {
            next.entry(org).or_default().insert(name);
        }
        self.replace(next, out);
    }

    fn delete(&mut self, ns: Namespace, out: &mut Vec<Update>) {
        let next = without(&self.orgs, ns_name(&ns));
        self.replace(next, out);
    }
}

pub async fn run(client: kube::Client, board: Board, aws_profile: Option<String>) {
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("", "v1", "Namespace"),
        "namespaces",
    );
    let api: Api<Namespace> = Api::all_with(client, &resource);
    let id = Identity {
        kind: Kind::Organization,
        plural: "namespaces",
        provided_by: "the namespaces API",
    };
    let handler = OrgRows {
        board: board.clone(),
        orgs: BTreeMap::new(),
        listing: BTreeMap::new(),
    };
    supervise(
        api,
        watcher::Config::default().labels(LABEL),
        id,
        board,
        aws_profile,
        handler,
    )
    .await;
}
