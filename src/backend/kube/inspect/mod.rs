//! The kube backend's answers on demand: the pods, events, history, inventory and certificate
//! chain of one row (`Inspector`) and its containers' logs (`LogSource`), read with the
//! context's client while a detail asks, then dropped. Each part that cannot be read says why
//! in its own section ("forbidden (RBAC): list pods in numen-games", "not installed: …").
//!
//! Clients are kept per context for a few minutes: a section refreshed every few seconds must
//! not run `aws eks get-token` each time.

mod chain;
mod events;
mod history;
mod logs;
mod pods;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kube::api::{Api, DynamicObject};

use super::context::client;
use super::errors::{Failure, classify};
use super::kubeconfig::Loaded;
use crate::inspect::manifest::{Manifest, ManifestFuture};
use crate::inspect::{Inspector, SectionFuture, Subject};
use crate::model::KubeResource;
use crate::model::drilldown::{Body, Section};

/// How long a context's client is reused before it is built again (a plugin's token lives
/// about 15 minutes).
const CLIENT_TTL: Duration = Duration::from_secs(5 * 60);

/// Reads rows' on-demand parts from their kube contexts.
#[derive(Clone)]
pub struct KubeInspector {
    kubeconfig: Arc<Loaded>,
    clients: Arc<Mutex<HashMap<String, (kube::Client, Instant)>>>,
}

impl KubeInspector {
    pub fn new(kubeconfig: Arc<Loaded>) -> KubeInspector {
        KubeInspector {
            kubeconfig,
            clients: Arc::default(),
        }
    }

    /// The context's client, built when none is kept or the kept one is old.
    async fn client(&self, context: &str) -> Result<kube::Client, String> {
        if let Some((c, at)) = self.clients.lock().unwrap().get(context)
            && at.elapsed() < CLIENT_TTL
        {
            return Ok(c.clone());
        }
        let c = client(&self.kubeconfig.config, context).await?;
        self.clients
            .lock()
            .unwrap()
            .insert(context.to_string(), (c.clone(), Instant::now()));
        Ok(c)
    }

    /// Forgets the context's client after an error that a new one may cure (401).
    fn forget(&self, context: &str) {
        self.clients.lock().unwrap().remove(context);
    }

    fn profile(&self, context: &str) -> Option<String> {
        self.kubeconfig.aws_profile(context)
    }

    async fn section(&self, subject: Subject, section: Section) -> Result<Body, String> {
        let ctx = subject.context().to_string();
        let c = self.client(&ctx).await?;
        let read = Reader {
            client: c,
            profile: self.profile(&ctx),
        };
        let result = match section {
            Section::Pods => pods::pods(&read, &subject.workloads)
                .await
                .map(|(p, _)| Body::Pods(p)),
            Section::Events => events::events(&read, &subject).await.map(Body::Events),
            Section::History => history::history(&read, &subject).await,
            Section::Inventory => history::inventory(&read, &subject)
                .await
                .map(Body::Inventory),
            Section::Chain => chain::chain(&read, &subject).await.map(Body::Chain),
            other => Err(format!(
                "{} is read from AWS, not a kube context",
                other.title()
            )),
        };
        if result.as_ref().is_err_and(|e| e.contains("(401)")) {
            self.forget(&ctx);
        }
        result
    }
}

impl Inspector for KubeInspector {
    fn fetch(&self, subject: &Subject, section: Section) -> SectionFuture {
        let me = self.clone();
        let subject = subject.clone();
        Box::pin(async move { me.section(subject, section).await })
    }

    /// The object as the API serves it now (`kubectl get -o yaml`).
    fn manifest(&self, subject: &Subject) -> ManifestFuture {
        let me = self.clone();
        let subject = subject.clone();
        Box::pin(async move {
            let Some(obj) = &subject.object else {
                return Ok(Manifest::of_facts(&subject));
            };
            let r = KubeResource::of_api_kind(&obj.kind)
                .ok_or_else(|| format!("{} is not a resource opsdeck reads", obj.kind))?;
            let ctx = subject.context().to_string();
            let read = Reader {
                client: me.client(&ctx).await?,
                profile: me.profile(&ctx),
            };
            let got = read.get(r, &obj.namespace, &obj.name).await;
            if got.as_ref().is_err_and(|e| e.contains("(401)")) {
                me.forget(&ctx);
            }
            let (ns, name) = (&obj.namespace, &obj.name);
            let value = got?.ok_or_else(|| {
                format!(
                    "not found: {} {ns}/{name} (deleted since it was listed)",
                    r.api_kind
                )
            })?;
            let origin = format!("GET {} {} {ns}/{name} in {ctx}", r.api_version, r.api_kind);
            Manifest::yaml(value, origin)
        })
    }
}

/// A context's client with what its errors need to say.
pub(super) struct Reader {
    pub client: kube::Client,
    pub profile: Option<String>,
}

impl Reader {
    /// An error in the words the detail shows: `what` is "list pods in numen-games".
    pub fn unavailable(&self, what: &str, e: &kube::Error) -> String {
        match classify(e, self.profile.as_deref()) {
            Failure::Forbidden(_) => format!("forbidden (RBAC): cannot {what}"),
            Failure::NotFound => format!("not found: {what}"),
            f => format!("{what}: {}", f.reason()),
        }
    }

    pub fn dynamic(&self, r: &KubeResource, ns: &str) -> Api<DynamicObject> {
        let (group, version) = r
            .api_version
            .rsplit_once('/')
            .unwrap_or(("", r.api_version));
        let ar = kube::core::ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: r.api_version.into(),
            kind: r.api_kind.into(),
            plural: r.plural.into(),
        };
        Api::namespaced_with(self.client.clone(), ns, &ar)
    }

    /// One object as JSON; `Ok(None)` when it does not exist.
    pub async fn get(
        &self,
        r: &KubeResource,
        ns: &str,
        name: &str,
    ) -> Result<Option<serde_json::Value>, String> {
        let what = format!("get {} {ns}/{name}", r.api_kind);
        match self.dynamic(r, ns).get_opt(name).await {
            Ok(o) => Ok(o.map(|o| serde_json::to_value(o).unwrap_or_default())),
            Err(e) => Err(self.unavailable(&what, &e)),
        }
    }

    /// The objects of a resource in a namespace as JSON; `Ok(None)` when the resource is not
    /// served (its CRD is not installed).
    pub async fn list(
        &self,
        r: &KubeResource,
        ns: &str,
    ) -> Result<Option<Vec<serde_json::Value>>, String> {
        let what = format!("list {} in {ns}", r.plural);
        match self.dynamic(r, ns).list(&Default::default()).await {
            Ok(l) => Ok(Some(
                l.items
                    .into_iter()
                    .map(|o| serde_json::to_value(o).unwrap_or_default())
                    .collect(),
            )),
            Err(e) => match classify(&e, self.profile.as_deref()) {
                Failure::NotFound => Ok(None),
                _ => Err(self.unavailable(&what, &e)),
            },
        }
    }
}
