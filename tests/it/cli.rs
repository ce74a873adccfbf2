//! The real binary: snapshot output, errors for bad config and themes, --help.

use serde_json::Value;
use testkit::runbooks::{CREATE_ORG_FLAGS, REFRESH_FLAGS, argv, with_flags};

use crate::run_in as opsdeck;

fn row<'a>(rows: &'a [Value], kind: &str, name: &str, ns: Option<&str>) -> &'a Value {
    rows.iter()
        .find(|r| {
            r["kind"] == kind
                && r["name"] == name
                && ns.is_none_or(|n| r["scope"]["namespace"] == n)
        })
        .unwrap_or_else(|| panic!("{kind} {name} missing"))
}

#[test]
fn snapshot_json_lists_all_kinds_and_the_seeded_incidents() {
    let home = tempfile::tempdir().unwrap();
    let out = opsdeck(home.path(), &["snapshot", "--demo", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is only JSON");
    let rows = v["rows"].as_array().unwrap();
    let kinds: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "argo_app_set",
            "argo_application",
            "cache_group",
            "certificate",
            "cluster",
            "db_instance",
            "ecs_service",
            "flux_source",
            "helm_release",
            "kustomization",
            "organization",
            "region",
            "workload"
        ]
    );
    let sources = v["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 11);
    for s in sources {
        for k in ["name", "status", "age_s", "error"] {
            assert!(s.get(k).is_some(), "source lacks {k}: {s}");
        }
    }

    let ecs = rows
        .iter()
        .find(|r| {
            r["kind"] == "ecs_service"
                && r["name"] == "functions"
                && r["scope"]["context"] == "phenom-prod-cluster"
        })
        .unwrap();
    assert_eq!(ecs["health"], "degraded");
    assert_eq!(
        (
            ecs["fields"]["running"].as_u64(),
            ecs["fields"]["desired"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(
        row(rows, "helm_release", "hyperfy2-world", Some("numen-games"))["health"],
        "failed"
    );
    let cert = row(rows, "certificate", "r3s3t-tls", None);
    assert_eq!(cert["health"], "degraded");
    assert!(
        cert["reason"].as_str().unwrap().contains("expires in 5 d"),
        "{cert}"
    );
    assert_eq!(
        row(rows, "kustomization", "art-unchained-pre", None)["health"],
        "suspended"
    );

    let sae1 = rows
        .iter()
        .find(|r| r["kind"] == "region" && r["name"] == "sa-east-1")
        .unwrap();
    assert_eq!(sae1["health"], "degraded");
    assert_eq!(sae1["fields"]["alarms"][0]["state"], "ALARM");
    let phenom = rows
        .iter()
        .find(|r| r["kind"] == "region" && r["scope"]["account"] == "phenom")
        .unwrap();
    assert_eq!(phenom["health"], "degraded");
    assert_eq!(phenom["fields"]["parts"]["ecs"]["unhealthy"], 1);
    assert_eq!(
        row(rows, "organization", "numen-games", None)["health"],
        "failed"
    );

    let log = home.path().join("state/opsdeck/opsdeck.log");
    assert!(
        std::fs::read_to_string(log)
            .unwrap()
            .contains("opsdeck starting"),
        "logs go to the state dir"
    );
}

#[test]
fn snapshot_table_is_plain_text() {
    let home = tempfile::tempdir().unwrap();
    let out = opsdeck(home.path(), &["snapshot", "--demo"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("SOURCE"));
    let hr = text
        .lines()
        .find(|l| l.contains("hyperfy2-world") && l.contains("numen-games "))
        .unwrap();
    assert!(hr.contains("helm_release") && hr.contains("failed"), "{hr}");
    assert!(!text.contains('\u{1b}'), "no escape codes");
}

#[test]
fn no_subcommand_without_sources_points_to_the_demo() {
    let home = tempfile::tempdir().unwrap();
    let out = opsdeck(home.path(), &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no sources configured") && err.contains("opsdeck demo"),
        "{err}"
    );
}

#[test]
fn a_malformed_config_names_file_line_and_key() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config/opsdeck");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        "fleet_name = \"x\"\n[kube]\ncontext = [\"a\"]\n",
    )
    .unwrap();
    let out = opsdeck(home.path(), &["snapshot", "--demo"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config/opsdeck/config.toml")
            && err.contains("line 3")
            && err.contains("context"),
        "{err}"
    );
}

#[test]
fn a_bad_theme_is_an_error_naming_the_file_and_key() {
    let home = tempfile::tempdir().unwrap();
    let themes = home.path().join("config/opsdeck/themes");
    std::fs::create_dir_all(&themes).unwrap();
    std::fs::write(themes.join("neon.toml"), "[ui]\naccent = \"glow\"\n").unwrap();
    let out = opsdeck(home.path(), &["demo", "--theme", "neon"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("neon.toml") && err.contains("ui.accent") && err.contains("glow"),
        "{err}"
    );
    let out = opsdeck(home.path(), &["themes"]);
    let names = String::from_utf8_lossy(&out.stdout);
    assert!(names.lines().any(|l| l == "neon") && names.lines().any(|l| l == "high-contrast"));
}

#[test]
fn help_describes_every_subcommand() {
    let home = tempfile::tempdir().unwrap();
    let out = opsdeck(home.path(), &["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for s in [
        "demo",
        "snapshot",
        "themes",
        "--config",
        "--theme",
        "--write",
        "--log-file",
    ] {
        assert!(text.contains(s), "--help lacks {s}");
    }
    let out = opsdeck(home.path(), &["demo", "--scale", "0"]);
    assert!(!out.status.success(), "scale 0 is refused");
}

#[test]
fn runbook_cli_plans_refuses_applies_and_resumes() {
    let home = tempfile::tempdir().unwrap();
    let org = argv(&[
        &["runbook", "staging-refresh", "--demo", "--speed", "0"],
        REFRESH_FLAGS,
    ]);
    let journals = home.path().join("state/opsdeck/runbooks");
    let plan = opsdeck(home.path(), &org);
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(plan.status.success(), "{text}");
    assert!(
        text.contains("plan (dry run: nothing is written)")
            && text.contains("$ aws rds create-db-snapshot"),
        "{text}"
    );
    assert!(text.contains("--confirm phenom-dev-postgres"));
    assert!(!journals.exists(), "the plan writes nothing");

    let mut args = org.to_vec();
    args.extend(["--apply", "--confirm", "phenom-dev"]);
    let refused = opsdeck(home.path(), &args);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("--confirm phenom-dev-postgres (got \"phenom-dev\")")
    );
    assert!(!journals.exists());

    let bad = opsdeck(
        home.path(),
        &argv(&[
            &["runbook", "create-org", "--demo"],
            &with_flags(
                CREATE_ORG_FLAGS,
                &[
                    ("--org", "Bad_Org"),
                    ("--domain", "x"),
                    ("--space", "w"),
                    ("--account-id", "1"),
                    ("--oidc-id", "ABCDEF0123456789"),
                ],
            ),
        ]),
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("DNS-1123") && err.contains("12-digit") && err.contains("domain name"),
        "{err}"
    );

    args.pop();
    args.push("phenom-dev-postgres");
    // A rehearsal is the real flow: applying needs --write in the demo too.
    args.push("--write");
    let done = opsdeck(home.path(), &args);
    let text = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(
        text.contains("summary:")
            && text.contains("follow-ups:")
            && text.contains("objects copied"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_dir(&journals).unwrap().count(),
        1,
        "one journal"
    );

    let nothing = opsdeck(home.path(), &["runbook", "resume", "--demo"]);
    assert_eq!(
        nothing.status.code(),
        Some(2),
        "no interrupted run to resume"
    );
    // Without --demo the run acts on the configured AWS account, so applying needs --write.
    let mut real: Vec<&str> = org.iter().filter(|a| **a != "--demo").copied().collect();
    real.extend(["--apply", "--confirm", "phenom-dev-postgres"]);
    let out = opsdeck(home.path(), &real);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("read-only") && err.contains("--write"),
        "{err}"
    );
}

/// A reader that stops early, a full disk and a closed stdout are said, never a panic.
#[test]
fn snapshot_output_errors_are_said_not_panicked() {
    let home = tempfile::tempdir().unwrap();
    let out = crate::with_stdout_closed(
        crate::opsdeck_in(home.path()).args(["snapshot", "--demo", "--scale", "3"]),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "like a pipe's SIGPIPE: {err}");
    assert!(!err.contains("panicked"), "{err}");

    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = crate::opsdeck_in(home.path())
        .args(["snapshot", "--demo", "--json"])
        .stdout(std::process::Stdio::from(full))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot write the snapshot") && !err.contains("panicked"),
        "{err}"
    );

    for timeout in ["0", "9223372036854775807"] {
        let out = opsdeck(home.path(), &["snapshot", "--demo", "--timeout", timeout]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "a usage error: --timeout {timeout}"
        );
    }
}

#[test]
fn both_sides_disabled_says_so() {
    let (home, config) =
        crate::home_with_config("[kube]\nenabled = false\n[aws]\nenabled = false\n");
    let out = crate::run_with_config(home.path(), &config, &["snapshot"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("[kube] enabled = false") && err.contains("[aws] enabled = false"),
        "{err}"
    );
}

/// An account opsdeck cannot find a region for is a source in error, not a silent absence.
#[test]
fn an_account_without_a_region_says_so() {
    let (home, config) = crate::home_with_config(
        "[kube]\nenabled = false\n\n[[accounts]]\nname = \"phenom\"\nprofile = \"nosuch\"\n",
    );
    let out = crate::run_with_config(home.path(), &config, &["snapshot", "--json"]);
    assert_eq!(out.status.code(), Some(4), "nothing could be read");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let source = &v["sources"][0];
    assert_eq!(source["name"], "aws:phenom", "{v:#}");
    assert_eq!(source["status"], "error");
    let reason = source["error"].as_str().unwrap();
    assert!(
        reason.contains("no region") && reason.contains("nosuch") && reason.contains("regions ="),
        "{reason}"
    );
}

/// A container no pod has is an error, as the API's 400 is, not an empty success.
#[test]
fn logs_of_a_container_no_pod_has_is_an_error() {
    let home = tempfile::tempdir().unwrap();
    let out = crate::run_in(
        home.path(),
        &[
            "logs",
            "--demo",
            "deploy/numen-games/hyperfy2-world",
            "-c",
            "nope",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(3),
        "a stream that cannot be read: {err}"
    );
    assert!(
        err.contains("container nope is not valid for pod") && err.contains("hyperfy2"),
        "{err}"
    );
}

/// `--version` names the git revision the binary was built from.
#[test]
fn version_names_the_git_revision() {
    let home = tempfile::tempdir().unwrap();
    let out = crate::run_in(home.path(), &["--version"]);
    assert!(out.status.success());
    let version = String::from_utf8(out.stdout).unwrap();
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=7", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let head = String::from_utf8(head.stdout).unwrap();
    assert!(!head.trim().is_empty(), "the tests run in a git checkout");
    assert_eq!(
        version.trim(),
        format!("opsdeck {} ({})", env!("CARGO_PKG_VERSION"), head.trim())
    );
}

/// Completions for every shell clap_complete knows, and the man page, from the same
/// definitions: each names the subcommands; a config that does not parse does not stop them.
#[test]
fn completions_and_the_man_page_cover_every_subcommand() {
    let home = tempfile::tempdir().unwrap();
    let bad = home.path().join("bad.toml");
    std::fs::write(&bad, "this is = = not toml").unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = crate::opsdeck_in(home.path())
            .args(["--config", bad.to_str().unwrap(), "completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = String::from_utf8(out.stdout).unwrap();
        for sub in ["demo", "snapshot", "timeline", "runbook", "completions"] {
            assert!(script.contains(sub), "{shell} completes {sub}");
        }
    }
    let out = crate::run_in(home.path(), &["man"]);
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH opsdeck 1"), "{page}");
    for sub in ["demo", "timeline", "runbook"] {
        assert!(page.contains(sub), "the page lists {sub}");
    }
    // Every page the main one refers to exists with --dir.
    let pages = home.path().join("man1");
    std::fs::create_dir(&pages).unwrap();
    let out = crate::run_in(home.path(), &["man", "--dir", pages.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    for page in [
        "opsdeck.1",
        "opsdeck-snapshot.1",
        "opsdeck-runbook.1",
        "opsdeck-runbook-failover.1",
    ] {
        assert!(pages.join(page).is_file(), "{page}");
    }
    let main_page = std::fs::read_to_string(pages.join("opsdeck.1")).unwrap();
    for referred in main_page.split("opsdeck\\-").skip(1) {
        let name: String = referred
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '\\')
            .collect::<String>()
            .replace("\\-", "-");
        let file = pages.join(format!("opsdeck-{}.1", name.trim_end_matches('\\')));
        assert!(file.is_file(), "the main page refers to {}", file.display());
    }
    let out = crate::run_in(home.path(), &["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

/// The snapshot's table keeps its columns in line whatever the kinds' names (`argo_application`
/// is longer than the others): each row's scope starts under SCOPE.
#[test]
fn the_snapshot_table_keeps_its_columns_in_line() {
    let home = tempfile::tempdir().unwrap();
    let out = opsdeck(home.path(), &["snapshot", "--demo"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines().skip_while(|l| !l.starts_with("KIND"));
    let header = lines.next().expect("the rows' header");
    let scope_at = header.find("SCOPE").unwrap();
    let rows: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    assert!(rows.iter().any(|l| l.starts_with("argo_application ")));
    for row in rows {
        let (before, after) = row.split_at(scope_at);
        assert!(
            before.ends_with(' ') && !after.starts_with(' '),
            "{row:?} under {header:?}"
        );
    }
}

/// `describe --json` carries what the detail draws as sparklines: a database's and a cache's
/// CloudWatch series, by name, oldest point first.
#[test]
fn describe_json_carries_the_metrics() {
    let home = tempfile::tempdir().unwrap();
    for (path, series) in [
        ("rds/phenom-prod-postgres", "CPU %"),
        ("cache/forge-prod-redis", "evictions"),
    ] {
        let out = opsdeck(home.path(), &["describe", "--demo", path, "--json"]);
        assert!(
            out.status.success(),
            "{path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let metrics = v["metrics"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {v:#}"));
        let one = metrics
            .iter()
            .find(|m| m["name"] == series)
            .unwrap_or_else(|| panic!("{path}: no {series:?} in {metrics:#?}"));
        assert!(
            one["points"].as_array().is_some_and(|p| p.len() > 10),
            "{path}: {one}"
        );
    }
}

/// `--at` puts the demo's CLI later in its incident cycle, where the TUI would have to wait: at
/// 7m10s phenom-prod's graphql runs while its ALB targets fail, at 8m40s FORGE's Redis evicts;
/// without --demo it is refused, and a wrong duration is said.
#[test]
fn the_demos_later_incidents_are_reached_with_at() {
    let home = tempfile::tempdir().unwrap();
    let out = opsdeck(
        home.path(),
        &["snapshot", "--demo", "--json", "--at", "7m10s"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let graphql = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["kind"] == "ecs_service"
                && r["name"] == "graphql"
                && r["scope"]["context"] == "phenom-prod-cluster"
        })
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(graphql["health"], "failed", "{graphql:#}");
    assert!(
        graphql["reason"]
            .as_str()
            .unwrap()
            .contains("0/2 targets healthy"),
        "{graphql:#}"
    );
    let out = opsdeck(
        home.path(),
        &[
            "describe",
            "--demo",
            "cache/forge-prod-redis",
            "--at",
            "8m40s",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("evictions climbing"), "{text}");
    let out = opsdeck(
        home.path(),
        &["describe", "--demo", "cache/forge-prod-redis"],
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("evictions climbing"));
    for (args, says) in [
        (&["snapshot", "--at", "7m"][..], "--demo"),
        (&["snapshot", "--demo", "--at", "soon"], "not a duration"),
    ] {
        let out = opsdeck(home.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
