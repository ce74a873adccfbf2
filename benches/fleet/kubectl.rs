//! The tool people use today, timed on the same emulators: `kubectl get <kind> -A -o json` for
//! every kind holding rows, context after context, as a shell loop over a fleet does.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::objects::{KINDS, WORKLOAD_KINDS};

/// `kubectl version --client`'s first line; panics with how to install it when missing (the
/// bench scripts install Debian's kubernetes-client).
pub fn version() -> String {
    let out = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .unwrap_or_else(|e| {
            panic!("kubectl is not runnable ({e}): apt-get install kubernetes-client (scripts/bench does)")
        });
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default();
    // "Client Version: v1.32.4" (recent) or "Client Version: version.Info{…GitVersion:"v1.20.2"…}".
    let version = match first.split_once("GitVersion:\"") {
        Some((_, rest)) => rest.split('"').next().unwrap_or_default(),
        None => first.trim_start_matches("Client Version:").trim(),
    };
    format!("kubectl {version}")
}

/// The kinds the loop asks for: the Flux and cert-manager ones, and the workloads when the
/// fleet has them (what opsdeck reads too).
pub fn kinds(workloads: bool) -> Vec<&'static str> {
    let mut v = KINDS.to_vec();
    if workloads {
        v.extend(WORKLOAD_KINDS);
    }
    v
}

/// Runs the sequential loop; returns the wall time and how many objects kubectl printed.
pub fn sequential_loop(
    kubeconfig: &Path,
    contexts: &[String],
    kinds: &[&str],
) -> (Duration, usize) {
    // A fresh discovery cache, as on a machine that has not talked to these clusters lately.
    let cache = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut items = 0;
    for ctx in contexts {
        for kind in kinds {
            let out = Command::new("kubectl")
                .arg("--kubeconfig")
                .arg(kubeconfig)
                .arg("--cache-dir")
                .arg(cache.path())
                .args(["--context", ctx, "get", kind, "-A", "-o", "json"])
                .stderr(Stdio::inherit())
                .output()
                .expect("kubectl runs");
            assert!(
                out.status.success(),
                "kubectl get {kind} --context {ctx} failed"
            );
            let list: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("kubectl prints a JSON list");
            items += list["items"].as_array().map_or(0, Vec::len);
        }
    }
    (start.elapsed(), items)
}
