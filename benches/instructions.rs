//! Instruction counts of the projection and apply paths (issue #18): the stable figure. Timings
//! on a shared 2-core machine move from run to run; the instructions one path takes on the same
//! binary and input do not (perf's counters are not supported on this machine, so
//! `valgrind --tool=callgrind` counts them).
//!
//! Each path runs in a child process of this same binary under callgrind, twice: once only
//! making its input (`setup`), once making it and then doing the work (`work`). The difference
//! is the path's own count, whatever the process's start and the input's making cost:
//!
//! - **projection**: Flux and cert-manager objects, as a watcher holds them (JSON bytes),
//!   parsed and projected into rows, as a list of 2,000 does.
//! - **apply**: the demo fleet's first updates (10,000 rows and their sources) applied to an
//!   empty store, as the fill does.
//!
//! `cargo bench --bench instructions` counts (valgrind must be there: `scripts/bench` installs
//! it). Under `cargo test --all-targets` (no `--bench` flag) each child runs once without
//! valgrind on a small input, only to prove the harness works; no test judges a figure.

use std::hint::black_box;
use std::process::Command;

use jiff::Timestamp;
use opsdeck::backend::demo;
use opsdeck::backend::kube::raw::RawObject;
use opsdeck::model::kinds::project_object;
use opsdeck::store::{Fleet, Update};

const ROLE: &str = "OPSDECK_COUNT";

fn origin() -> Timestamp {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

fn counting() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The fixture objects of the kube tests, repeated to `n`, as JSON bytes.
fn objects(n: usize) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kube");
    let mut one_of_each = Vec::new();
    for file in [
        "kustomizations.json",
        "helmreleases.json",
        "sources.json",
        "certificates.json",
    ] {
        let list: Vec<serde_json::Value> =
            serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        one_of_each.extend(list.iter().map(|o| serde_json::to_vec(o).unwrap()));
    }
    one_of_each.iter().cycle().take(n).cloned().collect()
}

/// The demo's first updates at the smallest scale with at least `rows` rows.
fn updates(rows: usize) -> Vec<Update> {
    (1..)
        .map(|scale| demo::initial_updates(origin(), scale))
        .find(|u| u.len() >= rows)
        .unwrap()
}

/// A path: what it is called, how many items its input has, and its child's two phases.
struct Path {
    name: &'static str,
    items: fn() -> usize,
    run: fn(work: bool),
}

const PATHS: [Path; 2] = [
    Path {
        name: "projection",
        items: || if counting() { 2_000 } else { 50 },
        run: |work| {
            let objects = objects((PATHS[0].items)());
            if work {
                for bytes in &objects {
                    let obj: RawObject = serde_json::from_slice(bytes).unwrap();
                    black_box(project_object(
                        &obj.json().unwrap(),
                        "ctx",
                        "ctx".into(),
                        origin(),
                    ));
                }
            }
            black_box(objects);
        },
    },
    Path {
        name: "apply",
        items: || if counting() { 10_000 } else { 200 },
        run: |work| {
            let updates = updates((PATHS[1].items)());
            if work {
                let mut fleet = Fleet::new("count");
                fleet.apply(updates);
                black_box(fleet.len());
            } else {
                black_box(updates);
            }
        },
    },
];

/// The child: makes the path's input, and does its work when asked.
fn child(role: &str) {
    let (name, phase) = role.split_once(':').expect("path:phase");
    let path = PATHS.iter().find(|p| p.name == name).expect("a path");
    (path.run)(phase == "work");
}

/// Runs the path's phase in a child (under callgrind when counting); the instructions counted.
fn phase(path: &Path, phase: &str) -> Option<u64> {
    let me = std::env::current_exe().unwrap();
    let mut cmd = if counting() {
        let mut c = Command::new("valgrind");
        c.args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(&me);
        c
    } else {
        Command::new(&me)
    };
    // The child sizes its input as the parent does.
    if counting() {
        cmd.arg("--bench");
    }
    let out = cmd
        .env(ROLE, format!("{}:{phase}", path.name))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "starting {}: {e} (scripts/bench installs valgrind)",
                me.display()
            )
        });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}:{phase}: {stderr}", path.name);
    // "==123== Collected : 4567890"
    stderr
        .lines()
        .find_map(|l| l.split_once("Collected :"))
        .map(|(_, n)| n.trim().parse().expect("a count"))
}

fn main() {
    if let Ok(role) = std::env::var(ROLE) {
        child(&role);
        return;
    }
    println!(
        "instructions{}",
        if counting() {
            " (callgrind, the work's count: work minus setup)"
        } else {
            " (no count: the harness runs once, without valgrind)"
        }
    );
    for path in &PATHS {
        let items = (path.items)();
        let setup = phase(path, "setup");
        let work = phase(path, "work");
        match (setup, work) {
            (Some(s), Some(w)) => {
                let own = w.saturating_sub(s);
                println!(
                    "  {:<12} {items:>6} items: {own:>14} instructions, {:>8.0} an item",
                    path.name,
                    own as f64 / items as f64
                );
            }
            _ => println!("  {:<12} {items:>6} items: ran", path.name),
        }
    }
}
