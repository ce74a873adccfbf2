//! A runbook writes only to the world it means: a staging refresh swaps in only the instance
//! opsdeck restored (tagged `opsdeck:restored-from=<snapshot>`) and never syncs into a bucket
//! tagged production; create-org's `--account-id` is the account the credentials act in; a
//! journal records that account and a resume with credentials of another one is refused. Against
//! moto (whose STS answers account 123456789012), on the demo world (account 111122223333) and
//! through the binary.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use opsdeck::backend::aws::ops::{Dns, RESTORED_FROM_TAG};
use opsdeck::clock::{JumpClock, SharedClock};
use opsdeck::runbook::create_org::CreateOrg;
use opsdeck::runbook::demo::{ACCOUNT_ID, DemoWorld, MemoryGit};
use opsdeck::runbook::engine::{self, Control, Outcome, RunOptions};
use opsdeck::runbook::ports::Ports;
use opsdeck::runbook::staging_refresh::StagingRefresh;
use opsdeck::runbook::{RunState, Runbook};
use serde_json::Value;
use support::fleet::{account_at, aws_side, s3_client, sdk};
use support::moto::Moto;

/// The account moto's STS answers for its test credentials.
const MOTO_ACCOUNT: &str = "123456789012";

fn clock() -> SharedClock {
    Arc::new(JumpClock::new(support::origin()))
}

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

fn options(dir: &Path, target: &str, apply: bool) -> RunOptions {
    RunOptions {
        apply,
        confirm: Some(target.into()),
        override_reason: None,
        journal_dir: dir.to_path_buf(),
        poll: Duration::from_secs(5),
        audit: None,
    }
}

async fn apply(rb: &dyn Runbook, ports: &Ports, dir: &Path) -> Outcome {
    engine::run(rb, ports, &options(dir, &rb.target(), true), &mut |_| {
        Control::Continue
    })
    .await
}

/// The problems of a refusal; any other outcome fails the test.
fn refused(out: Outcome) -> Vec<String> {
    match out {
        Outcome::Refused(p) => p,
        other => panic!("refused expected: {other:#?}"),
    }
}

fn no_journal(dir: &Path) {
    let n = std::fs::read_dir(dir).map(|e| e.count()).unwrap_or(0);
    assert_eq!(n, 0, "a journal was written in {}", dir.display());
}

/// An RDS instance with `tags`.
async fn instance(rds: &aws_sdk_rds::Client, id: &str, tags: &[(&str, &str)]) {
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
    rds.describe_db_snapshots()
        .snapshot_type("manual")
        .send()
        .await
        .unwrap()
        .db_snapshots()
        .len()
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

fn refresh(
    source: &str,
    target: &str,
    source_bucket: &str,
    target_bucket: &str,
    day: &str,
) -> StagingRefresh {
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

// --- 1. the restore counts as done only when opsdeck restored it ----------------------------

/// A colleague's instance named like the restore (`<target>-restored-<day>`, no opsdeck tag)
/// refuses the staging refresh in its preflight, naming it; before, the restore step found "an
/// instance of that name" and called itself done, and the swap renamed staging away and the
/// colleague's instance to the staging name. The check does not count it as restored, and the
/// swap refuses to rename it (a resume runs no preflight).
#[tokio::test]
async fn an_instance_opsdeck_did_not_restore_is_never_swapped_in() {
    let moto = Moto::start().await;
    let conf = sdk(&moto.url, "us-east-1").await;
    let rds = aws_sdk_rds::Client::new(&conf);
    instance(&rds, "app4-prod-pg", &[("environment", "production")]).await;
    instance(&rds, "app4-stg-pg", &[("environment", "staging")]).await;
    instance(&rds, "app4-stg-pg-restored-20261125", &[]).await;
    let s3 = s3_client(&conf);
    bucket(&s3, "app4-prod-media", 2, None).await;
    bucket(&s3, "app4-stg-media", 0, None).await;
    let ports = aws_ports(&moto.url);
    let rb = refresh(
        "app4-prod-pg",
        "app4-stg-pg",
        "app4-prod-media",
        "app4-stg-media",
        "20261125",
    );

    let dir = tempfile::tempdir().unwrap();
    let p = refused(apply(&rb, &ports, dir.path()).await);
    let wanted = format!("no {RESTORED_FROM_TAG}=app4-prod-pg-clone-20261125 tag");
    assert!(
        p.iter().any(
            |x| x.contains("instance app4-stg-pg-restored-20261125 exists already")
                && x.contains(&wanted)
                && x.contains("refusing to put it under the name app4-stg-pg")
        ),
        "{p:#?}"
    );
    no_journal(dir.path());
    assert_eq!(manual_snapshots(&rds).await, 0, "no snapshot taken");
    let all = [
        "app4-prod-pg",
        "app4-stg-pg",
        "app4-stg-pg-restored-20261125",
    ];
    assert_eq!(instances(&rds).await, all, "nothing renamed");
    let staging = ports.cloud.db("app4-stg-pg").await.unwrap().unwrap();
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
    let prod = ports
        .cloud
        .db("phenom-prod-postgres")
        .await
        .unwrap()
        .unwrap();
    let (older, _) = prod.snapshots.last().unwrap().clone();
    ports
        .cloud
        .restore_db(&older, "phenom-dev-postgres-restored-20261123")
        .await
        .unwrap();
    let rb = refresh(
        "phenom-prod-postgres",
        "phenom-dev-postgres",
        "phenom-prod-media",
        "phenom-staging-media",
        "20261123",
    );
    let dir = tempfile::tempdir().unwrap();
    let p = refused(apply(&rb, &ports, dir.path()).await);
    let wanted = format!("its {RESTORED_FROM_TAG} tag names {older}");
    assert!(
        p.iter().any(|x| x
            .contains("instance phenom-dev-postgres-restored-20261123 exists already")
            && x.contains(&wanted)),
        "{p:#?}"
    );
    no_journal(dir.path());
    let staging = ports
        .cloud
        .db("phenom-dev-postgres")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(staging.restored_from, None, "staging was not swapped");
}

// --- 2. the target bucket is never production's -------------------------------------------------

/// A target bucket tagged `environment=production` refuses the staging refresh in its
/// preflight, as a target instance tagged production does; an untagged bucket is fine.
#[tokio::test]
async fn a_target_bucket_tagged_production_refuses_the_staging_refresh_on_aws() {
    let moto = Moto::start().await;
    let conf = sdk(&moto.url, "us-east-1").await;
    let rds = aws_sdk_rds::Client::new(&conf);
    instance(&rds, "app4-prod-pg", &[("environment", "production")]).await;
    instance(&rds, "app4-stg-pg", &[("environment", "staging")]).await;
    let s3 = s3_client(&conf);
    bucket(&s3, "app4-media-export", 3, None).await;
    bucket(&s3, "app4-prod-media", 1, Some("production")).await;
    let ports = aws_ports(&moto.url);
    assert_eq!(
        ports
            .cloud
            .bucket_environment("app4-prod-media")
            .await
            .unwrap()
            .as_deref(),
        Some("production")
    );
    assert_eq!(
        ports
            .cloud
            .bucket_environment("app4-media-export")
            .await
            .unwrap(),
        None,
        "a bucket without tags has no environment"
    );

    let rb = refresh(
        "app4-prod-pg",
        "app4-stg-pg",
        "app4-media-export",
        "app4-prod-media",
        "20261125",
    );
    let dir = tempfile::tempdir().unwrap();
    let p = refused(apply(&rb, &ports, dir.path()).await);
    assert!(
        p.iter().any(|x| x.contains(
            "target bucket s3://app4-prod-media is tagged environment=production: refusing to sync into production"
        )),
        "{p:#?}"
    );
    no_journal(dir.path());
    assert_eq!(manual_snapshots(&rds).await, 0, "no snapshot taken");
    assert_eq!(instances(&rds).await, ["app4-prod-pg", "app4-stg-pg"]);
    assert_eq!(
        object_count(&s3, "app4-prod-media").await,
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
            .cloud
            .bucket_environment("phenom-prod-media")
            .await
            .unwrap()
            .as_deref(),
        Some("production")
    );
    let rb = refresh(
        "phenom-prod-postgres",
        "phenom-dev-postgres",
        "phenom-staging-media",
        "phenom-prod-media",
        "20261123",
    );
    let dir = tempfile::tempdir().unwrap();
    let p = refused(apply(&rb, &ports, dir.path()).await);
    assert!(
        p.iter()
            .any(|x| x
                .contains("target bucket s3://phenom-prod-media is tagged environment=production")),
        "{p:#?}"
    );
    assert!(world.creates().is_empty(), "{:?}", world.creates());
    no_journal(dir.path());
}

// --- 3. create-org's account id is the credentials' account -----------------------------------

fn create_org(account_id: &str) -> CreateOrg {
    CreateOrg::new(CreateOrg {
        org: "acme-games".into(),
        domain: "acmegames.io".into(),
        spaces: vec!["world".into()],
        account_id: account_id.into(),
        oidc_provider_id: "5E1F3A0C9D2B4F6A8C7E".into(),
        cluster: "prod-cluster".into(),
        region: "eu-west-1".into(),
        template: "numinia".into(),
        statics_bucket: "numinia-statics".into(),
        statics_policy: "numinia-statics-bucket".into(),
    })
    .unwrap()
}

/// `--account-id 111122223333` with credentials of 123456789012 is refused by the preflight,
/// naming both, and no role is created; the right account id passes it.
#[tokio::test]
async fn create_org_refuses_an_account_id_the_credentials_do_not_act_in() {
    let moto = Moto::start().await;
    let ports = aws_ports(&moto.url);
    assert_eq!(ports.cloud.caller_account().await.unwrap(), MOTO_ACCOUNT);

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
    let out = engine::run(
        &rb,
        &ports,
        &options(dir.path(), "prod-cluster", false),
        &mut |_| Control::Continue,
    )
    .await;
    assert!(matches!(out, Outcome::Planned { .. }), "{out:#?}");
}

/// The demo world answers its own account (the demo's default `--account-id`), and refuses
/// another.
#[tokio::test]
async fn the_demo_answers_its_own_account_id() {
    let world = DemoWorld::new(clock(), None, MemoryGit::seeded());
    let ports = world.ports();
    assert_eq!(ports.cloud.caller_account().await.unwrap(), ACCOUNT_ID);
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
    let out = engine::run(
        &rb,
        &ports,
        &options(dir.path(), "prod-cluster", false),
        &mut |_| Control::Continue,
    )
    .await;
    assert!(matches!(out, Outcome::Planned { .. }), "{out:#?}");
}

// --- 5. a journal resumes only with credentials of the account it ran in ------------------------

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The binary in `home` with `config`, as moto's test credentials (account 123456789012).
async fn opsdeck(home: &Path, config: &Path, args: &[&str]) -> Output {
    let (home, config) = (home.to_path_buf(), config.to_path_buf());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        support::opsdeck_on_moto(&home)
            .arg("--config")
            .arg(config)
            .args(args)
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap()
}

fn journals(home: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(home.join("state/opsdeck/runbooks"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    v.sort();
    v
}

/// Rewrites the journal's start line with `edit`.
fn edit_start(journal: &Path, edit: impl FnOnce(&mut Value)) {
    let text = std::fs::read_to_string(journal).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut start: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(start["event"], "start");
    edit(&mut start);
    lines[0] = serde_json::to_string(&start).unwrap();
    std::fs::write(journal, lines.join("\n") + "\n").unwrap();
}

fn assert_refused(out: &Output, wanted: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}\nstderr: {err}",
        text(&out.stdout)
    );
    assert!(err.contains("refused, nothing was written"), "{err}");
    for w in wanted {
        assert!(err.contains(w), "{w:?} not in:\n{err}");
    }
    assert_eq!(text(&out.stdout), "", "no progress before the refusal");
}

/// A staging refresh through the binary records the AWS account its credentials act in; the
/// same journal resumed where the config is the same but the account is not (the journal edited
/// to say it ran in 111122223333) is refused naming both accounts, a journal that does not record
/// the account is refused too, and neither gains a line; with the account it ran in, it resumes.
#[tokio::test]
async fn a_journal_records_the_aws_account_and_resumes_only_with_its_credentials() {
    let moto = Moto::start().await;
    let conf = sdk(&moto.url, "us-east-1").await;
    let rds = aws_sdk_rds::Client::new(&conf);
    instance(
        &rds,
        "phenom-prod-postgres",
        &[("environment", "production")],
    )
    .await;
    instance(&rds, "phenom-dev-postgres", &[("environment", "staging")]).await;
    let s3 = s3_client(&conf);
    bucket(&s3, "phenom-prod-media", 1, None).await;
    bucket(&s3, "phenom-staging-media", 0, Some("staging")).await;

    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"phenom\"\nregions = [\"us-east-1\"]\nendpoint_url = \"{}\"\n",
            moto.url
        ),
    )
    .unwrap();
    let out = opsdeck(
        home.path(),
        &config,
        &[
            "--write",
            "runbook",
            "staging-refresh",
            "--source",
            "phenom-prod-postgres",
            "--target",
            "phenom-dev-postgres",
            "--source-bucket",
            "phenom-prod-media",
            "--target-bucket",
            "phenom-staging-media",
            "--apply",
            "--confirm",
            "phenom-dev-postgres",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
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
    let text_of = std::fs::read_to_string(&journal).unwrap();
    let mut lines: Vec<&str> = text_of.lines().collect();
    assert!(lines.last().unwrap().contains("\"event\":\"finished\""));
    lines.pop();
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();

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
    edit_start(&journal, |s| {
        s["world"]["account_id"] = "111122223333".into();
    });
    let before = std::fs::read(&journal).unwrap();
    let out = opsdeck(home.path(), &config, &resume).await;
    let now_in = format!("now act in AWS account {MOTO_ACCOUNT}");
    assert_refused(
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
    edit_start(&journal, |s| {
        s["world"].as_object_mut().unwrap().remove("account_id");
    });
    let before = std::fs::read(&journal).unwrap();
    let out = opsdeck(home.path(), &config, &resume).await;
    assert_refused(&out, &["predates the account check"]);
    assert_eq!(std::fs::read(&journal).unwrap(), before);

    // The account it ran in: the resume goes on (every step is verified already).
    edit_start(&journal, |s| {
        s["world"]["account_id"] = MOTO_ACCOUNT.into();
    });
    let out = opsdeck(home.path(), &config, &resume).await;
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
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
    let moto = Moto::start().await;
    let conf = sdk(&moto.url, "us-east-1").await;
    let rds = aws_sdk_rds::Client::new(&conf);
    instance(&rds, "o-prod-pg", &[("environment", "production")]).await;
    let s3 = s3_client(&conf);
    bucket(&s3, "o-prod-media", 1, None).await;
    bucket(&s3, "o-stg-media", 0, None).await;
    let ports = aws_ports(&moto.url);
    for (target, key, value) in [
        ("o-dev-pg", "Environment", "Production"),
        ("o-qa-pg", "env", "prod"),
        ("o-uat-pg", "ENV", "PRODUCTION"),
    ] {
        instance(&rds, target, &[(key, value)]).await;
        let rb = refresh(
            "o-prod-pg",
            target,
            "o-prod-media",
            "o-stg-media",
            "20261125",
        );
        let dir = tempfile::tempdir().unwrap();
        let p = refused(apply(&rb, &ports, dir.path()).await);
        assert!(
            p.iter()
                .any(|x| x.contains(&format!("target {target} is tagged environment={value}"))),
            "{key}={value}: {p:#?}"
        );
        no_journal(dir.path());
    }
    assert_eq!(manual_snapshots(&rds).await, 0, "no snapshot taken");
}

/// The restore's name and tag are predictable: an instance planted with the tag before the run
/// made its snapshot cannot be its restore, and is refused (the re-probe got one swapped in).
#[tokio::test]
async fn a_restore_tag_naming_a_snapshot_not_yet_taken_is_a_forgery() {
    let moto = Moto::start().await;
    let conf = sdk(&moto.url, "us-east-1").await;
    let rds = aws_sdk_rds::Client::new(&conf);
    instance(&rds, "c-prod-pg", &[("environment", "production")]).await;
    instance(&rds, "c-dev-pg", &[("environment", "staging")]).await;
    instance(
        &rds,
        "c-dev-pg-restored-20261125",
        &[(RESTORED_FROM_TAG, "c-prod-pg-clone-20261125")],
    )
    .await;
    let s3 = s3_client(&conf);
    bucket(&s3, "c-prod-media", 1, None).await;
    bucket(&s3, "c-stg-media", 0, None).await;
    let ports = aws_ports(&moto.url);
    let rb = refresh(
        "c-prod-pg",
        "c-dev-pg",
        "c-prod-media",
        "c-stg-media",
        "20261125",
    );
    let dir = tempfile::tempdir().unwrap();
    let p = refused(apply(&rb, &ports, dir.path()).await);
    assert!(
        p.iter()
            .any(|x| x.contains("c-dev-pg-restored-20261125")
                && x.contains("which does not exist yet")),
        "{p:#?}"
    );
    no_journal(dir.path());
    assert_eq!(manual_snapshots(&rds).await, 0, "no snapshot taken");
}

/// The swap renames staging to `<target>-old-<day>`: an instance already of that name is
/// refused in the preflight, not found by a rename after the snapshot and the restore.
#[tokio::test]
async fn an_instance_under_the_old_name_is_refused_before_anything() {
    let moto = Moto::start().await;
    let conf = sdk(&moto.url, "us-east-1").await;
    let rds = aws_sdk_rds::Client::new(&conf);
    instance(&rds, "i-prod-pg", &[("environment", "production")]).await;
    instance(&rds, "i-dev-pg", &[("environment", "staging")]).await;
    instance(&rds, "i-dev-pg-old-20261125", &[]).await;
    let s3 = s3_client(&conf);
    bucket(&s3, "i-prod-media", 1, None).await;
    bucket(&s3, "i-stg-media", 0, None).await;
    let ports = aws_ports(&moto.url);
    let rb = refresh(
        "i-prod-pg",
        "i-dev-pg",
        "i-prod-media",
        "i-stg-media",
        "20261125",
    );
    let dir = tempfile::tempdir().unwrap();
    let p = refused(apply(&rb, &ports, dir.path()).await);
    assert!(
        p.iter()
            .any(|x| x.contains("instance i-dev-pg-old-20261125 exists already")),
        "{p:#?}"
    );
    no_journal(dir.path());
    assert_eq!(manual_snapshots(&rds).await, 0, "no snapshot taken");
}
