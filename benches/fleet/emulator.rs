//! The remote side of the fleet run, in a child process of its own so that its work (serving
//! lists, streaming watch events, churning objects, moto) is not counted as opsdeck's CPU or
//! memory. The child is this same bench binary started with `ROLE=emulator`: it serves one
//! Kubernetes API emulator per context, each with its own port, objects and per-request latency,
//! and moto for the AWS regions (`aws.rs`); prints `ready <aws url> <kube url>…`, then obeys
//! `churn <per second> <seconds>` and `logs <lines per second per pod> <seconds>` lines on
//! stdin until stdin closes.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use crate::objects;
use testkit::kube_api::{KubeApi, all_resources};

pub const ROLE: &str = "OPSDECK_FLEET_ROLE";
const SHAPE: &str = "OPSDECK_FLEET_SHAPE";

/// What the emulators serve.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub contexts: usize,
    /// Flux and cert-manager objects per context.
    pub per_context: usize,
    /// Workloads (Deployments, StatefulSets, DaemonSets) per context.
    pub workloads: usize,
    pub regions: usize,
    pub latency: Duration,
    /// Pods of the log phase's Deployment (in the first context).
    pub log_pods: usize,
}

impl Shape {
    fn encode(&self) -> String {
        format!(
            "{} {} {} {} {} {}",
            self.contexts,
            self.per_context,
            self.regions,
            self.latency.as_millis(),
            self.workloads,
            self.log_pods
        )
    }

    fn decode(s: &str) -> Shape {
        let n: Vec<u64> = s.split(' ').map(|p| p.parse().expect(SHAPE)).collect();
        Shape {
            contexts: n[0] as usize,
            per_context: n[1] as usize,
            regions: n[2] as usize,
            latency: Duration::from_millis(n[3]),
            workloads: n[4] as usize,
            log_pods: n[5] as usize,
        }
    }
}

/// The context names, `ctx-00`…
pub fn context_names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("ctx-{i:02}")).collect()
}

/// The parent's handle on the child.
pub struct Emulators {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// The Kubernetes API emulators, one per context.
    pub urls: Vec<String>,
    /// Where the AWS SDK reaches moto.
    pub aws_url: String,
}

impl Emulators {
    pub fn spawn(shape: Shape) -> Emulators {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(ROLE, "emulator")
            .env(SHAPE, shape.encode())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the bench binary starts itself as the emulator");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let mut urls: Vec<String> = line
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("the emulator said {line:?}"))
            .split_whitespace()
            .map(str::to_string)
            .collect();
        assert_eq!(urls.len(), shape.contexts + 1);
        let aws_url = urls.remove(0);
        Emulators {
            child,
            stdin,
            stdout,
            urls,
            aws_url,
        }
    }

    /// The child's process id, to read its CPU time.
    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// A kubeconfig naming every emulator as a context; returns its path.
    pub fn write_kubeconfig(&self, dir: &Path) -> PathBuf {
        let names = context_names(self.urls.len());
        let pairs: Vec<(&str, &str)> = names
            .iter()
            .zip(&self.urls)
            .map(|(n, u)| (n.as_str(), u.as_str()))
            .collect();
        let path = dir.join("kubeconfig");
        std::fs::write(&path, KubeApi::kubeconfig(&pairs)).unwrap();
        path
    }

    /// Has each of the log phase's pods write `per_second` lines for `seconds`; blocks until
    /// done and returns how many lines were written.
    pub fn write_logs(&mut self, per_second: u32, seconds: u64) -> usize {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "logs {per_second} {seconds}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim()
            .strip_prefix("wrote ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("the emulator said {line:?}"))
    }

    /// Modifies objects across the contexts at `per_second` for `seconds`; blocks until done
    /// and returns how many changed.
    pub fn churn(&mut self, per_second: u32, seconds: u64) -> usize {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "churn {per_second} {seconds}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim()
            .strip_prefix("churned ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("the emulator said {line:?}"))
    }
}

impl Drop for Emulators {
    /// Closing stdin lets the child stop moto on its way out; it is killed if it lingers.
    fn drop(&mut self) {
        drop(self.stdin.take());
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's life: serve, then churn on request until stdin closes.
pub fn serve() {
    let shape = Shape::decode(&std::env::var(SHAPE).expect(SHAPE));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("emulator")
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let aws = crate::aws::serve(shape.regions, shape.latency).await;
        let mut apis = Vec::new();
        for _ in 0..shape.contexts {
            let api = KubeApi::start(all_resources()).await;
            for obj in objects::namespaces(shape.per_context)
                .into_iter()
                .chain(objects::objects(shape.per_context))
                .chain(objects::workloads(shape.workloads))
            {
                api.apply(obj);
            }
            if apis.is_empty() && shape.log_pods > 0 {
                for obj in objects::log_workload(shape.log_pods) {
                    api.apply(obj);
                }
            }
            api.set_latency(shape.latency);
            // The apiserver bookmarks an open watch about once a minute.
            api.set_bookmark_interval(Duration::from_secs(60));
            api.prewarm_lists();
            apis.push(api);
        }
        let urls: Vec<String> = apis.iter().map(KubeApi::url).collect();
        println!("ready {} {}", aws.url, urls.join(" "));
        let (tx, mut commands) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut generation = 0u64;
        while let Some(line) = commands.recv().await {
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                ["churn", rate, secs] => {
                    let (rate, secs): (u32, u64) = (rate.parse().unwrap(), secs.parse().unwrap());
                    let n = churn(&apis, shape.per_context, rate, secs, &mut generation).await;
                    println!("churned {n}");
                }
                ["logs", rate, secs] => {
                    let (rate, secs): (u32, u64) = (rate.parse().unwrap(), secs.parse().unwrap());
                    let n = write_logs(&apis[0], shape.log_pods, rate, secs).await;
                    println!("wrote {n}");
                }
                _ => {}
            }
        }
    });
}

/// Modifies one object at a time, round-robin over contexts, kinds and objects, at `rate` per
/// second: each change is a new revision in the object's status, as a reconciliation makes.
async fn churn(
    apis: &[KubeApi],
    per_context: usize,
    rate: u32,
    secs: u64,
    generation: &mut u64,
) -> usize {
    let total = rate as usize * secs as usize;
    let quarter = (per_context / 4).max(1);
    let mut tick = tokio::time::interval(Duration::from_secs(1) / rate.max(1));
    for n in 0..total {
        tick.tick().await;
        *generation += 1;
        let api = &apis[n % apis.len()];
        let k = (n / apis.len()) % 4;
        let i = (n / apis.len() / 4) % quarter;
        api.apply(objects::object(k, i, *generation));
    }
    total
}

/// Each of the log phase's pods writes `rate` lines a second for `secs` seconds, in ticks of
/// 10 ms, like a busy API server logging its requests.
async fn write_logs(api: &KubeApi, pods: usize, rate: u32, secs: u64) -> usize {
    let ns = objects::log_namespace();
    let per_tick = (rate as usize / 100).max(1);
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    let mut n = 0;
    for t in 0..secs as usize * 100 {
        tick.tick().await;
        for p in 0..pods {
            for k in 0..per_tick {
                let id = t * per_tick + k;
                api.write_log(
                    &ns,
                    &objects::log_pod(p),
                    "app",
                    &format!(
                        "level=info ts=2026-11-23T12:00:00Z req={id:08x} method=GET path=/api/v1/worlds/{} status=200 dur_ms={}",
                        id % 977,
                        id % 41
                    ),
                );
                n += 1;
            }
        }
    }
    n
}
