//! Creating a small AWS fleet in moto through the SDK itself, shared by the AWS tests and the
//! fleet bench.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_eks::config::Credentials;

/// S3 the way emulators answer: path-style.
pub fn s3_client(conf: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(conf)
            .force_path_style(true)
            .build(),
    )
}

/// An account `name` (its `environment`) whose every service is at `endpoint`.
pub fn account_at(
    name: &str,
    environment: Option<&str>,
    endpoint: &str,
) -> opsdeck::config::Account {
    opsdeck::config::Account {
        name: name.into(),
        profile: None,
        role_arn: None,
        regions: vec![],
        environment: environment.map(str::to_string),
        endpoint_url: Some(endpoint.into()),
        protected: false,
    }
}

/// A runbook's ports with the AWS side at `endpoint` (home region `region`, names resolved by
/// `dns`), and the cluster and GitOps sides (and clock and world) of `demo`.
pub fn aws_side(
    account: opsdeck::config::Account,
    region: &str,
    dns: opsdeck::backend::aws::runbook_ports::Dns,
    demo: opsdeck::runbook::ports::Ports,
) -> opsdeck::runbook::ports::Ports {
    let aws =
        opsdeck::backend::aws::runbook_ports::AwsPorts::new(account, region, Some(creds()), dns);
    opsdeck::runbook::ports::Ports::new(
        std::sync::Arc::new(aws),
        demo.cluster,
        demo.git,
        demo.clock,
        demo.world,
    )
}

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

/// The two regions most tests use: an EKS cluster, an ECS cluster with two services and a
/// Multi-AZ RDS instance with a snapshot in each of us-east-1 and sa-east-1.
pub async fn create_fleet(endpoint: &str) {
    for (region, short) in [("us-east-1", "use1"), ("sa-east-1", "sae1")] {
        create_region(endpoint, region, short).await;
    }
}

/// An EKS cluster running Kubernetes 1.31.
/// A task definition of one container, `name`, with no log configuration.
pub async fn register_plain(ecs: &aws_sdk_ecs::Client, family: &str, name: &str) {
    ecs.register_task_definition()
        .family(family)
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name(name)
                .image(format!("{name}:1"))
                .memory(512)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

pub async fn create_eks_cluster(endpoint: &str, region: &str, name: &str) {
    aws_sdk_eks::Client::new(&sdk(endpoint, region).await)
        .create_cluster()
        .name(name)
        .role_arn("arn:aws:iam::123456789012:role/eks")
        .version("1.31")
        .resources_vpc_config(
            aws_sdk_eks::types::VpcConfigRequest::builder()
                .subnet_ids("subnet-1")
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// A postgres RDS instance `id` of phenom's (17.4, db.m5.large) with `tags`: the databases the
/// staging refresh's tests swap.
pub async fn create_db_instance(rds: &aws_sdk_rds::Client, id: &str, tags: &[(&str, &str)]) {
    let mut req = rds
        .create_db_instance()
        .db_instance_identifier(id)
        .engine("postgres")
        .engine_version("17.4")
        .db_instance_class("db.m5.large")
        .allocated_storage(100)
        .master_username("phenomprod")
        .master_user_password("not-a-secret-1");
    for (k, v) in tags {
        req = req.tags(aws_sdk_rds::types::Tag::builder().key(*k).value(*v).build());
    }
    req.send().await.unwrap();
}

/// The manual RDS snapshots there are (what a staging refresh takes).
pub async fn manual_snapshots(rds: &aws_sdk_rds::Client) -> Vec<aws_sdk_rds::types::DbSnapshot> {
    rds.describe_db_snapshots()
        .snapshot_type("manual")
        .send()
        .await
        .unwrap()
        .db_snapshots()
        .to_vec()
}

/// One region's EKS cluster `eks-prod-{short}`, ECS cluster `phenom-{short}` (graphql, auth)
/// and RDS instance `payments-{short}` with a snapshot.
pub async fn create_region(endpoint: &str, region: &str, short: &str) {
    {
        let conf = sdk(endpoint, region).await;
        create_eks_cluster(endpoint, region, &format!("eks-prod-{short}")).await;
        let ecs = aws_sdk_ecs::Client::new(&conf);
        ecs.create_cluster()
            .cluster_name(format!("phenom-{short}"))
            .send()
            .await
            .unwrap();
        register_plain(&ecs, "graphql", "graphql").await;
        for svc in ["graphql", "auth"] {
            ecs.create_service()
                .cluster(format!("phenom-{short}"))
                .service_name(svc)
                .task_definition("graphql")
                .desired_count(2)
                .send()
                .await
                .unwrap();
        }
        let rds = aws_sdk_rds::Client::new(&conf);
        let db = format!("payments-{short}");
        rds.create_db_instance()
            .db_instance_identifier(&db)
            .engine("postgres")
            .engine_version("16.4")
            .db_instance_class("db.r6g.large")
            .allocated_storage(100)
            .master_username("payments")
            .master_user_password("not-a-secret-1")
            .multi_az(true)
            .tags(
                aws_sdk_rds::types::Tag::builder()
                    .key("environment")
                    .value("production")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        rds.create_db_snapshot()
            .db_instance_identifier(&db)
            .db_snapshot_identifier(format!("{db}-clone-20261123"))
            .send()
            .await
            .unwrap();
    }
}

/// Alarms go through the CBOR proxy (see `cbor_proxy`): the SDK speaks RPC v2
/// CBOR to CloudWatch, which moto's server does not answer. One alarm per region of
/// `create_fleet`, the sa-east-1 one firing.
pub async fn create_alarms(endpoint: &str) {
    create_alarm(
        endpoint,
        "us-east-1",
        "eks-prod-use1-5xx-rate",
        "eks-prod-use1",
        false,
    )
    .await;
    create_firing_sae1_alarm(endpoint).await;
}

/// sa-east-1's node CPU alarm, firing: the region in trouble of the failover fixtures.
pub async fn create_firing_sae1_alarm(endpoint: &str) {
    create_alarm(
        endpoint,
        "sa-east-1",
        "eks-prod-sae1-node-cpu-high",
        "eks-prod-sae1",
        true,
    )
    .await;
}

/// A CloudWatch alarm on a cluster's node CPU, set firing or OK.
pub async fn create_alarm(endpoint: &str, region: &str, name: &str, cluster: &str, firing: bool) {
    let cw = aws_sdk_cloudwatch::Client::new(&sdk(endpoint, region).await);
    cw.put_metric_alarm()
        .alarm_name(name)
        .namespace("ContainerInsights")
        .metric_name("node_cpu_utilization")
        .dimensions(
            aws_sdk_cloudwatch::types::Dimension::builder()
                .name("ClusterName")
                .value(cluster)
                .build(),
        )
        .statistic(aws_sdk_cloudwatch::types::Statistic::Average)
        .period(60)
        .evaluation_periods(3)
        .threshold(80.0)
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
    let (state, reason) = if firing {
        (
            aws_sdk_cloudwatch::types::StateValue::Alarm,
            "Threshold Crossed: 3 datapoints [94.2, 91.7, 93.0] were greater than the threshold (80.0)",
        )
    } else {
        (
            aws_sdk_cloudwatch::types::StateValue::Ok,
            "Threshold Crossed: no datapoints were greater than the threshold (80.0)",
        )
    };
    cw.set_alarm_state()
        .alarm_name(name)
        .state_value(state)
        .state_reason(reason)
        .send()
        .await
        .unwrap();
}

/// The default VPC moto creates in `region`, read with `ec2:DescribeVpcs` over its query protocol
/// (the tests need its id only: the EC2 SDK would double their build).
pub async fn default_vpc(endpoint: &str, region: &str) -> String {
    use http_body_util::{BodyExt, Full};
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<axum::body::Bytes>>();
    let req = axum::http::Request::post(format!("{endpoint}/"))
        .header("content-type", "application/x-www-form-urlencoded")
        // moto reads the region from the credential scope.
        .header(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential=AKIDTEST/20261208/{region}/ec2/aws4_request, SignedHeaders=host, Signature=0"),
        )
        .body(Full::from("Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=isDefault&Filter.1.Value.1=true"))
        .unwrap();
    let body = client
        .request(req)
        .await
        .unwrap()
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes();
    let text = String::from_utf8_lossy(&body);
    let start = text.find("<vpcId>").expect("moto has a default VPC") + "<vpcId>".len();
    let end = text[start..].find('<').unwrap() + start;
    text[start..end].to_string()
}

/// An ECS service `cluster/service` of 2 tasks running behind the target group `name` (ip
/// targets in the region's default VPC, the tasks' two addresses registered): its ARN. moto
/// reports registered targets healthy, and runs the desired count once it is updated.
pub async fn create_service_behind_target_group(
    endpoint: &str,
    region: &str,
    cluster: &str,
    service: &str,
) -> String {
    use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetDescription, TargetTypeEnum};
    let conf = sdk(endpoint, region).await;
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&conf);
    let tg = elb
        .create_target_group()
        .name(format!("{cluster}-{service}"))
        .protocol(ProtocolEnum::Http)
        .port(8080)
        .vpc_id(default_vpc(endpoint, region).await)
        .target_type(TargetTypeEnum::Ip)
        .health_check_path("/healthz")
        .send()
        .await
        .unwrap();
    let arn = tg.target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    elb.register_targets()
        .target_group_arn(&arn)
        .set_targets(Some(
            ["172.31.10.21", "172.31.20.34"]
                .map(|ip| TargetDescription::builder().id(ip).port(8080).build())
                .to_vec(),
        ))
        .send()
        .await
        .unwrap();
    let ecs = aws_sdk_ecs::Client::new(&conf);
    ecs.create_cluster()
        .cluster_name(cluster)
        .send()
        .await
        .unwrap();
    register_plain(&ecs, service, service).await;
    ecs.create_service()
        .cluster(cluster)
        .service_name(service)
        .task_definition(service)
        .desired_count(2)
        .load_balancers(
            aws_sdk_ecs::types::LoadBalancer::builder()
                .target_group_arn(&arn)
                .container_name(service)
                .container_port(8080)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // moto runs what an update asks for.
    ecs.update_service()
        .cluster(cluster)
        .service(service)
        .desired_count(2)
        .send()
        .await
        .unwrap();
    arn
}

/// A Redis 7.1 replication group `id` in `region`: a primary and a replica, failover and
/// Multi-AZ on, as seed 002's.
pub async fn create_redis(endpoint: &str, region: &str, id: &str) {
    let ec = aws_sdk_elasticache::Client::new(&sdk(endpoint, region).await);
    ec.create_replication_group()
        .replication_group_id(id)
        .replication_group_description("FORGE cache and queues")
        .engine("redis")
        .engine_version("7.1")
        .cache_node_type("cache.r7g.large")
        .replicas_per_node_group(1)
        .automatic_failover_enabled(true)
        .multi_az_enabled(true)
        .send()
        .await
        .unwrap();
}
