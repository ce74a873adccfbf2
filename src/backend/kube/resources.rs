//! What the kube backend watches: the Flux and cert-manager resources, by group, version and
//! plural, and which kind of row each becomes.

use kube::core::ApiResource;

use crate::model::Kind;
use crate::model::kinds::{certificate, flux_source, helm_release, kustomization};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watched {
    pub kind: Kind,
    pub api_version: &'static str,
    pub api_kind: &'static str,
    pub plural: &'static str,
    /// Names what is missing when the API group is not served.
    pub provided_by: &'static str,
}

pub const WATCHED: &[Watched] = &[
    Watched {
        kind: Kind::Kustomization,
        api_version: kustomization::API_VERSION,
        api_kind: "Kustomization",
        plural: "kustomizations",
        provided_by: "Flux kustomize-controller",
    },
    Watched {
        kind: Kind::HelmRelease,
        api_version: helm_release::API_VERSION,
        api_kind: "HelmRelease",
        plural: "helmreleases",
        provided_by: "Flux helm-controller",
    },
    Watched {
        kind: Kind::FluxSource,
        api_version: flux_source::API_VERSION,
        api_kind: "GitRepository",
        plural: "gitrepositories",
        provided_by: "Flux source-controller",
    },
    Watched {
        kind: Kind::FluxSource,
        api_version: flux_source::API_VERSION,
        api_kind: "HelmRepository",
        plural: "helmrepositories",
        provided_by: "Flux source-controller",
    },
    Watched {
        kind: Kind::FluxSource,
        api_version: flux_source::API_VERSION,
        api_kind: "OCIRepository",
        plural: "ocirepositories",
        provided_by: "Flux source-controller",
    },
    Watched {
        kind: Kind::Certificate,
        api_version: certificate::API_VERSION,
        api_kind: "Certificate",
        plural: "certificates",
        provided_by: "cert-manager",
    },
];

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

    /// The kind of a CLI argument: `ks`, `kustomization`, `hr`, `helmrelease`, `certificate`…
    pub fn by_name(name: &str) -> Option<&'static Watched> {
        let n = name.to_ascii_lowercase();
        WATCHED.iter().find(|w| {
            let short = match w.kind {
                Kind::Kustomization => "ks",
                Kind::HelmRelease => "hr",
                Kind::Certificate => "cert",
                _ => "",
            };
            n == w.api_kind.to_ascii_lowercase()
                || n == w.plural
                || (!short.is_empty() && n == short)
        })
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
    }
}
