//! The audit log (issue #11), through the real binary in a scratch HOME: every write — a kube
//! action (the CLI's here; the TUI's goes through the same `KubeOps`) and each runbook step
//! applied or failed — is in `$XDG_STATE_HOME/opsdeck/audit.jsonl` naming who (the OS user, the
//! context or the run's world), what, the target, the outcome and when. A kube action is written
//! ahead: a `started` line before its request, its outcome after; a log that cannot take the
//! `started` line refuses the write. `opsdeck audit` lists one entry per write, newest last, and
//! `--since` filters; the log is the owner's only and holds no secret value.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use testkit::kube_api::{RECONCILE_SUSPENDED, loaded};
use testkit::runbooks::{CREATE_ORG_FLAGS, REFRESH_FLAGS, argv};
use testkit::text;

/// The OS user the binary runs as, as `$USER` says.
const USER: &str = "audit-tester";

fn opsdeck(home: &Path) -> Command {
    let mut cmd = crate::opsdeck_in(home);
    cmd.env("USER", USER).env_remove("LOGNAME");
    cmd
}

fn run(home: &Path, args: &[&str]) -> Output {
    opsdeck(home).args(args).output().expect("the binary runs")
}

/// Runs the binary off the async runtime, so the API emulator keeps serving meanwhile.
async fn run_kube(home: &Path, kubeconfig: &Path, args: &[&str]) -> Output {
    crate::run_kube(opsdeck(home), kubeconfig, args).await
}

/// The write most of these tests audit: suspending the demo's failing HelmRelease.
async fn suspend_hyperfy(home: &Path, kubeconfig: &Path) -> Output {
    let args = ["--write", "kube", "suspend", "hr", "numinia/hyperfy2-world"];
    run_kube(home, kubeconfig, &args).await
}

/// The line's outcome is "failed: …" and says `words`.
fn failed_saying(line: &Value, words: &str) {
    let outcome = line["outcome"].as_str().unwrap_or_default();
    assert!(
        outcome.starts_with("failed: ") && outcome.contains(words),
        "{line}"
    );
}

fn audit_file(home: &Path) -> PathBuf {
    home.join("state/opsdeck/audit.jsonl")
}

/// The audit log's lines, each a JSON object.
fn audit_lines(home: &Path) -> Vec<Value> {
    let path = audit_file(home);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("no audit log at {}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The keys of the steps a run applied, in order, as its journal records them.
fn applied_in_journals(home: &Path) -> Vec<(String, String)> {
    let dir = home.join("state/opsdeck/runbooks");
    let mut journals: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    journals.sort();
    let mut applied = Vec::new();
    for j in journals {
        let mut runbook = String::new();
        for line in std::fs::read_to_string(&j).unwrap().lines() {
            let e: Value = serde_json::from_str(line).unwrap();
            if e["event"] == "start" {
                runbook = e["runbook"].as_str().unwrap().to_string();
            }
            if e["event"] == "step" && e["phase"] == "applied" {
                applied.push((runbook.clone(), e["key"].as_str().unwrap().to_string()));
            }
        }
    }
    applied
}

const FAILOVER: &[&str] = &[
    "--write",
    "runbook",
    "failover",
    "--demo",
    "--speed",
    "0",
    "--zone",
    "helpdev.io",
    "--record",
    "api.helpdev.io",
    "--from",
    "us-east-1",
    "--to",
    "sa-east-1",
    "--apply",
    "--confirm",
    "sa-east-1",
];

fn seconds_ago(at: &Value) -> i64 {
    let at: jiff::Timestamp = at.as_str().unwrap().parse().unwrap();
    jiff::Timestamp::now().as_second() - at.as_second()
}

/// (b) A kube write from the CLI is a `started` line, then its outcome: who (the OS user, the
/// context), what (action, kind, namespace, name), the target, the outcome, when, and when it
/// started. A write opsdeck refuses before sending anything is one line with the reason; one
/// that fails at the API is started, then failed; a write refused read-only never started and
/// is not one.
#[tokio::test]
async fn kube_writes_are_audited_with_their_outcome() {
    let api = loaded().await;
    let home = tempfile::tempdir().unwrap();
    let kc = api.write_kubeconfig(home.path());

    let out = suspend_hyperfy(home.path(), &kc).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = audit_lines(home.path());
    assert_eq!(lines.len(), 2, "{lines:?}");
    let (started, l) = (&lines[0], &lines[1]);
    assert_eq!(started["outcome"], "started", "{started}");
    assert_eq!(started["name"], "hyperfy2-world", "{started}");
    assert_eq!(
        l["started"], started["at"],
        "the outcome names its start: {l}"
    );
    assert_eq!(l["user"], USER, "{l}");
    assert_eq!(l["context"], "prod-cluster", "{l}");
    assert_eq!(l["target"], "prod-cluster", "{l}");
    assert_eq!(l["action"], "suspend", "{l}");
    assert_eq!(l["kind"], "HelmRelease", "{l}");
    assert_eq!(l["namespace"], "numinia", "{l}");
    assert_eq!(l["name"], "hyperfy2-world", "{l}");
    assert_eq!(l["outcome"], "ok", "{l}");
    assert!((0..300).contains(&seconds_ago(&l["at"])), "{l}");

    // Refused by opsdeck (a suspended object is not reconciled): one line. Failed at the API:
    // started, then failed.
    let out = run_kube(home.path(), &kc, RECONCILE_SUSPENDED).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let out = run_kube(
        home.path(),
        &kc,
        &["--write", "kube", "resume", "hr", "numinia/no-such-release"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let lines = audit_lines(home.path());
    assert_eq!(lines.len(), 5, "{lines:?}");
    let refused = &lines[2];
    assert_eq!(refused["action"], "reconcile", "{refused}");
    assert_eq!(refused["kind"], "Kustomization", "{refused}");
    assert_eq!(refused["name"], "numinia-pre", "{refused}");
    failed_saying(refused, "is suspended");
    assert_eq!(lines[3]["outcome"], "started", "{:?}", lines[3]);
    let failed = &lines[4];
    assert_eq!(failed["action"], "resume", "{failed}");
    assert_eq!(failed["context"], "prod-cluster", "{failed}");
    failed_saying(failed, "no-such-release not found");

    // Read-only, nothing was attempted: nothing to audit.
    let out = run_kube(
        home.path(),
        &kc,
        &["kube", "suspend", "hr", "numinia/elizaos-numi"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(audit_lines(home.path()).len(), 5);
}

/// A write whose `started` line cannot be written (the log is a directory, as a broken state
/// directory would leave it) is not made, and the terminal says why.
#[tokio::test]
async fn a_write_that_cannot_be_recorded_is_not_made() {
    let api = loaded().await;
    let home = tempfile::tempdir().unwrap();
    let kc = api.write_kubeconfig(home.path());
    std::fs::create_dir_all(audit_file(home.path())).unwrap();
    let out = suspend_hyperfy(home.path(), &kc).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cannot write the audit log")
            && text(&out.stderr).contains("nothing was changed"),
        "{}",
        text(&out.stderr)
    );
    let obj = api.get("HelmRelease", "numinia", "hyperfy2-world").unwrap();
    assert_ne!(obj["spec"]["suspend"], true, "not suspended: {obj}");
}

/// (c) A runbook run is one line per step it applied, naming the runbook, the step, the target
/// and the world, in the order the journal applied them.
#[test]
fn runbook_steps_are_audited_one_line_per_applied_step() {
    let home = tempfile::tempdir().unwrap();
    let out = run(home.path(), FAILOVER);
    testkit::assert_success(&out);
    let applied = applied_in_journals(home.path());
    assert!(
        applied.contains(&("failover".into(), "shift-records".into())),
        "{applied:?}"
    );
    let lines = audit_lines(home.path());
    let audited: Vec<(String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["runbook"].as_str().unwrap_or_default().to_string(),
                l["step"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(audited, applied, "{lines:?}");
    for l in &lines {
        assert_eq!(l["user"], USER, "{l}");
        assert_eq!(l["action"], "runbook step", "{l}");
        assert_eq!(l["target"], "sa-east-1", "{l}");
        assert_eq!(l["world"]["kind"], "demo", "{l}");
        assert_eq!(l["outcome"], "ok", "{l}");
    }

    // A plan writes nothing, and so audits nothing.
    let plan = FAILOVER
        .strip_suffix(&["--apply", "--confirm", "sa-east-1"])
        .unwrap();
    let out = run(home.path(), plan);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(audit_lines(home.path()).len(), lines.len());
}

/// (d) `opsdeck audit` lists every write, newest last, one line each (`--json`: the log's JSON
/// objects); `--since` takes a duration or a time.
#[tokio::test]
async fn opsdeck_audit_lists_writes_newest_last_and_since_filters() {
    let home = tempfile::tempdir().unwrap();
    let out = run(home.path(), &["audit"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        out.stdout.is_empty(),
        "no writes yet: {}",
        text(&out.stdout)
    );

    let api = loaded().await;
    let kc = api.write_kubeconfig(home.path());
    let out = suspend_hyperfy(home.path(), &kc).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let between = jiff::Timestamp::now().to_string();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = run(home.path(), FAILOVER);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let steps = applied_in_journals(home.path()).len();

    let out = run(home.path(), &["audit", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listed.len(), 1 + steps, "{listed:?}");
    // One entry per write: the suspend's `started` line is folded into its outcome.
    let outcomes: Vec<Value> = audit_lines(home.path())
        .into_iter()
        .filter(|l| l["outcome"] != "started")
        .collect();
    assert_eq!(listed, outcomes);
    assert_eq!(listed[0]["action"], "suspend");
    assert_eq!(listed.last().unwrap()["runbook"], "failover");
    let times: Vec<jiff::Timestamp> = listed
        .iter()
        .map(|l| l["at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "newest last");

    let out = run(home.path(), &["audit"]);
    let listing = text(&out.stdout);
    assert_eq!(listing.lines().count(), 1 + steps, "{listing}");
    assert!(
        listing.lines().next().unwrap().contains(&format!(
            " {USER} suspend HelmRelease numinia/hyperfy2-world on prod-cluster: ok"
        )),
        "{listing}"
    );
    assert!(
        listing.contains(&format!(
            " {USER} runbook failover step shift-records on sa-east-1 in the demo world: ok"
        )),
        "{listing}"
    );

    let since = |arg: &str| {
        let out = run(home.path(), &["audit", "--json", "--since", arg]);
        assert!(out.status.success(), "{arg}: {}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect::<Vec<Value>>()
    };
    let recent = since(&between);
    assert_eq!(recent.len(), steps, "{recent:?}");
    assert!(recent.iter().all(|l| l["runbook"] == "failover"));
    assert_eq!(since("1h").len(), 1 + steps);
    assert_eq!(since("2d").len(), 1 + steps);
    assert!(since("2999-01-01").is_empty());

    let out = run(home.path(), &["audit", "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(
        text(&out.stderr).contains("neither a duration"),
        "{}",
        text(&out.stderr)
    );
}

/// The longest run of hexadecimal digits in `text`: generated secrets are long hex strings.
fn longest_hex_run(text: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in text.chars() {
        if c.is_ascii_hexdigit() {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// (e) The log is the owner's only (0600 in a 0700 directory) and holds no secret value: a
/// create-org run, which generates JWT secrets and admin codes, audits its steps by key only.
#[cfg(unix)]
#[test]
fn the_audit_log_is_private_and_holds_no_secret() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    let home = tempfile::tempdir().unwrap();
    let out = run(
        home.path(),
        &argv(&[
            &["--write", "runbook", "create-org", "--demo", "--speed", "0"],
            CREATE_ORG_FLAGS,
            &["--apply", "--confirm", "prod-cluster"],
        ]),
    );
    testkit::assert_success(&out);
    let path = audit_file(home.path());
    assert_eq!(mode(&path), 0o600, "audit log");
    assert_eq!(mode(path.parent().unwrap()), 0o700, "state directory");

    let applied = applied_in_journals(home.path());
    let lines = audit_lines(home.path());
    assert!(!lines.is_empty());
    assert_eq!(lines.len(), applied.len(), "{lines:?}");
    assert!(lines.iter().all(|l| l["runbook"] == "create-org"));
    let log = std::fs::read_to_string(&path).unwrap();
    for secret in ["JWT_SECRET", "ADMIN_CODE", "SecretString", "password"] {
        assert!(!log.contains(secret), "{secret} in the audit log: {log}");
    }
    assert!(
        longest_hex_run(&log) < 24,
        "a generated value in the audit log: {log}"
    );

    // The run's steps are on the (demo's) timeline too, as a TUI run's are: one line each,
    // by title, and no secret there either.
    let out = run(home.path(), &["timeline", "--demo", "--json"]);
    testkit::assert_success(&out);
    let timeline = String::from_utf8(out.stdout).unwrap();
    let steps: Vec<serde_json::Value> = timeline
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|c: &serde_json::Value| c["runbook"] == "create-org")
        .collect();
    assert!(steps.len() >= applied.len(), "{timeline}");
    assert!(
        steps
            .iter()
            .all(|c| c["target"] == "prod-cluster" && c["source"] == "opsdeck"),
        "{timeline}"
    );
    assert!(
        steps[0]["note"].as_str().unwrap().starts_with("step 1: "),
        "{timeline}"
    );
    // Step titles name the keys they generate (JWT_SECRET): never a value.
    for secret in ["SecretString", "password"] {
        assert!(
            !timeline.contains(secret),
            "{secret} on the timeline: {timeline}"
        );
    }
    assert!(
        longest_hex_run(&timeline) < 24,
        "a generated value: {timeline}"
    );
    // A rehearsal is the demo's: the real world's timeline is not written.
    assert!(
        !home.path().join("state/opsdeck/timeline.sqlite").exists(),
        "a rehearsal wrote the real timeline"
    );
}

/// A step that writes in its verify (the media sync copies batch by batch) is audited too:
/// the probe found S3 written with no line in the log.
#[test]
fn the_media_sync_is_audited() {
    let home = tempfile::tempdir().unwrap();
    let out = run(
        home.path(),
        &argv(&[
            &[
                "--write",
                "runbook",
                "staging-refresh",
                "--demo",
                "--speed",
                "0",
            ],
            REFRESH_FLAGS,
            &["--apply", "--confirm", "phenom-dev-postgres"],
        ]),
    );
    testkit::assert_success(&out);
    let steps: Vec<String> = audit_lines(home.path())
        .iter()
        .map(|l| l["step"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(steps.iter().any(|s| s == "sync-media"), "{steps:?}");
}
