//! From a bare machine to a working console: `opsdeck config init` writes the config from the
//! kubeconfig and the AWS config already there (golden output), `opsdeck doctor` checks every
//! configured source through the API emulator and moto.

use std::path::{Path, PathBuf};
use std::process::Output;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config_init")
}

/// `opsdeck config init ARGS` on the fixtures' kubeconfig (an EKS context named by its ARN with
/// an SSO profile, one recognised by its `aws eks get-token` plugin with an assume-role profile,
/// a plain one) and AWS config (SSO session, legacy SSO, assume-role, static keys).
fn init(home: &Path, args: &[&str]) -> Output {
    let f = fixtures();
    crate::opsdeck_in(home)
        .arg("config")
        .arg("init")
        .args(args)
        .env("KUBECONFIG", f.join("kubeconfig"))
        .env("AWS_CONFIG_FILE", f.join("aws_config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", f.join("aws_credentials"))
        .output()
        .unwrap()
}

#[test]
fn config_init_writes_the_machines_contexts_and_profiles() {
    let home = tempfile::tempdir().unwrap();
    let out = init(home.path(), &[]);
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8(out.stdout).unwrap();
    let golden = std::fs::read_to_string(fixtures().join("expected.toml")).unwrap();
    let f = fixtures().display().to_string();
    assert_eq!(printed.replace(&f, "$FIXTURES"), golden);
    // What it printed is what it wrote, where the config is read from, and it loads.
    let path = home.path().join("config/opsdeck/config.toml");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), printed);
    assert!(String::from_utf8_lossy(&out.stderr).contains(&path.display().to_string()));
    assert!(
        !printed.contains("secretsecret") && !printed.contains("AKIA"),
        "no key"
    );
    let loads = crate::run_in(home.path(), &["themes"]);
    assert!(
        loads.status.success(),
        "the written config loads: {loads:?}"
    );

    // Again: the file is left alone, and it says how to replace it.
    std::fs::write(&path, "# mine\n").unwrap();
    let again = init(home.path(), &[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
    let forced = init(home.path(), &["--force"]);
    assert!(forced.status.success());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), printed);

    // --config names where it goes.
    let elsewhere = home.path().join("elsewhere/opsdeck.toml");
    let out = init(home.path(), &["--config", elsewhere.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), printed);
}

#[test]
fn config_init_on_a_bare_machine_turns_both_sides_off() {
    let home = tempfile::tempdir().unwrap();
    let out = crate::opsdeck_in(home.path())
        .args(["config", "init"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[kube]\n# No kubeconfig found"), "{text}");
    assert!(text.contains("[aws]\n# No AWS profile found"), "{text}");
    assert_eq!(text.matches("enabled = false").count(), 2, "{text}");
}
