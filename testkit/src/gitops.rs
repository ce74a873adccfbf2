//! A numinia-k8s-like GitOps repository for the GitOps port's tests, and the create-org run
//! that writes into it: through the engine on the demo world with the real `GitRepo`, or
//! through the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use opsdeck::backend::demo::{DemoWorld, template_repo};
use opsdeck::backend::git::GitRepo;
use opsdeck::clock::{JumpClock, SharedClock};
use opsdeck::runbook::Runbook;
use opsdeck::runbook::create_org::CreateOrg;
use opsdeck::runbook::engine::{self, Control, Event, Outcome, RunOptions};
use opsdeck::runbook::ports::Ports;

use crate::runbooks::{CREATE_ORG_FLAGS, argv, with_flags};

pub const ISSUERS: &str = "infrastructure/networking/cert-manager/cluster-issuer.yaml";
pub const ORG: &str = "clusters/prod-cluster/organizations/acme-games";
pub const BRANCH: &str = "onboard/acme-games";
pub const MESSAGE: &str = "feat: add acme-games organization";

pub fn git_output(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_output(dir, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn write(root: &Path, path: &str, content: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

pub fn commit_all(root: &Path, message: &str) {
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", message]);
}

/// A numinia-k8s-like repository on `main`, committed, with `extra` files (and `README.md`).
pub fn new_repo_with(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["config", "user.name", "opsdeck tests"]);
    git(root, &["config", "user.email", "tests@opsdeck.invalid"]);
    git(root, &["config", "commit.gpgsign", "false"]);
    for (path, content) in template_repo() {
        write(root, &path, &content);
    }
    write(root, "README.md", "# numinia-k8s\n");
    for (path, content) in extra {
        write(root, path, content);
    }
    commit_all(root, "numinia-k8s");
    repo
}

pub fn new_repo() -> tempfile::TempDir {
    new_repo_with(&[])
}

/// create-org for acme-games with the one space world.
pub fn create_org() -> CreateOrg {
    crate::runbooks::create_org_with(&["world"], "111122223333")
}

/// The demo world with the repository at `root` as its GitOps port (a new port: as a new
/// process would open it).
pub fn demo(root: &Path) -> (Arc<DemoWorld>, Ports) {
    let origin = "2026-11-23T12:00:00Z".parse().unwrap();
    let clock: SharedClock = Arc::new(JumpClock::new(origin));
    let world = DemoWorld::new(clock, None, Arc::new(GitRepo::open(root).unwrap()));
    let ports = world.ports();
    (world, ports)
}

pub fn apply(journals: &Path) -> RunOptions {
    RunOptions {
        apply: true,
        confirm: Some("prod-cluster".into()),
        ..RunOptions::plan(journals.to_path_buf())
    }
}

pub async fn run(ports: &Ports, journals: &Path) -> Outcome {
    engine::run(&create_org(), ports, &apply(journals), &mut |_| {
        Control::Continue
    })
    .await
}

pub fn refused(out: Outcome) -> String {
    match out {
        Outcome::Refused(p) => p.join("\n"),
        other => panic!("not refused: {other:#?}"),
    }
}

/// A run of create-org on `root` (the demo world, a new port) stopped once the registration is
/// verified: every file written on the run's branch, nothing committed yet. Its journal.
pub async fn interrupted_before_the_commit(root: &Path, journals: &Path) -> PathBuf {
    let (_, ports) = demo(root);
    let register = step("register");
    let out = engine::run(&create_org(), &ports, &apply(journals), &mut |e| {
        if matches!(e, Event::Verified { step, .. } if *step == register) {
            Control::Stop
        } else {
            Control::Continue
        }
    })
    .await;
    let Outcome::Interrupted { journal } = out else {
        panic!("{out:#?}")
    };
    assert_eq!(git(root, &["rev-parse", "--abbrev-ref", "HEAD"]), BRANCH);
    journal
}

pub fn step(key: &str) -> usize {
    create_org()
        .steps()
        .iter()
        .position(|s| s.key == key)
        .unwrap()
}

/// `opsdeck --write runbook create-org … --demo --repo <root> --apply --confirm prod-cluster`
/// for the organization acme, by the binary `bin`.
pub fn create_acme(bin: &Path, home: &Path, root: &Path) -> Output {
    let repo = root.to_str().unwrap();
    let org = with_flags(
        CREATE_ORG_FLAGS,
        &[("--org", "acme"), ("--domain", "acme.io")],
    );
    super::run(
        bin,
        home,
        &argv(&[
            &["--write", "runbook", "create-org", "--demo", "--speed", "0"],
            &["--repo", repo, "--apply", "--confirm", "prod-cluster"],
            &org,
        ]),
    )
}

/// `create_acme` by `bin` in a scratch home, which must be refused (exit code 2). Its stderr.
pub fn create_acme_refused(bin: &Path, root: &Path) -> String {
    let home = tempfile::tempdir().unwrap();
    let out = create_acme(bin, home.path(), root);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{err}",
        String::from_utf8_lossy(&out.stdout)
    );
    err
}
