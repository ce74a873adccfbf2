//! Checks before writes (issue #11, items 9 and 11): every input of a runbook is checked before
//! its first write, in its input validation or its preflight, never found out by a step after
//! others changed the world — an S3 bucket name by AWS's rules and the bucket's existence, a
//! space named twice, the demo clock's speed; and the failover's preflight weighs the region the
//! traffic moves to: its firing CloudWatch alarms and failing Route53 health checks refuse the
//! run unless a typed reason overrides them. On the demo world through the engine, through the
//! real binary, and against moto for the AWS port's reads.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use opsdeck::backend::aws::runbook_ports::Dns;
use opsdeck::backend::demo::{DemoWorld, MemoryGit};
use opsdeck::runbook::create_org::CreateOrg;
use opsdeck::runbook::engine::{Outcome, RunOptions, StepResult};
use opsdeck::runbook::failover::Failover;
use opsdeck::runbook::ports::Ports;
use opsdeck::runbook::staging_refresh::StagingRefresh;
use testkit::runbooks::{
    CREATE_ORG_FLAGS, REFRESH_FLAGS, apply, argv, clock, failover, helpdev_records, journals,
    no_journal, primary_in, refused, run_to_end, staging_refresh_inputs, with_flags,
};
use testkit::text;

use crate::run_on_moto as opsdeck;

fn demo() -> Arc<DemoWorld> {
    DemoWorld::new(clock(), None, MemoryGit::seeded())
}

fn create_org() -> CreateOrg {
    testkit::runbooks::create_org_inputs()
}

// --- staging-refresh: the buckets -------------------------------------------------------------

/// (a) A target bucket that does not exist is found by the preflight: the run is refused with
/// the bucket named, and no snapshot, restore or rename happened (before, all three ran and the
/// sync found the bucket missing last).
#[tokio::test]
async fn a_missing_bucket_refuses_the_staging_refresh_before_the_snapshot() {
    for (field, missing) in [
        ("target bucket", "phenom-staging-media-gone"),
        ("source bucket", "phenom-prod-media-gone"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let world = demo();
        let ports = world.ports();
        let mut inputs = staging_refresh_inputs();
        if field == "target bucket" {
            inputs.target_bucket = missing.into();
        } else {
            inputs.source_bucket = missing.into();
        }
        let rb = StagingRefresh::new(inputs).expect("a valid bucket name passes the inputs");

        // The plan is refused too: the preflight runs before it.
        let plan = RunOptions {
            apply: false,
            ..apply(dir.path(), "")
        };
        let p = refused(run_to_end(&rb, &ports, &plan).await);
        let wanted = format!("{field} s3://{missing} does not exist");
        assert!(p.iter().any(|x| x.contains(&wanted)), "{wanted:?}: {p:#?}");

        let p = refused(run_to_end(&rb, &ports, &apply(dir.path(), "phenom-dev-postgres")).await);
        assert!(p.iter().any(|x| x.contains(&wanted)), "{wanted:?}: {p:#?}");
        assert!(world.creates().is_empty(), "{:?}", world.creates());
        no_journal(dir.path());
        let source = testkit::runbooks::db(&ports, "phenom-prod-postgres").await;
        assert!(
            !source
                .snapshots
                .iter()
                .any(|(id, _)| id == "phenom-prod-postgres-clone-20261123"),
            "no snapshot was taken: {:?}",
            source.snapshots
        );
        for id in [
            "phenom-dev-postgres-restored-20261123",
            "phenom-dev-postgres-old-20261123",
        ] {
            assert!(
                ports.databases.db(id).await.unwrap().is_none(),
                "{id} exists"
            );
        }
        let target = testkit::runbooks::db(&ports, "phenom-dev-postgres").await;
        assert_eq!(target.restored_from, None, "staging was not swapped");
    }

    // Both buckets there: the same run goes through (the check refuses only what is missing).
    let dir = tempfile::tempdir().unwrap();
    let world = demo();
    let rb = StagingRefresh::new(staging_refresh_inputs()).unwrap();
    let out = run_to_end(
        &rb,
        &world.ports(),
        &apply(dir.path(), "phenom-dev-postgres"),
    )
    .await;
    assert!(matches!(out, Outcome::Completed { .. }), "{out:#?}");
}

/// (b) A bucket name AWS would never accept is refused with the inputs, before any port is
/// asked anything, each bad name in its own line.
#[test]
fn an_invalid_bucket_name_is_refused_with_the_inputs() {
    let p = StagingRefresh::new(StagingRefresh {
        target_bucket: "a b".into(),
        ..staging_refresh_inputs()
    })
    .unwrap_err();
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(
        p[0].contains("target bucket \"a b\" is not a valid S3 bucket name"),
        "{p:#?}"
    );

    for bad in [
        "ab",
        "Phenom-Media",
        "phenom_media",
        "-phenom-media",
        "phenom-media-",
        "phenom..media",
        "192.168.5.4",
    ] {
        let p = StagingRefresh::new(StagingRefresh {
            source_bucket: bad.into(),
            ..staging_refresh_inputs()
        })
        .unwrap_err();
        assert!(
            p.iter().any(|x| x.contains(&format!(
                "source bucket {bad:?} is not a valid S3 bucket name"
            ))),
            "{bad}: {p:#?}"
        );
    }
    let long = "m".repeat(64);
    assert!(
        StagingRefresh::new(StagingRefresh {
            target_bucket: long,
            ..staging_refresh_inputs()
        })
        .unwrap_err()[0]
            .contains("3 to 63 characters")
    );

    // create-org's statics bucket follows the same rules.
    let p = CreateOrg::new(CreateOrg {
        statics_bucket: "numinia statics".into(),
        ..create_org()
    })
    .unwrap_err();
    assert!(
        p.iter().any(|x| x
            .contains("statics bucket \"numinia statics\" is not a valid S3 bucket name")),
        "{p:#?}"
    );

    // A journal whose inputs name a bad bucket is not resumed either.
    let mut inputs = serde_json::to_value(staging_refresh_inputs()).unwrap();
    inputs["target_bucket"] = "a b".into();
    let Err(e) = opsdeck::runbook::from_inputs("staging-refresh", &inputs) else {
        panic!("a journal naming the bucket \"a b\" must not resume")
    };
    assert!(e.contains("not a valid S3 bucket name"), "{e}");
}

// --- create-org: a space named twice ----------------------------------------------------------

/// (c) `--space world --space world` is refused, naming the space, once however often it is
/// repeated; before, every per-space step ran twice.
#[test]
fn a_space_named_twice_is_refused_naming_it() {
    let p = CreateOrg::new(CreateOrg {
        spaces: vec![
            "world".into(),
            "arena".into(),
            "world".into(),
            "world".into(),
        ],
        ..create_org()
    })
    .unwrap_err();
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(
        p[0].contains("space \"world\" is given more than once"),
        "{p:#?}"
    );
    assert!(CreateOrg::new(create_org()).is_ok());
}

// --- failover: the region the traffic moves to ------------------------------------------------

/// (d) An alarm firing in the region the traffic moves to refuses the failover, listing the
/// alarm, unless a typed reason overrides it; with one, the run goes ahead, the readiness step
/// warns with the alarm, and the journal records the override.
#[tokio::test]
async fn an_alarm_in_the_target_region_needs_an_override_reason() {
    const ALARM: &str = "sa-east-1-replica-lag";
    let dir = tempfile::tempdir().unwrap();
    let world = demo();
    world.break_region("us-east-1");
    world.fire_alarm("sa-east-1", ALARM);
    let ports = world.ports();
    let rb = failover();
    let wanted = format!("alarm {ALARM} is firing in sa-east-1");

    // The plan and the apply alike are refused without a reason, the alarm named.
    let plan = RunOptions {
        apply: false,
        ..apply(dir.path(), "")
    };
    for opts in [plan, apply(dir.path(), "sa-east-1")] {
        let p = refused(run_to_end(&rb, &ports, &opts).await);
        assert!(p.iter().any(|x| x.contains(&wanted)), "{p:#?}");
        assert!(p.iter().any(|x| x.contains("--override-reason")), "{p:#?}");
        assert!(world.creates().is_empty(), "{:?}", world.creates());
        no_journal(dir.path());
    }
    // A blank reason is no reason.
    let mut blank = apply(dir.path(), "sa-east-1");
    blank.override_reason = Some("  ".into());
    refused(run_to_end(&rb, &ports, &blank).await);
    no_journal(dir.path());

    // With a reason the plan shows the alarm as overridden, and the run goes ahead.
    let reason = "us-east-1 is down hard; replica lag in sa-east-1 is the lesser harm";
    let plan = RunOptions {
        apply: false,
        override_reason: Some(reason.into()),
        ..apply(dir.path(), "")
    };
    match run_to_end(&rb, &ports, &plan).await {
        Outcome::Planned { overridable, .. } => {
            assert!(
                overridable.iter().any(|x| x.contains(&wanted)),
                "{overridable:#?}"
            )
        }
        other => panic!("{other:#?}"),
    }
    let mut opts = apply(dir.path(), "sa-east-1");
    opts.override_reason = Some(reason.into());
    let out = run_to_end(&rb, &ports, &opts).await;
    let Outcome::Completed { journal, steps, .. } = out else {
        panic!("{out:#?}")
    };
    assert_eq!(steps[0].key, "secondary-ready");
    assert_eq!(steps[0].result, StepResult::Warned, "{steps:#?}");
    assert!(
        steps[0]
            .note
            .as_deref()
            .is_some_and(|n| n.contains(&wanted)),
        "{steps:#?}"
    );
    let text = std::fs::read_to_string(journal).unwrap();
    assert!(
        text.contains("\"event\":\"override\"") && text.contains(ALARM) && text.contains(reason),
        "{text}"
    );
    let records = helpdev_records(&ports).await;
    assert!(primary_in(&records, "sa-east-1"), "{records:#?}");
}

/// A target region with its alarm firing and its health check failing: both are listed, each
/// in its own line (before, only the health check was).
#[tokio::test]
async fn a_broken_target_region_lists_its_alarms_and_its_health_checks() {
    let dir = tempfile::tempdir().unwrap();
    let world = demo();
    world.break_region("sa-east-1");
    let p = refused(run_to_end(&failover(), &world.ports(), &apply(dir.path(), "sa-east-1")).await);
    assert!(
        p.iter()
            .any(|x| x.contains("alarm sa-east-1-5xx-rate is firing in sa-east-1")),
        "{p:#?}"
    );
    assert_eq!(
        p.iter()
            .filter(|x| x.contains("health check hc-api-sae1 of sa-east-1 is failing"))
            .count(),
        1,
        "the failing check once: {p:#?}"
    );
    assert!(world.creates().is_empty(), "{:?}", world.creates());
    no_journal(dir.path());

    // An alarm in the region the traffic leaves is why to fail over, not a reason to refuse.
    let dir = tempfile::tempdir().unwrap();
    let world = demo();
    world.fire_alarm("us-east-1", "us-east-1-api-errors");
    let out = run_to_end(&failover(), &world.ports(), &apply(dir.path(), "sa-east-1")).await;
    assert!(matches!(out, Outcome::Completed { .. }), "{out:#?}");
}

// --- through the binary -----------------------------------------------------------------------

/// Refused with exit code 2, each wanted text in the refusal, nothing journalled and no line of
/// progress.
fn assert_refused(home: &Path, out: &Output, wanted: &[&str]) {
    testkit::assert_refused(out, wanted);
    assert_eq!(journals(home).len(), 0, "nothing journalled");
}

const APPLY_REFRESH: &[&str] = &["--write", "--apply", "--confirm", "phenom-dev-postgres"];

fn refresh_args<'a>(source_bucket: &'a str, target_bucket: &'a str) -> Vec<&'a str> {
    let flags = with_flags(
        REFRESH_FLAGS,
        &[
            ("--source-bucket", source_bucket),
            ("--target-bucket", target_bucket),
        ],
    );
    argv(&[
        &["runbook", "staging-refresh", "--demo", "--speed", "0"],
        &flags,
        APPLY_REFRESH,
    ])
}

/// (b), (a) and (c) through the binary: `--target-bucket 'a b'`, a bucket the demo world does
/// not have and `--space world --space world` are refused with exit code 2 before anything runs
/// or is journalled.
#[test]
fn the_cli_refuses_bad_inputs_before_the_first_write() {
    let home = tempfile::tempdir().unwrap();
    let out = opsdeck(home.path(), &refresh_args("phenom-prod-media", "a b"));
    assert_refused(
        home.path(),
        &out,
        &["target bucket \"a b\" is not a valid S3 bucket name"],
    );

    let out = opsdeck(
        home.path(),
        &refresh_args("phenom-prod-media", "phenom-staging-media-gone"),
    );
    assert_refused(
        home.path(),
        &out,
        &["target bucket s3://phenom-staging-media-gone does not exist"],
    );

    let out = opsdeck(
        home.path(),
        &argv(&[
            &["runbook", "create-org", "--demo", "--speed", "0"],
            CREATE_ORG_FLAGS,
            &["--space", "world"],
            &["--write", "--apply", "--confirm", "prod-cluster"],
        ]),
    );
    assert_refused(
        home.path(),
        &out,
        &["space \"world\" is given more than once"],
    );

    // The inputs that are right run to the end.
    let out = opsdeck(
        home.path(),
        &refresh_args("phenom-prod-media", "phenom-staging-media"),
    );
    testkit::assert_success(&out);
}

/// `--speed` is a range: 0 (jump over every wait) to 3600; a negative, NaN or infinite speed
/// is a usage error, not a clock that quietly jumps.
#[test]
fn the_demo_speed_is_checked() {
    let home = tempfile::tempdir().unwrap();
    for bad in [
        "--speed=-1",
        "--speed=nan",
        "--speed=inf",
        "--speed=1e9",
        "--speed=fast",
    ] {
        let out = opsdeck(
            home.path(),
            &argv(&[
                &["runbook", "staging-refresh", "--demo", bad],
                REFRESH_FLAGS,
            ]),
        );
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains("--speed"), "{bad}: {err}");
        assert!(
            err.contains("0 (jump over every wait) to 3600"),
            "{bad}: {err}"
        );
        assert_eq!(text(&out.stdout), "", "{bad}: no plan");
    }
    for ok in ["--speed=0", "--speed=1", "--speed=3600"] {
        let out = opsdeck(
            home.path(),
            &argv(&[&["runbook", "staging-refresh", "--demo", ok], REFRESH_FLAGS]),
        );
        assert!(out.status.success(), "{ok}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("plan"), "{ok}");
    }
}

// --- against moto: the AWS port's reads -------------------------------------------------------

/// The AWS side against `endpoint`, the cluster and GitOps sides from the demo world.
fn aws_ports(endpoint: &str) -> Ports {
    let account = testkit::fleet::account_at("phenom", None, endpoint);
    testkit::fleet::aws_side(
        account,
        "us-east-1",
        Dns::Fixed(BTreeMap::new()),
        demo().ports(),
    )
}

/// (e) `bucket_exists` is S3's HeadBucket: true for a bucket, false for a missing one (a bare
/// 404); and a staging refresh whose target bucket is missing is refused by its preflight
/// against AWS too, with no snapshot taken and no instance restored.
#[tokio::test]
async fn the_aws_port_asks_head_bucket_and_the_preflight_refuses_a_missing_bucket() {
    let moto = testkit::moto::Moto::start().await;
    let conf = testkit::fleet::sdk(&moto.url, "us-east-1").await;
    testkit::fleet::s3_client(&conf)
        .create_bucket()
        .bucket("phenom-prod-media")
        .send()
        .await
        .unwrap();
    let rds = aws_sdk_rds::Client::new(&conf);
    for (id, env) in [
        ("phenom-prod-postgres", "production"),
        ("phenom-dev-postgres", "staging"),
    ] {
        testkit::fleet::create_db_instance(&rds, id, &[("environment", env)]).await;
    }
    let ports = aws_ports(&moto.url);
    assert!(
        ports
            .storage
            .bucket_exists("phenom-prod-media")
            .await
            .unwrap()
    );
    assert!(
        !ports
            .storage
            .bucket_exists("phenom-staging-media")
            .await
            .unwrap()
    );

    let rb = StagingRefresh::new(staging_refresh_inputs()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = refused(run_to_end(&rb, &ports, &apply(dir.path(), "phenom-dev-postgres")).await);
    assert!(
        p.iter()
            .any(|x| x.contains("target bucket s3://phenom-staging-media does not exist")),
        "{p:#?}"
    );
    assert!(
        !p.iter().any(|x| x.contains("source bucket")),
        "the source bucket exists: {p:#?}"
    );
    no_journal(dir.path());
    let snaps = testkit::fleet::manual_snapshots(&rds).await;
    assert!(snaps.is_empty(), "no snapshot: {snaps:?}");
    let dbs = rds.describe_db_instances().send().await.unwrap();
    assert_eq!(dbs.db_instances().len(), 2, "no instance restored: {dbs:?}");
}

/// (d) against AWS: a CloudWatch alarm firing in the region the traffic moves to refuses the
/// failover, listing it; moto's health checks all pass, so the alarm alone refuses it.
#[tokio::test]
async fn an_alarm_in_the_target_region_refuses_the_failover_on_aws() {
    use testkit::cbor_proxy::CborProxy;
    use testkit::fleet::{create_eks_cluster, create_firing_sae1_alarm, create_routing};

    let moto = testkit::moto::Moto::start().await;
    // CloudWatch speaks CBOR: through the translating proxy.
    let proxy = CborProxy::start(&moto.url, Duration::ZERO).await;
    for (region, short) in [("us-east-1", "use1"), ("sa-east-1", "sae1")] {
        create_eks_cluster(&proxy.url, region, &format!("eks-prod-{short}")).await;
    }
    create_routing(&proxy.url).await;
    create_firing_sae1_alarm(&proxy.url).await;
    let ports = aws_ports(&proxy.url);
    let dir = tempfile::tempdir().unwrap();
    let p = refused(run_to_end(&failover(), &ports, &apply(dir.path(), "sa-east-1")).await);
    assert!(
        p.iter()
            .any(|x| x.contains("alarm eks-prod-sae1-node-cpu-high is firing in sa-east-1")),
        "{p:#?}"
    );
    no_journal(dir.path());
    let records = helpdev_records(&ports).await;
    assert!(
        primary_in(&records, "us-east-1"),
        "nothing shifted: {records:#?}"
    );
}

// --- regions, templates and domains that would land in ARNs and host names ----------------

/// A region goes into the OIDC issuer's host name and ARNs, a template into a path, a domain
/// into Ingress hosts: each is refused before anything when it is not what it must be.
#[test]
fn regions_templates_and_domains_are_checked_before_anything() {
    for (input, expected) in [
        (
            CreateOrg {
                region: "eu-west-1/../x".into(),
                ..create_org()
            },
            "region \"eu-west-1/../x\" is not an AWS region",
        ),
        (
            CreateOrg {
                region: "eu-west-7".into(),
                ..create_org()
            },
            "did you mean eu-west-1?",
        ),
        (
            CreateOrg {
                template: ".".into(),
                ..create_org()
            },
            "template \".\" is not a DNS-1123 label",
        ),
        (
            CreateOrg {
                domain: "acmegames.io.".into(),
                ..create_org()
            },
            "ends with a dot: write it as acmegames.io",
        ),
    ] {
        let p = CreateOrg::new(input).unwrap_err();
        assert!(p.iter().any(|x| x.contains(expected)), "{expected}: {p:#?}");
    }
    let p = Failover::new(Failover {
        from: "mars-north-9".into(),
        ..failover()
    })
    .unwrap_err();
    assert!(
        p.iter()
            .any(|x| x.contains("from-region \"mars-north-9\" is not an AWS region")),
        "{p:#?}"
    );
    assert!(
        Failover::new(Failover {
            from: "us-gov-west-1".into(),
            to: "us-gov-east-1".into(),
            ..failover()
        })
        .is_ok(),
        "GovCloud regions are regions"
    );
}

/// On the demo, create-org without `--account-id` and `--oidc-id` plans with the world's: the
/// plan's first lines say where each came from.
#[test]
fn create_org_plans_with_the_account_and_oidc_of_the_world() {
    let home = tempfile::tempdir().unwrap();
    let out = crate::run_in(
        home.path(),
        &[
            "runbook",
            "create-org",
            "--demo",
            "--org",
            "acme-games",
            "--domain",
            "acmegames.io",
            "--space",
            "world",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(
            "account id 111122223333: read from sts:GetCallerIdentity (the account the credentials act in)\n\
             OIDC provider id 5E1F3A0C9D2B4F6A8C7E: read from eks:DescribeCluster prod-cluster in eu-west-1 (identity.oidc.issuer)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("oidc.eks.eu-west-1.amazonaws.com/id/5E1F3A0C9D2B4F6A8C7E"),
        "the plan uses it:\n{text}"
    );
}
