//! DNS on the demo world: every organization's domain points at the platform's ingress.

use crate::backend::demo::world::{DemoWorld, ok};
use crate::runbook::ports::{DnsOps, OpsFuture};

impl DnsOps for DemoWorld {
    fn resolve<'a>(&'a self, host: &'a str) -> OpsFuture<'a, Vec<String>> {
        ok(self
            .state
            .lock()
            .unwrap()
            .dns
            .get(host)
            .cloned()
            .unwrap_or_default())
    }
}
