//! `opsdeck describe KIND/…/NAME`: the detail the TUI shows, printed once for scripts and
//! incident tickets (as text, or `--json`), with every section fetched on demand; and the
//! row lookup `opsdeck logs` shares. The fleet is filled from the sources the object can be in
//! (the one context asked for, or the current one; the demo fleet with `--demo`), then the row
//! is found by its path.
//!
//! Exit status: 0 the object and every section read; 1 bad config or kubeconfig; 2 usage;
//! 3 some section could not be read (it says why; the rest is printed); 4 the object was not
//! found, or its source could not be read.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::Sources;
use crate::backend::aws::inspect::AwsInspector;
use crate::backend::demo::{self, DemoInspector};
use crate::backend::kube::KubeOptions;
use crate::backend::kube::inspect::KubeInspector;
use crate::backend::kube::kubeconfig;
use crate::clock::{SharedClock, SimClock, SystemClock, whole_second_now};
use crate::config::Config;
use crate::inspect::document::{self, DocOptions, SectionView};
use crate::inspect::live::fetch_once;
use crate::inspect::logs::LogSource;
use crate::inspect::route::{Router, Side};
use crate::inspect::{Inspector, Subject};
use crate::model::drilldown::{Part, Section};
use crate::model::{Kind, Row};
use crate::snapshot::settle;
use crate::store::{self, Fleet};

/// Where an object is and how to reach it: what `describe` and `logs` share.
#[derive(Args, Debug, Clone)]
pub struct Locate {
    /// What to read: KIND/NAMESPACE/NAME for Kubernetes objects (hr/numen-games/hyperfy2-world,
    /// deploy/numen-games/hyperfy2-world, ks/flux-system/flux-system, cert/r3s3t/r3s3t-tls,
    /// app/argocd/checkout-api, appset/argocd/platform-apps),
    /// KIND/…/NAME for the others (ecs/CLUSTER/SERVICE, rds/ID, region/ACCOUNT/REGION,
    /// eks/NAME). KIND is any name the TUI's `:` takes, a kind's machine name or its API kind.
    #[arg(value_name = "KIND/…/NAME")]
    pub path: String,
    /// The kube context (default: the contexts the config watches, else the kubeconfig's
    /// current one)
    #[arg(long)]
    pub context: Option<String>,
    /// The AWS account (its name in the config), for AWS rows
    #[arg(long)]
    pub account: Option<String>,
    /// The AWS region, for AWS rows
    #[arg(long)]
    pub region: Option<String>,
    /// Read the embedded demo fleet instead of the configured sources
    #[arg(long)]
    pub demo: bool,
    /// With --demo: how far into its incidents (`snapshot --help` says when each is)
    #[arg(long, requires = "demo", value_name = "DURATION", value_parser = super::parse_demo_at)]
    pub at: Option<f64>,
    /// Seconds to wait for the object's source to answer (1 to 3600)
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

/// What a path names: the kind, the API kind it picks, and its segments after the kind.
#[derive(Debug)]
pub struct Wanted {
    pub kind: Kind,
    pub api_kind: Option<&'static str>,
    pub segments: Vec<String>,
}

pub fn parse_path(path: &str) -> Result<Wanted, String> {
    let mut parts = path.split('/');
    let kind_name = parts.next().unwrap_or_default();
    let segments: Vec<String> = parts.map(str::to_string).collect();
    let Some((kind, api_kind)) = Kind::by_name(kind_name) else {
        let known: Vec<String> = Kind::ALL.iter().map(|k| k.names().join("|")).collect();
        return Err(format!(
            "unknown kind {kind_name:?} in {path:?}; kinds: {}",
            known.join(", ")
        ));
    };
    if segments.is_empty() || segments.iter().any(|s| s.is_empty()) {
        return Err(format!(
            "{path:?}: give KIND/NAMESPACE/NAME (or KIND/…/NAME for AWS rows), e.g. hr/numen-games/hyperfy2-world"
        ));
    }
    Ok(Wanted {
        kind,
        api_kind,
        segments,
    })
}

impl Wanted {
    /// Whether the object lives in Kubernetes only (no AWS source needs asking).
    pub fn kube_only(&self) -> bool {
        self.kind.is_namespaced() || self.kind == Kind::Organization
    }

    /// Whether `row` is the one the path names: its name is the last segment (the object's own
    /// name, for kinds whose rows carry a "<kind>/" prefix) and every other segment is a part
    /// of its scope.
    fn matches(&self, row: &Row) -> bool {
        if row.kind() != self.kind {
            return false;
        }
        let (last, middle) = self
            .segments
            .split_last()
            .expect("parsed paths have a name");
        let name_ok = row.id.name == *last
            || match self.api_kind {
                Some(api) => row.id.name == (self.kind.spec().row_name)(api, last),
                None => row.id.name.rsplit('/').next() == Some(last.as_str()),
            };
        let s = &row.id.scope;
        let scope = [&s.namespace, &s.context, &s.account, &s.region];
        name_ok
            && middle
                .iter()
                .all(|m| scope.iter().any(|p| p.as_deref() == Some(m.as_str())))
    }

    /// The row the path names in `fleet`: one, or an error and its exit status — 4 when none
    /// is (with why, when a source failed), 2 when several are (each named, and the flag that
    /// tells them apart).
    pub fn find<'a>(
        &self,
        fleet: &'a Fleet,
        path: &str,
        at: &Locate,
    ) -> Result<&'a Row, (String, u8)> {
        let found: Vec<&Row> = fleet
            .rows_of(self.kind)
            .filter(|r| self.matches(r))
            .filter(|r| {
                at.account
                    .as_ref()
                    .is_none_or(|a| r.id.scope.account() == a)
            })
            .filter(|r| at.region.as_ref().is_none_or(|g| r.id.region() == g))
            .filter(|r| {
                // A kube object's context; other rows keep theirs (an ECS cluster) apart.
                !self.kube_only()
                    || at
                        .context
                        .as_ref()
                        .is_none_or(|c| r.id.scope.context() == c)
            })
            .collect();
        let contexts: std::collections::BTreeSet<&str> = fleet
            .rows_of(self.kind)
            .filter_map(|r| r.id.scope.context.as_deref())
            .collect();
        match found.as_slice() {
            [one] => Ok(one),
            [] if self.kube_only()
                && at
                    .context
                    .as_deref()
                    .is_some_and(|c| !contexts.is_empty() && !contexts.contains(c)) =>
            {
                Err((
                    format!(
                        "{path}: no context {} holds {}: the contexts read are {}",
                        at.context.as_deref().unwrap_or_default(),
                        self.kind.title(),
                        contexts.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                    4,
                ))
            }
            [] => Err((
                format!(
                    "{path}: not found ({} {} read{})",
                    fleet.count(self.kind),
                    self.kind.title(),
                    source_failures(fleet)
                ),
                4,
            )),
            many => {
                let flags = if self.kube_only() {
                    "--context"
                } else {
                    "--account, --region"
                };
                Err((
                    format!(
                        "{path}: {} match, say which ({flags}, or a longer path): {}",
                        many.len(),
                        many.iter()
                            .map(|r| self.say_which(path, r))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    2,
                ))
            }
        }
    }
}

impl Wanted {
    /// One of several matches, as the arguments that name it alone: `deploy/flux-system/
    /// helm-controller --context prod-cluster` (the kind as typed), or an AWS row by its scope.
    fn say_which(&self, path: &str, r: &crate::model::Row) -> String {
        let s = &r.id.scope;
        if !self.kube_only() {
            return s.label() + "/" + &r.id.name;
        }
        let kind = path.split('/').next().unwrap_or_default();
        let name = r.id.name.rsplit('/').next().unwrap_or_default();
        format!("{kind}/{}/{name} --context {}", s.namespace(), s.context())
    }
}

/// "; context prod-cluster: unreachable…" for each source that did not answer.
fn source_failures(fleet: &Fleet) -> String {
    fleet
        .sources()
        .filter_map(|s| s.status.reason().map(|r| format!("; {}: {r}", s.name)))
        .collect()
}

/// A filled fleet and what reads its rows' sections and logs.
pub struct World {
    pub fleet: Fleet,
    pub inspector: Option<Arc<dyn Inspector>>,
    pub logs: Option<Arc<dyn LogSource>>,
    pub clock: SharedClock,
    /// The sources' tasks: dropping stops them.
    _tasks: Option<tokio::task::JoinSet<()>>,
}

/// Fills a fleet for `at`: the demo's, or the kube context asked for (the current one
/// otherwise) and, unless `kube_only` (the object is a Kubernetes one), the configured AWS
/// accounts.
pub async fn world(at: &Locate, config: &Config, kube_only: bool) -> Result<World, (String, u8)> {
    if at.demo {
        let at_s = at.at.unwrap_or(0.0);
        let clock = Arc::new(SimClock::starting_at(whole_second_now(), 1.0, at_s));
        let mut fleet = Fleet::new("demo");
        fleet.apply(demo::initial_updates_at(clock.origin(), 1, at_s));
        let inspector = Arc::new(DemoInspector::new(clock.clone(), clock.origin()));
        return Ok(World {
            fleet,
            inspector: Some(inspector.clone()),
            logs: Some(inspector),
            clock,
            _tasks: None,
        });
    }
    // A Kubernetes object needs the kubeconfig; an AWS row reads it too when there is one (an
    // EKS cluster joins its context's side), and goes without it otherwise.
    let loaded = match kubeconfig::load(config.kube.kubeconfig.as_deref()) {
        Ok(l) => Some(l),
        Err(e) if kube_only => return Err((e.to_string(), 1)),
        Err(_) => None,
    };
    let contexts = match &loaded {
        Some(l) => {
            // As the TUI reads: the context asked for, else the configured ones.
            let wanted: Vec<String> = match &at.context {
                Some(c) => vec![c.clone()],
                None => config.kube.contexts.clone(),
            };
            Some(l.contexts(&wanted).map_err(|e| (e.to_string(), 1))?)
        }
        None => None,
    };
    if let Some(a) = &at.account
        && !config.accounts.iter().any(|acc| acc.name == *a)
    {
        let known: Vec<&str> = config
            .accounts
            .iter()
            .map(|acc| acc.name.as_str())
            .collect();
        return Err((
            format!(
                "account {a:?} is not in the config (accounts there: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
            2,
        ));
    }
    let clock: SharedClock = Arc::new(SystemClock);
    let (tx, mut rx) = store::channel();
    // The AWS side, narrowed to the account and region asked for.
    let aws = crate::backend::aws::AwsOptions::from_config(config)
        .filter(|_| config.aws.enabled && !kube_only)
        .map(|mut o| {
            if let Some(a) = &at.account {
                o.accounts.retain(|acc| acc.name == *a);
            }
            if let Some(r) = &at.region {
                for acc in &mut o.accounts {
                    acc.regions = vec![r.clone()];
                }
            }
            o
        })
        .filter(|o| !o.accounts.is_empty());
    let sources = Sources {
        kube: contexts.map(|contexts| KubeOptions {
            kubeconfig: config.kube.kubeconfig.clone(),
            contexts,
        }),
        aws: aws.clone(),
    };
    let tasks = super::start_sources(sources, clock.clone(), tx).await;
    let mut fleet = Fleet::new("describe");
    settle(&mut fleet, &mut rx, Duration::from_secs(at.timeout)).await;
    // What arrived while settling the last source.
    while let Ok(batch) = rx.try_recv() {
        fleet.apply(batch);
    }
    let router = Arc::new(Router {
        kube: loaded.map(|l| Arc::new(KubeInspector::new(Arc::new(l))) as Arc<dyn Side>),
        aws: aws.map(|a| Arc::new(AwsInspector::new(a)) as Arc<dyn Side>),
    });
    Ok(World {
        fleet,
        inspector: Some(router.clone()),
        logs: Some(router),
        clock,
        _tasks: Some(tasks),
    })
}

/// Output of `describe`.
#[derive(Args, Debug)]
pub struct DescribeArgs {
    #[command(flatten)]
    pub at: Locate,
    /// Print JSON: the row, its headline, fields, conditions, workloads, every section, the
    /// trace, related rows and the commands
    #[arg(long)]
    pub json: bool,
    /// Events: Normal ones too, not only warnings (JSON always has all)
    #[arg(long)]
    pub all_events: bool,
}

pub async fn run(args: DescribeArgs, config: &Config) -> ExitCode {
    match describe(args, config).await {
        Ok(code) => code,
        Err((e, code)) => {
            eprintln!("opsdeck: {e}");
            ExitCode::from(code)
        }
    }
}

/// The detail printed, and the exit status; or why not and its status.
async fn describe(args: DescribeArgs, config: &Config) -> Result<ExitCode, (String, u8)> {
    let wanted = parse_path(&args.at.path).map_err(|e| (e, 2))?;
    let world = world(&args.at, config, wanted.kube_only()).await?;
    let row = wanted.find(&world.fleet, &args.at.path, &args.at)?;
    let subject = Subject::of(row, &world.fleet);
    let drills = row.kind().spec().drills;
    let mut views: Vec<(Section, SectionView)> = Vec::new();
    if let Some(inspector) = &world.inspector {
        let fetched = futures_util::future::join_all(
            drills
                .iter()
                .map(|s| fetch_once(inspector.as_ref(), &subject, *s)),
        )
        .await;
        for (section, result) in drills.iter().zip(fetched) {
            let mut view = SectionView::loading();
            view.update(result);
            views.push((*section, view));
        }
    }
    let sections: Vec<(Section, &SectionView)> = views.iter().map(|(s, v)| (*s, v)).collect();
    let text = if args.json {
        let described = document::Described::new(row, &world.fleet, &sections);
        format!(
            "{}\n",
            serde_json::to_string_pretty(&described).expect("a detail serializes")
        )
    } else {
        let title = format!(
            "{} {}{}\n",
            row.kind().title(),
            row.id.display_name(),
            row.id
                .scope
                .context
                .as_deref()
                .map(|c| format!(" @ {c}"))
                .unwrap_or_default()
        );
        let opts = DocOptions {
            all_events: args.all_events,
            headless: true,
            ..DocOptions::default()
        };
        title
            + &document::plain_text(&document::lines(
                row,
                &world.fleet,
                &sections,
                world.clock.now(),
                opts,
            ))
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::from(141));
        }
        return Err((format!("cannot write: {e}"), 1));
    }
    let unavailable: Vec<String> = views
        .iter()
        .filter_map(|(s, v)| match &v.part {
            Part::Unavailable { reason } => Some(format!("{}: {reason}", s.title())),
            _ => None,
        })
        .collect();
    for u in &unavailable {
        eprintln!("opsdeck: {u}");
    }
    Ok(ExitCode::from(if unavailable.is_empty() { 0 } else { 3 }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Locate {
        Locate {
            path: String::new(),
            context: None,
            account: None,
            region: None,
            demo: true,
            at: None,
            timeout: 1,
        }
    }

    fn demo_fleet() -> Fleet {
        let mut f = Fleet::new("demo");
        f.apply(demo::initial_updates(
            "2026-11-23T12:00:00Z".parse().unwrap(),
            1,
        ));
        f
    }

    #[test]
    fn paths_find_rows_by_any_kind_name_and_scope() {
        let f = demo_fleet();
        for path in [
            "hr/numen-games/hyperfy2-world",
            "HelmRelease/numen-games/hyperfy2-world",
            "helm_release/prod-cluster/numen-games/hyperfy2-world",
            "deploy/numen-games/hyperfy2-world",
            "ks/prod-cluster/flux-system/infrastructure",
            "cert/r3s3t/r3s3t-tls",
            "ecs/phenom-prod-cluster/functions",
            "rds/phenom-prod-postgres",
            "region/helpdev-prod/sa-east-1",
            "gitrepository/flux-system/flux-system",
        ] {
            let w = parse_path(path).unwrap_or_else(|e| panic!("{e}"));
            w.find(&f, path, &none())
                .unwrap_or_else(|e| panic!("{e:?}"));
        }
        let w = parse_path("sts/numen-games/hyperfy2-world").unwrap();
        assert_eq!(w.find(&f, "x", &none()).unwrap_err().1, 4);
        let w = parse_path("ks/flux-system/infrastructure").unwrap();
        assert!(
            w.find(&f, "ks", &none())
                .unwrap_err()
                .0
                .contains("ks/flux-system/infrastructure --context prod-cluster"),
            "two contexts hold it: both are named"
        );
        let mut in_context = none();
        in_context.context = Some("prod-cluster".into());
        assert!(w.find(&f, "ks", &in_context).is_ok(), "--context picks one");
        in_context.context = Some("nope".into());
        let (msg, _) = w.find(&f, "ks", &in_context).unwrap_err();
        assert!(
            msg.contains("no context nope holds") && msg.contains("prod-cluster"),
            "an unknown context is said, with the ones there are: {msg}"
        );
        let w = parse_path("hr/hyperfy2-world").unwrap();
        // A name in several namespaces is ambiguous: a usage error naming the flag to add.
        let (msg, code) = w.find(&f, "hr/hyperfy2-world", &none()).unwrap_err();
        assert!(msg.contains("match, say which (--context"), "{msg}");
        // Each as the arguments that name it alone, and those find it.
        let which = "hr/numen-games/hyperfy2-world --context prod-cluster";
        assert!(msg.contains(which), "{msg}");
        let w = parse_path("hr/numen-games/hyperfy2-world").unwrap();
        let mut at = none();
        at.context = Some("prod-cluster".into());
        assert!(w.find(&f, "hr/numen-games/hyperfy2-world", &at).is_ok());
        assert_eq!(code, 2);
        let w = parse_path("ecs/functions").unwrap();
        let (msg, _) = w.find(&f, "ecs/functions", &none()).unwrap_err();
        assert!(msg.contains("(--account, --region"), "{msg}");
        // --account and --region narrow a name several accounts share.
        let w = parse_path("rds/phenom-prod-postgres").unwrap();
        let mut at = none();
        at.account = Some("numinia".into());
        assert!(w.find(&f, "rds", &at).unwrap_err().0.contains("not found"));
        at.account = Some("phenom".into());
        assert!(w.find(&f, "rds", &at).is_ok());
        assert!(parse_path("pods/x/y").unwrap_err().contains("unknown kind"));
        assert!(
            parse_path("hr")
                .unwrap_err()
                .contains("KIND/NAMESPACE/NAME")
        );
    }
}
