//! S3 on the demo world: create-org's statics prefixes, the staging refresh's media buckets
//! (their objects, their `environment` tags) and the sync between them.

use std::collections::BTreeSet;

use crate::backend::demo::world::{DemoWorld, State, ok};
use crate::runbook::ports::{OpsError, OpsFuture, StorageOps, missing_batch, object_diff};

/// A bucket's objects.
fn objects<'w>(w: &'w State, bucket: &str) -> Result<&'w BTreeSet<String>, OpsError> {
    w.buckets
        .get(bucket)
        .ok_or_else(|| OpsError::NotFound(format!("bucket {bucket}")))
}

impl StorageOps for DemoWorld {
    fn prefix_exists<'a>(&'a self, bucket: &'a str, prefix: &'a str) -> OpsFuture<'a, bool> {
        ok(self
            .state
            .lock()
            .unwrap()
            .prefixes
            .contains(&(bucket.to_string(), prefix.to_string())))
    }

    fn create_prefix<'a>(&'a self, bucket: &'a str, prefix: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let mut w = self.state.lock().unwrap();
            Self::created(&mut w, format!("s3://{bucket}/{prefix}"))?;
            w.prefixes.insert((bucket.into(), prefix.into()));
            Ok(())
        })
    }

    fn bucket_exists<'a>(&'a self, bucket: &'a str) -> OpsFuture<'a, bool> {
        ok(self.state.lock().unwrap().buckets.contains_key(bucket))
    }

    fn bucket_environment<'a>(&'a self, bucket: &'a str) -> OpsFuture<'a, Option<String>> {
        Box::pin(async move {
            let w = self.state.lock().unwrap();
            if !w.buckets.contains_key(bucket) {
                return Err(OpsError::NotFound(format!("bucket {bucket}")));
            }
            Ok(w.bucket_environments.get(bucket).cloned())
        })
    }

    fn buckets(&self) -> OpsFuture<'_, Vec<(String, Option<String>)>> {
        Box::pin(async move {
            let w = self.state.lock().unwrap();
            Ok(w.buckets
                .keys()
                .map(|b| (b.clone(), w.bucket_environments.get(b).cloned()))
                .collect())
        })
    }

    fn bucket_diff<'a>(&'a self, from: &'a str, to: &'a str) -> OpsFuture<'a, (u64, u64)> {
        Box::pin(async move {
            let w = self.state.lock().unwrap();
            Ok(object_diff(objects(&w, from)?, objects(&w, to)?))
        })
    }

    fn sync_batch<'a>(&'a self, from: &'a str, to: &'a str, batch: u64) -> OpsFuture<'a, u64> {
        Box::pin(async move {
            let mut w = self.state.lock().unwrap();
            let src = w.buckets.get(from).cloned().unwrap_or_default();
            let dst = w.buckets.entry(to.into()).or_default();
            let missing: Vec<String> = missing_batch(&src, dst, batch).cloned().collect();
            let n = missing.len() as u64;
            dst.extend(missing);
            Ok(n)
        })
    }
}
