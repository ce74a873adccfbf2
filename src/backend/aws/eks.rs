//! EKS: ListClusters + DescribeCluster (all clusters at once) into cluster rows.

use aws_sdk_eks::Client;
use futures_util::{StreamExt, TryStreamExt};
use jiff::Timestamp;

use super::errors::{AwsFailure, classify};
use super::{CONCURRENT_CALLS, Target};
use crate::model::kinds::cluster::{Cluster, Sides};
use crate::model::{Facts, Kind, Row, RowId, Scope};

pub async fn poll(client: Client, t: Target, now: Timestamp) -> Result<Vec<Row>, AwsFailure> {
    let (account, region, source, profile) = t.parts();
    let mut names = Vec::new();
    let mut pages = client.list_clusters().into_paginator().items().send();
    while let Some(name) = pages.next().await {
        names.push(name.map_err(|e| classify(&e, profile))?);
    }
    let described: Vec<_> = futures_util::stream::iter(names)
        .map(|name| {
            let client = &client;
            async move {
                let out = client.describe_cluster().name(&name).send().await;
                out.map(|o| (name, o)).map_err(|e| classify(&e, profile))
            }
        })
        .buffered(CONCURRENT_CALLS)
        .try_collect()
        .await?;
    let mut rows = Vec::new();
    for (name, out) in described {
        let Some(c) = out.cluster() else { continue };
        let facts = Cluster {
            provider: "EKS".into(),
            status: c
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            version: c.version().unwrap_or_default().to_string(),
            platform_version: c.platform_version().map(str::to_string),
            endpoint: c.endpoint().map(str::to_string),
            arn: c.arn().map(str::to_string),
            reported: Sides::AWS,
            ..Cluster::default()
        };
        let scope = Scope::aws(account, region).with_context(&name);
        rows.push(Row::new(
            RowId::new(Kind::Cluster, scope, name.clone()),
            source.clone(),
            Facts::Cluster(facts),
            vec![],
            now,
        ));
    }
    Ok(rows)
}
