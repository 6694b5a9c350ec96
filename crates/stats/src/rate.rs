//! Crude rates with exact Poisson limits for counts below 10 and Byar's limits otherwise.

use crate::{
    ConfidenceLevel, Estimate, Note, StatsError, poisson,
    proportion::{check_counts, check_multiplier},
};

/// A crude rate `x/n × multiplier` with Poisson limits for each level.
///
/// # Method
/// Counts below 10 use exact Poisson limits (Garwood); 10 and over use Byar's approximation. The
/// limits of the count are divided by the denominator and scaled.
///
/// # Formula
/// `r = x/n·m`; limits `L(x)/n·m`, `U(x)/n·m` with `L`, `U` from
/// [`poisson::count_interval`].
///
/// # References
/// Breslow & Day (1987); Garwood (1936); PHEindicatormethods 2.1.0 `phe_rate`. Fingertips'
/// published crude-rate limits match this rule (exact below 10, Byar from 10).
///
/// # Edge cases
/// `x = 0` gives `[0, 3.689/n·m]` at 95 %. Fractional counts are allowed (the exact branch uses a
/// fractional gamma shape). The method is chosen per row by the count.
///
/// # Errors
/// [`StatsError::NegativeNumerator`], [`StatsError::NonPositiveDenominator`],
/// [`StatsError::Multiplier`].
///
/// ```
/// use levelfield_stats::{ConfidenceLevel, rate::crude_rate};
/// let l = [ConfidenceLevel::new(0.95).unwrap()];
/// let e = crude_rate(81.0, 115590.0, &l, 100000.0).unwrap();
/// assert!((e.value.unwrap() - 70.07526602647287).abs() < 1e-12);
/// ```
pub fn crude_rate(
    x: f64,
    n: f64,
    levels: &[ConfidenceLevel],
    multiplier: f64,
) -> Result<Estimate, StatsError> {
    check_multiplier(multiplier)?;
    check_counts(x, n)?;
    let (intervals, negative_lower) =
        poisson::mapped_intervals(x, levels, |count| count / n * multiplier);
    let note = negative_lower.then_some(Note::NegativeByarsLower);
    Ok(Estimate {
        value: Some(x / n * multiplier),
        intervals,
        method: poisson::method_for(x),
        note,
    })
}

/// Like [`crude_rate`], but a missing count or denominator gives an empty estimate with a note
/// (PHE returns `NA`).
///
/// # Errors
/// As [`crude_rate`] for values that are present.
pub fn crude_rate_or_missing(
    x: Option<f64>,
    n: Option<f64>,
    levels: &[ConfidenceLevel],
    multiplier: f64,
) -> Result<Estimate, StatsError> {
    match (x, n) {
        (Some(x), Some(n)) => crude_rate(x, n, levels, multiplier),
        (None, _) => Ok(Estimate::withheld(
            levels.len(),
            crate::Method::Exact,
            Note::MissingNumerator,
        )),
        (_, None) => Ok(Estimate::withheld(
            levels.len(),
            crate::Method::Exact,
            Note::MissingDenominator,
        )),
    }
}

/// The statistic label PHE writes for a crude rate, e.g. `rate per 100000`.
pub fn statistic_label(multiplier: f64) -> String {
    format!("rate per {}", format_multiplier(multiplier))
}

/// A multiplier as R's `format(m, scientific = FALSE)` writes it: `100000`, `1000`, `0.5`.
pub fn format_multiplier(multiplier: f64) -> String {
    if multiplier.fract() == 0.0 && multiplier.abs() < 1e15 {
        format!("{}", multiplier as i64)
    } else {
        format!("{multiplier}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label() {
        assert_eq!(statistic_label(100000.0), "rate per 100000");
        assert_eq!(statistic_label(1000.0), "rate per 1000");
    }

    #[test]
    fn refuses_bad_input() {
        let l = [ConfidenceLevel::new(0.95).unwrap()];
        assert!(crude_rate(-1.0, 10.0, &l, 1.0).is_err());
        assert!(crude_rate(1.0, 0.0, &l, 1.0).is_err());
        assert!(crude_rate(1.0, -5.0, &l, 1.0).is_err());
    }
}
