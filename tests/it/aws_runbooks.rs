//! The runbooks' AWS steps through the real SDK against moto: create-org's IAM role, policies,
//! secrets and S3 prefixes; the failover's Route53 change batch; the staging refresh's RDS
//! snapshot, restore and rename and its S3 sync. The cluster side is the demo world's.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use opsdeck::backend::aws::runbook_ports::Dns;
use opsdeck::backend::demo::{DemoWorld, INGRESS, MemoryGit};
use opsdeck::clock::{JumpClock, SharedClock};
use opsdeck::runbook::Runbook;
use opsdeck::runbook::engine::{self, Control, Outcome};
use opsdeck::runbook::from_world::WorldHints;
use opsdeck::runbook::ports::Ports;
use opsdeck::runbook::ports::RESTORED_FROM_TAG;
use opsdeck::runbook::staging_refresh::StagingRefresh;
use testkit::cbor_proxy::CborProxy;
use testkit::fleet::{account_at, aws_side, create_eks_cluster, create_routing, s3_client, sdk};
use testkit::moto::Moto;
use testkit::runbooks::{REFRESH_FLAGS, apply, helpdev_records};

/// The AWS side against `endpoint`, the cluster and GitOps sides from the demo world.
fn ports(endpoint: &str, home_region: &str) -> Ports {
    let clock: SharedClock = Arc::new(JumpClock::new(testkit::origin()));
    let dns = Dns::Fixed(BTreeMap::from([(
        "acmegames.io".to_string(),
        vec![INGRESS.to_string()],
    )]));
    let demo = DemoWorld::new(clock, None, MemoryGit::seeded()).ports();
    aws_side(
        account_at("numinia", Some("prod"), endpoint),
        home_region,
        dns,
        demo,
    )
}

async fn run(rb: &dyn Runbook, ports: &Ports) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    engine::run(rb, ports, &apply(dir.path(), &rb.target()), &mut |_| {
        Control::Continue
    })
    .await
}

fn assert_completed(out: &Outcome) {
    assert!(matches!(out, Outcome::Completed { .. }), "{out:#?}");
}

#[tokio::test]
async fn create_org_makes_the_role_policies_secrets_and_prefixes() {
    let moto = Moto::start().await;
    let conf = sdk(&moto.url, "eu-west-1").await;
    let iam = aws_sdk_iam::Client::new(&conf);
    iam.create_policy()
        .policy_name("numinia-statics-bucket")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::numinia-statics/*"}]}"#)
        .send()
        .await
        .unwrap();
    let s3 = s3_client(&conf);
    s3.create_bucket()
        .bucket("numinia-statics")
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let rb = testkit::runbooks::create_org_with(&["world"], "123456789012");
    let ports = ports(&moto.url, "eu-west-1");
    let out = run(&rb, &ports).await;
    assert_completed(&out);

    let role = iam
        .get_role()
        .role_name("acme-games-secret-manager-role")
        .send()
        .await
        .unwrap();
    let trust = urlencoding_decode(role.role().unwrap().assume_role_policy_document().unwrap());
    assert!(
        trust.contains("system:serviceaccount:acme-games:acme-games"),
        "{trust}"
    );
    assert!(
        trust.contains("oidc.eks.eu-west-1.amazonaws.com/id/5E1F3A0C9D2B4F6A8C7E"),
        "{trust}"
    );
    let attached: Vec<String> = iam
        .list_attached_role_policies()
        .role_name("acme-games-secret-manager-role")
        .send()
        .await
        .unwrap()
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_name().map(str::to_string))
        .collect();
    let mut attached = attached;
    attached.sort();
    assert_eq!(
        attached,
        [
            "acme-games-pre-secret-manager-policy",
            "acme-games-pro-secret-manager-policy",
            "numinia-statics-bucket"
        ]
    );

    let sm = aws_sdk_secretsmanager::Client::new(&conf);
    for env in ["pre", "pro"] {
        let v = sm
            .get_secret_value()
            .secret_id(format!("hyperfy2-acme-games-world-{env}"))
            .send()
            .await
            .unwrap();
        let doc: serde_json::Value = serde_json::from_str(v.secret_string().unwrap()).unwrap();
        assert!(doc["JWT_SECRET"].as_str().unwrap().len() >= 64);
        assert!(doc["ADMIN_CODE"].as_str().unwrap().len() >= 24);
    }
    let keys: Vec<String> = s3
        .list_objects_v2()
        .bucket("numinia-statics")
        .prefix("hyperfy-spaces/acme-games/")
        .send()
        .await
        .unwrap()
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect();
    assert_eq!(
        keys,
        [
            "hyperfy-spaces/acme-games/world/dev/assets/",
            "hyperfy-spaces/acme-games/world/latest/assets/"
        ]
    );

    // A second run finds everything in place and creates nothing twice.
    let again = run(&rb, &ports).await;
    let Outcome::Completed { steps, .. } = &again else {
        panic!("{again:?}")
    };
    for s in steps.iter().filter(|s| {
        [
            "iam-role",
            "iam-policies",
            "attach-policies",
            "secrets",
            "s3-prefixes",
        ]
        .contains(&s.key.as_str())
    }) {
        assert_eq!(s.result, engine::StepResult::AlreadyDone, "{s:?}");
    }
}

/// IAM returns policy documents URL-encoded.
fn urlencoding_decode(s: &str) -> String {
    let mut out = Vec::new();
    let mut rest = s.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        let hex = tail.get(..2).and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(decoded) if b == b'%' => {
                out.push(decoded);
                rest = &tail[2..];
            }
            _ => {
                out.push(b);
                rest = tail;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn failover_shifts_the_route53_records_in_one_batch_and_back() {
    let moto = Moto::start().await;
    // CloudWatch (the primary's alarms) speaks CBOR: through the translating proxy.
    let proxy = CborProxy::start(&moto.url, Duration::ZERO).await;
    for (region, short) in [("us-east-1", "use1"), ("sa-east-1", "sae1")] {
        create_eks_cluster(&proxy.url, region, &format!("eks-prod-{short}")).await;
    }
    create_routing(&proxy.url).await;
    let ports = ports(&proxy.url, "us-east-1");
    let rb = testkit::runbooks::failover();
    let records = helpdev_records(&ports).await;
    assert_eq!(records.len(), 2);
    let role_of = |recs: &[opsdeck::runbook::ports::RoutedRecord], region: &str| {
        let r = recs.iter().find(|r| r.region == region).unwrap();
        (r.role.clone(), r.serving)
    };
    assert_eq!(role_of(&records, "us-east-1"), ("PRIMARY".into(), true));

    let batches = || {
        proxy
            .seen()
            .iter()
            .filter(|s| {
                s.method == "POST"
                    && s.target.starts_with("route53 ")
                    && s.target.ends_with("/rrset")
            })
            .count()
    };
    let before = batches();
    assert_completed(&run(&rb, &ports).await);
    let records = helpdev_records(&ports).await;
    assert_eq!(role_of(&records, "sa-east-1"), ("PRIMARY".into(), true));
    assert_eq!(role_of(&records, "us-east-1"), ("SECONDARY".into(), false));
    assert_eq!(batches() - before, 1, "one change batch for both records");

    assert_completed(&run(&rb.failback(), &ports).await);
    let records = helpdev_records(&ports).await;
    assert_eq!(role_of(&records, "us-east-1"), ("PRIMARY".into(), true));
}

/// phenom's production and staging databases (tagged by environment) and media buckets:
/// `objects` media objects in production, the first `shared` of them in staging too. Returns
/// the RDS client the assertions use.
async fn staging_world(endpoint: &str, objects: usize, shared: usize) -> aws_sdk_rds::Client {
    let conf = sdk(endpoint, "us-east-1").await;
    let rds = aws_sdk_rds::Client::new(&conf);
    for (id, env) in [
        ("phenom-prod-postgres", "production"),
        ("phenom-dev-postgres", "staging"),
    ] {
        testkit::fleet::create_db_instance(&rds, id, &[("environment", env)]).await;
    }
    let s3 = s3_client(&conf);
    for b in ["phenom-prod-media", "phenom-staging-media"] {
        s3.create_bucket().bucket(b).send().await.unwrap();
    }
    for i in 0..objects {
        let buckets: &[&str] = if i < shared {
            &["phenom-prod-media", "phenom-staging-media"]
        } else {
            &["phenom-prod-media"]
        };
        for b in buckets {
            s3.put_object()
                .bucket(*b)
                .key(format!("media/{i:03}.webp"))
                .body(vec![i as u8; 16].into())
                .send()
                .await
                .unwrap();
        }
    }
    rds
}

/// The instance carries the tag that names the snapshot it was restored from.
async fn assert_tagged_as_restored(rds: &aws_sdk_rds::Client, db: &str) {
    let tags = rds
        .list_tags_for_resource()
        .resource_name(format!("arn:aws:rds:us-east-1:123456789012:db:{db}"))
        .send()
        .await
        .unwrap();
    assert!(
        tags.tag_list()
            .iter()
            .any(|t| t.key() == Some(RESTORED_FROM_TAG)),
        "{tags:?}"
    );
}

#[tokio::test]
async fn staging_refresh_snapshots_restores_swaps_and_syncs() {
    let moto = Moto::start().await;
    let rds = staging_world(&moto.url, 25, 5).await;
    let ports = ports(&moto.url, "us-east-1");
    let rb = testkit::runbooks::staging_refresh();

    // Production as the target is refused before anything is written.
    let onto_prod = StagingRefresh {
        target: "phenom-prod-postgres".into(),
        source: "phenom-dev-postgres".into(),
        ..rb.clone()
    };
    assert!(matches!(run(&onto_prod, &ports).await, Outcome::Refused(_)));
    let snaps = testkit::fleet::manual_snapshots(&rds).await;
    assert!(snaps.is_empty(), "nothing written: {snaps:?}");

    assert_completed(&run(&rb, &ports).await);
    let dev = testkit::runbooks::db(&ports, "phenom-dev-postgres").await;
    assert_eq!(
        dev.restored_from.as_deref(),
        Some("phenom-prod-postgres-clone-20261123")
    );
    assert_eq!(dev.environment.as_deref(), Some("staging"));
    let old = ports
        .databases
        .db("phenom-dev-postgres-old-20261123")
        .await
        .unwrap();
    assert!(old.is_some(), "the old instance is kept until verified");
    assert!(
        ports
            .databases
            .db("phenom-dev-postgres-restored-20261123")
            .await
            .unwrap()
            .is_none()
    );
    let prod = testkit::runbooks::db(&ports, "phenom-prod-postgres").await;
    assert!(
        prod.snapshots
            .iter()
            .any(|(id, _)| id == "phenom-prod-postgres-clone-20261123")
    );
    assert_eq!(
        ports
            .storage
            .bucket_diff("phenom-prod-media", "phenom-staging-media")
            .await
            .unwrap(),
        (0, 25)
    );
    assert_tagged_as_restored(&rds, "phenom-dev-postgres").await;
}

#[tokio::test]
async fn the_cli_runs_a_staging_refresh_on_the_configured_account() {
    let moto = Moto::start().await;
    let rds = staging_world(&moto.url, 1, 0).await;
    let home = tempfile::tempdir().unwrap();
    let config = crate::phenom_config(home.path(), &moto.url);
    let mut cmd = crate::opsdeck_on_moto(home.path());
    cmd.args(["--config", config.to_str().unwrap()])
        .args(["--write", "runbook", "staging-refresh"])
        .args(REFRESH_FLAGS)
        .args(["--apply", "--confirm", "phenom-dev-postgres"]);
    let out = crate::output_off_runtime(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("summary:") && stdout.contains("Sync s3://phenom-prod-media"),
        "{stdout}"
    );
    assert_tagged_as_restored(&rds, "phenom-dev-postgres").await;
}

/// create-org without `--account-id` and `--oidc-id`: the account from STS (the account the
/// credentials act in), the OIDC provider id from `eks:DescribeCluster` of the platform
/// cluster, each said with where it came from; a cluster that is not there is refused, naming
/// the flag that would do instead.
#[tokio::test]
async fn create_org_reads_the_account_and_the_oidc_provider_from_the_world() {
    let moto = Moto::start().await;
    testkit::fleet::create_eks_cluster(&moto.url, "eu-west-1", "prod-cluster").await;
    let conf = sdk(&moto.url, "eu-west-1").await;
    let described = aws_sdk_eks::Client::new(&conf)
        .describe_cluster()
        .name("prod-cluster")
        .send()
        .await
        .unwrap();
    let issuer = described
        .cluster()
        .and_then(|c| c.identity())
        .and_then(|i| i.oidc())
        .and_then(|o| o.issuer())
        .unwrap()
        .to_string();
    let oidc_id = issuer.rsplit('/').next().unwrap().to_string();
    let ports = ports(&moto.url, "eu-west-1");

    let mut inputs = serde_json::json!({"org": "acme-games", "cluster": "prod-cluster",
                                        "region": "eu-west-1"});
    let read = from_world("create-org", &ports, &mut inputs).await.unwrap();
    assert_eq!(inputs["account_id"], "123456789012", "moto's account");
    assert_eq!(inputs["oidc_provider_id"], oidc_id.as_str());
    assert_eq!(
        read,
        [
            "account id 123456789012: read from sts:GetCallerIdentity (the account the credentials act in)".to_string(),
            format!("OIDC provider id {oidc_id}: read from eks:DescribeCluster prod-cluster in eu-west-1 (identity.oidc.issuer)"),
        ]
    );

    // Given, nothing is read.
    let mut given =
        serde_json::json!({"account_id": "111122223333", "oidc_provider_id": "ABCDEF0123"});
    let read = from_world("create-org", &ports, &mut given).await.unwrap();
    assert!(read.is_empty());
    assert_eq!(given["account_id"], "111122223333");

    // No such cluster: refused, saying which flag would do.
    let mut inputs =
        serde_json::json!({"account_id": "123456789012", "cluster": "nope", "region": "eu-west-1"});
    let err = from_world("create-org", &ports, &mut inputs)
        .await
        .unwrap_err();
    assert!(
        err.starts_with("--oidc-id not given, and it could not be read"),
        "{err}"
    );
}

/// What `runbook`'s `from_world` reads into `inputs` on `ports`, with no hints from a config.
async fn from_world(
    runbook: &str,
    ports: &Ports,
    inputs: &mut serde_json::Value,
) -> Result<Vec<String>, String> {
    let spec = opsdeck::runbook::spec(runbook).unwrap();
    let read = spec.from_world.as_ref().unwrap().read;
    read(ports, &WorldHints::default(), inputs).await
}

/// A second failover pair in helpdev.io: `www`, primary in us-east-1, without health checks.
async fn add_www_pair(endpoint: &str) {
    use aws_sdk_route53::types::{
        Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet,
        ResourceRecordSetFailover, RrType,
    };
    let r53 = aws_sdk_route53::Client::new(&sdk(endpoint, "us-east-1").await);
    let zones = r53.list_hosted_zones().send().await.unwrap();
    let zone = zones.hosted_zones()[0].id().to_string();
    let mut batch = ChangeBatch::builder();
    for (id, ip, primary) in [("use1", "192.0.2.1", true), ("sae1", "192.0.2.2", false)] {
        let set = ResourceRecordSet::builder()
            .name("www.helpdev.io")
            .r#type(RrType::A)
            .set_identifier(id)
            .ttl(60)
            .failover(if primary {
                ResourceRecordSetFailover::Primary
            } else {
                ResourceRecordSetFailover::Secondary
            })
            .resource_records(ResourceRecord::builder().value(ip).build().unwrap())
            .build()
            .unwrap();
        batch = batch.changes(
            Change::builder()
                .action(ChangeAction::Create)
                .resource_record_set(set)
                .build()
                .unwrap(),
        );
    }
    r53.change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(batch.build().unwrap())
        .send()
        .await
        .unwrap();
}

/// The failover's form from Route53: the only routed name and its regions (the serving one
/// first), read; with two routed names, both listed and neither picked, unless one is given.
#[tokio::test]
async fn failover_reads_the_routed_name_and_its_regions_from_route53() {
    let moto = Moto::start().await;
    create_routing(&moto.url).await;
    let ports = ports(&moto.url, "us-east-1");

    let mut inputs = serde_json::json!({});
    let said = from_world("failover", &ports, &mut inputs).await.unwrap();
    assert_eq!(
        inputs,
        serde_json::json!({"zone": "helpdev.io", "record": "api.helpdev.io",
                           "from": "us-east-1", "to": "sa-east-1"}),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|l| l == "from us-east-1: the region Route53 serves it from now"),
        "{said:?}"
    );

    // A --from Route53 does not serve from is said, and the failover is not turned around.
    let mut inputs = serde_json::json!({"from": "sa-east-1"});
    let said = from_world("failover", &ports, &mut inputs).await.unwrap();
    assert!(inputs.get("to").is_none(), "{inputs}");
    assert!(
        said.iter()
            .any(|l| l.contains("Route53 serves api.helpdev.io from us-east-1, not sa-east-1")),
        "{said:?}"
    );
    // Names as Route53 reads them: any case, with the root's dot or not.
    let mut inputs = serde_json::json!({"record": "API.helpdev.io."});
    from_world("failover", &ports, &mut inputs).await.unwrap();
    assert_eq!(
        (&inputs["zone"], &inputs["from"]),
        (&"helpdev.io".into(), &"us-east-1".into())
    );
    // The config may name its zones by id.
    let r53 = aws_sdk_route53::Client::new(&sdk(&moto.url, "us-east-1").await);
    let zones = r53.list_hosted_zones().send().await.unwrap();
    let id = zones.hosted_zones()[0].id().to_string();
    let hints = WorldHints {
        hosted_zones: vec![id],
        ..WorldHints::default()
    };
    let mut inputs = serde_json::json!({});
    let read = opsdeck::runbook::spec("failover")
        .unwrap()
        .from_world
        .as_ref()
        .unwrap()
        .read;
    read(&ports, &hints, &mut inputs).await.unwrap();
    assert_eq!(inputs["zone"], "helpdev.io", "the zone's name, from its id");
    // A name that is not routed lists those that are.
    let mut inputs = serde_json::json!({"record": "nope.helpdev.io"});
    let said = from_world("failover", &ports, &mut inputs).await.unwrap();
    assert!(
        said.iter().any(|l| l.starts_with("nope.helpdev.io has no failover records in helpdev.io; routed names there: api.helpdev.io")),
        "{said:?}"
    );

    add_www_pair(&moto.url).await;
    let mut inputs = serde_json::json!({});
    let said = from_world("failover", &ports, &mut inputs).await.unwrap();
    assert_eq!(inputs, serde_json::json!({}), "two names: none picked");
    let listed = said.join("\n");
    assert!(
        listed.contains("api.helpdev.io in helpdev.io: us-east-1 PRIMARY, sa-east-1 SECONDARY")
            && listed.contains("www.helpdev.io in helpdev.io:"),
        "{listed}"
    );

    // The name given picks among them; the serving region is Route53's.
    let mut inputs = serde_json::json!({"record": "www.helpdev.io."});
    from_world("failover", &ports, &mut inputs).await.unwrap();
    assert_eq!(inputs["zone"], "helpdev.io");
    assert_eq!(inputs["from"], "us-east-1");
    assert_eq!(inputs["to"], "sa-east-1");
}

/// The staging refresh's form from RDS and S3: the only instance and bucket tagged production
/// as the sources, the only ones tagged otherwise as the targets; a second staging instance is
/// listed, not picked.
#[tokio::test]
async fn staging_refresh_reads_the_instances_and_buckets_by_their_environment_tags() {
    let moto = Moto::start().await;
    let rds = staging_world(&moto.url, 1, 0).await;
    let s3 = s3_client(&sdk(&moto.url, "us-east-1").await);
    for (bucket, env) in [
        ("phenom-prod-media", "production"),
        ("phenom-staging-media", "staging"),
    ] {
        let tag = aws_sdk_s3::types::Tag::builder()
            .key("Environment")
            .value(env)
            .build()
            .unwrap();
        let tagging = aws_sdk_s3::types::Tagging::builder()
            .tag_set(tag)
            .build()
            .unwrap();
        s3.put_bucket_tagging()
            .bucket(bucket)
            .tagging(tagging)
            .send()
            .await
            .unwrap();
    }
    s3.create_bucket()
        .bucket("logs-untagged")
        .send()
        .await
        .unwrap();
    let ports = ports(&moto.url, "us-east-1");

    let mut inputs = serde_json::json!({"snapshot": null});
    let said = from_world("staging-refresh", &ports, &mut inputs)
        .await
        .unwrap();
    assert_eq!(inputs["source"], "phenom-prod-postgres", "{said:?}");
    assert_eq!(inputs["target"], "phenom-dev-postgres");
    assert_eq!(inputs["source_bucket"], "phenom-prod-media");
    assert_eq!(inputs["target_bucket"], "phenom-staging-media");
    let listed = said.join("\n");
    assert!(
        listed.contains("phenom-dev-postgres (environment=staging, available)")
            && listed.contains("logs-untagged (no environment tag)"),
        "{listed}"
    );

    // Two non-production instances of phenom: no pair is complete, nothing is guessed; a target
    // given takes the production instance of its own application.
    testkit::fleet::create_db_instance(&rds, "phenom-qa-postgres", &[("environment", "qa")]).await;
    let mut inputs = serde_json::json!({});
    from_world("staging-refresh", &ports, &mut inputs)
        .await
        .unwrap();
    assert!(
        inputs.get("source").is_none() && inputs.get("target").is_none(),
        "{inputs}"
    );
    let mut inputs = serde_json::json!({"target": "phenom-qa-postgres"});
    from_world("staging-refresh", &ports, &mut inputs)
        .await
        .unwrap();
    assert_eq!(inputs["source"], "phenom-prod-postgres");
    // Instances of two applications, both given: said, and no buckets follow either.
    let mut inputs = serde_json::json!({"source": "phenom-prod-postgres", "target": "billing-stg"});
    let said = from_world("staging-refresh", &ports, &mut inputs)
        .await
        .unwrap();
    assert!(
        said.iter()
            .any(|l| l.contains("different applications (phenom and billing)")),
        "{said:?}"
    );
    assert!(inputs.get("source_bucket").is_none(), "{inputs}");
}

/// The CLI without the flags the world can tell: read and said; one it cannot tell is refused
/// by its flag, with the choices listed and nothing written.
#[tokio::test]
async fn the_cli_reads_what_it_is_not_given_and_refuses_what_the_world_does_not_tell() {
    let moto = Moto::start().await;
    let rds = staging_world(&moto.url, 1, 0).await;
    let home = tempfile::tempdir().unwrap();
    let config = crate::phenom_config(home.path(), &moto.url);
    let plan = |extra: &[&str]| {
        let mut cmd = crate::opsdeck_on_moto(home.path());
        cmd.args(["--config", config.to_str().unwrap()])
            .args(["runbook", "staging-refresh"])
            .args(["--source-bucket", "phenom-prod-media"])
            .args(["--target-bucket", "phenom-staging-media"])
            .args(extra);
        cmd
    };
    let out = crate::output_off_runtime(plan(&[])).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("source phenom-prod-postgres: tagged production, of phenom")
            && stdout.contains("target phenom-dev-postgres: tagged staging, of phenom")
            && stdout.contains("plan"),
        "{stdout}"
    );

    testkit::fleet::create_db_instance(&rds, "phenom-qa-postgres", &[("environment", "qa")]).await;
    let out = crate::output_off_runtime(plan(&[])).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--target not given, and the world does not tell it")
            && stdout.contains("phenom-qa-postgres (environment=qa, available)"),
        "{stdout}{stderr}"
    );
    assert!(
        !stderr.contains("RDS instances:"),
        "the choices are said, not refusals: {stderr}"
    );
    // Given, it goes.
    let out = crate::output_off_runtime(plan(&["--target", "phenom-qa-postgres"])).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
