//! The AWS backend through the real AWS SDK for Rust against moto's server: a small fleet is
//! created through the SDK itself, and the rows the backend produces are checked.

use std::sync::Arc;
use std::time::Duration;

use opsdeck::backend::aws::{self, AwsOptions, Service, source_name};
use opsdeck::clock::FixedClock;
use opsdeck::config::Account;
use opsdeck::model::{Facts, Health, Kind};
use opsdeck::store::{self, Fleet, SourceStatus, UpdateReceiver};
use testkit::cbor_proxy::CborProxy;
use testkit::fleet::{create_alarms, create_fleet, create_routing, creds, sdk};
use testkit::moto::Moto;
use tokio::task::JoinSet;

fn account(name: &str, endpoint: &str, regions: &[&str]) -> Account {
    Account {
        name: name.into(),
        profile: None,
        role_arn: None,
        regions: regions.iter().map(|s| s.to_string()).collect(),
        environment: Some("prod".into()),
        endpoint_url: Some(endpoint.into()),
        protected: false,
    }
}

struct Harness {
    fleet: Fleet,
    rx: UpdateReceiver,
    _tasks: JoinSet<()>,
}

impl Harness {
    async fn start(accounts: Vec<Account>) -> Harness {
        let clock = Arc::new(FixedClock::new(testkit::origin()));
        let (tx, rx) = store::channel();
        let opts = AwsOptions {
            accounts,
            poll: Duration::from_millis(300),
            fast_poll: Duration::from_millis(300),
            static_credentials: Some(creds()),
            hosted_zones: vec!["helpdev.io".into()],
        };
        let tasks = aws::start(opts, clock, tx).await;
        Harness {
            fleet: Fleet::new("t"),
            rx,
            _tasks: tasks,
        }
    }

    /// The helpdev-prod account at `endpoint`, in us-east-1 and sa-east-1.
    async fn helpdev_in_two_regions(endpoint: &str) -> Harness {
        Harness::start(vec![account(
            "helpdev-prod",
            endpoint,
            &["us-east-1", "sa-east-1"],
        )])
        .await
    }

    /// Applies updates until `ok` holds; panics with what it saw after 30 s.
    async fn until(&mut self, what: &str, ok: impl Fn(&Fleet) -> bool) {
        let within = Duration::from_secs(30);
        testkit::apply_until(&mut self.fleet, &mut self.rx, within, what, ok).await;
    }
}

#[tokio::test]
async fn eks_ecs_and_rds_from_two_regions_become_rows() {
    let moto = Moto::start().await;
    create_fleet(&moto.url).await;
    let mut h = Harness::helpdev_in_two_regions(&moto.url).await;
    let eks_sources = [
        source_name("helpdev-prod", "us-east-1", Service::Eks),
        source_name("helpdev-prod", "sa-east-1", Service::Eks),
    ];
    h.until("every EKS, ECS and RDS source to answer", |f| {
        [Service::Eks, Service::Ecs, Service::Rds]
            .iter()
            .flat_map(|s| ["us-east-1", "sa-east-1"].map(|r| source_name("helpdev-prod", r, *s)))
            .all(|s| {
                f.source(&s)
                    .is_some_and(|s| s.status == SourceStatus::Connected)
            })
    })
    .await;
    assert!(eks_sources.iter().all(|s| h.fleet.source(s).is_some()));

    let clusters: Vec<_> = h.fleet.rows_of(Kind::Cluster).collect();
    assert_eq!(clusters.len(), 2);
    let sae1 = clusters
        .iter()
        .find(|r| r.id.name == "eks-prod-sae1")
        .unwrap();
    assert_eq!(
        (sae1.id.scope.account(), sae1.id.scope.region()),
        ("helpdev-prod", "sa-east-1")
    );
    let Facts::Cluster(c) = &sae1.facts else {
        panic!()
    };
    assert_eq!((c.status.as_str(), c.version.as_str()), ("ACTIVE", "1.31"));
    assert_eq!(sae1.health, Health::Healthy);

    // moto runs no tasks: a service with desired 2 reports 0 running, which is a failure.
    let services: Vec<_> = h.fleet.rows_of(Kind::EcsService).collect();
    assert_eq!(services.len(), 4);
    let graphql = services
        .iter()
        .find(|r| r.id.name == "graphql" && r.id.scope.context() == "phenom-use1")
        .unwrap();
    let Facts::EcsService(s) = &graphql.facts else {
        panic!()
    };
    assert_eq!((s.desired, s.running), (2, 0));
    assert_eq!(s.task_definition, "graphql:1");
    assert_eq!(graphql.health, Health::Failed);
    assert_eq!(graphql.reason, "0/2 running");

    let dbs: Vec<_> = h.fleet.rows_of(Kind::DbInstance).collect();
    assert_eq!(dbs.len(), 2);
    let db = dbs.iter().find(|r| r.id.name == "payments-use1").unwrap();
    let Facts::DbInstance(d) = &db.facts else {
        panic!()
    };
    assert_eq!(
        (
            d.engine.as_str(),
            d.engine_version.as_str(),
            d.class.as_str()
        ),
        ("postgres", "16.4", "db.r6g.large")
    );
    assert!(d.multi_az);
    assert_eq!(d.storage_gb, 100);
    assert_eq!(d.environment.as_deref(), Some("production"));
    assert!(
        d.snapshots
            .iter()
            .any(|s| s.id == "payments-use1-clone-20261123"),
        "{:?}",
        d.snapshots
    );
    assert_eq!(db.health, Health::Healthy);
    assert_eq!(db.reason, "available, Multi-AZ");
}

#[tokio::test]
async fn a_firing_alarm_degrades_its_region() {
    let moto = Moto::start().await;
    let proxy = CborProxy::start(&moto.url, Duration::ZERO).await;
    create_fleet(&proxy.url).await;
    create_alarms(&proxy.url).await;
    create_routing(&proxy.url).await;
    let mut h = Harness::helpdev_in_two_regions(&proxy.url).await;
    h.until("both regions with alarms, routing and parts", |f| {
        f.rows_of(Kind::Region).count() == 2
            && ["us-east-1", "sa-east-1"].iter().all(|r| {
                [
                    Service::Ecs,
                    Service::Rds,
                    Service::CloudWatch,
                    Service::Route53,
                ]
                .iter()
                .all(|s| {
                    f.source(&source_name("helpdev-prod", r, *s))
                        .is_some_and(|s| s.status == SourceStatus::Connected)
                })
            })
    })
    .await;
    let sae1 = h
        .fleet
        .rows_of(Kind::Region)
        .find(|r| r.id.name == "sa-east-1")
        .unwrap();
    let Facts::Region(region) = &sae1.facts else {
        panic!()
    };
    assert_eq!(region.alarms.len(), 1);
    assert_eq!(region.alarms[0].state, "ALARM");
    assert_eq!(
        region.alarms[0].target.as_deref(),
        Some("eks-prod-sae1"),
        "the ClusterName dimension names the row"
    );
    assert!(
        sae1.own
            .reason
            .starts_with("alarm eks-prod-sae1-node-cpu-high firing: Threshold Crossed"),
        "{}",
        sae1.own.reason
    );
    assert_eq!(region.parts.clusters.total, 1);
    assert_eq!(region.health_checks.len(), 1, "{:?}", region.health_checks);
    assert_eq!(region.health_checks[0].fqdn, "api.sae1.helpdev.io/health");
    assert_eq!(region.health_checks[0].healthy, Some(true));
    assert_eq!(region.failover.len(), 1);
    assert_eq!(
        (
            region.failover[0].record.as_str(),
            region.failover[0].role.as_str(),
            region.failover[0].serving
        ),
        ("api.helpdev.io", "SECONDARY", false),
        "the healthy primary serves"
    );
    // The region's worst: its ECS services run 0/2 in moto (failed) — worse than the alarm.
    assert_eq!(sae1.health, Health::Failed);
    assert_eq!(
        sae1.own.health,
        Health::Degraded,
        "the alarm alone degrades the region"
    );
    let use1 = h
        .fleet
        .rows_of(Kind::Region)
        .find(|r| r.id.name == "us-east-1")
        .unwrap();
    assert_eq!(use1.own.health, Health::Healthy);
    let Facts::Region(r) = &use1.facts else {
        panic!()
    };
    assert_eq!((r.alarms.len(), r.alarms[0].state.as_str()), (1, "OK"));
    assert_eq!(r.health_checks.len(), 1);
    assert_eq!(r.health_checks[0].fqdn, "api.use1.helpdev.io/health");
    assert_eq!(
        (r.failover[0].role.as_str(), r.failover[0].serving),
        ("PRIMARY", true)
    );
    assert_eq!(r.role(), "primary ●");
}

fn status_of(f: &Fleet, account: &str, region: &str, service: Service) -> Option<SourceStatus> {
    f.source(&source_name(account, region, service))
        .map(|s| s.status.clone())
}

#[tokio::test]
async fn regions_and_services_are_polled_concurrently() {
    let moto = Moto::start().await;
    create_fleet(&moto.url).await;
    // Every request waits 300 ms: in sequence, the first round alone would take many seconds.
    let proxy = CborProxy::start(&moto.url, Duration::from_millis(300)).await;
    let mut h = Harness::helpdev_in_two_regions(&proxy.url).await;
    h.until("every source to answer once", |f| {
        ["us-east-1", "sa-east-1"].iter().all(|r| {
            Service::ALL
                .iter()
                .all(|s| status_of(f, "helpdev-prod", r, *s) == Some(SourceStatus::Connected))
        })
    })
    .await;
    // The most requests in flight at one moment: the pollers overlap, they do not queue.
    let seen = proxy.seen();
    let most = seen
        .iter()
        .map(|a| {
            seen.iter()
                .filter(|b| b.start <= a.start && a.start < b.end)
                .count()
        })
        .max()
        .unwrap();
    assert!(most >= 6, "at most {most} requests overlapped: {seen:#?}");
    let services: std::collections::BTreeSet<&str> = seen
        .iter()
        .map(|s| s.target.split(' ').next().unwrap())
        .collect();
    assert!(services.len() >= 4, "{services:?}");
}

#[tokio::test]
async fn one_poll_asks_what_does_not_depend_on_each_other_at_once() {
    let moto = Moto::start().await;
    create_fleet(&moto.url).await;
    create_routing(&moto.url).await;
    // Each request waits long enough that calls made one after the other never overlap.
    let proxy = CborProxy::start(&moto.url, Duration::from_millis(300)).await;
    let mut h = Harness::start(vec![account("helpdev-prod", &proxy.url, &["us-east-1"])]).await;
    h.until("every source to answer once", |f| {
        Service::ALL
            .iter()
            .all(|s| status_of(f, "helpdev-prod", "us-east-1", *s) == Some(SourceStatus::Connected))
    })
    .await;
    let seen = proxy.seen();
    let calls = |op: &str, mentions: &str| -> Vec<_> {
        seen.iter()
            .filter(|s| s.operation.contains(op) && s.body.contains(mentions))
            .cloned()
            .collect()
    };
    let together = |a: &[testkit::cbor_proxy::Seen], b: &[testkit::cbor_proxy::Seen]| {
        a.iter()
            .any(|x| b.iter().any(|y| x.start < y.end && y.start < x.end))
    };
    // ECS: the services' descriptions and their metrics; RDS: the snapshots and the metrics;
    // Route53: the health checks and the zones' records.
    for (a, b) in [
        (("DescribeServices", ""), ("GetMetricData", "AWS/ECS")),
        (("DescribeDBSnapshots", ""), ("GetMetricData", "AWS/RDS")),
        (("/healthcheck", ""), ("/hostedzone", "")),
    ] {
        let (x, y) = (calls(a.0, a.1), calls(b.0, b.1));
        assert!(!x.is_empty() && !y.is_empty(), "{a:?} {b:?}: {seen:#?}");
        assert!(
            together(&x, &y),
            "{a:?} waited for {b:?} or the reverse: {seen:#?}"
        );
    }
}

#[tokio::test]
async fn access_denied_on_one_service_leaves_the_others_running() {
    let moto = Moto::start().await;
    create_fleet(&moto.url).await;
    let proxy = CborProxy::start(&moto.url, Duration::ZERO).await;
    proxy.fail("ecs", "AccessDeniedException");
    let mut acct = account("phenom", &proxy.url, &["us-east-1"]);
    acct.profile = None;
    let mut h = Harness::start(vec![acct]).await;
    h.until("ECS in error and RDS connected", |f| {
        matches!(
            status_of(f, "phenom", "us-east-1", Service::Ecs),
            Some(SourceStatus::Error { .. })
        ) && status_of(f, "phenom", "us-east-1", Service::Rds) == Some(SourceStatus::Connected)
            && status_of(f, "phenom", "us-east-1", Service::Eks) == Some(SourceStatus::Connected)
    })
    .await;
    let Some(SourceStatus::Error { reason }) =
        status_of(&h.fleet, "phenom", "us-east-1", Service::Ecs)
    else {
        unreachable!()
    };
    assert!(
        reason.starts_with("ecs: access denied for the default credentials: "),
        "{reason}"
    );
    assert_eq!(h.fleet.count(Kind::EcsService), 0);
    assert_eq!(h.fleet.count(Kind::DbInstance), 1);
    assert_eq!(h.fleet.count(Kind::Cluster), 1);
}

#[tokio::test]
async fn expired_credentials_say_which_profile_and_how_to_renew() {
    let moto = Moto::start().await;
    let proxy = CborProxy::start(&moto.url, Duration::ZERO).await;
    proxy.fail("*", "ExpiredToken");
    let mut acct = account("helpdev-prod", &proxy.url, &["us-east-1"]);
    acct.profile = Some("helpdev-prod".into());
    let mut h = Harness::start(vec![acct]).await;
    h.until("every source in error", |f| {
        Service::ALL.iter().all(|s| {
            matches!(
                status_of(f, "helpdev-prod", "us-east-1", *s),
                Some(SourceStatus::Error { .. })
            )
        })
    })
    .await;
    for s in Service::ALL {
        let Some(SourceStatus::Error { reason }) =
            status_of(&h.fleet, "helpdev-prod", "us-east-1", s)
        else {
            unreachable!()
        };
        assert!(
            reason.contains("profile helpdev-prod")
                && reason.contains("aws sso login --profile helpdev-prod"),
            "{s:?}: {reason}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_endpoint_is_reported_on_its_account_only() {
    let moto = Moto::start().await;
    create_fleet(&moto.url).await;
    let dead = account("forge", "http://127.0.0.1:9", &["us-west-2"]);
    let mut h = Harness::start(vec![
        dead,
        account("helpdev-prod", &moto.url, &["us-east-1"]),
    ])
    .await;
    h.until("forge in error, helpdev connected", |f| {
        Service::ALL.iter().all(|s| {
            matches!(
                status_of(f, "forge", "us-west-2", *s),
                Some(SourceStatus::Error { .. })
            )
        }) && status_of(f, "helpdev-prod", "us-east-1", Service::Rds)
            == Some(SourceStatus::Connected)
    })
    .await;
    let Some(SourceStatus::Error { reason }) =
        status_of(&h.fleet, "forge", "us-west-2", Service::Eks)
    else {
        unreachable!()
    };
    assert!(
        reason.contains("unreachable") || reason.contains("timed out"),
        "{reason}"
    );
    assert!(
        h.fleet
            .rows_of(Kind::DbInstance)
            .all(|r| r.id.scope.account() == "helpdev-prod")
    );
}

#[tokio::test]
async fn snapshot_json_with_a_config_pointing_at_moto() {
    let moto = Moto::start().await;
    let proxy = CborProxy::start(&moto.url, Duration::ZERO).await;
    create_fleet(&proxy.url).await;
    create_alarms(&proxy.url).await;
    create_routing(&proxy.url).await;
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[aws]\nhosted_zones = [\"helpdev.io\"]\n\n[[accounts]]\nname = \"helpdev-prod\"\nregions = [\"us-east-1\", \"sa-east-1\"]\nendpoint_url = \"{}\"\n", proxy.url),
    )
    .unwrap();
    let (home_dir, config_path) = (home.path().to_path_buf(), config.clone());
    let out = tokio::task::spawn_blocking(move || {
        crate::opsdeck_on_moto(&home_dir)
            .args([
                "--config",
                config_path.to_str().unwrap(),
                "snapshot",
                "--json",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sources = v["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 12, "6 services × 2 regions");
    assert!(
        sources.iter().all(|s| s["status"] == "connected"),
        "{sources:#?}"
    );
    let rows = v["rows"].as_array().unwrap();
    let count = |k: &str| rows.iter().filter(|r| r["kind"] == k).count();
    assert_eq!(
        (
            count("cluster"),
            count("ecs_service"),
            count("db_instance"),
            count("region")
        ),
        (2, 4, 2, 2)
    );
    let sae1 = rows
        .iter()
        .find(|r| r["kind"] == "region" && r["name"] == "sa-east-1")
        .unwrap();
    assert_eq!(sae1["fields"]["alarms"][0]["state"], "ALARM");
    assert_eq!(sae1["fields"]["failover"][0]["role"], "SECONDARY");
    assert_eq!(
        sae1["fields"]["health_checks"][0]["fqdn"],
        "api.sae1.helpdev.io/health"
    );
}

/// The kube side (API emulator) and the AWS side (moto) of the same EKS cluster make one row,
/// joined by the ARN the kubeconfig names the cluster with.
#[tokio::test]
async fn the_kube_and_aws_sides_of_an_eks_cluster_join_into_one_row() {
    use opsdeck::backend::kube::{self, KubeOptions};
    use testkit::kube_api::{KubeApi, loaded};

    let moto = Moto::start().await;
    create_fleet(&moto.url).await;
    let arn = aws_sdk_eks::Client::new(&sdk(&moto.url, "us-east-1").await)
        .describe_cluster()
        .name("eks-prod-use1")
        .send()
        .await
        .unwrap()
        .cluster()
        .and_then(|c| c.arn().map(str::to_string))
        .unwrap();
    let api = loaded().await;
    let kubeconfig = KubeApi::kubeconfig(&[("helpdev-prod-use1", &api.url())]).replacen(
        "- name: helpdev-prod-use1\n  cluster:",
        &format!("- name: {arn}\n  cluster:"),
        1,
    );
    let kubeconfig = kubeconfig.replace("cluster: helpdev-prod-use1", &format!("cluster: {arn}"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, kubeconfig).unwrap();

    let mut h = Harness::start(vec![account("helpdev-prod", &moto.url, &["us-east-1"])]).await;
    let clock = Arc::new(FixedClock::new(testkit::origin()));
    let kube_opts = KubeOptions {
        kubeconfig: Some(path),
        contexts: vec![],
    };
    let (tx, mut kube_rx) = store::channel();
    let _kube = kube::start(kube_opts, clock, tx).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let joined = |f: &Fleet| {
        f.rows_of(Kind::Cluster).any(|r| match &r.facts {
            Facts::Cluster(c) => c.status == "ACTIVE" && c.api_reachable == Some(true),
            _ => false,
        })
    };
    while !joined(&h.fleet) {
        tokio::select! {
            Some(batch) = h.rx.recv() => { h.fleet.apply(batch); }
            Some(batch) = kube_rx.recv() => { h.fleet.apply(batch); }
            _ = tokio::time::sleep_until(deadline) => panic!(
                "no joined cluster row: {:#?}",
                h.fleet.rows_of(Kind::Cluster).collect::<Vec<_>>()
            ),
        }
    }
    let clusters: Vec<_> = h.fleet.rows_of(Kind::Cluster).collect();
    assert_eq!(clusters.len(), 1, "one row for the cluster: {clusters:#?}");
    let row = clusters[0];
    assert_eq!(
        (row.id.scope.account(), row.id.scope.region()),
        ("helpdev-prod", "us-east-1"),
        "under the AWS side's id, so the region rolls it up"
    );
    let Facts::Cluster(c) = &row.facts else {
        unreachable!()
    };
    assert_eq!(c.kube_context.as_deref(), Some("helpdev-prod-use1"));
    assert_eq!(c.arn.as_deref(), Some(arn.as_str()));
    assert!(c.server_version.is_some(), "{c:?}");
    assert_eq!(row.health, Health::Healthy, "{}", row.reason);
}

/// GetMetricData (through the CBOR proxy) becomes short series on the RDS and ECS rows, and the
/// newest free-storage point feeds the low-storage health rule.
#[tokio::test]
async fn metrics_become_series_on_their_rows() {
    use aws_sdk_cloudwatch::primitives::DateTime;
    use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};

    let moto = Moto::start().await;
    let proxy = CborProxy::start(&moto.url, Duration::ZERO).await;
    create_fleet(&proxy.url).await;
    let cw = aws_sdk_cloudwatch::Client::new(&sdk(&proxy.url, "sa-east-1").await);
    let origin = testkit::origin().as_second();
    let datum = |metric: &str, dims: &[(&str, &str)], minutes_ago: i64, value: f64| {
        MetricDatum::builder()
            .metric_name(metric)
            .set_dimensions(Some(
                dims.iter()
                    .map(|(k, v)| Dimension::builder().name(*k).value(*v).build())
                    .collect(),
            ))
            .timestamp(DateTime::from_secs(origin - minutes_ago * 60))
            .value(value)
            .build()
    };
    let db = [("DBInstanceIdentifier", "payments-sae1")];
    cw.put_metric_data()
        .namespace("AWS/RDS")
        .metric_data(datum("CPUUtilization", &db, 25, 20.0))
        .metric_data(datum("CPUUtilization", &db, 15, 60.0))
        .metric_data(datum("CPUUtilization", &db, 5, 90.0))
        // 5 GB free of 100: below the 10 % the health rule warns at.
        .metric_data(datum(
            "FreeStorageSpace",
            &db,
            5,
            5.0 * 1024.0 * 1024.0 * 1024.0,
        ))
        .send()
        .await
        .unwrap();
    let svc = [("ClusterName", "phenom-sae1"), ("ServiceName", "graphql")];
    cw.put_metric_data()
        .namespace("AWS/ECS")
        .metric_data(datum("CPUUtilization", &svc, 10, 41.0))
        .metric_data(datum("MemoryUtilization", &svc, 10, 73.0))
        .send()
        .await
        .unwrap();
    let mut h = Harness::start(vec![account("helpdev-prod", &proxy.url, &["sa-east-1"])]).await;
    h.until("the database with its series", |f| {
        f.rows_of(Kind::DbInstance)
            .any(|r| !r.facts.metrics().is_empty())
            && f.rows_of(Kind::EcsService)
                .any(|r| !r.facts.metrics().is_empty())
    })
    .await;
    let row = h
        .fleet
        .rows_of(Kind::DbInstance)
        .find(|r| r.id.name == "payments-sae1")
        .unwrap();
    let cpu = row
        .facts
        .metrics()
        .iter()
        .find(|s| s.name == "CPU %")
        .unwrap();
    assert_eq!(cpu.points, [20.0, 60.0, 90.0], "oldest first");
    let Facts::DbInstance(d) = &row.facts else {
        unreachable!()
    };
    assert!(
        (d.free_storage_gb.unwrap() - 5.0).abs() < 1e-6,
        "{:?}",
        d.free_storage_gb
    );
    assert_ne!(
        row.own.health,
        Health::Healthy,
        "low free storage shows: {}",
        row.own.reason
    );
    let graphql = h
        .fleet
        .rows_of(Kind::EcsService)
        .find(|r| r.id.name == "graphql")
        .unwrap();
    let names: Vec<&str> = graphql
        .facts
        .metrics()
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["CPU %", "memory %"]);
}

/// What happened on the AWS side, as the polls see it, is on the timeline on its row: an alarm
/// changing state, an ECS deployment (a new task definition), an RDS instance's status moving.
#[tokio::test]
async fn alarms_deployments_and_database_status_reach_the_timeline() {
    let moto = Moto::start().await;
    let proxy = CborProxy::start(&moto.url, Duration::ZERO).await;
    create_fleet(&proxy.url).await;
    create_alarms(&proxy.url).await;
    let mut h = Harness::helpdev_in_two_regions(&proxy.url).await;
    h.until("us-east-1's alarm, services and database", |f| {
        [Service::Ecs, Service::Rds, Service::CloudWatch]
            .iter()
            .all(|s| {
                f.source(&source_name("helpdev-prod", "us-east-1", *s))
                    .is_some_and(|s| s.status == SourceStatus::Connected)
            })
    })
    .await;

    let conf = sdk(&proxy.url, "us-east-1").await;
    aws_sdk_cloudwatch::Client::new(&conf)
        .set_alarm_state()
        .alarm_name("eks-prod-use1-5xx-rate")
        .state_value(aws_sdk_cloudwatch::types::StateValue::Alarm)
        .state_reason("Threshold Crossed: 5xx rate 7.2 % > 5 %")
        .send()
        .await
        .unwrap();
    let ecs = aws_sdk_ecs::Client::new(&conf);
    testkit::fleet::register_plain(&ecs, "graphql", "graphql").await;
    ecs.update_service()
        .cluster("phenom-use1")
        .service("graphql")
        .task_definition("graphql:2")
        .send()
        .await
        .unwrap();
    aws_sdk_rds::Client::new(&conf)
        .stop_db_instance()
        .db_instance_identifier("payments-use1")
        .send()
        .await
        .unwrap();

    let happened = |f: &Fleet| -> Vec<String> {
        f.timeline()
            .newest_first()
            .filter(|c| !c.is_transition())
            .map(|c| format!("{} {}: {}", c.label().0, c.label().1, c.note))
            .collect()
    };
    let expected = [
        "region us-east-1: alarm eks-prod-use1-5xx-rate OK → ALARM: Threshold Crossed: 5xx rate 7.2 % > 5 %",
        "ecs phenom-use1/graphql: deployment: task definition graphql:1 → graphql:2",
        "rds payments-use1: status available → stopped",
    ];
    // RDS's own events come too (`rds_events_reach_the_timeline_in_order_each_once`).
    h.until("the three changes", |f| {
        let lines = happened(f);
        expected.iter().all(|e| lines.iter().any(|l| l == e))
    })
    .await;
    // The alarm is also the region's own health moving.
    assert!(
        h.fleet.timeline().newest_first().any(|c| {
            c.is_transition() && c.label().1 == "us-east-1" && c.to == Some(Health::Degraded)
        }),
        "{:#?}",
        h.fleet.timeline().newest_first().collect::<Vec<_>>()
    );
}

/// RDS's events (`DescribeEvents`) reach the timeline on their instance's row, in the order they
/// happened: those of the day before opsdeck started on the first read, then each new one, and
/// each once although every poll reads a window that overlaps the last.
#[tokio::test]
async fn rds_events_reach_the_timeline_in_order_each_once() {
    let moto = Moto::start().await;
    create_fleet(&moto.url).await;
    let mut h = Harness::helpdev_in_two_regions(&moto.url).await;
    let rds_source = source_name("helpdev-prod", "us-east-1", Service::Rds);
    h.until("us-east-1's databases", |f| {
        f.source(&rds_source)
            .is_some_and(|s| s.status == SourceStatus::Connected)
    })
    .await;
    let on = |f: &Fleet, name: &str| -> Vec<String> {
        let mut notes: Vec<String> = f
            .timeline()
            .newest_first()
            .filter(|c| {
                c.row()
                    .is_some_and(|r| r.kind == Kind::DbInstance && r.name == name)
            })
            .map(|c| c.note.clone())
            .collect();
        notes.reverse();
        notes
    };
    assert_eq!(
        on(&h.fleet, "payments-use1").first().map(String::as_str),
        Some("Normal creation: DB instance created"),
        "read on the first poll: {:?}",
        on(&h.fleet, "payments-use1")
    );

    let conf = sdk(&moto.url, "us-east-1").await;
    testkit::fleet::create_db_instance(
        &aws_sdk_rds::Client::new(&conf),
        "reports-use1",
        &[("environment", "production")],
    )
    .await;
    h.until("the new instance's events", |f| {
        on(f, "reports-use1").len() >= 3
    })
    .await;
    // Several more polls, each reading the overlapping window again.
    let after = std::time::Instant::now();
    h.until("four more polls", |_| {
        after.elapsed() > Duration::from_millis(1_500)
    })
    .await;
    assert_eq!(
        on(&h.fleet, "reports-use1"),
        [
            "Normal creation: DB instance created",
            "Normal backup: Backing up DB instance",
            "Normal backup: Finished DB instance backup",
        ],
        "oldest first, each once"
    );
    let first = on(&h.fleet, "payments-use1");
    assert_eq!(
        first
            .iter()
            .filter(|n| n.ends_with("DB instance created"))
            .count(),
        1,
        "{first:?}"
    );
    let change = h
        .fleet
        .timeline()
        .newest_first()
        .find(|c| c.row().is_some_and(|r| r.name == "reports-use1"))
        .unwrap();
    assert_eq!(&*change.source, rds_source);
    assert!(!change.is_transition());
}

/// A Route53 health check flipping is on the timeline, on its region, with Route53's answer
/// moving to the other region after it: the health check's line first. Moto's checkers always
/// report success, so the failing observations are answered by the proxy, shaped as the Route53
/// API reference's GetHealthCheckStatus response.
#[tokio::test]
async fn a_health_check_flipping_and_the_answer_moving_reach_the_timeline_in_order() {
    let moto = Moto::start().await;
    let proxy = CborProxy::start(&moto.url, Duration::ZERO).await;
    create_fleet(&proxy.url).await;
    create_routing(&proxy.url).await;
    let mut h = Harness::helpdev_in_two_regions(&proxy.url).await;
    let check_of = |f: &Fleet| -> Option<(String, Option<bool>)> {
        let row = f.rows_of(Kind::Region).find(|r| r.id.name == "us-east-1")?;
        let Facts::Region(r) = &row.facts else {
            return None;
        };
        let serving = r.failover.first().is_some_and(|f| f.serving);
        let c = r.health_checks.first()?;
        serving.then(|| (c.id.clone(), c.healthy))
    };
    h.until("us-east-1 healthy and answering", |f| {
        check_of(f).is_some_and(|(_, healthy)| healthy == Some(true))
    })
    .await;
    let (id, _) = check_of(&h.fleet).unwrap();
    let failing = |region: &str| {
        format!(
            "<HealthCheckObservation><Region>{region}</Region><IPAddress>15.177.2.1</IPAddress>\
             <StatusReport><Status>Failure: Connection timed out. The endpoint or the internet \
             connection is down, or requests are being blocked by your firewall.</Status>\
             <CheckedTime>2026-12-07T03:00:00Z</CheckedTime></StatusReport></HealthCheckObservation>"
        )
    };
    proxy.respond(
        &format!("GET /2013-04-01/healthcheck/{id}/status"),
        testkit::cbor_proxy::Canned::Xml(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <GetHealthCheckStatusResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">\
             <HealthCheckObservations>{}{}{}</HealthCheckObservations>\
             </GetHealthCheckStatusResponse>",
            failing("us-east-1"),
            failing("eu-west-1"),
            failing("ap-southeast-1")
        )),
    );
    let lines = |f: &Fleet| -> Vec<String> {
        let mut l: Vec<String> = f
            .timeline()
            .newest_first()
            .filter(|c| c.label().1 == "us-east-1" && !c.is_transition())
            .map(|c| c.note.clone())
            .collect();
        l.reverse();
        l
    };
    let flipped = format!("health check {id} (api.use1.helpdev.io/health) healthy → failing");
    let moved = "Route53 no longer answers api.helpdev.io with this region (PRIMARY)";
    h.until("the flip and the answer moving", |f| {
        let l = lines(f);
        l.contains(&flipped) && l.iter().any(|n| n == moved)
    })
    .await;
    let l = lines(&h.fleet);
    let at = |n: &str| l.iter().position(|x| x == n).unwrap();
    assert!(at(&flipped) < at(moved), "{l:#?}");
}

/// An ECS service behind an ALB target group (ip targets in moto's default VPC): its targets'
/// health on its row; every target failing the check fails the service though its tasks all
/// run (the answer shaped from the ELB API reference: moto reports registered targets healthy),
/// and the flip is on the timeline; the health that cannot be read (AccessDenied, throttled)
/// leaves the service's row and its health to its tasks, and says why.
#[tokio::test]
async fn target_health_fails_a_running_service_and_unreadable_health_keeps_the_row() {
    use testkit::cbor_proxy::Canned;
    let moto = Moto::start().await;
    let proxy = CborProxy::start(&moto.url, Duration::ZERO).await;
    let arn = testkit::fleet::create_service_behind_target_group(
        &proxy.url,
        "us-east-1",
        "phenom-prod-cluster",
        "graphql",
    )
    .await;
    let mut h = Harness::start(vec![account("phenom", &proxy.url, &["us-east-1"])]).await;
    let graphql = |f: &Fleet| -> Option<opsdeck::model::Row> {
        f.rows_of(Kind::EcsService)
            .find(|r| r.id.name == "graphql")
            .cloned()
    };
    let targets = |r: &opsdeck::model::Row| match &r.facts {
        Facts::EcsService(s) => s.targets(),
        _ => None,
    };
    // moto leaves the deployment's rollout IN_PROGRESS after the update that runs the tasks.
    h.until("graphql 2/2 running, its 2 targets healthy", |f| {
        graphql(f).is_some_and(|r| {
            targets(&r).as_deref() == Some("2/2") && r.reason == "rollout in progress, 2/2 running"
        })
    })
    .await;
    let row = graphql(&h.fleet).unwrap();
    let Facts::EcsService(s) = &row.facts else {
        unreachable!()
    };
    assert_eq!(s.target_groups[0].name, "phenom-prod-cluster-graphql");
    assert_eq!(s.target_groups[0].arn, arn);

    let unhealthy = |ip: &str| {
        format!(
            "<member><Target><Id>{ip}</Id><Port>8080</Port></Target><HealthCheckPort>8080</HealthCheckPort>\
             <TargetHealth><State>unhealthy</State><Reason>Target.FailedHealthChecks</Reason>\
             <Description>Health checks failed with these codes: [502]</Description></TargetHealth></member>"
        )
    };
    proxy.respond(
        "DescribeTargetHealth",
        Canned::Xml(format!(
            "<DescribeTargetHealthResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">\
             <DescribeTargetHealthResult><TargetHealthDescriptions>{}{}</TargetHealthDescriptions>\
             </DescribeTargetHealthResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>\
             </DescribeTargetHealthResponse>",
            unhealthy("172.31.10.21"),
            unhealthy("172.31.20.34")
        )),
    );
    h.until("graphql failed with its targets", |f| {
        graphql(f).is_some_and(|r| r.health == Health::Failed)
    })
    .await;
    assert_eq!(
        graphql(&h.fleet).unwrap().reason,
        "2/2 running but 0/2 targets healthy in phenom-prod-cluster-graphql: Target.FailedHealthChecks: Health checks failed with these codes: [502]"
    );
    assert!(
        h.fleet
            .timeline()
            .newest_first()
            .any(|c| c.note == "targets healthy 2/2 → 0/2"),
        "the flip is on the timeline"
    );

    for (code, says) in [
        ("AccessDenied", "access denied"),
        ("Throttling", "throttled"),
    ] {
        let proxy = CborProxy::start(&moto.url, Duration::ZERO).await;
        proxy.fail("DescribeTargetHealth", code);
        let mut h = Harness::start(vec![account("phenom", &proxy.url, &["us-east-1"])]).await;
        h.until("graphql read without its targets' health", |f| {
            graphql(f).is_some_and(|r| targets(&r).as_deref() == Some("?"))
        })
        .await;
        let row = graphql(&h.fleet).unwrap();
        assert_eq!(
            row.reason, "rollout in progress, 2/2 running",
            "{code}: its tasks decide"
        );
        let Facts::EcsService(s) = &row.facts else {
            unreachable!()
        };
        let error = s.target_groups[0].error.clone().unwrap();
        assert!(
            error.starts_with("elbv2 DescribeTargetHealth: ")
                && error.to_lowercase().contains(says),
            "{code}: {error}"
        );
        assert_eq!(
            status_of(&h.fleet, "phenom", "us-east-1", Service::Ecs),
            Some(SourceStatus::Connected),
            "{code}: ECS itself is read"
        );
    }
}

/// ElastiCache through the SDK against moto: a replication group's nodes, roles and zones,
/// failover and Multi-AZ; the members' engine version from DescribeCacheClusters (moto lists
/// no member clusters: answered as the API reference shapes it); CloudWatch's evictions
/// climbing and memory full degrade it, and it counts in its region's roll-up. AccessDenied and
/// throttling fail the ElastiCache source only.
#[tokio::test]
async fn a_redis_replication_group_with_its_nodes_metrics_and_region() {
    use aws_sdk_cloudwatch::primitives::DateTime;
    use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
    use testkit::cbor_proxy::Canned;

    let moto = Moto::start().await;
    let proxy = CborProxy::start(&moto.url, Duration::ZERO).await;
    testkit::fleet::create_redis(&proxy.url, "us-west-2", "forge-prod-redis").await;
    let member = |id: &str, zone: &str| {
        format!(
            "<CacheCluster><CacheClusterId>{id}</CacheClusterId><CacheNodeType>cache.r7g.large</CacheNodeType>\
             <Engine>redis</Engine><EngineVersion>7.1.0</EngineVersion><CacheClusterStatus>available</CacheClusterStatus>\
             <NumCacheNodes>1</NumCacheNodes><PreferredAvailabilityZone>{zone}</PreferredAvailabilityZone>\
             <ReplicationGroupId>forge-prod-redis</ReplicationGroupId></CacheCluster>"
        )
    };
    proxy.respond(
        "DescribeCacheClusters",
        Canned::Xml(format!(
            "<DescribeCacheClustersResponse xmlns=\"http://elasticache.amazonaws.com/doc/2015-02-02/\">\
             <DescribeCacheClustersResult><CacheClusters>{}{}</CacheClusters></DescribeCacheClustersResult>\
             <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeCacheClustersResponse>",
            member("forge-prod-redis-001", "us-west-2a"),
            member("forge-prod-redis-002", "us-west-2b")
        )),
    );
    let cw = aws_sdk_cloudwatch::Client::new(&sdk(&proxy.url, "us-west-2").await);
    let origin = testkit::origin().as_second();
    let datum = |metric: &str, minutes_ago: i64, value: f64| {
        MetricDatum::builder()
            .metric_name(metric)
            .dimensions(
                Dimension::builder()
                    .name("CacheClusterId")
                    .value("forge-prod-redis-001")
                    .build(),
            )
            .timestamp(DateTime::from_secs(origin - minutes_ago * 60))
            .value(value)
            .build()
    };
    cw.put_metric_data()
        .namespace("AWS/ElastiCache")
        .metric_data(datum("Evictions", 25, 0.0))
        .metric_data(datum("Evictions", 15, 300.0))
        .metric_data(datum("Evictions", 5, 4800.0))
        .metric_data(datum("DatabaseMemoryUsagePercentage", 5, 99.0))
        .send()
        .await
        .unwrap();
    let mut h = Harness::start(vec![account("forge", &proxy.url, &["us-west-2"])]).await;
    let redis = |f: &Fleet| f.rows_of(Kind::CacheGroup).next().cloned();
    h.until("the Redis group with its series", |f| {
        redis(f).is_some_and(|r| !r.facts.metrics().is_empty())
    })
    .await;
    let row = redis(&h.fleet).unwrap();
    assert_eq!(row.id.name, "forge-prod-redis");
    let Facts::CacheGroup(g) = &row.facts else {
        unreachable!()
    };
    assert_eq!(
        (g.engine.as_str(), g.engine_version.as_deref()),
        ("redis", Some("7.1.0"))
    );
    assert_eq!(
        (g.automatic_failover.as_str(), g.multi_az),
        ("enabled", true)
    );
    let nodes: Vec<(&str, &str, &str)> = g
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), n.role.as_str(), n.zone.as_str()))
        .collect();
    assert_eq!(
        nodes,
        [
            ("forge-prod-redis-001", "primary", "us-east-1a"),
            ("forge-prod-redis-002", "replica", "us-east-1b")
        ],
        "moto places members in us-east-1's zones whatever the region"
    );
    assert_eq!(row.health, Health::Degraded);
    assert_eq!(
        row.reason,
        "evictions climbing: 4800 keys in 5 min, memory 99%"
    );
    h.until("the region counting its cache", |f| {
        f.rows_of(Kind::Region).any(|r| match &r.facts {
            Facts::Region(region) => {
                region.parts.cache.total == 1 && region.parts.cache.unhealthy == 1
            }
            _ => false,
        })
    })
    .await;

    // Denied is an error; throttled even after the SDK's retries makes the source stale.
    for (code, says) in [
        ("AccessDenied", "access denied"),
        ("Throttling", "throttled"),
    ] {
        let proxy = CborProxy::start(&moto.url, Duration::ZERO).await;
        proxy.fail("elasticache", code);
        let mut h = Harness::start(vec![account("forge", &proxy.url, &["us-west-2"])]).await;
        let reason = |f: &Fleet| match status_of(f, "forge", "us-west-2", Service::ElastiCache) {
            Some(SourceStatus::Error { reason } | SourceStatus::Stale { reason }) => Some(reason),
            _ => None,
        };
        h.until("ElastiCache failing, ECS connected", |f| {
            reason(f).is_some()
                && status_of(f, "forge", "us-west-2", Service::Ecs) == Some(SourceStatus::Connected)
        })
        .await;
        let reason = reason(&h.fleet).unwrap();
        assert!(
            reason.starts_with("elasticache: ") && reason.to_lowercase().contains(says),
            "{code}: {reason}"
        );
        assert_eq!(h.fleet.count(Kind::CacheGroup), 0);
    }
}
