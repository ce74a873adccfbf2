//! A runbook's form, read from the inputs it declares (`RunbookSpec::inputs`): one field per
//! input, labelled and started from its `InputSpec`'s default (then from what the world tells,
//! `RunbookSpec::from_world`); built by the runbook's own `build`, whose
//! problems show beside the field they name.

use std::sync::Arc;

use crate::runbook::inputs::{InputSpec, form_texts, form_values};
use crate::runbook::{Runbook, RunbookSpec};

/// One input of a form.
#[derive(Clone, Debug)]
pub struct Field {
    pub label: &'static str,
    pub value: String,
    /// What the last build found wrong with it.
    pub problems: Vec<String>,
}

impl Field {
    fn new(input: &InputSpec, value: String) -> Field {
        Field {
            label: input.label,
            value,
            problems: Vec::new(),
        }
    }
}

/// A fresh form: each input's default, else empty.
pub fn fields(spec: &RunbookSpec) -> Vec<Field> {
    spec.inputs
        .iter()
        .map(|input| {
            let value = input.form_default();
            Field::new(input, value.to_string())
        })
        .collect()
}

/// The form again, filled from a runbook's inputs (after its preflight refused it).
pub fn refilled(spec: &RunbookSpec, inputs: &serde_json::Value) -> Vec<Field> {
    spec.inputs
        .iter()
        .zip(form_texts(spec, inputs))
        .map(|(input, value)| Field::new(input, value))
        .collect()
}

/// The form's values as inputs (what `build` and the world's read take).
pub fn values(spec: &RunbookSpec, fields: &[Field]) -> serde_json::Value {
    let texts: Vec<String> = fields.iter().map(|f| f.value.clone()).collect();
    form_values(spec, &texts)
}

/// The runbook the form describes (`day` is today, `yyyymmdd`). Otherwise each problem goes to
/// its field, and those of no field come back, for the form to list under its fields.
pub fn build(
    spec: &RunbookSpec,
    fields: &mut [Field],
    day: &str,
) -> Result<Arc<dyn Runbook>, Vec<String>> {
    let given = values(spec, fields);
    for f in fields.iter_mut() {
        f.problems.clear();
    }
    let problems = match (spec.build)(&given, day) {
        Ok(rb) => return Ok(Arc::from(rb)),
        Err(problems) => problems,
    };
    let mut unplaced = Vec::new();
    for problem in problems {
        let field = problem
            .key
            .and_then(|k| spec.inputs.iter().position(|i| i.key == k))
            .and_then(|i| fields.get_mut(i));
        match field {
            Some(f) => f.problems.push(problem.message),
            None => unplaced.push(problem.message),
        }
    }
    Err(unplaced)
}
