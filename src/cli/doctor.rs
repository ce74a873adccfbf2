//! `opsdeck doctor`: every configured source checked once, as `flux check` and `k9s info` do,
//! printed as a table (source, what was checked, ok or the problem, the fix). Kube: the
//! kubeconfig, each context's credential plugin, whether its API server answers, and whether
//! RBAC lets the user list and watch every resource opsdeck watches (a SelfSubjectAccessReview
//! each, as `kubectl auth can-i` asks). AWS: each account's credentials (`sts:GetCallerIdentity`),
//! its SSO session's expiry, and in each region the calls opsdeck's polls make. The GitOps clone:
//! a git work tree, clean, its branch and remote. Everything is asked at once; exit 0 only when
//! every check passed, 3 when one did not, 1 when the config itself is bad.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use futures_util::future::join_all;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};

use crate::backend::aws::errors::{AwsFailure, classify, renew_hint};
use crate::backend::aws::sdk::config_for;
use crate::backend::kube::kubeconfig::{self, KubeconfigError, Loaded};
use crate::backend::kube::resources::WATCHED;
use crate::backend::kube::{context, errors as kube_errors};
use crate::config::{Account, Config};
use aws_config::profile::{Profile, ProfileSet};

/// How long one check may take (a VPN that drops packets answers nothing).
const CHECK_TIMEOUT: Duration = Duration::from_secs(20);

/// One line of the table.
#[derive(Debug)]
struct Check {
    source: String,
    what: String,
    /// `Ok(what was found)` or `Err(the problem)`.
    result: Result<String, String>,
    fix: String,
}

impl Check {
    fn ok(source: &str, what: impl Into<String>, found: impl Into<String>) -> Check {
        Check {
            source: source.to_string(),
            what: what.into(),
            result: Ok(found.into()),
            fix: String::new(),
        }
    }

    fn problem(
        source: &str,
        what: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            source: source.to_string(),
            what: what.into(),
            result: Err(problem.into()),
            fix: fix.into(),
        }
    }
}

pub fn run(config: &Config, path: Option<&Path>, runtime: &tokio::runtime::Runtime) -> ExitCode {
    let checks = runtime.block_on(async {
        let (kube, aws) = tokio::join!(kube_checks(config), aws_checks(config));
        let mut all = vec![config_check(path)];
        all.extend(kube);
        all.extend(aws);
        all.extend(gitops_checks(config.gitops_repo.as_deref()));
        all
    });
    print!("{}", table(&checks));
    let problems = checks.iter().filter(|c| c.result.is_err()).count();
    if problems == 0 {
        println!("\nevery check passed");
        ExitCode::SUCCESS
    } else {
        println!("\n{problems} of {} checks found a problem", checks.len());
        ExitCode::from(3)
    }
}

/// The widest the SOURCE and CHECK columns grow; longer ones are cut with "…".
const COLUMN_MAX: [usize; 2] = [28, 48];

/// A cell: one line, no control characters (names come from files anyone may have written).
fn cell(text: &str) -> String {
    crate::text::terminal_safe(&crate::text::one_line(text)).into_owned()
}

/// `text` cut to `width` display columns (with "…"), then padded to it.
fn fitted(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut out = String::new();
    if text.width() > width {
        for c in text.chars() {
            if out.width() + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) + 1 > width {
                break;
            }
            out.push(c);
        }
        out.push('…');
    } else {
        out.push_str(text);
    }
    let pad = width.saturating_sub(out.width());
    out + &" ".repeat(pad)
}

fn table(checks: &[Check]) -> String {
    use unicode_width::UnicodeWidthStr;
    let rows: Vec<[String; 4]> = checks
        .iter()
        .map(|c| {
            let result = match &c.result {
                Ok(found) => format!("ok: {found}"),
                Err(problem) => format!("PROBLEM: {problem}"),
            };
            [cell(&c.source), cell(&c.what), cell(&result), cell(&c.fix)]
        })
        .collect();
    let header = ["SOURCE", "CHECK", "RESULT", "FIX"].map(str::to_string);
    let width = |i: usize| {
        std::iter::once(&header)
            .chain(rows.iter())
            .map(|r| r[i].width())
            .max()
            .unwrap_or(0)
            .min(COLUMN_MAX[i])
    };
    let (w0, w1) = (width(0), width(1));
    let mut out = String::new();
    for r in std::iter::once(&header).chain(rows.iter()) {
        let line = format!("{}  {}  {}", fitted(&r[0], w0), fitted(&r[1], w1), r[2]);
        out.push_str(line.trim_end());
        // The fix when it adds to the result.
        if !r[3].is_empty() && !r[2].contains(&r[3]) {
            out.push_str(&format!("  → {}", r[3]));
        }
        out.push('\n');
    }
    out
}

/// Which config file was read: none is fine, and `config init` writes one.
fn config_check(path: Option<&Path>) -> Check {
    let path = path
        .map(Path::to_path_buf)
        .or_else(crate::config::paths::config_file);
    match path {
        Some(p) if p.exists() => Check::ok("config", "file", p.display().to_string()),
        Some(p) => Check::ok(
            "config",
            "file",
            format!(
                "none at {} (the kubeconfig's current context and the default AWS credentials are watched; `opsdeck config init` writes one)",
                p.display()
            ),
        ),
        None => Check::ok("config", "file", "no config directory"),
    }
}

async fn kube_checks(config: &Config) -> Vec<Check> {
    if !config.kube.enabled {
        return Vec::new();
    }
    let loaded = match kubeconfig::load(config.kube.kubeconfig.as_deref()) {
        Ok(l) => l,
        Err(KubeconfigError::NotFound) if config.kube.contexts.is_empty() => {
            return vec![Check::ok(
                "kubeconfig",
                "read",
                "none found: no kube context is watched",
            )];
        }
        Err(e) => {
            return vec![Check::problem(
                "kubeconfig",
                "read",
                e.to_string(),
                "fix the file, or set KUBECONFIG / [kube] kubeconfig",
            )];
        }
    };
    let files: Vec<String> = loaded
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    let mut checks = vec![Check::ok(
        "kubeconfig",
        "read",
        match loaded.config.contexts.len() {
            1 => format!("1 context in {}", files.join(", ")),
            n => format!("{n} contexts in {}", files.join(", ")),
        },
    )];
    // A context that is not there is one problem; the others are still checked.
    let known: Vec<&str> = loaded
        .config
        .contexts
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let mut contexts = Vec::new();
    for wanted in &config.kube.contexts {
        if contexts.contains(wanted) {
            continue;
        }
        if known.contains(&wanted.as_str()) {
            contexts.push(wanted.clone());
        } else {
            checks.push(Check::problem(
                wanted,
                "in the kubeconfig",
                format!("no context {wanted} in {}", files.join(", ")),
                "fix [kube] contexts in the config, or add the context (kubectl config get-contexts lists them)",
            ));
        }
    }
    if config.kube.contexts.is_empty() {
        match loaded.contexts(&[]) {
            Ok(current) => contexts = current,
            Err(e) => {
                checks.push(Check::problem(
                    "kubeconfig",
                    "current context",
                    e.to_string(),
                    "kubectl config use-context NAME, or list contexts in [kube] contexts",
                ));
                return checks;
            }
        }
    }
    let per_context = join_all(contexts.iter().map(|c| context_checks(&loaded, c))).await;
    checks.extend(per_context.into_iter().flatten());
    checks
}

/// The context's user's credential plugin, if it has one: its command and whether it is found.
fn plugin(loaded: &Loaded, ctx: &str) -> Option<(String, bool)> {
    let exec = loaded.exec_of(ctx)?;
    let command = exec.command.clone()?;
    let found = if command.contains('/') {
        Path::new(&command).exists()
    } else {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(&command).is_file()))
    };
    Some((command, found))
}

async fn context_checks(loaded: &Loaded, ctx: &str) -> Vec<Check> {
    let mut checks = Vec::new();
    let profile = loaded.aws_profile(ctx);
    if let Some((command, found)) = plugin(loaded, ctx) {
        if found {
            checks.push(Check::ok(
                ctx,
                "credential plugin",
                format!("{command} found"),
            ));
        } else {
            checks.push(Check::problem(
                ctx,
                "credential plugin",
                format!("{command} is not on PATH"),
                if command == "aws" {
                    "install the AWS CLI (aws eks get-token gives the cluster's token)".to_string()
                } else {
                    format!("install {command}, or fix the kubeconfig's exec command")
                },
            ));
            return checks;
        }
    }
    let built = tokio::time::timeout(
        CHECK_TIMEOUT,
        context::build(&loaded.config, ctx, profile.as_deref(), false),
    )
    .await;
    let client = match built {
        Ok(Ok(b)) => b.client,
        Ok(Err(f)) => {
            checks.push(Check::problem(
                ctx,
                "credentials",
                crate::text::said_once(f.reason()),
                "see the reason",
            ));
            return checks;
        }
        Err(_) => {
            checks.push(Check::problem(
                ctx,
                "credentials",
                "the credential plugin did not answer in 20 s",
                "run it by hand to see why",
            ));
            return checks;
        }
    };
    match tokio::time::timeout(CHECK_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(v)) => checks.push(Check::ok(ctx, "API server", v.git_version)),
        Ok(Err(e)) => {
            let f = kube_errors::classify(&e, profile.as_deref());
            checks.push(Check::problem(
                ctx,
                "API server",
                crate::text::said_once(f.reason()),
                "check the VPN, the server address and the credentials",
            ));
            return checks;
        }
        Err(_) => {
            checks.push(Check::problem(
                ctx,
                "API server",
                "no answer in 20 s",
                "check the VPN and the server address",
            ));
            return checks;
        }
    }
    checks.extend(rbac_checks(&client, ctx).await);
    checks
}

/// `kubectl auth can-i list|watch` for every watched resource: one line for what is allowed,
/// one per resource that is not.
async fn rbac_checks(client: &kube::Client, ctx: &str) -> Vec<Check> {
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let asks = WATCHED.iter().flat_map(|w| {
        let group = w.api_version.split_once('/').map_or("", |(g, _)| g);
        ["list", "watch"].map(|verb| (w, group, verb))
    });
    let answers = join_all(asks.map(|(w, group, verb)| {
        let api = api.clone();
        async move {
            let review = SelfSubjectAccessReview {
                spec: SelfSubjectAccessReviewSpec {
                    resource_attributes: Some(ResourceAttributes {
                        group: Some(group.to_string()),
                        resource: Some(w.plural.to_string()),
                        verb: Some(verb.to_string()),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                ..Default::default()
            };
            let answer = api.create(&PostParams::default(), &review).await;
            (w, group, verb, answer)
        }
    }))
    .await;
    let mut denied: Vec<(String, Vec<&str>)> = Vec::new();
    let mut unanswered = None;
    for (w, group, verb, answer) in answers {
        let name = if group.is_empty() {
            w.plural.to_string()
        } else {
            format!("{}.{group}", w.plural)
        };
        match answer {
            Ok(r) if r.status.as_ref().is_some_and(|s| s.allowed) => {}
            Ok(_) => match denied.iter_mut().find(|(n, _)| *n == name) {
                Some((_, verbs)) => verbs.push(verb),
                None => denied.push((name, vec![verb])),
            },
            Err(e) => {
                unanswered = Some(crate::text::said_once(
                    kube_errors::classify(&e, None).reason(),
                ))
            }
        }
    }
    if let Some(reason) = unanswered {
        return vec![Check::problem(
            ctx,
            "RBAC",
            format!("SelfSubjectAccessReview not answered: {reason}"),
            "check with kubectl auth can-i --list",
        )];
    }
    let mut checks = Vec::new();
    let total = WATCHED.len();
    if denied.len() < total {
        checks.push(Check::ok(
            ctx,
            "RBAC",
            format!(
                "list and watch allowed on {} of {total} watched resources",
                total - denied.len()
            ),
        ));
    }
    for (name, verbs) in denied {
        checks.push(Check::problem(
            ctx,
            format!("RBAC {name}"),
            format!("{} forbidden: that kind shows \"forbidden (RBAC)\"", verbs.join(", ")),
            format!(
                "grant get, list, watch on {name} to your user (kubectl auth can-i list {name} --context {ctx})"
            ),
        ));
    }
    checks
}

async fn aws_checks(config: &Config) -> Vec<Check> {
    if !config.aws.enabled {
        return Vec::new();
    }
    // The AWS config, read once for every account (their SSO sessions, their regions).
    let profiles = crate::backend::aws::profiles::profile_set().ok();
    let per_account = join_all(
        config
            .accounts
            .iter()
            .map(|a| account_checks(a, profiles.as_ref())),
    )
    .await;
    per_account.into_iter().flatten().collect()
}

fn failure_fix(f: &AwsFailure, profile: Option<&str>) -> String {
    match f {
        AwsFailure::Credentials(_) => renew_hint(profile),
        AwsFailure::AccessDenied(_) => {
            "grant the read-only calls opsdeck makes (docs/configuration.md, AWS accounts)".into()
        }
        AwsFailure::Unreachable(_) => "check the VPN, endpoint_url and any proxy".into(),
        _ => "see the reason".into(),
    }
}

async fn account_checks(account: &Account, profiles: Option<&ProfileSet>) -> Vec<Check> {
    let source = format!("aws:{}", account.name);
    let profile = account.profile.as_deref();
    let settings = profiles.and_then(|set| set.get_profile(profile.unwrap_or("default")));
    let mut checks = Vec::new();
    if let Some(sso) = settings.and_then(sso_session) {
        checks.push(sso.check(&source, profile));
    }
    let regions: Vec<String> = if account.regions.is_empty() {
        let profile_region = settings.and_then(|p| p.get("region")).map(str::to_string);
        match profile_region {
            Some(r) => vec![r],
            None => {
                checks.push(Check::problem(
                    &source,
                    "regions",
                    "no regions configured and none in the profile",
                    format!(
                        "add regions = [\"…\"] to the [[accounts]] entry {}",
                        account.name
                    ),
                ));
                return checks;
            }
        }
    } else {
        account.regions.clone()
    };
    let first = config_for(account, &regions[0], None).await;
    let sts = aws_sdk_sts::Client::new(&first);
    match tokio::time::timeout(CHECK_TIMEOUT, sts.get_caller_identity().send()).await {
        Ok(Ok(id)) => checks.push(Check::ok(
            &source,
            "credentials (sts:GetCallerIdentity)",
            format!(
                "{} in account {}",
                id.arn().unwrap_or("?"),
                id.account().unwrap_or("?")
            ),
        )),
        Ok(Err(e)) => {
            let f = classify(&e, profile);
            checks.push(Check::problem(
                &source,
                "credentials (sts:GetCallerIdentity)",
                f.once(),
                failure_fix(&f, profile),
            ));
            // Every other call would fail the same way.
            return checks;
        }
        Err(_) => {
            checks.push(Check::problem(
                &source,
                "credentials (sts:GetCallerIdentity)",
                "no answer in 20 s",
                "check the VPN, endpoint_url and any proxy",
            ));
            return checks;
        }
    }
    for region in &regions {
        checks.extend(region_checks(account, region, &source).await);
    }
    checks
}

/// The calls opsdeck's polls make in a region, one each (a page of one where AWS allows it).
async fn region_checks(account: &Account, region: &str, source: &str) -> Vec<Check> {
    let conf = config_for(account, region, None).await;
    let profile = account.profile.as_deref();
    let label = if region.is_empty() {
        "the profile's region"
    } else {
        region
    };
    let eks = aws_sdk_eks::Client::new(&conf);
    let ecs = aws_sdk_ecs::Client::new(&conf);
    let rds = aws_sdk_rds::Client::new(&conf);
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let r53 = aws_sdk_route53::Client::new(&conf);
    let cache = aws_sdk_elasticache::Client::new(&conf);
    let (a, b, c, d, e, f) = tokio::join!(
        async { answered(eks.list_clusters().max_results(1).send().await, profile) },
        async { answered(ecs.list_clusters().max_results(1).send().await, profile) },
        async {
            answered(
                rds.describe_db_instances().max_records(20).send().await,
                profile,
            )
        },
        async { answered(cw.describe_alarms().max_records(1).send().await, profile) },
        async { answered(r53.list_health_checks().max_items(1).send().await, profile) },
        async {
            answered(
                cache
                    .describe_replication_groups()
                    .max_records(20)
                    .send()
                    .await,
                profile,
            )
        },
    );
    [
        ("eks:ListClusters", a),
        ("ecs:ListClusters", b),
        ("rds:DescribeDBInstances", c),
        ("cloudwatch:DescribeAlarms", d),
        ("route53:ListHealthChecks", e),
        ("elasticache:DescribeReplicationGroups", f),
    ]
    .into_iter()
    .map(|(call, answer)| match answer {
        Ok(()) => Check::ok(source, format!("{call} in {label}"), "allowed"),
        Err(f) => Check::problem(
            source,
            format!("{call} in {label}"),
            f.once(),
            failure_fix(&f, profile),
        ),
    })
    .collect()
}

/// Whether a call was answered, and if not, why.
fn answered<T, E>(
    answer: Result<T, aws_sdk_eks::error::SdkError<E, aws_sdk_eks::config::http::HttpResponse>>,
    profile: Option<&str>,
) -> Result<(), AwsFailure>
where
    E: aws_sdk_eks::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    answer.map(|_| ()).map_err(|e| classify(&e, profile))
}

/// An SSO profile's session, as the AWS CLI caches its token.
struct SsoSession {
    name: String,
    expires: Option<jiff::Timestamp>,
}

impl SsoSession {
    fn check(&self, source: &str, profile: Option<&str>) -> Check {
        let what = format!("SSO session {}", self.name);
        let login = match profile {
            Some(p) => format!("aws sso login --profile {p}"),
            None => "aws sso login".into(),
        };
        let now = jiff::Timestamp::now();
        match self.expires {
            Some(at) if at > now => Check::ok(
                source,
                what,
                format!(
                    "valid until {} (in {})",
                    at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    crate::model::row::human_duration(at.as_second() - now.as_second())
                ),
            ),
            Some(at) => Check::problem(
                source,
                what,
                format!("expired at {}", at.strftime("%Y-%m-%dT%H:%M:%SZ")),
                login,
            ),
            None => Check::problem(source, what, "no cached login", login),
        }
    }
}

/// The SSO session of a profile, if it is an SSO profile: its token's expiry from the AWS CLI's
/// cache (`~/.aws/sso/cache/<sha1 of the session name, or of the start URL>.json`).
fn sso_session(p: &Profile) -> Option<SsoSession> {
    let name = p
        .get("sso_session")
        .or_else(|| p.get("sso_start_url"))?
        .to_string();
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        name.as_bytes(),
    );
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let home = std::env::var_os("HOME")?;
    let file = Path::new(&home)
        .join(".aws/sso/cache")
        .join(format!("{hex}.json"));
    let expires = std::fs::read_to_string(file)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["expiresAt"].as_str()?.parse().ok());
    Some(SsoSession { name, expires })
}

/// The GitOps clone the runbooks write to: a work tree, clean, its branch and remote.
/// How `branch` stands against its upstream: behind is a problem (a runbook would branch from
/// a stale base), commits not pushed are said.
fn upstream_check(source: &str, branch: &str, git: impl Fn(&[&str]) -> Option<String>) -> Check {
    let Some(upstream) = git(&[
        "rev-parse",
        "--abbrev-ref",
        "--symbolic-full-name",
        "@{upstream}",
    ]) else {
        return Check::ok(
            source,
            "branch",
            format!("{branch}, with no upstream to compare with"),
        );
    };
    let counts = git(&["rev-list", "--left-right", "--count", "@{upstream}...HEAD"]);
    let (behind, ahead) = counts
        .as_deref()
        .and_then(|c| c.split_once(char::is_whitespace))
        .and_then(|(b, a)| Some((b.trim().parse::<u32>().ok()?, a.trim().parse::<u32>().ok()?)))
        .unwrap_or((0, 0));
    let commits = |n: u32| match n {
        1 => "1 commit".to_string(),
        n => format!("{n} commits"),
    };
    let unpushed = match ahead {
        0 => String::new(),
        n => format!(", {} not pushed", commits(n)),
    };
    if behind > 0 {
        Check::problem(
            source,
            "branch",
            format!(
                "{branch} is {} behind {upstream} (as of the last fetch){unpushed}",
                commits(behind)
            ),
            "git pull --ff-only",
        )
    } else {
        Check::ok(
            source,
            "branch",
            format!("{branch}, up to date with {upstream} as of the last fetch{unpushed}"),
        )
    }
}

fn gitops_checks(repo: Option<&Path>) -> Vec<Check> {
    let Some(repo) = repo else {
        return Vec::new();
    };
    let source = "gitops";
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    if git(&["rev-parse", "--is-inside-work-tree"]).as_deref() != Some("true") {
        return vec![Check::problem(
            source,
            format!("clone {}", repo.display()),
            "not a git work tree",
            "clone the GitOps repository there, or fix gitops_repo in the config",
        )];
    }
    let branch = git(&["rev-parse", "--abbrev-ref", "HEAD"]).unwrap_or_else(|| "?".into());
    let remote = git(&["remote", "get-url", "origin"]);
    let dirty = git(&["status", "--porcelain"])
        .map(|s| s.lines().count())
        .unwrap_or(0);
    let mut checks = vec![match remote {
        Some(url) => Check::ok(
            source,
            "remote",
            format!("origin {url}, on branch {branch}"),
        ),
        None => Check::problem(
            source,
            "remote",
            format!("no remote named origin (on branch {branch})"),
            "git remote add origin <url>",
        ),
    }];
    // A runbook branches from HEAD: a detached HEAD or a branch behind its upstream (as of the
    // last fetch: doctor does not fetch) makes its branch from the wrong base.
    if branch == "HEAD" {
        checks.push(Check::problem(
            source,
            "branch",
            "detached HEAD: a runbook's branch would start from a commit no branch names",
            "git switch main (or the branch runbooks should start from)",
        ));
    } else {
        checks.push(upstream_check(source, &branch, git));
    }
    // Runbooks commit only their own files: other changes are worth knowing, not a failure.
    checks.push(Check::ok(
        source,
        "work tree",
        match dirty {
            0 => "clean".to_string(),
            n => format!("{n} uncommitted or untracked files (runbooks commit only their own)"),
        },
    ));
    checks
}
