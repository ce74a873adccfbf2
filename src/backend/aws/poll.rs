//! One source: a service of an AWS account in a region, polled at an interval. Each poll yields
//! the source's whole set of rows; the difference with the last set is sent (upserts for what
//! changed, removals for what is gone), and the source's status follows the outcome; a failure's
//! reason starts with the service (`ecs: …`). What a poll saw happen beyond its rows (RDS's
//! events) goes to the timeline as it is.

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use super::errors::AwsFailure;
use crate::clock::SharedClock;
use crate::model::{Row, RowId};
use crate::store::changes::Change;
use crate::store::{SourceStatus, Update, UpdateSender};

/// What one poll read: the source's whole set of rows, and what it saw happen since the last
/// poll (each once).
#[derive(Debug, Default)]
pub struct Polled {
    pub rows: Vec<Row>,
    pub happened: Vec<Change>,
}

impl From<Vec<Row>> for Polled {
    fn from(rows: Vec<Row>) -> Self {
        Polled {
            rows,
            happened: Vec::new(),
        }
    }
}

pub async fn run<F, Fut>(
    source: String,
    interval: Duration,
    clock: SharedClock,
    tx: UpdateSender,
    mut poll: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Polled, AwsFailure>>,
{
    // Every reason starts with the service, as the source `aws:<account>/<region>/<service>` says.
    let service = source.rsplit('/').next().unwrap_or(&source).to_string();
    let status = |status: SourceStatus, at| Update::Source {
        name: source.clone(),
        status,
        at,
    };
    if tx
        .send(vec![status(SourceStatus::Connecting, clock.now())])
        .await
        .is_err()
    {
        return;
    }
    let mut known: HashSet<RowId> = HashSet::new();
    let mut answered = false;
    loop {
        let outcome = poll().await;
        let now = clock.now();
        let batch = match outcome {
            Ok(Polled { rows, happened }) => {
                let ids: HashSet<RowId> = rows.iter().map(|r| r.id.clone()).collect();
                let mut batch: Vec<Update> = known
                    .difference(&ids)
                    .cloned()
                    .map(Update::Remove)
                    .collect();
                batch.extend(rows.into_iter().map(Update::upsert));
                batch.extend(happened.into_iter().map(|c| Update::Happened(Box::new(c))));
                batch.push(status(SourceStatus::Connected, now));
                known = ids;
                answered = true;
                batch
            }
            Err(failure) => {
                tracing::debug!(%source, ?failure, "poll failed");
                let named = |r: &str| format!("{service}: {r}");
                let s = match failure {
                    AwsFailure::AccessDenied(r)
                    | AwsFailure::Credentials(r)
                    | AwsFailure::Other(r) => SourceStatus::Error { reason: named(&r) },
                    AwsFailure::Throttled => SourceStatus::Stale {
                        reason: named("throttled, retrying"),
                    },
                    AwsFailure::Unreachable(r) if answered => {
                        SourceStatus::Stale { reason: named(&r) }
                    }
                    AwsFailure::Unreachable(r) => SourceStatus::Error { reason: named(&r) },
                };
                vec![status(s, now)]
            }
        };
        if tx.send(batch).await.is_err() {
            return;
        }
        tokio::time::sleep(interval).await;
    }
}
