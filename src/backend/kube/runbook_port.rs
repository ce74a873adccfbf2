//! The runbooks' `ClusterOps` over the kube API: namespaces, service accounts, Flux status and
//! the ingress load balancer of the clusters in the kubeconfig. A cluster is named by its
//! context, or by the EKS cluster name its context points at.

use std::collections::HashMap;
use std::fmt::Debug;

use k8s_openapi::api::core::v1::{Namespace, Service, ServiceAccount};
use kube::api::{Api, DynamicObject, ListParams};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::context::client;
use super::kubeconfig::{Loaded, error_chain};
use super::resources::Watched;
use crate::model::Kind;
use crate::runbook::ports::{ClusterOps, FluxStatus, InCluster, OpsError, OpsFuture, Readiness};

pub struct KubeClusterOps {
    loaded: Loaded,
    clients: tokio::sync::Mutex<HashMap<String, kube::Client>>,
}

fn api_error(e: kube::Error, what: &str) -> OpsError {
    match &e {
        kube::Error::Api(s) if s.code == 403 => {
            OpsError::Failed(format!("{what}: forbidden (RBAC): {}", s.message))
        }
        _ => OpsError::Failed(format!("{what}: {}", error_chain(&e))),
    }
}

fn watched(kind: Kind) -> &'static Watched {
    super::resources::WATCHED
        .iter()
        .find(|w| w.kind == kind)
        .expect("Flux kinds are watched")
}

/// A Flux object's status, from its Ready condition.
fn flux_status(obj: &DynamicObject) -> FluxStatus {
    let ready = obj
        .data
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|c| c.iter().find(|c| c["type"] == "Ready"));
    FluxStatus::from_ready_condition(
        obj.metadata.name.clone().unwrap_or_default(),
        ready.and_then(|c| c["status"].as_str()),
        ready.and_then(|c| c["message"].as_str()),
    )
}

/// The object `name` in `api`, if it exists; `what` names it in the error.
async fn get_opt<K>(api: Api<K>, name: &str, what: &str) -> Result<Option<K>, OpsError>
where
    K: Clone + DeserializeOwned + Debug,
{
    api.get_opt(name).await.map_err(|e| api_error(e, what))
}

impl KubeClusterOps {
    pub fn new(loaded: Loaded) -> KubeClusterOps {
        KubeClusterOps {
            loaded,
            clients: Default::default(),
        }
    }

    /// The context for `cluster`: the context of that name, else the one whose EKS cluster it is.
    fn context_of(&self, cluster: &str) -> Result<String, OpsError> {
        let contexts: Vec<String> = self
            .loaded
            .config
            .contexts
            .iter()
            .map(|c| c.name.clone())
            .collect();
        if contexts.iter().any(|c| c == cluster) {
            return Ok(cluster.into());
        }
        contexts
            .into_iter()
            .find(|c| self.loaded.cluster_of(c).name == cluster)
            .ok_or_else(|| OpsError::NotFound(format!("a kube context for cluster {cluster} (aws eks update-kubeconfig --name {cluster})")))
    }

    async fn client(&self, cluster: &str) -> Result<kube::Client, OpsError> {
        let context = self.context_of(cluster)?;
        let mut clients = self.clients.lock().await;
        if let Some(c) = clients.get(&context) {
            return Ok(c.clone());
        }
        let c = client(&self.loaded.config, &context)
            .await
            .map_err(OpsError::Failed)?;
        clients.insert(context, c.clone());
        Ok(c)
    }

    async fn flux(
        &self,
        cluster: &str,
        kind: Kind,
        ns: Option<&str>,
    ) -> Result<Api<DynamicObject>, OpsError> {
        let client = self.client(cluster).await?;
        let res = watched(kind).api_resource();
        Ok(match ns {
            Some(ns) => Api::namespaced_with(client, ns, &res),
            None => Api::all_with(client, &res),
        })
    }
}

impl ClusterOps for KubeClusterOps {
    fn namespace_exists<'a>(&'a self, cluster: &'a str, ns: &'a str) -> OpsFuture<'a, bool> {
        Box::pin(async move {
            let api: Api<Namespace> = Api::all(self.client(cluster).await?);
            Ok(get_opt(api, ns, &format!("namespace {ns}"))
                .await?
                .is_some())
        })
    }

    fn service_account_role<'a>(&'a self, obj: InCluster<'a>) -> OpsFuture<'a, Option<String>> {
        let InCluster { cluster, ns, name } = obj;
        Box::pin(async move {
            let api: Api<ServiceAccount> = Api::namespaced(self.client(cluster).await?, ns);
            let sa = get_opt(api, name, &format!("service account {ns}/{name}")).await?;
            Ok(sa.and_then(|sa| {
                sa.metadata
                    .annotations?
                    .get("eks.amazonaws.com/role-arn")
                    .cloned()
            }))
        })
    }

    fn kustomization<'a>(&'a self, obj: InCluster<'a>) -> OpsFuture<'a, Option<FluxStatus>> {
        let InCluster { cluster, ns, name } = obj;
        Box::pin(async move {
            let api = self.flux(cluster, Kind::Kustomization, Some(ns)).await?;
            let obj = get_opt(api, name, &format!("Kustomization {ns}/{name}")).await?;
            Ok(obj.as_ref().map(flux_status))
        })
    }

    fn helm_releases<'a>(
        &'a self,
        cluster: &'a str,
        ns: &'a str,
    ) -> OpsFuture<'a, Vec<FluxStatus>> {
        Box::pin(async move {
            let api = self.flux(cluster, Kind::HelmRelease, Some(ns)).await?;
            let list = api
                .list(&ListParams::default())
                .await
                .map_err(|e| api_error(e, &format!("HelmReleases in {ns}")))?;
            Ok(list.items.iter().map(flux_status).collect())
        })
    }

    fn ingress_address<'a>(&'a self, cluster: &'a str) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move {
            let api: Api<Service> = Api::all(self.client(cluster).await?);
            let list = api
                .list(&ListParams::default())
                .await
                .map_err(|e| api_error(e, "services"))?;
            // The ingress controller's LoadBalancer service (traefik on the platform cluster).
            let mut lbs: Vec<&Service> = list
                .items
                .iter()
                .filter(|s| {
                    s.spec.as_ref().and_then(|s| s.type_.as_deref()) == Some("LoadBalancer")
                })
                .collect();
            lbs.sort_by_key(|s| {
                !s.metadata
                    .name
                    .as_deref()
                    .is_some_and(|n| n.contains("traefik") || n.contains("ingress"))
            });
            Ok(lbs.into_iter().find_map(|s| {
                let ing = s
                    .status
                    .as_ref()?
                    .load_balancer
                    .as_ref()?
                    .ingress
                    .as_ref()?
                    .first()?;
                ing.hostname.clone().or_else(|| ing.ip.clone())
            }))
        })
    }

    fn cluster_ready<'a>(&'a self, cluster: &'a str) -> OpsFuture<'a, Readiness> {
        Box::pin(async move {
            let api = match self
                .flux(cluster, Kind::Kustomization, Some("flux-system"))
                .await
            {
                Ok(api) => api,
                Err(e) => return Ok(Readiness::no(e.to_string())),
            };
            let list = match api.list(&ListParams::default()).await {
                Ok(l) => l,
                Err(e) => return Ok(Readiness::no(format!("Flux: {}", error_chain(&e)))),
            };
            if list.items.is_empty() {
                return Ok(Readiness::no("no Flux Kustomization in flux-system"));
            }
            let not_ready: Vec<String> = list
                .items
                .iter()
                .map(flux_status)
                .filter(|s| s.ready != Some(true))
                .map(|s| format!("Kustomization {} not Ready: {}", s.name, s.message))
                .collect();
            Ok(match not_ready.first() {
                Some(first) => Readiness::no(first.clone()),
                None => Readiness::yes(format!("{} Flux Kustomizations Ready", list.items.len())),
            })
        })
    }
}
