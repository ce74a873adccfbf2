//! The command line: `opsdeck` (configured sources), `opsdeck demo`, `opsdeck snapshot`,
//! `opsdeck describe`, `opsdeck logs`, `opsdeck themes`, `opsdeck audit`, `opsdeck timeline`,
//! `opsdeck kube`, `opsdeck ecs`, `opsdeck runbook`, `opsdeck completions`, `opsdeck man`.

mod audit;
mod config_init;
mod describe;
mod doctor;
mod ecs;
mod kube;
mod logging;
mod logs;
mod runbook;
mod snapshot;
mod timeline;
mod tui;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::backend::aws::AwsOptions;
use crate::backend::kube::KubeOptions;
use crate::config::{Config, paths};
use crate::ui::Theme;

/// "0.1.0 (049472a)": the version and the git revision it was built from (`build.rs`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("OPSDECK_GIT_REVISION"),
    ")"
);

#[derive(Parser, Debug)]
#[command(
    name = "opsdeck",
    version = VERSION,
    about = "A terminal operations console for platform teams running tenants on AWS",
    long_about = "opsdeck shows EKS clusters, ECS services (and their load balancers' target health), \
Flux Kustomizations and HelmReleases, Flux sources, Argo CD Applications and ApplicationSets, \
cert-manager certificates, RDS databases, ElastiCache replication groups, regions and tenant organizations on one screen, across kube contexts, AWS accounts and regions, \
and what changed across all of them on one timeline.\n\nRun `opsdeck demo` to try it on an \
embedded simulated fleet.",
    after_help = "Files: config $XDG_CONFIG_HOME/opsdeck/config.toml, themes $XDG_CONFIG_HOME/opsdeck/themes/, \
logs $XDG_STATE_HOME/opsdeck/opsdeck.log, the timeline and the incident's start \
$XDG_STATE_HOME/opsdeck/timeline.sqlite and incident.json (the demo's apart). Keys: press ? in the TUI."
)]
pub struct Cli {
    /// Config file (default: $XDG_CONFIG_HOME/opsdeck/config.toml; a missing default is fine)
    #[arg(long, global = true, env = "OPSDECK_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Theme: default, light, high-contrast, a user theme name or a path to a .toml file
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Allow write actions (reconcile, suspend, renew, Argo CD refresh and sync, ECS redeploy and
    /// scale, runbooks).
    /// Read-only is the default.
    #[arg(long, global = true)]
    pub write: bool,
    /// Log file (default: $XDG_STATE_HOME/opsdeck/opsdeck.log). Logs never go to the terminal.
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Run the TUI on the embedded demo fleet (simulated; incidents come and go; with --write it carries out R, T, = and :sync too)
    Demo {
        /// 1 is the seed fleet; N adds N-1 synthetic clusters of 2,000 Flux objects each
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=200))]
        scale: u32,
        /// Simulated seconds per real second (incidents repeat every 600 simulated seconds)
        #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
        speed: f64,
    },
    /// Print the fleet once, as a table or as JSON, then exit
    ///
    /// Waits until every source has answered or failed (bounded by --timeout) and always prints
    /// every row and every source's status. Exit status: 0 every source and kind answered;
    /// 1 opsdeck could not start (bad config); 2 usage error; 3 partial: some sources or kinds
    /// failed or timed out, the rest is printed; 4 nothing could be read.
    Snapshot {
        /// Read the embedded demo fleet instead of the configured sources
        #[arg(long)]
        demo: bool,
        /// Print JSON: {"sources":[…],"rows":[…]}
        #[arg(long)]
        json: bool,
        /// Demo fleet scale (see `opsdeck demo --scale`)
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=200))]
        scale: u32,
        /// With --demo: how far into its incidents (a 10-minute cycle: 7m the failing ALB
        /// targets, 8m40s the Redis evictions); 0 by default
        #[arg(long, requires = "demo", value_name = "DURATION", value_parser = parse_demo_at)]
        at: Option<f64>,
        /// Seconds to wait for every source to answer (a source still listing then is reported
        /// as timed out), 1 to 86400
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        timeout: u64,
    },
    /// List the available themes
    Themes,
    /// The audit log: every write (kube actions, runbook steps) with who made it, what, the
    /// target and the outcome, one line each, newest last
    Audit {
        /// Only writes since a duration ago (90s, 30m, 2h, 7d, 1w, 1h30m) or a time
        /// (2026-11-23T12:00:00Z; without a zone, UTC; or a day: 2026-11-23, from midnight UTC)
        #[arg(long, value_name = "DURATION_OR_TIMESTAMP", value_parser = audit::parse_since)]
        since: Option<jiff::Timestamp>,
        /// One JSON object per line, as the log keeps them
        #[arg(long)]
        json: bool,
    },
    /// What changed, across every source, as the TUI's `:timeline` recorded it (kept 24 hours),
    /// oldest first: health transitions, sources dropping out, opsdeck's writes and runbook
    /// steps. --markdown adds the actions taken and the runbooks run, for an incident ticket
    Timeline(timeline::TimelineArgs),
    /// One object's whole detail, as the TUI shows it: facts, conditions, the workloads it
    /// applied, pods, events, history, inventory, the certificate chain, the trace to its
    /// sources and the commands to type
    ///
    /// Exit status: 0 everything read; 1 bad config or kubeconfig; 2 usage error; 3 some
    /// section could not be read (it says why; the rest is printed); 4 the object was not found
    /// or its source could not be read.
    Describe(describe::DescribeArgs),
    /// Container logs of a workload's, a HelmRelease's or a Kustomization's pods (interleaved,
    /// each line prefixed with its pod), of one pod (pod/NAMESPACE/NAME), or with --flux the Flux
    /// controller's lines about a Flux object
    ///
    /// Exit status: 0 read to the end; 1 bad config or kubeconfig; 2 usage error; 3 some stream
    /// could not be read (it says why); 4 the object was not found.
    Logs(logs::LogsArgs),
    /// Write actions on Flux objects, Argo CD Applications and certificates (need --write)
    Kube {
        #[command(subcommand)]
        action: kube::KubeAction,
    },
    /// Write actions on ECS services: redeploy, scale (need --write and --confirm SERVICE)
    Ecs {
        #[command(subcommand)]
        action: ecs::EcsAction,
    },
    /// Configuration: `opsdeck config init` writes a commented config.toml from the kubeconfig's
    /// contexts and the AWS config's profiles
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Check every configured source once and print a table (source, check, ok or the
    /// problem, the fix): the kubeconfig, each context's credential plugin, API server and RBAC
    /// for the watched kinds; each AWS account's credentials, SSO session and the calls the polls
    /// make; the GitOps clone. Exit status: 0 every check passed; 1 bad config; 3 a check found a
    /// problem
    Doctor,
    /// Shell completions: `opsdeck completions bash > ~/.local/share/bash-completion/completions/opsdeck`
    /// (zsh: into a directory of $fpath as `_opsdeck`; fish: ~/.config/fish/completions/opsdeck.fish)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff): `opsdeck man > ~/.local/share/man/man1/opsdeck.1`, or with
    /// `--dir ~/.local/share/man/man1` every page (opsdeck.1 and one per subcommand, which the
    /// main page refers to)
    Man {
        /// Write every page into this directory instead of printing the main one
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Guided procedures: create-org, failover, staging-refresh (plan by default; --apply
    /// --confirm <env> to run; resume from a journal)
    Runbook {
        #[command(subcommand)]
        runbook: Box<runbook::RunbookCmd>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigAction {
    /// Write a commented config.toml (at --config PATH, else the default place) from the
    /// kubeconfig's contexts (EKS ones recognised) and the AWS config's profiles (SSO,
    /// assume-role and the rest) with their regions; prints what it wrote. Asks nothing.
    Init {
        /// Replace the file if it exists (without it, an existing file is left alone: exit 1)
        #[arg(long)]
        force: bool,
    },
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

/// Writes `bytes` to stdout; a closed pipe (`| head`) ends it quietly.
fn print_all(bytes: &[u8]) -> ExitCode {
    use std::io::Write;
    match std::io::stdout().lock().write_all(bytes) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// Errors opsdeck reports on one line and exits non-zero with.
pub fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("opsdeck: {msg}");
    ExitCode::from(1)
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // What the shell and man need does not depend on a config that may not parse.
    match cli.command {
        Some(Cmd::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "opsdeck", &mut script);
            return print_all(&script);
        }
        Some(Cmd::Man { dir: Some(dir) }) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            if let Err(e) = clap_mangen::generate_to(cmd, &dir) {
                return fail(format!(
                    "cannot write the manual pages into {}: {e}",
                    dir.display()
                ));
            }
            println!("manual pages written into {}", dir.display());
            return ExitCode::SUCCESS;
        }
        Some(Cmd::Man { dir: None }) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut page = Vec::new();
            if let Err(e) = clap_mangen::Man::new(cmd).render(&mut page) {
                return fail(e);
            }
            return print_all(&page);
        }
        // The file it writes may be the one that does not parse.
        Some(Cmd::Config {
            action: ConfigAction::Init { force },
        }) => return config_init::run(cli.config.as_deref(), force),
        _ => {}
    }
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let _log = match logging::init(cli.log_file.clone()) {
        Ok(g) => g,
        Err(e) => return fail(e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    let code = dispatch(cli, &config, &runtime);
    // Exiting waits for nothing still running (a watch, a poll, a plugin); the tasks are
    // dropped, and a credential plugin still running is killed with its process group.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    crate::backend::kube::credentials::kill_running_plugins();
    code
}

fn dispatch(cli: Cli, config: &Config, runtime: &tokio::runtime::Runtime) -> ExitCode {
    let read_only = !(cli.write || config.write);
    match cli.command {
        Some(Cmd::Demo { scale, speed }) => {
            let theme = match load_theme(&cli.theme, config) {
                Ok(t) => t,
                Err(e) => return fail(e),
            };
            runtime.block_on(tui::demo(scale, speed, theme, read_only))
        }
        Some(Cmd::Snapshot {
            demo,
            json,
            scale,
            at,
            timeout,
        }) => {
            if demo {
                let at = at.unwrap_or(0.0);
                return runtime.block_on(snapshot::demo(scale, json, timeout, at));
            }
            match sources(config) {
                Some(sources) => runtime.block_on(snapshot::real(sources, json, timeout)),
                None => no_sources(&cli, config),
            }
        }
        Some(Cmd::Describe(args)) => runtime.block_on(describe::run(args, config)),
        Some(Cmd::Logs(args)) => runtime.block_on(logs::run(args, config)),
        Some(Cmd::Ecs { action }) => runtime.block_on(ecs::run(action, config, !read_only)),
        Some(Cmd::Kube { action }) => runtime.block_on(kube::run(action, config, !read_only)),
        Some(Cmd::Runbook { runbook }) => {
            runtime.block_on(runbook::run(*runbook, config, !read_only))
        }
        Some(Cmd::Audit { since, json }) => audit::run(since, json),
        Some(Cmd::Timeline(args)) => timeline::run(args),
        Some(Cmd::Doctor) => doctor::run(config, cli.config.as_deref(), runtime),
        // Answered before the config is read (`main`).
        Some(Cmd::Completions { .. } | Cmd::Man { .. } | Cmd::Config { .. }) => ExitCode::SUCCESS,
        Some(Cmd::Themes) => {
            for name in Theme::available(paths::user_themes_dir().as_deref()) {
                println!("{name}");
            }
            ExitCode::SUCCESS
        }
        None => {
            let Some(sources) = sources(config) else {
                return no_sources(&cli, config);
            };
            let theme = match load_theme(&cli.theme, config) {
                Ok(t) => t,
                Err(e) => return fail(e),
            };
            let name = config.fleet_name.clone().unwrap_or_else(|| "fleet".into());
            // Runbooks in the TUI act on the configured world; without one, `:runbooks` says so.
            let ports = match crate::backend::configured_ports::configured_ports(config, None, None)
            {
                Ok(p) => Some((p, crate::backend::configured_ports::world_hints(config))),
                Err(e) => {
                    tracing::warn!("runbooks unavailable: {e}");
                    None
                }
            };
            let protected = crate::ui::app::Protected::from_config(config);
            runtime.block_on(tui::real(sources, name, theme, read_only, ports, protected))
        }
    }
}

/// Starts every configured backend; the tasks stop when the set is dropped.
pub async fn start_sources(
    sources: Sources,
    clock: crate::clock::SharedClock,
    tx: crate::store::UpdateSender,
) -> tokio::task::JoinSet<()> {
    let mut tasks = tokio::task::JoinSet::new();
    if let Some(k) = sources.kube {
        let mut set = crate::backend::kube::start(k, clock.clone(), tx.clone()).await;
        tasks.spawn(async move { while set.join_next().await.is_some() {} });
    }
    if let Some(a) = sources.aws {
        let mut set = crate::backend::aws::start(a, clock, tx).await;
        tasks.spawn(async move { while set.join_next().await.is_some() {} });
    }
    tasks
}

/// The real sources to watch; `None` when there is nothing.
pub struct Sources {
    pub kube: Option<KubeOptions>,
    pub aws: Option<AwsOptions>,
}

fn home_has(path: &str) -> bool {
    std::env::var_os("HOME").is_some_and(|h| PathBuf::from(h).join(path).exists())
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

/// The configured kube contexts and AWS accounts; without a config, the kubeconfig's current
/// context and the default AWS credential chain, when they exist.
fn sources(config: &Config) -> Option<Sources> {
    let kube = KubeOptions {
        kubeconfig: config.kube.kubeconfig.clone(),
        contexts: config.kube.contexts.clone(),
    };
    let kube = (config.kube.enabled
        && (!kube.contexts.is_empty()
            || kube.kubeconfig.is_some()
            || env_set("KUBECONFIG")
            || home_has(".kube/config")))
    .then_some(kube);
    if !config.aws.enabled {
        return kube.map(|kube| Sources {
            kube: Some(kube),
            aws: None,
        });
    }
    let aws = AwsOptions::from_config(config).or_else(|| {
        let ambient = [
            "AWS_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ACCESS_KEY_ID",
        ]
        .iter()
        .any(|v| env_set(v))
            || home_has(".aws/config");
        ambient.then(|| {
            let mut default = Config::default();
            default.accounts.push(crate::config::Account {
                name: "default".into(),
                profile: None,
                role_arn: None,
                regions: Vec::new(),
                environment: None,
                endpoint_url: None,
                protected: false,
            });
            AwsOptions::from_config(&Config {
                aws: config.aws.clone(),
                ..default
            })
            .expect("one account")
        })
    });
    (kube.is_some() || aws.is_some()).then_some(Sources { kube, aws })
}

/// Nothing to watch: say so plainly and point to the demo.
fn no_sources(cli: &Cli, config: &Config) -> ExitCode {
    let path = cli
        .config
        .clone()
        .or_else(paths::config_file)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "config.toml".into());
    let kube = if config.kube.enabled {
        "no kube contexts in it, no KUBECONFIG or ~/.kube/config"
    } else {
        "[kube] enabled = false"
    };
    let aws = if config.aws.enabled {
        "no [[accounts]] in it, no AWS profile or credentials"
    } else {
        "[aws] enabled = false"
    };
    fail(format!(
        "no sources configured ({path}: {kube}; {aws}).\n\
         Try the embedded demo fleet: opsdeck demo"
    ))
}

fn load_theme(
    flag: &Option<String>,
    config: &Config,
) -> Result<Theme, crate::ui::theme::ThemeError> {
    let name = flag
        .as_deref()
        .or(config.theme.as_deref())
        .unwrap_or("default");
    Theme::load(name, paths::user_themes_dir().as_deref())
}

/// `--at 7m`: simulated seconds into the demo's incidents, as the timeline's durations are
/// written (`90s`, `7m`, `1h30m`).
pub fn parse_demo_at(text: &str) -> Result<f64, String> {
    match crate::audit::duration_seconds(text) {
        Some(s) if s <= 7 * 24 * 3600 => Ok(s as f64),
        Some(_) => Err("at most a week into the demo".into()),
        None => Err(format!(
            "{text:?} is not a duration: write it as 90s, 7m or 1h30m"
        )),
    }
}
