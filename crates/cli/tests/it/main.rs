//! Integration tests of the `levelfield` binary: one test binary for every suite.

mod associate;
mod browser;
mod charts;
#[cfg(feature = "distributed")]
mod cluster;
mod equity;
mod errors;
mod formats;
mod plan;
mod profile;
mod properties;
mod reference;
mod report;
mod sensitivity;
mod serve;
mod support;
mod suppress;
mod tidy;
