//! The ports of a rehearsal (`opsdeck runbook --demo`): the demo world, over the in-memory
//! repository or over a real clone given with `--repo`.

use std::path::Path;
use std::sync::Arc;

use super::{DemoWorld, MemoryGit};
use crate::backend::configured_ports::canonical;
use crate::backend::git::GitRepo;
use crate::clock::SharedClock;
use crate::runbook::World;
use crate::runbook::ports::{GitOps, Ports};

/// The demo world's ports on `clock`. A demo never touches the configured repository; an
/// explicit `repo` it does, and the world records which.
pub fn rehearsal_ports(clock: SharedClock, repo: Option<&Path>) -> Result<Ports, String> {
    let git: Arc<dyn GitOps> = match repo {
        Some(path) => Arc::new(GitRepo::open(path)?),
        None => MemoryGit::seeded(),
    };
    let mut ports = DemoWorld::new(clock, None, git).ports();
    ports.world = World::Demo {
        repo: repo.map(canonical),
    };
    Ok(ports)
}
