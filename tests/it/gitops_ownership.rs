//! Whose `onboard/<org>` branch and whose files (the hostile probe's #4, #7 and #8), on a real
//! temporary repository through the GitOps port, the create-org runbook on the demo world, and
//! the binary:
//! - a branch is the run's only on the run's own record in `.git/opsdeck/`: a commit with
//!   opsdeck's subject and `Committed-by: opsdeck` trailer made by someone else is refused,
//!   named, by a new run and by a resume, and its commit is never taken for the run's;
//! - a file the run wrote and someone edited since is neither committed nor overwritten;
//! - the branch starts from the repository's default branch, never from a work-in-progress
//!   branch or a detached HEAD, and the preflight says from which commit.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use opsdeck::backend::git::GitRepo;
use opsdeck::runbook::engine::{self, Control, Outcome, RunOptions};
use opsdeck::runbook::ports::{GitOps, Ports};
use testkit::gitops::*;

const TRAILER: &str = "Committed-by: opsdeck";
const MALLORY_DATE: &str = "2026-01-02T03:04:05+00:00";

async fn resume(journal: &Path, ports: &Ports, journals: &Path) -> Outcome {
    engine::resume(journal, ports, &apply(journals), &mut |_| Control::Continue).await
}

/// The plan (nothing written): its findings, or the refusal.
async fn plan(root: &Path) -> Result<Vec<String>, String> {
    let journals = tempfile::tempdir().unwrap();
    let (_, ports) = demo(root);
    let out = engine::run(
        &create_org(),
        &ports,
        &RunOptions::plan(journals.path().to_path_buf()),
        &mut |_| Control::Continue,
    )
    .await;
    match out {
        Outcome::Planned { findings, .. } => Ok(findings),
        Outcome::Refused(p) => Err(p.join("\n")),
        other => panic!("neither planned nor refused: {other:#?}"),
    }
}

/// The step that failed, and why.
fn failure(out: Outcome) -> (String, String) {
    match out {
        Outcome::Failed { step, reason, .. } => (step, reason),
        other => panic!("not failed: {other:#?}"),
    }
}

/// Mallory's commit of everything in the work tree (and `evil: true` in the organization's
/// kustomization) with opsdeck's subject and trailer, on the branch checked out.
fn mallory_commits(root: &Path, subject: &str) -> String {
    write(root, &format!("{ORG}/kustomization.yaml"), "evil: true\n");
    git(root, &["add", "-A"]);
    git(
        root,
        &[
            "-c",
            "user.name=Mallory Intruder",
            "-c",
            "user.email=mallory@example.com",
            "commit",
            "-q",
            "--date",
            MALLORY_DATE,
            "-m",
            subject,
            "-m",
            TRAILER,
        ],
    );
    git(root, &["rev-parse", "HEAD"])
}

/// Mallory's `branch`, made from main, with opsdeck's subject and trailer; back on main after.
fn mallory_branch(root: &Path, branch: &str, subject: &str) -> String {
    git(root, &["checkout", "-q", "-b", branch]);
    let tip = mallory_commits(root, subject);
    git(root, &["checkout", "-q", "main"]);
    tip
}

fn names_mallory(text: &str, subject: &str) -> bool {
    text.contains("Mallory Intruder")
        && text.contains("mallory@example.com")
        // The refusal shows the date in UTC: 2026-01-02T03:04:05Z.
        && text.contains(&format!("{}Z", &MALLORY_DATE[..19]))
        && text.contains(subject)
}

// #4: a foreign onboarding branch is never adopted.

#[tokio::test]
async fn a_branch_with_opsdecks_subject_and_trailer_is_not_the_runs() {
    let repo = new_repo();
    let root = repo.path();
    let main = git(root, &["rev-parse", "main"]);
    let tip = mallory_branch(root, BRANCH, MESSAGE);
    let journals = tempfile::tempdir().unwrap();
    let (world, ports) = demo(root);
    let text = refused(run(&ports, journals.path()).await);
    assert!(
        text.contains(BRANCH) && names_mallory(&text, MESSAGE),
        "the refusal names the author, date and subject of its last commit: {text}"
    );
    assert!(text.contains("not this run's"), "{text}");
    assert_eq!(git(root, &["rev-parse", "--abbrev-ref", "HEAD"]), "main");
    assert_eq!(git(root, &["rev-parse", "main"]), main);
    assert_eq!(
        git(root, &["rev-parse", BRANCH]),
        tip,
        "her branch untouched"
    );
    assert_eq!(
        git(
            root,
            &["show", &format!("{BRANCH}:{ORG}/kustomization.yaml")]
        ),
        "evil: true"
    );
    assert_eq!(git(root, &["status", "--porcelain"]), "");
    assert!(world.creates().is_empty(), "nothing made in AWS either");

    // The port: her commit is not the run's, and a first write (or a resume) does not take
    // her branch either.
    let g = GitRepo::open(root).unwrap();
    assert_eq!(g.find_commit(BRANCH, MESSAGE).await.unwrap(), None);
    let e = g.begin(BRANCH, MESSAGE).await.unwrap_err().to_string();
    assert!(names_mallory(&e, MESSAGE), "{e}");
    assert!(
        g.write(&format!("{ORG}/kustomization.yaml"), "x")
            .await
            .is_err()
    );
    assert_eq!(git(root, &["rev-parse", "--abbrev-ref", "HEAD"]), "main");
    assert_eq!(git(root, &["rev-parse", BRANCH]), tip);
    assert_eq!(git(root, &["status", "--porcelain"]), "");
}

#[test]
fn the_binary_refuses_a_foreign_branch_with_opsdecks_trailer() {
    let repo = new_repo();
    let root = repo.path();
    let subject = "feat: add acme organization";
    let tip = mallory_branch(root, "onboard/acme", subject);
    let err = create_acme_refused(crate::opsdeck_bin(), root);
    assert!(names_mallory(&err, subject), "{err}");
    assert_eq!(git(root, &["rev-parse", "--abbrev-ref", "HEAD"]), "main");
    assert_eq!(git(root, &["rev-parse", "onboard/acme"]), tip);
    assert_eq!(git(root, &["status", "--porcelain"]), "");
}

#[tokio::test]
async fn a_resume_owns_only_the_commit_its_record_names() {
    let repo = new_repo();
    let root = repo.path();
    let main = git(root, &["rev-parse", "main"]);
    let journals = tempfile::tempdir().unwrap();
    let journal = interrupted_before_the_commit(root, journals.path()).await;
    let status = git(root, &["status", "--porcelain"]);

    // A new run does not take over the branch of an interrupted one: it says to resume.
    let (_, ports) = demo(root);
    let text = refused(run(&ports, journals.path()).await);
    assert!(text.contains(BRANCH) && text.contains("resume"), "{text}");
    assert_eq!(git(root, &["status", "--porcelain"]), status);
    assert_eq!(git(root, &["rev-parse", BRANCH]), main);

    // Mallory commits on the branch meanwhile, with opsdeck's subject and trailer.
    let hers = mallory_commits(root, MESSAGE);
    let (_, ports) = demo(root);
    let (step, reason) = failure(resume(&journal, &ports, journals.path()).await);
    assert_eq!(step, "commit", "the commit step is not \"already done\"");
    assert!(names_mallory(&reason, MESSAGE), "{reason}");
    assert_eq!(git(root, &["rev-parse", BRANCH]), hers, "nothing on top");
    assert_eq!(git(root, &["status", "--porcelain"]), "");

    // The port: her commit is not the run's.
    let g = GitRepo::open(root).unwrap();
    assert_eq!(g.find_commit(BRANCH, MESSAGE).await.unwrap(), None);
}

#[tokio::test]
async fn the_runs_commit_is_known_by_its_record_and_only_while_the_branch_is_there() {
    let repo = new_repo();
    let root = repo.path();
    let g = GitRepo::open(root).unwrap();
    g.begin(BRANCH, MESSAGE).await.unwrap();
    g.write(&format!("{ORG}/kustomization.yaml"), "resources: []\n")
        .await
        .unwrap();
    g.write(
        &format!("{ORG}/org-config/namespace.yaml"),
        "kind: Namespace\n",
    )
    .await
    .unwrap();
    let sha = g.commit(BRANCH, MESSAGE).await.unwrap();
    // Another process: the record on disk names the commit.
    let other = GitRepo::open(root).unwrap();
    assert_eq!(
        other.find_commit(BRANCH, MESSAGE).await.unwrap(),
        Some(sha.clone())
    );
    GitRepo::open(root)
        .unwrap()
        .begin(BRANCH, MESSAGE)
        .await
        .unwrap();

    // Mallory replaces the commit with hers (same subject, same trailer).
    git(root, &["reset", "-q", "--soft", "HEAD~1"]);
    let hers = mallory_commits(root, MESSAGE);
    let fresh = GitRepo::open(root).unwrap();
    assert_eq!(fresh.find_commit(BRANCH, MESSAGE).await.unwrap(), None);
    let e = fresh.begin(BRANCH, MESSAGE).await.unwrap_err().to_string();
    assert!(names_mallory(&e, MESSAGE), "{e}");
    assert_eq!(git(root, &["rev-parse", BRANCH]), hers);

    // A record edited to name her commit proves nothing: its files are not the ones the run
    // committed.
    let record = root.join(".git/opsdeck/onboard%2Facme-games.json");
    let text = read(&record);
    assert!(text.contains(&sha), "{text}");
    std::fs::write(&record, text.replace(&sha, &hers)).unwrap();
    let fresh = GitRepo::open(root).unwrap();
    assert_eq!(fresh.find_commit(BRANCH, MESSAGE).await.unwrap(), None);
    let e = fresh.begin(BRANCH, MESSAGE).await.unwrap_err().to_string();
    assert!(names_mallory(&e, MESSAGE), "{e}");
}

// #7: the run commits its files only as it wrote them.

/// Makes every commit in `root` fail (a pre-commit hook) until the returned hook file is
/// removed.
fn failing_commits(root: &Path, hooks: &Path) -> std::path::PathBuf {
    let hook = hooks.join("pre-commit");
    std::fs::write(&hook, "#!/bin/sh\necho 'pre-commit: refused' >&2\nexit 1\n").unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    git(root, &["config", "core.hooksPath", hooks.to_str().unwrap()]);
    hook
}

#[tokio::test]
async fn a_resume_does_not_commit_edits_made_to_the_runs_files() {
    let repo = new_repo();
    let root = repo.path();
    let main = git(root, &["rev-parse", "main"]);
    let hooks = tempfile::tempdir().unwrap();
    let hook = failing_commits(root, hooks.path());
    let journals = tempfile::tempdir().unwrap();
    let (_, ports) = demo(root);
    let out = run(&ports, journals.path()).await;
    let Outcome::Failed { step, journal, .. } = out else {
        panic!("{out:#?}")
    };
    assert_eq!(step, "commit");
    std::fs::remove_file(&hook).unwrap();

    // Someone appends to two of the files the run wrote.
    let namespace = format!("{ORG}/org-config/namespace.yaml");
    let mut as_written = Vec::new();
    for path in [ISSUERS, namespace.as_str()] {
        let text = read(&root.join(path));
        write(
            root,
            path,
            &format!("{text}---\n# appended by someone\nkind: Secret\n"),
        );
        as_written.push((path, text));
    }
    let (_, ports) = demo(root);
    let (step, reason) = failure(resume(&journal, &ports, journals.path()).await);
    assert_eq!(step, "commit");
    assert!(
        reason.contains("changed since opsdeck wrote")
            && reason.contains(ISSUERS)
            && reason.contains(&namespace),
        "{reason}"
    );
    assert_eq!(git(root, &["rev-parse", BRANCH]), main, "nothing committed");
    assert!(
        read(&root.join(ISSUERS)).contains("appended by someone"),
        "kept"
    );

    // With what opsdeck wrote put back, the resume commits it, and nothing else.
    for (path, text) in &as_written {
        write(root, path, text);
    }
    let (_, ports) = demo(root);
    let out = resume(&journal, &ports, journals.path()).await;
    assert!(matches!(out, Outcome::Completed { .. }), "{out:#?}");
    assert_eq!(git(root, &["log", "-1", "--format=%s", BRANCH]), MESSAGE);
    assert!(!git(root, &["show", BRANCH]).contains("appended by someone"));
    assert_eq!(git(root, &["status", "--porcelain"]), "");
}

#[tokio::test]
async fn a_file_edited_since_the_run_wrote_it_is_neither_committed_nor_overwritten() {
    let repo = new_repo();
    let root = repo.path();
    let main = git(root, &["rev-parse", "main"]);
    let g = GitRepo::open(root).unwrap();
    g.begin(BRANCH, MESSAGE).await.unwrap();
    let kustomization = format!("{ORG}/kustomization.yaml");
    let namespace = format!("{ORG}/org-config/namespace.yaml");
    g.write(&kustomization, "resources: []\n").await.unwrap();
    g.write(&namespace, "kind: Namespace\n").await.unwrap();
    write(root, &namespace, "kind: Namespace\n# someone's edit\n");

    let e = g.commit(BRANCH, MESSAGE).await.unwrap_err().to_string();
    assert!(
        e.contains(&format!("{namespace} changed since opsdeck wrote it")),
        "{e}"
    );
    assert!(!e.contains(&kustomization), "only the edited file: {e}");
    assert_eq!(git(root, &["rev-parse", BRANCH]), main, "nothing committed");

    // Nor is it overwritten by a later write of the run.
    let e = g
        .write(&namespace, "kind: Namespace\n# v2\n")
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("changed since opsdeck wrote it"),
        "{e}"
    );
    assert_eq!(
        read(&root.join(&namespace)),
        "kind: Namespace\n# someone's edit\n"
    );

    // A file the run has not written yet, edited and not committed, is not written (the run
    // would commit the edit with its own change).
    let issuers = read(&root.join(ISSUERS));
    write(root, ISSUERS, &format!("{issuers}# someone's edit\n"));
    let e = g.write(ISSUERS, "kind: ClusterIssuer\n").await.unwrap_err();
    assert!(
        e.to_string().contains(ISSUERS) && e.to_string().contains("not committed"),
        "{e}"
    );
    assert_eq!(
        read(&root.join(ISSUERS)),
        format!("{issuers}# someone's edit\n")
    );

    // Put back, the run's files commit, and only they.
    write(root, &namespace, "kind: Namespace\n");
    write(root, ISSUERS, &issuers);
    let sha = g.commit(BRANCH, MESSAGE).await.unwrap();
    let mut files: Vec<String> = git(root, &["show", "--name-only", "--format=", &sha])
        .lines()
        .map(str::to_string)
        .collect();
    files.sort();
    assert_eq!(files, [kustomization, namespace]);
}

// #8: the branch starts from the default branch.

#[tokio::test]
async fn the_branch_starts_only_from_the_default_branch() {
    // The plan says which commit it starts from.
    let repo = new_repo();
    let root = repo.path();
    let short = git(root, &["rev-parse", "--short", "main"]);
    let findings = plan(root).await.unwrap().join("\n");
    assert!(
        findings.contains(BRANCH) && findings.contains("main") && findings.contains(&short),
        "{findings}"
    );

    // A work-in-progress branch checked out: refused, named, nothing written.
    git(root, &["checkout", "-q", "-b", "wip/alice"]);
    write(root, "notes/wip.md", "half done\n");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "wip: half done"]);
    let wip = git(root, &["rev-parse", "HEAD"]);
    let journals = tempfile::tempdir().unwrap();
    let (world, ports) = demo(root);
    let text = refused(run(&ports, journals.path()).await);
    assert!(
        text.contains("wip/alice") && text.contains("main"),
        "{text}"
    );
    assert_eq!(
        git(root, &["rev-parse", "--abbrev-ref", "HEAD"]),
        "wip/alice"
    );
    assert_eq!(git(root, &["rev-parse", "HEAD"]), wip);
    assert_eq!(git(root, &["branch", "--list", "onboard/*"]), "");
    assert!(world.creates().is_empty());
    let g = GitRepo::open(root).unwrap();
    let e = g.begin(BRANCH, MESSAGE).await.unwrap_err().to_string();
    assert!(e.contains("wip/alice"), "{e}");
    assert_eq!(git(root, &["branch", "--list", "onboard/*"]), "");

    // A detached HEAD: refused.
    git(root, &["checkout", "-q", "--detach", "main"]);
    let text = plan(root).await.unwrap_err();
    assert!(text.contains("detached"), "{text}");
    let g = GitRepo::open(root).unwrap();
    assert!(g.begin(BRANCH, MESSAGE).await.is_err());
    assert_eq!(git(root, &["branch", "--list", "onboard/*"]), "");

    // Back on main: the run goes, from main.
    git(root, &["checkout", "-q", "main"]);
    let (_, ports) = demo(root);
    let out = run(&ports, journals.path()).await;
    assert!(matches!(out, Outcome::Completed { .. }), "{out:#?}");
    assert_eq!(
        git(root, &["rev-parse", &format!("{BRANCH}~1")]),
        git(root, &["rev-parse", "main"])
    );
}

#[tokio::test]
async fn the_default_branch_is_origin_head_else_main_or_master() {
    // origin/HEAD names it: trunk here, and main is then not it.
    let repo = new_repo();
    let root = repo.path();
    git(root, &["branch", "-m", "main", "trunk"]);
    let head = git(root, &["rev-parse", "HEAD"]);
    git(root, &["update-ref", "refs/remotes/origin/trunk", &head]);
    git(
        root,
        &[
            "symbolic-ref",
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/trunk",
        ],
    );
    let findings = plan(root).await.unwrap().join("\n");
    assert!(findings.contains("trunk"), "{findings}");
    git(root, &["checkout", "-q", "-b", "main"]);
    let text = plan(root).await.unwrap_err();
    assert!(text.contains("main") && text.contains("trunk"), "{text}");

    // No origin: master when there is no main.
    let repo = new_repo();
    let root = repo.path();
    git(root, &["branch", "-m", "main", "master"]);
    let findings = plan(root).await.unwrap().join("\n");
    assert!(findings.contains("master"), "{findings}");
}

#[test]
fn the_binary_refuses_to_branch_from_a_work_in_progress_branch() {
    let repo = new_repo();
    let root = repo.path();
    git(root, &["checkout", "-q", "-b", "wip/alice"]);
    let err = create_acme_refused(crate::opsdeck_bin(), root);
    assert!(err.contains("wip/alice"), "{err}");
    assert_eq!(
        git(root, &["rev-parse", "--abbrev-ref", "HEAD"]),
        "wip/alice"
    );
    assert_eq!(git(root, &["branch", "--list", "onboard/*"]), "");
    assert_eq!(git(root, &["status", "--porcelain"]), "");
}
