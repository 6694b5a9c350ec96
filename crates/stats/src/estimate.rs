//! Result and error types shared by every estimator: [`Estimate`], [`Interval`], [`Method`],
//! [`Note`] and [`StatsError`].

use std::fmt;

/// A two-sided confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

/// The method that produced an estimate and its interval. [`Method::label`] gives the label
/// PHEindicatormethods writes, so outputs can be compared row for row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// Wilson score interval for a proportion.
    Wilson,
    /// Byar's approximation to the Poisson interval.
    Byars,
    /// Exact Poisson interval from the chi-square distribution.
    Exact,
    /// Student's t interval for a mean.
    StudentsT,
    /// Dobson's method for a directly standardised rate.
    Dobson,
    /// Dobson's method with the variance adjusted for non-independent events.
    DobsonNonIndependent,
    /// Chiang's abridged life table with Silcocks' variance.
    ChiangSilcocks,
}

impl Method {
    /// The label PHEindicatormethods 2.1.0 writes in its `method` column.
    pub fn label(self) -> &'static str {
        match self {
            Method::Wilson => "Wilson",
            Method::Byars => "Byars",
            Method::Exact => "Exact",
            Method::StudentsT => "Student's t-distribution",
            Method::Dobson => "Dobson",
            Method::DobsonNonIndependent => {
                "Dobson, with confidence adjusted for non-independent events"
            }
            Method::ChiangSilcocks => "Chiang, using Silcocks et al for confidence limits",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why part of an estimate is missing, or what the estimator had to assume.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Note {
    /// The numerator (count) was missing, so nothing was estimated.
    MissingNumerator,
    /// The denominator was missing, so nothing was estimated.
    MissingDenominator,
    /// Some counts were missing and were counted as zero (DSR and ISR, as PHE does).
    MissingCountsAsZero {
        /// How many counts were missing.
        n_missing: usize,
    },
    /// Some values were missing, so the mean is not estimated (as PHE does).
    MissingValues {
        /// How many values were missing.
        n_missing: usize,
    },
    /// Too few events for a reliable standardised rate; value and limits withheld.
    TooFewEvents {
        /// Events observed.
        total: f64,
        /// The smallest total that is published.
        minimum: f64,
    },
    /// A mean of a single value has no interval.
    SingleValue,
    /// The expected count is zero, so the ratio is undefined.
    ZeroExpected,
    /// The life table cannot be built for this group.
    LifeTable(&'static str),
    /// The 95% interval of a life expectancy is wider than 20 years; value and limits withheld.
    WideLifeExpectancyInterval,
    /// Byar's lower limit is negative at this level (very small count, very high level); it is
    /// left empty, as PHE does.
    NegativeByarsLower,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::MissingNumerator => f.write_str("numerator missing: not estimated"),
            Note::MissingDenominator => f.write_str("denominator missing: not estimated"),
            Note::MissingCountsAsZero { n_missing } => {
                write!(f, "{n_missing} missing count(s) treated as zero")
            }
            Note::MissingValues { n_missing } => {
                write!(f, "{n_missing} missing value(s): mean not estimated")
            }
            Note::TooFewEvents { total, minimum } => write!(
                f,
                "total count {total} is below {minimum}: value and limits suppressed"
            ),
            Note::SingleValue => f.write_str("one value only: no interval"),
            Note::ZeroExpected => f.write_str("expected count is zero: ratio undefined"),
            Note::LifeTable(why) => write!(f, "life expectancy not calculated: {why}"),
            Note::WideLifeExpectancyInterval => f.write_str(
                "95% confidence interval wider than 20 years: value and limits suppressed",
            ),
            Note::NegativeByarsLower => f.write_str("Byar's lower limit negative: left empty"),
        }
    }
}

/// An estimate with one interval per requested confidence level.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// The point estimate, or `None` when it could not be (or must not be) published.
    pub value: Option<f64>,
    /// One entry per requested level, in the order requested; `None` where no interval exists.
    pub intervals: Vec<Option<Interval>>,
    /// The method used.
    pub method: Method,
    /// Why something is missing, if it is.
    pub note: Option<Note>,
}

impl Estimate {
    /// An estimate with nothing in it: no value, no intervals, and the reason.
    pub fn withheld(n_levels: usize, method: Method, note: Note) -> Estimate {
        Estimate {
            value: None,
            intervals: vec![None; n_levels],
            method,
            note: Some(note),
        }
    }
}

/// Errors for parameters or data that no estimate can be made from. Degenerate data that is
/// valid (a zero count, a single value) is not an error: it gives an [`Estimate`] with a [`Note`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StatsError {
    /// A confidence level outside the accepted range.
    #[error(
        "confidence level {0} is not accepted: give a level between 0.9 and 1 (e.g. 0.95) or a percentage between 90 and 100 (e.g. 95), excluding 1 and 100"
    )]
    ConfidenceLevel(f64),
    /// The same confidence level was requested twice.
    #[error("confidence level {0} is given more than once")]
    DuplicateConfidenceLevel(f64),
    /// A count below zero.
    #[error("numerator {0} is negative: counts must be zero or more")]
    NegativeNumerator(f64),
    /// A denominator that must be positive is not.
    #[error("denominator {0} must be greater than zero")]
    NonPositiveDenominator(f64),
    /// A denominator below zero where zero is allowed.
    #[error("denominator {0} is negative: populations must be zero or more")]
    NegativeDenominator(f64),
    /// A proportion's numerator exceeds its denominator.
    #[error(
        "numerator {numerator} is greater than denominator {denominator}: a proportion's numerator must be part of its denominator"
    )]
    NumeratorAboveDenominator {
        /// The numerator.
        numerator: f64,
        /// The denominator.
        denominator: f64,
    },
    /// A multiplier that is zero, negative or not finite.
    #[error("multiplier {0} must be a positive number")]
    Multiplier(f64),
    /// A standard population weight below zero.
    #[error(
        "standard population {0} is negative: standard population weights must be zero or more"
    )]
    NegativeStandardPopulation(f64),
    /// Standard population weights that sum to zero.
    #[error("standard population weights sum to zero")]
    ZeroStandardPopulation,
    /// A reference population that is not positive.
    #[error("reference denominator {0} must be greater than zero")]
    ReferenceDenominator(f64),
    /// A number of quantiles below 2.
    #[error("number of quantiles {0} must be at least 2")]
    Quantiles(u32),
    /// Life-table age bands that are not usable.
    #[error("{0}")]
    AgeBands(String),
    /// Inputs or options the slope index of inequality cannot use.
    #[error("{0}")]
    Sii(String),
    /// A value that must be a finite number is not.
    #[error("{what} {value} is not a finite number")]
    NotFinite {
        /// What the value is.
        what: &'static str,
        /// The value.
        value: f64,
    },
    /// Too few (or too many) groups, units or quantiles for a method.
    #[error("{found} {what}: {allowed}")]
    GroupCount {
        /// What was counted.
        what: &'static str,
        /// How many there were.
        found: usize,
        /// What the method allows.
        allowed: &'static str,
    },
    /// A parameter outside the range its method allows.
    #[error("{what} {value} is outside {range}")]
    OutOfRange {
        /// What the parameter is.
        what: &'static str,
        /// The value given.
        value: f64,
        /// The allowed range, as text.
        range: &'static str,
    },
}

/// True for a finite number `≥ 0` (false for NaN).
pub(crate) fn non_negative(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

/// True for a finite number `> 0` (false for NaN).
pub(crate) fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// Rounds half-way cases to the even neighbour, as R's `round` (IEC 60559).
pub(crate) fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - x.signum()
    } else {
        r
    }
}
