//! The runbooks the tests start from, declared once so every test that builds one by hand agrees
//! with the others on everything it does not vary: one organization (acme-games on the numinia
//! template in prod-cluster), phenom's staging refresh, helpdev's failover; the same as CLI
//! flags; and the run options and outcome checks the engine's tests share.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use opsdeck::clock::{JumpClock, SharedClock};
use opsdeck::runbook::Runbook;
use opsdeck::runbook::create_org::CreateOrg;
use opsdeck::runbook::engine::{self, Control, Outcome, RunOptions};
use opsdeck::runbook::failover::Failover;
use opsdeck::runbook::ports::{DbState, Ports, RoutedName, RoutedRecord};
use opsdeck::runbook::staging_refresh::StagingRefresh;

/// A clock at `origin` that jumps over every wait (restores, Flux, DNS TTL): runs take no real
/// time and do not depend on the machine's load.
pub fn clock() -> SharedClock {
    Arc::new(JumpClock::new(crate::origin()))
}

/// create-org's inputs for acme-games (spaces world and arena, account 111122223333), not yet
/// validated: for tests of the validation itself.
pub fn create_org_inputs() -> CreateOrg {
    CreateOrg {
        org: "acme-games".into(),
        domain: "acmegames.io".into(),
        spaces: vec!["world".into(), "arena".into()],
        account_id: "111122223333".into(),
        oidc_provider_id: "5E1F3A0C9D2B4F6A8C7E".into(),
        cluster: "prod-cluster".into(),
        region: "eu-west-1".into(),
        template: "numinia".into(),
        statics_bucket: "numinia-statics".into(),
        statics_policy: "numinia-statics-bucket".into(),
    }
}

/// The validated create-org of `create_org_inputs` with these `spaces` in `account_id`.
pub fn create_org_with(spaces: &[&str], account_id: &str) -> CreateOrg {
    CreateOrg::new(CreateOrg {
        spaces: spaces.iter().map(|s| s.to_string()).collect(),
        account_id: account_id.into(),
        ..create_org_inputs()
    })
    .unwrap()
}

/// helpdev's failover of api.helpdev.io from us-east-1 to sa-east-1, validated.
pub fn failover() -> Failover {
    Failover::new(Failover {
        zone: "helpdev.io".into(),
        record: "api.helpdev.io".into(),
        from: "us-east-1".into(),
        to: "sa-east-1".into(),
    })
    .unwrap()
}

/// The records of api.helpdev.io (the failover's) as the routing port reads them.
pub async fn helpdev_records(ports: &Ports) -> Vec<RoutedRecord> {
    ports
        .routing
        .routed_records(RoutedName {
            zone: "helpdev.io",
            record: "api.helpdev.io",
        })
        .await
        .unwrap()
}

/// The database `name` as the databases port reads it; it must exist.
pub async fn db(ports: &Ports, name: &str) -> DbState {
    ports.databases.db(name).await.unwrap().unwrap()
}

/// Whether the record of `region` is the primary one.
pub fn primary_in(records: &[RoutedRecord], region: &str) -> bool {
    records
        .iter()
        .any(|r| r.region == region && r.role == "PRIMARY")
}

/// phenom's staging refresh (production database and media into staging) on 20261123, not yet
/// validated: for tests of the validation itself.
pub fn staging_refresh_inputs() -> StagingRefresh {
    StagingRefresh {
        source: "phenom-prod-postgres".into(),
        target: "phenom-dev-postgres".into(),
        source_bucket: "phenom-prod-media".into(),
        target_bucket: "phenom-staging-media".into(),
        snapshot: None,
        day: "20261123".into(),
    }
}

/// `staging_refresh_inputs`, validated.
pub fn staging_refresh() -> StagingRefresh {
    StagingRefresh::new(staging_refresh_inputs()).unwrap()
}

/// A run journalled in `dir`, applying (or only planning) with `--confirm target`, polling every
/// 5 s of the (jumping) clock.
pub fn options(dir: &Path, target: &str, apply: bool) -> RunOptions {
    RunOptions {
        apply,
        confirm: Some(target.into()),
        override_reason: None,
        journal_dir: dir.to_path_buf(),
        poll: Duration::from_secs(5),
        audit: None,
    }
}

/// `options` that apply.
pub fn apply(dir: &Path, target: &str) -> RunOptions {
    options(dir, target, true)
}

/// Runs `rb` on `ports` with `opts` to its end, whatever happens on the way.
pub async fn run_to_end(rb: &dyn Runbook, ports: &Ports, opts: &RunOptions) -> Outcome {
    engine::run(rb, ports, opts, &mut |_| Control::Continue).await
}

/// The problems of a refusal; any other outcome fails the test.
pub fn refused(out: Outcome) -> Vec<String> {
    match out {
        Outcome::Refused(p) => p,
        other => panic!("refused expected: {other:#?}"),
    }
}

/// Asserts no journal was written in `dir`.
pub fn no_journal(dir: &Path) {
    let n = std::fs::read_dir(dir).map(|e| e.count()).unwrap_or(0);
    assert_eq!(n, 0, "a journal was written in {}", dir.display());
}

/// The journals the binary wrote in the scratch `home`, oldest first.
pub fn journals(home: &Path) -> Vec<PathBuf> {
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
pub fn edit_journal_start(journal: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let text = std::fs::read_to_string(journal).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut start: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(start["event"], "start");
    edit(&mut start);
    lines[0] = serde_json::to_string(&start).unwrap();
    std::fs::write(journal, lines.join("\n") + "\n").unwrap();
}

/// The journal as a run killed before its end leaves it: the `finished` line gone.
pub fn interrupt(journal: &Path) {
    let text = std::fs::read_to_string(journal).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    assert!(lines.last().unwrap().contains("\"event\":\"finished\""));
    lines.pop();
    std::fs::write(journal, lines.join("\n") + "\n").unwrap();
}

/// Asserts the binary refused a run before writing anything: `crate::assert_refused` with the
/// words of that refusal and each of `wanted`.
pub fn assert_refused_run(out: &std::process::Output, wanted: &[&str]) {
    crate::assert_refused(
        out,
        &[&["refused, nothing was written"][..], wanted].concat(),
    );
}

/// The staging refresh of phenom's production database and media into staging, as the CLI's
/// flags: what every test of `opsdeck runbook staging-refresh` runs unless it varies one.
pub const REFRESH_FLAGS: &[&str] = &[
    "--source",
    "phenom-prod-postgres",
    "--target",
    "phenom-dev-postgres",
    "--source-bucket",
    "phenom-prod-media",
    "--target-bucket",
    "phenom-staging-media",
];

/// create-org for acme-games (space world, account 111122223333), as the CLI's flags.
pub const CREATE_ORG_FLAGS: &[&str] = &[
    "--org",
    "acme-games",
    "--domain",
    "acmegames.io",
    "--space",
    "world",
    "--account-id",
    "111122223333",
    "--oidc-id",
    "5E1F3A0C9D2B4F6A8C7E",
];

/// `flags` with the value after each `(flag, value)` of `changes` replaced: inputs varied, the
/// rest as declared. Panics if a flag is not among them.
pub fn with_flags<'a>(flags: &[&'a str], changes: &[(&str, &'a str)]) -> Vec<&'a str> {
    let mut v = flags.to_vec();
    for (flag, value) in changes {
        let at = v
            .iter()
            .position(|f| f == flag)
            .unwrap_or_else(|| panic!("{flag} is not among {flags:?}"));
        v[at + 1] = *value;
    }
    v
}

/// One argument list from its parts, in order (a command, its flags, the gate).
pub fn argv<'a>(parts: &[&[&'a str]]) -> Vec<&'a str> {
    parts.concat()
}
