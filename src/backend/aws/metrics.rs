//! GetMetricData for the few series the detail view draws: RDS CPU and free storage, ECS CPU
//! and memory per service, the last three hours at five-minute averages. A metrics failure
//! (no permission, an emulator without the API) leaves the rows without series, never without
//! rows.

use std::collections::HashMap;

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use jiff::Timestamp;

use crate::model::kinds::series::Series;

/// How far back and at what period.
const WINDOW_S: i64 = 3 * 3600;
const PERIOD_S: i32 = 300;
/// GetMetricData takes at most 500 queries.
const MAX_QUERIES: usize = 500;

/// One series to fetch.
pub struct Wanted {
    /// Which row it belongs to (the caller's key).
    pub row: String,
    pub name: &'static str,
    pub namespace: &'static str,
    pub metric: &'static str,
    pub dimensions: Vec<(&'static str, String)>,
    /// Applied to every point (bytes → GB).
    pub scale: f64,
}

/// The series by row key, in the order asked. Empty on any failure.
pub async fn fetch(
    client: &Client,
    wanted: &[Wanted],
    now: Timestamp,
) -> HashMap<String, Vec<Series>> {
    let mut out: HashMap<String, Vec<Series>> = HashMap::new();
    for (chunk_no, chunk) in wanted.chunks(MAX_QUERIES).enumerate() {
        let queries: Vec<MetricDataQuery> = chunk
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let metric = Metric::builder()
                    .namespace(w.namespace)
                    .metric_name(w.metric)
                    .set_dimensions(Some(
                        w.dimensions
                            .iter()
                            .map(|(k, v)| Dimension::builder().name(*k).value(v).build())
                            .collect(),
                    ))
                    .build();
                MetricDataQuery::builder()
                    .id(format!("m{chunk_no}_{i}"))
                    .metric_stat(
                        MetricStat::builder()
                            .metric(metric)
                            .period(PERIOD_S)
                            .stat("Average")
                            .build(),
                    )
                    .build()
            })
            .collect();
        let mut pages = client
            .get_metric_data()
            .set_metric_data_queries(Some(queries))
            .start_time(DateTime::from_secs(now.as_second() - WINDOW_S))
            .end_time(DateTime::from_secs(now.as_second()))
            .scan_by(ScanBy::TimestampAscending)
            .into_paginator()
            .send();
        let mut points: HashMap<String, Vec<f64>> = HashMap::new();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    tracing::debug!(error = %crate::backend::kube::kubeconfig::error_chain(&e), "GetMetricData failed; rows keep no series");
                    return HashMap::new();
                }
            };
            for r in page.metric_data_results() {
                points
                    .entry(r.id().unwrap_or_default().to_string())
                    .or_default()
                    .extend(r.values());
            }
        }
        for (i, w) in chunk.iter().enumerate() {
            let values = points
                .remove(&format!("m{chunk_no}_{i}"))
                .unwrap_or_default();
            if values.is_empty() {
                continue;
            }
            out.entry(w.row.clone()).or_default().push(Series {
                name: w.name.to_string(),
                points: values.into_iter().map(|v| v * w.scale).collect(),
            });
        }
    }
    out
}
