//! One vocabulary of kind names: every name the JSON, `describe`, `opsdeck kube` or the `:`
//! command bar takes for a kind (its machine name, its commands, its filtered commands, its API
//! kinds and plurals) is taken by all of them, and names the same kind.

use opsdeck::backend::kube::resources::Watched;
use opsdeck::model::{Kind, Refresh};
use opsdeck::ui::pane::{Command, Pane, parse_command};
use serde_json::Value;
use testkit::kube_api::{KubeApi, all_resources, fixture};

/// Every name a person may use for `kind`, with the API kind it picks when it picks one.
fn names_of(kind: Kind) -> Vec<(String, Option<&'static str>)> {
    let spec = kind.spec();
    let mut names: Vec<(String, Option<&str>)> = vec![(spec.name.to_string(), None)];
    names.extend(spec.commands.iter().map(|c| (c.to_string(), None)));
    let resources = spec.watch.map_or(&[][..], |w| w.resources);
    let one = resources.len() == 1;
    for r in resources {
        let api = (!one).then_some(r.api_kind);
        names.push((r.api_kind.to_string(), api));
        names.push((r.api_kind.to_ascii_lowercase(), api));
        names.push((r.plural.to_string(), api));
    }
    names
}

#[test]
fn every_name_of_a_kind_is_taken_everywhere() {
    for kind in Kind::ALL {
        let writable: Vec<&Watched> = opsdeck::backend::kube::resources::WATCHED
            .iter()
            .filter(|w| w.kind == kind && kind.spec().refresh != Refresh::Nothing)
            .collect();
        for (name, api) in names_of(kind) {
            // describe
            assert_eq!(
                Kind::by_name(&name).map(|(k, _)| k),
                Some(kind),
                "describe: {name}"
            );
            // the command bar
            let pane = match parse_command(&name) {
                Ok(Command::Open(p) | Command::OpenFiltered(p, _) | Command::OpenApiKind(p, _)) => {
                    p
                }
                other => panic!(":{name} gives {other:?}"),
            };
            assert_eq!(pane, Pane::Kind(kind), ":{name}");
            // opsdeck kube: the kinds with writes, when the name picks one resource
            let picks = writable
                .iter()
                .filter(|w| api.is_none_or(|a| a == w.api_kind))
                .count();
            let want = (picks == 1).then_some(kind);
            assert_eq!(
                Watched::by_name(&name).map(|w| w.kind),
                want,
                "opsdeck kube {name}"
            );
        }
    }
}

/// The JSON's kind name works in the real binary: `describe helm_release/…` and `opsdeck kube
/// suspend helm_release …` against the API emulator.
#[tokio::test]
async fn the_json_name_of_a_kind_works_in_describe_and_kube() {
    let api = KubeApi::start(all_resources()).await;
    for obj in fixture("helmreleases.json") {
        api.apply(obj);
    }
    let home = tempfile::tempdir().unwrap();
    let kc = api.write_kubeconfig(home.path());
    let run =
        |args: &'static [&'static str]| crate::run_kube(crate::opsdeck_in(home.path()), &kc, args);
    let out = run(&[
        "describe",
        "helm_release/numinia/elizaos-numi",
        "--json",
        "--timeout",
        "20",
    ])
    .await;
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(v["kind"], "helm_release", "{v}");

    const SUSPEND: &[&str] = &[
        "--write",
        "kube",
        "suspend",
        "helm_release",
        "numinia/elizaos-numi",
    ];
    let out = run(SUSPEND).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        api.get("HelmRelease", "numinia", "elizaos-numi").unwrap()["spec"]["suspend"],
        true
    );

    // A name of several resources, or of a read-only kind, is a usage error saying so.
    for (kind, why) in [
        (
            "src",
            "names several resources (gitrepository, helmrepository",
        ),
        ("deploy", "Workloads are read only here"),
        ("zzz", "unknown kind \"zzz\""),
    ] {
        let args = ["--write", "kube", "reconcile", kind, "numinia/x"];
        let out = crate::run_kube(crate::opsdeck_in(home.path()), &kc, &args).await;
        assert_eq!(out.status.code(), Some(2), "{kind}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{kind}: {err}");
    }
}
