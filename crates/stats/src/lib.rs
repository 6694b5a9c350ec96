//! The statistics core of levelfield: public-health estimates with confidence intervals.
//!
//! Every function here is pure: no I/O, no allocation beyond its result, no global state. The
//! methods and their numbers follow PHEindicatormethods 2.1.0 (UKHSA), the reference
//! implementation for English public-health statistics, except where its documentation says the
//! reference is wrong; each such difference is named in the function's `# Edge cases`.
//!
//! | module | estimates |
//! |---|---|
//! | [`proportion`] | proportions with Wilson score intervals |
//! | [`rate`] | crude rates with exact Poisson (counts < 10) or Byar's intervals |
//! | [`mean`] | means with Student's t intervals, as a mergeable accumulator |
//! | [`dsr`] | directly standardised rates with Dobson's interval, independent or not |
//! | [`isr`] | indirectly standardised ratios and rates |
//! | [`quantile`] | deciles, quintiles… within groups, PHE's tie rules |
//! | [`life_expectancy`] | abridged life tables (Chiang II) with Silcocks' interval |
//! | [`compare`] | a group against its reference (exact rate ratio, Newcombe difference), Fingertips benchmarking |
//! | [`disclosure`] | NHS disclosure rules (MHA, HES 2018, custom), secondary suppression, and an attacker audit |
//! | [`sii`] | slope and relative index of inequality, as `phe_sii`, simulated or exact |
//! | [`funnel`] | funnel limits: PHE's (inverted Wilson, Poisson) and FunnelPlotR's over-dispersion |
//! | [`spc`] | XmR, p- and u-charts with the Making Data Count rules, variation and assurance |
//! | [`inequality`] | summary measures across groups: D, R, PAR, PAF, BGV, distances, TI, MLD, ACI, RCI, SII, RII |
//! | [`measure`] | every measure by its code (name, method, where it applies, polarity) and the one entry point computing them |
//! | [`regression`] | weighted least squares across areas with intervals, weighted correlation, studentised residuals |
//!
//! Results are [`Estimate`]s: a value, one [`Interval`] per requested [`ConfidenceLevel`], the
//! [`Method`] used and, when something could not be estimated, a [`Note`] saying why. Degenerate
//! data never produces NaN; bad parameters produce a [`StatsError`].
//!
//! ```
//! use levelfield_stats::{ConfidenceLevel, proportion::proportion};
//! let levels = [ConfidenceLevel::new(0.95).unwrap()];
//! let est = proportion(368.0, 726.0, &levels, 100.0).unwrap();
//! let ci = est.intervals[0].unwrap();
//! assert!((est.value.unwrap() - 50.688705234159784).abs() < 1e-12);
//! assert!((ci.lower - 47.057952601760164).abs() < 1e-10);
//! ```

#![deny(missing_docs)]

pub mod compare;
pub mod confidence;
pub mod disclosure;
pub mod dist;
pub mod dsr;
pub mod esp2013;
mod estimate;
pub mod funnel;
pub mod inequality;
pub mod isr;
pub mod life_expectancy;
pub mod mean;
pub mod measure;
pub mod poisson;
pub mod proportion;
pub mod quantile;
pub mod rate;
pub mod regression;
pub mod sii;
pub mod simulation;
pub mod spc;

pub use confidence::ConfidenceLevel;
pub use estimate::{Estimate, Interval, Method, Note, StatsError};
