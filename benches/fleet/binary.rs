//! The real binary on the live fleet (issue #18): `opsdeck snapshot --json` and the TUI, each a
//! process of its own, against the same emulators and moto as the rest of the run, configured
//! as a user would (a config file naming the kubeconfig, the contexts and the account). Its peak
//! resident set is read from /proc (`testkit::peak`), the TUI's once every source is in and two
//! seconds of frames went by. The in-process figures above include the bench's own harness;
//! these are what a user's process holds.
//!
//! With `OPSDECK_FLEET_CALLGRIND=FILE` the snapshot runs once more under `valgrind
//! --tool=callgrind`, its profile written to FILE (`callgrind_annotate --inclusive=yes FILE`
//! reads it): where the fill's CPU goes, opsdeck's alone (the emulators and moto are other
//! processes).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use testkit::peak::{newest_pid_of, peak_mb, watch};
use testkit::tmux::Tmux;

/// What one path read.
pub struct PathPeak {
    pub path: &'static str,
    pub rows: usize,
    pub peak_mb: f64,
    pub took: Option<Duration>,
}

/// A config watching `contexts` of `kubeconfig` and the bench's account in `regions` regions.
fn write_config(
    home: &Path,
    kubeconfig: &Path,
    contexts: &[String],
    aws_url: &str,
    regions: &[&str],
) -> std::path::PathBuf {
    let quoted = |v: &[&str]| {
        v.iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let contexts: Vec<&str> = contexts.iter().map(String::as_str).collect();
    let mut text = format!(
        "[kube]\nkubeconfig = {:?}\ncontexts = [{}]\n",
        kubeconfig.display().to_string(),
        quoted(&contexts)
    );
    if !regions.is_empty() {
        text.push_str(&format!(
            "\n[aws]\nhosted_zones = [\"helpdev.io\"]\n\n[[accounts]]\nname = {:?}\nregions = [{}]\nendpoint_url = {aws_url:?}\nenvironment = \"prod\"\n",
            crate::aws::ACCOUNT,
            quoted(regions)
        ));
    }
    let path = home.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs both paths; `sources` is how many the header counts once all are in.
pub fn paths(
    kubeconfig: &Path,
    contexts: &[String],
    aws_url: &str,
    regions: &[&str],
    sources: usize,
) -> Vec<PathPeak> {
    let bin = Path::new(env!("CARGO_BIN_EXE_opsdeck"));
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path(), kubeconfig, contexts, aws_url, regions);

    let out_file = home.path().join("snapshot.json");
    let child = testkit::opsdeck_on_moto(bin, home.path())
        .arg("--config")
        .arg(&config)
        .args(["snapshot", "--json", "--timeout", "120"])
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (peak, took) = watch(child);
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out_file).unwrap()).expect("the snapshot's JSON");
    let rows = v["rows"].as_array().map_or(0, Vec::len);
    if let Ok(profile) = std::env::var("OPSDECK_FLEET_CALLGRIND") {
        // The binary's own scratch environment (`opsdeck_on_moto`), valgrind in front of it.
        let status = testkit::opsdeck_on_moto(Path::new("valgrind"), home.path())
            .args(["--tool=callgrind", "--quiet"])
            .arg(format!("--callgrind-out-file={profile}"))
            .arg(bin)
            .arg("--config")
            .arg(&config)
            .args(["snapshot", "--json", "--timeout", "900"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("valgrind runs (scripts/deps.sh installs it)");
        println!("callgrind profile of snapshot --json: {profile} ({status})");
    }
    let mut peaks = vec![PathPeak {
        path: "snapshot --json (live)",
        rows,
        peak_mb: peak,
        took: Some(took),
    }];

    let tmux = Tmux::at_prompt(home.path());
    tmux.run(&format!(
        "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true {} --config {}",
        bin.display(),
        config.display()
    ));
    tmux.wait_for(&[&format!("sources {sources}/{sources}")]);
    std::thread::sleep(Duration::from_secs(2));
    let peak = peak_mb(newest_pid_of(bin)).unwrap();
    tmux.press("q");
    peaks.push(PathPeak {
        path: "TUI (live)",
        rows,
        peak_mb: peak,
        took: None,
    });
    peaks
}
