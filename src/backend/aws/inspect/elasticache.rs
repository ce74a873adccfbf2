//! A replication group's events (`elasticache:DescribeEvents`, the last day): failovers, node
//! replacements and restarts, as `aws elasticache describe-events` lists them.

use aws_sdk_elasticache::types::SourceType;
use jiff::Timestamp;

use super::Calls;
use crate::inspect::Subject;
use crate::model::drilldown::{Body, EventLine, newest_events};

const EVENT_MINUTES: i32 = 24 * 60;

/// Words of ElastiCache's event messages that mean trouble (its events carry no category).
const TROUBLE: &[&str] = &[
    "fail", "error", "restart", "reboot", "replac", "evict", "memory",
];

pub(super) async fn events(calls: &Calls, subject: &Subject) -> Result<Body, String> {
    let id = subject.id.name.as_str();
    let client = aws_sdk_elasticache::Client::new(&calls.config);
    let out = client
        .describe_events()
        .source_identifier(id)
        .source_type(SourceType::ReplicationGroup)
        .duration(EVENT_MINUTES)
        .send()
        .await
        .map_err(|e| calls.failed("elasticache:DescribeEvents", &e))?;
    let lines = out
        .events()
        .iter()
        .map(|e| {
            let message = crate::text::one_line(e.message().unwrap_or_default());
            let lower = message.to_lowercase();
            let warning = TROUBLE.iter().any(|w| lower.contains(w));
            EventLine {
                last_seen: e
                    .date()
                    .and_then(|t| Timestamp::new(t.secs(), t.subsec_nanos() as i32).ok()),
                event_type: if warning { "Warning" } else { "Normal" }.into(),
                reason: "event".into(),
                message,
                count: 1,
                object: format!("ReplicationGroup/{}", e.source_identifier().unwrap_or(id)),
            }
        })
        .collect();
    Ok(Body::Events(newest_events(lines)))
}
