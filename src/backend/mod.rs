//! Backends turn the outside world into `Update`s. The store and the UI never know which one a
//! row came from. `demo` is the embedded simulated fleet; `kube` and `aws` plug in beside it.

pub mod aws;
pub mod demo;
pub mod kube;
