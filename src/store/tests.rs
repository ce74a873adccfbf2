//! Store tests: roll-ups, removal, staleness and cursor stability.

use jiff::Timestamp;

use super::view::{TableView, ViewSource};
use super::*;
use crate::model::kinds::db_instance::DbInstance;
use crate::model::kinds::ecs_service::EcsService;
use crate::model::kinds::helm_release::HelmRelease;
use crate::model::kinds::organization::Organization;
use crate::model::kinds::region::{Alarm, HealthCheck, Region, Reported};
use crate::model::{Condition, Facts, Health, Kind, Row, RowId, Scope};

fn now() -> Timestamp {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

fn ecs(name: &str, running: u32) -> Row {
    let facts = Facts::EcsService(EcsService {
        status: "ACTIVE".into(),
        desired: 2,
        running,
        rollout: Some("COMPLETED".into()),
        ..EcsService::default()
    });
    let scope = Scope::aws("phenom", "us-east-1").with_context("phenom-prod-cluster");
    Row::new(
        RowId::new(Kind::EcsService, scope, name),
        "aws:phenom".into(),
        facts,
        vec![],
        now(),
    )
}

fn region(alarm: &str) -> Row {
    let facts = Facts::Region(Region {
        alarms: vec![Alarm {
            name: "cpu".into(),
            state: alarm.into(),
            reason: "Threshold Crossed".into(),
            target: None,
        }],
        ..Region::default()
    });
    let scope = Scope {
        account: Some("phenom".into()),
        ..Scope::default()
    };
    Row::new(
        RowId::new(Kind::Region, scope, "us-east-1"),
        "aws:phenom".into(),
        facts,
        vec![],
        now(),
    )
}

fn db(name: &str) -> Row {
    let facts = Facts::DbInstance(DbInstance {
        status: "available".into(),
        storage_gb: 100,
        ..DbInstance::default()
    });
    Row::new(
        RowId::new(Kind::DbInstance, Scope::aws("phenom", "us-east-1"), name),
        "aws:phenom".into(),
        facts,
        vec![],
        now(),
    )
}

fn hr(ns: &str, name: &str, ready: &str) -> Row {
    let cond = vec![Condition::new(
        "Ready",
        ready,
        if ready == "True" {
            "UpgradeSucceeded"
        } else {
            "UpgradeFailed"
        },
        "m",
    )];
    Row::new(
        RowId::new(Kind::HelmRelease, Scope::kube("prod-cluster", ns), name),
        "prod-cluster".into(),
        Facts::HelmRelease(HelmRelease::default()),
        cond,
        now(),
    )
}

fn org(name: &str, namespaces: &[&str]) -> Row {
    let facts = Facts::Organization(Organization {
        namespaces: namespaces.iter().map(|s| s.to_string()).collect(),
        ..Organization::default()
    });
    let scope = Scope {
        context: Some("prod-cluster".into()),
        ..Scope::default()
    };
    Row::new(
        RowId::new(Kind::Organization, scope, name),
        "prod-cluster".into(),
        facts,
        vec![],
        now(),
    )
}

fn upserts(rows: Vec<Row>) -> Vec<Update> {
    rows.into_iter().map(Update::upsert).collect()
}

fn region_row(f: &Fleet) -> &Row {
    f.rows_of(Kind::Region).next().unwrap()
}

#[test]
fn region_rolls_up_its_parts_and_its_alarms() {
    let mut f = Fleet::new("t");
    f.apply(upserts(vec![
        region("OK"),
        ecs("graphql", 2),
        ecs("functions", 2),
        db("phenom-prod-postgres"),
    ]));
    let r = region_row(&f);
    assert_eq!(r.health, Health::Healthy);
    let Facts::Region(facts) = &r.facts else {
        panic!()
    };
    assert_eq!((facts.parts.ecs.total, facts.parts.rds.total), (2, 1));

    // A part degrades: the region takes its health and names it.
    f.apply(upserts(vec![ecs("functions", 1)]));
    let r = region_row(&f);
    assert_eq!(r.health, Health::Degraded);
    assert!(
        r.reason.starts_with("ecs functions: 1/2 running"),
        "{}",
        r.reason
    );

    // The part recovers but an alarm fires: the region's own reason wins.
    f.apply(upserts(vec![ecs("functions", 2), region("ALARM")]));
    let r = region_row(&f);
    assert_eq!(r.health, Health::Degraded);
    assert!(r.reason.starts_with("alarm cpu firing"), "{}", r.reason);
    let Facts::Region(facts) = &r.facts else {
        panic!()
    };
    assert_eq!(
        facts.parts.ecs.unhealthy, 0,
        "a re-sent region row keeps its computed parts"
    );

    f.apply(upserts(vec![region("OK")]));
    assert_eq!(region_row(&f).health, Health::Healthy);
}

#[test]
fn organization_rolls_up_its_namespaces_only() {
    let mut f = Fleet::new("t");
    // Parts may arrive before the organization row.
    f.apply(upserts(vec![
        hr("numinia", "world", "True"),
        hr("other", "x", "False"),
    ]));
    f.apply(upserts(vec![org("numinia", &["numinia", "numinia-pre"])]));
    let o = f.rows_of(Kind::Organization).next().unwrap();
    assert_eq!(
        o.health,
        Health::Healthy,
        "a failure in another namespace does not count"
    );
    f.apply(upserts(vec![hr("numinia-pre", "world-pre", "False")]));
    let o = f.rows_of(Kind::Organization).next().unwrap();
    assert_eq!(o.health, Health::Failed);
    assert!(
        o.reason.starts_with("hr numinia-pre/world-pre"),
        "{}",
        o.reason
    );
    let Facts::Organization(facts) = &o.facts else {
        panic!()
    };
    assert_eq!(
        (
            facts.parts.helm_releases.total,
            facts.parts.helm_releases.unhealthy
        ),
        (2, 1)
    );
}

#[test]
fn removal_drops_the_row_its_indexes_and_its_share_of_roll_ups() {
    let mut f = Fleet::new("t");
    f.apply(upserts(vec![
        org("numinia", &["numinia"]),
        hr("numinia", "bad", "False"),
        hr("numinia", "good", "True"),
    ]));
    assert_eq!(f.count(Kind::HelmRelease), 2);
    assert!(f.apply([Update::Remove(hr("numinia", "bad", "False").id)]));
    assert_eq!(f.count(Kind::HelmRelease), 1);
    assert!(f.row(&hr("numinia", "bad", "False").id).is_none());
    assert_eq!(
        f.rows_of(Kind::Organization).next().unwrap().health,
        Health::Healthy
    );
    assert!(f.problems().is_empty());
    // A freed slot is reused without confusing the old id.
    f.apply(upserts(vec![hr("numinia", "new", "True")]));
    assert_eq!(f.count(Kind::HelmRelease), 2);
    assert!(
        !f.apply([Update::Remove(hr("numinia", "bad", "False").id)]),
        "removing twice changes nothing"
    );
}

#[test]
fn identical_upserts_do_not_count_as_changes() {
    let mut f = Fleet::new("t");
    assert!(f.apply(upserts(vec![ecs("graphql", 2)])));
    let g = f.generation();
    let mut later = ecs("graphql", 2);
    later.updated_at = "2026-11-23T12:05:00Z".parse().unwrap();
    assert!(!f.apply(upserts(vec![later])));
    assert_eq!(f.generation(), g);
}

#[test]
fn a_stale_source_marks_its_rows_and_only_its_rows() {
    let mut f = Fleet::new("t");
    let at = now();
    f.apply(upserts(vec![
        ecs("graphql", 2),
        hr("numinia", "world", "True"),
    ]));
    f.apply([
        Update::Source {
            name: "aws:phenom".into(),
            status: SourceStatus::Connected,
            at,
        },
        Update::Source {
            name: "prod-cluster".into(),
            status: SourceStatus::Connected,
            at,
        },
    ]);
    let later: Timestamp = "2026-11-23T12:00:40Z".parse().unwrap();
    f.apply([Update::Source {
        name: "prod-cluster".into(),
        status: SourceStatus::Stale {
            reason: "connection timed out (VPN?)".into(),
        },
        at,
    }]);
    let hr_row = f.rows_of(Kind::HelmRelease).next().unwrap();
    let ecs_row = f.rows_of(Kind::EcsService).next().unwrap();
    assert!(f.is_stale(hr_row));
    assert!(!f.is_stale(ecs_row));
    assert_eq!(f.count(Kind::HelmRelease), 1, "stale rows are kept");
    assert_eq!(
        f.source("prod-cluster").unwrap().describe(later),
        "prod-cluster · stale 40s"
    );
    f.apply([Update::Source {
        name: "prod-cluster".into(),
        status: SourceStatus::Connected,
        at: later,
    }]);
    assert!(!f.is_stale(f.rows_of(Kind::HelmRelease).next().unwrap()));
}

#[test]
fn problems_are_worst_first_then_newest_first() {
    let mut f = Fleet::new("t");
    let mut older = ecs("old-degraded", 1);
    older.updated_at = "2026-11-23T11:00:00Z".parse().unwrap();
    f.apply(upserts(vec![
        older,
        ecs("new-degraded", 1),
        hr("ns", "failed", "False"),
        ecs("fine", 2),
    ]));
    let names: Vec<&str> = f
        .problems()
        .iter()
        .map(|k| f.get(*k).unwrap().id.name.as_str())
        .collect();
    assert_eq!(names, ["failed", "new-degraded", "old-degraded"]);
}

#[test]
fn cursor_stays_on_its_row_when_rows_come_and_go() {
    let mut f = Fleet::new("t");
    f.apply(upserts(vec![
        ecs("b-auth", 2),
        ecs("c-functions", 2),
        ecs("d-graphql", 2),
    ]));
    let mut v = TableView::new(ViewSource::Kind(Kind::EcsService));
    v.refresh(&f, now());
    v.move_by(&f, 1);
    assert_eq!(v.selected_id().unwrap().name, "c-functions");

    // A row sorting before the cursor arrives: the cursor follows its row.
    f.apply(upserts(vec![ecs("a-storage", 2)]));
    v.refresh(&f, now());
    assert_eq!(v.cursor(), 2);
    assert_eq!(v.selected_id().unwrap().name, "c-functions");

    // The selected row changes: still selected.
    f.apply(upserts(vec![ecs("c-functions", 1)]));
    v.refresh(&f, now());
    assert_eq!(v.selected_id().unwrap().name, "c-functions");

    // The selected row is removed: the cursor keeps its place, on the next row.
    f.apply([Update::Remove(ecs("c-functions", 1).id)]);
    v.refresh(&f, now());
    assert_eq!(v.cursor(), 2);
    assert_eq!(v.selected_id().unwrap().name, "d-graphql");
}

#[test]
fn filter_and_sort_views() {
    let mut f = Fleet::new("t");
    f.apply(upserts(vec![
        ecs("auth", 2),
        ecs("functions", 1),
        ecs("graphql", 2),
    ]));
    let mut v = TableView::new(ViewSource::Kind(Kind::EcsService));
    v.set_filter("GRAPH");
    v.refresh(&f, now());
    assert_eq!(v.len(), 1);
    v.set_filter("!graph");
    v.refresh(&f, now());
    assert_eq!(v.len(), 2);
    v.set_filter("degraded");
    v.refresh(&f, now());
    assert_eq!(v.len(), 1, "the filter matches health too");

    v.set_filter("");
    // RUNNING column (2) sorts by shortfall: the 1/2 service first.
    while v.sort().unwrap().column != 2 {
        v.cycle_sort();
    }
    v.refresh(&f, now());
    assert_eq!(f.get(v.keys()[0]).unwrap().id.name, "functions");
    v.reverse_sort();
    v.refresh(&f, now());
    assert_eq!(
        f.get(*v.keys().last().unwrap()).unwrap().id.name,
        "functions"
    );
}

/// The region row as Route53 reports it: only health checks.
fn routing(healthy: bool) -> Row {
    let facts = Facts::Region(Region {
        health_checks: vec![HealthCheck {
            id: "hc-1".into(),
            fqdn: "api.use1.phenom.io".into(),
            healthy: Some(healthy),
        }],
        reported: Reported::ROUTING,
        ..Region::default()
    });
    let mut row = region("OK");
    row = Row::new(
        row.id,
        "aws:phenom/us-east-1/route53".into(),
        facts,
        vec![],
        now(),
    );
    row
}

fn alarms_only(state: &str) -> Row {
    let mut row = region(state);
    if let Facts::Region(r) = &mut row.facts {
        r.reported = Reported::ALARMS;
    }
    Row::new(row.id, row.source, row.facts, vec![], now())
}

#[test]
fn cloudwatch_and_route53_each_keep_the_others_layer_of_a_region() {
    let mut f = Fleet::new("t");
    f.apply([
        Update::upsert(alarms_only("ALARM")),
        Update::upsert(ecs("api", 2)),
    ]);
    f.apply([Update::upsert(routing(false))]);
    let r = f.rows_of(Kind::Region).next().unwrap();
    let Facts::Region(facts) = &r.facts else {
        unreachable!()
    };
    assert_eq!(facts.alarms.len(), 1, "route53 kept the alarms");
    assert_eq!(facts.health_checks.len(), 1);
    assert_eq!(facts.parts.ecs.total, 1, "roll-up kept");
    assert_eq!(r.health, Health::Failed, "failed health check is the worst");
    f.apply([Update::upsert(alarms_only("OK"))]);
    let r = f.rows_of(Kind::Region).next().unwrap();
    let Facts::Region(facts) = &r.facts else {
        unreachable!()
    };
    assert_eq!(facts.health_checks.len(), 1, "cloudwatch kept the checks");
    assert_eq!(r.health, Health::Failed);
    f.apply([Update::upsert(routing(true))]);
    assert_eq!(
        f.rows_of(Kind::Region).next().unwrap().health,
        Health::Healthy
    );
    let generation = f.generation();
    assert!(
        !f.apply([Update::upsert(alarms_only("OK"))]),
        "an unchanged poll changes nothing (generation {generation})"
    );
}

/// The tallies kept as rows change agree with counting every row, through upserts, health
/// changes of parts (which change their roll-ups' health) and removals.
#[test]
fn health_tallies_and_problem_count_follow_every_change() {
    let check = |f: &Fleet| {
        for kind in Kind::ALL {
            let rows: Vec<&Row> = f.rows_of(kind).collect();
            let t = f.tally(kind);
            assert_eq!(t.total(), rows.len(), "{kind:?}");
            let bad = rows.iter().filter(|r| r.health != Health::Healthy).count();
            assert_eq!(t.not_healthy(), bad, "{kind:?}");
            assert_eq!(t.worst(), rows.iter().map(|r| r.health).max(), "{kind:?}");
        }
        assert_eq!(f.problem_count(), f.problems().len());
    };
    let mut f = Fleet::new("t");
    f.apply(crate::backend::demo::initial_updates(now(), 1));
    check(&f);
    f.apply(upserts(vec![
        region("OK"),
        ecs("graphql", 2),
        ecs("auth", 0),
        org("acme", &["acme-a"]),
        hr("acme-a", "web", "False"),
    ]));
    check(&f);
    // The failing service recovers: its region's roll-up changes health with it.
    f.apply(upserts(vec![ecs("auth", 2), hr("acme-a", "web", "True")]));
    check(&f);
    let some: Vec<RowId> = f.all().step_by(3).map(|(_, r)| r.id.clone()).collect();
    f.apply(some.into_iter().map(Update::Remove));
    check(&f);
}

/// A view that moves changed rows into place shows the same order as one sorted from scratch,
/// whatever the column, through changes of health and reason, removals and new rows.
#[test]
fn moving_changed_rows_gives_the_order_of_a_full_sort() {
    let mut f = Fleet::new("t");
    f.apply(crate::backend::demo::initial_updates(now(), 2));
    let source = ViewSource::Kind(Kind::HelmRelease);
    let columns = TableView::new(source).columns().len();
    for sorts in 0..=columns {
        let mut kept = TableView::new(source);
        for _ in 0..sorts {
            kept.cycle_sort();
        }
        kept.refresh(&f, now());
        let existing: Vec<Row> = f.rows_of(Kind::HelmRelease).take(12).cloned().collect();
        for (round, ready) in ["False", "True", "Unknown"].into_iter().enumerate() {
            let mut changes: Vec<Update> = existing
                .iter()
                .skip(round)
                .step_by(2)
                .map(|r| {
                    let mut changed = hr(r.id.scope.namespace(), &r.id.name, ready);
                    changed.id = r.id.clone();
                    Update::upsert(changed)
                })
                .collect();
            changes.push(Update::upsert(hr("new-ns", &format!("new-{round}"), ready)));
            changes.push(Update::Remove(existing[round * 3].id.clone()));
            f.apply(changes);
            kept.refresh(&f, now());
            let mut fresh = TableView::new(source);
            for _ in 0..sorts {
                fresh.cycle_sort();
            }
            fresh.refresh(&f, now());
            assert_eq!(kept.keys(), fresh.keys(), "{sorts} sorts, round {round}");
        }
    }
}

#[test]
fn an_error_before_any_answer_leaves_current_rows_an_error_after_one_stale_rows() {
    let mut f = Fleet::new("t");
    let error = |reason: &str| Update::Source {
        name: "prod-cluster".into(),
        status: SourceStatus::Error {
            reason: reason.into(),
        },
        at: now(),
    };
    f.apply([error("the credential plugin failed")]);
    f.apply(upserts(vec![hr("numinia", "world", "True")]));
    let row = f.rows_of(Kind::HelmRelease).next().unwrap();
    assert!(
        !f.is_stale(row),
        "never connected: what it shows is what it says now"
    );
    f.apply([Update::Source {
        name: "prod-cluster".into(),
        status: SourceStatus::Connected,
        at: now(),
    }]);
    f.apply([error("the API server refused the credentials (401)")]);
    let row = f.rows_of(Kind::HelmRelease).next().unwrap();
    assert!(
        f.is_stale(row),
        "it answered once: its rows may be out of date"
    );
}

/// The change log: a row already there whose health moves, a source dropping out and coming
/// back, a row gone; not the first fill, nor a source's first connect.
#[test]
fn the_timeline_records_what_changed_and_not_the_first_fill() {
    use super::changes::Subject;
    let mut f = Fleet::new("t");
    let at = |s: &str| -> Timestamp { s.parse().unwrap() };
    f.apply([
        Update::Source {
            name: "aws:phenom".into(),
            status: SourceStatus::Connecting,
            at: now(),
        },
        Update::upsert(ecs("functions", 2)),
        Update::upsert(ecs("api", 2)),
        Update::Source {
            name: "aws:phenom".into(),
            status: SourceStatus::Connected,
            at: now(),
        },
    ]);
    assert!(f.timeline().is_empty(), "{:?}", f.timeline());

    let mut failing = ecs("functions", 0);
    failing.updated_at = at("2026-11-23T12:01:00Z");
    f.apply([Update::upsert(failing)]);
    f.apply([Update::Source {
        name: "aws:phenom".into(),
        status: SourceStatus::Stale {
            reason: "timed out (VPN?)".into(),
        },
        at: at("2026-11-23T12:02:00Z"),
    }]);
    f.apply([Update::Remove(ecs("api", 2).id)]);

    let changes: Vec<_> = f.timeline().newest_first().collect();
    assert_eq!(changes.len(), 3, "{changes:#?}");
    let (gone, stale, failed) = (changes[0], changes[1], changes[2]);
    assert_eq!(failed.subject, Subject::Row(ecs("functions", 0).id));
    assert_eq!(failed.at, at("2026-11-23T12:01:00Z"));
    assert!(failed.from.is_some() && failed.to.is_some() && failed.from != failed.to);
    assert!(failed.note.contains("0/2"), "{failed:?}");
    assert_eq!(stale.subject, Subject::Source("aws:phenom".into()));
    assert_eq!(stale.note, "connected → stale: timed out (VPN?)");
    assert_eq!(gone.subject, Subject::Row(ecs("api", 2).id));
    assert_eq!((gone.to, gone.note.as_str()), (None, "gone"));
    assert_eq!(gone.at, at("2026-11-23T12:02:00Z"), "the latest time seen");
}
