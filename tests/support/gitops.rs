//! A numinia-k8s-like GitOps repository for the GitOps port's tests, and the create-org run
//! that writes into it: through the engine on the demo world with the real `GitRepo`, or
//! through the binary.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use opsdeck::clock::{JumpClock, SharedClock};
use opsdeck::runbook::Runbook;
use opsdeck::runbook::create_org::CreateOrg;
use opsdeck::runbook::demo::{DemoWorld, template_repo};
use opsdeck::runbook::engine::{self, Control, Outcome, RunOptions};
use opsdeck::runbook::git::GitRepo;
use opsdeck::runbook::ports::Ports;

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

pub fn create_org() -> CreateOrg {
    CreateOrg::new(CreateOrg {
        org: "acme-games".into(),
        domain: "acmegames.io".into(),
        spaces: vec!["world".into()],
        account_id: "111122223333".into(),
        oidc_provider_id: "5E1F3A0C9D2B4F6A8C7E".into(),
        cluster: "prod-cluster".into(),
        region: "eu-west-1".into(),
        template: "numinia".into(),
        statics_bucket: "numinia-statics".into(),
        statics_policy: "numinia-statics-bucket".into(),
    })
    .unwrap()
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

pub fn step(key: &str) -> usize {
    create_org()
        .steps()
        .iter()
        .position(|s| s.key == key)
        .unwrap()
}

pub fn opsdeck(home: &Path, args: &[&str]) -> Output {
    super::opsdeck_in(home)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// `opsdeck --write runbook create-org … --demo --repo <root> --apply --confirm prod-cluster`
/// for the organization acme.
pub fn create_acme(home: &Path, root: &Path) -> Output {
    let repo = root.to_str().unwrap();
    opsdeck(
        home,
        &[
            "--write",
            "runbook",
            "create-org",
            "--demo",
            "--speed",
            "0",
            "--repo",
            repo,
            "--apply",
            "--confirm",
            "prod-cluster",
            "--org",
            "acme",
            "--domain",
            "acme.io",
            "--space",
            "world",
            "--account-id",
            "111122223333",
            "--oidc-id",
            "5E1F3A0C9D2B4F6A8C7E",
        ],
    )
}
