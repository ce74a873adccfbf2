//! Store and view benchmarks on the demo fleet at scale (about 40,000 rows).
//!
//! `cargo bench --bench store` measures; under `cargo test --all-targets` (no `--bench` flag) it
//! runs each case once on a small fleet, only to prove the bench still works.

use std::hint::black_box;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use opsdeck::backend::demo;
use opsdeck::model::Kind;
use opsdeck::store::view::{TableView, ViewSource};
use opsdeck::store::{Fleet, Update};

fn origin() -> Timestamp {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

/// Runs `f` repeatedly for about `budget` and reports the mean per run.
fn bench(name: &str, quick: bool, budget: Duration, mut f: impl FnMut()) {
    if quick {
        f();
        println!("{name}: ran once (quick mode)");
        return;
    }
    f();
    let start = Instant::now();
    let mut runs = 0u32;
    while start.elapsed() < budget {
        f();
        runs += 1;
    }
    let mean = start.elapsed() / runs.max(1);
    println!("{name}: {mean:?} per run ({runs} runs)");
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let scale = if quick { 2 } else { 20 };
    let budget = Duration::from_secs(3);
    let updates = demo::initial_updates(origin(), scale);
    let rows = updates.len();
    println!("fleet: scale {scale}, {rows} updates");

    bench("store: apply the whole fleet", quick, budget, || {
        let mut f = Fleet::new("bench");
        f.apply(black_box(updates.clone()));
        black_box(f.len());
    });

    let mut fleet = Fleet::new("bench");
    fleet.apply(updates.clone());
    let mut gen_bump = 0u64;
    bench("view: filter + sort HelmReleases", quick, budget, || {
        let mut v = TableView::new(ViewSource::Kind(Kind::HelmRelease));
        gen_bump += 1;
        v.set_filter(if gen_bump.is_multiple_of(2) {
            "tenant-01"
        } else {
            "space-0"
        });
        v.refresh(&fleet, origin());
        black_box(v.len());
    });

    bench("store: problems across kinds", quick, budget, || {
        black_box(fleet.problems().len());
    });

    let one = match &updates[updates.len() / 2] {
        Update::Upsert(r) => (**r).clone(),
        _ => unreachable!("rows follow the source statuses"),
    };
    bench("store: one changed row", quick, budget, || {
        let mut r = one.clone();
        r.own.reason = format!("changed {}", Instant::now().elapsed().as_nanos());
        fleet.apply([Update::upsert(r)]);
    });
}
