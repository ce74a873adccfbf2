//! S3: prefixes, the buckets' preflight reads (exists, `environment` tag), and copying the
//! objects one bucket has and another lacks.

use std::collections::BTreeSet;

use aws_sdk_eks::error::ProvideErrorMetadata;

use super::{AwsPorts, is_environment_key};
use crate::runbook::ports::{OFFERED, OpsError, OpsFuture, StorageOps, missing_batch, object_diff};

impl AwsPorts {
    async fn s3(&self) -> aws_sdk_s3::Client {
        let base = self.config(&self.home_region).await;
        // Emulators answer path-style only; so does AWS, for every bucket name.
        let conf = aws_sdk_s3::config::Builder::from(&base)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// Every key in `bucket`.
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
            let page = page.map_err(|e| self.fail(e))?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
        }
        Ok(keys)
    }
}

impl StorageOps for AwsPorts {
    fn prefix_exists<'a>(&'a self, bucket: &'a str, prefix: &'a str) -> OpsFuture<'a, bool> {
        Box::pin(async move {
            let s3 = self.s3().await;
            let call = s3.list_objects_v2().bucket(bucket).prefix(prefix);
            let out = self.sent(call.max_keys(1).send()).await?;
            Ok(out.key_count().unwrap_or(0) > 0)
        })
    }

    fn create_prefix<'a>(&'a self, bucket: &'a str, prefix: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let s3 = self.s3().await;
            let call = s3.put_object().bucket(bucket).key(prefix);
            self.sent(call.body(Vec::new().into()).send()).await?;
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
                Err(e) => Err(self.fail(e)),
            }
        })
    }

    fn bucket_environment<'a>(&'a self, bucket: &'a str) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move {
            let s3 = self.s3().await;
            match s3.get_bucket_tagging().bucket(bucket).send().await {
                Ok(out) => Ok(out
                    .tag_set()
                    .iter()
                    .find(|t| is_environment_key(t.key()))
                    .map(|t| t.value().to_string())),
                // A bucket without tags has no tag set at all.
                Err(e) if e.code() == Some("NoSuchTagSet") => Ok(None),
                Err(e) => Err(self.fail(e)),
            }
        })
    }

    fn buckets(&self) -> OpsFuture<'_, Vec<(String, Option<String>)>> {
        Box::pin(async move {
            let out = self.sent(self.s3().await.list_buckets().send()).await?;
            let mut named = Vec::new();
            // One more than offered tells the reader the list was cut.
            for b in out.buckets().iter().take(OFFERED + 1) {
                let Some(name) = b.name() else { continue };
                // A bucket whose tags these credentials may not read is offered untagged.
                let env = self.bucket_environment(name).await.unwrap_or(None);
                named.push((name.to_string(), env));
            }
            Ok(named)
        })
    }

    fn bucket_diff<'a>(&'a self, from: &'a str, to: &'a str) -> OpsFuture<'a, (u64, u64)> {
        Box::pin(async move {
            let (src, dst) = (self.keys(from).await?, self.keys(to).await?);
            Ok(object_diff(&src, &dst))
        })
    }

    fn sync_batch<'a>(&'a self, from: &'a str, to: &'a str, batch: u64) -> OpsFuture<'a, u64> {
        Box::pin(async move {
            let (src, dst) = (self.keys(from).await?, self.keys(to).await?);
            let s3 = self.s3().await;
            let mut n = 0;
            for key in missing_batch(&src, &dst, batch) {
                let call = s3
                    .copy_object()
                    .bucket(to)
                    .key(key)
                    .copy_source(format!("{from}/{key}"));
                self.sent(call.send()).await?;
                n += 1;
            }
            Ok(n)
        })
    }
}
