//! Creating a small AWS fleet in moto through the SDK itself, shared by the AWS test binaries.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_eks::config::Credentials;

pub fn creds() -> Credentials {
    Credentials::new("testing", "testing", None, None, "opsdeck-tests")
}

/// An SDK config for creating the fleet in moto.
pub async fn sdk(endpoint: &str, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(creds())
        .load()
        .await
}

/// A hosted zone with an api record failing over from us-east-1 (primary) to sa-east-1, each
/// behind a health check. moto reports every health check as passing.
pub async fn create_routing(endpoint: &str) {
    use aws_sdk_route53::types::{
        AliasTarget, Change, ChangeAction, ChangeBatch, HealthCheckConfig, HealthCheckType,
        ResourceRecordSet, ResourceRecordSetFailover, RrType,
    };
    let r53 = aws_sdk_route53::Client::new(&sdk(endpoint, "us-east-1").await);
    let zone = r53
        .create_hosted_zone()
        .name("helpdev.io")
        .caller_reference("opsdeck-test-zone")
        .send()
        .await
        .unwrap();
    let zone_id = zone.hosted_zone().unwrap().id().to_string();
    let mut changes = Vec::new();
    for (short, region, primary) in [("use1", "us-east-1", true), ("sae1", "sa-east-1", false)] {
        let hc = r53
            .create_health_check()
            .caller_reference(format!("hc-{short}"))
            .health_check_config(
                HealthCheckConfig::builder()
                    .r#type(HealthCheckType::Https)
                    .fully_qualified_domain_name(format!("api.{short}.helpdev.io"))
                    .resource_path("/health")
                    .port(443)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let hc_id = hc.health_check().unwrap().id().to_string();
        let record = ResourceRecordSet::builder()
            .name("api.helpdev.io")
            .r#type(RrType::A)
            .set_identifier(short)
            .failover(if primary {
                ResourceRecordSetFailover::Primary
            } else {
                ResourceRecordSetFailover::Secondary
            })
            .alias_target(
                AliasTarget::builder()
                    .hosted_zone_id("Z2P70J7HTTTPLU")
                    .dns_name(format!("k8s-ingress-{short}.{region}.elb.amazonaws.com"))
                    .evaluate_target_health(true)
                    .build()
                    .unwrap(),
            )
            .health_check_id(hc_id)
            .build()
            .unwrap();
        changes.push(
            Change::builder()
                .action(ChangeAction::Create)
                .resource_record_set(record)
                .build()
                .unwrap(),
        );
    }
    r53.change_resource_record_sets()
        .hosted_zone_id(zone_id)
        .change_batch(
            ChangeBatch::builder()
                .set_changes(Some(changes))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}
