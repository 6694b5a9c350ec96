//! Integration tests of the `levelfield` binary: one test binary for every suite.

mod associate;
mod badinput;
mod browser;
mod charts;
#[cfg(feature = "distributed")]
mod cluster;
mod docs;
mod equity;
mod errors;
mod formats;
mod mutations;
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
