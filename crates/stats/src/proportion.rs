//! Proportions with the Wilson score interval.

use crate::estimate::{non_negative, positive};
use crate::{ConfidenceLevel, Estimate, Interval, Method, StatsError};

/// Wilson score interval for `x` successes out of `n`, on the 0–1 scale.
///
/// # Method
/// Wilson's score interval, the interval Fingertips and PHEindicatormethods publish.
///
/// # Formula
/// `L, U = (2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²))`.
///
/// # References
/// Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
/// *JASA* 22, 209–212. Newcombe, R. G. (1998). *Stat Med* 17, 857–872.
/// PHEindicatormethods 2.1.0 `wilson_lower`/`wilson_upper`; reproduced to 1.3e-11 on 2,064
/// published Fingertips rows.
///
/// # Edge cases
/// `x = 0` gives `L = 0`; `x = n` gives `U = 1` exactly: PHE's formula gives
/// 0.9999999999999999 for 10/10, an interval that misses its own estimate by one unit in the
/// last place, so the limits are clamped to contain `x/n` (a difference of at most 2⁻⁵³ from
/// PHE). Fractional `x` is allowed.
///
/// ```
/// use levelfield_stats::{ConfidenceLevel, proportion::wilson_interval};
/// let i = wilson_interval(0.0, 10.0, ConfidenceLevel::new(0.95).unwrap());
/// assert_eq!(i.lower, 0.0);
/// assert!((i.upper - 0.27753279986288915).abs() < 1e-15);
/// let all = wilson_interval(10.0, 10.0, ConfidenceLevel::new(0.95).unwrap());
/// assert_eq!(all.upper, 1.0);
/// ```
pub fn wilson_interval(x: f64, n: f64, level: ConfidenceLevel) -> Interval {
    let z = level.z();
    let z2 = z * z;
    let root = z * (z2 + 4.0 * x * (1.0 - (x / n))).sqrt();
    let p = x / n;
    Interval {
        lower: ((2.0 * x + z2 - root) / 2.0 / (n + z2)).min(p),
        upper: ((2.0 * x + z2 + root) / 2.0 / (n + z2)).max(p),
    }
}

/// A proportion `x/n × multiplier` with a Wilson interval for each level.
///
/// # Method
/// Point estimate `x/n`; limits by [`wilson_interval`]; both scaled by `multiplier` (100 for a
/// percentage).
///
/// # Formula
/// `p = x/n·m`; limits `m·L`, `m·U`.
///
/// # References
/// PHEindicatormethods 2.1.0 `phe_proportion`.
///
/// # Edge cases
/// NaN inputs are the caller's missing values: see [`proportion_or_missing`].
///
/// # Errors
/// [`StatsError::NegativeNumerator`], [`StatsError::NonPositiveDenominator`],
/// [`StatsError::NumeratorAboveDenominator`], [`StatsError::Multiplier`].
///
/// ```
/// use levelfield_stats::{ConfidenceLevel, proportion::proportion};
/// let l = [ConfidenceLevel::new(0.95).unwrap()];
/// let e = proportion(1.0, 10.0, &l, 1.0).unwrap();
/// assert!((e.intervals[0].unwrap().upper - 0.40415002679523837).abs() < 1e-15);
/// ```
pub fn proportion(
    x: f64,
    n: f64,
    levels: &[ConfidenceLevel],
    multiplier: f64,
) -> Result<Estimate, StatsError> {
    check_multiplier(multiplier)?;
    check_counts(x, n)?;
    if x > n {
        return Err(StatsError::NumeratorAboveDenominator {
            numerator: x,
            denominator: n,
        });
    }
    let intervals = levels
        .iter()
        .map(|&l| {
            let i = wilson_interval(x, n, l);
            Some(Interval {
                lower: i.lower * multiplier,
                upper: i.upper * multiplier,
            })
        })
        .collect();
    Ok(Estimate {
        value: Some(x / n * multiplier),
        intervals,
        method: Method::Wilson,
        note: None,
    })
}

/// Like [`proportion`], but a missing numerator or denominator (`None`) gives an empty estimate
/// with a [`crate::Note`] instead of an error — PHE returns `NA` for such rows.
///
/// # Errors
/// As [`proportion`] for values that are present.
pub fn proportion_or_missing(
    x: Option<f64>,
    n: Option<f64>,
    levels: &[ConfidenceLevel],
    multiplier: f64,
) -> Result<Estimate, StatsError> {
    match (x, n) {
        (Some(x), Some(n)) => proportion(x, n, levels, multiplier),
        (None, _) => Ok(Estimate::withheld(
            levels.len(),
            Method::Wilson,
            crate::Note::MissingNumerator,
        )),
        (_, None) => Ok(Estimate::withheld(
            levels.len(),
            Method::Wilson,
            crate::Note::MissingDenominator,
        )),
    }
}

/// A count must be a finite number ≥ 0 and a denominator a finite number > 0.
pub(crate) fn check_counts(x: f64, n: f64) -> Result<(), StatsError> {
    if !non_negative(x) {
        return Err(if x.is_finite() {
            StatsError::NegativeNumerator(x)
        } else {
            StatsError::NotFinite {
                what: "numerator",
                value: x,
            }
        });
    }
    if !positive(n) {
        return Err(StatsError::NonPositiveDenominator(n));
    }
    Ok(())
}

pub(crate) fn check_multiplier(multiplier: f64) -> Result<(), StatsError> {
    if multiplier > 0.0 && multiplier.is_finite() {
        Ok(())
    } else {
        Err(StatsError::Multiplier(multiplier))
    }
}

/// The statistic label PHE writes for a proportion: `percentage` for ×100, else
/// `proportion of M`.
pub fn statistic_label(multiplier: f64) -> String {
    if multiplier == 100.0 {
        "percentage".to_string()
    } else {
        format!(
            "proportion of {}",
            crate::rate::format_multiplier(multiplier)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_counts() {
        let l = [ConfidenceLevel::new(0.95).unwrap()];
        assert!(matches!(
            proportion(-1.0, 10.0, &l, 1.0),
            Err(StatsError::NegativeNumerator(_))
        ));
        assert!(matches!(
            proportion(1.0, 0.0, &l, 1.0),
            Err(StatsError::NonPositiveDenominator(_))
        ));
        assert!(matches!(
            proportion(11.0, 10.0, &l, 1.0),
            Err(StatsError::NumeratorAboveDenominator { .. })
        ));
        assert!(matches!(
            proportion(1.0, 10.0, &l, 0.0),
            Err(StatsError::Multiplier(_))
        ));
    }

    #[test]
    fn missing_gives_a_note_not_nan() {
        let l = [ConfidenceLevel::new(0.95).unwrap()];
        let e = proportion_or_missing(None, Some(50.0), &l, 100.0).unwrap();
        assert_eq!(e.value, None);
        assert_eq!(e.intervals, vec![None]);
        assert_eq!(e.note, Some(crate::Note::MissingNumerator));
    }

    #[test]
    fn labels() {
        assert_eq!(statistic_label(100.0), "percentage");
        assert_eq!(statistic_label(1.0), "proportion of 1");
        assert_eq!(statistic_label(1000.0), "proportion of 1000");
    }
}
