//! A runbook writes only to the world it means: a staging refresh swaps in only the instance
//! opsdeck restored (tagged `opsdeck:restored-from=<snapshot>`) and never syncs into a bucket
//! tagged production; create-org's `--account-id` is the account the credentials act in; a
//! journal records that account and a resume with credentials of another one is refused. Against
//! moto (whose STS answers account 123456789012), on the demo world (account 111122223333) and
//! through the binary.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use opsdeck::backend::aws::runbook_ports::Dns;
use opsdeck::backend::demo::{ACCOUNT_ID, DemoWorld, MemoryGit};
use opsdeck::runbook::create_org::CreateOrg;
use opsdeck::runbook::engine::{self, Control, Outcome};
use opsdeck::runbook::ports::Ports;
use opsdeck::runbook::ports::RESTORED_FROM_TAG;
use opsdeck::runbook::staging_refresh::StagingRefresh;
use opsdeck::runbook::{RunState, Runbook};
use serde_json::Value;
use testkit::fleet::{account_at, aws_side, create_db_instance, s3_client, sdk};
use testkit::moto::Moto;
use testkit::runbooks::{
    REFRESH_FLAGS, argv, assert_refused_run, clock, edit_journal_start, interrupt, journals,
    no_journal, options, refused,
};

/// The account moto's STS answers for its test credentials.
const MOTO_ACCOUNT: &str = "123456789012";

/// The AWS side against `endpoint`, the cluster and GitOps sides from the demo world.
fn aws_ports(endpoint: &str) -> Ports {
    let demo = DemoWorld::new(clock(), None, MemoryGit::seeded()).ports();
    aws_side(
        account_at("phenom", None, endpoint),
        "us-east-1",
        Dns::Fixed(BTreeMap::new()),
        demo,
    )
}

async fn apply(rb: &dyn Runbook, ports: &Ports, dir: &Path) -> Outcome {
    engine::run(rb, ports, &options(dir, &rb.target(), true), &mut |_| {
        Control::Continue
    })
    .await
}

/// Applies `rb` with a journal directory of its own: it must be refused and write no journal.
/// The problems it was refused with.
async fn refused_without_journal(rb: &dyn Runbook, ports: &Ports) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let p = refused(apply(rb, ports, dir.path()).await);
    no_journal(dir.path());
    p
}

/// moto in us-east-1 holding RDS instances and S3 buckets, its clients, and the runbook ports
/// against it (the cluster and GitOps sides the demo world's).
struct OnMoto {
    moto: Moto,
    rds: aws_sdk_rds::Client,
    s3: aws_sdk_s3::Client,
    ports: Ports,
}

/// An RDS instance: its id and tags.
type InstanceSpec<'a> = (&'a str, &'a [(&'a str, &'a str)]);
/// An S3 bucket: its name, how many media objects, and its `environment` tag if any.
type BucketSpec<'a> = (&'a str, usize, Option<&'a str>);

async fn on_moto(instances: &[InstanceSpec<'_>], buckets: &[BucketSpec<'_>]) -> OnMoto {
    let moto = Moto::start().await;
    let conf = sdk(&moto.url, "us-east-1").await;
    let rds = aws_sdk_rds::Client::new(&conf);
    for (id, tags) in instances {
        create_db_instance(&rds, id, tags).await;
    }
    let s3 = s3_client(&conf);
    for (name, objects, env) in buckets {
        bucket(&s3, name, *objects, *env).await;
    }
    let ports = aws_ports(&moto.url);
    OnMoto {
        moto,
        rds,
        s3,
        ports,
    }
}

async fn instances(rds: &aws_sdk_rds::Client) -> Vec<String> {
    let mut v: Vec<String> = rds
        .describe_db_instances()
        .send()
        .await
        .unwrap()
        .db_instances()
        .iter()
        .filter_map(|d| d.db_instance_identifier().map(str::to_string))
        .collect();
    v.sort();
    v
}

async fn manual_snapshots(rds: &aws_sdk_rds::Client) -> usize {
    testkit::fleet::manual_snapshots(rds).await.len()
}

/// A bucket with `objects` media objects and, when given, an `environment` tag.
async fn bucket(s3: &aws_sdk_s3::Client, name: &str, objects: usize, env: Option<&str>) {
    s3.create_bucket().bucket(name).send().await.unwrap();
    for i in 0..objects {
        s3.put_object()
            .bucket(name)
            .key(format!("media/{i:03}.webp"))
            .body(vec![i as u8; 16].into())
            .send()
            .await
            .unwrap();
    }
    if let Some(env) = env {
        let tag = aws_sdk_s3::types::Tag::builder()
            .key("environment")
            .value(env)
            .build()
            .unwrap();
        s3.put_bucket_tagging()
            .bucket(name)
            .tagging(
                aws_sdk_s3::types::Tagging::builder()
                    .tag_set(tag)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
}

async fn object_count(s3: &aws_sdk_s3::Client, name: &str) -> usize {
    s3.list_objects_v2()
        .bucket(name)
        .send()
        .await
        .unwrap()
        .contents()
        .len()
}

/// A staging refresh on `day` of `[source, target, source_bucket, target_bucket]`.
/// A refresh's source and target instances and buckets, on moto and on the demo world.
const APP4: [&str; 4] = [
    "app4-prod-pg",
    "app4-stg-pg",
    "app4-prod-media",
    "app4-stg-media",
];
const PHENOM: [&str; 4] = [
    "phenom-prod-postgres",
    "phenom-dev-postgres",
    "phenom-prod-media",
    "phenom-staging-media",
];

fn refresh(names: [&str; 4], day: &str) -> StagingRefresh {
    let [source, target, source_bucket, target_bucket] = names;
    StagingRefresh::new(StagingRefresh {
        source: source.into(),
        target: target.into(),
        source_bucket: source_bucket.into(),
        target_bucket: target_bucket.into(),
        snapshot: None,
        day: day.into(),
    })
    .unwrap()
}

/// Asserts `rb` plans (a dry run on `ports`, journalled in `dir`): the preflight passes.
async fn assert_plans(rb: &dyn Runbook, ports: &Ports, dir: &Path) {
    let out = engine::run(rb, ports, &options(dir, "prod-cluster", false), &mut |_| {
        Control::Continue
    })
    .await;
    assert!(matches!(out, Outcome::Planned { .. }), "{out:#?}");
}

// --- 1. the restore counts as done only when opsdeck restored it ----------------------------

/// A colleague's instance named like the restore (`<target>-restored-<day>`, no opsdeck tag)
/// refuses the staging refresh in its preflight, naming it; before, the restore step found "an
/// instance of that name" and called itself done, and the swap renamed staging away and the
/// colleague's instance to the staging name. The check does not count it as restored, and the
/// swap refuses to rename it (a resume runs no preflight).
#[tokio::test]
async fn an_instance_opsdeck_did_not_restore_is_never_swapped_in() {
    let OnMoto {
        moto: _moto,
        rds,
        s3,
        ports,
    } = on_moto(
        &[
            ("app4-prod-pg", &[("environment", "production")]),
            ("app4-stg-pg", &[("environment", "staging")]),
            ("app4-stg-pg-restored-20261125", &[]),
        ],
        &[("app4-prod-media", 2, None), ("app4-stg-media", 0, None)],
    )
    .await;
    let rb = refresh(APP4, "20261125");

    let p = refused_without_journal(&rb, &ports).await;
    let wanted = format!("no {RESTORED_FROM_TAG}=app4-prod-pg-clone-20261125 tag");
    assert!(
        p.iter().any(
            |x| x.contains("instance app4-stg-pg-restored-20261125 exists already")
                && x.contains(&wanted)
                && x.contains("refusing to put it under the name app4-stg-pg")
        ),
        "{p:#?}"
    );
    assert_eq!(manual_snapshots(&rds).await, 0, "no snapshot taken");
    let all = [
        "app4-prod-pg",
        "app4-stg-pg",
        "app4-stg-pg-restored-20261125",
    ];
    assert_eq!(instances(&rds).await, all, "nothing renamed");
    let staging = testkit::runbooks::db(&ports, "app4-stg-pg").await;
    assert_eq!(staging.environment.as_deref(), Some("staging"));
    assert_eq!(staging.restored_from, None, "staging is still staging");
    assert_eq!(
        object_count(&s3, "app4-stg-media").await,
        0,
        "nothing synced"
    );

    // The steps themselves, as a resume would run them: the restore is not done, and the swap
    // refuses to rename the colleague's instance.
    assert!(
        !rb.check(1, &ports, &RunState::new()).await.unwrap(),
        "an instance without the tag is not the restore"
    );
    let mut state = RunState::new();
    let e = rb
        .apply(2, &ports, &mut state)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("refusing to put it under the name app4-stg-pg"),
        "{e}"
    );
    let e = rb
        .apply(1, &ports, &mut state)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("app4-stg-pg-restored-20261125"), "{e}");
    assert_eq!(instances(&rds).await, all, "nothing renamed or restored");
}

/// On the demo world: an instance under the restore's name restored from another snapshot
/// (an earlier refresh's) is not this run's restore either.
#[tokio::test]
async fn a_restore_of_another_snapshot_is_not_this_runs() {
    let world = DemoWorld::new(clock(), None, MemoryGit::seeded());
    let ports = world.ports();
    let prod = testkit::runbooks::db(&ports, "phenom-prod-postgres").await;
    let (older, _) = prod.snapshots.last().unwrap().clone();
    ports
        .databases
        .restore_db(&older, "phenom-dev-postgres-restored-20261123")
        .await
        .unwrap();
    let rb = refresh(PHENOM, "20261123");
    let p = refused_without_journal(&rb, &ports).await;
    let wanted = format!("its {RESTORED_FROM_TAG} tag names {older}");
    assert!(
        p.iter().any(|x| x
            .contains("instance phenom-dev-postgres-restored-20261123 exists already")
            && x.contains(&wanted)),
        "{p:#?}"
    );
    let staging = testkit::runbooks::db(&ports, "phenom-dev-postgres").await;
    assert_eq!(staging.restored_from, None, "staging was not swapped");
}

// --- 2. the target bucket is never production's -------------------------------------------------

/// A target bucket tagged `environment=production` refuses the staging refresh in its
/// preflight, as a target instance tagged production does; an untagged bucket is fine.
#[tokio::test]
async fn a_target_bucket_tagged_production_refuses_the_staging_refresh_on_aws() {
    let world = on_moto(
        &[
            ("app4-prod-pg", &[("environment", "production")]),
            ("app4-stg-pg", &[("environment", "staging")]),
        ],
        &[
            ("app4-media-export", 3, None),
            ("app4-prod-media", 1, Some("production")),
        ],
    )
    .await;
    let (rds, s3, ports) = (&world.rds, &world.s3, &world.ports);
    assert_eq!(
        ports
            .storage
            .bucket_environment("app4-prod-media")
            .await
            .unwrap()
            .as_deref(),
        Some("production")
    );
    assert_eq!(
        ports
            .storage
            .bucket_environment("app4-media-export")
            .await
            .unwrap(),
        None,
        "a bucket without tags has no environment"
    );

    let rb = refresh(
        [
            "app4-prod-pg",
            "app4-stg-pg",
            "app4-media-export",
            "app4-prod-media",
        ],
        "20261125",
    );
    let p = refused_without_journal(&rb, ports).await;
    assert!(
        p.iter().any(|x| x.contains(
            "target bucket s3://app4-prod-media is tagged environment=production: refusing to sync into production"
        )),
        "{p:#?}"
    );
    assert_eq!(manual_snapshots(rds).await, 0, "no snapshot taken");
    assert_eq!(instances(rds).await, ["app4-prod-pg", "app4-stg-pg"]);
    assert_eq!(
        object_count(s3, "app4-prod-media").await,
        1,
        "nothing synced"
    );
}

/// The demo world's production media bucket is tagged production like the real one: syncing
/// into it is refused before anything is written.
#[tokio::test]
async fn the_demo_refuses_to_sync_into_its_production_bucket() {
    let world = DemoWorld::new(clock(), None, MemoryGit::seeded());
    let ports = world.ports();
    assert_eq!(
        ports
            .storage
            .bucket_environment("phenom-prod-media")
            .await
            .unwrap()
            .as_deref(),
        Some("production")
    );
    let rb = refresh(
        [
            "phenom-prod-postgres",
            "phenom-dev-postgres",
            "phenom-staging-media",
            "phenom-prod-media",
        ],
        "20261123",
    );
    let p = refused_without_journal(&rb, &ports).await;
    assert!(
        p.iter()
            .any(|x| x
                .contains("target bucket s3://phenom-prod-media is tagged environment=production")),
        "{p:#?}"
    );
    assert!(world.creates().is_empty(), "{:?}", world.creates());
}

// --- 3. create-org's account id is the credentials' account -----------------------------------

fn create_org(account_id: &str) -> CreateOrg {
    testkit::runbooks::create_org_with(&["world"], account_id)
}

/// `--account-id 111122223333` with credentials of 123456789012 is refused by the preflight,
/// naming both, and no role is created; the right account id passes it.
#[tokio::test]
async fn create_org_refuses_an_account_id_the_credentials_do_not_act_in() {
    let moto = Moto::start().await;
    let ports = aws_ports(&moto.url);
    assert_eq!(ports.identity.caller_account().await.unwrap(), MOTO_ACCOUNT);

    let dir = tempfile::tempdir().unwrap();
    let p = refused(apply(&create_org("111122223333"), &ports, dir.path()).await);
    assert!(
        p.iter().any(|x| x.contains("account id 111122223333")
            && x.contains(&format!("the credentials act in ({MOTO_ACCOUNT})"))),
        "{p:#?}"
    );
    no_journal(dir.path());
    let iam = aws_sdk_iam::Client::new(&sdk(&moto.url, "us-east-1").await);
    assert!(
        iam.get_role()
            .role_name("acme-games-secret-manager-role")
            .send()
            .await
            .is_err(),
        "no role was created"
    );

    let rb = create_org(MOTO_ACCOUNT);
    assert_plans(&rb, &ports, dir.path()).await;
}

/// The demo world answers its own account (the demo's default `--account-id`), and refuses
/// another.
#[tokio::test]
async fn the_demo_answers_its_own_account_id() {
    let world = DemoWorld::new(clock(), None, MemoryGit::seeded());
    let ports = world.ports();
    assert_eq!(ports.identity.caller_account().await.unwrap(), ACCOUNT_ID);
    let dir = tempfile::tempdir().unwrap();
    let p = refused(apply(&create_org(MOTO_ACCOUNT), &ports, dir.path()).await);
    assert!(
        p.iter()
            .any(|x| x.contains(&format!("account id {MOTO_ACCOUNT}"))
                && x.contains(&format!("({ACCOUNT_ID})"))),
        "{p:#?}"
    );
    assert!(world.creates().is_empty(), "{:?}", world.creates());
    no_journal(dir.path());
    let rb = create_org(ACCOUNT_ID);
    assert_plans(&rb, &ports, dir.path()).await;
}

// --- 5. a journal resumes only with credentials of the account it ran in ------------------------

/// The binary in `home` with `config`, as moto's test credentials (account 123456789012).
async fn opsdeck(home: &Path, config: &Path, args: &[&str]) -> Output {
    let mut cmd = crate::opsdeck_on_moto(home);
    cmd.arg("--config").arg(config).args(args);
    crate::output_off_runtime(cmd).await
}

/// A staging refresh through the binary records the AWS account its credentials act in; the
/// same journal resumed where the config is the same but the account is not (the journal edited
/// to say it ran in 111122223333) is refused naming both accounts, a journal that does not record
/// the account is refused too, and neither gains a line; with the account it ran in, it resumes.
#[tokio::test]
async fn a_journal_records_the_aws_account_and_resumes_only_with_its_credentials() {
    let OnMoto { moto, .. } = on_moto(
        &[
            ("phenom-prod-postgres", &[("environment", "production")]),
            ("phenom-dev-postgres", &[("environment", "staging")]),
        ],
        &[
            ("phenom-prod-media", 1, None),
            ("phenom-staging-media", 0, Some("staging")),
        ],
    )
    .await;

    let home = tempfile::tempdir().unwrap();
    let config = crate::phenom_config(home.path(), &moto.url);
    let out = opsdeck(
        home.path(),
        &config,
        &argv(&[
            &["--write", "runbook", "staging-refresh"],
            REFRESH_FLAGS,
            &["--apply", "--confirm", "phenom-dev-postgres"],
        ]),
    )
    .await;
    testkit::assert_success(&out);
    let all = journals(home.path());
    assert_eq!(all.len(), 1, "{all:?}");
    let journal = all[0].clone();
    let first: Value = serde_json::from_str(
        std::fs::read_to_string(&journal)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["world"]["kind"], "real", "{first}");
    assert_eq!(first["world"]["account_id"], MOTO_ACCOUNT, "{first}");

    // As if it had been killed before its end.
    interrupt(&journal);

    let journal_arg = journal.display().to_string();
    let resume = [
        "--write",
        "runbook",
        "resume",
        journal_arg.as_str(),
        "--apply",
        "--confirm",
        "phenom-dev-postgres",
    ];

    // It ran with credentials of 111122223333; these act in 123456789012.
    edit_journal_start(&journal, |s| {
        s["world"]["account_id"] = "111122223333".into();
    });
    let before = std::fs::read(&journal).unwrap();
    let out = opsdeck(home.path(), &config, &resume).await;
    let now_in = format!("now act in AWS account {MOTO_ACCOUNT}");
    assert_refused_run(
        &out,
        &[
            "this journal ran in AWS account 111122223333",
            now_in.as_str(),
        ],
    );
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        before,
        "the journal gained lines"
    );

    // A journal that does not record the account: refused, whatever the credentials.
    edit_journal_start(&journal, |s| {
        s["world"].as_object_mut().unwrap().remove("account_id");
    });
    let before = std::fs::read(&journal).unwrap();
    let out = opsdeck(home.path(), &config, &resume).await;
    assert_refused_run(&out, &["predates the account check"]);
    assert_eq!(std::fs::read(&journal).unwrap(), before);

    // The account it ran in: the resume goes on (every step is verified already).
    edit_journal_start(&journal, |s| {
        s["world"]["account_id"] = MOTO_ACCOUNT.into();
    });
    let out = opsdeck(home.path(), &config, &resume).await;
    testkit::assert_success(&out);
    let end = std::fs::read_to_string(journal).unwrap();
    assert!(
        end.lines()
            .last()
            .unwrap()
            .contains("\"event\":\"finished\""),
        "{end}"
    );
}

/// Teams write the environment tag as `environment`, `Environment` or `env`: a production
/// target tagged any of these ways is refused (the probe overwrote `Environment=Production`).
#[tokio::test]
async fn a_production_tag_is_read_however_its_key_is_written() {
    let OnMoto {
        moto: _moto,
        rds,
        ports,
        ..
    } = on_moto(
        &[("o-prod-pg", &[("environment", "production")])],
        &[("o-prod-media", 1, None), ("o-stg-media", 0, None)],
    )
    .await;
    for (target, key, value) in [
        ("o-dev-pg", "Environment", "Production"),
        ("o-qa-pg", "env", "prod"),
        ("o-uat-pg", "ENV", "PRODUCTION"),
    ] {
        create_db_instance(&rds, target, &[(key, value)]).await;
        let rb = refresh(
            ["o-prod-pg", target, "o-prod-media", "o-stg-media"],
            "20261125",
        );
        let p = refused_without_journal(&rb, &ports).await;
        assert!(
            p.iter()
                .any(|x| x.contains(&format!("target {target} is tagged environment={value}"))),
            "{key}={value}: {p:#?}"
        );
    }
    assert_eq!(manual_snapshots(&rds).await, 0, "no snapshot taken");
}

/// Refreshes `<p>-dev-pg` from `<p>-prod-pg` (media `<p>-prod-media` into `<p>-stg-media`) on
/// 20261125, against moto holding the production and staging instances (tagged so) and
/// `others`: it must be refused with no journal written and no snapshot taken. The problems it
/// was refused with.
async fn refused_refresh(p: &str, others: &[InstanceSpec<'_>]) -> Vec<String> {
    let (prod_media, stg_media) = (format!("{p}-prod-media"), format!("{p}-stg-media"));
    let (prod, dev) = (format!("{p}-prod-pg"), format!("{p}-dev-pg"));
    let mut instances: Vec<InstanceSpec<'_>> = vec![
        (&prod, &[("environment", "production")]),
        (&dev, &[("environment", "staging")]),
    ];
    instances.extend_from_slice(others);
    let OnMoto {
        moto: _moto,
        rds,
        ports,
        ..
    } = on_moto(
        &instances,
        &[
            (prod_media.as_str(), 1, None),
            (stg_media.as_str(), 0, None),
        ],
    )
    .await;
    let rb = refresh([&prod, &dev, &prod_media, &stg_media], "20261125");
    let problems = refused_without_journal(&rb, &ports).await;
    assert_eq!(manual_snapshots(&rds).await, 0, "no snapshot taken");
    problems
}

/// The restore's name and tag are predictable: an instance planted with the tag before the run
/// made its snapshot cannot be its restore, and is refused (the re-probe got one swapped in).
#[tokio::test]
async fn a_restore_tag_naming_a_snapshot_not_yet_taken_is_a_forgery() {
    let p = refused_refresh(
        "c",
        &[(
            "c-dev-pg-restored-20261125",
            &[(RESTORED_FROM_TAG, "c-prod-pg-clone-20261125")],
        )],
    )
    .await;
    assert!(
        p.iter()
            .any(|x| x.contains("c-dev-pg-restored-20261125")
                && x.contains("which does not exist yet")),
        "{p:#?}"
    );
}

/// The swap renames staging to `<target>-old-<day>`: an instance already of that name is
/// refused in the preflight, not found by a rename after the snapshot and the restore.
#[tokio::test]
async fn an_instance_under_the_old_name_is_refused_before_anything() {
    let p = refused_refresh("i", &[("i-dev-pg-old-20261125", &[])]).await;
    assert!(
        p.iter()
            .any(|x| x.contains("instance i-dev-pg-old-20261125 exists already")),
        "{p:#?}"
    );
}
