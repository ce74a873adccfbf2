//! Secrets Manager: whether a secret exists, and creating one (tagged as opsdeck's).

use aws_sdk_secretsmanager::Client as SecretsManager;
use aws_sdk_secretsmanager::types::Tag;

use super::AwsPorts;
use crate::runbook::ports::{OpsFuture, SecretOps};
use crate::runbook::secret::SecretDocument;

impl SecretOps for AwsPorts {
    fn secret_exists<'a>(&'a self, name: &'a str) -> OpsFuture<'a, bool> {
        Box::pin(async move {
            let client = self.client(SecretsManager::new).await;
            let found = self.found(client.describe_secret().secret_id(name).send());
            Ok(found.await?.is_some())
        })
    }

    fn create_secret<'a>(&'a self, name: &'a str, value: &'a SecretDocument) -> OpsFuture<'a, ()> {
        Box::pin(async move {
            let client = self.client(SecretsManager::new).await;
            let call = client
                .create_secret()
                .name(name)
                .secret_string(value.expose_json())
                .tags(Tag::builder().key("created-by").value("opsdeck").build());
            self.sent(call.send()).await?;
            Ok(())
        })
    }
}
