//! One inspector and log source for a TUI that watches both sides: a row with an AWS account
//! in its scope (a service, a database, a region, an EKS cluster) is asked of the AWS side, the
//! rest (Kubernetes objects) of the kube side; a side that is not set up says so in the section.

use std::sync::Arc;

use super::logs::{LogQuery, LogSource, LogStream, LogTarget, refused};
use super::{Inspector, SectionFuture, Subject};
use crate::model::drilldown::Section;

/// Something that both inspects and streams logs (each backend's inspector does).
pub trait Side: Inspector + LogSource {}

impl<T: Inspector + LogSource> Side for T {}

#[derive(Clone, Default)]
pub struct Router {
    pub kube: Option<Arc<dyn Side>>,
    pub aws: Option<Arc<dyn Side>>,
}

impl Router {
    /// The side a subject is asked of, by its scope.
    fn side_of(&self, subject: &Subject) -> Result<&Arc<dyn Side>, &'static str> {
        if subject.id.scope.account.is_some() {
            self.aws
                .as_ref()
                .ok_or("no AWS account is configured to read this from")
        } else {
            self.kube.as_ref().ok_or("no kubeconfig to read this from")
        }
    }
}

impl Inspector for Router {
    fn fetch(&self, subject: &Subject, section: Section) -> SectionFuture {
        match self.side_of(subject) {
            Ok(side) => side.fetch(subject, section),
            Err(why) => Box::pin(async move { Err(why.to_string()) }),
        }
    }

    fn manifest(&self, subject: &Subject) -> super::manifest::ManifestFuture {
        match self.side_of(subject) {
            Ok(side) => side.manifest(subject),
            Err(why) => Box::pin(async move { Err(why.to_string()) }),
        }
    }
}

impl LogSource for Router {
    fn logs(&self, target: &LogTarget, query: &LogQuery) -> LogStream {
        let side = if target.ecs.is_some() {
            self.aws.as_ref()
        } else {
            self.kube.as_ref()
        };
        match side {
            Some(side) => side.logs(target, query),
            None => refused("nothing is configured to read these logs from"),
        }
    }
}
