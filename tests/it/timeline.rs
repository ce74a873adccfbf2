//! The timeline on disk, through the real binary: kept across restarts, SIGKILL included (the
//! file is intact, nothing twice, no torn record), shown again by `:timeline`, and handed over
//! by `opsdeck timeline` as lines, JSON and Markdown.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use testkit::tmux::Tmux;

use crate::{opsdeck_bin, run_in};

/// `opsdeck timeline --demo --json`'s lines, each parsed (a torn record would not be).
fn kept(home: &Path) -> Vec<serde_json::Value> {
    let out = run_in(home, &["timeline", "--demo", "--json"]);
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The demo at 600× in tmux (an incident every second of real time: changes keep coming), its
/// pid written by the shell that execs it.
fn demo_running(home: &Path) -> (Tmux, u32) {
    demo_running_with(home, &home.join("opsdeck.pid"))
}

fn demo_running_with(home: &Path, pid_file: &Path) -> (Tmux, u32) {
    let _ = std::fs::remove_file(pid_file);
    let tmux = Tmux::at_prompt(home);
    tmux.run(&format!(
        "sh -c 'echo $$ > {}; exec {} demo --speed 600'",
        pid_file.display(),
        opsdeck_bin().display()
    ));
    tmux.wait_for(&["opsdeck │ demo"]);
    let pid = std::fs::read_to_string(pid_file).expect("the pid file");
    (tmux, pid.trim().parse().expect("a pid"))
}

/// Waits until the file holds more than `than` changes.
fn wait_for_more(home: &Path, than: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = kept(home);
        if now.len() > than {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "no more than {than} changes kept"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn kill_9(pid: u32) {
    let status = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Each change once: the same time and content twice is a duplicate.
fn assert_no_duplicates(changes: &[serde_json::Value]) {
    let mut seen = HashSet::new();
    for c in changes {
        assert!(seen.insert(c.to_string()), "twice: {c}");
    }
}

#[test]
fn the_timeline_survives_sigkill_twice_and_comes_back_on_screen() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();

    // Killed while changes keep coming, twice.
    let (_tmux, pid) = demo_running(h);
    wait_for_more(h, 20);
    kill_9(pid);
    let first = kept(h);
    assert_no_duplicates(&first);

    let (_tmux, pid) = demo_running(h);
    let second = wait_for_more(h, first.len() + 20);
    kill_9(pid);
    let second_after = kept(h);
    assert!(second_after.len() >= second.len());
    assert_no_duplicates(&second_after);
    // Intact: what the first run kept is all still there.
    let now: HashSet<String> = second_after.iter().map(|c| c.to_string()).collect();
    for c in &first {
        assert!(now.contains(&c.to_string()), "lost: {c}");
    }
    // Each record whole: its time, its source, what it is about.
    for c in &second_after {
        assert!(c["at"].is_string() && c["source"].is_string(), "{c}");
        assert!(c["subject"].is_string() && c["note"].is_string(), "{c}");
    }

    // Started again: `:timeline` counts what was kept, before anything new comes.
    let tmux = Tmux::opsdeck(h, opsdeck_bin(), "demo", false);
    tmux.run(":timeline");
    let total = second_after.len();
    let s = tmux.wait_until("the kept changes", |s| {
        s.lines().any(|l| {
            l.contains("Timeline [")
                && l.split('/')
                    .nth(1)
                    .and_then(|r| r.split(']').next())
                    .and_then(|n| n.parse::<usize>().ok())
                    .is_some_and(|n| n >= total)
        })
    });
    assert!(s.contains("hr ") || s.contains("HelmReleases"), "{s}");
    tmux.press("Escape");
    tmux.type_text("q");
    tmux.wait_until("the shell after quitting", |s| !s.contains("opsdeck │"));
}

#[test]
fn the_handover_prints_lines_markdown_and_a_window() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // Nothing kept yet: said on stderr, exit 0, nothing on stdout.
    let out = run_in(h, &["timeline"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no timeline kept yet"));

    let (_tmux, pid) = demo_running(h);
    let changes = wait_for_more(h, 10);
    kill_9(pid);
    let changes = {
        let now = kept(h);
        assert!(now.len() >= changes.len());
        now
    };

    // Lines, oldest first, as the JSON.
    let out = run_in(h, &["timeline", "--demo"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), changes.len());
    let times: Vec<&str> = changes.iter().map(|c| c["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "oldest first");
    assert!(lines[0].starts_with(&times[0][..19]), "{}", lines[0]);

    // A window: --since and --until both included, as the JSON's times say.
    let middle = times[times.len() / 2];
    let out = run_in(h, &["timeline", "--demo", "--json", "--until", middle]);
    let until: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let expected = times.iter().filter(|t| jiff_le(t, middle)).count();
    assert_eq!(until.len(), expected);

    // With --demo a duration counts back from the demo's own clock (its newest change), which
    // runs ahead of the wall's: --since 30s is the demo's last 30 seconds, not everything.
    let newest: jiff::Timestamp = times.last().unwrap().parse().unwrap();
    let oldest: jiff::Timestamp = times[0].parse().unwrap();
    assert!(
        newest.duration_since(oldest) > jiff::SignedDuration::from_secs(30),
        "the demo's changes span more than 30 s: {times:?}"
    );
    let out = run_in(h, &["timeline", "--demo", "--json", "--since", "30s"]);
    assert!(out.status.success(), "{out:?}");
    let recent: Vec<jiff::Timestamp> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["at"].as_str().unwrap().parse().unwrap()
        })
        .collect();
    assert!(
        !recent.is_empty() && recent.len() < times.len(),
        "{recent:?}"
    );
    let from = newest - jiff::SignedDuration::from_secs(30);
    assert!(recent.iter().all(|t| *t >= from), "{recent:?} since {from}");

    // --source keeps the sources named.
    let out = run_in(
        h,
        &["timeline", "--demo", "--json", "--source", "eks-prod-sae1"],
    );
    for l in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert!(
            v["source"].as_str().unwrap().contains("eks-prod-sae1"),
            "{v}"
        );
    }

    // Markdown: a table with a row per change, then the actions and the runbooks.
    let out = run_in(h, &["timeline", "--demo", "--markdown"]);
    assert!(out.status.success());
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# Timeline (demo): "), "{md}");
    assert!(
        md.contains(&format!("## Changes ({})", changes.len())),
        "{md}"
    );
    assert!(md.contains("| Time | Source | Kind | Name | From → to | Reason |"));
    let table_rows = md.lines().filter(|l| l.starts_with("| 20")).count();
    assert_eq!(table_rows, changes.len());
    assert!(
        md.contains("## Actions taken (0)") && md.contains("## Runbooks run (0)"),
        "{md}"
    );

    // --since after --until is a usage error.
    let out = run_in(h, &["timeline", "--since", "1h", "--until", "2h"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `a <= b` for the JSON's RFC 3339 times.
fn jiff_le(a: &str, b: &str) -> bool {
    a.parse::<jiff::Timestamp>().unwrap() <= b.parse::<jiff::Timestamp>().unwrap()
}

/// Two opsdeck processes writing the same file at once: neither writer fails (each waits for
/// the other's transaction), nothing is torn or twice.
#[test]
fn two_processes_write_the_timeline_at_once() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let (_a, pid_a) = demo_running(h);
    // The second one's pid file is its own.
    let (_b, pid_b) = demo_running_with(h, &h.join("second.pid"));
    wait_for_more(h, 60);
    kill_9(pid_a);
    kill_9(pid_b);
    assert_no_duplicates(&kept(h));
    let log = std::fs::read_to_string(h.join("state/opsdeck/opsdeck.log")).unwrap_or_default();
    assert!(
        !log.contains("could not be written"),
        "a writer failed:\n{log}"
    );
}

/// A timeline file that is a symbolic link is refused, by the headless command and by the TUI
/// (which starts anyway and says why); what the link names is left as it was.
#[cfg(unix)]
#[test]
fn a_symlinked_timeline_is_refused_and_what_it_names_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let dir = h.join("state/opsdeck");
    std::fs::create_dir_all(&dir).unwrap();
    let target = h.join("precious.txt");
    std::fs::write(&target, "root:x:0:0\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::os::unix::fs::symlink(&target, dir.join("timeline-demo.sqlite")).unwrap();

    let out = run_in(h, &["timeline", "--demo"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("timeline-demo.sqlite") && err.contains("symbolic link"),
        "{err}"
    );

    let tmux = Tmux::opsdeck(h, opsdeck_bin(), "demo", false);
    tmux.wait_for(&["the timeline is not kept on disk", "symbolic link"]);
    tmux.type_text("q");
    tmux.wait_until("the shell after quitting", |s| !s.contains("opsdeck │"));
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "the link's target keeps its mode");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "root:x:0:0\n");
}

/// What a source wrote (an event's message) cannot drive the terminal `opsdeck timeline` prints
/// to: escape sequences are dropped and a newline does not start a line of its own.
#[test]
fn the_plain_listing_is_safe_for_the_terminal() {
    use opsdeck::model::{Kind, RowId, Scope};
    use opsdeck::store::changes::{Change, Subject};
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("state/opsdeck/timeline-demo.sqlite");
    let mut db = opsdeck::timeline_db::TimelineDb::open(&path).unwrap();
    db.insert(&[Change {
        at: jiff::Timestamp::now(),
        source: "prod-cluster".into(),
        subject: Subject::Row(RowId::new(
            Kind::HelmRelease,
            Scope::kube("prod-cluster", "numinia"),
            "podinfo",
        )),
        from: None,
        to: None,
        note: "Warning X: \u{1b}[2J\u{1b}]0;pwned\u{7}red\nsecond line".into(),
    }])
    .unwrap();
    drop(db);
    let out = run_in(home.path(), &["timeline", "--demo"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert_eq!(text.lines().count(), 1, "{text:?}");
    assert!(text.contains("red second line"), "{text:?}");
}

/// The incident's start, marked with `m`, survives a SIGKILL: the header counts from it again
/// after a restart, and the handover names it.
#[test]
fn the_incident_mark_survives_a_restart_and_is_in_the_handover() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let (tmux, pid) = demo_running(h);
    wait_for_more(h, 5);
    tmux.run(":timeline");
    tmux.wait_for(&["Timeline ["]);
    tmux.type_text("m");
    let s = tmux.wait_for(&["incident +"]);
    assert!(s.contains("the incident started at"), "{s}");
    kill_9(pid);

    let out = run_in(h, &["timeline", "--demo", "--markdown"]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("**Incident started:** 20"),
        "{md}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run_in(h, &["timeline", "--markdown"]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        !md.contains("Incident started"),
        "the real world's is apart: {md}"
    );

    let (tmux, pid) = demo_running(h);
    tmux.wait_for(&["incident +"]);
    kill_9(pid);
}
