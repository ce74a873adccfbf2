//! `:runbooks`: pick a runbook (or an interrupted run to resume), fill its form, read the plan,
//! type the target's name, and watch the steps run with their gauges and times. The engine runs
//! in the background; its events come back as `UiEvent`s. An interrupted run shows its plan with
//! the steps already done and asks for the same typed target as a start before it resumes.
//! The screen is a `Component` (here: its keys and pastes); what a key asks beyond the screen
//! (plan, apply, resume, close) comes back as an `Effect` for the app to carry out.

mod draw;
mod form;
mod resume;
mod state;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;

use super::component::{Component, Ctx, Effect, Message, Overlay, Regions};
use super::keymap::pasted;
use crate::runbook::RUNBOOKS;

pub use form::Field;
pub use resume::ResumePlan;
pub use state::{Ended, RunbookScreen, STOPPING, Stage, StepLine, WorldRead};

impl Component for RunbookScreen {
    fn key(&mut self, ev: KeyEvent, ctx: &Ctx) -> Effect {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        // A plan, a resume or a run taller than the screen scrolls with the arrows and pages;
        // its prompt stays on screen below it.
        if matches!(
            self.stage,
            Stage::Plan { .. } | Stage::Resume(_) | Stage::Running { .. }
        ) {
            let limit = self.scroll_limit.get();
            let to = match ev.code {
                KeyCode::Down => Some(self.scroll.saturating_add(1)),
                KeyCode::Up => Some(self.scroll.saturating_sub(1)),
                KeyCode::PageDown => Some(self.scroll.saturating_add(10)),
                KeyCode::PageUp => Some(self.scroll.saturating_sub(10)),
                _ => None,
            };
            if let Some(to) = to {
                self.scroll = to.min(limit);
                return Effect::None;
            }
        }
        match &mut self.stage {
            Stage::List { cursor, journals } => {
                let len = RUNBOOKS.len() + journals.len();
                match ev.code {
                    KeyCode::Esc | KeyCode::Char('q') => return Effect::close(),
                    // The list types nothing: `:` and `?` are theirs, as on a table.
                    KeyCode::Char(':') => return Effect::Open(Overlay::CommandBar),
                    KeyCode::Char('?') => return Effect::Open(Overlay::Help),
                    KeyCode::Down | KeyCode::Char('j') => *cursor = (*cursor + 1).min(len - 1),
                    KeyCode::Up | KeyCode::Char('k') => *cursor = cursor.saturating_sub(1),
                    KeyCode::Enter if *cursor < RUNBOOKS.len() => {
                        let spec = &RUNBOOKS[*cursor];
                        let fields = form::fields(spec);
                        let given = form::values(spec, &fields);
                        let asks = spec.from_world.is_some();
                        self.stage = Stage::Form {
                            spec,
                            fields,
                            focus: 0,
                            problems: vec![],
                            world: WorldRead {
                                asked: asks.then(|| given.clone()),
                                ..WorldRead::default()
                            },
                        };
                        // What the world can tell is read meanwhile, into the fields left empty.
                        if asks {
                            return Effect::ReadInputs(spec.name, given);
                        }
                    }
                    KeyCode::Enter => {
                        let path = journals[*cursor - RUNBOOKS.len()].clone();
                        self.stage = Stage::Resume(Box::new(ResumePlan::read(path)));
                    }
                    _ => {}
                }
            }
            Stage::Form {
                spec,
                fields,
                focus,
                problems,
                world,
            } => match ev.code {
                KeyCode::Esc => self.back(),
                KeyCode::Tab | KeyCode::Down => *focus = (*focus + 1) % fields.len(),
                KeyCode::BackTab | KeyCode::Up => {
                    *focus = (*focus + fields.len() - 1) % fields.len()
                }
                KeyCode::Backspace => {
                    fields[*focus].value.pop();
                }
                KeyCode::Char('u') if ctrl => fields[*focus].value.clear(),
                KeyCode::Char(c) if !ctrl => fields[*focus].value.push(c),
                KeyCode::Enter => {
                    // Empty fields the world can tell, with values it has not answered for:
                    // asked first (a record picked, its zone and regions follow).
                    let now = form::values(spec, fields);
                    let unread = spec.from_world.as_ref().is_some_and(|w| {
                        w.keys
                            .iter()
                            .any(|k| crate::runbook::from_world::missing(&now, k))
                    });
                    if world.asked.is_some() {
                        return Effect::None;
                    }
                    if unread && world.answered.as_ref() != Some(&now) {
                        world.asked = Some(now.clone());
                        return Effect::ReadInputs(spec.name, now);
                    }
                    // The staging refresh names its snapshot by the day.
                    let day = ctx.now.strftime("%Y%m%d").to_string();
                    match form::build(spec, fields, &day) {
                        Ok(rb) => {
                            let name = spec.name;
                            self.stage = Stage::Checking { name };
                            return Effect::PlanRunbook(rb);
                        }
                        Err(p) => *problems = p,
                    }
                }
                _ => {}
            },
            Stage::Checking { .. } => {
                if ev.code == KeyCode::Esc {
                    self.back();
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
                KeyCode::Esc => self.back(),
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
                    return Effect::ApplyRunbook {
                        rb: rb.clone(),
                        confirm: confirm.clone(),
                        reason: Some(reason.clone()).filter(|r| !r.trim().is_empty()),
                    };
                }
                _ => {}
            },
            Stage::Resume(plan) => match ev.code {
                KeyCode::Esc => self.back(),
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
                KeyCode::Enter => return Effect::ResumeRunbook(plan.journal.clone()),
                _ => {}
            },
            Stage::Running { outcome, .. } => match ev.code {
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') if outcome.is_some() => {
                    return Effect::close();
                }
                // The run goes on in the background: the app only hides the screen, the header
                // shows the run's progress, and `:runbooks` comes back to it.
                KeyCode::Esc | KeyCode::Char('q') => return Effect::close(),
                KeyCode::Char(':') => return Effect::Open(Overlay::CommandBar),
                KeyCode::Char('?') => return Effect::Open(Overlay::Help),
                KeyCode::Char('a') if !ctrl && self.abort() => {
                    return Effect::Say(Message::info(STOPPING));
                }
                _ => {}
            },
        }
        Effect::None
    }

    /// A paste: its text (`keymap::pasted`: one line, no control characters) goes into the
    /// focused field — a form's field, the reason to override, the typed target of a plan or a
    /// resume — as if typed, and does nothing else: it never moves the focus, plans, applies or
    /// resumes, whatever line breaks it holds; Enter stays a key pressed of its own. Elsewhere
    /// (the list, the checks, a run) it does nothing.
    fn paste(&mut self, text: &str) -> Option<Effect> {
        let text = pasted(text);
        if text.is_empty() {
            return None;
        }
        let input = match &mut self.stage {
            Stage::Form { fields, focus, .. } => &mut fields.get_mut(*focus)?.value,
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
            Stage::List { .. } | Stage::Checking { .. } | Stage::Running { .. } => return None,
        };
        input.push_str(&text);
        Some(Effect::None)
    }

    fn draw(&self, f: &mut Frame, regions: Regions, ctx: &Ctx) {
        draw::render(f, regions.body, ctx, self);
    }
}
