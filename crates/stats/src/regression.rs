//! Weighted least-squares regression of an indicator on a determinant across units (areas),
//! with intervals for the slope and intercept, the weighted correlation with Fisher's interval,
//! and each unit's residual and studentised residual to find the areas the line fits worst.
//!
//! # Method
//! Weights are analytic (precision) weights, e.g. each area's population: an area with twice
//! the population counts twice in the sums of squares. With weighted means
//! x̄ = Σwx/Σw and ȳ = Σwy/Σw, and Sxx = Σw(x−x̄)², Syy = Σw(y−ȳ)², Sxy = Σw(x−x̄)(y−ȳ):
//!
//! - slope b = Sxy/Sxx, intercept a = ȳ − b·x̄;
//! - residual variance σ² = Σw(y − a − bx)²/(n − 2);
//! - SE(b) = √(σ²/Sxx), SE(a) = √(σ²·(1/Σw + x̄²/Sxx)); intervals b ± t(n−2)·SE;
//! - weighted correlation r = Sxy/√(Sxx·Syy), R² = r²; its interval by Fisher's z,
//!   tanh(atanh r ± z/√(n − 3));
//! - leverage hᵢ = wᵢ(1/Σw + (xᵢ − x̄)²/Sxx); studentised residual
//!   eᵢ√wᵢ/(σ√(1 − hᵢ)).
//!
//! These are R's `lm(y ~ x, weights = w)` and `cor.test` (unweighted when all weights are
//! equal); the standard errors do not change when every weight is multiplied by one number.
//!
//! # References
//! Draper N, Smith H. *Applied Regression Analysis*, 3rd ed. Wiley, 1998: chapters 1 and 9.
//! Fisher RA. Frequency distribution of the values of the correlation coefficient in samples
//! from an indefinitely large population. *Biometrika* 1915;10:507–21.
//!
//! # Edge cases
//! Units with a missing or non-finite value or a weight of zero are left out by the caller;
//! here every unit counts. Fewer than three units, a negative or non-finite weight, or one
//! determinant value for every unit are [`StatsError`]s. With exactly three units the
//! correlation has no interval (Fisher's needs n > 3). A perfect fit has σ = 0: intervals of
//! zero width and studentised residuals of 0.

use crate::{ConfidenceLevel, Interval, StatsError, dist::qt};

/// One unit's place against the fitted line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Residual {
    /// The fitted value a + b·x.
    pub fitted: f64,
    /// y − fitted.
    pub residual: f64,
    /// The leverage hᵢ.
    pub leverage: f64,
    /// The studentised residual (0 when the fit is perfect).
    pub studentised: f64,
}

/// A weighted least-squares fit of y on x.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// Units.
    pub n: usize,
    /// Intercept a.
    pub intercept: f64,
    /// Its standard error.
    pub intercept_se: f64,
    /// Its interval at the level asked for.
    pub intercept_interval: Interval,
    /// Slope b: the change in y for one unit more of x.
    pub slope: f64,
    /// Its standard error.
    pub slope_se: f64,
    /// Its interval at the level asked for.
    pub slope_interval: Interval,
    /// The weighted correlation r.
    pub correlation: f64,
    /// Its interval (Fisher's z), when there are more than three units.
    pub correlation_interval: Option<Interval>,
    /// R² (= r²).
    pub r_squared: f64,
    /// σ, the residual standard deviation at weight 1.
    pub residual_sd: f64,
    /// Each unit's residual, in the order given.
    pub residuals: Vec<Residual>,
}

/// Fits y = a + b·x by weighted least squares; see the module's documentation for the method.
///
/// # Errors
/// [`StatsError`] for unequal lengths or fewer than three units, a value or weight that is not
/// finite, a negative weight, weights that sum to zero, or no spread in x.
pub fn weighted_least_squares(
    x: &[f64],
    y: &[f64],
    w: &[f64],
    level: ConfidenceLevel,
) -> Result<Fit, StatsError> {
    let n = x.len();
    if y.len() != n || w.len() != n {
        return Err(StatsError::GroupCount {
            found: y.len().min(w.len()),
            what: "values or weights for the units",
            allowed: "give one y and one weight for each x value",
        });
    }
    if n < 3 {
        return Err(StatsError::GroupCount {
            found: n,
            what: "units",
            allowed: "a regression needs at least 3 units with values",
        });
    }
    for (what, values) in [("x", x), ("y", y), ("weight", w)] {
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(StatsError::NotFinite { what, value: *v });
        }
    }
    if let Some(v) = w.iter().find(|v| **v < 0.0) {
        return Err(StatsError::OutOfRange {
            what: "weight",
            value: *v,
            range: "0 or more",
        });
    }
    let sw: f64 = w.iter().sum();
    if sw <= 0.0 {
        return Err(StatsError::OutOfRange {
            what: "sum of the weights",
            value: sw,
            range: "more than 0",
        });
    }
    let mean = |v: &[f64]| v.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw;
    let (mx, my) = (mean(x), mean(y));
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (dx, dy) = (x[i] - mx, y[i] - my);
        sxx += w[i] * dx * dx;
        syy += w[i] * dy * dy;
        sxy += w[i] * dx * dy;
    }
    if sxx <= f64::EPSILON * sw * (mx * mx).max(1.0) {
        return Err(StatsError::OutOfRange {
            what: "spread of x",
            value: sxx,
            range: "more than 0: the units need different x values",
        });
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let df = (n - 2) as f64;
    let rss: f64 = (0..n)
        .map(|i| w[i] * (y[i] - intercept - slope * x[i]).powi(2))
        .sum();
    let sigma2 = rss / df;
    let slope_se = (sigma2 / sxx).sqrt();
    let intercept_se = (sigma2 * (1.0 / sw + mx * mx / sxx)).sqrt();
    let t = qt(0.5 + level.fraction() / 2.0, df);
    let around = |v: f64, se: f64| Interval {
        lower: v - t * se,
        upper: v + t * se,
    };
    let correlation = if syy > 0.0 {
        (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let correlation_interval = (n > 3).then(|| {
        let z = correlation.clamp(-1.0 + 1e-15, 1.0 - 1e-15).atanh();
        let half = level.z() / ((n - 3) as f64).sqrt();
        Interval {
            lower: (z - half).tanh(),
            upper: (z + half).tanh(),
        }
    });
    let sigma = sigma2.sqrt();
    let residuals = (0..n)
        .map(|i| {
            let fitted = intercept + slope * x[i];
            let residual = y[i] - fitted;
            let leverage = w[i] * (1.0 / sw + (x[i] - mx).powi(2) / sxx);
            let scale = sigma * (1.0 - leverage).max(0.0).sqrt();
            let studentised = if scale > 0.0 {
                residual * w[i].sqrt() / scale
            } else {
                0.0
            };
            Residual {
                fitted,
                residual,
                leverage,
                studentised,
            }
        })
        .collect();
    Ok(Fit {
        n,
        intercept,
        intercept_se,
        intercept_interval: around(intercept, intercept_se),
        slope,
        slope_se,
        slope_interval: around(slope, slope_se),
        correlation,
        correlation_interval,
        r_squared: correlation * correlation,
        residual_sd: sigma,
        residuals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level() -> ConfidenceLevel {
        ConfidenceLevel::new(0.95).unwrap()
    }

    /// R's `cars` data set (speed in mph, stopping distance in feet).
    const SPEED: [f64; 50] = [
        4., 4., 7., 7., 8., 9., 10., 10., 10., 11., 11., 12., 12., 12., 12., 13., 13., 13., 13.,
        14., 14., 14., 14., 15., 15., 15., 16., 16., 17., 17., 17., 18., 18., 18., 18., 19., 19.,
        19., 20., 20., 20., 20., 20., 22., 23., 24., 24., 24., 24., 25.,
    ];
    const DIST: [f64; 50] = [
        2., 10., 4., 22., 16., 10., 18., 26., 34., 17., 28., 14., 20., 24., 28., 26., 34., 34.,
        46., 26., 36., 60., 80., 20., 26., 54., 32., 40., 32., 40., 50., 42., 56., 76., 84., 36.,
        46., 68., 32., 48., 52., 56., 64., 66., 54., 70., 92., 93., 120., 85.,
    ];

    #[test]
    fn equal_weights_match_r_lm_and_cor_test_on_cars() {
        // summary(lm(dist ~ speed, cars)); confint(...); cor.test(cars$speed, cars$dist)
        let fit = weighted_least_squares(&SPEED, &DIST, &[1.0; 50], level()).unwrap();
        let close = |a: f64, b: f64, tol: f64| assert!((a - b).abs() < tol, "{a} vs {b}");
        close(fit.intercept, -17.579095, 1e-6);
        close(fit.slope, 3.932409, 1e-6);
        close(fit.intercept_se, 6.758440, 1e-6);
        close(fit.slope_se, 0.415513, 1e-6);
        close(fit.slope_interval.lower, 3.096964, 1e-6);
        close(fit.slope_interval.upper, 4.767853, 1e-6);
        close(fit.intercept_interval.lower, -31.167850, 1e-6);
        close(fit.intercept_interval.upper, -3.990340, 1e-6);
        close(fit.r_squared, 0.6510794, 1e-7);
        close(fit.correlation, 0.8068949, 1e-7);
        let ci = fit.correlation_interval.unwrap();
        close(ci.lower, 0.6816422, 1e-7);
        close(ci.upper, 0.8862036, 1e-7);
        close(fit.residual_sd, 15.37959, 1e-5);
        // The largest studentised residual, unit 49 (speed 24, distance 120), by hand from the
        // values above: e = 120 − (−17.579095 + 3.932409·24) = 43.20128; Sxx = 1370, so
        // h = 1/50 + (24 − 15.4)²/1370 = 0.0739854; e/(σ√(1 − h)) = 2.91906.
        close(fit.residuals[48].leverage, 0.0739854, 1e-7);
        close(fit.residuals[48].studentised, 2.91906, 1e-5);
    }

    #[test]
    fn weighted_fit_equals_the_normal_equations() {
        let x = [3.1, 5.0, 7.2, 8.8, 10.5, 12.0, 15.3];
        let y = [40.0, 52.0, 49.0, 71.0, 75.0, 90.0, 101.0];
        let w = [1200.0, 800.0, 4000.0, 2500.0, 300.0, 1800.0, 950.0];
        let fit = weighted_least_squares(&x, &y, &w, level()).unwrap();
        // (X'WX)⁻¹X'Wy with X = [1 x], solved as a 2×2 system.
        let (mut s0, mut s1, mut s2, mut t0, mut t1) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for i in 0..x.len() {
            s0 += w[i];
            s1 += w[i] * x[i];
            s2 += w[i] * x[i] * x[i];
            t0 += w[i] * y[i];
            t1 += w[i] * x[i] * y[i];
        }
        let det = s0 * s2 - s1 * s1;
        let a = (s2 * t0 - s1 * t1) / det;
        let b = (s0 * t1 - s1 * t0) / det;
        assert!((fit.intercept - a).abs() < 1e-9 && (fit.slope - b).abs() < 1e-9);
        // Var(β) = σ²(X'WX)⁻¹.
        let rss: f64 = (0..x.len())
            .map(|i| w[i] * (y[i] - a - b * x[i]).powi(2))
            .sum();
        let s2hat = rss / (x.len() - 2) as f64;
        assert!((fit.slope_se - (s2hat * s0 / det).sqrt()).abs() < 1e-9);
        assert!((fit.intercept_se - (s2hat * s2 / det).sqrt()).abs() < 1e-9);
        // Scaling every weight changes nothing but nothing.
        let scaled: Vec<f64> = w.iter().map(|v| v / 1000.0).collect();
        let again = weighted_least_squares(&x, &y, &scaled, level()).unwrap();
        assert!((again.slope_se - fit.slope_se).abs() < 1e-9);
        assert!((again.residuals[2].studentised - fit.residuals[2].studentised).abs() < 1e-9);
    }

    #[test]
    fn degenerate_inputs_are_errors_or_exact() {
        let l = level();
        assert!(weighted_least_squares(&[1.0, 2.0], &[1.0, 2.0], &[1.0, 1.0], l).is_err());
        assert!(weighted_least_squares(&[2.0; 4], &[1.0, 2.0, 3.0, 4.0], &[1.0; 4], l).is_err());
        assert!(
            weighted_least_squares(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], &[1.0, -1.0, 1.0], l)
                .is_err()
        );
        assert!(
            weighted_least_squares(&[1.0, 2.0, f64::NAN], &[1.0, 2.0, 3.0], &[1.0; 3], l).is_err()
        );
        // A perfect line: zero-width intervals, no interval for r with three units.
        let fit = weighted_least_squares(&[1.0, 2.0, 3.0], &[3.0, 5.0, 7.0], &[1.0; 3], l).unwrap();
        assert_eq!((fit.slope, fit.intercept), (2.0, 1.0));
        assert_eq!(
            fit.slope_interval,
            Interval {
                lower: 2.0,
                upper: 2.0
            }
        );
        assert!(fit.correlation_interval.is_none());
        assert!(fit.residuals.iter().all(|r| r.studentised == 0.0));
    }
}
