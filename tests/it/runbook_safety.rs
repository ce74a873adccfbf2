//! Writes that cannot go to the wrong world (issue #11), through the real binary in a scratch
//! HOME: a journal resumes only in the world it ran in; a resume passes the gate of a start
//! (`--write`, `--apply`, `--confirm <target>`) before any step runs or any progress shows; the
//! demo's `--apply` needs `--write` too; journals survive a torn line and a kill -9, are locked
//! while a run is live, never collide, and are the owner's only, as the log is.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use testkit::runbooks::{
    CREATE_ORG_FLAGS, REFRESH_FLAGS, argv, assert_refused_run, edit_journal_start, interrupt,
    journals,
};
use testkit::text;

// The binary in a scratch `home`: no ambient kubeconfig, AWS profile or config; fake AWS keys
// so that an AWS call goes to the configured endpoint and fails there.
use crate::{opsdeck_on_moto as opsdeck, run_on_moto as run};

const TARGET: &str = "phenom-dev-postgres";

/// A staging refresh: `world` (`--demo --speed S`, or nothing for the configured world), then
/// `extra`.
fn refresh(world: &[&str], extra: &[&str]) -> Vec<String> {
    argv(&[&["runbook", "staging-refresh"], REFRESH_FLAGS, world, extra])
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// `runbook resume JOURNAL` with `args`.
fn resume(journal: &Path, args: &[&str]) -> Vec<String> {
    let mut v = vec![
        "runbook".to_string(),
        "resume".into(),
        journal.display().to_string(),
    ];
    v.extend(args.iter().map(|s| s.to_string()));
    v
}

const DEMO: &[&str] = &["--demo", "--speed", "0"];
const ALL_FLAGS: &[&str] = &["--write", "--apply", "--confirm", TARGET];

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn journal_dir(home: &Path) -> PathBuf {
    home.join("state/opsdeck/runbooks")
}

/// A demo staging refresh run to its end; its journal.
fn completed_journal(home: &Path) -> PathBuf {
    let before = journals(home);
    let out = run(home, &as_strs(&refresh(DEMO, ALL_FLAGS)));
    testkit::assert_success(&out);
    let new: Vec<PathBuf> = journals(home)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    new[0].clone()
}

/// An interrupted demo journal in `home`.
fn interrupted_journal(home: &Path) -> PathBuf {
    let j = completed_journal(home);
    interrupt(&j);
    j
}

/// A demo journal of a run killed before its first step: a resume allowed to go would run
/// every step.
fn unstarted_journal(home: &Path) -> PathBuf {
    let j = completed_journal(home);
    let text = std::fs::read_to_string(&j).unwrap();
    let head: Vec<&str> = text.lines().take(2).collect();
    assert!(head[0].contains("\"event\":\"start\""), "{text}");
    assert!(head[1].contains("\"event\":\"confirmed\""), "{text}");
    std::fs::write(&j, head.join("\n") + "\n").unwrap();
    j
}

/// Rewrites the journal's start line, as a JSON object, with `edit`.
fn edit_start(journal: &Path, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    edit_journal_start(journal, |start| edit(start.as_object_mut().unwrap()));
}
/// A child process killed (SIGKILL) when dropped, so a failed test leaves none behind.
struct Live(Child);

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(home: &Path, args: &[String]) -> Live {
    Live(
        opsdeck(home)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts"),
    )
}

/// Waits (polling, at most two minutes) until `path` exists and its text satisfies `ok`.
fn wait_for(path: &Path, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        if let Ok(t) = std::fs::read_to_string(path)
            && ok(&t)
        {
            return t;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{} never showed {what}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn listed(home: &Path, journal: &Path) -> bool {
    let out = run(home, &["runbook", "list"]);
    assert!(out.status.success());
    text(&out.stdout).contains(&journal.display().to_string())
}

/// (a) A demo journal resumed against a config naming an AWS account is refused, naming both
/// worlds, and nothing is written: not a line in the journal, not a call to AWS (its endpoint
/// is a closed port, so a call would fail the step and journal it). The same for a journal of
/// another account, a real-world journal resumed in the demo, and a journal too old to say.
#[test]
fn a_journal_resumes_only_in_the_world_it_ran_in() {
    let home = tempfile::tempdir().unwrap();
    let j = unstarted_journal(home.path());
    let config = home.path().join("config/opsdeck/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        "[[accounts]]\nname = \"phenom\"\nregions = [\"eu-west-1\"]\nendpoint_url = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();

    // The rehearsal replayed against the real account.
    let before = std::fs::read(&j).unwrap();
    let out = run(home.path(), &as_strs(&resume(&j, ALL_FLAGS)));
    assert_refused_run(
        &out,
        &[
            "this journal ran in the demo world; resume it with --demo",
            "account phenom",
        ],
    );
    assert_eq!(
        std::fs::read(&j).unwrap(),
        before,
        "the journal gained lines"
    );

    // A journal of the account `numinia`, resumed where the config names `phenom`.
    let real = |account: &str| {
        serde_json::json!({
            "kind": "real",
            "account": account,
            "endpoint_url": "http://127.0.0.1:9",
            "region": "eu-west-1",
            "kube_contexts": [],
        })
    };
    edit_start(&j, |s| {
        s.insert("world".into(), real("numinia"));
    });
    let before = std::fs::read(&j).unwrap();
    let out = run(home.path(), &as_strs(&resume(&j, ALL_FLAGS)));
    assert_refused_run(
        &out,
        &["this journal ran against account numinia", "account phenom"],
    );
    assert_eq!(std::fs::read(&j).unwrap(), before);

    // A journal of the real account, resumed in the demo.
    edit_start(&j, |s| {
        s.insert("world".into(), real("phenom"));
    });
    let before = std::fs::read(&j).unwrap();
    let mut args = DEMO.to_vec();
    args.extend(ALL_FLAGS);
    let out = run(home.path(), &as_strs(&resume(&j, &args)));
    assert_refused_run(
        &out,
        &["this journal ran against account phenom", "without --demo"],
    );
    assert_eq!(std::fs::read(&j).unwrap(), before);

    // A journal from before the world was recorded: refused in any world.
    edit_start(&j, |s| {
        s.remove("world");
    });
    let before = std::fs::read(&j).unwrap();
    let configured: &[&str] = &[];
    for world in [configured, DEMO] {
        let mut args = world.to_vec();
        args.extend(ALL_FLAGS);
        let out = run(home.path(), &as_strs(&resume(&j, &args)));
        assert_refused_run(&out, &["predates the world check"]);
        assert_eq!(std::fs::read(&j).unwrap(), before);
    }
}

/// (b) `runbook resume --demo PATH` passes the gate of a start: `--write`, `--apply` and the
/// typed target, each missing one refused before any step and before any progress shows.
#[test]
fn a_resume_is_gated_like_a_start() {
    let home = tempfile::tempdir().unwrap();
    let j = unstarted_journal(home.path());
    let before = std::fs::read(&j).unwrap();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[],
            &["--write", "--apply", "--confirm phenom-dev-postgres"],
        ),
        (&["--apply", "--confirm", TARGET], &["read-only", "--write"]),
        (&["--write", "--apply"], &["--confirm phenom-dev-postgres"]),
        (
            &["--write", "--apply", "--confirm", "phenom-dev"],
            &["--confirm phenom-dev-postgres (got \"phenom-dev\")"],
        ),
        (&["--write", "--confirm", TARGET], &["--apply"]),
    ];
    for (flags, wanted) in cases {
        let mut args = DEMO.to_vec();
        args.extend(*flags);
        let out = run(home.path(), &as_strs(&resume(&j, &args)));
        assert_refused_run(&out, wanted);
        assert_eq!(
            std::fs::read(&j).unwrap(),
            before,
            "{flags:?}: the journal changed"
        );
    }
    assert!(listed(home.path(), &j), "still waiting to be resumed");

    let mut args = DEMO.to_vec();
    args.extend(ALL_FLAGS);
    let out = run(home.path(), &as_strs(&resume(&j, &args)));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("summary:"));
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

/// (c) The demo's `--apply` needs `--write` as the TUI's demo does: a rehearsal is the real
/// flow, and `--repo` is a real repository.
#[test]
fn a_demo_apply_needs_write() {
    let home = tempfile::tempdir().unwrap();
    let out = run(
        home.path(),
        &as_strs(&refresh(DEMO, &["--apply", "--confirm", TARGET])),
    );
    assert_refused_run(&out, &["read-only", "--write"]);
    assert!(journals(home.path()).is_empty(), "no journal");

    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["config", "user.name", "opsdeck tests"]);
    git(root, &["config", "user.email", "tests@opsdeck.invalid"]);
    for (path, content) in opsdeck::backend::demo::template_repo() {
        let p = root.join(&path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "numinia-k8s"]);
    let head = git(root, &["rev-parse", "HEAD"]);
    let repo_arg = root.display().to_string();
    let out = run(
        home.path(),
        &argv(&[
            &["runbook", "create-org", "--demo", "--speed", "0"],
            &["--repo", &repo_arg],
            CREATE_ORG_FLAGS,
            &["--apply", "--confirm", "prod-cluster"],
        ]),
    );
    assert_refused_run(&out, &["read-only", "--write"]);
    assert_eq!(git(root, &["rev-parse", "--abbrev-ref", "HEAD"]), "main");
    assert_eq!(git(root, &["rev-parse", "HEAD"]), head, "no commit");
    assert_eq!(git(root, &["branch", "--list"]), "* main", "no branch");
    assert_eq!(git(root, &["status", "--porcelain"]), "", "nothing written");
    assert!(journals(home.path()).is_empty(), "no journal");
}

/// (d) A line a crash tore in half is cut off when the run resumes, so the journal stays
/// readable after that resume is killed (SIGKILL) in turn: the run is still listed and a second
/// resume finishes it.
#[test]
fn a_torn_line_is_repaired_and_the_run_survives_a_kill() {
    let home = tempfile::tempdir().unwrap();
    let j = unstarted_journal(home.path());
    // Killed while writing the first step's line.
    OpenOptions::new()
        .append(true)
        .open(&j)
        .unwrap()
        .write_all(b"{\"event\":\"step\",\"ke")
        .unwrap();
    assert!(listed(home.path(), &j), "a torn last line is ignored");

    // Resumed on a slow clock (the snapshot takes four minutes), and killed mid-step.
    let mut args = vec!["--demo", "--speed", "1"];
    args.extend(ALL_FLAGS);
    let live = spawn(home.path(), &resume(&j, &args));
    wait_for(&j, "the resume applying its first step", |t| {
        t.contains("\"event\":\"resumed\"") && t.contains("\"phase\":\"applied\"")
    });
    drop(live);

    let text1 = std::fs::read_to_string(&j).unwrap();
    assert!(text1.ends_with('\n'), "{text1}");
    for (i, l) in text1.lines().enumerate() {
        assert!(
            serde_json::from_str::<Value>(l).is_ok(),
            "line {}: {l:?} is not JSON:\n{text1}",
            i + 1
        );
    }
    assert!(listed(home.path(), &j), "the run disappeared from the list");

    let mut args = DEMO.to_vec();
    args.extend(ALL_FLAGS);
    let out = run(home.path(), &as_strs(&resume(&j, &args)));
    testkit::assert_success(&out);
    assert!(text(&out.stdout).contains("summary:"));
    assert!(!listed(home.path(), &j), "finished");
}

/// (e) While a run is live its process holds the journal's lock: a second executor is refused
/// and writes nothing, whether the lock is held by this test or by a live opsdeck, which it
/// names by pid.
#[test]
fn a_live_journal_refuses_a_second_executor() {
    let home = tempfile::tempdir().unwrap();
    let j = interrupted_journal(home.path());
    let mut args = DEMO.to_vec();
    args.extend(ALL_FLAGS);

    let held = OpenOptions::new().read(true).append(true).open(&j).unwrap();
    held.lock().unwrap();
    let before = std::fs::read(&j).unwrap();
    let out = run(home.path(), &as_strs(&resume(&j, &args)));
    assert_refused_run(&out, &["another opsdeck", "is running this journal"]);
    assert_eq!(std::fs::read(&j).unwrap(), before);
    drop(held);
    let out = run(home.path(), &as_strs(&resume(&j, &args)));
    assert!(out.status.success(), "{}", text(&out.stderr));

    // A live run on a slow clock, and a second executor of its journal.
    let other = tempfile::tempdir().unwrap();
    let live = spawn(
        other.path(),
        &refresh(&["--demo", "--speed", "1"], ALL_FLAGS),
    );
    let dir = journal_dir(other.path());
    let start = Instant::now();
    let j = loop {
        if let Some(j) = journals(other.path()).pop() {
            break j;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no journal in {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    wait_for(&j, "the run applying its first step", |t| {
        t.contains("\"phase\":\"applied\"")
    });
    let before = std::fs::read(&j).unwrap();
    let out = run(other.path(), &as_strs(&resume(&j, &args)));
    let named = format!(
        "another opsdeck (pid {}) is running this journal",
        live.0.id()
    );
    assert_refused_run(&out, &[named.as_str()]);
    assert!(
        std::fs::read(&j).unwrap().starts_with(&before),
        "the second executor wrote to the journal"
    );
    // Killed, the live run leaves its lock behind with its process: the journal resumes.
    drop(live);
    let out = run(other.path(), &as_strs(&resume(&j, &args)));
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// (f) Two runs started in the same second get a journal each: a name taken is never reused.
#[test]
fn runs_started_in_the_same_second_get_their_own_journals() {
    let home = tempfile::tempdir().unwrap();
    let dir = journal_dir(home.path());
    std::fs::create_dir_all(&dir).unwrap();
    // Every name a run starting in the next ten minutes would take first is taken.
    let now = jiff::Timestamp::now().as_second();
    let mut decoys = Vec::new();
    for s in now - 5..now + 600 {
        let stamp = jiff::Timestamp::from_second(s)
            .unwrap()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        let p = dir.join(format!("staging-refresh-{TARGET}-{stamp}.jsonl"));
        std::fs::write(&p, "").unwrap();
        decoys.push(p);
    }
    let args = refresh(DEMO, ALL_FLAGS);
    let children: Vec<Child> = (0..2)
        .map(|_| {
            opsdeck(home.path())
                .args(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        testkit::assert_success(&out);
    }
    let runs: Vec<PathBuf> = journals(home.path())
        .into_iter()
        .filter(|p| !decoys.contains(p))
        .collect();
    assert_eq!(runs.len(), 2, "{runs:?}");
    for r in &runs {
        let t = std::fs::read_to_string(r).unwrap();
        assert!(t.starts_with("{\"event\":\"start\""), "{t}");
        assert!(t.contains("\"event\":\"finished\",\"ok\":true"), "{t}");
    }
    for d in &decoys {
        assert_eq!(
            std::fs::read(d).unwrap(),
            b"",
            "{} was written",
            d.display()
        );
    }
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// (g) Journals are 0600 in 0700 directories and the log is 0600, for a new install and for one
/// an older opsdeck left world-readable.
#[cfg(unix)]
#[test]
fn journals_and_the_log_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let set = |p: &Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };

    let home = tempfile::tempdir().unwrap();
    let j = completed_journal(home.path());
    let state = home.path().join("state/opsdeck");
    assert_eq!(mode(&j), 0o600, "journal");
    assert_eq!(mode(&journal_dir(home.path())), 0o700, "journal directory");
    assert_eq!(mode(&state), 0o700, "state directory");
    assert_eq!(mode(&state.join("opsdeck.log")), 0o600, "log");

    // An older install: everything readable by all.
    let old = tempfile::tempdir().unwrap();
    let state = old.path().join("state/opsdeck");
    let dir = journal_dir(old.path());
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join(j.file_name().unwrap());
    std::fs::copy(&j, &copy).unwrap();
    interrupt(&copy);
    let log = state.join("opsdeck.log");
    std::fs::write(&log, "").unwrap();
    set(&state, 0o755);
    set(&dir, 0o755);
    set(&copy, 0o644);
    set(&log, 0o644);
    let mut args = DEMO.to_vec();
    args.extend(ALL_FLAGS);
    let out = run(old.path(), &as_strs(&resume(&copy, &args)));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(mode(&copy), 0o600, "resumed journal");
    assert_eq!(mode(&log), 0o600, "log");
    assert_eq!(mode(&state), 0o700, "state directory");
    let new = completed_journal(old.path());
    assert_eq!(mode(&new), 0o600, "journal");
    assert_eq!(mode(&dir), 0o700, "journal directory");
}

/// A reader that goes away (`… | head -3`) never cuts a run short: the steps go on to the end
/// and the run is finished, not left half applied.
#[test]
fn a_closed_stdout_never_stops_a_run_halfway() {
    let home = tempfile::tempdir().unwrap();
    let out =
        crate::with_stdout_closed(opsdeck(home.path()).args(as_strs(&refresh(DEMO, ALL_FLAGS))));
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.success(), "{err}");
    let j = journals(home.path()).pop().expect("a journal");
    assert!(!listed(home.path(), &j), "the run finished: {j:?}");
}
