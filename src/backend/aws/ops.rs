//! The runbooks' `CloudOps` over the AWS SDK: IAM, Secrets Manager, S3, Route53, RDS, EKS,
//! CloudWatch and STS (which account the credentials act in) of one account, one SDK
//! configuration per region (built on first use).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use aws_config::SdkConfig;
use aws_sdk_eks::config::Credentials;
use aws_sdk_eks::config::http::HttpResponse;
use aws_sdk_eks::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ResourceRecordSet, ResourceRecordSetFailover, RrType,
};

use super::errors::{AwsFailure, classify};
use super::route53::{healthy, mentions, record_text};
use super::sdk;
use crate::config::Account;
use crate::runbook::ports::{CloudOps, DbState, OpsError, OpsFuture, RegionState, RoutedRecord};
use crate::runbook::secret::SecretDocument;

/// The tag a restored instance carries: RDS does not say which snapshot an instance came from.
pub const RESTORED_FROM_TAG: &str = "opsdeck:restored-from";

/// How host names resolve: the system's resolver, or fixed answers (tests, air-gapped drills).
pub enum Dns {
    System,
    Fixed(BTreeMap<String, Vec<String>>),
}

pub struct AwsCloudOps {
    account: Account,
    /// IAM, Route53 and S3 calls go to this region's endpoint.
    home_region: String,
    static_credentials: Option<Credentials>,
    configs: tokio::sync::Mutex<HashMap<String, SdkConfig>>,
    dns: Dns,
    /// Hosted zone ids by name, found once.
    zones: Mutex<HashMap<String, String>>,
}

fn fail<E>(e: SdkError<E, HttpResponse>, profile: Option<&str>) -> OpsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = e.code().unwrap_or_default().to_string();
    if code == "EntityAlreadyExists"
        || code == "ResourceExistsException"
        || code.ends_with("AlreadyExists")
        || code.ends_with("AlreadyExistsFault")
    {
        return OpsError::Exists(e.message().unwrap_or(&code).to_string());
    }
    match classify(&e, profile) {
        AwsFailure::AccessDenied(r)
        | AwsFailure::Credentials(r)
        | AwsFailure::Unreachable(r)
        | AwsFailure::Other(r) => OpsError::Failed(r),
        AwsFailure::Throttled => OpsError::Failed("throttled by AWS; resume in a minute".into()),
    }
}

fn not_found<E, R>(e: &SdkError<E, R>) -> bool
where
    E: ProvideErrorMetadata,
{
    matches!(
        e.code(),
        Some(
            "NoSuchEntity"
                | "ResourceNotFoundException"
                | "DBInstanceNotFound"
                | "DBInstanceNotFoundFault"
                | "DBSnapshotNotFound"
                | "NoSuchHostedZone"
        )
    )
}

/// `us-east-1` from text naming it in full, or from a short code such as `use1` or `sae1`.
fn region_in(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .collect();
    for w in &words {
        let parts: Vec<&str> = w.split('-').collect();
        if parts.len() == 3
            && parts[0].len() == 2
            && parts[2].chars().all(|c| c.is_ascii_digit())
            && parts[1].chars().all(|c| c.is_ascii_lowercase())
        {
            return Some(w.to_string());
        }
    }
    const DIRS: &[(&str, &str)] = &[
        ("ne", "northeast"),
        ("nw", "northwest"),
        ("se", "southeast"),
        ("sw", "southwest"),
        ("e", "east"),
        ("w", "west"),
        ("n", "north"),
        ("s", "south"),
        ("c", "central"),
    ];
    for w in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let w = w.to_ascii_lowercase();
        if w.len() < 4 || !w.ends_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let (letters, digits) = w.split_at(w.find(|c: char| c.is_ascii_digit()).unwrap_or(w.len()));
        if letters.len() < 3 || !digits.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let (geo, dir) = letters.split_at(2);
        if let Some((_, full)) = DIRS.iter().find(|(code, _)| *code == dir) {
            return Some(format!("{geo}-{full}-{digits}"));
        }
    }
    None
}

impl AwsCloudOps {
    pub fn new(
        account: Account,
        home_region: &str,
        static_credentials: Option<Credentials>,
        dns: Dns,
    ) -> AwsCloudOps {
        AwsCloudOps {
            account,
            home_region: home_region.into(),
            static_credentials,
            configs: Default::default(),
            dns,
            zones: Default::default(),
        }
    }

    fn profile(&self) -> Option<&str> {
        self.account.profile.as_deref()
    }

    async fn config(&self, region: &str) -> SdkConfig {
        let mut configs = self.configs.lock().await;
        if let Some(c) = configs.get(region) {
            return c.clone();
        }
        let c = sdk::config_for(&self.account, region, self.static_credentials.as_ref()).await;
        configs.insert(region.into(), c.clone());
        c
    }

    async fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config(&self.home_region).await)
    }

    async fn route53(&self) -> aws_sdk_route53::Client {
        aws_sdk_route53::Client::new(&self.config(&self.home_region).await)
    }

    async fn rds(&self) -> aws_sdk_rds::Client {
        aws_sdk_rds::Client::new(&self.config(&self.home_region).await)
    }

    async fn s3(&self) -> aws_sdk_s3::Client {
        let base = self.config(&self.home_region).await;
        // Emulators answer path-style only; so does AWS, for every bucket name.
        let conf = aws_sdk_s3::config::Builder::from(&base)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    async fn zone_id(&self, zone: &str) -> Result<String, OpsError> {
        let name = zone.trim_end_matches('.');
        if let Some(id) = self.zones.lock().unwrap().get(name) {
            return Ok(id.clone());
        }
        let client = self.route53().await;
        let mut pages = client.list_hosted_zones().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| fail(e, self.profile()))?;
            if let Some(z) = page
                .hosted_zones()
                .iter()
                .find(|z| z.name().trim_end_matches('.') == name)
            {
                let id = z.id().trim_start_matches("/hostedzone/").to_string();
                self.zones.lock().unwrap().insert(name.into(), id.clone());
                return Ok(id);
            }
        }
        Err(OpsError::NotFound(format!("hosted zone {zone}")))
    }

    /// The failover record sets of `record`.
    async fn failover_sets(
        &self,
        zone: &str,
        record: &str,
    ) -> Result<(String, Vec<ResourceRecordSet>), OpsError> {
        let id = self.zone_id(zone).await?;
        let name = record.trim_end_matches('.');
        let client = self.route53().await;
        let mut sets = Vec::new();
        let mut next: Option<(String, RrType, Option<String>)> =
            Some((format!("{name}."), RrType::A, None));
        while let Some((start, kind, ident)) = next.take() {
            let page = client
                .list_resource_record_sets()
                .hosted_zone_id(&id)
                .start_record_name(start)
                .start_record_type(kind)
                .set_start_record_identifier(ident)
                .send()
                .await
                .map_err(|e| fail(e, self.profile()))?;
            let mut past = false;
            for s in page.resource_record_sets() {
                if s.name().trim_end_matches('.') != name {
                    past = true;
                    break;
                }
                if s.failover().is_some() {
                    sets.push(s.clone());
                }
            }
            if !past
                && page.is_truncated()
                && let (Some(n), Some(t)) = (page.next_record_name(), page.next_record_type())
            {
                next = Some((
                    n.to_string(),
                    t.clone(),
                    page.next_record_identifier().map(str::to_string),
                ));
            }
        }
        Ok((id, sets))
    }

    async fn check_health(&self, id: &str) -> Result<Option<bool>, OpsError> {
        let out = self
            .route53()
            .await
            .get_health_check_status()
            .health_check_id(id)
            .send()
            .await
            .map_err(|e| fail(e, self.profile()))?;
        Ok(healthy(out.health_check_observations().iter().filter_map(
            |o| o.status_report().and_then(|s| s.status()),
        )))
    }

    fn set_region(set: &ResourceRecordSet) -> Option<String> {
        set.region()
            .map(|r| r.as_str().to_string())
            .or_else(|| region_in(&record_text(set)))
    }

    async fn keys(&self, bucket: &str) -> Result<BTreeSet<String>, OpsError> {
        let mut keys = BTreeSet::new();
        let mut pages = self
            .s3()
            .await
            .list_objects_v2()
            .bucket(bucket)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| fail(e, self.profile()))?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
        }
        Ok(keys)
    }
}

impl CloudOps for AwsCloudOps {
    fn role_arn<'a>(&'a self, role: &'a str) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move {
            match self.iam().await.get_role().role_name(role).send().await {
                Ok(out) => Ok(out.role().map(|r| r.arn().to_string())),
                Err(e) if not_found(&e) => Ok(None),
                Err(e) => Err(fail(e, self.profile())),
            }
        })
    }

    fn create_role<'a>(&'a self, role: &'a str, trust_policy: &'a str) -> OpsFuture<'a, String> {
        Box::pin(async move {
            let out = self
                .iam()
                .await
                .create_role()
                .role_name(role)
                .assume_role_policy_document(trust_policy)
                .send()
                .await
                .map_err(|e| fail(e, self.profile()))?;
            Ok(out.role().map(|r| r.arn().to_string()).unwrap_or_default())
        })
    }

    fn policy_arn<'a>(&'a self, policy: &'a str) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move {
            let mut pages = self
                .iam()
                .await
                .list_policies()
                .scope(aws_sdk_iam::types::PolicyScopeType::Local)
                .into_paginator()
                .items()
                .send();
            while let Some(p) = pages.next().await {
                let p = p.map_err(|e| fail(e, self.profile()))?;
                if p.policy_name() == Some(policy) {
                    return Ok(p.arn().map(str::to_string));
                }
            }
            Ok(None)
        })
    }

    fn create_policy<'a>(&'a self, policy: &'a str, document: &'a str) -> OpsFuture<'a, String> {
        Box::pin(async move {
            let out = self
                .iam()
                .await
                .create_policy()
                .policy_name(policy)
                .policy_document(document)
                .send()
                .await
                .map_err(|e| fail(e, self.profile()))?;
            Ok(out
                .policy()
                .and_then(|p| p.arn())
                .unwrap_or_default()
                .to_string())
        })
    }

    fn attached_policies<'a>(&'a self, role: &'a str) -> OpsFuture<'a, Vec<String>> {
        Box::pin(async move {
            let mut arns = Vec::new();
            let mut pages = self
                .iam()
                .await
                .list_attached_role_policies()
                .role_name(role)
                .into_paginator()
                .items()
                .send();
            while let Some(p) = pages.next().await {
                match p {
                    Ok(p) => arns.extend(p.policy_arn().map(str::to_string)),
                    Err(e) if not_found(&e) => return Ok(vec![]),
                    Err(e) => return Err(fail(e, self.profile())),
                }
            }
            Ok(arns)
        })
    }

    fn attach_policy<'a>(&'a self, role: &'a str, policy_arn: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            self.iam()
                .await
                .attach_role_policy()
                .role_name(role)
                .policy_arn(policy_arn)
                .send()
                .await
                .map_err(|e| fail(e, self.profile()))?;
            Ok(())
        })
    }

    fn secret_exists<'a>(&'a self, name: &'a str) -> OpsFuture<'a, bool> {
        Box::pin(async move {
            let client = aws_sdk_secretsmanager::Client::new(&self.config(&self.home_region).await);
            match client.describe_secret().secret_id(name).send().await {
                Ok(_) => Ok(true),
                Err(e) if not_found(&e) => Ok(false),
                Err(e) => Err(fail(e, self.profile())),
            }
        })
    }

    fn create_secret<'a>(&'a self, name: &'a str, value: &'a SecretDocument) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let client = aws_sdk_secretsmanager::Client::new(&self.config(&self.home_region).await);
            client
                .create_secret()
                .name(name)
                .secret_string(value.expose_json())
                .tags(
                    aws_sdk_secretsmanager::types::Tag::builder()
                        .key("created-by")
                        .value("opsdeck")
                        .build(),
                )
                .send()
                .await
                .map_err(|e| fail(e, self.profile()))?;
            Ok(())
        })
    }

    fn prefix_exists<'a>(&'a self, bucket: &'a str, prefix: &'a str) -> OpsFuture<'a, bool> {
        Box::pin(async move {
            let out = self
                .s3()
                .await
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .max_keys(1)
                .send()
                .await
                .map_err(|e| fail(e, self.profile()))?;
            Ok(out.key_count().unwrap_or(0) > 0)
        })
    }

    fn create_prefix<'a>(&'a self, bucket: &'a str, prefix: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            self.s3()
                .await
                .put_object()
                .bucket(bucket)
                .key(prefix)
                .body(Vec::new().into())
                .send()
                .await
                .map_err(|e| fail(e, self.profile()))?;
            Ok(())
        })
    }

    fn bucket_exists<'a>(&'a self, bucket: &'a str) -> OpsFuture<'a, bool> {
        Box::pin(async move {
            match self.s3().await.head_bucket().bucket(bucket).send().await {
                Ok(_) => Ok(true),
                // HeadBucket answers a missing bucket with a bare 404 (no body to name it).
                Err(e)
                    if e.as_service_error().is_some_and(|s| s.is_not_found())
                        || e.raw_response().is_some_and(|r| r.status().as_u16() == 404) =>
                {
                    Ok(false)
                }
                Err(e) => Err(fail(e, self.profile())),
            }
        })
    }

    fn bucket_environment<'a>(&'a self, bucket: &'a str) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move {
            match self
                .s3()
                .await
                .get_bucket_tagging()
                .bucket(bucket)
                .send()
                .await
            {
                Ok(out) => Ok(out
                    .tag_set()
                    .iter()
                    .find(|t| is_environment_key(t.key()))
                    .map(|t| t.value().to_string())),
                // A bucket without tags has no tag set at all.
                Err(e) if e.code() == Some("NoSuchTagSet") => Ok(None),
                Err(e) => Err(fail(e, self.profile())),
            }
        })
    }

    fn caller_account(&self) -> OpsFuture<'_, String> {
        Box::pin(async move {
            let out = aws_sdk_sts::Client::new(&self.config(&self.home_region).await)
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| fail(e, self.profile()))?;
            out.account().map(str::to_string).ok_or_else(|| {
                OpsError::Failed("STS GetCallerIdentity answered without an account id".into())
            })
        })
    }

    fn resolve<'a>(&'a self, host: &'a str) -> OpsFuture<'a, Vec<String>> {
        Box::pin(async move {
            match &self.dns {
                Dns::Fixed(map) => Ok(map.get(host).cloned().unwrap_or_default()),
                Dns::System => Ok(match tokio::net::lookup_host((host, 443)).await {
                    Ok(addrs) => addrs.map(|a| a.ip().to_string()).collect(),
                    Err(_) => Vec::new(),
                }),
            }
        })
    }

    fn routed_records<'a>(
        &'a self,
        zone: &'a str,
        record: &'a str,
    ) -> OpsFuture<'a, Vec<RoutedRecord>> {
        Box::pin(async move {
            let (_, sets) = self.failover_sets(zone, record).await?;
            if sets.is_empty() {
                return Err(OpsError::NotFound(format!(
                    "failover records of {record} in {zone}"
                )));
            }
            let mut out = Vec::new();
            for s in &sets {
                let healthy = match s.health_check_id() {
                    Some(id) => self.check_health(id).await?,
                    None => None,
                };
                out.push(RoutedRecord {
                    set_identifier: s.set_identifier().unwrap_or_default().to_string(),
                    region: Self::set_region(s).unwrap_or_default(),
                    role: s
                        .failover()
                        .map(|f| f.as_str().to_string())
                        .unwrap_or_default(),
                    health_check: s.health_check_id().map(str::to_string),
                    healthy,
                    serving: false,
                });
            }
            // Route53 answers with the primary unless its check fails, then the secondary.
            let primary_up = out
                .iter()
                .any(|r| r.role == "PRIMARY" && r.healthy != Some(false));
            for r in &mut out {
                r.serving = (r.role == "PRIMARY") == primary_up;
            }
            Ok(out)
        })
    }

    fn shift_failover<'a>(
        &'a self,
        zone: &'a str,
        record: &'a str,
        to_region: &'a str,
    ) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let (id, sets) = self.failover_sets(zone, record).await?;
            let mut changes = Vec::new();
            for s in sets {
                let role = if Self::set_region(&s).as_deref() == Some(to_region) {
                    ResourceRecordSetFailover::Primary
                } else {
                    ResourceRecordSetFailover::Secondary
                };
                if s.failover() == Some(&role) {
                    continue;
                }
                let mut next = s.clone();
                next.failover = Some(role);
                changes.push(
                    Change::builder()
                        .action(ChangeAction::Upsert)
                        .resource_record_set(next)
                        .build()
                        .map_err(|e| OpsError::Failed(e.to_string()))?,
                );
            }
            if changes.is_empty() {
                return Ok(());
            }
            let batch = ChangeBatch::builder()
                .comment(format!("opsdeck failover of {record} to {to_region}"))
                .set_changes(Some(changes))
                .build()
                .map_err(|e| OpsError::Failed(e.to_string()))?;
            self.route53()
                .await
                .change_resource_record_sets()
                .hosted_zone_id(id)
                .change_batch(batch)
                .send()
                .await
                .map_err(|e| fail(e, self.profile()))?;
            Ok(())
        })
    }

    fn region_state<'a>(&'a self, region: &'a str) -> OpsFuture<'a, RegionState> {
        Box::pin(async move {
            let conf = self.config(region).await;
            let p = self.profile();
            let mut state = RegionState::default();
            let cw = aws_sdk_cloudwatch::Client::new(&conf);
            let alarms = cw
                .describe_alarms()
                .state_value(aws_sdk_cloudwatch::types::StateValue::Alarm)
                .send()
                .await
                .map_err(|e| fail(e, p))?;
            state.firing_alarms = alarms
                .metric_alarms()
                .iter()
                .filter_map(|a| a.alarm_name().map(str::to_string))
                .collect();
            let eks = aws_sdk_eks::Client::new(&conf);
            let names = eks.list_clusters().send().await.map_err(|e| fail(e, p))?;
            for name in names.clusters() {
                let c = eks
                    .describe_cluster()
                    .name(name)
                    .send()
                    .await
                    .map_err(|e| fail(e, p))?;
                let status = c
                    .cluster()
                    .and_then(|c| c.status())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default();
                state.clusters.push((name.clone(), status));
            }
            let rds = aws_sdk_rds::Client::new(&conf);
            let dbs = rds
                .describe_db_instances()
                .send()
                .await
                .map_err(|e| fail(e, p))?;
            for d in dbs.db_instances() {
                state.databases.push((
                    d.db_instance_identifier().unwrap_or_default().to_string(),
                    d.db_instance_status().unwrap_or_default().to_string(),
                ));
            }
            // The region's failing health checks: those its checks' targets name.
            let r53 = self.route53().await;
            let checks = r53
                .list_health_checks()
                .send()
                .await
                .map_err(|e| fail(e, p))?;
            for hc in checks.health_checks() {
                let target = hc
                    .health_check_config()
                    .and_then(|c| c.fully_qualified_domain_name())
                    .unwrap_or_default();
                if mentions(target, region) && self.check_health(hc.id()).await? == Some(false) {
                    state.failing_checks.push(hc.id().to_string());
                }
            }
            Ok(state)
        })
    }

    fn db<'a>(&'a self, id: &'a str) -> OpsFuture<'a, Option<DbState>> {
        Box::pin(async move {
            let rds = self.rds().await;
            let out = match rds
                .describe_db_instances()
                .db_instance_identifier(id)
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) if not_found(&e) => return Ok(None),
                Err(e) => return Err(fail(e, self.profile())),
            };
            let Some(d) = out.db_instances().first() else {
                return Ok(None);
            };
            let tag = |matches: &dyn Fn(&str) -> bool| {
                d.tag_list()
                    .iter()
                    .find(|t| t.key().is_some_and(matches))
                    .and_then(|t| t.value())
                    .map(str::to_string)
            };
            // A snapshot being taken has no creation time yet: it is the newest.
            let snaps = super::rds::snapshots_of(&rds, id, jiff::Timestamp::MAX)
                .await
                .map_err(|e| fail(e, self.profile()))?;
            Ok(Some(DbState {
                id: id.into(),
                status: d.db_instance_status().unwrap_or_default().to_string(),
                environment: tag(&is_environment_key),
                snapshots: snaps.into_iter().map(|s| (s.id, s.status)).collect(),
                restored_from: tag(&|k| k == RESTORED_FROM_TAG),
            }))
        })
    }

    fn create_snapshot<'a>(&'a self, db: &'a str, snapshot: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            self.rds()
                .await
                .create_db_snapshot()
                .db_instance_identifier(db)
                .db_snapshot_identifier(snapshot)
                .send()
                .await
                .map_err(|e| fail(e, self.profile()))?;
            Ok(())
        })
    }

    fn restore_db<'a>(&'a self, snapshot: &'a str, new_id: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let tag = |k: &str, v: &str| aws_sdk_rds::types::Tag::builder().key(k).value(v).build();
            self.rds()
                .await
                .restore_db_instance_from_db_snapshot()
                .db_instance_identifier(new_id)
                .db_snapshot_identifier(snapshot)
                .tags(tag(RESTORED_FROM_TAG, snapshot))
                .tags(tag("environment", "staging"))
                .send()
                .await
                .map_err(|e| fail(e, self.profile()))?;
            Ok(())
        })
    }

    fn rename_db<'a>(&'a self, from: &'a str, to: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            self.rds()
                .await
                .modify_db_instance()
                .db_instance_identifier(from)
                .new_db_instance_identifier(to)
                .apply_immediately(true)
                .send()
                .await
                .map_err(|e| fail(e, self.profile()))?;
            Ok(())
        })
    }

    fn delete_db<'a>(&'a self, id: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            self.rds()
                .await
                .delete_db_instance()
                .db_instance_identifier(id)
                .final_db_snapshot_identifier(format!("{id}-final"))
                .send()
                .await
                .map_err(|e| fail(e, self.profile()))?;
            Ok(())
        })
    }

    fn bucket_diff<'a>(&'a self, from: &'a str, to: &'a str) -> OpsFuture<'a, (u64, u64)> {
        Box::pin(async move {
            let (src, dst) = (self.keys(from).await?, self.keys(to).await?);
            Ok((src.difference(&dst).count() as u64, src.len() as u64))
        })
    }

    fn sync_batch<'a>(&'a self, from: &'a str, to: &'a str, batch: u64) -> OpsFuture<'a, u64> {
        Box::pin(async move {
            let (src, dst) = (self.keys(from).await?, self.keys(to).await?);
            let s3 = self.s3().await;
            let mut n = 0;
            for key in src.difference(&dst).take(batch as usize) {
                s3.copy_object()
                    .bucket(to)
                    .key(key)
                    .copy_source(format!("{from}/{key}"))
                    .send()
                    .await
                    .map_err(|e| fail(e, self.profile()))?;
                n += 1;
            }
            Ok(n)
        })
    }
}

/// The tag that names an environment, as teams write it: `environment`, `Environment`, `env`,
/// `ENV`… A production target must never slip past the refusal on a capital letter.
fn is_environment_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("environment") || key.eq_ignore_ascii_case("env")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_from_names_and_short_codes() {
        assert_eq!(
            region_in("k8s-ingress-use1.us-east-1.elb.amazonaws.com").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(region_in("sae1").as_deref(), Some("sa-east-1"));
        assert_eq!(region_in("api-apse1").as_deref(), Some("ap-southeast-1"));
        assert_eq!(region_in("primary"), None);
    }
}
