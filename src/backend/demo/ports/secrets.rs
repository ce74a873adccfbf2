//! Secrets Manager on the demo world: it keeps a secret's keys only, so nothing here could ever
//! show a value.

use crate::backend::demo::world::{DemoWorld, ok};
use crate::runbook::ports::{OpsFuture, SecretOps};
use crate::runbook::secret::SecretDocument;

impl SecretOps for DemoWorld {
    fn secret_exists<'a>(&'a self, name: &'a str) -> OpsFuture<'a, bool> {
        ok(self.state.lock().unwrap().secrets.contains_key(name))
    }

    fn create_secret<'a>(&'a self, name: &'a str, value: &'a SecretDocument) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let mut w = self.state.lock().unwrap();
            Self::created(&mut w, format!("secret {name}"))?;
            w.secrets.insert(
                name.into(),
                value.keys().into_iter().map(str::to_string).collect(),
            );
            Ok(())
        })
    }
}
