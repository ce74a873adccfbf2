//! One `SdkConfig` per (account, region): the account's profile (SSO and assume-role profiles
//! work as with the aws CLI), an optional role to assume, an optional endpoint (LocalStack,
//! moto; `AWS_ENDPOINT_URL` is honoured too), adaptive retries for throttling, and timeouts so a
//! dead VPN makes a source stale instead of hanging it.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_eks::config::{Credentials, SharedCredentialsProvider};

use crate::config::Account;

pub async fn config_for(
    account: &Account,
    region: &str,
    static_credentials: Option<&Credentials>,
) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .retry_config(RetryConfig::adaptive().with_max_attempts(3))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(15))
                .operation_timeout(Duration::from_secs(40))
                .build(),
        );
    if let Some(p) = &account.profile {
        loader = loader.profile_name(p);
    }
    if let Some(url) = &account.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(c) = static_credentials {
        loader = loader.credentials_provider(c.clone());
    }
    let base = loader.load().await;
    match &account.role_arn {
        Some(role) => {
            let provider = aws_config::sts::AssumeRoleProvider::builder(role)
                .session_name("opsdeck")
                .configure(&base)
                .build()
                .await;
            base.into_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build()
        }
        None => base,
    }
}
