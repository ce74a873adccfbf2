//! Backends turn the outside world into `Update`s. The store and the UI never know which one a
//! row came from. `demo` is the embedded simulated fleet (and the simulated world behind the
//! demo's runbook ports); `kube` and `aws` plug in beside it. The runbooks' real ports live
//! here too: AWS in `aws::runbook_ports`, the cluster in `kube::runbook_port`, the GitOps
//! repository in `git`, assembled from the config by `configured_ports`.

pub mod aws;
pub mod configured_ports;
pub mod demo;
pub mod git;
pub mod kube;
pub mod seen;
