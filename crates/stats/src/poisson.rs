//! Confidence limits for a Poisson count: Byar's approximation and the exact (chi-square) limits,
//! and the rule PHE uses to choose between them.

use crate::{ConfidenceLevel, Interval, Method, dist::qchisq};

/// Counts below this use exact limits; counts at or above it use Byar's approximation.
pub const EXACT_BELOW: f64 = 10.0;

/// Byar's lower limit for an observed Poisson count `x`, or `None` when it would be negative.
///
/// # Method
/// Byar's approximation (the Wilson–Hilferty cube-root transform of the Poisson) as in Breslow &
/// Day and PHEindicatormethods `byars_lower`.
///
/// # Formula
/// `L = x·(1 − 1/(9x) − z/(3√x))³`.
///
/// # References
/// Breslow, N. E. & Day, N. E. (1987). *Statistical Methods in Cancer Research* vol. II, IARC, p. 69.
/// PHEindicatormethods 2.1.0 `byars_lower` (R/utils.R).
///
/// # Edge cases
/// A negative result (only for very small `x` at high levels) is `None`, as PHE returns `NA`;
/// `x = 0` gives NaN inside the formula and so also `None`.
///
/// ```
/// use levelfield_stats::{ConfidenceLevel, poisson::byars_lower};
/// let l = byars_lower(100.0, ConfidenceLevel::new(0.95).unwrap()).unwrap();
/// assert!((l - 81.36210549052788).abs() < 1e-10);
/// ```
pub fn byars_lower(x: f64, level: ConfidenceLevel) -> Option<f64> {
    let z = level.z();
    let lower = x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * x.sqrt())).powi(3);
    (lower >= 0.0).then_some(lower)
}

/// Byar's upper limit for an observed Poisson count `x`.
///
/// # Method
/// As [`byars_lower`], applied to `x + 1`.
///
/// # Formula
/// `U = (x+1)·(1 − 1/(9(x+1)) + z/(3√(x+1)))³`.
///
/// # References
/// Breslow & Day (1987), as above; PHEindicatormethods 2.1.0 `byars_upper`.
///
/// # Edge cases
/// Defined for every `x ≥ 0`.
///
/// ```
/// use levelfield_stats::{ConfidenceLevel, poisson::byars_upper};
/// let u = byars_upper(100.0, ConfidenceLevel::new(0.95).unwrap());
/// assert!((u - 121.6279375792065).abs() < 1e-10);
/// ```
pub fn byars_upper(x: f64, level: ConfidenceLevel) -> f64 {
    let z = level.z();
    (x + 1.0) * (1.0 - 1.0 / (9.0 * (x + 1.0)) + z / (3.0 * (x + 1.0).sqrt())).powi(3)
}

/// Exact Poisson limits for an observed count `x` (which may be fractional).
///
/// # Method
/// Garwood's exact interval through the chi-square–Poisson relationship.
///
/// # Formula
/// `L = χ²_{(1−c)/2}(2x)/2`, `U = χ²_{c+(1−c)/2}(2x+2)/2`.
///
/// # References
/// Garwood, F. (1936). Fiducial limits for the Poisson distribution. *Biometrika* 28, 437–442.
/// PHEindicatormethods 2.1.0 `phe_rate` (exact branch).
///
/// # Edge cases
/// `x = 0` gives `L = 0`. Fractional `x` uses the gamma distribution with fractional shape, as R's
/// `qchisq` does.
///
/// ```
/// use levelfield_stats::{ConfidenceLevel, poisson::exact_interval};
/// let i = exact_interval(5.0, ConfidenceLevel::new(0.95).unwrap());
/// assert!((i.lower - 1.6234863901184207).abs() < 1e-12);
/// assert!((i.upper - 11.668332079322668).abs() < 1e-12);
/// ```
pub fn exact_interval(x: f64, level: ConfidenceLevel) -> Interval {
    let c = level.fraction();
    Interval {
        lower: qchisq((1.0 - c) / 2.0, 2.0 * x) / 2.0,
        upper: qchisq(c + (1.0 - c) / 2.0, 2.0 * x + 2.0) / 2.0,
    }
}

/// The method PHE uses for a count: exact below 10, Byar's from 10 up.
pub fn method_for(x: f64) -> Method {
    if x < EXACT_BELOW {
        Method::Exact
    } else {
        Method::Byars
    }
}

/// Limits for a Poisson count by [`method_for`]: exact below 10, Byar's otherwise. The lower
/// limit is `None` only when Byar's lower limit is negative.
///
/// # Method
/// [`exact_interval`] for `x < 10`, [`byars_lower`]/[`byars_upper`] otherwise.
///
/// # Formula
/// `x < 10`: `[χ²(α/2; 2x)/2, χ²(1 − α/2; 2x + 2)/2]`; otherwise
/// `[x(1 − 1/(9x) − z/(3√x))³, (x + 1)(1 − 1/(9(x + 1)) + z/(3√(x + 1)))³]`, `z = Φ⁻¹(1 − α/2)`.
///
/// # References
/// PHEindicatormethods 2.1.0 `phe_rate`, `calculate_ISRatio`; Fingertips technical guidance
/// "Confidence intervals" (exact method below 10 events).
///
/// # Edge cases
/// `x = 0` gives `[0, χ²(1 − α/2; 2)/2]`; a negative Byar lower limit (needs z > 9 at 10 events)
/// is `None`.
pub fn count_interval(x: f64, level: ConfidenceLevel) -> (Option<f64>, f64) {
    if x < EXACT_BELOW {
        let i = exact_interval(x, level);
        (Some(i.lower), i.upper)
    } else {
        (byars_lower(x, level), byars_upper(x, level))
    }
}

/// [`count_interval`] of `x` at each level with both limits passed through `map` (the step from
/// a count to the statistic: a rate, a ratio, a standardised rate). An interval is `None` where
/// Byar's lower limit is negative, and the returned flag says whether that happened, so the
/// caller can add its note (from 10 events, where Byar's method is used, that needs z > 9, so
/// it is a guard rather than a case seen in practice).
pub(crate) fn mapped_intervals(
    x: f64,
    levels: &[ConfidenceLevel],
    map: impl Fn(f64) -> f64,
) -> (Vec<Option<Interval>>, bool) {
    let mut negative_lower = false;
    let intervals = levels
        .iter()
        .map(|&l| {
            let (lower, upper) = count_interval(x, l);
            negative_lower |= lower.is_none();
            Some(Interval {
                lower: map(lower?),
                upper: map(upper),
            })
        })
        .collect();
    (intervals, negative_lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(c: f64) -> ConfidenceLevel {
        ConfidenceLevel::new(c).unwrap()
    }

    #[test]
    fn garwood_zero_and_one() {
        // statrs-checked in STACK.md: exact limits for k = 1 are 0.0253–5.5716.
        let i = exact_interval(1.0, level(0.95));
        assert!((i.lower - 0.025317807984289897).abs() < 1e-15);
        assert!((i.upper - 5.571643390938899).abs() < 1e-13);
        let z = exact_interval(0.0, level(0.95));
        assert_eq!(z.lower, 0.0);
        assert!((z.upper - 3.6888794541139354).abs() < 1e-13);
    }

    #[test]
    fn byars_around_the_switch() {
        // PHE reference r008: x = 10 per 1000 → 478.7449913967564 .. 1839.1458605756472 per 1e5.
        let lo = byars_lower(10.0, level(0.95)).unwrap() / 1000.0 * 100000.0;
        let hi = byars_upper(10.0, level(0.95)) / 1000.0 * 100000.0;
        assert!((lo - 478.7449913967564).abs() < 1e-9);
        assert!((hi - 1839.1458605756472).abs() < 1e-9);
        assert_eq!(method_for(9.999), Method::Exact);
        assert_eq!(method_for(10.0), Method::Byars);
    }
}
