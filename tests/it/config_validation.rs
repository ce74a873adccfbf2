//! The real binary on config mistakes toml accepts: each is a one-line error at load naming the
//! file, the key and the value, before any source starts.

use crate::{home_with_config, run_with_config};

/// Runs `opsdeck --config FILE snapshot --json`, expects exit 1 and returns stderr, which must
/// name the file.
fn rejected(text: &str) -> String {
    let (home, file) = home_with_config(text);
    let path = file.to_str().unwrap();
    let out = run_with_config(home.path(), &file, &["snapshot", "--json"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(err.contains(&format!("config file {path}:")), "{err}");
    err
}

#[test]
fn an_endpoint_that_is_not_a_url_is_named() {
    let err = rejected(
        "[[accounts]]\nname = \"phenom\"\nendpoint_url = \"http://127.0.0.1:5000\"\n\n\
         [[accounts]]\nname = \"helpdev\"\nendpoint_url = \"localhost:5000\"\n",
    );
    assert!(
        err.contains("accounts[1].endpoint_url")
            && err.contains("\"localhost:5000\"")
            && err.contains("not a URL"),
        "{err}"
    );
    for bad in ["ftp://moto", "http://", "not a url", "http://moto:99999"] {
        let err = rejected(&format!(
            "[[accounts]]\nname = \"phenom\"\nendpoint_url = \"{bad}\"\n"
        ));
        assert!(
            err.contains(&format!("accounts[0].endpoint_url = \"{bad}\"")),
            "{err}"
        );
    }
}

#[test]
fn two_accounts_of_one_name_are_named_with_both_indices() {
    let err = rejected(
        "[[accounts]]\nname = \"phenom\"\nprofile = \"a\"\n\n\
         [[accounts]]\nname = \"helpdev\"\n\n\
         [[accounts]]\nname = \"phenom\"\nprofile = \"b\"\n",
    );
    assert!(
        err.contains("accounts[2].name")
            && err.contains("accounts[0]")
            && err.contains("\"phenom\"")
            && err.contains("unique"),
        "{err}"
    );
}

#[test]
fn an_unknown_region_is_named_with_the_closest_known_one() {
    let err =
        rejected("[[accounts]]\nname = \"phenom\"\nregions = [\"us-east-1\", \"us-east-7\"]\n");
    assert!(
        err.contains("accounts[0].regions")
            && err.contains("\"us-east-7\"")
            && err.contains("not an AWS region")
            && err.contains("did you mean us-east-1?"),
        "{err}"
    );
    let err = rejected("[[accounts]]\nname = \"phenom\"\nregions = [\"moon-base-1\"]\n");
    assert!(
        err.contains("accounts[0].regions")
            && err.contains("\"moon-base-1\"")
            && err.contains("sa-east-1"),
        "the hint lists the known regions: {err}"
    );
}

#[test]
fn a_blank_account_name_is_named() {
    let err = rejected("[[accounts]]\nname = \"\"\nregions = [\"us-east-1\"]\n");
    assert!(
        err.contains("accounts[0].name = \"\"") && err.contains("needs a name"),
        "{err}"
    );
}

#[test]
fn a_config_turning_both_sides_off_loads() {
    let (home, file) = home_with_config(
        "fleet_name = \"platform\"\n\n\
         [kube]\nenabled = false\n\n\
         [aws]\nenabled = false\n\n\
         [[accounts]]\nname = \"phenom\"\nregions = [\"us-east-1\", \"sa-east-1\"]\n\
         endpoint_url = \"http://127.0.0.1:5000\"\n",
    );
    let out = run_with_config(home.path(), &file, &["snapshot", "--demo", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert!(v["rows"].as_array().is_some_and(|rows| !rows.is_empty()));
}

#[test]
fn an_endpoint_with_a_password_is_refused_without_echoing_it() {
    let err = rejected(
        "[[accounts]]\nname = \"phenom\"\nendpoint_url = \"http://admin:s3cr3tpass@127.0.0.1:5000\"\n",
    );
    assert!(
        err.contains("accounts[0].endpoint_url") && err.contains("user or password"),
        "{err}"
    );
    assert!(
        !err.contains("s3cr3tpass") && !err.contains("admin"),
        "{err}"
    );
}

#[test]
fn an_account_name_that_cannot_name_a_source_is_refused() {
    for bad in ["a/us-east-1", "p ", "red\\u001b[31m"] {
        let err = rejected(&format!("[[accounts]]\nname = \"{bad}\"\n"));
        assert!(
            err.contains("accounts[0].name") && err.contains("cannot name a source"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn kube_settings_are_checked_at_load() {
    let err = rejected("[kube]\ncontexts = [\"prod\", \"\"]\n");
    assert!(err.contains("kube.contexts[1] is blank"), "{err}");
    let err = rejected("[kube]\nkubeconfig = \"~/no-such-kubeconfig\"\n");
    assert!(
        err.contains("kube.kubeconfig")
            && err.contains("no-such-kubeconfig")
            && err.contains("does not exist"),
        "{err}"
    );
    assert!(
        !err.contains("~/no-such-kubeconfig does not exist"),
        "the home directory is expanded: {err}"
    );
}

#[test]
fn a_kubeconfig_under_home_is_found_with_a_tilde() {
    let (home, file) = home_with_config("[kube]\nkubeconfig = \"~/kc\"\n[aws]\nenabled = false\n");
    std::fs::write(
        home.path().join("kc"),
        "apiVersion: v1\nkind: Config\ncontexts: []\n",
    )
    .unwrap();
    let out = run_with_config(home.path(), &file, &["snapshot", "--json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("does not exist"), "{err}");
    assert!(
        err.contains("current-context") || err.contains("kubeconfig"),
        "{err}"
    );
}
