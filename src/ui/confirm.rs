//! The prompt of a write on a row (`R`, `T`): `y` confirms, any other key cancels; on a
//! protected context or account the target's name is typed instead, then Enter. Its question is
//! the message line's text, so it draws nothing of its own. A paste never answers it.

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;

use super::component::{Component, Ctx, Effect, Message, Regions};
use crate::config::Config;
use crate::model::RowId;
use crate::row_actions::RowAction;

/// The kube contexts and AWS accounts whose writes from the TUI need their name typed, not just
/// `y`: `[kube] protected`, and the accounts marked `protected = true` or of a "prod" or
/// "production" environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Protected {
    pub contexts: BTreeSet<String>,
    pub accounts: BTreeSet<String>,
}

impl Protected {
    pub fn from_config(config: &Config) -> Protected {
        Protected {
            contexts: config.kube.protected.iter().cloned().collect(),
            accounts: config
                .accounts
                .iter()
                .filter(|a| config.is_protected_account(&a.name))
                .map(|a| a.name.clone())
                .collect(),
        }
    }
}

/// The confirmation of a write on a protected target: its name typed, then Enter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePrompt {
    /// The context's or account's name, which confirms.
    pub name: String,
    /// What was typed so far.
    pub typed: String,
    /// The write and where it lands.
    question: String,
}

impl NamePrompt {
    pub fn new(name: String, question: String) -> NamePrompt {
        NamePrompt {
            name,
            typed: String::new(),
            question,
        }
    }

    /// The prompt's line, what was typed at its end.
    pub fn line(&self) -> String {
        format!(
            "{}: type {} then Enter to confirm, Esc cancels › {}",
            self.question, self.name, self.typed
        )
    }
}

/// The prompt on top of the stack: the write asked for, and the name to type when its target is
/// protected (the app keeps the two apart, as `App::confirm` and `App::confirm_name`).
pub struct ConfirmPrompt<'a> {
    pub ask: &'a (RowAction, RowId),
    pub name: &'a mut Option<NamePrompt>,
}

impl Component for ConfirmPrompt<'_> {
    /// Without a name: `y` confirms, any other key cancels. With one: a character types it,
    /// Backspace erases one, Enter with the exact name confirms; Enter with anything else, Esc or
    /// any other key cancels.
    fn key(&mut self, ev: KeyEvent, _: &Ctx) -> Effect {
        let (action, id) = self.ask;
        let run = || Effect::close_then(Effect::RunRowAction(*action, id.clone()));
        let cancel = |why: String| {
            Effect::close_then(Effect::Say(Message::info(format!(
                "{} cancelled{why}",
                action.verb()
            ))))
        };
        let Some(prompt) = self.name.as_mut() else {
            return match ev.code {
                KeyCode::Char('y') => run(),
                _ => cancel(String::new()),
            };
        };
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        match ev.code {
            KeyCode::Char(c) if !ctrl => prompt.typed.push(c),
            KeyCode::Backspace => {
                prompt.typed.pop();
            }
            KeyCode::Enter if prompt.typed == prompt.name => return run(),
            KeyCode::Enter => {
                return cancel(format!(": {:?} is not {}", prompt.typed, prompt.name));
            }
            _ => return cancel(String::new()),
        }
        Effect::Say(Message::info(prompt.line()))
    }

    fn draw(&self, _: &mut Frame, _: Regions, _: &Ctx) {}
}
