//! A row's detail, laid out once as lines of toned text: the TUI's detail view styles each tone
//! from the theme, `opsdeck describe` prints the text, and `--json` serializes the same parts
//! (`Described`). In order: health and reason (and, for a Flux object whose workloads are worse
//! than it says, that), source, fields, metrics, conditions, the workloads it applied, the
//! sections fetched on demand (pods, events, history, inventory, the certificate chain), the
//! trace to its sources, related rows, and the commands of the CLIs people already use.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::applied_workloads;
use super::trace::{TraceStep, trace};
use crate::model::drilldown::{
    Body, ChainLink, EventLine, InventoryEntry, KustomizeRevisions, Part, PodLine, Revision,
    Section, Table,
};
use crate::model::row::human_duration;
use crate::model::{Condition, Facts, Health, Kind, Row};
use crate::store::Fleet;

/// How a piece of text is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Dim,
    /// A key of a key/value line.
    Key,
    /// A section's title.
    Heading,
    /// A table's column titles.
    Columns,
    /// In a health's colour.
    Health(Health),
    /// A health as a badge (reversed).
    Badge(Health),
    /// The related row marked to open (Tab in the TUI's detail).
    Marked,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub tone: Tone,
    pub text: String,
}

pub type DocLine = Vec<Piece>;

fn piece(tone: Tone, text: impl Into<String>) -> Piece {
    Piece {
        tone,
        text: text.into(),
    }
}

fn line(tone: Tone, text: impl Into<String>) -> DocLine {
    vec![piece(tone, text)]
}

/// A fetched section as a view holds it: its last outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct SectionView {
    pub part: Part,
    /// A refresh that failed after an earlier one succeeded: the old body stays, with this.
    pub refresh_error: Option<String>,
}

impl SectionView {
    pub fn loading() -> SectionView {
        SectionView {
            part: Part::Loading,
            refresh_error: None,
        }
    }

    /// Takes a fetch's outcome: a failure after a success keeps what was shown.
    pub fn update(&mut self, result: Result<Body, String>) {
        match (result, &self.part) {
            (Ok(body), _) => {
                self.part = Part::Loaded { body };
                self.refresh_error = None;
            }
            (Err(e), Part::Loaded { .. }) => self.refresh_error = Some(e),
            (Err(reason), _) => self.part = Part::Unavailable { reason },
        }
    }
}

/// What the reader chose to see.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DocOptions {
    /// Normal events too, not only warnings.
    pub all_events: bool,
    /// For `opsdeck describe`: hints name its flags and commands, not the TUI's keys.
    pub headless: bool,
    /// The related row marked to open with Enter, by its place in the list.
    pub marked: Option<usize>,
}

/// "1 h", "5 m" since `t`, or "-".
fn age(now: Timestamp, t: Option<Timestamp>) -> String {
    t.map(|t| human_duration(now.as_second() - t.as_second()))
        .unwrap_or_else(|| "-".into())
}

fn heading(title: &str) -> DocLine {
    line(Tone::Heading, format!("── {title} "))
}

/// A key and its value, the keys aligned; a key longer than the column still gets a space.
fn kv(key: &str, value: impl Into<String>) -> DocLine {
    let width = 24.max(key.chars().count() + 1);
    vec![
        piece(Tone::Key, format!("  {key:<width$}")),
        piece(Tone::Plain, value),
    ]
}

/// The headline a Flux object's detail adds when its workloads are worse than it says:
/// "release Ready, but deployment hyperfy2-world 0/2 ready".
pub fn workload_headline(row: &Row, fleet: &Fleet) -> Option<String> {
    if row.own.health != Health::Healthy {
        return None;
    }
    let what = match row.kind() {
        Kind::HelmRelease => "release Ready",
        Kind::Kustomization => "applied and Ready",
        _ => return None,
    };
    let bad: Vec<String> = applied_workloads(row, fleet)
        .into_iter()
        .filter(|w| w.health >= Health::Degraded)
        .filter_map(|w| match &w.facts {
            Facts::Workload(f) => Some(f.summary(w)),
            _ => None,
        })
        .collect();
    (!bad.is_empty()).then(|| format!("{what}, but {}", bad.join(", ")))
}

/// The whole detail of `row`: `sections` are the fetched ones, in the order to show them.
pub fn lines(
    row: &Row,
    fleet: &Fleet,
    sections: &[(Section, &SectionView)],
    now: Timestamp,
    opts: DocOptions,
) -> Vec<DocLine> {
    let mut out: Vec<DocLine> = Vec::new();
    out.push(vec![
        piece(
            Tone::Badge(row.health),
            format!(" {} ", row.health.as_str()),
        ),
        piece(Tone::Plain, " "),
        piece(Tone::Health(row.health), row.reason.clone()),
    ]);
    if let Some(h) = workload_headline(row, fleet) {
        out.push(vec![
            piece(Tone::Badge(Health::Degraded), " ! "),
            piece(Tone::Plain, " "),
            piece(Tone::Health(Health::Degraded), h),
        ]);
    }
    if row.own.health != row.health || row.own.reason != row.reason {
        out.push(kv(
            "own health",
            format!("{} — {}", row.own.health, row.own.reason),
        ));
    }
    let source_text = match fleet.source(&row.source) {
        Some(s) => {
            let mut t = s.describe(now);
            if let Some(r) = s.status.reason() {
                t.push_str(&format!(" — {r}"));
            }
            if fleet.is_stale(row) {
                t.push_str("  (this row may be out of date)");
            }
            t
        }
        None => row.source.to_string(),
    };
    out.push(kv("source", source_text));
    out.push(kv("scope", row.id.scope.label()));
    out.push(kv(
        "updated",
        format!(
            "{} ago ({})",
            human_duration(now.as_second() - row.updated_at.as_second()),
            row.updated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        ),
    ));

    out.push(Vec::new());
    out.push(heading("Fields"));
    field_lines(&row.facts.to_json(), &mut out);

    let metrics = row.facts.metrics();
    if !metrics.is_empty() {
        out.push(Vec::new());
        out.push(heading("Metrics (last 3 h, 5-minute averages)"));
        for m in metrics {
            out.push(vec![
                piece(Tone::Heading, format!("  {:<18}", m.name)),
                piece(Tone::Key, m.sparkline()),
                piece(
                    Tone::Plain,
                    format!("  now {:.1}", m.last().unwrap_or_default()),
                ),
            ]);
        }
    }

    if !row.conditions.is_empty() {
        out.push(Vec::new());
        out.push(heading("Conditions"));
        condition_lines(&row.conditions, now, &mut out);
    }

    let workloads = applied_workloads(row, fleet);
    if !workloads.is_empty() {
        out.push(Vec::new());
        out.push(heading("Workloads"));
        for w in workloads {
            out.push(row_line(w));
        }
    }

    for (section, view) in sections {
        out.push(Vec::new());
        section_lines(*section, view, now, opts, row, fleet, &mut out);
    }

    let steps = trace(row, fleet);
    if steps.len() > 1 {
        out.push(Vec::new());
        out.push(heading("Trace (flux trace)"));
        for s in &steps {
            out.push(trace_line(s));
        }
    }

    let related = fleet.related(row);
    if !related.is_empty() {
        out.push(Vec::new());
        out.push(heading(if opts.headless {
            "Related"
        } else {
            "Related (Tab marks one, Enter opens it)"
        }));
        for (i, k) in related.into_iter().enumerate() {
            if let Some(r) = fleet.get(k) {
                let mut line = row_line(r);
                if opts.marked == Some(i) {
                    line[0] = piece(Tone::Marked, format!("▸ {:<6} ", r.kind().short()));
                    line[1].tone = Tone::Marked;
                }
                out.push(line);
            }
        }
    }

    out.push(Vec::new());
    out.push(heading("Commands"));
    for cmd in row.facts.cli(row) {
        out.push(vec![piece(Tone::Dim, "  $ "), piece(Tone::Plain, cmd)]);
    }
    out
}

/// A related row, a workload: kind, name, health, reason.
fn row_line(r: &Row) -> DocLine {
    vec![
        piece(Tone::Plain, format!("  {:<6} ", r.kind().short())),
        piece(Tone::Plain, format!("{:<44} ", r.id.display_name())),
        piece(Tone::Health(r.health), format!("{:<12}", r.health.as_str())),
        piece(Tone::Dim, r.reason.clone()),
    ]
}

fn trace_line(s: &TraceStep) -> DocLine {
    let (tone, health) = match s.health {
        Some(h) => (Tone::Health(h), h.as_str()),
        None => (Tone::Dim, "-"),
    };
    vec![
        piece(Tone::Plain, format!("  {:<15}", s.kind)),
        piece(Tone::Plain, format!("{:<44} ", s.name)),
        piece(tone, format!("{health:<12}")),
        piece(Tone::Dim, s.detail.clone()),
    ]
}

fn condition_lines(conditions: &[Condition], now: Timestamp, out: &mut Vec<DocLine>) {
    // As wide as the longest type and reason (an ApplicationSet's `ParametersGenerated`), so a
    // column never runs into the next.
    let type_w = conditions
        .iter()
        .map(|c| c.kind.chars().count() + 2)
        .max()
        .unwrap_or(0)
        .max(14);
    let reason_w = conditions
        .iter()
        .map(|c| c.reason.chars().count() + 2)
        .max()
        .unwrap_or(0)
        .clamp(26, 40);
    out.push(line(
        Tone::Columns,
        format!(
            "  {:<type_w$}{:<8}{:<reason_w$}{:<6}MESSAGE",
            "TYPE", "STATUS", "REASON", "AGE"
        ),
    ));
    for c in conditions {
        let tone = match (c.kind.as_str(), c.status.as_str()) {
            ("Ready", "False") | ("Stalled", "True") | ("ErrorOccurred", "True") => {
                Tone::Health(Health::Failed)
            }
            _ => Tone::Plain,
        };
        out.push(line(
            tone,
            format!(
                "  {:<type_w$}{:<8}{:<reason_w$}{:<6}{}",
                c.kind,
                c.status,
                c.reason,
                age(now, c.last_transition),
                c.message
            ),
        ));
    }
}

/// A JSON value in one line: scalars as is, small objects as `k=v` pairs.
fn inline(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(inline).collect::<Vec<_>>().join(", "),
        Value::Object(o) => o
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{k}={}", inline(v)))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// The facts as key/value lines, their values in one column after the longest key (up to a
/// point: a very long key gets its own width), each array's items under it.
fn field_lines(v: &Value, out: &mut Vec<DocLine>) {
    let mut entries = Vec::new();
    field_entries("", v, &mut entries);
    let width = entries
        .iter()
        .filter_map(|(k, _)| k.as_ref().map(|k| k.chars().count() + 2))
        .max()
        .unwrap_or(0)
        .clamp(16, 40);
    for (key, value) in entries {
        match key {
            Some(k) => {
                let w = width.max(k.chars().count() + 1);
                out.push(vec![
                    piece(Tone::Key, format!("  {k:<w$}")),
                    piece(Tone::Plain, value),
                ]);
            }
            None => out.push(line(Tone::Plain, format!("  {:<width$}• {value}", ""))),
        }
    }
}

/// (key, value) of each field, flattened with dots; an array item has no key.
fn field_entries(prefix: &str, v: &Value, out: &mut Vec<(Option<String>, String)>) {
    let Value::Object(map) = v else { return };
    for (k, v) in map {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(_) => field_entries(&key, v, out),
            Value::Array(items) if items.iter().any(Value::is_object) => {
                out.push((Some(key), format!("{} item(s)", items.len())));
                out.extend(items.iter().map(|item| (None, inline(item))));
            }
            _ => out.push((Some(key), inline(v))),
        }
    }
}

fn section_lines(
    section: Section,
    view: &SectionView,
    now: Timestamp,
    opts: DocOptions,
    row: &Row,
    fleet: &Fleet,
    out: &mut Vec<DocLine>,
) {
    let title = match (section, opts.all_events, opts.headless) {
        (Section::Events, false, false) => "Events (warnings; e shows all)".to_string(),
        (Section::Events, true, false) => "Events (all; e shows warnings only)".to_string(),
        (Section::Events, false, true) => "Events (warnings; --all-events shows all)".to_string(),
        (Section::Events, true, true) => "Events (all)".to_string(),
        (Section::Pods, _, false) => "Pods (p lists them, l shows their logs)".to_string(),
        (Section::Pods, _, true) => "Pods (opsdeck logs shows their logs)".to_string(),
        (s, _, _) => s.title().to_string(),
    };
    out.push(heading(&title));
    if let Some(e) = &view.refresh_error {
        out.push(line(
            Tone::Health(Health::Degraded),
            format!("  refresh failed, showing the last answer: {e}"),
        ));
    }
    match &view.part {
        Part::Loading => out.push(line(Tone::Dim, "  loading…")),
        Part::Unavailable { reason } => {
            out.push(line(Tone::Health(Health::Failed), format!("  {reason}")))
        }
        Part::Loaded { body } => match body {
            Body::Pods(pods) => pod_lines(pods, now, out),
            Body::Events(events) => event_lines(events, now, opts, out),
            Body::Releases(revisions) => release_lines(revisions, now, out),
            Body::Revisions(r) => revision_lines(r, now, out),
            Body::Inventory(entries) => inventory_lines(entries, row, fleet, out),
            Body::Chain(links) => chain_lines(links, out),
            Body::Table(t) => table_lines(t, !opts.headless, out),
        },
    }
}

/// Pod table columns, as `kubectl get pods -o wide` orders them.
pub fn pod_header() -> String {
    format!(
        "  {:<44}{:<7}{:<28}{:<10}{:<7}NODE",
        "NAME", "READY", "STATUS", "RESTARTS", "AGE"
    )
}

pub fn pod_row(p: &PodLine, now: Timestamp) -> String {
    format!(
        "  {:<44}{:<7}{:<28}{:<10}{:<7}{}",
        p.name,
        p.ready_text(),
        p.status(),
        p.restarts,
        age(now, p.created),
        p.node.as_deref().unwrap_or("-")
    )
}

fn pod_lines(pods: &[PodLine], now: Timestamp, out: &mut Vec<DocLine>) {
    if pods.is_empty() {
        out.push(line(Tone::Dim, "  no pods"));
        return;
    }
    out.push(line(Tone::Columns, pod_header()));
    for p in pods {
        let h = p.health();
        out.push(line(Tone::Health(h), pod_row(p, now)));
        let why = p.why();
        if !why.is_empty() {
            let when = p
                .last_termination_at
                .map(|t| format!(" ({} ago)", human_duration(now.as_second() - t.as_second())))
                .unwrap_or_default();
            out.push(line(Tone::Dim, format!("      {why}{when}")));
        }
    }
}

fn event_lines(events: &[EventLine], now: Timestamp, opts: DocOptions, out: &mut Vec<DocLine>) {
    let shown: Vec<&EventLine> = events
        .iter()
        .filter(|e| opts.all_events || e.is_warning())
        .collect();
    if shown.is_empty() {
        let normal = events.len();
        out.push(line(
            Tone::Dim,
            if normal == 0 {
                "  no recent events".to_string()
            } else {
                format!(
                    "  no warnings ({normal} normal events: {} shows them)",
                    if opts.headless { "--all-events" } else { "e" }
                )
            },
        ));
        return;
    }
    out.push(line(
        Tone::Columns,
        format!(
            "  {:<9}{:<26}{:<6}{:<6}{:<40}MESSAGE",
            "TYPE", "REASON", "AGE", "COUNT", "OBJECT"
        ),
    ));
    for e in shown {
        let tone = if e.is_warning() {
            Tone::Health(Health::Degraded)
        } else {
            Tone::Plain
        };
        out.push(line(
            tone,
            format!(
                "  {:<9}{:<26}{:<6}{:<6}{:<40}{}",
                e.event_type,
                e.reason,
                age(now, e.last_seen),
                format!("x{}", e.count),
                e.object,
                e.message
            ),
        ));
    }
}

fn release_lines(revisions: &[Revision], now: Timestamp, out: &mut Vec<DocLine>) {
    if revisions.is_empty() {
        out.push(line(Tone::Dim, "  no release yet"));
        return;
    }
    out.push(line(
        Tone::Columns,
        format!(
            "  {:<9}{:<26}{:<12}{:<12}{:<8}DIGEST",
            "REVISION", "CHART", "APP", "STATUS", "AGE"
        ),
    ));
    for r in revisions {
        let tone = match r.status.as_str() {
            "deployed" => Tone::Health(Health::Healthy),
            "failed" => Tone::Health(Health::Failed),
            "pending-install" | "pending-upgrade" | "pending-rollback" => {
                Tone::Health(Health::Progressing)
            }
            _ => Tone::Plain,
        };
        out.push(line(
            tone,
            format!(
                "  {:<9}{:<26}{:<12}{:<12}{:<8}{}",
                format!("v{}", r.version),
                format!("{}@{}", r.chart, r.chart_version),
                r.app_version.as_deref().unwrap_or("-"),
                r.status,
                age(now, r.deployed),
                r.digest.as_deref().map(short_digest).unwrap_or("-")
            ),
        ));
    }
    if let Some(good) = revisions.iter().skip(1).find(|r| r.status != "failed")
        && revisions[0].status == "failed"
    {
        out.push(line(
            Tone::Dim,
            format!(
                "  last good: v{} ({}@{})",
                good.version, good.chart, good.chart_version
            ),
        ));
    }
}

fn short_digest(d: &str) -> &str {
    let hex = d.split_once(':').map_or(d, |(_, h)| h);
    &hex[..hex.len().min(12)]
}

fn revision_lines(r: &KustomizeRevisions, now: Timestamp, out: &mut Vec<DocLine>) {
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    out.push(kv("applied revision", show(&r.applied)));
    out.push(kv("attempted revision", show(&r.attempted)));
    out.push(kv(
        "source",
        format!(
            "{} artifact {} ({} ago)",
            r.source,
            show(&r.artifact_revision),
            age(now, r.artifact_at)
        ),
    ));
    if r.attempted.is_some() && r.attempted != r.applied {
        out.push(line(
            Tone::Health(Health::Degraded),
            "  Flux last tried another revision than the one applied: see Events",
        ));
    } else if r.artifact_revision.is_some() && r.artifact_revision != r.applied {
        out.push(line(
            Tone::Health(Health::Progressing),
            "  the source has a newer artifact than the one applied",
        ));
    }
}

/// At most this many inventory entries are drawn.
const SHOWN_INVENTORY: usize = 100;

fn inventory_lines(entries: &[InventoryEntry], row: &Row, fleet: &Fleet, out: &mut Vec<DocLine>) {
    if entries.is_empty() {
        out.push(line(Tone::Dim, "  nothing applied"));
        return;
    }
    let ctx = row.id.scope.context();
    for e in entries.iter().take(SHOWN_INVENTORY) {
        let known = Kind::row_id_of(ctx, &e.kind, &e.namespace, &e.name)
            .and_then(|id| fleet.row(&id).map(|r| (r.health, r.reason.clone())));
        let (tone, health, reason) = match known {
            Some((h, reason)) => (Tone::Health(h), h.as_str(), reason),
            None => (Tone::Dim, "-", String::new()),
        };
        out.push(vec![
            piece(Tone::Plain, format!("  {:<56} ", e.label())),
            piece(tone, format!("{health:<12}")),
            piece(Tone::Dim, reason),
        ]);
    }
    if entries.len() > SHOWN_INVENTORY {
        out.push(line(
            Tone::Dim,
            format!("  … {} more", entries.len() - SHOWN_INVENTORY),
        ));
    }
}

fn chain_lines(links: &[ChainLink], out: &mut Vec<DocLine>) {
    if links.is_empty() {
        out.push(line(
            Tone::Dim,
            "  no CertificateRequest: nothing is being issued now",
        ));
        return;
    }
    for l in links {
        let indent = "  ".repeat(l.depth as usize + 1);
        out.push(vec![
            piece(Tone::Plain, format!("{indent}{} {}  ", l.kind, l.name)),
            piece(Tone::Health(l.health), l.state.clone()),
        ]);
        if !l.reason.is_empty() {
            out.push(line(Tone::Dim, format!("{indent}  {}", l.reason)));
        }
    }
}

/// The widest a table's column gets before its cells are cut (the last column never is).
const TABLE_CELL: usize = 48;

/// `text` in at most `max` characters: a longer one keeps its start and its end, which is where
/// an image's tag or a generated name's suffix is ("123456789012.dkr.ecr…/auth:1.4.2").
fn cut_middle(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    let head = max / 3;
    let tail = max - head - 1;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// A table's lines; `cut`: long cells cut to `TABLE_CELL` (on a screen; a printout keeps them
/// whole).
fn table_lines(t: &Table, cut: bool, out: &mut Vec<DocLine>) {
    if t.rows.is_empty() {
        out.push(line(Tone::Dim, "  none"));
        return;
    }
    let n = t.columns.len();
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            let widest = t
                .rows
                .iter()
                .filter_map(|r| r.cells.get(i))
                .map(|c| c.chars().count())
                .chain(std::iter::once(t.columns[i].chars().count()))
                .max()
                .unwrap_or(0);
            if cut {
                widest.min(TABLE_CELL) + 2
            } else {
                widest + 2
            }
        })
        .collect();
    let render = |cells: &[String]| {
        let mut text = String::from("  ");
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(c);
            } else {
                let c = if cut {
                    cut_middle(c, TABLE_CELL)
                } else {
                    c.clone()
                };
                text.push_str(&format!("{c:<w$}", w = widths[i]));
            }
        }
        text
    };
    out.push(line(Tone::Columns, render(&t.columns)));
    for r in &t.rows {
        let tone = r.health.map_or(Tone::Plain, Tone::Health);
        out.push(line(tone, render(&r.cells)));
        if let Some(note) = &r.note {
            out.push(line(Tone::Dim, format!("      {note}")));
        }
    }
}

/// The plain text of lines, for `opsdeck describe`: what the cluster or AWS said is printed
/// without its escape sequences (see `text::terminal_safe`).
pub fn plain_text(lines: &[DocLine]) -> String {
    let mut s = String::new();
    for l in lines {
        for p in l {
            s.push_str(&crate::text::terminal_safe(&p.text));
        }
        // No trailing blanks: the columns pad to the right.
        while s.ends_with(' ') {
            s.pop();
        }
        s.push('\n');
    }
    s
}

/// The detail as JSON (`opsdeck describe --json`): the same parts, as data.
#[derive(Serialize)]
pub struct Described<'a> {
    pub kind: Kind,
    pub scope: &'a crate::model::Scope,
    pub name: &'a str,
    pub health: Health,
    pub reason: &'a str,
    pub headline: Option<String>,
    pub fields: Value,
    /// The CloudWatch series the detail draws as sparklines, oldest point first.
    pub metrics: &'a [crate::model::kinds::series::Series],
    pub conditions: &'a [Condition],
    pub workloads: Vec<RowSummary>,
    pub sections: std::collections::BTreeMap<Section, &'a Part>,
    pub trace: Vec<TraceStep>,
    pub related: Vec<RowSummary>,
    pub commands: Vec<String>,
}

/// Another row, named in a detail.
#[derive(Serialize)]
pub struct RowSummary {
    pub kind: Kind,
    pub scope: String,
    pub name: String,
    pub health: Health,
    pub reason: String,
}

impl RowSummary {
    fn of(r: &Row) -> RowSummary {
        RowSummary {
            kind: r.kind(),
            scope: r.id.scope.label(),
            name: r.id.name.clone(),
            health: r.health,
            reason: r.reason.clone(),
        }
    }
}

impl<'a> Described<'a> {
    pub fn new(row: &'a Row, fleet: &Fleet, sections: &[(Section, &'a SectionView)]) -> Self {
        Described {
            kind: row.kind(),
            scope: &row.id.scope,
            name: &row.id.name,
            health: row.health,
            reason: &row.reason,
            headline: workload_headline(row, fleet),
            fields: row.facts.to_json(),
            metrics: row.facts.metrics(),
            conditions: &row.conditions,
            workloads: applied_workloads(row, fleet)
                .into_iter()
                .map(RowSummary::of)
                .collect(),
            sections: sections.iter().map(|(s, v)| (*s, &v.part)).collect(),
            trace: trace(row, fleet),
            related: fleet
                .related(row)
                .into_iter()
                .filter_map(|k| fleet.get(k))
                .map(RowSummary::of)
                .collect(),
            commands: row.facts.cli(row),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_cell_keeps_its_start_and_its_end() {
        let image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/phenom-dev-auth:1.4.2";
        let cut = cut_middle(image, 30);
        assert_eq!(cut.chars().count(), 30);
        assert!(
            cut.starts_with("123456789") && cut.ends_with("auth:1.4.2"),
            "{cut}"
        );
        assert!(cut.contains('…'));
        assert_eq!(cut_middle("short", 30), "short");
    }
}
