//! EKS clusters seen from both sides: the AWS backend names a cluster by account label and
//! region, the kube backend by its context; both carry the cluster's ARN, which joins them into
//! one row under the AWS side's id (the one region roll-ups use).

use super::fleet::Fleet;
use crate::model::kinds::cluster::Sides;
use crate::model::{Facts, Row, RowId};

impl Fleet {
    /// The row to store for `row`: under its own id, or under the id of the row it joins.
    pub(super) fn join(&mut self, mut row: Row) -> Row {
        if let Some(id) = self.joined.get(&row.id) {
            row.id = id.clone();
            return row;
        }
        let Facts::Cluster(c) = &row.facts else {
            return row;
        };
        let Some(arn) = c.arn.clone() else {
            return row;
        };
        let from_aws = c.reported == Sides::AWS;
        match self.cluster_ids.get(&arn).cloned() {
            None => {
                self.cluster_ids.insert(arn, row.id.clone());
            }
            Some(id) if id == row.id => {}
            Some(kube_id) if from_aws => {
                // The AWS side's id wins: the kube side's row moves under it.
                if let Some(old) = self.remove(&kube_id) {
                    row.facts.keep_unreported(&old.facts);
                    row.reassess();
                }
                for target in self.joined.values_mut() {
                    if *target == kube_id {
                        *target = row.id.clone();
                    }
                }
                self.joined.insert(kube_id, row.id.clone());
                self.cluster_ids.insert(arn, row.id.clone());
            }
            Some(id) => {
                self.joined.insert(row.id.clone(), id.clone());
                row.id = id;
            }
        }
        row
    }

    /// Removes a row; for a joined cluster, the other side's removal only ends the join.
    pub(super) fn remove_joined(&mut self, id: &RowId) {
        if self.joined.remove(id).is_some() {
            return;
        }
        let arn = self.key_of(id).and_then(|k| match &self.get(k)?.facts {
            Facts::Cluster(c) => c.arn.clone(),
            _ => None,
        });
        if let Some(arn) = arn {
            self.cluster_ids.remove(&arn);
            self.joined.retain(|_, target| target != id);
        }
        if let Some(gone) = self.remove(id) {
            self.record_gone(gone);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::kinds::cluster::{Cluster, Sides};
    use crate::model::{Facts, Health, Kind, Row, RowId, Scope};
    use crate::store::{Fleet, Update};

    const ARN: &str = "arn:aws:eks:us-east-1:111122223333:cluster/eks-prod-use1";

    fn now() -> jiff::Timestamp {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    fn kube_side(reachable: bool) -> Row {
        let scope = Scope {
            account: Some("111122223333".into()),
            region: Some("us-east-1".into()),
            context: Some("helpdev-prod-use1".into()),
            namespace: None,
        };
        let facts = Cluster {
            provider: "EKS".into(),
            version: "1.31".into(),
            api_reachable: Some(reachable),
            server_version: Some("v1.31.4-eks-2d98532".into()),
            arn: Some(ARN.into()),
            kube_context: Some("helpdev-prod-use1".into()),
            reported: Sides::KUBE,
            ..Cluster::default()
        };
        Row::new(
            RowId::new(Kind::Cluster, scope, "eks-prod-use1"),
            "helpdev-prod-use1".into(),
            Facts::Cluster(facts),
            vec![],
            now(),
        )
    }

    fn aws_side(status: &str) -> Row {
        let scope = Scope::aws("helpdev-prod", "us-east-1").with_context("eks-prod-use1");
        let facts = Cluster {
            provider: "EKS".into(),
            status: status.into(),
            version: "1.31".into(),
            arn: Some(ARN.into()),
            reported: Sides::AWS,
            ..Cluster::default()
        };
        Row::new(
            RowId::new(Kind::Cluster, scope, "eks-prod-use1"),
            "aws:helpdev-prod/us-east-1/eks".into(),
            Facts::Cluster(facts),
            vec![],
            now(),
        )
    }

    fn the_cluster(f: &Fleet) -> (&Row, &Cluster) {
        assert_eq!(f.count(Kind::Cluster), 1, "one row per cluster");
        let row = f.rows_of(Kind::Cluster).next().unwrap();
        let Facts::Cluster(c) = &row.facts else {
            unreachable!()
        };
        (row, c)
    }

    #[test]
    fn both_sides_make_one_row_whichever_comes_first() {
        for kube_first in [true, false] {
            let mut f = Fleet::new("t");
            let (first, second) = if kube_first {
                (kube_side(true), aws_side("ACTIVE"))
            } else {
                (aws_side("ACTIVE"), kube_side(true))
            };
            f.apply([Update::upsert(first)]);
            f.apply([Update::upsert(second)]);
            let (row, c) = the_cluster(&f);
            assert_eq!(row.id.scope.account(), "helpdev-prod", "the AWS side's id");
            assert_eq!(c.status, "ACTIVE");
            assert_eq!(c.api_reachable, Some(true));
            assert_eq!(c.kube_context.as_deref(), Some("helpdev-prod-use1"));
            assert_eq!(row.health, Health::Healthy);

            // The kube side loses the API: the joined row says so, under the same id.
            f.apply([Update::upsert(kube_side(false))]);
            let (row, c) = the_cluster(&f);
            assert_eq!(c.status, "ACTIVE");
            assert_eq!(row.health, Health::Degraded, "{}", row.reason);
            // EKS reports an update in progress: the kube side's fields stay.
            f.apply([Update::upsert(aws_side("UPDATING"))]);
            let (row, c) = the_cluster(&f);
            assert_eq!(c.api_reachable, Some(false));
            assert_eq!(row.health, Health::Progressing);
        }
    }

    #[test]
    fn removing_one_side_keeps_the_row_and_removing_the_aws_side_ends_it() {
        let mut f = Fleet::new("t");
        f.apply([Update::upsert(aws_side("ACTIVE"))]);
        f.apply([Update::upsert(kube_side(true))]);
        f.apply([Update::Remove(kube_side(true).id)]);
        assert_eq!(f.count(Kind::Cluster), 1);
        f.apply([Update::Remove(aws_side("ACTIVE").id)]);
        assert_eq!(f.count(Kind::Cluster), 0);
        // A new kube row after that stands alone under its own id.
        f.apply([Update::upsert(kube_side(true))]);
        assert_eq!(the_cluster(&f).0.id.scope.account(), "111122223333");
    }
}
