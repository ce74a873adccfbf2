//! staging-refresh (seed 004): make staging a copy of production. Snapshot the source (or take
//! its newest snapshot), restore it into a new instance, swap names once it is available (the
//! old instance is kept, renamed, until the refresh is verified), sync the media bucket with a
//! progress count, and list the follow-ups the seed names.
//!
//! Only what opsdeck restored is swapped in: the restored instance carries the tag
//! `opsdeck:restored-from=<snapshot>`, and an instance under the restore's name without it is
//! someone else's, refused by the preflight and never renamed. Neither the target instance nor
//! the target bucket may be tagged production.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::inputs::Problems;
use super::ports::{DbState, OpsError, Ports};
use super::{Preflight, RunState, Runbook, StepDescription, StepFuture, StepSpec, Verdict};
use crate::backend::aws::ops::RESTORED_FROM_TAG;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StagingRefresh {
    pub source: String,
    pub target: String,
    pub source_bucket: String,
    pub target_bucket: String,
    /// A snapshot to restore; `None` takes a new one (`<source>-clone-<yyyymmdd>`).
    pub snapshot: Option<String>,
    /// The run's day, `yyyymmdd`: names the snapshot and the kept old instance.
    pub day: String,
}

impl StagingRefresh {
    pub fn new(s: StagingRefresh) -> Result<StagingRefresh, Vec<String>> {
        let mut p = Problems::default();
        p.dns_label("source instance", &s.source, 63);
        p.dns_label("target instance", &s.target, 63);
        if s.source == s.target {
            p.push(format!("source and target are the same instance ({}): refusing to restore a database over itself", s.source));
        }
        p.s3_bucket("source bucket", &s.source_bucket);
        p.s3_bucket("target bucket", &s.target_bucket);
        if s.source_bucket == s.target_bucket {
            p.push(format!(
                "source and target buckets are the same ({})",
                s.source_bucket
            ));
        }
        if s.day.len() != 8 || !s.day.chars().all(|c| c.is_ascii_digit()) {
            p.push(format!("day {:?} is not yyyymmdd", s.day));
        }
        p.into_result().map(|()| s)
    }

    pub fn from_json(v: &serde_json::Value) -> Result<StagingRefresh, String> {
        let s: StagingRefresh = serde_json::from_value(v.clone())
            .map_err(|e| format!("staging-refresh inputs: {e}"))?;
        StagingRefresh::new(s).map_err(|p| p.join("; "))
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
}

const KEYS: [&str; 4] = ["snapshot", "restore", "swap-names", "sync-media"];

fn production(env: Option<&str>) -> bool {
    env.is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "production" | "prod" | "pro"
        )
    })
}

impl Runbook for StagingRefresh {
    fn name(&self) -> &'static str {
        "staging-refresh"
    }

    fn target(&self) -> String {
        self.target.clone()
    }

    fn inputs(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("inputs serialize")
    }

    fn steps(&self) -> Vec<StepSpec> {
        let snap = self.snapshot_id(&RunState::new());
        let (src, tgt) = (&self.source, &self.target);
        vec![
            StepSpec {
                key: KEYS[0].into(),
                title: format!("Snapshot {snap}"),
                description: StepDescription {
                    what: match &self.snapshot {
                        Some(s) => format!("use the existing snapshot {s}"),
                        None => format!("snapshot {src} as {snap}"),
                    },
                    target: src.clone(),
                    equivalent_cli: Some(format!(
                        "aws rds create-db-snapshot --db-instance-identifier {src} --db-snapshot-identifier {snap}"
                    )),
                },
                expected: Some(Duration::from_secs(600)),
                changes: true,
                writes_in_verify: false,
            },
            StepSpec {
                key: KEYS[1].into(),
                title: format!("Restore {} from it", self.restored()),
                description: StepDescription {
                    what: format!(
                        "restore {snap} into a new instance {} and wait until available",
                        self.restored()
                    ),
                    target: self.restored(),
                    equivalent_cli: Some(format!(
                        "aws rds restore-db-instance-from-db-snapshot --db-instance-identifier {} --db-snapshot-identifier {snap}",
                        self.restored()
                    )),
                },
                expected: Some(Duration::from_secs(1200)),
                changes: true,
                writes_in_verify: false,
            },
            StepSpec {
                key: KEYS[2].into(),
                title: format!(
                    "Swap names: {tgt} → {}, {} → {tgt}",
                    self.old(),
                    self.restored()
                ),
                description: StepDescription {
                    what: format!(
                        "the old {tgt} is kept as {} until the refresh is verified",
                        self.old()
                    ),
                    target: tgt.clone(),
                    equivalent_cli: Some(format!(
                        "aws rds modify-db-instance --db-instance-identifier {tgt} --new-db-instance-identifier {} --apply-immediately",
                        self.old()
                    )),
                },
                expected: Some(Duration::from_secs(300)),
                changes: true,
                writes_in_verify: false,
            },
            StepSpec {
                key: KEYS[3].into(),
                title: format!(
                    "Sync s3://{} into s3://{}",
                    self.source_bucket, self.target_bucket
                ),
                description: StepDescription {
                    what: "copy the objects staging does not have".into(),
                    target: format!("s3://{}", self.target_bucket),
                    equivalent_cli: Some(format!(
                        "aws s3 sync s3://{} s3://{}",
                        self.source_bucket, self.target_bucket
                    )),
                },
                expected: Some(Duration::from_secs(600)),
                // The copy runs in the verify, a batch per poll, so it can show a count; it
                // writes all the same, and is audited when verified.
                changes: false,
                writes_in_verify: true,
            },
        ]
    }

    fn preflight<'a>(&'a self, ports: &'a Ports) -> BoxFuture<'a, Preflight> {
        Box::pin(async move {
            let mut pre = Preflight::default();
            let target = ports.cloud.db(&self.target).await;
            let source = ports.cloud.db(&self.source).await;
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
            match ports.cloud.db(&self.restored()).await {
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
            match ports.cloud.db(&self.old()).await {
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
                match ports.cloud.bucket_exists(bucket).await {
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
                match ports.cloud.bucket_environment(bucket).await {
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

    fn check<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, bool> {
        Box::pin(async move {
            let snap = self.snapshot_id(state);
            Ok(match step {
                0 => ports
                    .cloud
                    .db(&self.source)
                    .await?
                    .is_some_and(|d| d.snapshots.iter().any(|(id, _)| *id == snap)),
                // Restored only by opsdeck, from this snapshot: an instance of that name
                // without the tag is not done (and the apply refuses it).
                1 => {
                    ports
                        .cloud
                        .db(&self.restored())
                        .await?
                        .is_some_and(|d| d.restored_from.as_deref() == Some(snap.as_str()))
                        || self.swapped(ports, &snap).await?
                }
                2 => self.swapped(ports, &snap).await?,
                _ => {
                    ports
                        .cloud
                        .bucket_diff(&self.source_bucket, &self.target_bucket)
                        .await?
                        .0
                        == 0
                }
            })
        })
    }

    fn apply<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a mut RunState,
    ) -> StepFuture<'a, ()> {
        Box::pin(async move {
            let snap = self.snapshot_id(state);
            match step {
                0 => {
                    ports.cloud.create_snapshot(&self.source, &snap).await?;
                    state.insert("snapshot".into(), snap);
                }
                1 => {
                    self.ensure_ours(ports, &snap).await?;
                    ports.cloud.restore_db(&snap, &self.restored()).await?
                }
                2 => {
                    // Never someone else's instance under the target's name (a resume runs
                    // no preflight), and staging is never renamed away without the restore to
                    // take its name.
                    if !self.ensure_ours(ports, &snap).await? {
                        return Err(OpsError::NotFound(format!(
                            "instance {} (the restore of {snap})",
                            self.restored()
                        )));
                    }
                    // Interrupted between the two renames: the first is done already.
                    if ports.cloud.db(&self.old()).await?.is_none() {
                        ports.cloud.rename_db(&self.target, &self.old()).await?;
                    }
                    ports
                        .cloud
                        .rename_db(&self.restored(), &self.target)
                        .await?;
                }
                _ => {}
            }
            Ok(())
        })
    }

    fn verify<'a>(
        &'a self,
        step: usize,
        ports: &'a Ports,
        state: &'a RunState,
    ) -> StepFuture<'a, Verdict> {
        Box::pin(async move {
            let snap = self.snapshot_id(state);
            Ok(match step {
                0 => {
                    let src = ports
                        .cloud
                        .db(&self.source)
                        .await?
                        .ok_or_else(|| OpsError::NotFound(self.source.clone()))?;
                    match src.snapshots.iter().find(|(id, _)| *id == snap) {
                        Some((_, s)) if s == "available" => Verdict::Done,
                        Some((_, s)) => Verdict::Waiting {
                            progress: None,
                            note: format!("snapshot {snap} {s}"),
                        },
                        None => Verdict::Failed(format!("snapshot {snap} not found")),
                    }
                }
                1 | 2 => {
                    let id = if step == 1 && !self.swapped(ports, &snap).await? {
                        self.restored()
                    } else {
                        self.target.clone()
                    };
                    match ports.cloud.db(&id).await? {
                        Some(d)
                            if d.status == "available"
                                && (step == 1
                                    || d.restored_from.as_deref() == Some(snap.as_str())) =>
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
                    }
                }
                _ => {
                    let (missing, total) = ports
                        .cloud
                        .bucket_diff(&self.source_bucket, &self.target_bucket)
                        .await?;
                    if missing == 0 {
                        return Ok(Verdict::Done);
                    }
                    // Never into production's bucket, on a resume (no preflight) either.
                    if let Some(env) = ports.cloud.bucket_environment(&self.target_bucket).await?
                        && production(Some(env.as_str()))
                    {
                        return Ok(Verdict::Failed(self.production_bucket(&env)));
                    }
                    // The copy runs here, a batch per poll, so the count shows as it goes.
                    ports
                        .cloud
                        .sync_batch(&self.source_bucket, &self.target_bucket, 200)
                        .await?;
                    let (left, _) = ports
                        .cloud
                        .bucket_diff(&self.source_bucket, &self.target_bucket)
                        .await?;
                    if left == 0 {
                        return Ok(Verdict::Done);
                    }
                    let copied = total - left;
                    Verdict::Waiting {
                        progress: Some(copied as f64 / total.max(1) as f64),
                        note: format!("{copied}/{total} objects copied"),
                    }
                }
            })
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

impl StagingRefresh {
    /// Whether opsdeck's restore of `snap` is under the restore's name; fails when another
    /// instance is (someone else's, or a restore of another snapshot).
    async fn ensure_ours(&self, ports: &Ports, snap: &str) -> Result<bool, OpsError> {
        match ports.cloud.db(&self.restored()).await? {
            Some(d) if d.restored_from.as_deref() == Some(snap) => Ok(true),
            Some(d) => Err(OpsError::Failed(self.not_ours(&d, snap))),
            None => Ok(false),
        }
    }

    /// Whether the target is already the instance restored from `snap`.
    async fn swapped(&self, ports: &Ports, snap: &str) -> Result<bool, OpsError> {
        Ok(ports
            .cloud
            .db(&self.target)
            .await?
            .is_some_and(|d| d.restored_from.as_deref() == Some(snap)))
    }
}
