//! Integration tests of the `levelfield` binary: one test binary for every suite.

mod charts;
mod equity;
mod errors;
mod formats;
mod profile;
mod properties;
mod reference;
mod support;
mod suppress;
mod tidy;
