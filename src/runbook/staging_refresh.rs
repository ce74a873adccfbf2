//! staging-refresh (seed 004): make staging a copy of production. Snapshot the source (or take
//! its newest snapshot), restore it into a new instance, swap names once it is available (the
//! old instance is kept, renamed, until the refresh is verified), sync the media bucket with a
//! progress count, and list the follow-ups the seed names.
//!
//! Only what opsdeck restored is swapped in: the restored instance carries the tag
//! `opsdeck:restored-from=<snapshot>`, and an instance under the restore's name without it is
//! someone else's, refused by the preflight and never renamed. Neither the target instance nor
//! the target bucket may be tagged production.

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::from_world::{FromWorld, WorldHints, fill, missing};
use super::inputs::{self, InputProblem, InputShape, InputSpec, Problems};
use super::ports::{DbState, OFFERED, OpsError, Ports, RESTORED_FROM_TAG};
use super::step::Step;
use super::{Preflight, Procedure, RunState, Runbook, RunbookSpec, StepFuture, StepSpec, Verdict};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StagingRefresh {
    pub source: String,
    pub target: String,
    pub source_bucket: String,
    pub target_bucket: String,
    /// A snapshot to restore; `None` takes a new one (`<source>-clone-<yyyymmdd>`).
    pub snapshot: Option<String>,
    /// The run's day, `yyyymmdd`: names the snapshot and the kept old instance. Not an input:
    /// the day the run starts (`RunbookSpec::build`'s `today`).
    pub day: String,
}

/// One line per input field of `StagingRefresh`: its CLI flag, form field and journal key. The
/// form starts from what the world tells (`read_from_world`).
const INPUTS: &[InputSpec] = &[
    InputSpec {
        key: "source",
        flag: "source",
        label: "source instance",
        help: "Source (production) RDS instance",
        default: None,
        shape: InputShape::Text,
    },
    InputSpec {
        key: "target",
        flag: "target",
        label: "target instance",
        help: "Target (staging) RDS instance",
        default: None,
        shape: InputShape::Text,
    },
    InputSpec {
        key: "source_bucket",
        flag: "source-bucket",
        label: "source bucket",
        help: "The production media bucket",
        default: None,
        shape: InputShape::Text,
    },
    InputSpec {
        key: "target_bucket",
        flag: "target-bucket",
        label: "target bucket",
        help: "The staging media bucket",
        default: None,
        shape: InputShape::Text,
    },
    InputSpec {
        key: "snapshot",
        flag: "snapshot",
        label: "snapshot (empty: take a new one)",
        help: "Restore this snapshot instead of taking a new one",
        default: None,
        shape: InputShape::Optional,
    },
];

/// `RunbookSpec::build`: the run's day is `today`, unless the inputs carry one (a journal's).
fn build(given: &Value, today: &str) -> Result<Box<dyn Runbook>, Vec<InputProblem>> {
    let mut given = given.clone();
    if let Some(fields) = given.as_object_mut()
        && !today.is_empty()
    {
        fields.entry("day").or_insert_with(|| today.into());
    }
    inputs::build::<StagingRefresh>(&given, today)
}

/// The instances and buckets with their environment tags, for the inputs not given. A refresh
/// copies one application's production into that application's staging, so everything filled
/// belongs to one application (an application is a name's first word: `phenom-prod-postgres`,
/// `phenom-dev-postgres`, `phenom-prod-media`): the given source's, else the given target's,
/// else the only one with exactly one production and one non-production instance. Within it,
/// the one production instance or bucket is the source and the one non-production one the
/// target. Nothing is picked from a list cut at `OFFERED`: "the only one" would be a guess.
fn read_from_world<'a>(
    ports: &'a Ports,
    _hints: &'a WorldHints,
    inputs: &'a mut Value,
) -> BoxFuture<'a, Result<Vec<String>, String>> {
    Box::pin(async move {
        let mut said = Vec::new();
        let wanted = |inputs: &Value, keys: [&str; 2]| keys.iter().any(|k| missing(inputs, k));
        let want_buckets = wanted(inputs, ["source_bucket", "target_bucket"]);
        if wanted(inputs, ["source", "target"]) {
            match ports.databases.instances().await {
                Ok(dbs) => {
                    let items: Vec<(String, Option<String>)> = dbs
                        .iter()
                        .map(|d| (d.id.clone(), d.environment.clone()))
                        .collect();
                    let listed: Vec<String> = dbs
                        .iter()
                        .take(OFFERED)
                        .map(|d| {
                            format!("{} ({}, {})", d.id, environment(&d.environment), d.status)
                        })
                        .collect();
                    let what = Offered {
                        keys: ["source", "target"],
                        flags: "--source and --target",
                        things: "RDS instances",
                        from: "rds:DescribeDBInstances",
                    };
                    offer(inputs, &mut said, &items, None, &what);
                    said.push(format!("RDS instances: {}", listed.join(", ")));
                }
                Err(e) => said.push(format!("the RDS instances could not be listed: {e}")),
            }
        }
        if let Some(apart) = apart(inputs, "source", "target") {
            // Said once, and the buckets follow no one application.
            if !said.contains(&apart) {
                said.push(apart);
            }
        } else if want_buckets {
            // The buckets of the instances' application.
            let app = ["source", "target"]
                .iter()
                .find_map(|k| inputs[*k].as_str().filter(|v| !v.trim().is_empty()))
                .map(application);
            match ports.storage.buckets().await {
                Ok(buckets) => {
                    let what = Offered {
                        keys: ["source_bucket", "target_bucket"],
                        flags: "--source-bucket and --target-bucket",
                        things: "buckets",
                        from: "s3:ListBuckets and their tags",
                    };
                    offer(inputs, &mut said, &buckets, app.as_deref(), &what);
                    let listed: Vec<String> = buckets
                        .iter()
                        .take(OFFERED)
                        .map(|(b, env)| format!("{b} ({})", environment(env)))
                        .collect();
                    said.push(format!("buckets: {}", listed.join(", ")));
                }
                Err(e) => said.push(format!("the buckets could not be listed: {e}")),
            }
        }
        // The media of one application, the database of another: said, not refused (names
        // need not follow the rule).
        let app_of = |key: &str| {
            inputs[key]
                .as_str()
                .filter(|v| !v.trim().is_empty())
                .map(application)
        };
        if let (Some(db), Some(media)) = (app_of("source"), app_of("source_bucket"))
            && db != media
        {
            said.push(format!(
                "the instances are of {db} and the buckets of {media}: check they go together"
            ));
        }
        Ok(said)
    })
}

/// What `offer` fills and how it says so.
struct Offered {
    /// The source's and the target's input keys.
    keys: [&'static str; 2],
    flags: &'static str,
    things: &'static str,
    /// The calls they were read with.
    from: &'static str,
}

/// The words that name an environment in a resource's name (`billing-prod`, `phenom-dev-db`).
const ENVIRONMENT_WORDS: &[&str] = &[
    "prod",
    "production",
    "prd",
    "pro",
    "live",
    "stg",
    "stage",
    "staging",
    "dev",
    "development",
    "qa",
    "test",
    "uat",
    "hml",
    "pre",
    "preprod",
    "sandbox",
];

/// A name's application: its words before the first word that names an environment
/// (`acme-billing-prod` → `acme-billing`, `phenom-prod-postgres` → `phenom`), else the whole
/// name: two names share an application only when their own names say so.
fn application(name: &str) -> String {
    let words: Vec<&str> = name.split(['-', '_', '.']).collect();
    let at = words
        .iter()
        .position(|w| ENVIRONMENT_WORDS.contains(&w.to_ascii_lowercase().as_str()))
        .filter(|at| *at > 0)
        .unwrap_or(words.len());
    words[..at].join("-")
}

/// Fills the source and the target of `what` from `items` (name, environment tag), all of one
/// application: the given source's or target's, else `app`, else the only application with
/// exactly one production and one non-production item.
fn offer(
    inputs: &mut Value,
    said: &mut Vec<String>,
    items: &[(String, Option<String>)],
    app: Option<&str>,
    what: &Offered,
) {
    let [source, target] = what.keys;
    if let Some(apart) = apart(inputs, source, target) {
        said.push(apart);
        return;
    }
    if items.is_empty() {
        said.push(format!("no {} to offer", what.things));
        return;
    }
    if items.len() > OFFERED {
        said.push(format!(
            "more than {OFFERED} {}: none is picked from a list that was cut; give {}",
            what.things, what.flags
        ));
        return;
    }
    let given = |key: &str| {
        inputs[key]
            .as_str()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let (given_source, given_target) = (given(source), given(target));
    for name in [&given_source, &given_target].into_iter().flatten() {
        if !items.iter().any(|(n, _)| n == name) {
            said.push(format!("{name} is not among the {} read", what.things));
        }
    }
    let prod = |env: &Option<String>| production(env.as_deref());
    let of = |app: &str, want_prod: bool| -> Vec<&(String, Option<String>)> {
        items
            .iter()
            .filter(|(n, env)| application(n) == app && env.is_some() && prod(env) == want_prod)
            .collect()
    };
    // A given bound that is not what its side must be fills nothing: the run refuses it.
    let env_of = |name: &String| items.iter().find(|(n, _)| n == name).map(|(_, e)| e);
    if let Some(s) = &given_source
        && env_of(s).is_some_and(|e| !prod(e))
    {
        said.push(format!(
            "{s} is not tagged production: not a refresh's source"
        ));
        return;
    }
    if let Some(t) = &given_target
        && env_of(t).is_some_and(prod)
    {
        said.push(format!(
            "{t} is tagged production: never a refresh's target"
        ));
        return;
    }
    let chosen = match (&given_source, &given_target) {
        (Some(s), _) => Some((application(s), "the source's application")),
        (None, Some(t)) => Some((application(t), "the target's application")),
        (None, None) => match app {
            Some(a) => Some((a.to_string(), "the instances' application")),
            None => {
                let mut apps: Vec<String> = items.iter().map(|(n, _)| application(n)).collect();
                apps.sort();
                apps.dedup();
                let paired: Vec<String> = apps
                    .into_iter()
                    .filter(|a| of(a, true).len() == 1 && of(a, false).len() == 1)
                    .collect();
                match paired.as_slice() {
                    [one] => Some((
                        one.clone(),
                        "the only application with one production and one non-production",
                    )),
                    _ => None,
                }
            }
        },
    };
    let Some((app, why)) = chosen else {
        return;
    };
    if let [(name, _)] = of(&app, true).as_slice() {
        let why = format!("tagged production, of {app}: {why} ({})", what.from);
        fill(inputs, said, source, name, &why);
    }
    if let [(name, env)] = of(&app, false).as_slice() {
        let env = env.as_deref().unwrap_or_default();
        let why = format!("tagged {env}, of {app}: {why} ({})", what.from);
        fill(inputs, said, target, name, &why);
    }
}

/// Why a given source and target cannot be filled around: they are of two applications.
fn apart(inputs: &Value, source: &str, target: &str) -> Option<String> {
    let (s, t) = (
        inputs[source].as_str()?.trim(),
        inputs[target].as_str()?.trim(),
    );
    if s.is_empty() || t.is_empty() || application(s) == application(t) {
        return None;
    }
    Some(format!(
        "{s} and {t} are of different applications ({} and {}): nothing is filled for them",
        application(s),
        application(t)
    ))
}

/// "environment=staging", or that there is no such tag.
fn environment(env: &Option<String>) -> String {
    match env {
        Some(e) => format!("environment={e}"),
        None => "no environment tag".into(),
    }
}

impl StagingRefresh {
    /// Validates the inputs: one message per problem.
    pub fn new(s: StagingRefresh) -> Result<StagingRefresh, Vec<String>> {
        inputs::checked(s).map_err(inputs::messages)
    }

    fn snapshot_id(&self, state: &RunState) -> String {
        state
            .get("snapshot")
            .cloned()
            .or_else(|| self.snapshot.clone())
            .unwrap_or_else(|| format!("{}-clone-{}", self.source, self.day))
    }

    fn restored(&self) -> String {
        format!("{}-restored-{}", self.target, self.day)
    }

    fn old(&self) -> String {
        format!("{}-old-{}", self.target, self.day)
    }

    /// Why `found`, the instance under the restore's name, is not the one this run restores
    /// from `snap`: someone else's instance, never to be put under the target's name.
    fn not_ours(&self, found: &DbState, snap: &str) -> String {
        let tag = match &found.restored_from {
            Some(other) => format!("its {RESTORED_FROM_TAG} tag names {other}"),
            None => format!("it has no {RESTORED_FROM_TAG}={snap} tag"),
        };
        format!(
            "instance {} exists already and is not the one opsdeck restores from {snap} ({tag}): refusing to put it under the name {}; rename or delete it (or restore under another day) first",
            self.restored(),
            self.target
        )
    }

    /// Why the target bucket must not be synced into: tagged production.
    fn production_bucket(&self, env: &str) -> String {
        format!(
            "target bucket s3://{} is tagged environment={env}: refusing to sync into production",
            self.target_bucket
        )
    }

    /// Whether opsdeck's restore of `snap` is under the restore's name; fails when another
    /// instance is (someone else's, or a restore of another snapshot).
    async fn ensure_ours(&self, ports: &Ports, snap: &str) -> Result<bool, OpsError> {
        match ports.databases.db(&self.restored()).await? {
            Some(d) if d.restored_from.as_deref() == Some(snap) => Ok(true),
            Some(d) => Err(OpsError::Failed(self.not_ours(&d, snap))),
            None => Ok(false),
        }
    }

    /// Whether the target is already the instance restored from `snap`.
    async fn swapped(&self, ports: &Ports, snap: &str) -> Result<bool, OpsError> {
        Ok(ports
            .databases
            .db(&self.target)
            .await?
            .is_some_and(|d| d.restored_from.as_deref() == Some(snap)))
    }

    /// The restore (`restoring`) or the swap, settled: the instance under the name it ends up
    /// with is available (after the swap: and is the restore of `snap`).
    async fn settled(
        &self,
        ports: &Ports,
        snap: &str,
        restoring: bool,
    ) -> Result<Verdict, OpsError> {
        let id = if restoring && !self.swapped(ports, snap).await? {
            self.restored()
        } else {
            self.target.clone()
        };
        Ok(match ports.databases.db(&id).await? {
            Some(d)
                if d.status == "available"
                    && (restoring || d.restored_from.as_deref() == Some(snap)) =>
            {
                Verdict::Done
            }
            Some(d) if d.status == "failed" || d.status.starts_with("incompatible") => {
                Verdict::Failed(format!("{id} is {}", d.status))
            }
            Some(d) => Verdict::Waiting {
                progress: None,
                note: format!("{id} {}", d.status),
            },
            None => Verdict::Waiting {
                progress: None,
                note: format!("{id} not there yet"),
            },
        })
    }
}

/// Whether an environment tag names production, as teams spell it.
fn production(env: Option<&str>) -> bool {
    env.is_some_and(|e| {
        matches!(
            e.trim().to_ascii_lowercase().as_str(),
            "production" | "prod" | "pro" | "prd" | "live"
        )
    })
}

impl Procedure for StagingRefresh {
    const SPEC: RunbookSpec = RunbookSpec {
        name: "staging-refresh",
        about: "Make staging a copy of production: snapshot, restore, swap, sync media (seed 004)",
        inputs: INPUTS,
        build,
        from_world: Some(FromWorld {
            keys: &["source", "target", "source_bucket", "target_bucket"],
            read: read_from_world,
        }),
    };

    const STEPS: &'static [&'static dyn Step<StagingRefresh>] =
        &[&Snapshot, &Restore, &SwapNames, &SyncMedia];

    fn validate(&self, p: &mut Problems) {
        p.input("source")
            .dns_label("source instance", &self.source, 63);
        p.input("target")
            .dns_label("target instance", &self.target, 63);
        if self.source == self.target {
            p.push(format!("source and target are the same instance ({}): refusing to restore a database over itself", self.source));
        }
        p.input("source_bucket")
            .s3_bucket("source bucket", &self.source_bucket);
        p.input("target_bucket")
            .s3_bucket("target bucket", &self.target_bucket);
        if self.source_bucket == self.target_bucket {
            p.push(format!(
                "source and target buckets are the same ({})",
                self.source_bucket
            ));
        }
        if self.day.len() != 8 || !self.day.chars().all(|c| c.is_ascii_digit()) {
            p.together()
                .push(format!("day {:?} is not yyyymmdd", self.day));
        }
    }

    fn target(&self) -> String {
        self.target.clone()
    }

    fn preflight<'a>(&'a self, ports: &'a Ports) -> BoxFuture<'a, Preflight> {
        Box::pin(async move {
            let mut pre = Preflight::default();
            let target = ports.databases.db(&self.target).await;
            let source = ports.databases.db(&self.source).await;
            match (&source, &target) {
                (Ok(None), _) => pre
                    .problems
                    .push(format!("source instance {} not found", self.source)),
                (Err(e), _) => pre
                    .problems
                    .push(format!("source instance {}: {e}", self.source)),
                _ => {}
            }
            match &target {
                Ok(Some(t)) if production(t.environment.as_deref()) => pre.problems.push(format!(
                    "target {} is tagged environment={}: refusing to overwrite production",
                    self.target,
                    t.environment.as_deref().unwrap_or_default()
                )),
                Ok(Some(t))
                    if t.restored_from.as_deref()
                        == Some(self.snapshot_id(&RunState::new()).as_str()) =>
                {
                    pre.findings.push(format!(
                        "{} is already restored from {}",
                        self.target,
                        self.snapshot_id(&RunState::new())
                    ))
                }
                Ok(Some(_)) => {}
                Ok(None) => pre
                    .problems
                    .push(format!("target instance {} not found", self.target)),
                Err(e) => pre
                    .problems
                    .push(format!("target instance {}: {e}", self.target)),
            }
            if let (Some(snap), Ok(Some(src))) = (&self.snapshot, &source)
                && !src.snapshots.iter().any(|(id, _)| id == snap)
            {
                pre.problems
                    .push(format!("snapshot {snap} of {} not found", self.source));
            }
            if let Ok(Some(src)) = &source
                && let Some((newest, _)) = src.snapshots.first()
            {
                pre.findings
                    .push(format!("newest snapshot of {}: {newest}", self.source));
            }
            // An instance under the restore's name counts as restored only when it is opsdeck's
            // restore of this snapshot (its tag says so); anyone else's would be swapped in as
            // staging and staging renamed away.
            let snap = self.snapshot_id(&RunState::new());
            // A tag is only a claim: an instance cannot have been restored from a snapshot that
            // does not exist yet (the name is predictable, the tag anyone's to write).
            let snapshot_exists = matches!(&source, Ok(Some(src))
                if src.snapshots.iter().any(|(id, _)| *id == snap));
            match ports.databases.db(&self.restored()).await {
                Ok(Some(d))
                    if d.restored_from.as_deref() == Some(snap.as_str()) && !snapshot_exists =>
                {
                    pre.problems.push(format!(
                        "instance {} says it was restored from {snap}, which does not exist yet: it is not opsdeck's restore; refusing to put it under the name {}",
                        self.restored(),
                        self.target
                    ))
                }
                Ok(Some(d)) if d.restored_from.as_deref() == Some(snap.as_str()) => {
                    pre.findings.push(format!(
                        "{} is already restored from {snap}: the restore is skipped",
                        self.restored()
                    ))
                }
                Ok(Some(d)) => pre.problems.push(self.not_ours(&d, &snap)),
                Ok(None) => {}
                Err(e) => pre
                    .problems
                    .push(format!("instance {}: {e}", self.restored())),
            }
            // The swap renames staging to `<target>-old-<day>`: a name already taken would fail
            // it after the snapshot and the restore, unless this run's swap already happened.
            let swapped =
                matches!(&target, Ok(Some(t)) if t.restored_from.as_deref() == Some(snap.as_str()));
            match ports.databases.db(&self.old()).await {
                Ok(Some(_)) if !swapped => pre.problems.push(format!(
                    "instance {} exists already: the swap would rename {} to it and fail after the snapshot and the restore; rename or delete it first",
                    self.old(),
                    self.target
                )),
                Ok(_) => {}
                Err(e) => pre.problems.push(format!("instance {}: {e}", self.old())),
            }
            // The buckets the last step syncs: found missing now, not after the snapshot, the
            // restore and the name swap; and the one it writes into is not production's.
            for (what, bucket, written) in [
                ("source bucket", &self.source_bucket, false),
                ("target bucket", &self.target_bucket, true),
            ] {
                match ports.storage.bucket_exists(bucket).await {
                    Ok(true) => {}
                    Ok(false) => {
                        pre.problems
                            .push(format!("{what} s3://{bucket} does not exist"));
                        continue;
                    }
                    Err(e) => {
                        pre.problems.push(format!("{what} s3://{bucket}: {e}"));
                        continue;
                    }
                }
                if !written {
                    continue;
                }
                match ports.storage.bucket_environment(bucket).await {
                    Ok(Some(env)) if production(Some(env.as_str())) => {
                        pre.problems.push(self.production_bucket(&env))
                    }
                    Ok(_) => {}
                    Err(e) => pre
                        .problems
                        .push(format!("{what} s3://{bucket}: its tags: {e}")),
                }
            }
            pre
        })
    }

    fn follow_ups(&self) -> Vec<String> {
        vec![
            format!("IaC drift: set snapshot_identifier = \"{}\" for {} in environments/development and add lifecycle {{ ignore_changes = [snapshot_identifier] }}", self.snapshot.clone().unwrap_or_else(|| format!("{}-clone-{}", self.source, self.day)), self.target),
            "IaC drift: the restored instance's master username is production's (e.g. phenomprod); set database_username to it or terraform plan will want to replace the instance".into(),
            "re-run the provisioners of databases the replace dropped (e.g. the chat-synapse provisioner for synapse_staging)".into(),
            "re-map users: repopulate the staging Cognito pool and remap users.id to the new staging subs".into(),
            format!("once the app is verified on staging, delete the kept instance: aws rds delete-db-instance --db-instance-identifier {} --final-db-snapshot-identifier {}-final", self.old(), self.old()),
        ]
    }
}

/// The source's snapshot: taken now (`<source>-clone-<day>`), or the one the inputs name.
struct Snapshot;

impl Step<StagingRefresh> for Snapshot {
    fn spec(&self, rb: &StagingRefresh) -> StepSpec {
        let (src, snap) = (&rb.source, rb.snapshot_id(&RunState::new()));
        StepSpec::new(
            "snapshot",
            format!("Snapshot {snap}"),
            match &rb.snapshot {
                Some(s) => format!("use the existing snapshot {s}"),
                None => format!("snapshot {src} as {snap}"),
            },
            src.clone(),
        )
        .cli(format!(
            "aws rds create-db-snapshot --db-instance-identifier {src} --db-snapshot-identifier {snap}"
        ))
        .takes(600)
    }

    fn check<'a>(
        &'a self,
        rb: &'a StagingRefresh,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move {
            let snap = rb.snapshot_id(state);
            Ok(ports
                .databases
                .db(&rb.source)
                .await?
                .is_some_and(|d| d.snapshots.iter().any(|(id, _)| *id == snap)))
        })
    }

    fn apply<'a>(
        &'a self,
        rb: &'a StagingRefresh,
        ports: &'a Ports,
        state: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            let snap = rb.snapshot_id(state);
            ports.databases.create_snapshot(&rb.source, &snap).await?;
            state.insert("snapshot".into(), snap);
            Ok(())
        })
    }

    fn verify<'a>(
        &'a self,
        rb: &'a StagingRefresh,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        Box::pin(async move {
            let snap = rb.snapshot_id(state);
            let src = ports
                .databases
                .db(&rb.source)
                .await?
                .ok_or_else(|| OpsError::NotFound(rb.source.clone()))?;
            Ok(match src.snapshots.iter().find(|(id, _)| *id == snap) {
                Some((_, s)) if s == "available" => Verdict::Done,
                Some((_, s)) => Verdict::Waiting {
                    progress: None,
                    note: format!("snapshot {snap} {s}"),
                },
                None => Verdict::Failed(format!("snapshot {snap} not found")),
            })
        })
    }
}

/// The snapshot restored into a new instance, `<target>-restored-<day>`, tagged as opsdeck's.
struct Restore;

impl Step<StagingRefresh> for Restore {
    fn spec(&self, rb: &StagingRefresh) -> StepSpec {
        let (restored, snap) = (rb.restored(), rb.snapshot_id(&RunState::new()));
        StepSpec::new(
            "restore",
            format!("Restore {restored} from it"),
            format!("restore {snap} into a new instance {restored} and wait until available"),
            restored.clone(),
        )
        .cli(format!(
            "aws rds restore-db-instance-from-db-snapshot --db-instance-identifier {restored} --db-snapshot-identifier {snap}"
        ))
        .takes(1200)
    }

    /// Restored only by opsdeck, from this snapshot: an instance of that name without the tag
    /// is not done (and the apply refuses it).
    fn check<'a>(
        &'a self,
        rb: &'a StagingRefresh,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move {
            let snap = rb.snapshot_id(state);
            Ok(ports
                .databases
                .db(&rb.restored())
                .await?
                .is_some_and(|d| d.restored_from.as_deref() == Some(snap.as_str()))
                || rb.swapped(ports, &snap).await?)
        })
    }

    fn apply<'a>(
        &'a self,
        rb: &'a StagingRefresh,
        ports: &'a Ports,
        state: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            let snap = rb.snapshot_id(state);
            rb.ensure_ours(ports, &snap).await?;
            ports.databases.restore_db(&snap, &rb.restored()).await
        })
    }

    fn verify<'a>(
        &'a self,
        rb: &'a StagingRefresh,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        Box::pin(async move { rb.settled(ports, &rb.snapshot_id(state), true).await })
    }
}

/// Staging renamed to `<target>-old-<day>` (kept until the refresh is verified), the restore
/// renamed to staging's name.
struct SwapNames;

impl Step<StagingRefresh> for SwapNames {
    fn spec(&self, rb: &StagingRefresh) -> StepSpec {
        let (tgt, old) = (&rb.target, rb.old());
        StepSpec::new(
            "swap-names",
            format!("Swap names: {tgt} → {old}, {} → {tgt}", rb.restored()),
            format!("the old {tgt} is kept as {old} until the refresh is verified"),
            tgt.clone(),
        )
        .cli(format!(
            "aws rds modify-db-instance --db-instance-identifier {tgt} --new-db-instance-identifier {old} --apply-immediately"
        ))
        .takes(300)
    }

    fn check<'a>(
        &'a self,
        rb: &'a StagingRefresh,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move { rb.swapped(ports, &rb.snapshot_id(state)).await })
    }

    fn apply<'a>(
        &'a self,
        rb: &'a StagingRefresh,
        ports: &'a Ports,
        state: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            let snap = rb.snapshot_id(state);
            // Never someone else's instance under the target's name (a resume runs no
            // preflight), and staging is never renamed away without the restore to take its
            // name.
            if !rb.ensure_ours(ports, &snap).await? {
                return Err(OpsError::NotFound(format!(
                    "instance {} (the restore of {snap})",
                    rb.restored()
                )));
            }
            // Interrupted between the two renames: the first is done already.
            if ports.databases.db(&rb.old()).await?.is_none() {
                ports.databases.rename_db(&rb.target, &rb.old()).await?;
            }
            ports.databases.rename_db(&rb.restored(), &rb.target).await
        })
    }

    fn verify<'a>(
        &'a self,
        rb: &'a StagingRefresh,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        Box::pin(async move { rb.settled(ports, &rb.snapshot_id(state), false).await })
    }
}

/// The media bucket synced. The copy runs in the verify, a batch per poll, so it can show a
/// count; it writes all the same, and is audited when verified.
struct SyncMedia;

impl Step<StagingRefresh> for SyncMedia {
    fn spec(&self, rb: &StagingRefresh) -> StepSpec {
        let (from, to) = (&rb.source_bucket, &rb.target_bucket);
        StepSpec::new(
            "sync-media",
            format!("Sync s3://{from} into s3://{to}"),
            "copy the objects staging does not have",
            format!("s3://{to}"),
        )
        .cli(format!("aws s3 sync s3://{from} s3://{to}"))
        .takes(600)
        .writes_while_verifying()
    }

    fn check<'a>(
        &'a self,
        rb: &'a StagingRefresh,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move {
            let (missing, _) = ports
                .storage
                .bucket_diff(&rb.source_bucket, &rb.target_bucket)
                .await?;
            Ok(missing == 0)
        })
    }

    fn verify<'a>(
        &'a self,
        rb: &'a StagingRefresh,
        ports: &'a Ports,
        _: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        Box::pin(async move {
            let (missing, total) = ports
                .storage
                .bucket_diff(&rb.source_bucket, &rb.target_bucket)
                .await?;
            if missing == 0 {
                return Ok(Verdict::Done);
            }
            // Never into production's bucket, on a resume (no preflight) either.
            if let Some(env) = ports.storage.bucket_environment(&rb.target_bucket).await?
                && production(Some(env.as_str()))
            {
                return Ok(Verdict::Failed(rb.production_bucket(&env)));
            }
            // The copy runs here, a batch per poll, so the count shows as it goes.
            ports
                .storage
                .sync_batch(&rb.source_bucket, &rb.target_bucket, 200)
                .await?;
            let (left, _) = ports
                .storage
                .bucket_diff(&rb.source_bucket, &rb.target_bucket)
                .await?;
            if left == 0 {
                return Ok(Verdict::Done);
            }
            let copied = total - left;
            Ok(Verdict::Waiting {
                progress: Some(copied as f64 / total.max(1) as f64),
                note: format!("{copied}/{total} objects copied"),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn items(list: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        list.iter()
            .map(|(n, e)| (n.to_string(), e.map(str::to_string)))
            .collect()
    }

    const DBS: Offered = Offered {
        keys: ["source", "target"],
        flags: "--source and --target",
        things: "RDS instances",
        from: "test",
    };

    /// Billing and phenom side by side: what is filled is always of one application.
    fn two_apps() -> Vec<(String, Option<String>)> {
        items(&[
            ("billing-prod", Some("production")),
            ("billing-stg", Some("staging")),
            ("phenom-prod-postgres", Some("production")),
            ("phenom-dev-postgres", Some("staging")),
            ("phenom-qa-postgres", Some("qa")),
        ])
    }

    fn offered(inputs: Value, items: &[(String, Option<String>)], app: Option<&str>) -> Value {
        let mut inputs = inputs;
        offer(&mut inputs, &mut Vec::new(), items, app, &DBS);
        inputs
    }

    #[test]
    fn a_given_target_takes_the_source_of_its_own_application() {
        let got = offered(json!({"target": "phenom-dev-postgres"}), &two_apps(), None);
        assert_eq!(got["source"], "phenom-prod-postgres");
        let got = offered(json!({"source": "billing-prod"}), &two_apps(), None);
        assert_eq!(got["target"], "billing-stg");
        // phenom has two non-production instances: its target is not guessed.
        let got = offered(json!({"source": "phenom-prod-postgres"}), &two_apps(), None);
        assert!(got.get("target").is_none(), "{got}");
    }

    #[test]
    fn nothing_given_picks_only_the_one_complete_pair() {
        // billing is the only application with one production and one non-production.
        let got = offered(json!({}), &two_apps(), None);
        assert_eq!(
            (got["source"].as_str(), got["target"].as_str()),
            (Some("billing-prod"), Some("billing-stg"))
        );
        let mut more = two_apps();
        more.extend(items(&[
            ("zeta-prod", Some("prod")),
            ("zeta-stg", Some("staging")),
        ]));
        assert_eq!(
            offered(json!({}), &more, None),
            json!({}),
            "two complete pairs"
        );
    }

    #[test]
    fn a_source_and_target_of_two_applications_are_said_and_nothing_filled() {
        let mut inputs = json!({"source": "billing-prod", "target": "phenom-dev-postgres"});
        let mut said = Vec::new();
        offer(&mut inputs, &mut said, &two_apps(), None, &DBS);
        assert!(
            said[0].contains("different applications (billing and phenom)"),
            "{said:?}"
        );
    }

    #[test]
    fn buckets_follow_the_instances_application() {
        let buckets = items(&[
            ("billing-prod-media", Some("production")),
            ("billing-stg-media", Some("staging")),
            ("phenom-prod-media", Some("production")),
            ("phenom-staging-media", Some("staging")),
        ]);
        let got = offered(json!({}), &buckets, Some("phenom"));
        assert_eq!(got["source"], "phenom-prod-media");
        assert_eq!(got["target"], "phenom-staging-media");
    }

    #[test]
    fn an_application_is_the_name_before_its_environment_word() {
        assert_eq!(application("phenom-prod-postgres"), "phenom");
        assert_eq!(application("acme-billing-prod"), "acme-billing");
        assert_eq!(application("acme-phenom-stg"), "acme-phenom");
        assert_eq!(application("billing_STG"), "billing");
        assert_eq!(application("payments-use1"), "payments-use1");
        assert_eq!(
            application("prod-db"),
            "prod-db",
            "an environment first is a name"
        );
        // Two applications of one organization are not merged.
        let items = items(&[
            ("acme-billing-prod", Some("production")),
            ("acme-phenom-stg", Some("staging")),
        ]);
        assert_eq!(offered(json!({}), &items, None), json!({}));
    }

    #[test]
    fn a_given_bound_of_the_wrong_side_fills_nothing() {
        // A staging source, a production target: never filled around.
        let got = offered(json!({"source": "billing-stg"}), &two_apps(), None);
        assert!(got.get("target").is_none(), "{got}");
        let got = offered(json!({"target": "billing-prod"}), &two_apps(), None);
        assert!(got.get("source").is_none(), "{got}");
        // prd and live are production too.
        let prd = items(&[
            ("billing-prod", Some("production")),
            ("billing-prd", Some("prd")),
        ]);
        assert_eq!(offered(json!({}), &prd, None), json!({}));
        assert!(production(Some("LIVE")) && production(Some(" prd ")));
    }

    #[test]
    fn a_list_cut_at_the_limit_picks_nothing() {
        let mut many = items(&[
            ("app-prod", Some("production")),
            ("app-stg", Some("staging")),
        ]);
        for i in 0..OFFERED {
            many.push((format!("filler{i}-db"), None));
        }
        let mut inputs = json!({});
        let mut said = Vec::new();
        offer(&mut inputs, &mut said, &many, None, &DBS);
        assert_eq!(inputs, json!({}));
        assert!(
            said[0].starts_with("more than 50 RDS instances"),
            "{said:?}"
        );
    }
}
