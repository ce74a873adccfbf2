//! Configuration: the config file, where files live, and errors that name the file and the fix.

mod file;
pub mod paths;

pub use file::{
    Account, AwsConfig, Config, ConfigError, KubeConfig, closest_region, is_aws_region,
};
