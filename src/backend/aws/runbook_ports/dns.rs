//! Name resolution: the system's resolver, or the fixed answers the ports were given.

use super::{AwsPorts, Dns};
use crate::runbook::ports::{DnsOps, OpsFuture};

impl DnsOps for AwsPorts {
    fn resolve<'a>(&'a self, host: &'a str) -> OpsFuture<'a, Vec<String>> {
        Box::pin(async move {
            match &self.dns {
                Dns::Fixed(map) => Ok(map.get(host).cloned().unwrap_or_default()),
                Dns::System => Ok(match tokio::net::lookup_host((host, 443)).await {
                    Ok(addrs) => addrs.map(|a| a.ip().to_string()).collect(),
                    Err(_) => Vec::new(),
                }),
            }
        })
    }
}
