//! The fleet-scale run: opsdeck against 20 Kubernetes contexts × (2,000 Flux and cert-manager
//! objects + 2,000 workloads) and 6 AWS regions, every request delayed like a VPN round trip.
//! The remote side runs in a child process (`emulator.rs`, `aws.rs`) so only opsdeck's own
//! work is measured here.
//!
//! Measures, in one run: the first frame (before any answer); the time until every source is
//! connected and every row present; the same for the slowest single source alone (one context,
//! one region: the physical floor) and the ratio; RSS after the fill and its peak; CPU over an
//! idle minute under the real event loop; following 10 pods' logs at 1,000 lines a second each
//! (`logs.rs`: CPU, memory, keys); RSS after ten minutes of churn at 50 changes/s; and the
//! sequential `kubectl get <kind> -A -o json` loop over the same contexts; then the real binary
//! on half the contexts (`binary.rs`: `snapshot --json` and the TUI, their peak RSS). Writes the figures to
//! `target/bench-fleet.txt` (or `$OPSDECK_BENCH_OUT`; `bench-fleet-quick.txt` in quick mode).
//!
//! `cargo bench --bench fleet` runs the full shape (about 13 minutes); under `cargo test
//! --all-targets` (no `--bench` flag) it runs a small one in seconds, only to prove the harness
//! still works. `OPSDECK_FLEET_{CONTEXTS,OBJECTS,WORKLOADS,REGIONS,LATENCY_MS,IDLE_SECS,
//! CHURN_SECS,LOG_SECS}` override the shape (0 regions: no AWS side; 0 log seconds: no log
//! phase); `OPSDECK_FLEET_KUBECTL=0` leaves kubectl out.

mod aws;
mod binary;
mod emulator;
mod kubectl;
mod logs;
mod objects;
mod readings;
mod session;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use emulator::{Emulators, Shape, context_names};
use opsdeck::backend::kube::KubeOptions;
use opsdeck::cli::Sources;
use session::Session;

/// What one run does.
struct Plan {
    shape: Shape,
    idle: Duration,
    churn_per_second: u32,
    churn_seconds: u64,
    /// Lines a second each followed pod writes, and for how long.
    log_rate: u32,
    log_seconds: u64,
    full: bool,
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(format!("OPSDECK_FLEET_{name}"))
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn plan() -> Plan {
    let full = std::env::args().any(|a| a == "--bench");
    let pick = |full_value, quick_value| if full { full_value } else { quick_value };
    Plan {
        shape: Shape {
            contexts: env_or("CONTEXTS", pick(20, 2)) as usize,
            per_context: env_or("OBJECTS", pick(2000, 40)) as usize,
            workloads: env_or("WORKLOADS", pick(2000, 40)) as usize,
            regions: env_or("REGIONS", pick(6, 1)) as usize,
            latency: Duration::from_millis(env_or("LATENCY_MS", pick(100, 5))),
            log_pods: 10,
        },
        idle: Duration::from_secs(env_or("IDLE_SECS", pick(60, 1))),
        churn_per_second: 50,
        churn_seconds: env_or("CHURN_SECS", pick(600, 1)),
        log_rate: 1000,
        log_seconds: env_or("LOG_SECS", pick(60, 2)),
        full,
    }
}

fn kube(kubeconfig: &Path, contexts: &[String]) -> KubeOptions {
    KubeOptions {
        kubeconfig: Some(kubeconfig.to_path_buf()),
        contexts: contexts.to_vec(),
    }
}

/// The figures of a run, printed and written to a file as they come.
struct Report {
    lines: Vec<String>,
}

impl Report {
    fn line(&mut self, text: String) {
        println!("{text}");
        self.lines.push(text);
    }

    fn target(&mut self, what: &str, figure: String, met: bool, target: &str) {
        let verdict = if met { "met" } else { "MISSED" };
        self.line(format!("{what}: {figure} (target {target}: {verdict})"));
    }

    /// To `$OPSDECK_BENCH_OUT`, else `target/bench-fleet.txt` (`bench-fleet-quick.txt` in quick
    /// mode, so a test run does not overwrite the figures of the last full run).
    fn write(&self, full: bool) {
        let out = std::env::var("OPSDECK_BENCH_OUT").unwrap_or_else(|_| {
            let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
            let name = if full {
                "bench-fleet"
            } else {
                "bench-fleet-quick"
            };
            format!("{dir}/{name}.txt")
        });
        let text = self.lines.join("\n") + "\n";
        if let Err(e) = std::fs::write(&out, text) {
            eprintln!("cannot write {out}: {e}");
        } else {
            println!("written to {out}");
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    if std::env::var(emulator::ROLE).is_ok_and(|r| r == "emulator") {
        emulator::serve();
        return;
    }
    let plan = plan();
    let shape = plan.shape;
    let mut report = Report { lines: Vec::new() };
    report.line(format!(
        "fleet: {} contexts × ({} Flux objects + {} workloads), {} AWS regions, {} ms per request{}",
        shape.contexts,
        shape.per_context,
        shape.workloads,
        shape.regions,
        shape.latency.as_millis(),
        if plan.full { "" } else { " (quick mode)" }
    ));
    let kubectl_version = kubectl::version();
    let remote = Emulators::spawn(shape);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = remote.write_kubeconfig(dir.path());
    let names = context_names(shape.contexts);
    let aws_sources = aws::source_names(shape.regions);
    // Rows per context: its objects, its workloads and its cluster row (organizations come on
    // top; the first context also has the log phase's Deployment).
    let rows_per_context = shape.per_context / 4 * 4 + shape.workloads + 1;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let aws_url = remote.aws_url.clone();
    let remote_pid = remote.pid();
    let (names_, kubeconfig_, aws_sources_) =
        (names.clone(), kubeconfig.clone(), aws_sources.clone());

    let fill = runtime.block_on(async move {
        let (names, kubeconfig, aws_sources) = (names_, kubeconfig_, aws_sources_);
        // The floors: the slowest single chain of each backend, alone.
        let mut alone = Session::start(Sources {
            kube: Some(kube(&kubeconfig, &names[..1])),
            aws: None,
        })
        .await;
        let one_context = alone.fill(&names[..1], rows_per_context).await;
        drop(alone);
        let (one_region, slowest_alone) = if shape.regions > 0 {
            let mut alone = Session::start(Sources {
                kube: None,
                aws: Some(aws::options(&aws_url, 1)),
            })
            .await;
            let one_region = alone.fill(&aws_sources[..5], 0).await;
            (one_region, alone.slowest(|_| true))
        } else {
            (Duration::ZERO, "no region".into())
        };

        // The whole fleet, as an engineer opening opsdeck sees it.
        let cpu_before = (
            readings::cpu_seconds(),
            readings::cpu_seconds_of(&remote_pid),
            readings::main_thread_cpu_seconds(),
        );
        let mut session = Session::start(Sources {
            kube: Some(kube(&kubeconfig, &names)),
            aws: (shape.regions > 0).then(|| aws::options(&aws_url, shape.regions)),
        })
        .await;
        let first_frame = session.first_frame;
        let expected: Vec<String> = names.iter().cloned().chain(aws_sources.clone()).collect();
        let all = session
            .fill(&expected, rows_per_context * shape.contexts)
            .await;
        let fill_cpu = (
            readings::cpu_seconds() - cpu_before.0,
            readings::cpu_seconds_of(&remote_pid) - cpu_before.1,
            readings::main_thread_cpu_seconds() - cpu_before.2,
        );
        let rows = session.app.fleet.len();
        let is_aws = |n: &str| n.starts_with("aws:");
        let slowest = format!(
            "{}; {}",
            session.slowest(|n| !is_aws(n)),
            session.slowest(is_aws)
        );
        let rss_filled = readings::rss_mb();
        let peak_filled = readings::peak_rss_mb();

        // Idle, then the log phase, then churn, under the real event loop.
        let churn_per_second = plan.churn_per_second;
        let churn_seconds = plan.churn_seconds;
        let (log_rate, log_seconds) = (plan.log_rate, plan.log_seconds);
        let probe = Arc::new(Mutex::new(logs::Probe::default()));
        let observer = probe.clone();
        let (idle_cpu, following, rss_before_churn, churned, rss_churned, remote) = session
            .run_loop(
                plan.idle,
                move |app| logs::observe(&observer, app),
                move |idle_cpu, keys| async move {
                    let (following, remote) = if log_seconds > 0 {
                        let (f, remote) =
                            logs::follow(&keys, &probe, remote, log_rate, log_seconds).await;
                        (Some(f), remote)
                    } else {
                        (None, remote)
                    };
                    let rss_before_churn = readings::rss_mb();
                    let (remote, n) = tokio::task::spawn_blocking(move || {
                        let mut remote = remote;
                        let n = remote.churn(churn_per_second, churn_seconds);
                        (remote, n)
                    })
                    .await
                    .unwrap();
                    // Let the last changes reach the store.
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    drop(keys);
                    (
                        idle_cpu,
                        following,
                        rss_before_churn,
                        n,
                        readings::rss_mb(),
                        remote,
                    )
                },
            )
            .await;
        Fill {
            following,
            rss_before_churn,
            first_frame,
            one_context,
            one_region,
            all,
            rows,
            fill_cpu,
            slowest,
            slowest_alone,
            rss_filled,
            peak_filled,
            idle_cpu,
            churned,
            rss_churned,
            remote,
        }
    });
    let remote = fill.remote;

    let floor = fill.one_context.max(fill.one_region);
    let ratio = fill.all.as_secs_f64() / floor.as_secs_f64().max(1e-9);
    report.target(
        "first frame",
        format!("{:.2} ms", ms(fill.first_frame)),
        fill.first_frame < Duration::from_millis(50),
        "< 50 ms",
    );
    report.line(format!(
        "one context alone: {:.0} ms; one region alone: {:.0} ms (last: {})",
        ms(fill.one_context),
        ms(fill.one_region),
        fill.slowest_alone
    ));
    report.line(format!(
        "full fill, {} rows from {} sources: {:.0} ms (last: {})",
        fill.rows,
        shape.contexts + aws_sources.len(),
        ms(fill.all),
        fill.slowest
    ));
    report.line(format!(
        "CPU during the full fill: opsdeck {:.2} s (UI thread {:.2} s), the emulators {:.2} s",
        fill.fill_cpu.0, fill.fill_cpu.2, fill.fill_cpu.1
    ));
    report.target(
        "full fill / slowest single source",
        format!("{ratio:.2}"),
        ratio <= 1.5,
        "≤ 1.5",
    );
    // #13's target with the workloads (twice the rows); the Flux fleet alone keeps 150 MB.
    let peak_target = if shape.workloads > 0 { 200.0 } else { 150.0 };
    report.target(
        "RSS after the fill",
        format!(
            "{:.0} MB (peak so far {:.0} MB)",
            fill.rss_filled, fill.peak_filled
        ),
        fill.peak_filled < peak_target,
        &format!("peak < {peak_target:.0} MB"),
    );
    report.target(
        &format!("idle CPU over {} s", plan.idle.as_secs()),
        format!("{:.2} % of one core", fill.idle_cpu * 100.0),
        fill.idle_cpu < 0.01,
        "< 1 %",
    );
    if let Some(f) = &fill.following {
        report.line(format!(
            "following {} pods' logs at {}/s each for {:.0} s: {} lines written, {} reached the view",
            shape.log_pods, plan.log_rate, f.seconds, f.written, f.received
        ));
        report.line(format!(
            "CPU while following: {:.1} % of one core",
            f.cpu * 100.0
        ));
        let growth = (f.rss_end - f.rss_start) / f.rss_start;
        report.target(
            "RSS while following",
            format!(
                "{:.0} MB at the start, {:.0} MB at most, {:.0} MB at the end ({:+.1} %)",
                f.rss_start,
                f.rss_most,
                f.rss_end,
                growth * 100.0
            ),
            growth < 0.10,
            "flat: growth < 10 %",
        );
        let mut keys: Vec<f64> = f.keys.iter().map(|d| ms(*d)).collect();
        keys.sort_by(f64::total_cmp);
        let worst = keys.last().copied().unwrap_or(f64::NAN);
        report.target(
            "key to frame while following",
            format!(
                "{} keys, median {:.2} ms, worst {:.2} ms",
                keys.len(),
                keys.get(keys.len() / 2).copied().unwrap_or(f64::NAN),
                worst
            ),
            !keys.is_empty() && worst < 10.0,
            "< 10 ms",
        );
    }
    let growth = (fill.rss_churned - fill.rss_before_churn) / fill.rss_before_churn;
    report.target(
        &format!(
            "RSS after {} s of churn ({} changes at {}/s)",
            plan.churn_seconds, fill.churned, plan.churn_per_second
        ),
        format!(
            "{:.0} MB, {:+.1} % (peak {:.0} MB)",
            fill.rss_churned,
            growth * 100.0,
            readings::peak_rss_mb()
        ),
        growth < 0.10,
        "growth < 10 %",
    );

    if env_or("KUBECTL", 1) == 0 {
        report.line("kubectl loop: not run (OPSDECK_FLEET_KUBECTL=0)".into());
    } else {
        let kinds = kubectl::kinds(shape.workloads > 0);
        let (kubectl_time, kubectl_items) = kubectl::sequential_loop(&kubeconfig, &names, &kinds);
        let speedup = kubectl_time.as_secs_f64() / fill.all.as_secs_f64().max(1e-9);
        report.line(format!(
            "kubectl loop ({kubectl_version}), {} contexts × {} kinds, {kubectl_items} objects: {:.0} ms",
            shape.contexts,
            kinds.len(),
            ms(kubectl_time)
        ));
        report.target(
            "kubectl loop / opsdeck full fill",
            format!("{speedup:.1}×"),
            speedup >= 10.0,
            "≥ 10×",
        );
    }
    // The real binary, as a user runs it, on half the contexts in the full shape: 40,000 rows
    // and the regions' (#18's target is at 40,000 rows).
    let live = if plan.full {
        shape.contexts / 2
    } else {
        shape.contexts
    };
    let regions: Vec<&str> = aws::REGIONS[..shape.regions]
        .iter()
        .map(|(r, _)| *r)
        .collect();
    let sources = live + aws_sources.len();
    for p in binary::paths(
        &kubeconfig,
        &names[..live],
        &remote.aws_url,
        &regions,
        sources,
    ) {
        let took = p
            .took
            .map(|d| format!(" in {:.2} s", d.as_secs_f64()))
            .unwrap_or_default();
        report.target(
            &format!("the binary: {}, {} rows", p.path, p.rows),
            format!("peak RSS {:.0} MB{took}", p.peak_mb),
            p.peak_mb < 150.0,
            "< 150 MB at 40,000 rows",
        );
    }
    drop(remote);
    report.write(plan.full);
}

/// What the async part of the run measured.
struct Fill {
    /// The log phase, when it ran.
    following: Option<logs::Following>,
    /// RSS when the churn began (after the log phase).
    rss_before_churn: f64,
    first_frame: Duration,
    one_context: Duration,
    one_region: Duration,
    all: Duration,
    rows: usize,
    /// CPU seconds during the full fill: opsdeck's, the remote side's, opsdeck's UI thread.
    fill_cpu: (f64, f64, f64),
    /// The last source to connect in the full run, and alone in its region.
    slowest: String,
    slowest_alone: String,
    rss_filled: f64,
    peak_filled: f64,
    idle_cpu: f64,
    churned: usize,
    rss_churned: f64,
    remote: Emulators,
}
