//! The AWS side of the fleet run: moto's server, behind the CloudWatch CBOR translating proxy of
//! the tests with the run's per-request latency, holding in each region an EKS cluster, an ECS
//! cluster with two services, an RDS instance and an alarm; Route53 fails `api.helpdev.io` over
//! between two of them. Started in the emulator process; opsdeck polls it through the SDK.

use std::time::Duration;

use opsdeck::backend::aws::{AwsOptions, Service, source_name};
use opsdeck::config::Account;

use testkit::cbor_proxy::CborProxy;
use testkit::fleet::{create_alarm, create_region, create_routing, creds};
use testkit::moto::Moto;

/// Regions with the short codes their resources are named with.
pub const REGIONS: [(&str, &str); 6] = [
    ("us-east-1", "use1"),
    ("sa-east-1", "sae1"),
    ("eu-west-1", "euw1"),
    ("eu-central-1", "euc1"),
    ("ap-southeast-1", "apse1"),
    ("us-west-2", "usw2"),
];

pub const ACCOUNT: &str = "bench-prod";

/// moto and the proxy in front of it; both stop when this is dropped.
pub struct AwsPeer {
    _moto: Moto,
    _proxy: CborProxy,
    pub url: String,
}

/// Starts moto, creates the resources of `regions` regions, and serves them with `latency`.
pub async fn serve(regions: usize, latency: Duration) -> AwsPeer {
    let moto = Moto::start().await;
    let setup = CborProxy::start(&moto.url, Duration::ZERO).await;
    for (region, short) in &REGIONS[..regions] {
        create_region(&setup.url, region, short).await;
        let cluster = format!("eks-prod-{short}");
        let alarm = format!("{cluster}-node-cpu-high");
        create_alarm(&setup.url, region, &alarm, &cluster, *short == "sae1").await;
    }
    create_routing(&setup.url).await;
    let proxy = CborProxy::start(&moto.url, latency).await;
    AwsPeer {
        url: proxy.url.clone(),
        _moto: moto,
        _proxy: proxy,
    }
}

/// opsdeck's AWS options for the first `regions` regions at `url`, polling as configured by
/// default (30 s, 15 s for ECS and alarms).
pub fn options(url: &str, regions: usize) -> AwsOptions {
    AwsOptions {
        accounts: vec![Account {
            name: ACCOUNT.into(),
            profile: None,
            role_arn: None,
            regions: REGIONS[..regions]
                .iter()
                .map(|(r, _)| r.to_string())
                .collect(),
            environment: Some("prod".into()),
            endpoint_url: Some(url.into()),
            protected: false,
        }],
        poll: Duration::from_secs(30),
        fast_poll: Duration::from_secs(15),
        static_credentials: Some(creds()),
        hosted_zones: vec!["helpdev.io".into()],
    }
}

/// The sources the AWS side reports, one per service and region.
pub fn source_names(regions: usize) -> Vec<String> {
    REGIONS[..regions]
        .iter()
        .flat_map(|(r, _)| Service::ALL.map(|s| source_name(ACCOUNT, r, s)))
        .collect()
}
