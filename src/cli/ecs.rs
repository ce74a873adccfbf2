//! `opsdeck ecs redeploy|scale CLUSTER/SERVICE --account A --region R --confirm SERVICE`: the
//! ECS actions of the TUI from a shell. Writes need `--write` and `--confirm` with the
//! service's name: without it, opsdeck says what it would do (account, region, cluster,
//! service) and does nothing. The names are checked against ECS's rules and the region against
//! the account's before anything is asked of AWS. Then it follows the rollout, as `flux
//! reconcile` waits for Ready: exit 0 when it completed, 1 when it failed or was still going at
//! `--timeout`.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::backend::aws::AwsOptions;
use crate::backend::aws::row_actions::{AwsActions, ROLLOUT_TIMEOUT, ServiceRef};
use crate::config::{Account, Config, closest_region, is_aws_region};
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
    /// CLUSTER/SERVICE, by name (not ARN)
    pub service: String,
    /// The account, by its name in the config
    #[arg(long)]
    pub account: String,
    /// The region: one of the account's regions in the config
    #[arg(long)]
    pub region: String,
    /// The service's name, typed to confirm
    #[arg(long, value_name = "SERVICE")]
    pub confirm: Option<String>,
    /// Return once ECS took the change instead of following the rollout to steady state
    #[arg(long)]
    pub no_wait: bool,
    /// How long to follow the rollout, in seconds (1 to 86400)
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = ROLLOUT_TIMEOUT.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..=86_400)
    )]
    pub timeout: u64,
}

pub async fn run(action: EcsAction, config: &Config, write: bool) -> ExitCode {
    let (args, action) = match action {
        EcsAction::Redeploy { target } => (target, RowAction::Redeploy),
        EcsAction::Scale { target, count } => (target, RowAction::Scale(count)),
    };
    let Some((cluster, service)) = args.service.split_once('/') else {
        return usage("give CLUSTER/SERVICE, e.g. phenom-prod-cluster/functions");
    };
    for (what, name) in [("cluster", cluster), ("service", service)] {
        if let Err(why) = ecs_name(name) {
            return usage(format!("{what} name {name:?}: {why}"));
        }
    }
    let Some(opts) = AwsOptions::from_config(config) else {
        return super::fail("no [[accounts]] in the config: opsdeck knows no account to act in");
    };
    let Some(account) = opts.accounts.iter().find(|a| a.name == args.account) else {
        let known: Vec<&str> = opts.accounts.iter().map(|a| a.name.as_str()).collect();
        return super::fail(format!(
            "account {:?} is not in the config (accounts there: {})",
            args.account,
            known.join(", ")
        ));
    };
    if let Err(why) = region_of(account, &args.region) {
        return usage(why);
    }
    let target = ServiceRef {
        account: args.account.clone(),
        region: args.region.clone(),
        cluster: cluster.to_string(),
        service: service.to_string(),
    };
    let what = format!("{} {target}{}", action.verb(), action.detail());
    let follow = (!args.no_wait).then(|| Duration::from_secs(args.timeout));
    let actions = AwsActions::new(opts.clone(), write, crate::audit::path()).following(follow);
    match args.confirm.as_deref() {
        None => {
            let needs = if write { "" } else { " and --write" };
            eprintln!("opsdeck: would {what}; add --confirm {service}{needs} to do it");
            return ExitCode::from(2);
        }
        Some(typed) if typed != service => {
            let why = format!("--confirm {typed:?} is not the service's name {service:?}");
            actions.refused(action, &target, &why);
            eprintln!("opsdeck: {why}: nothing was done (would {what})");
            return ExitCode::from(2);
        }
        Some(_) => {}
    }
    let taken = match actions.request(action, &target).await {
        Ok(t) => t,
        Err(e) => return super::fail(e),
    };
    let Some(timeout) = follow else {
        println!("{}", taken.said);
        return ExitCode::SUCCESS;
    };
    eprintln!(
        "opsdeck: {}; following the rollout for up to {} s (Ctrl-C stops following, not the rollout)",
        taken.said,
        timeout.as_secs()
    );
    match actions
        .follow_rollout(action, &target, taken, timeout)
        .await
    {
        Ok(done) => {
            println!("{done}");
            ExitCode::SUCCESS
        }
        Err(e) => super::fail(e),
    }
}

fn usage(why: impl std::fmt::Display) -> ExitCode {
    eprintln!("opsdeck: {why}");
    ExitCode::from(2)
}

/// ECS's rule for cluster and service names (the API reference's `CreateService` and
/// `CreateCluster`): 1 to 255 letters, digits, hyphens and underscores. An ARN, a path or an
/// empty name (which ECS would read as the `default` cluster) is refused.
fn ecs_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty".into());
    }
    if name.len() > 255 {
        return Err("longer than 255 characters".into());
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        Some(c) => Err(format!(
            "{c:?} is not allowed: ECS names are letters, digits, '-' and '_' (give the name, not an ARN)"
        )),
        None => Ok(()),
    }
}

/// `region` when it is one the account watches (any known region when the account lists none):
/// a typo must not land a write in another region.
fn region_of(account: &Account, region: &str) -> Result<(), String> {
    if account.regions.is_empty() {
        if is_aws_region(region) {
            return Ok(());
        }
        let hint = closest_region(region)
            .map(|r| format!("; did you mean {r}?"))
            .unwrap_or_default();
        return Err(format!("--region {region:?} is not an AWS region{hint}"));
    }
    if account.regions.iter().any(|r| r == region) {
        return Ok(());
    }
    Err(format!(
        "--region {region:?} is not one of account {}'s regions in the config ({}): add it there to act in it",
        account.name,
        account.regions.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_ecs_rules() {
        assert!(ecs_name("phenom-prod_cluster2").is_ok());
        for bad in [
            "",
            "..",
            "a/b",
            "web?",
            "arn:aws:ecs:us-east-1:1:service/x/web",
            "ｗｅｂ",
            "web\u{200b}",
        ] {
            assert!(ecs_name(bad).is_err(), "{bad:?}");
        }
        assert!(ecs_name(&"a".repeat(256)).is_err());
    }

    #[test]
    fn a_region_must_be_one_the_account_lists() {
        let mut account = Account {
            name: "phenom".into(),
            profile: None,
            role_arn: None,
            regions: vec!["us-east-1".into()],
            environment: None,
            endpoint_url: None,
            protected: false,
        };
        assert!(region_of(&account, "us-east-1").is_ok());
        let err = region_of(&account, "us-west-2").unwrap_err();
        assert!(
            err.contains("not one of account phenom's regions in the config (us-east-1)"),
            "{err}"
        );
        account.regions.clear();
        assert!(region_of(&account, "us-west-2").is_ok());
        let err = region_of(&account, "us-east-7").unwrap_err();
        assert!(err.contains("not an AWS region"), "{err}");
        assert!(region_of(&account, "").is_err());
    }
}
