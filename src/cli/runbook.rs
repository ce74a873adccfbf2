//! `opsdeck runbook …`: plan (the default), apply with a typed confirmation, resume a journal.
//! Exit codes: 0 done (or planned), 1 a step failed or the run was interrupted, 2 refused.
//!
//! Every write passes one gate, the demo's included (a rehearsal is the real flow): `--write` (or
//! `write = true`), `--apply` and `--confirm <target>`, checked before anything is written or
//! reported as started, on a start and on a resume alike. A resume runs only in the world its
//! journal ran in: the same config and flags, and credentials acting in the same AWS account
//! (asked of STS when a run starts or resumes, and recorded in the journal).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::backend::aws::ops::{AwsCloudOps, Dns};
use crate::backend::kube::kubeconfig;
use crate::backend::kube::runbook_port::KubeClusterOps;
use crate::clock::{JumpClock, SharedClock, SimClock, SystemClock, whole_second_now};
use crate::config::Account;
use crate::config::{Config, paths};
use crate::runbook::create_org::CreateOrg;
use crate::runbook::demo::{DemoWorld, MemoryGit};
use crate::runbook::engine::{self, Outcome, RunOptions};
use crate::runbook::failover::Failover;
use crate::runbook::git::GitRepo;
use crate::runbook::ports::{ClusterOps, GitOps, Ports, Unavailable};
use crate::runbook::render::{self, Progress};
use crate::runbook::staging_refresh::StagingRefresh;
use crate::runbook::{Runbook, World, journal};

#[derive(Subcommand, Debug)]
pub enum RunbookCmd {
    /// Onboard a tenant organization on the platform cluster (seed 001)
    CreateOrg {
        #[command(flatten)]
        run: RunFlags,
        /// Organization name (DNS-1123, at most 40 characters)
        #[arg(long)]
        org: String,
        /// The organization's domain
        #[arg(long)]
        domain: String,
        /// A Hyperfy2 space (repeat for several)
        #[arg(long = "space", required = true)]
        spaces: Vec<String>,
        /// AWS account id (12 digits)
        #[arg(long)]
        account_id: String,
        /// The cluster's EKS OIDC provider id
        #[arg(long)]
        oidc_id: String,
        /// The platform cluster (its directory in the GitOps repository); typed to confirm
        #[arg(long, default_value = "prod-cluster")]
        cluster: String,
        /// The cluster's region (its OIDC issuer)
        #[arg(long, default_value = "eu-west-1")]
        region: String,
        /// The organization whose directory is copied
        #[arg(long, default_value = "numinia")]
        template: String,
        /// The bucket that holds hyperfy-spaces/<org>/…
        #[arg(long, default_value = "numinia-statics")]
        statics_bucket: String,
        /// The IAM policy that grants the statics bucket, attached to the org's role
        #[arg(long, default_value = "numinia-statics-bucket")]
        statics_policy: String,
    },
    /// Fail a routed name over from its primary region to the secondary (seed 003); a failback
    /// is the same with the regions swapped
    Failover {
        #[command(flatten)]
        run: RunFlags,
        /// The Route53 hosted zone (e.g. helpdev.io)
        #[arg(long)]
        zone: String,
        /// The failover record (e.g. api.helpdev.io)
        #[arg(long)]
        record: String,
        /// The region serving now (e.g. us-east-1)
        #[arg(long)]
        from: String,
        /// The region to serve from (e.g. sa-east-1); typed to confirm
        #[arg(long)]
        to: String,
    },
    /// Make staging a copy of production: snapshot, restore, swap, sync media (seed 004)
    StagingRefresh {
        #[command(flatten)]
        run: RunFlags,
        /// Source (production) RDS instance
        #[arg(long)]
        source: String,
        /// Target (staging) RDS instance
        #[arg(long)]
        target: String,
        /// The production media bucket
        #[arg(long)]
        source_bucket: String,
        /// The staging media bucket
        #[arg(long)]
        target_bucket: String,
        /// Restore this snapshot instead of taking a new one
        #[arg(long)]
        snapshot: Option<String>,
    },
    /// Continue an interrupted run from its journal, in the world it ran in (`--demo` for a
    /// rehearsal's): like a start, it needs --write, --apply and --confirm <target>
    Resume {
        #[command(flatten)]
        run: RunFlags,
        /// The journal (`$XDG_STATE_HOME/opsdeck/runbooks/*.jsonl`); the newest interrupted one
        /// when absent
        journal: Option<PathBuf>,
    },
    /// List the runbooks and the interrupted runs that can be resumed
    List,
}

#[derive(Args, Debug, Clone)]
pub struct RunFlags {
    /// Rehearse on the embedded demo world (simulated AWS, cluster and GitOps repository)
    /// instead of the configured AWS account, kube contexts and GitOps repository; applying
    /// still needs --write
    #[arg(long)]
    demo: bool,
    /// Show the plan and write nothing (the default)
    #[arg(long, conflicts_with = "apply")]
    plan: bool,
    /// Apply the plan (without it, only the plan is shown and nothing is written); needs --write
    /// and --confirm
    #[arg(long)]
    apply: bool,
    /// The target environment's name, typed to confirm --apply
    #[arg(long, value_name = "ENV")]
    confirm: Option<String>,
    /// Go ahead despite the readiness problems the preflight found (journalled)
    #[arg(long, value_name = "REASON")]
    override_reason: Option<String>,
    /// A local clone of the GitOps repository (default: the config's gitops_repo; the demo
    /// uses an in-memory one)
    #[arg(long, value_name = "PATH")]
    repo: Option<PathBuf>,
    /// The configured AWS account to act in (default: the first in the config)
    #[arg(long, value_name = "NAME")]
    account: Option<String>,
    /// Demo clock speed: simulated seconds per real second, up to 3600; 0 jumps over every wait
    #[arg(long, default_value_t = 60.0, value_parser = parse_speed)]
    speed: f64,
}

/// The demo clock's fastest: an hour of waiting per second.
const MAX_SPEED: f64 = 3600.0;

/// `--speed`: 0 (jump over every wait) or a finite number of simulated seconds per real second
/// up to `MAX_SPEED`; a negative, NaN or infinite speed is refused, not quietly taken as 0.
fn parse_speed(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=MAX_SPEED).contains(&v) => Ok(v),
        _ => Err(format!(
            "{s:?} is not a speed from 0 (jump over every wait) to {MAX_SPEED} (simulated seconds per real second)"
        )),
    }
}

pub fn journal_dir() -> PathBuf {
    paths::state_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("runbooks")
}

fn refused(problems: &[String]) -> ExitCode {
    eprintln!("opsdeck: refused, nothing was written:");
    for p in problems {
        eprintln!("  - {p}");
    }
    ExitCode::from(2)
}

/// Why `--apply` may not write: read-only (no `--write`, no `write = true`), in the demo too.
fn write_problem(flags: &RunFlags, write: bool) -> Option<String> {
    if !flags.apply || write {
        return None;
    }
    Some(if flags.demo {
        "read-only: --apply writes, in the demo too (a rehearsal is the real flow, and --repo is a real repository); add --write (or set write = true)".into()
    } else {
        "read-only: runbooks change things; start opsdeck with --write (or set write = true) to apply, or rehearse with --demo --write".into()
    })
}

/// A path as the world records it: absolute and resolved, so the same clone is the same world.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The ports for a run: the demo world, or the real backends.
fn ports(flags: &RunFlags, config: &Config) -> Result<Ports, String> {
    if !flags.demo {
        return configured_ports(config, flags.account.as_deref(), flags.repo.as_deref());
    }
    let clock: SharedClock = if flags.speed > 0.0 {
        Arc::new(SimClock::new(whole_second_now(), flags.speed))
    } else {
        Arc::new(JumpClock::new(whole_second_now()))
    };
    // A demo never touches the configured repository; an explicit --repo it does.
    let git: Arc<dyn GitOps> = match &flags.repo {
        Some(path) => Arc::new(GitRepo::open(path)?),
        None => MemoryGit::seeded(),
    };
    let mut ports = DemoWorld::new(clock, None, git).ports();
    ports.world = World::Demo {
        repo: flags.repo.as_deref().map(canonical),
    };
    Ok(ports)
}

/// AWS from the configured account, the clusters from the kubeconfig, the GitOps repository
/// from `repo` or the config; what is not configured fails only the steps that need it. The
/// ports' world names all three, for the journal; the AWS account id the credentials act in is
/// not asked here (nothing is called yet) but by `Ports::identify_account` before a run starts
/// or resumes.
pub fn configured_ports(
    config: &Config,
    account: Option<&str>,
    repo: Option<&std::path::Path>,
) -> Result<Ports, String> {
    let account = match account {
        Some(name) => config
            .accounts
            .iter()
            .find(|a| a.name == name)
            .cloned()
            .ok_or_else(|| format!("no account {name:?} in the config ([[accounts]] name = …)"))?,
        None => config.accounts.first().cloned().unwrap_or(Account {
            name: "default".into(),
            profile: None,
            role_arn: None,
            regions: vec![],
            environment: None,
            endpoint_url: None,
            protected: false,
        }),
    };
    let region = account
        .regions
        .first()
        .cloned()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .unwrap_or_else(|| "us-east-1".into());
    // The credential chain reads AWS_PROFILE when the account names no profile.
    let profile = account
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
    let (account_name, role_arn, endpoint_url) = (
        account.name.clone(),
        account.role_arn.clone(),
        account.endpoint_url.clone(),
    );
    let cloud = AwsCloudOps::new(account, &region, None, Dns::System);
    let (cluster, kube_contexts): (Arc<dyn ClusterOps>, Vec<String>) =
        match kubeconfig::load(config.kube.kubeconfig.as_deref()) {
            Ok(loaded) => {
                let mut names: Vec<String> = loaded
                    .config
                    .contexts
                    .iter()
                    .map(|c| c.name.clone())
                    .collect();
                names.sort();
                let ops: Arc<dyn ClusterOps> = Arc::new(KubeClusterOps::new(loaded));
                (ops, names)
            }
            Err(e) => {
                let ops: Arc<dyn ClusterOps> = Arc::new(Unavailable(e.to_string()));
                (ops, Vec::new())
            }
        };
    let repo = repo.or(config.gitops_repo.as_deref());
    let git: Arc<dyn GitOps> = match repo {
        Some(path) => Arc::new(GitRepo::open(path)?),
        None => Arc::new(Unavailable(
            "no GitOps repository: pass --repo PATH or set gitops_repo in the config".into(),
        )),
    };
    Ok(Ports {
        cluster,
        cloud: Arc::new(cloud),
        git,
        clock: Arc::new(SystemClock),
        world: World::Real {
            account: account_name,
            account_id: None,
            profile,
            role_arn,
            endpoint_url,
            region,
            kube_contexts,
            repo: repo.map(canonical),
        },
    })
}

pub async fn run(cmd: RunbookCmd, config: &Config, write: bool) -> ExitCode {
    let (flags, rb): (RunFlags, Option<Box<dyn Runbook>>) = match cmd {
        RunbookCmd::List => {
            for name in crate::runbook::NAMES {
                println!("{name}");
            }
            let interrupted = journal::interrupted(&journal_dir());
            if !interrupted.is_empty() {
                println!("\ninterrupted runs (opsdeck runbook resume <journal>):");
                for j in interrupted {
                    println!("  {}", j.display());
                }
            }
            return ExitCode::SUCCESS;
        }
        RunbookCmd::CreateOrg {
            run,
            org,
            domain,
            spaces,
            account_id,
            oidc_id,
            cluster,
            region,
            template,
            statics_bucket,
            statics_policy,
        } => {
            let inputs = CreateOrg {
                org,
                domain,
                spaces,
                account_id,
                oidc_provider_id: oidc_id,
                cluster,
                region,
                template,
                statics_bucket,
                statics_policy,
            };
            match CreateOrg::new(inputs) {
                Ok(c) => (run, Some(Box::new(c))),
                Err(p) => return refused(&p),
            }
        }
        RunbookCmd::Failover {
            run,
            zone,
            record,
            from,
            to,
        } => match Failover::new(Failover {
            zone,
            record,
            from,
            to,
        }) {
            Ok(f) => (run, Some(Box::new(f))),
            Err(p) => return refused(&p),
        },
        RunbookCmd::StagingRefresh {
            run,
            source,
            target,
            source_bucket,
            target_bucket,
            snapshot,
        } => {
            let day = whole_second_now().strftime("%Y%m%d").to_string();
            match StagingRefresh::new(StagingRefresh {
                source,
                target,
                source_bucket,
                target_bucket,
                snapshot,
                day,
            }) {
                Ok(s) => (run, Some(Box::new(s))),
                Err(p) => return refused(&p),
            }
        }
        RunbookCmd::Resume { run, journal } => {
            let Some(path) =
                journal.or_else(|| journal::interrupted(&journal_dir()).into_iter().next())
            else {
                return refused(&[format!("no interrupted run in {}", journal_dir().display())]);
            };
            return resume(&run, &path, config, write).await;
        }
    };
    let rb = rb.expect("set above");
    // The gate of a write, before the preflight reads the world: --write, then the typed target.
    let mut problems: Vec<String> = write_problem(&flags, write).into_iter().collect();
    if flags.apply {
        problems.extend(engine::confirm_problem(
            &rb.target(),
            flags.confirm.as_deref(),
        ));
    }
    if !problems.is_empty() {
        return refused(&problems);
    }
    let mut ports = match ports(&flags, config) {
        Ok(p) => p,
        Err(e) => return refused(&[e]),
    };
    // The AWS account the credentials act in, for the journal: a run that writes without knowing
    // it could never be resumed safely, so an --apply is refused; a plan writes nothing.
    if let Err(e) = ports.identify_account().await {
        if flags.apply {
            return refused(&[e]);
        }
        tracing::warn!("{e}");
    }
    let opts = options(&flags);
    let mut progress = Progress::new(rb.steps().iter().map(|s| s.title.clone()).collect());
    let outcome = engine::run(rb.as_ref(), &ports, &opts, &mut |e| progress.print(e)).await;
    report(outcome, &rb.target())
}

/// `runbook resume`: the gate of a start (`--write`, `--apply`, the typed target) and the
/// journal's world, all checked before a step runs or a line of progress is printed.
async fn resume(flags: &RunFlags, path: &Path, config: &Config, write: bool) -> ExitCode {
    let replay = match journal::replay(path) {
        Ok(r) => r,
        Err(e) => return refused(&[e]),
    };
    let mut problems: Vec<String> = Vec::new();
    if !write {
        problems.push(
            "read-only: a resume writes, in the demo too; add --write (or set write = true)".into(),
        );
    }
    let mut ports = match ports(flags, config) {
        Ok(p) => p,
        Err(e) => {
            problems.push(e);
            return refused(&problems);
        }
    };
    // The AWS account the credentials act in, compared with the one the journal records. Asked
    // only when the rest of the world matches (anything else is refused without a call to AWS).
    if let Some(ran) = &replay.world
        && ran.account_id().is_some()
        && ran.same_config(&ports.world)
        && let Err(e) = ports.identify_account().await
    {
        problems.push(e);
    }
    problems.extend(engine::resume_problems(
        path,
        &replay,
        &ports.world,
        flags.apply,
        flags.confirm.as_deref(),
    ));
    if !problems.is_empty() {
        return refused(&problems);
    }
    let steps = match crate::runbook::from_inputs(&replay.runbook, &replay.inputs) {
        Ok(rb) => rb.steps(),
        Err(e) => return refused(&[format!("{}: {e}", path.display())]),
    };
    let opts = options(flags);
    let mut progress = Progress::new(steps.iter().map(|s| s.title.clone()).collect());
    let outcome = engine::resume(path, &ports, &opts, &mut |e| progress.print(e)).await;
    report(outcome, &replay.target)
}

fn options(flags: &RunFlags) -> RunOptions {
    RunOptions {
        apply: flags.apply,
        confirm: flags.confirm.clone(),
        override_reason: flags.override_reason.clone(),
        journal_dir: journal_dir(),
        poll: Duration::from_secs(5),
        audit: crate::audit::path(),
    }
}

fn report(outcome: Outcome, target: &str) -> ExitCode {
    match &outcome {
        Outcome::Refused(p) => refused(p),
        Outcome::Planned { .. } | Outcome::Completed { .. } => {
            // The run is over: a reader gone (`| head`) loses the summary, never the run.
            let _ = std::io::Write::write_all(
                &mut std::io::stdout(),
                render::outcome(&outcome, target).as_bytes(),
            );
            ExitCode::SUCCESS
        }
        Outcome::Failed { .. } | Outcome::Interrupted { .. } => {
            eprint!("{}", render::outcome(&outcome, target));
            ExitCode::from(1)
        }
    }
}
