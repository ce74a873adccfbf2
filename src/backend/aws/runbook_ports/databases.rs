//! RDS: an instance with its tags and snapshots, and the snapshot, restore, rename and delete a
//! staging refresh makes. A restored instance is tagged with the snapshot it came from
//! (`RESTORED_FROM_TAG`), since RDS does not say.

use aws_sdk_rds::Client as Rds;
use aws_sdk_rds::types::{DbInstance, Tag};

use super::{AwsPorts, is_environment_key};
use crate::backend::aws::rds::snapshots_of;
use crate::runbook::ports::{DatabaseOps, DbState, OFFERED, OpsFuture, RESTORED_FROM_TAG};

/// The value of the instance's first tag whose key `matches`.
fn tag_of(d: &DbInstance, matches: &dyn Fn(&str) -> bool) -> Option<String> {
    d.tag_list()
        .iter()
        .find(|t| t.key().is_some_and(matches))
        .and_then(|t| t.value())
        .map(str::to_string)
}

impl DatabaseOps for AwsPorts {
    fn db<'a>(&'a self, id: &'a str) -> OpsFuture<'a, Option<DbState>> {
        Box::pin(async move {
            let rds = self.client(Rds::new).await;
            let call = rds.describe_db_instances().db_instance_identifier(id);
            let Some(out) = self.found(call.send()).await? else {
                return Ok(None);
            };
            let Some(d) = out.db_instances().first() else {
                return Ok(None);
            };
            // A snapshot being taken has no creation time yet: it is the newest.
            let snaps = self
                .sent(snapshots_of(&rds, id, jiff::Timestamp::MAX))
                .await?;
            Ok(Some(DbState {
                id: id.into(),
                status: d.db_instance_status().unwrap_or_default().to_string(),
                environment: tag_of(d, &is_environment_key),
                snapshots: snaps.into_iter().map(|s| (s.id, s.status)).collect(),
                restored_from: tag_of(d, &|k| k == RESTORED_FROM_TAG),
            }))
        })
    }

    fn instances(&self) -> OpsFuture<'_, Vec<DbState>> {
        Box::pin(async move {
            let rds = self.client(Rds::new).await;
            let mut pages = rds.describe_db_instances().into_paginator().send();
            let mut out = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| self.fail(e))?;
                for d in page.db_instances() {
                    out.push(DbState {
                        id: d.db_instance_identifier().unwrap_or_default().to_string(),
                        status: d.db_instance_status().unwrap_or_default().to_string(),
                        environment: tag_of(d, &is_environment_key),
                        snapshots: Vec::new(),
                        restored_from: tag_of(d, &|k| k == RESTORED_FROM_TAG),
                    });
                }
                if out.len() > OFFERED {
                    break;
                }
            }
            // One more than offered tells the reader the list was cut.
            out.truncate(OFFERED + 1);
            Ok(out)
        })
    }

    fn create_snapshot<'a>(&'a self, db: &'a str, snapshot: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let rds = self.client(Rds::new).await;
            let call = rds.create_db_snapshot().db_instance_identifier(db);
            let call = call.db_snapshot_identifier(snapshot);
            self.sent(call.send()).await?;
            Ok(())
        })
    }

    fn restore_db<'a>(&'a self, snapshot: &'a str, new_id: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
            let call = self
                .client(Rds::new)
                .await
                .restore_db_instance_from_db_snapshot()
                .db_instance_identifier(new_id)
                .db_snapshot_identifier(snapshot)
                .tags(tag(RESTORED_FROM_TAG, snapshot))
                .tags(tag("environment", "staging"));
            self.sent(call.send()).await?;
            Ok(())
        })
    }

    fn rename_db<'a>(&'a self, from: &'a str, to: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let rds = self.client(Rds::new).await;
            let call = rds.modify_db_instance().db_instance_identifier(from);
            let call = call.new_db_instance_identifier(to).apply_immediately(true);
            self.sent(call.send()).await?;
            Ok(())
        })
    }

    fn delete_db<'a>(&'a self, id: &'a str) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let rds = self.client(Rds::new).await;
            let call = rds.delete_db_instance().db_instance_identifier(id);
            let call = call.final_db_snapshot_identifier(format!("{id}-final"));
            self.sent(call.send()).await?;
            Ok(())
        })
    }
}
