//! levelfield's domain vocabulary: the shipped lookups that turn the codes found in NHS and ONS
//! data into the groups equality profiles report on.
//!
//! | module | maps |
//! |---|---|
//! | [`ethnicity`] | NHS ethnic category codes (A–S, Z, 99) and Census 2021 codes (1–19) to NHS 5 groups and Census 2021 groups |
//! | [`deprivation`] | IMD decile labels in either direction to decile numbers (1 = most deprived) |
//! | [`age`] | ages to ESP2013 19 bands, the NHS MHA 6 bands, or 5-year bands |
//! | [`sex`] | MHSDS gender and sex codes |
//! | [`period`] | period labels (`2024-25`, `2024 Q1`, `2024-06`) to times and lengths |
//!
//! Every lookup is versioned ([`LOOKUPS_VERSION`]) and names its source; nothing is dropped
//! silently — codes for "not stated" and "not known" map to explicit groups that profiles report
//! as data quality, and unknown codes are errors naming the code.

#![deny(missing_docs)]

pub mod age;
pub mod deprivation;
pub mod ethnicity;
pub mod period;
pub mod sex;

/// Version of the shipped lookups, recorded with every output that uses them.
pub const LOOKUPS_VERSION: &str = "2026-11-28";

/// A code that a lookup does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{code}` is not a known {what}; {hint}")]
pub struct UnknownCode {
    /// The code as found.
    pub code: String,
    /// What kind of code was expected.
    pub what: &'static str,
    /// What the valid codes are.
    pub hint: &'static str,
}
