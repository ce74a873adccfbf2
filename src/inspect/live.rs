//! Keeping an on-demand view live while it is open, and only then: each section is fetched at
//! once, then again every `REFRESH`, each fetch bounded by `FETCH_TIMEOUT` (a dropped VPN says
//! so in the section instead of hanging it); all of it stops when the view's `Live` is dropped.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{AbortHandle, abortable};

use super::{Inspector, Subject};
use crate::model::drilldown::{Body, Section};

/// How often an open section is fetched again.
pub const REFRESH: Duration = Duration::from_secs(5);
/// How long one fetch may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(15);

/// The background work of one open view: dropping it (closing the view) stops all of it.
#[derive(Default)]
pub struct Live {
    handles: Vec<AbortHandle>,
}

impl Live {
    /// `work`, stopped when this is dropped.
    pub fn guard<F: Future<Output = ()>>(&mut self, work: F) -> impl Future<Output = ()> + use<F> {
        let (work, handle) = abortable(work);
        self.handles.push(handle);
        async move {
            let _ = work.await;
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        for h in &self.handles {
            h.abort();
        }
    }
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Live({} tasks)", self.handles.len())
    }
}

/// Fetches `section` once, bounded by `FETCH_TIMEOUT`.
pub async fn fetch_once(
    inspector: &dyn Inspector,
    subject: &Subject,
    section: Section,
) -> Result<Body, String> {
    match tokio::time::timeout(FETCH_TIMEOUT, inspector.fetch(subject, section)).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "no answer in {} s (VPN? the API server?); trying again",
            FETCH_TIMEOUT.as_secs()
        )),
    }
}

/// Fetches `section` now and every `every` after, reporting each outcome, until aborted.
pub async fn keep_fetching(
    inspector: Arc<dyn Inspector>,
    subject: Subject,
    section: Section,
    every: Duration,
    report: impl Fn(Result<Body, String>),
) {
    loop {
        report(fetch_once(inspector.as_ref(), &subject, section).await);
        tokio::time::sleep(every).await;
    }
}
