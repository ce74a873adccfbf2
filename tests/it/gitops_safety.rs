//! The GitOps port on a real temporary repository (issue #11): a work tree with someone's changes
//! is refused before anything is written, the commit holds only the files the run wrote, no
//! symbolic link is followed out of the clone, the kustomization's resources list is edited as
//! YAML in its own style, and someone else's onboarding branch is refused, named. Through the
//! port, through the create-org runbook on the demo world, and through the binary.

#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::path::Path;

use opsdeck::backend::git::GitRepo;
use opsdeck::runbook::engine::{self, Control, Event, Outcome};
use opsdeck::runbook::ports::GitOps;
use testkit::gitops::*;

const KUSTOMIZATION: &str = "clusters/prod-cluster/kustomization.yaml";
const TEMPLATE: &str = "clusters/prod-cluster/organizations/numinia";

/// What the onboarding writes, sorted.
fn onboarding_files() -> Vec<String> {
    let mut v: Vec<String> = [
        "kustomization.yaml",
        "flux-kustomization.yaml",
        "pre-kustomization.yaml",
        "pro-kustomization.yaml",
        "org-config/kustomization.yaml",
        "org-config/namespace.yaml",
        "org-config/overlays/service-account.yaml",
    ]
    .iter()
    .map(|f| format!("{ORG}/{f}"))
    .chain([KUSTOMIZATION.to_string(), ISSUERS.to_string()])
    .collect();
    v.sort();
    v
}

fn committed_files(root: &Path, rev: &str) -> Vec<String> {
    let mut v: Vec<String> = git(root, &["show", "--name-only", "--format=", rev])
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// Nothing happened to the repository: still on main at `head`, no onboarding branch, the work
/// tree as it was.
/// Commits everything as "a link", then runs create-org: it must be refused, naming each of
/// `wanted`, with the repository `untouched`.
async fn refused_untouched(root: &Path, journals: &Path, wanted: [&str; 2]) {
    commit_all(root, "a link");
    let head = git(root, &["rev-parse", "HEAD"]);
    let (_, ports) = demo(root);
    let text = refused(run(&ports, journals).await);
    assert!(
        text.contains(wanted[0]) && text.contains(wanted[1]),
        "{text}"
    );
    untouched(root, &head, "");
}

fn untouched(root: &Path, head: &str, status: &str) {
    assert_eq!(git(root, &["rev-parse", "--abbrev-ref", "HEAD"]), "main");
    assert_eq!(git(root, &["rev-parse", "HEAD"]), head);
    assert_eq!(git(root, &["status", "--porcelain"]), status, "work tree");
    assert_eq!(
        git(root, &["branch", "--list", "onboard/*"]),
        "",
        "branches"
    );
}

#[derive(serde::Deserialize)]
struct Kustomization {
    resources: Vec<String>,
}

fn resources(yaml: &str) -> Vec<String> {
    serde_saphyr::from_str::<Kustomization>(yaml)
        .unwrap()
        .resources
}

#[tokio::test]
async fn a_dirty_work_tree_is_refused_before_anything_is_written() {
    let repo = new_repo();
    let root = repo.path();
    let head = git(root, &["rev-parse", "HEAD"]);
    let k = read(&root.join(KUSTOMIZATION));
    write(
        root,
        KUSTOMIZATION,
        &format!("{k}  # - organizations/next (an edit in progress)\n"),
    );
    write(root, ".env.local", "SECRET_TOKEN=s3cr3t-value\n");
    let status = git(root, &["status", "--porcelain"]);

    let journals = tempfile::tempdir().unwrap();
    let (world, ports) = demo(root);
    let text = refused(run(&ports, journals.path()).await);
    assert!(
        text.contains(".env.local") && text.contains(KUSTOMIZATION),
        "the refusal names the files: {text}"
    );
    assert!(
        !text.contains("s3cr3t-value"),
        "never their content: {text}"
    );
    untouched(root, &head, &status);
    assert!(!root.join(ORG).exists());
    assert!(world.creates().is_empty(), "nothing made in AWS either");

    // The port itself: its preflight names them, and the first write of a run is refused too.
    let g = GitRepo::open(root).unwrap();
    let pre = g.preflight(BRANCH, MESSAGE).await.unwrap();
    let text = pre.problems.join("\n");
    assert!(
        text.contains(".env.local (untracked)")
            && text.contains(&format!("{KUSTOMIZATION} (modified)")),
        "{text}"
    );
    let e = g.begin(BRANCH, MESSAGE).await.unwrap_err().to_string();
    assert!(e.contains(".env.local"), "{e}");
    assert!(g.write(&format!("{ORG}/x.yaml"), "x").await.is_err());
    untouched(root, &head, &status);
}

#[test]
fn the_binary_refuses_a_dirty_work_tree_naming_the_files() {
    let repo = new_repo();
    let root = repo.path();
    let head = git(root, &["rev-parse", "HEAD"]);
    write(root, "README.md", "# numinia-k8s\n\nediting…\n");
    write(root, ".env.local", "SECRET_TOKEN=s3cr3t-value\n");
    let status = git(root, &["status", "--porcelain"]);
    let err = create_acme_refused(crate::opsdeck_bin(), root);
    assert!(
        err.contains(".env.local") && err.contains("README.md"),
        "{err}"
    );
    untouched(root, &head, &status);
}

#[tokio::test]
async fn only_the_files_the_run_wrote_are_committed() {
    let repo = new_repo_with(&[(".gitignore", ".env.local\n")]);
    let root = repo.path().to_path_buf();
    write(&root, ".env.local", "SECRET_TOKEN=s3cr3t-value\n");
    let journals = tempfile::tempdir().unwrap();
    let (_, ports) = demo(&root);
    // A colleague's editor and a tool write while the run is on the cloud steps.
    let role = step("iam-role");
    let meanwhile = root.clone();
    let out = engine::run(&create_org(), &ports, &apply(journals.path()), &mut |e| {
        if matches!(e, Event::Applied { step } if *step == role) {
            write(&meanwhile, "README.md", "# numinia-k8s\n\nediting…\n");
            write(&meanwhile, "notes.txt", "todo\n");
        }
        Control::Continue
    })
    .await;
    assert!(matches!(out, Outcome::Completed { .. }), "{out:#?}");
    assert_eq!(git(&root, &["rev-parse", "--abbrev-ref", "HEAD"]), BRANCH);
    assert_eq!(
        committed_files(&root, "HEAD"),
        onboarding_files(),
        "the commit holds the run's files and nothing else"
    );
    let status = git(&root, &["status", "--porcelain"]);
    assert!(
        status.contains("README.md") && status.contains("notes.txt"),
        "the others' changes are left as they were: {status}"
    );
    assert!(!status.contains(".env.local"));
    assert_eq!(read(&root.join("README.md")), "# numinia-k8s\n\nediting…\n");

    // The port on its own: two files written, two committed, whatever else changed meanwhile.
    let repo = new_repo_with(&[(".gitignore", ".env.local\n")]);
    let root = repo.path();
    write(root, ".env.local", "SECRET_TOKEN=s3cr3t-value\n");
    let g = GitRepo::open(root).unwrap();
    g.begin(BRANCH, MESSAGE).await.unwrap();
    g.write(&format!("{ORG}/kustomization.yaml"), "resources: []\n")
        .await
        .unwrap();
    write(root, "notes.txt", "todo\n");
    git(root, &["add", "notes.txt"]);
    g.write(KUSTOMIZATION, "resources:\n  - organizations/acme-games\n")
        .await
        .unwrap();
    let sha = g.commit(BRANCH, MESSAGE).await.unwrap();
    assert_eq!(
        committed_files(root, &sha),
        [
            KUSTOMIZATION.to_string(),
            format!("{ORG}/kustomization.yaml")
        ]
    );
    assert_eq!(
        git(root, &["status", "--porcelain"]),
        "A  notes.txt",
        "what someone staged stays staged, out of the commit"
    );
}

#[tokio::test]
async fn symbolic_links_out_of_the_clone_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    let credentials = outside.path().join("credentials");
    std::fs::write(&credentials, "aws_secret_access_key = LEAKED-KEY\n").unwrap();
    let journals = tempfile::tempdir().unwrap();

    // A template file linking to a credentials file outside the repository: not copied.
    let repo = new_repo();
    let root = repo.path();
    let link = format!("{TEMPLATE}/org-config/credentials.yaml");
    symlink(&credentials, root.join(&link)).unwrap();
    refused_untouched(root, journals.path(), [link.as_str(), "symbolic link"]).await;
    assert!(!root.join(ORG).exists());
    assert!(!git(root, &["log", "--all", "-p"]).contains("LEAKED-KEY"));

    // The organization's directory linking outside: nothing written there.
    let repo = new_repo();
    let root = repo.path();
    let elsewhere = tempfile::tempdir().unwrap();
    symlink(elsewhere.path(), root.join(ORG)).unwrap();
    refused_untouched(root, journals.path(), [ORG, "symbolic link"]).await;
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);

    // The ClusterIssuer file linking outside: not appended to.
    let repo = new_repo();
    let root = repo.path();
    let issuers = outside.path().join("issuers.yaml");
    std::fs::write(&issuers, "kind: ClusterIssuer\n").unwrap();
    std::fs::remove_file(root.join(ISSUERS)).unwrap();
    symlink(&issuers, root.join(ISSUERS)).unwrap();
    refused_untouched(root, journals.path(), [ISSUERS, "outside the repository"]).await;
    assert_eq!(read(&issuers), "kind: ClusterIssuer\n");

    // The port: nothing is written through a link, even one that stays inside; a read through
    // one that leaves is refused.
    let repo = new_repo();
    let root = repo.path();
    symlink(root.join("clusters"), root.join("shared")).unwrap();
    symlink(root.join("README.md"), root.join("readme.md")).unwrap();
    symlink(&credentials, root.join("credentials")).unwrap();
    commit_all(root, "links");
    let g = GitRepo::open(root).unwrap();
    g.begin(BRANCH, MESSAGE).await.unwrap();
    for (path, named) in [
        ("shared/prod-cluster/x.yaml", "shared"),
        ("readme.md", "readme.md"),
        ("credentials", "credentials"),
    ] {
        let e = g.write(path, "x").await.unwrap_err().to_string();
        assert!(
            e.contains(&format!("{named} is a symbolic link")),
            "{path}: {e}"
        );
    }
    assert!(!root.join("clusters/prod-cluster/x.yaml").exists());
    assert_eq!(read(&credentials), "aws_secret_access_key = LEAKED-KEY\n");
    let e = g.read("credentials").await.unwrap_err().to_string();
    assert!(e.contains("outside the repository"), "{e}");
    assert_eq!(
        g.read("readme.md").await.unwrap().as_deref(),
        Some("# numinia-k8s\n"),
        "a link that stays inside is read"
    );
    assert!(g.list("shared").await.is_err(), "nor listed through");
    assert_eq!(git(root, &["status", "--porcelain"]), "");
}

#[tokio::test]
async fn the_resources_list_keeps_its_style() {
    for indent in ["", "  ", "    "] {
        let before = format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n{indent}- organizations/numinia\n"
        );
        let repo = new_repo_with(&[(KUSTOMIZATION, before.as_str())]);
        let root = repo.path();
        let journals = tempfile::tempdir().unwrap();
        let (_, ports) = demo(root);
        let out = run(&ports, journals.path()).await;
        assert!(matches!(out, Outcome::Completed { .. }), "{out:#?}");
        let after = git(root, &["show", &format!("HEAD:{KUSTOMIZATION}")]) + "\n";
        assert_eq!(resources(&before), ["organizations/numinia"]);
        assert_eq!(
            resources(&after),
            ["organizations/numinia", "organizations/acme-games"],
            "{after}"
        );
        assert_eq!(
            after,
            format!(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n{indent}- organizations/numinia\n{indent}- organizations/acme-games\n"
            ),
            "the list's own style"
        );
    }

    // A flow list is not edited as text: refused before anything is written.
    let before = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [organizations/numinia]\n";
    let repo = new_repo_with(&[(KUSTOMIZATION, before)]);
    let root = repo.path();
    let head = git(root, &["rev-parse", "HEAD"]);
    let journals = tempfile::tempdir().unwrap();
    let (world, ports) = demo(root);
    let text = refused(run(&ports, journals.path()).await);
    assert!(
        text.contains(KUSTOMIZATION) && text.contains("flow list"),
        "{text}"
    );
    untouched(root, &head, "");
    assert!(world.creates().is_empty());
}

#[test]
fn the_binary_keeps_the_unindented_style_of_kustomize_edit() {
    let before = "resources:\n- organizations/numinia\n";
    let repo = new_repo_with(&[(KUSTOMIZATION, before)]);
    let root = repo.path();
    let home = tempfile::tempdir().unwrap();
    let out = create_acme(crate::opsdeck_bin(), home.path(), root);
    testkit::assert_success(&out);
    let after = git(root, &["show", &format!("onboard/acme:{KUSTOMIZATION}")]) + "\n";
    assert_eq!(
        after,
        "resources:\n- organizations/numinia\n- organizations/acme\n"
    );
    assert_eq!(
        resources(&after),
        ["organizations/numinia", "organizations/acme"]
    );
    assert_eq!(git(root, &["status", "--porcelain"]), "");
}

/// Someone else's commit on `branch`, made from main; back on main after.
fn colleague_branch(root: &Path, branch: &str, subject: &str) -> String {
    git(root, &["checkout", "-q", "-b", branch]);
    write(
        root,
        "clusters/prod-cluster/organizations/draft.yaml",
        "draft\n",
    );
    git(root, &["add", "-A"]);
    git(
        root,
        &[
            "-c",
            "user.name=Alice Colleague",
            "-c",
            "user.email=alice@example.com",
            "commit",
            "-q",
            "-m",
            subject,
        ],
    );
    let tip = git(root, &["rev-parse", "HEAD"]);
    git(root, &["checkout", "-q", "main"]);
    tip
}

#[tokio::test]
async fn someone_elses_onboarding_branch_is_refused() {
    // Her own subject, or the one opsdeck writes (made by hand): neither is this run's.
    for subject in ["wip: acme-games by hand", MESSAGE] {
        let repo = new_repo();
        let root = repo.path();
        let head = git(root, &["rev-parse", "HEAD"]);
        let tip = colleague_branch(root, BRANCH, subject);
        let journals = tempfile::tempdir().unwrap();
        let (world, ports) = demo(root);
        let text = refused(run(&ports, journals.path()).await);
        assert!(
            text.contains(BRANCH)
                && text.contains("Alice Colleague")
                && text.contains("alice@example.com")
                && text.contains(subject),
            "{text}"
        );
        assert_eq!(git(root, &["rev-parse", "--abbrev-ref", "HEAD"]), "main");
        assert_eq!(git(root, &["rev-parse", "HEAD"]), head);
        assert_eq!(git(root, &["status", "--porcelain"]), "", "main untouched");
        assert_eq!(
            git(root, &["rev-parse", BRANCH]),
            tip,
            "her branch untouched"
        );
        assert!(!root.join(ORG).exists());
        assert!(world.creates().is_empty());

        // The port refuses the run's first write the same way.
        let g = GitRepo::open(root).unwrap();
        let e = g.begin(BRANCH, MESSAGE).await.unwrap_err().to_string();
        assert!(e.contains("Alice Colleague"), "{e}");
        assert_eq!(git(root, &["rev-parse", "--abbrev-ref", "HEAD"]), "main");
        assert_eq!(git(root, &["status", "--porcelain"]), "");
    }
}

#[test]
fn the_binary_refuses_someone_elses_onboarding_branch() {
    let repo = new_repo();
    let root = repo.path();
    let tip = colleague_branch(root, "onboard/acme", "wip: acme by hand");
    let err = create_acme_refused(crate::opsdeck_bin(), root);
    assert!(
        err.contains("Alice Colleague") && err.contains("wip: acme by hand"),
        "{err}"
    );
    assert_eq!(git(root, &["rev-parse", "--abbrev-ref", "HEAD"]), "main");
    assert_eq!(git(root, &["status", "--porcelain"]), "");
    assert_eq!(git(root, &["rev-parse", "onboard/acme"]), tip);
}

#[tokio::test]
async fn an_interrupted_run_continues_on_its_own_branch_and_commits_only_its_files() {
    let repo = new_repo();
    let root = repo.path();
    let main = git(root, &["rev-parse", "main"]);
    let journals = tempfile::tempdir().unwrap();
    // The run's writes are on its branch, never in main's work tree.
    let journal = interrupted_before_the_commit(root, journals.path()).await;
    assert_eq!(git(root, &["rev-parse", "main"]), main);

    // Someone's file appears meanwhile: the resume (a new process) does not commit it.
    write(root, "notes.txt", "todo\n");
    let (_, ports) = demo(root);
    let out = engine::resume(&journal, &ports, &apply(journals.path()), &mut |_| {
        Control::Continue
    })
    .await;
    let Outcome::Failed { reason, .. } = &out else {
        panic!("{out:#?}")
    };
    assert!(reason.contains("notes.txt (untracked)"), "{reason}");
    assert_eq!(git(root, &["rev-parse", BRANCH]), main, "nothing committed");

    // Without it, the resume commits the run's files, and only those.
    std::fs::remove_file(root.join("notes.txt")).unwrap();
    let (_, ports) = demo(root);
    let out = engine::resume(&journal, &ports, &apply(journals.path()), &mut |_| {
        Control::Continue
    })
    .await;
    assert!(matches!(out, Outcome::Completed { .. }), "{out:#?}");
    assert_eq!(committed_files(root, BRANCH), onboarding_files());
    assert_eq!(git(root, &["log", "-1", "--format=%s", BRANCH]), MESSAGE);
    assert_eq!(git(root, &["status", "--porcelain"]), "");
    assert_eq!(git(root, &["rev-parse", "main"]), main);
}
