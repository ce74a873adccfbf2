//! An interrupted run, read from its journal, before it resumes: its steps and which are done,
//! where it ran, why it cannot resume (if it cannot), and the target typed to confirm.

use std::path::PathBuf;

use crate::runbook::{StepSpec, World, from_inputs, journal};

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
