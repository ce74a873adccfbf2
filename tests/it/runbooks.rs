//! The runbooks on the demo world: end to end with their effects in the fleet, crash and resume
//! after every step, refusals before anything is written, secrets kept out of the journal, the
//! log and the screen, and the GitOps steps on a real temporary git repository.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opsdeck::backend::demo::{DemoWorld, MemoryGit, template_repo};
use opsdeck::backend::git::GitRepo;
use opsdeck::model::{Facts, Health, Kind};
use opsdeck::runbook::create_org::CreateOrg;
use opsdeck::runbook::engine::{self, Control, Event, Outcome, RunOptions};
use opsdeck::runbook::journal::{self, Entry, Phase};
use opsdeck::runbook::ports::{GitOps, OpsFuture, Ports, SecretOps};
use opsdeck::runbook::render::Progress;
use opsdeck::runbook::secret::SecretDocument;
use opsdeck::runbook::staging_refresh::StagingRefresh;
use opsdeck::runbook::{Runbook, from_inputs};
use opsdeck::store::{self, Fleet, UpdateReceiver};
use testkit::runbooks::{apply, clock, failover, run_to_end, staging_refresh};

fn create_org() -> CreateOrg {
    testkit::runbooks::create_org_with(&["world", "arena"], "111122223333")
}

struct Demo {
    world: Arc<DemoWorld>,
    ports: Ports,
    fleet: Fleet,
    rx: UpdateReceiver,
}

impl Demo {
    fn new() -> Demo {
        Demo::with_git(MemoryGit::seeded())
    }

    fn with_git(git: Arc<dyn GitOps>) -> Demo {
        let (tx, rx) = store::channel();
        let world = DemoWorld::new(clock(), Some(tx), git);
        let mut fleet = Fleet::new("demo");
        fleet.apply(opsdeck::backend::demo::initial_updates(
            testkit::origin(),
            1,
        ));
        Demo {
            ports: world.ports(),
            world,
            fleet,
            rx,
        }
    }

    /// Applies what the world sent to the fleet.
    fn drain(&mut self) {
        while let Ok(batch) = self.rx.try_recv() {
            self.fleet.apply(batch);
        }
    }
}

fn completed(o: &Outcome) -> &[engine::StepReport] {
    match o {
        Outcome::Completed { steps, .. } => steps,
        other => panic!("not completed: {other:#?}"),
    }
}

#[tokio::test]
async fn create_org_runs_end_to_end_and_the_org_appears_in_the_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Demo::new();
    let rb = create_org();
    let out = run_to_end(&rb, &d.ports, &apply(dir.path(), "prod-cluster")).await;
    let steps = completed(&out);
    assert_eq!(steps.len(), 12);
    let flux = steps.last().unwrap();
    assert!(
        flux.elapsed >= Duration::from_secs(120),
        "Flux takes its time on the demo clock: {flux:?}"
    );
    let dns = steps.iter().find(|s| s.key == "dns").unwrap();
    assert!(
        dns.note
            .as_deref()
            .unwrap()
            .contains("does not resolve yet"),
        "a warning, not a failure"
    );
    d.drain();
    let org = d
        .fleet
        .rows_of(Kind::Organization)
        .find(|r| r.id.name == "acme-games")
        .expect("the new organization is a row");
    let Facts::Organization(o) = &org.facts else {
        unreachable!()
    };
    assert_eq!(o.namespaces, ["acme-games", "acme-games-pre"]);
    let hrs: Vec<_> = d
        .fleet
        .rows_of(Kind::HelmRelease)
        .filter(|r| r.id.scope.namespace() == "acme-games")
        .collect();
    assert_eq!(hrs.len(), 2);
    assert!(hrs.iter().all(|r| r.health == Health::Healthy));
    assert!(d.world.creates().values().all(|n| *n == 1));
    assert_eq!(
        d.world
            .creates()
            .keys()
            .filter(|k| k.starts_with("secret "))
            .count(),
        4,
        "world and arena, pre and pro"
    );
}

#[tokio::test]
async fn failover_flips_the_serving_region_and_failback_reverses_it() {
    let dir = tempfile::tempdir().unwrap();
    let rb = failover();
    // The plan says why: the primary's alarm and failing health check.
    let broken = Demo::new();
    broken.world.break_region("us-east-1");
    let plan = engine::run(
        &rb,
        &broken.ports,
        &RunOptions {
            apply: false,
            ..apply(dir.path(), "")
        },
        &mut |_| Control::Continue,
    )
    .await;
    let Outcome::Planned { findings, .. } = &plan else {
        panic!("{plan:?}")
    };
    assert!(
        findings
            .iter()
            .any(|f| f.contains("alarm us-east-1-5xx-rate firing")
                && f.contains("health check hc-api-use1 failing")),
        "{findings:?}"
    );

    // A drill on a healthy pair: Route53 keeps answering with us-east-1 for a TTL.
    let mut d = Demo::new();
    let out = run_to_end(&rb, &d.ports, &apply(dir.path(), "sa-east-1")).await;
    let steps = completed(&out);
    assert!(
        steps[2].elapsed >= Duration::from_secs(60),
        "the DNS TTL: {:?}",
        steps[2]
    );
    d.drain();
    let serving = |f: &Fleet, region: &str| {
        f.rows_of(Kind::Region)
            .find(|r| r.id.scope.account() == "helpdev-prod" && r.id.name == region)
            .and_then(|r| match &r.facts {
                Facts::Region(g) => g.failover.first().map(|x| (x.role.clone(), x.serving)),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(serving(&d.fleet, "sa-east-1"), ("PRIMARY".into(), true));
    assert_eq!(serving(&d.fleet, "us-east-1"), ("SECONDARY".into(), false));

    // The failback reverses it.
    let back = tempfile::tempdir().unwrap();
    let out = run_to_end(&rb.failback(), &d.ports, &apply(back.path(), "us-east-1")).await;
    completed(&out);
    d.drain();
    assert_eq!(serving(&d.fleet, "us-east-1"), ("PRIMARY".into(), true));
    assert_eq!(serving(&d.fleet, "sa-east-1"), ("SECONDARY".into(), false));

    // Failing back to a region whose health check fails is refused.
    let b = Demo::new();
    b.world.break_region("us-east-1");
    run_to_end(&rb, &b.ports, &apply(back.path(), "sa-east-1")).await;
    let out = run_to_end(&rb.failback(), &b.ports, &apply(back.path(), "us-east-1")).await;
    match out {
        Outcome::Refused(p) => assert!(
            p.iter().any(|x| x.contains("health check hc-api-use1")),
            "{p:?}"
        ),
        other => panic!("failing back to a failing region must be refused: {other:?}"),
    }
}

#[tokio::test]
async fn staging_refresh_restores_staging_from_a_new_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Demo::new();
    let rb = staging_refresh();
    let out = run_to_end(&rb, &d.ports, &apply(dir.path(), "phenom-dev-postgres")).await;
    let steps = completed(&out);
    assert!(
        steps[1].elapsed >= Duration::from_secs(600),
        "an RDS restore takes minutes: {:?}",
        steps[1]
    );
    let Outcome::Completed { follow_ups, .. } = &out else {
        unreachable!()
    };
    assert!(follow_ups.iter().any(|f| f.contains("snapshot_identifier")));
    assert!(follow_ups.iter().any(|f| f.contains("provisioner")));
    assert!(follow_ups.iter().any(|f| f.contains("re-map users")));
    assert_eq!(
        d.world.bucket_len("phenom-staging-media"),
        1240,
        "media synced"
    );
    let dev = testkit::runbooks::db(&d.ports, "phenom-dev-postgres").await;
    assert_eq!(
        dev.restored_from.as_deref(),
        Some("phenom-prod-postgres-clone-20261123")
    );
    d.drain();
    let dbs: Vec<_> = d
        .fleet
        .rows_of(Kind::DbInstance)
        .filter(|r| r.id.scope.account() == "phenom")
        .collect();
    let names: Vec<&str> = dbs.iter().map(|r| r.id.name.as_str()).collect();
    assert!(
        names.contains(&"phenom-dev-postgres-old-20261123"),
        "the old instance is kept: {names:?}"
    );
    assert!(
        !names.iter().any(|n| n.contains("restored")),
        "renamed away: {names:?}"
    );
    let prod = dbs
        .iter()
        .find(|r| r.id.name == "phenom-prod-postgres")
        .unwrap();
    let Facts::DbInstance(p) = &prod.facts else {
        unreachable!()
    };
    assert_eq!(p.snapshots[0].id, "phenom-prod-postgres-clone-20261123");
    assert_eq!(p.snapshots[0].status, "available");
    let dev_row = dbs
        .iter()
        .find(|r| r.id.name == "phenom-dev-postgres")
        .unwrap();
    let Facts::DbInstance(dv) = &dev_row.facts else {
        unreachable!()
    };
    assert_eq!(dv.status, "available");
}

/// How many events a run lets an observer stop at.
async fn stop_points(rb: &dyn Runbook, setup: impl Fn(&Demo)) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let d = Demo::new();
    setup(&d);
    let mut n = 0;
    let out = engine::run(rb, &d.ports, &apply(dir.path(), &rb.target()), &mut |e| {
        if !matches!(e, Event::Progress { .. }) {
            n += 1;
        }
        Control::Continue
    })
    .await;
    completed(&out);
    n
}

async fn crash_and_resume_everywhere(rb: &dyn Runbook, setup: impl Fn(&Demo)) {
    let points = stop_points(rb, &setup).await;
    assert!(points > rb.steps().len(), "{points}");
    for stop_at in 1..=points {
        let dir = tempfile::tempdir().unwrap();
        let d = Demo::new();
        setup(&d);
        let mut seen = 0;
        let out = engine::run(rb, &d.ports, &apply(dir.path(), &rb.target()), &mut |e| {
            if matches!(e, Event::Progress { .. }) {
                return Control::Continue;
            }
            seen += 1;
            if seen == stop_at {
                Control::Stop
            } else {
                Control::Continue
            }
        })
        .await;
        let Outcome::Interrupted { journal: path } = out else {
            panic!("stop at {stop_at}: {out:?}")
        };
        let resumed = engine::resume(
            &path,
            &d.ports,
            &apply(dir.path(), &rb.target()),
            &mut |_| Control::Continue,
        )
        .await;
        completed(&resumed);
        let twice: Vec<_> = d
            .world
            .creates()
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .collect();
        assert!(
            twice.is_empty(),
            "{}: stop at {stop_at}: created twice: {twice:?}",
            rb.name()
        );
        let text = std::fs::read_to_string(&path).unwrap();
        for step in rb.steps() {
            let applied = text
                .lines()
                .map(|l| serde_json::from_str::<Entry>(l).unwrap())
                .filter(|e| matches!(e, Entry::Step { key, phase: Phase::Applied, .. } if *key == step.key))
                .count();
            assert!(
                applied <= 1,
                "{}: stop at {stop_at}: {} applied {applied} times",
                rb.name(),
                step.key
            );
        }
        let replay = journal::replay(&path).unwrap();
        assert_eq!(replay.finished, Some(true));
        assert_eq!(replay.verified.len(), rb.steps().len());
    }
}

#[tokio::test]
async fn every_runbook_resumes_after_a_crash_at_any_point() {
    crash_and_resume_everywhere(&create_org(), |_| {}).await;
    crash_and_resume_everywhere(&failover(), |d| d.world.break_region("us-east-1")).await;
    crash_and_resume_everywhere(&staging_refresh(), |_| {}).await;
}

#[tokio::test]
async fn refusals_come_before_anything_is_written() {
    // Invalid inputs: one message each.
    let bad = CreateOrg::new(CreateOrg {
        org: "Acme!".into(),
        account_id: "42".into(),
        ..create_org()
    })
    .unwrap_err();
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(
        StagingRefresh::new(StagingRefresh {
            target: "phenom-prod-postgres".into(),
            ..staging_refresh()
        })
        .is_err()
    );

    let nothing_written = |dir: &Path, d: &Demo| {
        assert!(d.world.creates().is_empty(), "{:?}", d.world.creates());
        assert!(
            std::fs::read_dir(dir)
                .map(|e| e.count() == 0)
                .unwrap_or(true),
            "a journal was written"
        );
    };

    // Staging refresh onto production.
    let dir = tempfile::tempdir().unwrap();
    let d = Demo::new();
    let onto_prod = StagingRefresh {
        source: "phenom-dev-postgres".into(),
        target: "phenom-prod-postgres".into(),
        ..staging_refresh()
    };
    let out = run_to_end(
        &onto_prod,
        &d.ports,
        &apply(dir.path(), "phenom-prod-postgres"),
    )
    .await;
    let Outcome::Refused(p) = out else {
        panic!("{out:?}")
    };
    assert!(
        p.iter()
            .any(|x| x.contains("refusing to overwrite production")),
        "{p:?}"
    );
    nothing_written(dir.path(), &d);

    // Failover to a region whose databases are not available: refused unless overridden.
    let dir = tempfile::tempdir().unwrap();
    let d = Demo::new();
    d.world.degrade_databases("sa-east-1");
    let out = run_to_end(&failover(), &d.ports, &apply(dir.path(), "sa-east-1")).await;
    let Outcome::Refused(p) = out else {
        panic!("{out:?}")
    };
    assert!(
        p.iter()
            .any(|x| x.contains("database payments-sae1 in sa-east-1 is storage-full")),
        "{p:?}"
    );
    nothing_written(dir.path(), &d);
    let mut opts = apply(dir.path(), "sa-east-1");
    opts.override_reason = Some("us-east-1 is down hard; sa-east-1 degraded beats nothing".into());
    let out = run_to_end(&failover(), &d.ports, &opts).await;
    let Outcome::Completed { journal: path, .. } = out else {
        panic!("{out:?}")
    };
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains("\"event\":\"override\"")
            && text.contains("sa-east-1 degraded beats nothing")
    );

    // Apply without the typed confirmation, or with the wrong one.
    for typed in [None, Some("prod")] {
        let dir = tempfile::tempdir().unwrap();
        let d = Demo::new();
        let mut opts = apply(dir.path(), "");
        opts.confirm = typed.map(str::to_string);
        let out = run_to_end(&create_org(), &d.ports, &opts).await;
        let Outcome::Refused(p) = out else {
            panic!("{out:?}")
        };
        assert!(p[0].contains("--confirm prod-cluster"), "{p:?}");
        nothing_written(dir.path(), &d);
    }

    // The dry run writes nothing either.
    let dir = tempfile::tempdir().unwrap();
    let d = Demo::new();
    let out = run_to_end(
        &create_org(),
        &d.ports,
        &RunOptions {
            apply: false,
            ..apply(dir.path(), "prod-cluster")
        },
    )
    .await;
    assert!(matches!(out, Outcome::Planned { .. }));
    nothing_written(dir.path(), &d);
}

/// Records the secret documents the secret store receives, to look for them elsewhere: wraps
/// only the secrets capability, the rest of the ports are the demo world's.
struct Capture {
    inner: Arc<dyn SecretOps>,
    seen: Mutex<Vec<String>>,
}

impl SecretOps for Capture {
    fn secret_exists<'a>(&'a self, name: &'a str) -> OpsFuture<'a, bool> {
        self.inner.secret_exists(name)
    }

    fn create_secret<'a>(&'a self, name: &'a str, value: &'a SecretDocument) -> OpsFuture<'a, ()> {
        let json: serde_json::Value = serde_json::from_str(&value.expose_json()).unwrap();
        for v in json.as_object().unwrap().values() {
            self.seen
                .lock()
                .unwrap()
                .push(v.as_str().unwrap().to_string());
        }
        self.inner.create_secret(name, value)
    }
}

#[test]
fn generated_secrets_reach_the_secret_store_only() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("opsdeck.log");
    let file = std::fs::File::create(&log).unwrap();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let d = Demo::new();
    let capture = Arc::new(Capture {
        inner: d.ports.secrets.clone(),
        seen: Mutex::new(vec![]),
    });
    let ports = Ports {
        secrets: capture.clone(),
        ..d.ports.clone()
    };
    let rb = create_org();
    let mut screen = String::new();
    let mut progress = Progress::new(rb.steps().iter().map(|s| s.title.clone()).collect());
    let out = runtime.block_on(engine::run(
        &rb,
        &ports,
        &apply(dir.path(), "prod-cluster"),
        &mut |e| {
            tracing::debug!(event = ?e, "runbook event");
            if let Some(l) = progress.render(e) {
                screen.push_str(&l);
                screen.push('\n');
            }
            Control::Continue
        },
    ));
    screen.push_str(&opsdeck::runbook::render::outcome(&out, "prod-cluster"));
    screen.push_str(&format!("{out:?}"));
    let Outcome::Completed { journal: path, .. } = &out else {
        panic!("{out:?}")
    };
    let journal = std::fs::read_to_string(path).unwrap();
    drop(_guard);
    let log_text = std::fs::read_to_string(&log).unwrap();
    let secrets = capture.seen.lock().unwrap().clone();
    assert_eq!(secrets.len(), 8, "JWT_SECRET and ADMIN_CODE for 4 secrets");
    assert!(log_text.contains("runbook event"), "the log was written");
    assert!(
        journal.contains("hyperfy2-acme-games-world-pre"),
        "the journal names the secrets"
    );
    for s in &secrets {
        assert!(s.len() >= 24, "a generated value: {s}");
        assert!(!journal.contains(s.as_str()), "a secret in the journal");
        assert!(!log_text.contains(s.as_str()), "a secret in the log");
        assert!(!screen.contains(s.as_str()), "a secret on the screen");
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[tokio::test]
async fn create_org_commits_on_a_branch_of_a_real_git_repository() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["config", "user.name", "opsdeck tests"]);
    git(root, &["config", "user.email", "tests@opsdeck.invalid"]);
    for (path, content) in template_repo() {
        let p = root.join(&path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "numinia-k8s"]);
    let main_before = git(root, &["rev-parse", "main"]);

    let dir = tempfile::tempdir().unwrap();
    let d = Demo::with_git(Arc::new(GitRepo::open(root).unwrap()));
    let out = run_to_end(&create_org(), &d.ports, &apply(dir.path(), "prod-cluster")).await;
    completed(&out);

    assert_eq!(
        git(root, &["rev-parse", "--abbrev-ref", "HEAD"]),
        "onboard/acme-games"
    );
    assert_eq!(
        git(root, &["rev-parse", "main"]),
        main_before,
        "main untouched"
    );
    assert_eq!(
        git(root, &["log", "-1", "--format=%s"]),
        "feat: add acme-games organization"
    );
    assert_eq!(
        git(root, &["status", "--porcelain"]),
        "",
        "everything committed"
    );
    assert_eq!(
        git(root, &["remote"]),
        "",
        "nothing to push to, and nothing pushed"
    );
    let files = git(root, &["show", "--name-only", "--format=", "HEAD"]);
    let org = "clusters/prod-cluster/organizations/acme-games";
    for f in [
        format!("{org}/kustomization.yaml"),
        format!("{org}/flux-kustomization.yaml"),
        format!("{org}/pre-kustomization.yaml"),
        format!("{org}/pro-kustomization.yaml"),
        format!("{org}/org-config/namespace.yaml"),
        format!("{org}/org-config/overlays/service-account.yaml"),
        "clusters/prod-cluster/kustomization.yaml".into(),
        "infrastructure/networking/cert-manager/cluster-issuer.yaml".into(),
    ] {
        assert!(
            files.lines().any(|l| l == f),
            "{f} not in the commit:\n{files}"
        );
    }
    assert!(
        !files.contains(&format!("{org}/world/")),
        "the template's spaces are dropped"
    );
    let sa = git(
        root,
        &[
            "show",
            &format!("HEAD:{org}/org-config/overlays/service-account.yaml"),
        ],
    );
    assert!(sa.contains(
        "eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/acme-games-secret-manager-role"
    ));
    let flux = git(
        root,
        &["show", &format!("HEAD:{org}/flux-kustomization.yaml")],
    );
    assert!(
        flux.contains("name: acme-games") && !flux.contains("numinia"),
        "{flux}"
    );
    let k = git(
        root,
        &["show", "HEAD:clusters/prod-cluster/kustomization.yaml"],
    );
    assert!(k.contains("  - organizations/acme-games"), "{k}");
    let issuers = git(
        root,
        &[
            "show",
            "HEAD:infrastructure/networking/cert-manager/cluster-issuer.yaml",
        ],
    );
    assert!(
        issuers.contains("name: letsencrypt-numinia-prod")
            && issuers.contains("name: letsencrypt-acme-games-prod")
    );

    // A re-run finds everything done and changes nothing.
    let again = tempfile::tempdir().unwrap();
    let out = run_to_end(
        &create_org(),
        &d.ports,
        &apply(again.path(), "prod-cluster"),
    )
    .await;
    let steps = completed(&out);
    assert!(
        steps
            .iter()
            .filter(|s| s.key != "dns" && s.key != "flux-ready")
            .all(|s| s.result == engine::StepResult::AlreadyDone),
        "{steps:#?}"
    );
    assert_eq!(git(root, &["rev-list", "--count", "HEAD"]), "2");
    let _ = from_inputs("create-org", &create_org().inputs()).unwrap();
}

#[tokio::test]
async fn a_failed_step_stops_the_run_with_the_reason_and_what_next() {
    let dir = tempfile::tempdir().unwrap();
    let d = Demo::new();
    let rb = CreateOrg::new(CreateOrg {
        statics_policy: "no-such-policy".into(),
        ..create_org()
    })
    .unwrap();
    let out = run_to_end(&rb, &d.ports, &apply(dir.path(), "prod-cluster")).await;
    let Outcome::Failed {
        step,
        reason,
        next,
        journal: path,
        steps,
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(step, "attach-policies");
    assert!(
        reason.contains("policy no-such-policy not found"),
        "{reason}"
    );
    assert!(next.contains("opsdeck runbook resume"), "{next}");
    assert_eq!(steps.last().unwrap().result, engine::StepResult::Failed);
    assert!(
        !d.world.creates().keys().any(|k| k.starts_with("secret ")),
        "nothing after the failed step ran"
    );
    let replay = journal::replay(&path).unwrap();
    assert_eq!(replay.finished, Some(false));
    assert_eq!(
        replay.verified,
        ["directory", "namespace", "iam-role", "iam-policies"]
    );
}

#[tokio::test]
async fn the_failover_shows_its_clock_against_the_rto() {
    let dir = tempfile::tempdir().unwrap();
    let d = Demo::new();
    let mut notes = Vec::new();
    let out = engine::run(
        &failover(),
        &d.ports,
        &apply(dir.path(), "sa-east-1"),
        &mut |e| {
            if let Event::Progress {
                step: 2,
                progress,
                note,
                ..
            } = e
            {
                notes.push((*progress, note.clone()));
            }
            Control::Continue
        },
    )
    .await;
    completed(&out);
    assert!(
        !notes.is_empty(),
        "Route53 kept answering the old way for a TTL"
    );
    let (progress, note) = notes.last().unwrap();
    assert!(note.contains("since the change, RTO 5m00s"), "{note}");
    let used = progress.unwrap();
    assert!(
        used > 0.0 && used < 1.0,
        "a TTL uses part of the RTO: {used}"
    );
}
