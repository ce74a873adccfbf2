//! The runbook ports on the demo world, one file per capability (the same split as the AWS
//! backend's): each answers from the world's state and sends the fleet the rows its change
//! shows in, as the real sources would.

mod cluster;
mod databases;
mod dns;
mod identity;
mod routing;
mod secrets;
mod storage;
