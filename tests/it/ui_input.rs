//! The UI task never waits on a backend: keys are handled while a source has not answered and
//! while another floods the store.

use std::time::Duration;

use crossterm::event::Event;
use futures_util::stream;
use opsdeck::backend::demo;
use opsdeck::model::Kind;
use opsdeck::store::{self, SourceStatus, Update};
use opsdeck::ui::{Pane, event_loop};
use testkit::*;

/// Keys arrive from a channel, one at a time, like a terminal's event stream.
fn key_stream(
    rx: tokio::sync::mpsc::UnboundedReceiver<Event>,
) -> impl futures_util::Stream<Item = std::io::Result<Event>> + Unpin {
    Box::pin(stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok(e), rx))
    }))
}

#[tokio::test]
async fn keys_are_handled_while_a_source_is_slow() {
    let (mut app, _) = demo_app();
    let (tx, rx) = store::channel();
    // A source that announced itself and then hangs, as a dead VPN would make it. The
    // announcement is in the fleet before the loop starts: the loop may take the queued keys
    // (and quit) before a queued update, which is not what this test is about.
    app.fleet.apply([Update::Source {
        name: "eks-slow".into(),
        status: SourceStatus::Connecting,
        at: origin(),
    }]);
    let slow_source = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(tx);
    });
    let (key_tx, key_rx) = tokio::sync::mpsc::unbounded_channel();
    for e in key_events(":ecs\n/functions\n") {
        key_tx.send(e).unwrap();
    }
    key_tx.send(Event::Key(key('q'))).unwrap();

    let mut term = terminal();
    let run = event_loop::run(&mut term, &mut app, key_stream(key_rx), rx);
    // A guard, not a timing assertion: without it a regression would hang the suite.
    tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("the UI handled every key without waiting for the slow source")
        .unwrap();
    assert!(app.quit);
    assert_eq!(app.pane, Pane::Kind(Kind::EcsService));
    assert_eq!(app.view(app.pane).filter().raw(), "functions");
    assert!(app.fleet.source("eks-slow").unwrap().status == SourceStatus::Connecting);
    slow_source.abort();
}

#[tokio::test]
async fn keys_are_handled_while_another_source_floods_the_store() {
    let (mut app, _) = demo_app();
    let (tx, rx) = store::channel();
    // Forty thousand rows in small batches, sent as fast as the channel takes them, forever.
    let flood = tokio::spawn(async move {
        let rows = demo::scale_rows(origin(), 20);
        loop {
            for chunk in rows.chunks(200) {
                let batch = chunk.iter().cloned().map(Update::upsert).collect();
                if tx.send(batch).await.is_err() {
                    return;
                }
            }
        }
    });
    let (key_tx, key_rx) = tokio::sync::mpsc::unbounded_channel();
    for e in key_events(":hr\n") {
        key_tx.send(e).unwrap();
    }
    key_tx.send(Event::Key(key('q'))).unwrap();
    let mut term = terminal();
    // The key sender stays alive: the loop must end because of `q`, not because input ended.
    let run = event_loop::run(&mut term, &mut app, key_stream(key_rx), rx);
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the UI handled every key while the store was flooded")
        .unwrap();
    drop(key_tx);
    assert!(app.quit);
    assert_eq!(app.pane, Pane::Kind(Kind::HelmRelease));
    flood.abort();
}

/// A stream of changes a few milliseconds apart costs a few frames, not one per change, and the
/// last change is on screen once they stop.
#[tokio::test]
async fn a_burst_of_changes_costs_a_few_frames_and_the_last_one_is_drawn() {
    let (mut app, _) = demo_app();
    let (tx, rx) = store::channel();
    const CHANGES: usize = 200;
    let flap = |status| {
        vec![Update::Source {
            name: "flapping".into(),
            status,
            at: origin(),
        }]
    };
    let last = SourceStatus::Error {
        reason: "the last change".into(),
    };
    let final_status = last.clone();
    let sender = tokio::spawn(async move {
        for i in 0..CHANGES {
            let status = if i % 2 == 0 {
                SourceStatus::Connecting
            } else {
                SourceStatus::Connected
            };
            if tx.send(flap(status)).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let _ = tx.send(flap(final_status)).await;
        // The channel stays open: the loop ends because the observer saw the last change.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    });
    let (_key_tx, key_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut term = terminal();
    let mut frames = 0;
    let mut rx = rx;
    let run = event_loop::run_observed(&mut term, &mut app, key_stream(key_rx), &mut rx, |app| {
        frames += 1;
        app.fleet.source("flapping").map(|s| &s.status) != Some(&last)
    });
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the last change was drawn")
        .unwrap();
    sender.abort();
    // One frame per change would be 200; at 30 a second over the burst it is far fewer.
    assert!(
        frames < CHANGES / 4,
        "{frames} frames for {CHANGES} changes"
    );
}
