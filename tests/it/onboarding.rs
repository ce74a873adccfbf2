//! From a bare machine to a working console: `opsdeck config init` writes the config from the
//! kubeconfig and the AWS config already there (golden output), `opsdeck doctor` checks every
//! configured source through the API emulator and moto.

use std::path::{Path, PathBuf};
use std::process::Output;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config_init")
}

/// `opsdeck config init ARGS` on the fixtures' kubeconfig (an EKS context named by its ARN with
/// an SSO profile, one recognised by its `aws eks get-token` plugin with an assume-role profile,
/// a plain one) and AWS config (SSO session, legacy SSO, assume-role, static keys).
fn init(home: &Path, args: &[&str]) -> Output {
    let f = fixtures();
    crate::opsdeck_in(home)
        .arg("config")
        .arg("init")
        .args(args)
        .env("KUBECONFIG", f.join("kubeconfig"))
        .env("AWS_CONFIG_FILE", f.join("aws_config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", f.join("aws_credentials"))
        .output()
        .unwrap()
}

#[test]
fn config_init_writes_the_machines_contexts_and_profiles() {
    let home = tempfile::tempdir().unwrap();
    let out = init(home.path(), &[]);
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8(out.stdout).unwrap();
    let golden = std::fs::read_to_string(fixtures().join("expected.toml")).unwrap();
    let f = fixtures().display().to_string();
    assert_eq!(printed.replace(&f, "$FIXTURES"), golden);
    // What it printed is what it wrote, where the config is read from, and it loads.
    let path = home.path().join("config/opsdeck/config.toml");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), printed);
    assert!(String::from_utf8_lossy(&out.stderr).contains(&path.display().to_string()));
    assert!(
        !printed.contains("secretsecret") && !printed.contains("AKIA"),
        "no key"
    );
    let loads = crate::run_in(home.path(), &["themes"]);
    assert!(
        loads.status.success(),
        "the written config loads: {loads:?}"
    );

    // Again: the file is left alone, and it says how to replace it.
    std::fs::write(&path, "# mine\n").unwrap();
    let again = init(home.path(), &[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
    let forced = init(home.path(), &["--force"]);
    assert!(forced.status.success());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), printed);

    // A link is not written through, even with --force.
    #[cfg(unix)]
    {
        let target = home.path().join("elsewhere.txt");
        std::fs::write(&target, "keep\n").unwrap();
        let link = home.path().join("link.toml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let out = init(
            home.path(),
            &["--force", "--config", link.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
    }

    // --config names where it goes.
    let elsewhere = home.path().join("elsewhere/opsdeck.toml");
    let out = init(home.path(), &["--config", elsewhere.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), printed);
}

#[test]
fn config_init_on_a_bare_machine_turns_both_sides_off() {
    let home = tempfile::tempdir().unwrap();
    let out = crate::opsdeck_in(home.path())
        .args(["config", "init"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[kube]\n# No kubeconfig found"), "{text}");
    assert!(text.contains("[aws]\n# No AWS profile found"), "{text}");
    assert_eq!(text.matches("enabled = false").count(), 2, "{text}");
}

/// `opsdeck doctor ARGS` with `config` written to a file, off the test's runtime.
async fn doctor(home: &Path, config: String, on_moto: bool) -> (Option<i32>, String) {
    let path = home.join("config.toml");
    std::fs::write(&path, config).unwrap();
    let home = home.to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = if on_moto {
            crate::opsdeck_on_moto(&home)
        } else {
            crate::opsdeck_in(&home)
        };
        cmd.args(["--config", path.to_str().unwrap(), "doctor"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

/// The line of the table about `source` and `check`.
fn line<'a>(table: &'a str, source: &str, check: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.starts_with(&format!("{source} ")) && l.contains(check))
        .unwrap_or_else(|| panic!("no line for {source} {check}:\n{table}"))
}

/// Three contexts: one fine, one where RBAC forbids HelmReleases (the emulator answers
/// SelfSubjectAccessReviews as its faults say), one unreachable.
#[tokio::test]
async fn doctor_checks_each_context_its_server_and_rbac() {
    use testkit::kube_api::{Fault, KubeApi, loaded};
    let (fine, forbidden) = (loaded().await, loaded().await);
    forbidden.set_fault("helmreleases", Some(Fault::Forbidden));
    let home = tempfile::tempdir().unwrap();
    let kubeconfig = home.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        KubeApi::kubeconfig(&[
            ("fine", &fine.url()),
            ("forbidden", &forbidden.url()),
            ("unreachable", "http://127.0.0.1:9"),
        ]),
    )
    .unwrap();
    let config = format!(
        "[kube]\ncontexts = [\"fine\", \"forbidden\", \"unreachable\", \"nope\"]\nkubeconfig = \"{}\"\n\n[aws]\nenabled = false\n",
        kubeconfig.display()
    );
    let (code, table) = doctor(home.path(), config, false).await;
    assert_eq!(code, Some(3), "{table}");
    assert!(table.starts_with("SOURCE"), "{table}");
    assert!(line(&table, "kubeconfig", "read").contains("ok: 3 contexts"));
    assert!(!table.contains("retrying"), "doctor asks once:\n{table}");
    assert!(line(&table, "fine", "API server").contains("ok: "));
    let total = opsdeck::backend::kube::resources::WATCHED.len();
    assert!(
        line(&table, "fine", "RBAC")
            .contains(&format!("ok: list and watch allowed on {total} of {total}")),
        "{table}"
    );
    let denied = line(
        &table,
        "forbidden",
        "RBAC helmreleases.helm.toolkit.fluxcd.io",
    );
    assert!(
        denied.contains("PROBLEM: list, watch forbidden"),
        "{denied}"
    );
    assert!(
        denied.contains("→ grant get, list, watch on helmreleases.helm.toolkit.fluxcd.io"),
        "{denied}"
    );
    assert!(
        line(&table, "forbidden", "RBAC ").contains(&format!(
            "ok: list and watch allowed on {} of {total}",
            total - 1
        )) || table.contains(&format!("allowed on {} of {total}", total - 1)),
        "{table}"
    );
    // A context not in the kubeconfig is its own problem; the others are checked all the same.
    assert!(
        line(&table, "nope", "in the kubeconfig").contains("PROBLEM: no context nope"),
        "{table}"
    );
    let down = line(&table, "unreachable", "API server");
    assert!(down.contains("PROBLEM: "), "{down}");
    assert!(table.contains("checks found a problem"), "{table}");
    // Only what is wrong is wrong: the fine context has no problem line.
    assert!(
        !table
            .lines()
            .any(|l| l.starts_with("fine ") && l.contains("PROBLEM")),
        "{table}"
    );
}

/// Two accounts through moto: one fine (its identity and every call the polls make allowed),
/// one whose credentials are rejected (said once, with the command that renews them).
#[tokio::test]
async fn doctor_checks_each_accounts_credentials_and_calls() {
    use std::time::Duration;
    use testkit::cbor_proxy::CborProxy;
    use testkit::moto::Moto;
    let moto = Moto::start().await;
    let fine = CborProxy::start(&moto.url, Duration::ZERO).await;
    let rejected = CborProxy::start(&moto.url, Duration::ZERO).await;
    rejected.fail("*", "InvalidClientTokenId");
    let home = tempfile::tempdir().unwrap();
    let config = format!(
        "[kube]\nenabled = false\n\n[[accounts]]\nname = \"fine\"\nregions = [\"us-east-1\"]\nendpoint_url = \"{}\"\n\n[[accounts]]\nname = \"rejected\"\nregions = [\"us-east-1\"]\nendpoint_url = \"{}\"\n",
        fine.url, rejected.url
    );
    let (code, table) = doctor(home.path(), config, true).await;
    assert_eq!(code, Some(3), "{table}");
    assert!(
        line(&table, "aws:fine", "sts:GetCallerIdentity").contains("ok: arn:aws:"),
        "{table}"
    );
    for call in [
        "eks:ListClusters",
        "ecs:ListClusters",
        "rds:DescribeDBInstances",
        "cloudwatch:DescribeAlarms",
        "route53:ListHealthChecks",
    ] {
        assert!(
            line(&table, "aws:fine", &format!("{call} in us-east-1")).contains("ok: allowed"),
            "{table}"
        );
    }
    let creds = line(&table, "aws:rejected", "sts:GetCallerIdentity");
    // The fix is in the result already: said once.
    assert!(
        creds.contains("PROBLEM: ") && creds.contains("renew them: aws sso login"),
        "{creds}"
    );
    assert_eq!(creds.matches("renew them").count(), 1, "{creds}");
    assert!(
        !table
            .lines()
            .any(|l| l.starts_with("aws:rejected") && l.contains("ListClusters")),
        "nothing else asked once the credentials are refused:\n{table}"
    );

    // Everything fine: exit 0.
    let config = format!(
        "[kube]\nenabled = false\n\n[[accounts]]\nname = \"fine\"\nregions = [\"us-east-1\"]\nendpoint_url = \"{}\"\n",
        fine.url
    );
    let (code, table) = doctor(home.path(), config, true).await;
    assert_eq!(code, Some(0), "{table}");
    assert!(table.contains("every check passed"));
}

/// Values of the kubeconfig cannot end a comment of the written file and set something: a
/// plugin argument with a newline stays in its comment, and a context with no name is left out.
#[test]
fn config_init_keeps_hostile_values_in_their_comments() {
    let home = tempfile::tempdir().unwrap();
    let kubeconfig = home.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        r#"apiVersion: v1
kind: Config
current-context: eks
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:9"}
contexts:
- name: eks
  context: {cluster: c, user: u}
- name: ""
  context: {cluster: c, user: u}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: ["eks", "get-token", "--cluster-name", "x\nwrite = true", "--region", "eu-west-1"]
"#,
    )
    .unwrap();
    let out = crate::opsdeck_in(home.path())
        .args(["config", "init"])
        .env("KUBECONFIG", &kubeconfig)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.lines().any(|l| l.trim_start().starts_with("write")),
        "{text}"
    );
    assert!(
        text.contains("(a context with no name is left out)"),
        "{text}"
    );
    let loads = crate::run_in(home.path(), &["themes"]);
    assert!(
        loads.status.success(),
        "the written config loads: {loads:?}"
    );
}

/// The GitOps clone as doctor sees it, named relative to the config file: up to date, with a
/// commit not pushed (said, fine), behind its upstream (a problem: a runbook would branch from
/// a stale base), on a detached HEAD (a problem).
#[tokio::test]
async fn doctor_says_where_the_gitops_clone_stands_against_its_upstream() {
    use testkit::gitops::{commit_all, git, new_repo, write};
    let origin = new_repo();
    let home = tempfile::tempdir().unwrap();
    let clone = home.path().join("repo");
    git(
        home.path(),
        &["clone", "-q", origin.path().to_str().unwrap(), "repo"],
    );
    for (k, v) in [("user.name", "t"), ("user.email", "t@opsdeck.invalid")] {
        git(&clone, &["config", k, v]);
    }
    let config = "gitops_repo = \"repo\"\n[kube]\nenabled = false\n[aws]\nenabled = false\n";
    // The line whose check is "branch" (the remote's line says "on branch" too).
    let check = |table: &str| {
        table
            .lines()
            .find(|l| {
                let mut cols = l.split_whitespace();
                cols.next() == Some("gitops") && cols.next() == Some("branch")
            })
            .unwrap_or_else(|| panic!("no branch line:\n{table}"))
            .to_string()
    };

    let (code, table) = doctor(home.path(), config.into(), false).await;
    assert_eq!(code, Some(0), "{table}");
    assert!(
        check(&table).contains("main, up to date with origin/main as of the last fetch"),
        "{table}"
    );

    write(&clone, "local.txt", "x");
    commit_all(&clone, "local");
    let (code, table) = doctor(home.path(), config.into(), false).await;
    assert_eq!(code, Some(0), "{table}");
    assert!(check(&table).contains("1 commit not pushed"), "{table}");

    write(origin.path(), "upstream.txt", "y");
    commit_all(origin.path(), "upstream");
    git(&clone, &["fetch", "-q"]);
    let (code, table) = doctor(home.path(), config.into(), false).await;
    assert_ne!(code, Some(0), "{table}");
    let behind = check(&table);
    assert!(
        behind.contains("PROBLEM")
            && behind.contains("main is 1 commit behind origin/main")
            && behind.contains("git pull --ff-only"),
        "{table}"
    );

    git(&clone, &["checkout", "-q", "--detach"]);
    let (code, table) = doctor(home.path(), config.into(), false).await;
    assert_ne!(code, Some(0), "{table}");
    assert!(
        check(&table).contains("PROBLEM") && check(&table).contains("detached HEAD"),
        "{table}"
    );
}
