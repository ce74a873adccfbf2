//! Renders of every pane, the detail view, the help overlay and the filter into ratatui's
//! TestBackend, on the demo fleet.

use crossterm::event::KeyCode;
use opsdeck::model::{Health, Kind};
use opsdeck::store::{SourceStatus, Update};
use opsdeck::ui::app::Mode;
use opsdeck::ui::keymap::BINDINGS;
use opsdeck::ui::pane::COMMANDS;
use opsdeck::ui::{App, Pane};
use testkit::*;

/// The line of the screen that contains `needle`.
fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{screen}"))
}

#[test]
fn overview_shows_the_region_matrix_and_problems_worst_first() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    let s = render(&mut term, &mut app);
    assert!(s.contains("READ-ONLY"));
    assert!(s.contains("sources 11/11"));
    assert!(s.contains("2026-11-23 12:00 UTC"));
    let sae1 = line_with(&s, "helpdev-prod sa-east-1");
    assert!(
        sae1.contains("secondary") && sae1.contains("1 firing") && sae1.contains("degraded"),
        "{sae1}"
    );
    let phenom = line_with(&s, "phenom us-east-1");
    assert!(
        phenom.contains("7/8") && phenom.contains("degraded"),
        "{phenom}"
    );
    assert!(line_with(&s, "helpdev-prod us-east-1").contains("primary ●"));
    // Problems: the failed HelmRelease first, then its stuck Deployment and the agent whose
    // pod cannot start; the suspended Kustomization last.
    let problems: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.contains("Problems ["))
        .skip(2)
        .take(7)
        .collect();
    assert!(
        problems[0].contains("hyperfy2-world") && problems[0].contains("failed"),
        "{problems:?}"
    );
    assert!(
        problems[1..3]
            .iter()
            .all(|p| p.contains("wl") && p.contains("failed")),
        "{problems:?}"
    );
    assert!(
        problems[6].contains("art-unchained-pre") && problems[6].contains("suspended"),
        "{problems:?}"
    );
}

#[test]
fn every_pane_renders_its_rows() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    let k = Pane::Kind;
    let panes = [
        Pane::Problems,
        k(Kind::Cluster),
        k(Kind::EcsService),
        k(Kind::Kustomization),
        k(Kind::HelmRelease),
        k(Kind::Workload),
        k(Kind::FluxSource),
        k(Kind::ArgoApplication),
        k(Kind::ArgoAppSet),
        k(Kind::Certificate),
        k(Kind::DbInstance),
        k(Kind::Region),
        k(Kind::Organization),
    ];
    // Each pane's title, then what must be on it, separated by `|`.
    let expect = [
        "Problems [7/7]|r3s3t-tls|expires in 5 d|statefulset/elizaos-researcher",
        "Clusters [5/5]|eks-prod-sae1|ACTIVE, API reachable",
        "ECS services [8/8]|functions|1/2|phenom-prod-cluster",
        "Kustomizations [15/15]|art-unchained-pre|suspended",
        "HelmReleases [35/35]|hyperfy2-world|UpgradeFailed",
        "Workloads [72/72]|deployment/hyperfy2-world|HelmRelease/hyperfy2-world|ghcr.io/numinia/hyperfy2:0.4.3",
        "Flux sources [13/13]|gitrepository/flux-system|main@sha1:5f1c2e7a",
        "Argo CD Applications [15/15]|checkout-api|Synced|helpdev",
        "Argo CD ApplicationSets [3/3]|platform-apps|git|5 Applications synced and healthy",
        "Certificates [10/10]|r3s3t-tls|2026-11-28",
        "RDS [7/7]|phenom-prod-postgres|postgres 17.4|db.m5.large",
        "Regions [6/6]|sa-east-1|1 firing/1",
        "Organizations [5/5]|numen-games|numengames.com",
    ];
    for (pane, wanted) in panes.into_iter().zip(expect) {
        // Reach each pane with Tab, as a user would.
        while app.pane != pane {
            app.handle_key(code(KeyCode::Tab));
        }
        let s = render(&mut term, &mut app);
        let mut wanted = wanted.split('|');
        let title = wanted.next().unwrap();
        assert!(s.contains(title), "{title} missing:\n{s}");
        for n in wanted {
            assert!(s.contains(n), "{n:?} missing on {title}:\n{s}");
        }
    }
}

/// At the sizes people's terminals have, every table pane keeps NAME and HEALTH, shows each
/// row's health whole, and cuts a name only with `…`; no line is wider than the terminal.
#[test]
fn every_pane_fits_every_terminal_size() {
    for (width, height) in [(80, 24), (100, 30), (180, 50), (250, 60)] {
        let (mut app, _) = demo_app();
        let mut term =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
        for pane in opsdeck::ui::pane::ORDER.into_iter().skip(1) {
            while app.pane != pane {
                app.handle_key(code(KeyCode::Tab));
            }
            let s = render(&mut term, &mut app);
            let lines: Vec<&str> = s.lines().collect();
            let at = format!("{pane:?} at {width}×{height}");
            assert!(
                lines.iter().all(|l| l.chars().count() <= width as usize),
                "{at}:\n{s}"
            );
            // The tab bar names the current pane, in full or by its short name.
            let named = match pane {
                Pane::Kind(k) => {
                    lines[2].contains(&format!(" {} ", k.spec().tab))
                        || lines[2].contains(&format!(" {} ", k.short()))
                }
                _ => lines[2].contains(pane.tab_label()),
            };
            assert!(named, "{at}: the current tab is on the tab bar:\n{s}");
            let top = lines
                .iter()
                .position(|l| l.starts_with("┌ ") && l.contains(" ["))
                .unwrap_or_else(|| panic!("{at}: no table:\n{s}"));
            let header = lines[top + 1];
            assert!(
                header.contains("NAME") && header.contains("HEALTH"),
                "{at}: {header}\n{s}"
            );
            // Where no context, namespace or cluster says which object a row is, its account
            // does: three us-east-1 regions must not look alike.
            let titles: Vec<&str> = app.view(pane).columns().iter().map(|c| c.title).collect();
            let placed = titles
                .iter()
                .any(|t| matches!(*t, "CONTEXT" | "NAMESPACE" | "CLUSTER"));
            if titles.contains(&"ACCOUNT") && !placed {
                assert!(header.contains("ACCOUNT"), "{at}: {header}\n{s}");
            }
            // An Argo CD Application's SYNC is its READY: kept from 100 columns (at 80 its
            // HEALTH and REASON say OutOfSync).
            if titles.contains(&"SYNC") && width >= 100 {
                assert!(header.contains("SYNC"), "{at}: {header}\n{s}");
            }
            let view = app.view(pane);
            let bottom = top
                + lines[top..]
                    .iter()
                    .position(|l| l.starts_with('└'))
                    .unwrap();
            let shown = view.len().min(bottom - top - 2);
            for (i, key) in view.keys()[..shown].iter().enumerate() {
                let row = app.fleet.get(*key).unwrap();
                let line = lines[top + 2 + i];
                assert!(
                    line.contains(&format!(" {} ", row.health.as_str())),
                    "{at}: the health of {} is whole: {line}\n{s}",
                    row.id.name
                );
                assert!(
                    line.contains(row.id.name.as_str()) || line.contains('…'),
                    "{at}: {} is whole or cut with …: {line}\n{s}",
                    row.id.name
                );
            }
        }
    }
}

/// The header stays where it is when a filter matches nothing (the selection mark's column is
/// kept), and the selected row keeps its health's colour.
#[test]
fn the_header_holds_still_and_the_selection_keeps_the_health_colour() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    type_line(&mut app, ":hr");
    type_line(&mut app, "/UpgradeFailed");
    let s = render(&mut term, &mut app);
    let header = |s: &str| line_with(s, "NAMESPACE").find("NAMESPACE").unwrap();
    let before = header(&s);
    // The failing release is selected: its HEALTH cell is drawn in the failed colour.
    let buf = term.backend().buffer().clone();
    let failed_colour = app.theme.health_style(opsdeck::model::Health::Failed).fg;
    let y = s
        .lines()
        .position(|l| l.contains("hyperfy2-world"))
        .unwrap() as u16;
    let x = s.lines().nth(y as usize).unwrap().find("failed").unwrap();
    let x = s.lines().nth(y as usize).unwrap()[..x].chars().count() as u16;
    assert_eq!(buf[(x, y)].fg, failed_colour.unwrap(), "{s}");
    type_line(&mut app, "/no-such-thing-anywhere");
    let s = render(&mut term, &mut app);
    assert!(s.contains("no row matches the filter"), "{s}");
    assert_eq!(header(&s), before, "{s}");
}

#[test]
fn certificates_sort_by_expiry_with_days_left() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    type_line(&mut app, ":cert");
    let s = render(&mut term, &mut app);
    let first = s
        .lines()
        .skip_while(|l| !l.contains("DAYS↑"))
        .nth(1)
        .unwrap();
    assert!(
        first.contains("r3s3t-tls") && first.contains(" 5 "),
        "{first}"
    );
    assert!(first.contains("degraded"));
}

#[test]
fn detail_view_shows_conditions_related_rows_and_cli() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    type_line(&mut app, ":hr");
    type_line(&mut app, "/world");
    // Move to the failing release, whatever its position.
    for _ in 0..10 {
        let selected = app.selected_key().unwrap();
        if app.fleet.get(selected).unwrap().health == Health::Failed {
            break;
        }
        app.handle_key(key_j());
    }
    app.handle_key(code(KeyCode::Enter));
    let s = render(&mut term, &mut app);
    assert!(
        s.contains("HelmReleases numen-games/hyperfy2-world @ prod-cluster"),
        "{s}"
    );
    assert!(s.contains("── Conditions"));
    let ready = line_with(&s, "Ready         False");
    assert!(
        ready.contains("UpgradeFailed") && ready.contains("context deadline exceeded"),
        "{ready}"
    );
    assert!(s.contains("chart_version") && s.contains("0.4.2"));
    assert!(s.contains("── Related"));
    assert!(line_with(&s, "org    numen-games").contains("failed"));
    assert!(
        s.contains("$ flux get helmreleases -n numen-games hyperfy2-world --context prod-cluster")
    );
    app.handle_key(code(KeyCode::Esc));
    let s = render(&mut term, &mut app);
    assert!(s.contains("HelmReleases ["), "Esc returns to the table");
}

#[test]
fn detail_scrolls_to_its_end_and_no_further() {
    let (mut app, _) = demo_app();
    // A laptop's terminal: the detail is taller than the screen.
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
    type_line(&mut app, ":ecs");
    app.handle_key(code(KeyCode::Enter));
    let top = render(&mut term, &mut app);
    assert!(
        top.contains("── Fields") && !top.contains("── Commands"),
        "{top}"
    );
    app.handle_key(key('G'));
    let end = render(&mut term, &mut app);
    assert!(end.contains("$ aws ecs describe-services"), "{end}");
    // Past the end nothing moves, and one k moves back at once.
    for _ in 0..50 {
        app.handle_key(key_j());
    }
    assert_eq!(render(&mut term, &mut app), end);
    app.handle_key(key('k'));
    assert_ne!(render(&mut term, &mut app), end);
    app.handle_key(key('g'));
    assert!(render(&mut term, &mut app).contains("── Fields"));
}

fn key_j() -> crossterm::event::KeyEvent {
    key('j')
}

#[test]
fn help_overlay_lists_every_binding_and_command() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    app.handle_key(key('?'));
    // Every page of it, Space after Space until it moves no more.
    let mut s = render(&mut term, &mut app);
    assert!(s.contains("Help — Esc closes"));
    loop {
        app.handle_key(key(' '));
        let page = render(&mut term, &mut app);
        if s.ends_with(&page) {
            break;
        }
        s.push_str(&page);
    }
    for b in BINDINGS {
        assert!(s.contains(b.help), "help lacks {:?}\n{s}", b.help);
        assert!(s.contains(&b.keys.join(" ")), "help lacks {:?}", b.keys);
    }
    for (name, _) in COMMANDS {
        assert!(s.contains(&format!(":{name}")), "help lacks :{name}");
    }
    app.handle_key(code(KeyCode::Esc));
    assert!(!render(&mut term, &mut app).contains("Help — Esc closes"));
}

#[test]
fn filter_narrows_inverts_and_clears() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    type_line(&mut app, ":hr");
    app.handle_key(key('/'));
    for c in "numen".chars() {
        app.handle_key(key(c));
    }
    // Applied while typing.
    let s = render(&mut term, &mut app);
    assert!(
        s.contains("/numen▏"),
        "the input line shows the filter being typed"
    );
    let title = line_with(&s, "HelmReleases [");
    assert!(title.contains("/numen"), "{title}");
    let body: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.contains("NAMESPACE"))
        .skip(1)
        .take_while(|l| l.contains("│") && !l.trim_matches(['│', ' ']).is_empty())
        .collect();
    assert!(!body.is_empty());
    assert!(body.iter().all(|l| l.contains("numen-games")), "{body:?}");
    app.handle_key(code(KeyCode::Enter));

    type_line(&mut app, "/!prod-cluster");
    let s = render(&mut term, &mut app);
    assert!(
        !s.contains("numen-games"),
        "inverted filter hides the platform cluster"
    );
    assert!(s.contains("forge-api"));

    type_line(&mut app, "/zzz-nothing");
    assert!(render(&mut term, &mut app).contains("no row matches the filter"));
    app.handle_key(code(KeyCode::Esc));
    assert!(
        render(&mut term, &mut app).contains("HelmReleases [35/35]"),
        "Esc clears the filter"
    );
}

#[test]
fn unknown_and_ambiguous_commands_say_so() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    type_line(&mut app, ":bogus");
    assert!(render(&mut term, &mut app).contains("unknown command :bogus"));
    app.handle_key(key(':'));
    app.handle_key(key('c'));
    app.handle_key(key('e'));
    app.handle_key(code(KeyCode::Tab));
    let s = render(&mut term, &mut app);
    assert!(s.contains(":cert▏"), "Tab completes :ce to :cert");
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(app.pane, Pane::Kind(Kind::Certificate));
}

/// The demo app and a terminal, the source eks-prod-sae1 gone `status` at the origin and the
/// clock at `now`.
fn with_eks_prod_sae1(
    status: SourceStatus,
    now: &str,
) -> (App, ratatui::Terminal<ratatui::backend::TestBackend>) {
    let (mut app, clock) = demo_app();
    app.fleet.apply([Update::Source {
        name: "eks-prod-sae1".into(),
        status,
        at: origin(),
    }]);
    clock.set(now.parse().unwrap());
    (app, terminal())
}

#[test]
fn stale_sources_show_in_the_header_and_on_their_rows() {
    let stale = SourceStatus::Stale {
        reason: "watch connection timed out (VPN?)".into(),
    };
    let (mut app, mut term) = with_eks_prod_sae1(stale, "2026-11-23T12:00:40Z");
    type_line(&mut app, ":app");
    type_line(&mut app, "/eks-prod-sae1");
    let s = render(&mut term, &mut app);
    assert!(s.contains("sources 10/11"));
    assert!(
        s.contains("eks-prod-sae1 · stale 40s (watch connection timed out (VPN?))"),
        "{s}"
    );
    assert!(line_with(&s, "payment-api").contains("healthy (stale)"));
}

#[test]
fn cursor_follows_its_row_when_rows_arrive() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    type_line(&mut app, ":ecs");
    render(&mut term, &mut app);
    app.handle_key(key('G'));
    render(&mut term, &mut app);
    let before = app.view(app.pane).selected_id().cloned().unwrap();
    // A service that sorts first arrives: the cursor stays on the same service.
    let selected = app.selected_key().unwrap();
    let mut row = app.fleet.get(selected).unwrap().clone();
    row.id.name = "aaa-new".into();
    app.fleet.apply([Update::upsert(row)]);
    render(&mut term, &mut app);
    assert_eq!(app.view(app.pane).selected_id(), Some(&before));
}

#[test]
fn themes_colour_health() {
    use opsdeck::ui::Theme;
    let (mut app, _) = demo_app();
    app.theme = Theme::load("high-contrast", None).unwrap();
    let mut term = terminal();
    type_line(&mut app, ":hr");
    type_line(&mut app, "/hyperfy2-world");
    render(&mut term, &mut app);
    let buf = term.backend().buffer().clone();
    let failed_cells: Vec<(u16, u16)> = (0..buf.area.height)
        .flat_map(|y| (0..buf.area.width).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            x + 6 < buf.area.width
                && (0..6).all(|i| buf[(x + i, y)].symbol() == &"failed"[i as usize..=i as usize])
        })
        .collect();
    assert!(
        !failed_cells.is_empty(),
        "a 'failed' health cell is on screen"
    );
    // The selected row is drawn in the selection colours; any other failed cell in the theme's.
    let cell = *failed_cells
        .iter()
        .find(|c| buf[**c].fg != app.theme.selection_fg)
        .unwrap_or(&failed_cells[0]);
    if buf[cell].fg == app.theme.selection_fg {
        app.handle_key(key('G'));
        render(&mut term, &mut app);
    }
    let buf = term.backend().buffer().clone();
    let cell = *failed_cells
        .iter()
        .find(|c| buf[**c].fg != app.theme.selection_fg)
        .expect("an unselected failed cell");
    assert_eq!(buf[cell].fg, app.theme.health(Health::Failed));
}

#[test]
fn forbidden_kinds_are_named_in_the_header_and_the_pane() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    app.fleet.apply([Update::SourceNote {
        name: "prod-cluster".into(),
        kind: Kind::HelmRelease,
        note: Some("forbidden (RBAC)".into()),
    }]);
    type_line(&mut app, ":hr");
    let s = render(&mut term, &mut app);
    assert!(
        line_with(&s, "HelmReleases [").contains("⚠ prod-cluster: forbidden (RBAC)"),
        "{s}"
    );
    assert!(s.contains("prod-cluster [hr: forbidden (RBAC)]"), "{s}");
    type_line(&mut app, ":ks");
    assert!(!line_with(&render(&mut term, &mut app), "Kustomizations [").contains("forbidden"));
}

#[test]
fn the_detail_of_a_database_draws_its_metrics_as_sparklines() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    type_line(&mut app, ":rds");
    type_line(&mut app, "/phenom-prod-postgres");
    app.handle_key(code(crossterm::event::KeyCode::Enter));
    let screen = render(&mut term, &mut app);
    assert!(
        screen.contains("Metrics (last 3 h, 5-minute averages)"),
        "{screen}"
    );
    let cpu = screen
        .lines()
        .find(|l| l.contains("CPU %"))
        .expect("a CPU line");
    assert!(cpu.chars().any(|c| ('▁'..='█').contains(&c)), "{cpu}");
    assert!(
        screen
            .lines()
            .any(|l| l.contains("free storage GB") && l.contains("now "))
    );
}

/// k9s habits in the command bar and the filter: an argument filters the pane, Tab goes round
/// the completions and never onto a quit, `/` takes a regex and finds what any column shows.
#[test]
fn commands_take_arguments_tab_goes_round_and_filters_take_regexes() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    let len = |app: &App, pane: Pane| app.view(pane).len();
    let hr = Pane::Kind(Kind::HelmRelease);

    // A namespace by its whole name is that one, as k9s's `:hr NAMESPACE`; other text filters.
    type_line(&mut app, ":hr numen-games");
    assert_eq!(app.pane, hr);
    assert_eq!(app.view(hr).filter().raw(), "^numen-games$");
    let s = render(&mut term, &mut app);
    assert!(
        s.contains("HelmReleases [") && s.contains("/^numen-games$"),
        "{s}"
    );
    assert!(!s.contains("numen-games-pre"), "{s}");
    assert!(len(&app, hr) > 0 && len(&app, hr) < 50, "{}", len(&app, hr));
    type_line(&mut app, ":hr numen");
    assert_eq!(app.view(hr).filter().raw(), "numen");
    assert!(render(&mut term, &mut app).contains("numen-games-pre"));

    // `:deploy` keeps its own filter and adds the argument's.
    type_line(&mut app, ":deploy hyperfy2-world");
    let wl = Pane::Kind(Kind::Workload);
    let s = render(&mut term, &mut app);
    assert!(s.contains("deployment/hyperfy2-world"), "{s}");
    assert!(!s.contains("statefulset/"), "{s}");

    // Tab shows each completion in turn; `:` Tab is never `:q`.
    app.handle_key(key(':'));
    app.handle_key(key('r'));
    let mut seen = Vec::new();
    for _ in 0..3 {
        app.handle_key(code(KeyCode::Tab));
        let Mode::Command(typed, _) = &app.mode else {
            panic!("{:?}", app.mode)
        };
        seen.push(typed.clone());
    }
    assert_eq!(seen[0], "rb");
    assert_ne!(seen[0], seen[1], "the second Tab shows another: {seen:?}");
    app.handle_key(code(KeyCode::Esc));
    app.handle_key(key(':'));
    for _ in 0..40 {
        app.handle_key(code(KeyCode::Tab));
        let Mode::Command(typed, _) = &app.mode else {
            panic!("{:?}", app.mode)
        };
        assert!(typed != "q" && typed != "quit", "{typed}");
    }
    app.handle_key(code(KeyCode::Esc));

    // A regex; a column's text (an image) found; an invalid regex is its own text.
    type_line(&mut app, ":hr");
    type_line(&mut app, "/^hyperfy2-(world|lab)$");
    render(&mut term, &mut app);
    let n = len(&app, hr);
    assert!(n >= 2, "{n}");
    let s = render(&mut term, &mut app);
    assert!(!s.contains("hyperfy2-plaza"), "{s}");
    type_line(&mut app, ":wl");
    type_line(&mut app, "/ghcr.io/numinia");
    render(&mut term, &mut app);
    assert!(len(&app, wl) > 0, "the IMAGES column is searched");
    type_line(&mut app, "/hyperfy2-world(");
    let s = render(&mut term, &mut app);
    assert_eq!(
        len(&app, wl),
        0,
        "not a regex, the text itself: found nowhere\n{s}"
    );
}

/// `Shift-letter` sorts by the column of that initial, as in k9s; again reverses it.
#[test]
fn a_capital_sorts_by_its_column_and_again_reverses() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    type_line(&mut app, ":hr");
    app.handle_key(key('H'));
    let s = render(&mut term, &mut app);
    assert!(line_with(&s, "NAMESPACE").contains("HEALTH↑"), "{s}");
    app.handle_key(key('H'));
    let s = render(&mut term, &mut app);
    assert!(line_with(&s, "NAMESPACE").contains("HEALTH↓"), "{s}");
    // Worst first: the failed release heads the table.
    let first = s
        .lines()
        .skip_while(|l| !l.contains("HEALTH↓"))
        .nth(1)
        .unwrap();
    assert!(
        first.contains("hyperfy2-world") && first.contains("failed"),
        "{s}"
    );
    app.handle_key(key('N'));
    let s = render(&mut term, &mut app);
    assert!(line_with(&s, "NAMESPACE").contains("NAME↑"), "{s}");
}

/// `:ctx`, `:ns` and `0` scope every pane, as in k9s, and the header says where it looks.
#[test]
fn ctx_and_ns_scope_every_pane_and_zero_looks_everywhere() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    // Seed 003's clusters run Argo CD: its Applications pane.
    let hr = Pane::Kind(Kind::ArgoApplication);
    type_line(&mut app, ":app");
    render(&mut term, &mut app);
    let all = app.view(hr).len();

    type_line(&mut app, ":ctx eks-prod-use1");
    let s = render(&mut term, &mut app);
    assert!(
        line_with(&s, "opsdeck │").contains("ctx eks-prod-use1"),
        "{s}"
    );
    let in_ctx = app.view(hr).len();
    assert!(in_ctx > 0 && in_ctx < all, "{in_ctx} of {all}");
    assert!(
        app.view(hr)
            .keys()
            .iter()
            .all(|k| app.fleet.get(*k).unwrap().id.scope.context() == "eks-prod-use1")
    );
    // Another pane is scoped too; rows without a context (RDS) stay.
    type_line(&mut app, ":ns checkout");
    type_line(&mut app, ":wl");
    let s = render(&mut term, &mut app);
    assert!(
        line_with(&s, "opsdeck │").contains("ctx eks-prod-use1 · ns checkout"),
        "{s}"
    );
    let wl = app.view(Pane::Kind(Kind::Workload));
    assert!(wl.len() == 1, "{s}");
    type_line(&mut app, ":rds");
    render(&mut term, &mut app);
    assert_eq!(app.view(Pane::Kind(Kind::DbInstance)).len(), 7);

    // A name no row has is said, with the ones there are; the scope stays as it was.
    type_line(&mut app, ":ns nosuch");
    let m = app.message.clone().unwrap();
    assert!(
        m.error && m.text.contains("no namespace \"nosuch\"") && m.text.contains("checkout"),
        "{m:?}"
    );
    assert_eq!(app.scoping.namespace.as_deref(), Some("checkout"));

    // `:ctx` alone says which there are and where the panes look; it changes nothing.
    type_line(&mut app, ":ctx");
    let m = app.message.clone().unwrap();
    assert!(
        m.text.contains("contexts: ")
            && m.text.contains("prod-cluster")
            && m.text.contains("now: eks-prod-use1"),
        "{m:?}"
    );
    assert_eq!(app.scoping.context.as_deref(), Some("eks-prod-use1"));

    app.handle_key(key('0'));
    type_line(&mut app, ":app");
    let s = render(&mut term, &mut app);
    assert!(!line_with(&s, "opsdeck │").contains("ctx "), "{s}");
    assert_eq!(app.view(hr).len(), all);
}

/// In a detail, the fields' values start in one column, and a long condition message goes on
/// under MESSAGE instead of at the screen's edge.
#[test]
fn detail_values_align_and_wrap_under_their_column() {
    let (mut app, _) = demo_app();
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 60)).unwrap();
    type_line(&mut app, ":hr");
    type_line(&mut app, "/UpgradeFailed");
    app.handle_key(code(KeyCode::Enter));
    let s = render(&mut term, &mut app);
    let lines: Vec<&str> = s.lines().collect();
    let value_column = |l: &str| {
        let key_end = l[4..].find("  ").unwrap() + 4;
        l[key_end..].find(|c: char| c != ' ').unwrap() + key_end
    };
    let fields: Vec<&str> = lines
        .iter()
        .skip_while(|l| !l.contains("── Fields"))
        .skip(1)
        .take_while(|l| !l.trim_matches(['│', ' ']).is_empty())
        .copied()
        .collect();
    assert!(fields.len() > 5, "{s}");
    let first = value_column(fields[0]);
    assert!(fields.iter().all(|l| value_column(l) == first), "{s}");
    let header = line_with(&s, "MESSAGE");
    let message_at = header.find("MESSAGE").unwrap();
    let ready = lines
        .iter()
        .position(|l| l.contains("Ready ") && l.contains("UpgradeFailed"))
        .unwrap();
    let next = lines[ready + 1];
    assert_eq!(
        next.find(|c: char| c != ' ' && c != '│'),
        Some(message_at),
        "{s}"
    );
}

/// The help scrolls like a pager: G to its end (and k back at once), Space a page; a stray
/// key does not close it, Esc does.
#[test]
fn help_scrolls_like_a_pager_and_closes_on_esc_only() {
    let (mut app, _) = demo_app();
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 24)).unwrap();
    app.handle_key(key('?'));
    let top = render(&mut term, &mut app);
    app.handle_key(key('G'));
    let end = render(&mut term, &mut app);
    assert_ne!(top, end, "G moved to the end");
    app.handle_key(key('G'));
    assert_eq!(render(&mut term, &mut app), end, "and no further");
    app.handle_key(key('k'));
    assert_ne!(render(&mut term, &mut app), end, "one k moves back at once");
    app.handle_key(key('g'));
    assert_eq!(render(&mut term, &mut app), top);
    app.handle_key(key(' '));
    assert_ne!(render(&mut term, &mut app), top, "Space pages");
    app.handle_key(key('x'));
    assert!(app.help.is_some(), "a stray key does not close it");
    app.handle_key(code(KeyCode::Esc));
    assert!(app.help.is_none());
}

/// A detail's related rows can be marked with Tab and opened with Enter; Esc goes back the way
/// the user came: to the detail before, to the table, to the pane before the `:` command.
#[test]
fn related_rows_open_from_a_detail_and_esc_goes_back_the_way_it_came() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    type_line(&mut app, ":org numen-games");
    app.handle_key(code(KeyCode::Enter));
    let org = app
        .detail
        .as_ref()
        .expect("the organization's detail")
        .id
        .clone();
    assert_eq!(org.name, "numen-games");
    app.handle_key(code(KeyCode::Tab));
    let screen = render(&mut term, &mut app);
    let marked = screen
        .lines()
        .find(|l| l.contains('▸'))
        .unwrap_or_else(|| panic!("a marked related row on screen:\n{screen}"))
        .to_string();
    app.handle_key(code(KeyCode::Enter));
    let opened = app.detail.as_ref().unwrap().id.clone();
    assert_ne!(opened, org);
    assert!(
        marked.contains(&opened.display_name()),
        "{marked} / {opened:?}"
    );
    app.handle_key(code(KeyCode::Esc));
    assert_eq!(
        app.detail.as_ref().unwrap().id,
        org,
        "back to the organization"
    );
    // Round the list: Shift-Tab from the first marks the last.
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(code(KeyCode::BackTab));
    let screen = render(&mut term, &mut app);
    let last_related = screen
        .lines()
        .take_while(|l| !l.contains("── Commands"))
        .filter(|l| !l.trim_matches(|c| c == '│' || c == ' ').is_empty())
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        last_related.contains('▸'),
        "the last related row is marked:\n{screen}"
    );
    // On a short terminal the marked row is scrolled into view.
    let mut small = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    for _ in 0..3 {
        app.handle_key(code(KeyCode::Tab));
        let screen = render(&mut small, &mut app);
        assert!(
            screen.contains('▸'),
            "the marked row is on screen:\n{screen}"
        );
    }
    app.handle_key(code(KeyCode::Esc));
    assert!(app.detail.is_none(), "back to the table");
    assert_eq!(app.pane.title(), "Organizations");
    type_line(&mut app, ":hr");
    assert_eq!(app.pane.title(), "HelmReleases");
    app.handle_key(code(KeyCode::Esc));
    assert_eq!(
        app.pane.title(),
        "Organizations",
        "back to the pane before :hr"
    );
}

/// `:sources` lists the data sources live: the one in trouble first with its reason and for
/// how long, what each brings per kind; `:src` is the Flux sources pane.
#[test]
fn sources_lists_the_data_sources_and_src_the_flux_ones() {
    let forbidden = SourceStatus::Error {
        reason: "forbidden (RBAC): cannot list helmreleases".into(),
    };
    let (mut app, mut term) = with_eks_prod_sae1(forbidden, "2026-11-23T12:02:00Z");
    type_line(&mut app, ":sources");
    let s = render(&mut term, &mut app);
    assert!(s.contains("Data sources — 10/11 connected"), "{s}");
    let first = s
        .lines()
        .skip_while(|l| !l.contains("SOURCE"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        first.contains("eks-prod-sae1")
            && first.contains("error")
            && first.contains(" 2m ")
            && first.contains("forbidden (RBAC)"),
        "the source in trouble first, with why and since when: {first}\n{s}"
    );
    let prod = line_with(&s, "prod-cluster ");
    assert!(prod.contains("connected") && prod.contains("hr "), "{prod}");
    app.handle_key(code(KeyCode::Esc));
    assert!(app.sources.is_none());
    type_line(&mut app, ":src");
    assert_eq!(app.pane.title(), "Flux sources");
}

/// The footer lists the keys of the view on top, the row keys only where the kind has them;
/// the help lists the keys of the view it opened over first.
#[test]
fn the_footer_and_the_help_put_the_current_views_keys_first() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    let footer = |s: &str| s.lines().last().unwrap_or_default().to_string();
    type_line(&mut app, ":ecs");
    let s = render(&mut term, &mut app);
    assert!(
        footer(&s).contains("<R>redeploy") && footer(&s).contains("<=>scale"),
        "{}",
        footer(&s)
    );
    assert!(!footer(&s).contains("<T>"), "{}", footer(&s));
    type_line(&mut app, ":rds");
    let s = render(&mut term, &mut app);
    assert!(
        !footer(&s).contains("<R>") && !footer(&s).contains("<=>"),
        "{}",
        footer(&s)
    );
    type_line(&mut app, ":hr");
    let s = render(&mut term, &mut app);
    assert!(
        footer(&s).contains("<R>reconcile") && footer(&s).contains("<T>suspend"),
        "{}",
        footer(&s)
    );
    app.handle_key(code(KeyCode::Enter));
    let s = render(&mut term, &mut app);
    assert!(footer(&s).contains("<tab>mark related"), "{}", footer(&s));
    app.handle_key(key('?'));
    let s = render(&mut term, &mut app);
    let here = s
        .find("Keys here (a detail)")
        .unwrap_or_else(|| panic!("{s}"));
    let all = s.find("All keys").unwrap_or_else(|| panic!("{s}"));
    assert!(here < all, "{s}");
    assert!(s.contains("open the marked related row"), "{s}");
    app.handle_key(code(KeyCode::Esc));
    app.handle_key(code(KeyCode::Esc));
    type_line(&mut app, ":help");
    let s = render(&mut term, &mut app);
    assert!(s.contains("Keys here (HelmReleases)"), "{s}");
}

/// Tab completes the argument of `:ctx` and `:ns` from the contexts and namespaces the rows
/// have, round the candidates, and the bar shows them.
#[test]
fn tab_completes_contexts_and_namespaces() {
    let (mut app, _) = demo_app();
    let mut term = terminal();
    for c in ":ctx for".chars() {
        app.handle_key(key(c));
    }
    app.handle_key(code(KeyCode::Tab));
    assert!(
        matches!(&app.mode, Mode::Command(typed, _) if typed == "ctx forge-prod"),
        "{:?}",
        app.mode
    );
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(app.scoping.context.as_deref(), Some("forge-prod"));
    app.handle_key(key('0'));
    for c in ":ns numen-g".chars() {
        app.handle_key(key(c));
    }
    let s = render(&mut term, &mut app);
    assert!(
        line_with(&s, ":ns numen-g").contains("numen-games  numen-games-pre"),
        "{s}"
    );
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(code(KeyCode::Tab));
    let Mode::Command(typed, _) = &app.mode else {
        panic!("the bar is open")
    };
    assert_eq!(typed, "ns numen-games-pre");
    // Shift-Tab goes back one, Tab forward again.
    let typed_now = |app: &App| match &app.mode {
        Mode::Command(typed, _) => typed.clone(),
        _ => panic!("the bar is open"),
    };
    app.handle_key(code(KeyCode::BackTab));
    assert_eq!(typed_now(&app), "ns numen-games");
    app.handle_key(code(KeyCode::Tab));
    assert_eq!(typed_now(&app), "ns numen-games-pre");
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(app.scoping.namespace.as_deref(), Some("numen-games-pre"));
}

/// The bar edits as a shell line does: Ctrl-w deletes a word, Ctrl-u the line, other Ctrl keys
/// type nothing; a command that takes no argument says so rather than drop it.
#[test]
fn the_command_bar_edits_like_a_shell_line() {
    let (mut app, _) = demo_app();
    let ctrl = |c| {
        crossterm::event::KeyEvent::new(KeyCode::Char(c), crossterm::event::KeyModifiers::CONTROL)
    };
    for c in ":ns active-inference".chars() {
        app.handle_key(key(c));
    }
    let typed = |app: &App| match &app.mode {
        Mode::Command(t, _) => t.clone(),
        m => panic!("{m:?}"),
    };
    app.handle_key(ctrl('w'));
    assert_eq!(typed(&app), "ns ");
    app.handle_key(ctrl('x'));
    assert_eq!(typed(&app), "ns ");
    app.handle_key(ctrl('u'));
    assert_eq!(typed(&app), "");
    for c in "sources now".chars() {
        app.handle_key(key(c));
    }
    app.handle_key(code(KeyCode::Enter));
    assert!(app.sources.is_none());
    assert_eq!(
        app.message.as_ref().map(|m| m.text.as_str()),
        Some(":sources takes no argument")
    );
}

/// `:timeline` tells the demo's incidents in order: each health transition a line, newest first,
/// in the health colours' words; Enter opens the row; `/` filters; `m` marks the incident's start
/// and the header counts from it.
#[test]
fn the_timeline_tells_the_demos_incidents_newest_first() {
    let (mut app, clock) = demo_app();
    let mut term = terminal();
    // Ten minutes of the demo, a minute at a time.
    for minute in 1..=10 {
        let rows = opsdeck::backend::demo::seed_rows(origin(), minute as f64 * 60.0);
        app.fleet.apply(rows.into_iter().map(Update::upsert));
    }
    clock.set("2026-11-23T12:10:00Z".parse().unwrap());
    let changes: Vec<_> = app.fleet.timeline().newest_first().cloned().collect();
    assert!(!changes.is_empty(), "the demo's incidents change rows");
    assert!(
        changes.windows(2).all(|w| w[0].at >= w[1].at),
        "newest first: {changes:#?}"
    );
    type_line(&mut app, ":timeline");
    let s = render(&mut term, &mut app);
    assert!(s.contains("Timeline ["), "{s}");
    assert!(s.contains("changes a minute, last hour"), "{s}");
    let newest = &changes[0];
    let first_line = s
        .lines()
        .find(|l| l.contains('▌'))
        .unwrap_or_else(|| panic!("a picked line:\n{s}"));
    assert!(
        first_line.contains(&newest.at.strftime("%H:%M:%S").to_string())
            && first_line.contains(" → "),
        "{first_line}\n{s}"
    );

    // On a laptop's 80 columns the line still says from → to.
    let mut small = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    let s = render(&mut small, &mut app);
    let picked = s.lines().find(|l| l.contains('▌')).unwrap_or_default();
    assert!(picked.contains(" → "), "{s}");

    // `m` marks the start; the header counts from it.
    app.handle_key(key('m'));
    assert_eq!(app.incident, Some(newest.at));
    let s = render(&mut term, &mut app);
    assert!(s.lines().next().unwrap().contains("incident +"), "{s}");
    // `m` again on the same change keeps it (a neighbour of the same second must not clear
    // it); `M` clears it.
    app.handle_key(key('m'));
    assert_eq!(app.incident, Some(newest.at));
    app.handle_key(key('M'));
    assert_eq!(app.incident, None);
    let s = render(&mut term, &mut app);
    assert!(!s.lines().next().unwrap().contains("incident +"), "{s}");
    app.handle_key(key('m'));
    assert_eq!(app.incident, Some(newest.at));

    // A filter no change matches empties it, then Esc on the bar restores it.
    app.handle_key(key('/'));
    for c in "zzz-nothing".chars() {
        app.handle_key(key(c));
    }
    let s = render(&mut term, &mut app);
    assert!(s.contains("Timeline [0/"), "{s}");
    app.handle_key(code(KeyCode::Esc));
    let s = render(&mut term, &mut app);
    assert!(!s.contains("Timeline [0/"), "{s}");

    // Enter opens the picked change's row.
    app.handle_key(code(KeyCode::Enter));
    let opened = app.detail.as_ref().map(|d| d.id.clone());
    assert_eq!(opened.as_ref(), newest.row(), "{:?}", app.message);
    assert!(
        app.timeline.is_none(),
        "the detail shows, not under the timeline"
    );
    let s = render(&mut term, &mut app);
    assert!(s.contains("── Fields"), "{s}");
    // Esc comes back to the timeline, where it was; a kept filter is cleared by Esc first.
    app.handle_key(code(KeyCode::Esc));
    assert!(app.detail.is_none() && app.timeline.is_some());
    type_line(&mut app, "/hyperfy2");
    assert_eq!(app.timeline.as_ref().unwrap().filter, "hyperfy2");
    app.handle_key(code(KeyCode::Esc));
    assert!(app.timeline.as_ref().is_some_and(|t| t.filter.is_empty()));
    app.handle_key(code(KeyCode::Esc));
    assert!(app.timeline.is_none());
}

/// Seed 003's Argo CD incident tells its story in order on the timeline: a merge leaves
/// `checkout-api` OutOfSync, the sync rolls out a revision that degrades, and Argo CD syncs back
/// to the good one.
#[test]
fn the_demos_argo_cd_rollout_tells_its_story_in_order() {
    let mut fleet = opsdeck::store::Fleet::new("demo");
    for seconds in [0.0, 330.0, 370.0, 400.0, 490.0] {
        let rows = opsdeck::backend::demo::seed_rows(origin(), seconds);
        fleet.apply(rows.into_iter().map(Update::upsert));
    }
    let mut story: Vec<String> = fleet
        .timeline()
        .newest_first()
        .filter(|c| {
            c.row().is_some_and(|r| {
                r.kind == Kind::ArgoApplication
                    && r.name == "checkout-api"
                    && r.scope.context() == "eks-prod-use1"
            })
        })
        .map(|c| match (c.from, c.to) {
            (Some(f), Some(t)) => format!("{} → {}", f.as_str(), t.as_str()),
            _ => c.note.clone(),
        })
        .collect();
    story.reverse();
    let good = "77ab31e0c4d5b6a7f8e9d0c1b2a3f4e5d6c7b8a9";
    let merged = "c41d9e2f0a7b3c8d5e6f1a2b9c0d7e4f3a8b5c6d";
    let want = [
        format!("revision in Git {good} → {merged}"),
        "sync status Synced → OutOfSync".to_string(),
        "healthy → degraded".to_string(),
        format!("synced revision {good} → {merged}"),
        "sync status OutOfSync → Synced".to_string(),
        "degraded → failed".to_string(),
        format!("revision in Git {merged} → {good}"),
        format!("synced revision {merged} → {good}"),
        "failed → healthy".to_string(),
    ];
    // No other application of the three clusters says a sync happened: only the rollout's.
    let others = fleet
        .timeline()
        .newest_first()
        .filter(|c| c.note.starts_with("sync succeeded"))
        .filter(|c| c.row().is_some_and(|r| r.name != "checkout-api"))
        .count();
    assert_eq!(others, 0);
    // Each of the story's lines, in this order (a line the kind adds between them is fine).
    let mut at = 0;
    for w in &want {
        let found = story[at..].iter().position(|s| s == w);
        assert!(found.is_some(), "{w:?} after line {at}:\n{story:#?}");
        at += found.unwrap() + 1;
    }
}

/// Seed 004's "running but down": phenom-prod `graphql` keeps 2/2 tasks while both fail the ALB's
/// health check; its row fails with the target group's reason, the timeline tells the flip and
/// its return in order, and the detail names the target group's `aws elbv2` command.
#[test]
fn the_demos_failing_targets_tell_their_story_in_order() {
    let mut fleet = opsdeck::store::Fleet::new("demo");
    for seconds in [330.0, 430.0, 520.0] {
        let rows = opsdeck::backend::demo::seed_rows(origin(), seconds);
        fleet.apply(rows.into_iter().map(Update::upsert));
        if seconds == 430.0 {
            let row = fleet
                .rows_of(Kind::EcsService)
                .find(|r| r.id.name == "graphql" && r.id.scope.context() == "phenom-prod-cluster")
                .unwrap();
            assert_eq!(row.health, Health::Failed);
            assert_eq!(
                row.reason,
                "2/2 running but 0/2 targets healthy in phenom-prod-graphql: Target.FailedHealthChecks: Health checks failed with these codes: [502]"
            );
            assert!(
                row.facts
                    .cli(row)
                    .iter()
                    .any(|c| c.starts_with("aws elbv2 describe-target-health --target-group-arn arn:aws:elasticloadbalancing:us-east-1:")),
                "{:?}",
                row.facts.cli(row)
            );
        }
    }
    let mut story: Vec<String> = fleet
        .timeline()
        .newest_first()
        .filter(|c| {
            c.row().is_some_and(|r| {
                r.kind == Kind::EcsService
                    && r.name == "graphql"
                    && r.scope.context() == "phenom-prod-cluster"
            })
        })
        .map(|c| match (c.from, c.to) {
            (Some(f), Some(t)) => format!("{} → {}", f.as_str(), t.as_str()),
            _ => c.note.clone(),
        })
        .collect();
    story.reverse();
    let want = [
        "targets healthy 2/2 → 0/2",
        "event: (service graphql) (port 8080) is unhealthy in target-group phenom-prod-graphql due to (reason Health checks failed with these codes: [502]).",
        "healthy → failed",
        "targets healthy 0/2 → 2/2",
        "failed → healthy",
    ];
    let mut at = 0;
    for w in want {
        let found = story[at..].iter().position(|s| s == w);
        assert!(found.is_some(), "{w:?} after line {at}:\n{story:#?}");
        at += found.unwrap() + 1;
    }
}

/// Seed 002's Redis eviction storm: FORGE's replication group fills its memory and evicts more
/// and more keys, degrading it and its region's CACHE part, then calms down; the timeline says so
/// in order.
#[test]
fn the_demos_redis_eviction_storm_tells_its_story_in_order() {
    let mut fleet = opsdeck::store::Fleet::new("demo");
    for seconds in [330.0, 520.0, 580.0] {
        let rows = opsdeck::backend::demo::seed_rows(origin(), seconds);
        fleet.apply(rows.into_iter().map(Update::upsert));
        if seconds == 520.0 {
            let redis = fleet
                .rows_of(Kind::CacheGroup)
                .find(|r| r.id.name == "forge-prod-redis")
                .unwrap();
            assert_eq!(redis.health, Health::Degraded);
            assert_eq!(
                redis.reason,
                "evictions climbing: 4800 keys in 5 min, memory 99%"
            );
            let region = fleet
                .rows_of(Kind::Region)
                .find(|r| r.id.scope.account() == "forge" && r.id.name == "us-west-2")
                .unwrap();
            let opsdeck::model::Facts::Region(parts) = &region.facts else {
                unreachable!()
            };
            assert_eq!(
                (parts.parts.cache.total, parts.parts.cache.unhealthy),
                (1, 1)
            );
        }
    }
    let mut story: Vec<String> = fleet
        .timeline()
        .newest_first()
        .filter(|c| c.row().is_some_and(|r| r.kind == Kind::CacheGroup))
        .map(|c| match (c.from, c.to) {
            (Some(f), Some(t)) => format!("{} → {} {}", f.as_str(), t.as_str(), c.note),
            _ => c.note.clone(),
        })
        .collect();
    story.reverse();
    assert_eq!(
        story,
        [
            "healthy → degraded evictions climbing: 4800 keys in 5 min, memory 99%",
            "degraded → healthy available, 1 primary (us-west-2a), 2 replicas"
        ]
    );
}
