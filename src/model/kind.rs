//! What a kind declares about itself, once, in its own file (`KindSpec`), and the questions the
//! rest of opsdeck asks a kind, answered from that declaration. The `Kind` enum itself is
//! generated, with `Facts`, by the registry in `kinds/mod.rs`.

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::Value;

use super::Row;
use super::drilldown::Section;
pub use super::kinds::Kind;
use super::kinds::organization::OrgParts;
use super::kinds::parts::PartCount;
use super::kinds::region::RegionParts;

/// A kind's names, place and sources: everything but its facts, columns and health rule,
/// which its `KindFacts` impl holds beside this.
pub struct KindSpec {
    /// The machine name in JSON output and configuration: serde's name of the `Kind` variant.
    pub name: &'static str,
    /// The pane title.
    pub title: &'static str,
    /// The tab bar's label.
    pub tab: &'static str,
    /// A short label for mixed lists (the Problems pane, a roll-up's reason).
    pub short: &'static str,
    /// The `:` commands that open its pane; the first is the one the tab bar shows.
    pub commands: &'static [&'static str],
    /// `:` commands that open its pane filtered (k9s's `:deploy`, `:sts` on the workloads).
    pub filters: &'static [KindFilter],
    /// Where its rows live, which decides the roll-up they count in.
    pub scope: KindScope,
    /// How the kube backend watches it, for the kinds read from Kubernetes API objects.
    pub watch: Option<KubeWatch>,
    /// The title of the column its table sorts by until the user picks one.
    pub sort_by: &'static str,
    /// What `R` does on one of its rows.
    pub refresh: Refresh,
    /// What its detail fetches on demand (pods, events, history…), in the order shown.
    pub drills: &'static [Section],
    /// Its row name for an API object of `api_kind` named `name`: the name itself, or
    /// "<kind>/<name>" for a kind watched from several resources (sources, workloads).
    pub row_name: fn(api_kind: &str, name: &str) -> String,
}

/// A row named as its object is.
fn plain_row_name(_api_kind: &str, name: &str) -> String {
    name.to_string()
}

/// A `:` command that opens the kind's pane with `filter` in its `/` filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindFilter {
    pub command: &'static str,
    pub filter: &'static str,
}

impl KindFilter {
    pub const fn new(command: &'static str, filter: &'static str) -> KindFilter {
        KindFilter { command, filter }
    }
}

/// What `R` (refresh) does on a row of the kind: nothing, ask Flux to reconcile it (the flux
/// CLI's `reconcile`), ask cert-manager to issue it again (cmctl's `renew`), or start a new
/// deployment of an ECS service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresh {
    Nothing,
    Reconcile,
    Renew,
    /// An ECS service: force a new deployment (`aws ecs update-service --force-new-deployment`).
    Redeploy,
    /// An Argo CD Application: compare with Git again now (`argocd app get --refresh`).
    ArgoRefresh,
}

/// A kind's declaration, built in a `const` from its scope: `KindSpec::namespaced(name,
/// title).labels(…).counted_in_org(…).watched(…)`. Until `labels` gives them, the tab and short
/// labels are the title and the name and no command opens the pane (the registry's tests
/// refuse a kind without a command).
impl KindSpec {
    const fn with_scope(name: &'static str, title: &'static str, scope: KindScope) -> KindSpec {
        KindSpec {
            name,
            title,
            tab: title,
            short: name,
            commands: &[],
            filters: &[],
            scope,
            watch: None,
            sort_by: "NAME",
            refresh: Refresh::Nothing,
            drills: &[],
            row_name: plain_row_name,
        }
    }

    /// A kind living in a namespace of a kube context.
    pub const fn namespaced(name: &'static str, title: &'static str) -> KindSpec {
        Self::with_scope(name, title, KindScope::Namespaced { org_part: None })
    }

    /// A kind living in an AWS account and region.
    pub const fn regional(name: &'static str, title: &'static str) -> KindSpec {
        Self::with_scope(name, title, KindScope::Regional { region_part: None })
    }

    /// The region roll-up.
    pub const fn region_rollup(name: &'static str, title: &'static str) -> KindSpec {
        Self::with_scope(name, title, KindScope::RegionRollup)
    }

    /// The organization roll-up.
    pub const fn organization_rollup(name: &'static str, title: &'static str) -> KindSpec {
        Self::with_scope(name, title, KindScope::OrganizationRollup)
    }

    /// The tab bar's label, the short label of mixed lists, and the `:` commands (the first is
    /// the one the tab bar shows).
    pub const fn labels(
        mut self,
        tab: &'static str,
        short: &'static str,
        commands: &'static [&'static str],
    ) -> KindSpec {
        self.tab = tab;
        self.short = short;
        self.commands = commands;
        self
    }

    /// `:` commands that open the pane with a filter already typed.
    pub const fn filtered_by(mut self, filters: &'static [KindFilter]) -> KindSpec {
        self.filters = filters;
        self
    }

    /// Counted in its organization's roll-up, in `part`. Only for a namespaced kind: anything
    /// else fails to compile.
    pub const fn counted_in_org(mut self, part: OrgPart) -> KindSpec {
        self.scope = match self.scope {
            KindScope::Namespaced { .. } => KindScope::Namespaced {
                org_part: Some(part),
            },
            _ => panic!("only a namespaced kind counts in an organization"),
        };
        self
    }

    /// Counted in its region's roll-up, in `part`. Only for a regional kind: anything else
    /// fails to compile.
    pub const fn counted_in_region(mut self, part: RegionPart) -> KindSpec {
        self.scope = match self.scope {
            KindScope::Regional { .. } => KindScope::Regional {
                region_part: Some(part),
            },
            _ => panic!("only a regional kind counts in a region"),
        };
        self
    }

    /// Watched from `resources`, whose objects `project` turns into rows.
    pub const fn watched(
        mut self,
        resources: &'static [KubeResource],
        project: Projection,
    ) -> KindSpec {
        self.watch = Some(KubeWatch { resources, project });
        self
    }

    pub const fn sorted_by(mut self, title: &'static str) -> KindSpec {
        self.sort_by = title;
        self
    }

    pub const fn refreshed_by(mut self, refresh: Refresh) -> KindSpec {
        self.refresh = refresh;
        self
    }

    /// Names its rows with `row_name` instead of the object's name.
    pub const fn named_by(mut self, row_name: fn(&str, &str) -> String) -> KindSpec {
        self.row_name = row_name;
        self
    }

    /// Its detail fetches these sections on demand, in this order.
    pub const fn drills_into(mut self, sections: &'static [Section]) -> KindSpec {
        self.drills = sections;
        self
    }
}

/// Where a kind's rows live and which roll-up they count in. A part names its counter in the
/// roll-up's parts, so the roll-up needs no list of kinds; a kind without one is related to the
/// roll-up (the detail view lists it) but not counted in it.
#[derive(Clone, Copy)]
pub enum KindScope {
    /// A namespace of a kube context (Flux objects, certificates): counted in the organization
    /// whose namespaces hold the row.
    Namespaced { org_part: Option<OrgPart> },
    /// An AWS account and region (clusters, ECS services, databases): counted in that region.
    Regional { region_part: Option<RegionPart> },
    /// A region (account and region): the worst of its own alarms and checks and its parts.
    RegionRollup,
    /// An organization (kube context): the worst of its namespaces' parts.
    OrganizationRollup,
}

/// The counter of an organization's parts a namespaced kind counts in.
pub type OrgPart = fn(&mut OrgParts) -> &mut PartCount;
/// The counter of a region's parts a regional kind counts in.
pub type RegionPart = fn(&mut RegionParts) -> &mut PartCount;
/// One API object into its kind's row (`None` for an object without a name): the object, the
/// kube context it came from, the row's source and the time.
pub type Projection = fn(&Value, &str, Arc<str>, Timestamp) -> Option<Row>;

/// The Kubernetes resources a kind is watched from, and how one of their objects becomes a row.
#[derive(Clone, Copy)]
pub struct KubeWatch {
    pub resources: &'static [KubeResource],
    pub project: Projection,
}

/// One watched Kubernetes resource, in plain strings (the kube backend builds its API types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KubeResource {
    /// "group/version".
    pub api_version: &'static str,
    /// The object's `kind`: "Kustomization", "GitRepository".
    pub api_kind: &'static str,
    pub plural: &'static str,
    /// Names what is missing when the API group is not served.
    pub provided_by: &'static str,
    /// The flux CLI's noun for it ("kustomization", "source git"); `None` for non-Flux objects.
    pub flux_noun: Option<&'static str>,
}

impl KubeResource {
    /// The resource a kind watches whose objects are of `api_kind` ("HelmRelease").
    pub fn of_api_kind(api_kind: &str) -> Option<&'static KubeResource> {
        Kind::ALL
            .iter()
            .filter_map(|k| k.spec().watch)
            .flat_map(|w| w.resources.iter())
            .find(|r| r.api_kind == api_kind)
    }
}

impl Kind {
    /// The machine name used in JSON output and configuration.
    pub fn as_str(self) -> &'static str {
        self.spec().name
    }

    /// The pane title.
    pub fn title(self) -> &'static str {
        self.spec().title
    }

    /// A short label for mixed lists (the Problems pane).
    pub fn short(self) -> &'static str {
        self.spec().short
    }

    /// Kinds the flux CLI manages: reconciled, suspended and resumed through Flux.
    pub fn is_flux(self) -> bool {
        self.spec()
            .watch
            .is_some_and(|w| w.resources.iter().any(|r| r.flux_noun.is_some()))
    }

    /// Kinds that live in a namespace of a kube context and so belong to an organization.
    pub fn is_namespaced(self) -> bool {
        matches!(self.spec().scope, KindScope::Namespaced { .. })
    }

    /// Kinds whose health the store derives from other rows.
    pub fn is_rollup(self) -> bool {
        matches!(
            self.spec().scope,
            KindScope::RegionRollup | KindScope::OrganizationRollup
        )
    }

    /// A kind as a person names it on the command line, case-insensitively: its machine name
    /// (`helm_release`), a `:` command (`hr`, `helmreleases`, `wl`), a filtered command
    /// (`deploy`, `sts`), or a watched API kind or plural (`HelmRelease`, `deployment`,
    /// `gitrepositories`). With it, the API kind when the name picks one of the kind's resources.
    pub fn by_name(name: &str) -> Option<(Kind, Option<&'static str>)> {
        let n = name.to_ascii_lowercase();
        for kind in Kind::ALL {
            let spec = kind.spec();
            if spec.name == n || spec.commands.contains(&n.as_str()) {
                return Some((kind, None));
            }
            let resources = spec.watch.map_or(&[][..], |w| w.resources);
            if let Some(f) = spec.filters.iter().find(|f| f.command == n) {
                let api = resources
                    .iter()
                    .find(|r| format!("{}/", r.api_kind.to_ascii_lowercase()) == f.filter)
                    .map(|r| r.api_kind);
                return Some((kind, api));
            }
            if let Some(r) = resources
                .iter()
                .find(|r| r.api_kind.to_ascii_lowercase() == n || r.plural == n)
            {
                let one = resources.len() == 1;
                return Some((kind, (!one).then_some(r.api_kind)));
            }
        }
        None
    }

    /// Every name `by_name` takes for the kind, for help and errors: "hr, helmreleases".
    pub fn names(self) -> Vec<&'static str> {
        let spec = self.spec();
        let mut v: Vec<&str> = vec![spec.name];
        v.extend(spec.commands.iter().filter(|c| **c != spec.name));
        v.extend(spec.filters.iter().map(|f| f.command));
        v
    }

    /// The kind watched from the resource `api_kind`, if opsdeck shows it (the registry's test
    /// keeps API kinds distinct across kinds, so the kind alone decides).
    pub fn of_api_kind(api_kind: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| {
            k.spec()
                .watch
                .is_some_and(|w| w.resources.iter().any(|r| r.api_kind == api_kind))
        })
    }

    /// The row id of the object `api_kind` `namespace/name` in `context`, when opsdeck shows
    /// that kind of object.
    pub fn row_id_of(
        context: &str,
        api_kind: &str,
        namespace: &str,
        name: &str,
    ) -> Option<super::RowId> {
        let kind = Kind::of_api_kind(api_kind)?;
        Some(super::RowId::new(
            kind,
            super::Scope::kube(context, namespace),
            (kind.spec().row_name)(api_kind, name),
        ))
    }

    /// Kinds that live in an AWS region and so belong to its roll-up (counted in it when their
    /// spec names a counter).
    pub fn is_regional_part(self) -> bool {
        matches!(self.spec().scope, KindScope::Regional { .. })
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
