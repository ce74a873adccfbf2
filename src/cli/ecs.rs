//! `opsdeck ecs redeploy|scale CLUSTER/SERVICE --account A --region R --confirm SERVICE`: the
//! ECS actions of the TUI from a shell. Writes need `--write` and `--confirm` with the
//! service's name: without it, opsdeck says what it would do (account, region, cluster,
//! service) and does nothing. Then it follows the rollout, as `flux reconcile` waits for Ready:
//! exit 0 when it completed, 1 when it failed or was still going at `--timeout`.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::backend::aws::AwsOptions;
use crate::backend::aws::row_actions::{AwsActions, ROLLOUT_TIMEOUT, ServiceRef};
use crate::config::Config;
use crate::row_actions::RowAction;

#[derive(Subcommand, Debug)]
pub enum EcsAction {
    /// Start a new deployment of the service's task definition (new tasks), like
    /// `aws ecs update-service --force-new-deployment`
    Redeploy {
        #[command(flatten)]
        target: ServiceArgs,
    },
    /// Set the service's desired count, like `aws ecs update-service --desired-count`
    Scale {
        #[command(flatten)]
        target: ServiceArgs,
        /// The desired count (0 to 10000)
        #[arg(value_parser = clap::value_parser!(u32).range(0..=10_000))]
        count: u32,
    },
}

#[derive(Args, Debug)]
pub struct ServiceArgs {
    /// CLUSTER/SERVICE
    pub service: String,
    /// The account, by its name in the config
    #[arg(long)]
    pub account: String,
    /// The region
    #[arg(long)]
    pub region: String,
    /// The service's name, typed to confirm
    #[arg(long, value_name = "SERVICE")]
    pub confirm: Option<String>,
    /// Return once ECS took the change instead of following the rollout to steady state
    #[arg(long)]
    pub no_wait: bool,
    /// How long to follow the rollout, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = ROLLOUT_TIMEOUT.as_secs())]
    pub timeout: u64,
}

pub async fn run(action: EcsAction, config: &Config, write: bool) -> ExitCode {
    let (args, action) = match action {
        EcsAction::Redeploy { target } => (target, RowAction::Redeploy),
        EcsAction::Scale { target, count } => (target, RowAction::Scale(count)),
    };
    let Some((cluster, service)) = args.service.split_once('/') else {
        eprintln!("opsdeck: give CLUSTER/SERVICE, e.g. phenom-prod-cluster/functions");
        return ExitCode::from(2);
    };
    let Some(opts) = AwsOptions::from_config(config) else {
        return super::fail("no [[accounts]] in the config: opsdeck knows no account to act in");
    };
    if !opts.accounts.iter().any(|a| a.name == args.account) {
        let known: Vec<&str> = opts.accounts.iter().map(|a| a.name.as_str()).collect();
        return super::fail(format!(
            "account {:?} is not in the config (accounts there: {})",
            args.account,
            known.join(", ")
        ));
    }
    let target = ServiceRef {
        account: args.account.clone(),
        region: args.region.clone(),
        cluster: cluster.to_string(),
        service: service.to_string(),
    };
    let what = format!("{} {target}{}", action.verb(), action.detail());
    if args.confirm.as_deref() != Some(service) {
        eprintln!(
            "opsdeck: would {what}; add --confirm {service} (and --write) to do it{}",
            match &args.confirm {
                Some(other) => format!(" ({other:?} is not {service})"),
                None => String::new(),
            }
        );
        return ExitCode::from(2);
    }
    let follow = (!args.no_wait).then(|| std::time::Duration::from_secs(args.timeout));
    let actions = AwsActions::new(opts, write, crate::audit::path()).following(follow);
    if follow.is_some() && write {
        eprintln!("opsdeck: {what}; following the rollout (--no-wait returns at once)");
    }
    match actions.update_service(action, &target).await {
        Ok(done) => {
            println!("{done}");
            ExitCode::SUCCESS
        }
        Err(e) => super::fail(e),
    }
}
