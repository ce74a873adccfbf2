//! What the kube backend watches: every resource a kind's spec says it is watched from, by
//! group, version and plural, and which kind of row each becomes. The list is generated from
//! the kinds' specs (the registry in `model/kinds`), so a new kube kind is watched by declaring it.

use kube::core::ApiResource;

use crate::model::{Kind, KubeResource};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watched {
    pub kind: Kind,
    pub api_version: &'static str,
    pub api_kind: &'static str,
    pub plural: &'static str,
    /// Names what is missing when the API group is not served.
    pub provided_by: &'static str,
    /// The flux CLI's noun for the resource ("kustomization", "source git"); `None` for
    /// non-Flux resources (certificates).
    pub flux_noun: Option<&'static str>,
}

/// How many resources the kinds' specs name.
const fn watched_count() -> usize {
    let mut n = 0;
    let mut k = 0;
    while k < Kind::ALL.len() {
        if let Some(w) = Kind::ALL[k].spec().watch {
            n += w.resources.len();
        }
        k += 1;
    }
    n
}

const WATCHED_COUNT: usize = watched_count();

const WATCHED_TABLE: [Watched; WATCHED_COUNT] = {
    // A placeholder: every slot is overwritten below (a wrong count fails to compile).
    const NONE: Watched = Watched::of(
        Kind::ALL[0],
        &KubeResource {
            api_version: "",
            api_kind: "",
            plural: "",
            provided_by: "",
            flux_noun: None,
        },
    );
    let mut table = [NONE; WATCHED_COUNT];
    let mut n = 0;
    let mut k = 0;
    while k < Kind::ALL.len() {
        let kind = Kind::ALL[k];
        if let Some(w) = kind.spec().watch {
            let mut j = 0;
            while j < w.resources.len() {
                table[n] = Watched::of(kind, &w.resources[j]);
                n += 1;
                j += 1;
            }
        }
        k += 1;
    }
    table
};

/// Every watched resource, in the registry's order of kinds.
pub const WATCHED: &[Watched] = &WATCHED_TABLE;

impl Watched {
    pub fn group(&self) -> &'static str {
        self.api_version.split_once('/').map_or("", |(g, _)| g)
    }

    pub fn version(&self) -> &'static str {
        self.api_version
            .split_once('/')
            .map_or(self.api_version, |(_, v)| v)
    }

    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group().into(),
            version: self.version().into(),
            api_version: self.api_version.into(),
            kind: self.api_kind.into(),
            plural: self.plural.into(),
        }
    }

    const fn of(kind: Kind, r: &KubeResource) -> Watched {
        Watched {
            kind,
            api_version: r.api_version,
            api_kind: r.api_kind,
            plural: r.plural,
            provided_by: r.provided_by,
            flux_noun: r.flux_noun,
        }
    }

    /// The kind's short name (`ks`, `hr`, `cert`) when this is its only resource: a kind
    /// watched from several (the Flux sources) is named by each resource instead.
    pub fn short(&self) -> Option<&'static str> {
        let only = self
            .kind
            .spec()
            .watch
            .is_some_and(|w| w.resources.len() == 1);
        only.then(|| self.kind.short())
    }

    /// The resources write actions take (`opsdeck kube`): those of kinds with an `R` action
    /// (Flux objects, Argo CD Applications, certificates); workloads are read only.
    fn writable() -> impl Iterator<Item = &'static Watched> {
        WATCHED
            .iter()
            .filter(|w| w.kind.spec().refresh != crate::model::Refresh::Nothing)
    }

    /// The resource of a `opsdeck kube` argument, named as everywhere else (`Kind::by_name`:
    /// `ks`, `kustomization`, `hr`, `helm_release`, `HelmRelease`, `gitrepository`, `cert`…):
    /// one writable resource, or `None` (a read-only kind, or `src`, which names several).
    pub fn by_name(name: &str) -> Option<&'static Watched> {
        let (kind, api_kind) = Kind::by_name(name)?;
        let mut named =
            Self::writable().filter(|w| w.kind == kind && api_kind.is_none_or(|a| a == w.api_kind));
        let one = named.next()?;
        named.next().is_none().then_some(one)
    }

    /// "ks|kustomization, hr|helmrelease, gitrepository, …": the names `by_name` takes, one
    /// entry per resource, for the CLI's help.
    pub fn names_help() -> String {
        Self::writable()
            .map(|w| {
                let kind = w.api_kind.to_ascii_lowercase();
                match w.short() {
                    Some(short) => format!("{short}|{kind}"),
                    None => kind,
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// "ks, hr, gitrepository, … or cert": the shortest name of each resource, for errors.
    pub fn names_list() -> String {
        let names: Vec<String> = Self::writable()
            .map(|w| {
                w.short()
                    .map_or_else(|| w.api_kind.to_ascii_lowercase(), str::to_string)
            })
            .collect();
        match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_like_the_flux_cli() {
        assert_eq!(Watched::by_name("hr").unwrap().plural, "helmreleases");
        assert_eq!(
            Watched::by_name("Kustomization").unwrap().group(),
            "kustomize.toolkit.fluxcd.io"
        );
        assert_eq!(Watched::by_name("gitrepository").unwrap().version(), "v1");
        assert!(Watched::by_name("pods").is_none());
        assert!(
            Watched::by_name("deployment").is_none(),
            "workloads are watched, not written"
        );
    }

    #[test]
    fn the_watch_list_follows_the_kinds_specs() {
        let kinds: Vec<&str> = WATCHED.iter().map(|w| w.api_kind).collect();
        assert_eq!(
            kinds,
            [
                "Kustomization",
                "HelmRelease",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "GitRepository",
                "HelmRepository",
                "OCIRepository",
                "Application",
                "ApplicationSet",
                "Certificate"
            ]
        );
        assert_eq!(Watched::by_name("cert").unwrap().kind, Kind::Certificate);
        assert!(
            Watched::by_name("src").is_none(),
            "sources are named one by one"
        );
        assert_eq!(
            Watched::names_help(),
            "ks|kustomization, hr|helmrelease, gitrepository, helmrepository, ocirepository, app|application, cert|certificate"
        );
        assert_eq!(
            Watched::names_list(),
            "ks, hr, gitrepository, helmrepository, ocirepository, app or cert"
        );
        assert_eq!(
            Watched::by_name("ocirepository").unwrap().flux_noun,
            Some("source oci")
        );
    }
}
