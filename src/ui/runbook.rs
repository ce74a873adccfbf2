//! `:runbooks`: pick a runbook (or an interrupted run to resume), fill its form, read the plan,
//! type the target's name, and watch the steps run with their gauges and times. The engine runs
//! in the background; its events come back as `UiEvent`s. An interrupted run shows its plan with
//! the steps already done and asks for the same typed target as a start before it resumes.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::App;
use super::keymap::pasted;
use crate::runbook::create_org::CreateOrg;
use crate::runbook::engine::{Event, Outcome};
use crate::runbook::failover::Failover;
use crate::runbook::render::secs;
use crate::runbook::staging_refresh::StagingRefresh;
use crate::runbook::{NAMES, Runbook, StepSpec, World, from_inputs, journal};

/// One input of a form.
#[derive(Clone, Debug)]
pub struct Field {
    pub label: &'static str,
    pub value: String,
}

fn field(label: &'static str, value: &str) -> Field {
    Field {
        label,
        value: value.into(),
    }
}

/// A step's line while running.
#[derive(Clone, Debug, Default)]
pub struct StepLine {
    pub title: String,
    pub state: &'static str,
    pub progress: Option<f64>,
    pub note: String,
    pub elapsed: Option<std::time::Duration>,
}

pub enum Stage {
    List {
        cursor: usize,
        journals: Vec<PathBuf>,
    },
    Form {
        name: &'static str,
        fields: Vec<Field>,
        focus: usize,
        problems: Vec<String>,
    },
    /// Waiting for the preflight.
    Checking { name: &'static str },
    Plan {
        rb: Arc<dyn Runbook>,
        steps: Vec<StepSpec>,
        findings: Vec<String>,
        overridable: Vec<String>,
        confirm: String,
        reason: String,
        focus_reason: bool,
    },
    /// An interrupted run before it resumes: its steps, those the journal says are done, and the
    /// target typed to confirm, as for a start.
    Resume(Box<ResumePlan>),
    Running {
        steps: Vec<StepLine>,
        journal: Option<PathBuf>,
        outcome: Option<String>,
    },
}

/// What a journal says of an interrupted run, for the resume's plan.
pub struct ResumePlan {
    pub journal: PathBuf,
    pub runbook: String,
    pub target: String,
    /// Where it ran (`None`: a journal older than the record, which is not resumed).
    pub world: Option<World>,
    /// Each step, and whether the journal has it verified (or found done).
    pub steps: Vec<(StepSpec, bool)>,
    /// Why it cannot resume at all (an unreadable journal, a finished run…).
    pub problems: Vec<String>,
    pub confirm: String,
    /// The last refusal of what was typed.
    pub message: Option<String>,
}

impl ResumePlan {
    /// Reads the journal at `path`.
    pub fn read(path: PathBuf) -> ResumePlan {
        let mut plan = ResumePlan {
            journal: path,
            runbook: String::new(),
            target: String::new(),
            world: None,
            steps: Vec::new(),
            problems: Vec::new(),
            confirm: String::new(),
            message: None,
        };
        let replay = match journal::replay(&plan.journal) {
            Ok(r) => r,
            Err(e) => {
                plan.problems.push(e);
                return plan;
            }
        };
        match from_inputs(&replay.runbook, &replay.inputs) {
            Ok(rb) => {
                plan.steps = rb
                    .steps()
                    .into_iter()
                    .map(|s| {
                        let done = replay.verified.contains(&s.key);
                        (s, done)
                    })
                    .collect();
            }
            Err(e) => plan.problems.push(e),
        }
        if replay.finished == Some(true) {
            plan.problems.push("this run already completed".into());
        }
        if !replay.confirmed {
            plan.problems
                .push("the run was never confirmed; start it again".into());
        }
        if replay.world.is_none() {
            plan.problems.push(
                "this journal predates the world check (it does not record which world it ran in), so it is not resumed; start the run again instead".into(),
            );
        }
        plan.runbook = replay.runbook;
        plan.target = replay.target;
        plan.world = replay.world;
        plan
    }
}

pub struct RunbookScreen {
    pub stage: Stage,
    pub journal_dir: PathBuf,
}

/// What a key asks the app to do beyond the screen's own state.
pub enum Request {
    None,
    Close,
    /// Run the preflight and plan of this runbook.
    Plan(Arc<dyn Runbook>),
    Apply {
        rb: Arc<dyn Runbook>,
        confirm: String,
        reason: Option<String>,
    },
    /// Resume this journal: its plan was shown and its target typed (`resume_confirmation`
    /// gives it for the run's options).
    Resume(PathBuf),
}

fn form_fields(name: &str) -> Vec<Field> {
    match name {
        "create-org" => vec![
            field("organization", ""),
            field("domain", ""),
            field("spaces (comma-separated)", ""),
            field("account id", ""),
            field("OIDC provider id", ""),
            field("cluster", "prod-cluster"),
            field("region", "eu-west-1"),
            field("template organization", "numinia"),
            field("statics bucket", "numinia-statics"),
            field("statics policy", "numinia-statics-bucket"),
        ],
        "failover" => vec![
            field("hosted zone", "helpdev.io"),
            field("record", "api.helpdev.io"),
            field("from region", "us-east-1"),
            field("to region", "sa-east-1"),
        ],
        _ => vec![
            field("source instance", "phenom-prod-postgres"),
            field("target instance", "phenom-dev-postgres"),
            field("source bucket", "phenom-prod-media"),
            field("target bucket", "phenom-staging-media"),
            field("snapshot (empty: take a new one)", ""),
        ],
    }
}

/// The runbook the form describes, or one message per problem.
fn build(name: &str, f: &[Field], day: &str) -> Result<Arc<dyn Runbook>, Vec<String>> {
    let v = |i: usize| f[i].value.trim().to_string();
    Ok(match name {
        "create-org" => Arc::new(CreateOrg::new(CreateOrg {
            org: v(0),
            domain: v(1),
            spaces: v(2)
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            account_id: v(3),
            oidc_provider_id: v(4),
            cluster: v(5),
            region: v(6),
            template: v(7),
            statics_bucket: v(8),
            statics_policy: v(9),
        })?),
        "failover" => Arc::new(Failover::new(Failover {
            zone: v(0),
            record: v(1),
            from: v(2),
            to: v(3),
        })?),
        _ => Arc::new(StagingRefresh::new(StagingRefresh {
            source: v(0),
            target: v(1),
            source_bucket: v(2),
            target_bucket: v(3),
            snapshot: Some(v(4)).filter(|s| !s.is_empty()),
            day: day.into(),
        })?),
    })
}

impl RunbookScreen {
    pub fn new(journal_dir: PathBuf) -> RunbookScreen {
        let journals = journal::interrupted(&journal_dir);
        RunbookScreen {
            stage: Stage::List {
                cursor: 0,
                journals,
            },
            journal_dir,
        }
    }

    pub fn key(&mut self, ev: KeyEvent, day: &str) -> Request {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        match &mut self.stage {
            Stage::List { cursor, journals } => {
                let len = NAMES.len() + journals.len();
                match ev.code {
                    KeyCode::Esc | KeyCode::Char('q') => return Request::Close,
                    KeyCode::Down | KeyCode::Char('j') => *cursor = (*cursor + 1).min(len - 1),
                    KeyCode::Up | KeyCode::Char('k') => *cursor = cursor.saturating_sub(1),
                    KeyCode::Enter if *cursor < NAMES.len() => {
                        let name = NAMES[*cursor];
                        self.stage = Stage::Form {
                            name,
                            fields: form_fields(name),
                            focus: 0,
                            problems: vec![],
                        };
                    }
                    KeyCode::Enter => {
                        let path = journals[*cursor - NAMES.len()].clone();
                        self.stage = Stage::Resume(Box::new(ResumePlan::read(path)));
                    }
                    _ => {}
                }
            }
            Stage::Form {
                name,
                fields,
                focus,
                problems,
            } => match ev.code {
                KeyCode::Esc => *self = RunbookScreen::new(self.journal_dir.clone()),
                KeyCode::Tab | KeyCode::Down => *focus = (*focus + 1) % fields.len(),
                KeyCode::BackTab | KeyCode::Up => {
                    *focus = (*focus + fields.len() - 1) % fields.len()
                }
                KeyCode::Backspace => {
                    fields[*focus].value.pop();
                }
                KeyCode::Char('u') if ctrl => fields[*focus].value.clear(),
                KeyCode::Char(c) if !ctrl => fields[*focus].value.push(c),
                KeyCode::Enter => match build(name, fields, day) {
                    Ok(rb) => {
                        let name = *name;
                        self.stage = Stage::Checking { name };
                        return Request::Plan(rb);
                    }
                    Err(p) => *problems = p,
                },
                _ => {}
            },
            Stage::Checking { .. } => {
                if ev.code == KeyCode::Esc {
                    *self = RunbookScreen::new(self.journal_dir.clone());
                }
            }
            Stage::Plan {
                rb,
                overridable,
                confirm,
                reason,
                focus_reason,
                ..
            } => match ev.code {
                KeyCode::Esc => *self = RunbookScreen::new(self.journal_dir.clone()),
                KeyCode::Tab if !overridable.is_empty() => *focus_reason = !*focus_reason,
                KeyCode::Backspace if *focus_reason => {
                    reason.pop();
                }
                KeyCode::Backspace => {
                    confirm.pop();
                }
                KeyCode::Char(c) if !ctrl && *focus_reason => reason.push(c),
                KeyCode::Char(c) if !ctrl => confirm.push(c),
                KeyCode::Enter => {
                    return Request::Apply {
                        rb: rb.clone(),
                        confirm: confirm.clone(),
                        reason: Some(reason.clone()).filter(|r| !r.trim().is_empty()),
                    };
                }
                _ => {}
            },
            Stage::Resume(plan) => match ev.code {
                KeyCode::Esc => *self = RunbookScreen::new(self.journal_dir.clone()),
                KeyCode::Backspace => {
                    plan.confirm.pop();
                }
                KeyCode::Char(c) if !ctrl => plan.confirm.push(c),
                KeyCode::Enter if !plan.problems.is_empty() => {
                    plan.message = Some("this run cannot be resumed; Esc goes back".into());
                }
                KeyCode::Enter if plan.confirm != plan.target => {
                    plan.message = Some(format!("type {} exactly to resume", plan.target));
                }
                KeyCode::Enter => return Request::Resume(plan.journal.clone()),
                _ => {}
            },
            Stage::Running { outcome, .. } => {
                if outcome.is_some()
                    && matches!(ev.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q'))
                {
                    return Request::Close;
                }
            }
        }
        Request::None
    }

    /// A paste: its text (`keymap::pasted`: one line, no control characters) goes into the
    /// focused field — a form's field, the reason to override, the typed target of a plan or a
    /// resume — as if typed, and does nothing else: it never moves the focus, plans, applies or
    /// resumes, whatever line breaks it holds; Enter stays a key pressed of its own. Elsewhere
    /// (the list, the checks, a run) it does nothing. Returns whether a field changed.
    pub fn paste(&mut self, text: &str) -> bool {
        let text = pasted(text);
        if text.is_empty() {
            return false;
        }
        let input = match &mut self.stage {
            Stage::Form { fields, focus, .. } => match fields.get_mut(*focus) {
                Some(field) => &mut field.value,
                None => return false,
            },
            Stage::Plan {
                confirm,
                reason,
                focus_reason,
                ..
            } => {
                if *focus_reason {
                    reason
                } else {
                    confirm
                }
            }
            Stage::Resume(plan) => &mut plan.confirm,
            Stage::List { .. } | Stage::Checking { .. } | Stage::Running { .. } => return false,
        };
        input.push_str(&text);
        true
    }

    /// The plan arrived (or the preflight refused).
    pub fn planned(&mut self, rb: Arc<dyn Runbook>, outcome: Outcome) {
        let name = rb.name();
        let fields_back = |problems: Vec<String>| Stage::Form {
            name: NAMES
                .iter()
                .find(|n| **n == name)
                .copied()
                .unwrap_or("create-org"),
            fields: form_fields_from(&rb),
            focus: 0,
            problems,
        };
        self.stage = match outcome {
            Outcome::Planned {
                steps,
                findings,
                overridable,
            } => Stage::Plan {
                rb: rb.clone(),
                steps,
                findings,
                overridable,
                confirm: String::new(),
                reason: String::new(),
                focus_reason: false,
            },
            Outcome::Refused(problems) => fields_back(problems),
            other => fields_back(vec![format!("unexpected: {other:?}")]),
        };
    }

    /// The target typed to confirm the resume being asked for (`Request::Resume`), for the
    /// run's options: the engine checks it again.
    pub fn resume_confirmation(&self) -> Option<String> {
        match &self.stage {
            Stage::Resume(plan) if plan.problems.is_empty() && plan.confirm == plan.target => {
                Some(plan.confirm.clone())
            }
            _ => None,
        }
    }

    pub fn start_running(&mut self, titles: Vec<String>) {
        self.stage = Stage::Running {
            steps: titles
                .into_iter()
                .map(|title| StepLine {
                    title,
                    state: "pending",
                    ..StepLine::default()
                })
                .collect(),
            journal: None,
            outcome: None,
        };
    }

    pub fn event(&mut self, e: &Event) {
        let Stage::Running { steps, journal, .. } = &mut self.stage else {
            return;
        };
        let mut set = |i: usize, state: &'static str| {
            if let Some(s) = steps.get_mut(i) {
                s.state = state;
            }
        };
        match e {
            Event::Started { journal: j } => *journal = Some(j.clone()),
            Event::Skipped { step } => set(*step, "already done"),
            Event::Applying { step } => set(*step, "applying"),
            Event::Applied { step } => set(*step, "verifying"),
            Event::Progress {
                step,
                progress,
                note,
                elapsed,
                ..
            } => {
                if let Some(s) = steps.get_mut(*step) {
                    s.state = "waiting";
                    s.progress = *progress;
                    s.note = note.clone();
                    s.elapsed = Some(*elapsed);
                }
            }
            Event::Verified { step, elapsed } => {
                if let Some(s) = steps.get_mut(*step) {
                    if s.state != "warning" {
                        s.state = "done";
                    }
                    s.progress = Some(1.0);
                    s.elapsed = Some(*elapsed);
                }
            }
            Event::Warned { step, message } => {
                if let Some(s) = steps.get_mut(*step) {
                    s.state = "warning";
                    s.note = message.clone();
                }
            }
            Event::Failed { step, reason } => {
                if let Some(s) = steps.get_mut(*step) {
                    s.state = "FAILED";
                    s.note = reason.clone();
                }
            }
        }
    }

    pub fn finished(&mut self, text: String) {
        match &mut self.stage {
            Stage::Running { outcome, .. } => *outcome = Some(text),
            _ => {
                self.stage = Stage::Running {
                    steps: vec![],
                    journal: None,
                    outcome: Some(text),
                }
            }
        }
    }
}

/// The form again, filled from a runbook's inputs (after a refusal).
fn form_fields_from(rb: &Arc<dyn Runbook>) -> Vec<Field> {
    let inputs = rb.inputs();
    let mut fields = form_fields(rb.name());
    let keys: &[&str] = match rb.name() {
        "create-org" => &[
            "org",
            "domain",
            "spaces",
            "account_id",
            "oidc_provider_id",
            "cluster",
            "region",
            "template",
            "statics_bucket",
            "statics_policy",
        ],
        "failover" => &["zone", "record", "from", "to"],
        _ => &[
            "source",
            "target",
            "source_bucket",
            "target_bucket",
            "snapshot",
        ],
    };
    for (f, k) in fields.iter_mut().zip(keys) {
        f.value = match &inputs[*k] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(","),
            _ => String::new(),
        };
    }
    fields
}

fn gauge(progress: Option<f64>, width: usize) -> String {
    match progress {
        Some(p) => {
            let filled = ((p.clamp(0.0, 1.0)) * width as f64).round() as usize;
            format!(
                "[{}{}] {:>3.0}%",
                "█".repeat(filled),
                "·".repeat(width - filled),
                p * 100.0
            )
        }
        None => " ".repeat(width + 7),
    }
}

pub fn render(f: &mut Frame, area: Rect, app: &App, screen: &RunbookScreen) {
    let t = &app.theme;
    let accent = Style::default().fg(t.accent);
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = Vec::new();
    let title;
    match &screen.stage {
        Stage::List { cursor, journals } => {
            title = " Runbooks — Enter opens, Esc closes ".to_string();
            let about = [
                "onboard a tenant organization (seed 001)",
                "fail a routed name over to the other region (seed 003)",
                "make staging a copy of production (seed 004)",
            ];
            for (i, (name, what)) in NAMES.iter().zip(about).enumerate() {
                let style = if i == *cursor {
                    t.selection()
                } else {
                    Style::default()
                };
                lines.push(Line::from(vec![
                    Span::styled(format!(" {name:<18}"), style.patch(accent)),
                    Span::styled(what, style),
                ]));
            }
            if !journals.is_empty() {
                lines.push(Line::default());
                lines.push(Line::from(Span::styled(
                    " Interrupted runs (Enter shows what is left to resume)",
                    bold,
                )));
                for (j, path) in journals.iter().enumerate() {
                    let style = if NAMES.len() + j == *cursor {
                        t.selection()
                    } else {
                        Style::default()
                    };
                    let progress = journal::replay(path)
                        .map(|r| format!("{} steps verified", r.verified.len()))
                        .unwrap_or_default();
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    lines.push(Line::from(Span::styled(
                        format!(" {name}  {progress}"),
                        style,
                    )));
                }
            }
            if app.read_only {
                lines.push(Line::default());
                lines.push(Line::from(Span::styled(
                    " read-only: plans only; start opsdeck with --write to apply",
                    Style::default().fg(t.health(crate::model::Health::Degraded)),
                )));
            }
        }
        Stage::Form {
            name,
            fields,
            focus,
            problems,
        } => {
            title = format!(" {name} — Tab moves, Enter plans, Esc back ");
            for (i, fl) in fields.iter().enumerate() {
                let cursor = if i == *focus { "▏" } else { "" };
                let style = if i == *focus {
                    t.selection()
                } else {
                    Style::default()
                };
                lines.push(Line::from(vec![
                    Span::styled(format!(" {:<34}", fl.label), accent),
                    Span::styled(format!("{}{cursor}", fl.value), style),
                ]));
            }
            for p in problems {
                lines.push(Line::from(Span::styled(
                    format!(" ✗ {p}"),
                    Style::default().fg(t.health(crate::model::Health::Failed)),
                )));
            }
        }
        Stage::Checking { name } => {
            title = format!(" {name} ");
            lines.push(Line::from(" checking the world and building the plan…"));
        }
        Stage::Plan {
            rb,
            steps,
            findings,
            overridable,
            confirm,
            reason,
            focus_reason,
        } => {
            title = format!(
                " {} → {} — plan (nothing written yet) ",
                rb.name(),
                rb.target()
            );
            for (i, s) in steps.iter().enumerate() {
                lines.push(Line::from(vec![
                    Span::styled(format!("{:>3}. ", i + 1), accent),
                    Span::styled(s.title.clone(), bold),
                ]));
                lines.push(Line::from(format!(
                    "     {} → {}",
                    s.description.what, s.description.target
                )));
                if let Some(cli) = &s.description.equivalent_cli {
                    lines.push(Line::from(Span::styled(
                        format!("     $ {cli}"),
                        Style::default().fg(t.dim),
                    )));
                }
            }
            for fi in findings {
                lines.push(Line::from(format!(" note: {fi}")));
            }
            for o in overridable {
                lines.push(Line::from(Span::styled(
                    format!(" ! {o}"),
                    Style::default().fg(t.health(crate::model::Health::Degraded)),
                )));
            }
            lines.push(Line::default());
            if !overridable.is_empty() {
                let style = if *focus_reason {
                    t.selection()
                } else {
                    Style::default()
                };
                lines.push(Line::from(vec![
                    Span::styled(" reason to go ahead anyway (Tab): ", accent),
                    Span::styled(reason.clone(), style),
                ]));
            }
            let style = if *focus_reason {
                Style::default()
            } else {
                t.selection()
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!(" type {} and Enter to apply: ", rb.target()),
                    accent,
                ),
                Span::styled(confirm.clone(), style),
            ]));
        }
        Stage::Resume(plan) => {
            title = format!(
                " resume {} → {} — plan (nothing written yet), Esc back ",
                plan.runbook, plan.target
            );
            let name = plan
                .journal
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(" journal: ", accent),
                Span::raw(name),
            ]));
            lines.push(Line::from(vec![
                Span::styled(" ran in:  ", accent),
                Span::raw(match &plan.world {
                    Some(w) => w.to_string(),
                    None => "(not recorded)".to_string(),
                }),
            ]));
            lines.push(Line::default());
            for (i, (s, done)) in plan.steps.iter().enumerate() {
                let state = if *done { "done" } else { "to do" };
                lines.push(Line::from(vec![
                    Span::styled(format!("{:>3}. ", i + 1), accent),
                    Span::styled(format!("{:<52}", s.title), bold),
                    Span::styled(format!(" {state}"), accent),
                ]));
                if !*done {
                    lines.push(Line::from(format!(
                        "     {} → {}",
                        s.description.what, s.description.target
                    )));
                    if let Some(cli) = &s.description.equivalent_cli {
                        lines.push(Line::from(Span::styled(
                            format!("     $ {cli}"),
                            Style::default().fg(t.dim),
                        )));
                    }
                }
            }
            let done = plan.steps.iter().filter(|(_, d)| *d).count();
            if !plan.steps.is_empty() {
                lines.push(Line::from(format!(
                    " {done} of {} steps done; the first step left is checked again before it is applied",
                    plan.steps.len()
                )));
            }
            let failed = Style::default().fg(t.health(crate::model::Health::Failed));
            for p in &plan.problems {
                lines.push(Line::from(Span::styled(format!(" ✗ {p}"), failed)));
            }
            if let Some(m) = &plan.message {
                lines.push(Line::from(Span::styled(format!(" ✗ {m}"), failed)));
            }
            if app.read_only {
                lines.push(Line::from(Span::styled(
                    " read-only: start opsdeck with --write to resume",
                    Style::default().fg(t.health(crate::model::Health::Degraded)),
                )));
            }
            lines.push(Line::default());
            if plan.problems.is_empty() {
                lines.push(Line::from(vec![
                    Span::styled(
                        format!(" type {} and Enter to resume: ", plan.target),
                        accent,
                    ),
                    Span::styled(plan.confirm.clone(), t.selection()),
                ]));
            }
        }
        Stage::Running {
            steps,
            journal,
            outcome,
        } => {
            title = if outcome.is_some() {
                " Runbook — finished, Esc closes ".into()
            } else {
                " Runbook — running ".into()
            };
            for (i, s) in steps.iter().enumerate() {
                let elapsed = s.elapsed.map(secs).unwrap_or_default();
                lines.push(Line::from(vec![
                    Span::styled(format!("{:>3}. {:<52}", i + 1, s.title), bold),
                    Span::styled(format!(" {:<12}", s.state), accent),
                    Span::raw(format!(" {} {elapsed:>6}", gauge(s.progress, 10))),
                ]));
                if !s.note.is_empty() && s.state != "done" {
                    lines.push(Line::from(Span::styled(
                        format!("      {}", s.note),
                        Style::default().fg(t.dim),
                    )));
                }
            }
            if let Some(j) = journal {
                lines.push(Line::from(format!(" journal: {}", j.display())));
            }
            if let Some(text) = outcome {
                for l in text.lines() {
                    lines.push(Line::from(l.to_string()));
                }
            }
        }
    }
    // The whole body, so nothing of the pane underneath shows at the edges.
    let popup = area;
    f.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(accent)
        .title(Span::styled(title, t.title()))
        .style(t.base());
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        popup,
    );
}
