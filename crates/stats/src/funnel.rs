//! Funnel plots: control limits around a target across the range of unit sizes, as
//! PHEindicatormethods draws them (exact for proportions and ratios) and as FunnelPlotR adjusts
//! them for over-dispersion.

use crate::{
    ConfidenceLevel, StatsError,
    dist::{qchisq, qnorm},
    estimate::round_half_even,
};

/// PHE's funnel limit for a proportion: the inverted Wilson score interval around the average
/// proportion `p̄` at population `n`, times `multiplier`.
///
/// # Method
/// The proportions whose Wilson interval at level `p` just reaches `p̄` (PHE's
/// `sigma_adjustment`), i.e. the funnel boundary at a one-sided probability `p`.
///
/// # Formula
/// With `z = Φ⁻¹(p)`: `F = p̄(n/z² + 1)`,
/// `A = √((8p̄(n/z² + 1))² − 64(1/z² + 1/n)·p̄·(n(p̄(n/z² + 2) − 1) + z²(p̄ − 1)))`,
/// limit `= (F ∓ A/8)/(1/z² + 1/n)/n·m`.
///
/// # References
/// PHEindicatormethods 2.1.0 `sigma_adjustment` (R/utils.R), `calculate_funnel_limits`;
/// Spiegelhalter (2005), *Stat Med* 24, 1185–1202.
///
/// # Edge cases
/// For tiny populations the lower limit is negative and the upper above the scale; the caller
/// clamps to `[0, 100]` as PHE does. `p = 0.975` gives the 95 % ("2σ") limits, `0.999` the
/// 99.8 % ("3σ") ones.
pub fn proportion_limit(
    p: f64,
    population: f64,
    average: f64,
    upper: bool,
    multiplier: f64,
) -> f64 {
    let z2 = qnorm(p).powi(2);
    let first = average * (population / z2 + 1.0);
    let adj = ((-8.0 * average * (population / z2 + 1.0)).powi(2)
        - 64.0
            * (1.0 / z2 + 1.0 / population)
            * average
            * (population * (average * (population / z2 + 2.0) - 1.0) + z2 * (average - 1.0)))
        .sqrt();
    let last = 1.0 / z2 + 1.0 / population;
    let limit = if upper {
        (first + adj / 8.0) / last
    } else {
        (first - adj / 8.0) / last
    };
    limit / population * multiplier
}

/// The 100 x-axis points at which PHE tabulates funnel limits, from the range of denominators.
///
/// # Method
/// PHE's `calculate_funnel_limits` axis: from 0 (or a rounded-down minimum when the largest
/// denominator is less than twice the smallest) to the largest rounded up by 5 % to two
/// significant figures, in 100 geometrically spaced, rounded, strictly increasing steps.
///
/// # Formula
/// `x₁ = max(1, min)`, `x_j = max(round((max/x_{j−1})^{1/(101−j)}·x_{j−1}), x_{j−1} + 1)`
/// (`101 − j + 1` for ratios).
///
/// # References
/// PHEindicatormethods 2.1.0 `calculate_funnel_limits` (R/Funnels.R).
///
/// # Edge cases
/// `round` is R's (half to even).
pub fn axis_points(min_denominator: f64, max_denominator: f64, ratio: bool) -> Vec<f64> {
    let axis_min = if max_denominator > 2.0 * min_denominator {
        0.0
    } else {
        signif_floor(min_denominator)
    };
    axis_grid(axis_min, signif_ceiling(max_denominator), ratio)
}

/// The events axis of PHE's rate funnels: the denominators per year rounded as in
/// [`axis_points`], times the years, converted to events at the average rate `average`.
pub fn rate_axis_points(
    min_denominator: f64,
    max_denominator: f64,
    years: f64,
    average: f64,
) -> Vec<f64> {
    let axis_min = if max_denominator > 2.0 * min_denominator {
        0.0
    } else {
        signif_floor(min_denominator / years) * years
    };
    let axis_max = signif_ceiling(max_denominator / years) * years;
    axis_grid(
        (axis_min * average).floor(),
        (axis_max * average).ceil(),
        false,
    )
}

/// PHE's 100-point grid from `axis_min` to `axis_max`.
fn axis_grid(axis_min: f64, axis_max: f64, ratio: bool) -> Vec<f64> {
    let mut points = vec![axis_min.max(1.0)];
    for j in 2..=100 {
        let offset = if ratio { j - 1 } else { j };
        let prev = points[j - 2];
        let next = round_half_even((axis_max / prev).powf(1.0 / (101 - offset) as f64) * prev);
        points.push(next.max(prev + 1.0));
    }
    points
}

fn digits(x: f64) -> i32 {
    format!("{}", x as i64).len() as i32
}

/// Rounds down to the leading digit after taking 5 % off (PHE's `signif.floor`).
fn signif_floor(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let n = digits((x * 0.95).floor()) - 1;
    (x * 0.95 / 10f64.powi(n)).floor() * 10f64.powi(n)
}

/// Rounds up to two significant digits after adding 5 % (PHE's `signif.ceiling`).
fn signif_ceiling(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let n = digits((x * 1.05).ceil()) - 2;
    (x * 1.05 / 10f64.powi(n)).ceil() * 10f64.powi(n)
}

/// PHE's significance label for a proportion `x/n` against the average `p̄`.
///
/// # Method
/// Compares `x/n` with the [`proportion_limit`]s at 99.8 % and 95 % (PHE's
/// `assign_funnel_significance`).
///
/// # Formula
/// `Low (0.001)` below the 0.999 lower limit, else `Low (0.025)` below the 0.975 one, likewise
/// `High`, else `Not significant`.
///
/// # References
/// PHEindicatormethods 2.1.0 `assign_funnel_significance`.
///
/// # Edge cases
/// Labels are PHE's strings exactly.
pub fn proportion_significance(x: f64, n: f64, average: f64) -> &'static str {
    let v = x / n;
    if v < proportion_limit(0.999, n, average, false, 1.0) {
        "Low (0.001)"
    } else if v < proportion_limit(0.975, n, average, false, 1.0) {
        "Low (0.025)"
    } else if v > proportion_limit(0.999, n, average, true, 1.0) {
        "High (0.001)"
    } else if v > proportion_limit(0.975, n, average, true, 1.0) {
        "High (0.025)"
    } else {
        "Not significant"
    }
}

/// PHE's significance test statistic for a ratio of observed to expected events: the exact
/// (below 10 events) or Byar's limit of the observed count at `level`, divided by the expected
/// count; the same limits as [`crate::poisson::count_interval`], which computes them.
///
/// # Method
/// PHE's `funnel_ratio_significance`.
///
/// # Formula
/// Below 10 events: `χ²(½ ± c/2; 2O [+2])/2/E` at level `c`; otherwise Byar's `O(1 − 1/(9O) ∓ z/(3√O))³/E` with
/// `O + 1` on the high side.
///
/// # References
/// PHEindicatormethods 2.1.0 (R/utils.R).
///
/// # Edge cases
/// Zero observed events on the low side give 0.
pub fn ratio_test_statistic(
    observed: f64,
    expected: f64,
    level: ConfidenceLevel,
    high: bool,
) -> f64 {
    let (lower, upper) = crate::poisson::count_interval(observed, level);
    // Byar's lower limit is positive from 10 events, where it is used; the exact one is 0 at 0.
    (if high { upper } else { lower.unwrap_or(0.0) }) / expected
}

/// PHE's significance label for a rate from `observed` events over the derived denominator,
/// against the weighted average rate.
///
/// # Method
/// PHE's `phe_funnel_significance` for rates and ratios: the average is compared with the exact
/// (below 10 events) or Byar's limits of the unit's count, scaled by its denominator, at 99.8 %
/// then 95 %; a unit is "High" when the average lies below its lower limit, "Low" when above
/// its upper limit.
///
/// # Formula
/// `High (0.001)` if `average < L₉₉.₈(O)/D`, else `High (0.025)` if `average < L₉₅(O)/D`, else
/// `Low (0.001)` if `average > U₉₉.₈(O)/D`, else `Low (0.025)` if `average > U₉₅(O)/D`, else
/// `Not significant`; limits from [`ratio_test_statistic`].
///
/// # References
/// PHEindicatormethods 2.1.0 `phe_funnel_significance` (R/Funnels.R).
///
/// # Edge cases
/// Zero events: the lower limit is 0, so a unit with no events can be "Low" but never "High".
pub fn rate_significance(observed: f64, denominator: f64, average: f64) -> &'static str {
    let level = |l| ConfidenceLevel::new(l).expect("a valid confidence level");
    let (l95, l998) = (level(0.95), level(0.998));
    let limit = |l, high| ratio_test_statistic(observed, denominator, l, high);
    if average < limit(l998, false) {
        "High (0.001)"
    } else if average < limit(l95, false) {
        "High (0.025)"
    } else if average > limit(l998, true) {
        "Low (0.001)"
    } else if average > limit(l95, true) {
        "Low (0.025)"
    } else {
        "Not significant"
    }
}

/// PHE's significance label for a ratio (observed/expected events) against 1: the rate test of
/// [`rate_significance`] with the expected count as denominator and 1 as the average.
///
/// # Method, Formula, References, Edge cases
/// As [`rate_significance`] with `D = E` and `average = 1`.
pub fn ratio_significance(observed: f64, expected: f64) -> &'static str {
    rate_significance(observed, expected, 1.0)
}

/// The probability that a Poisson count with mean `z` lies in `[a, b]`, summed term by term with
/// rescaling, as PHE's `poisson_cis` (from the Excel funnel tool's macro).
fn poisson_range_probability(z: f64, a: f64, b: f64) -> f64 {
    let (mut q, mut tot, mut s, mut k) = (1.0f64, 0.0f64, 0.0f64, 0.0f64);
    while k <= z || q > tot * 1e-10 {
        tot += q;
        if k >= a && k <= b {
            s += q;
        }
        if tot > 1e30 {
            s /= 1e30;
            tot /= 1e30;
            q /= 1e30;
        }
        k += 1.0;
        q *= z / k;
    }
    s / tot
}

/// The Poisson mean at which `observed` events sit at tail probability `p`, found by PHE's
/// bisection (steps halve until below 1e-7, reproducing PHE's limits to about 1e-12).
///
/// # Method
/// PHE's `poisson_funnel`: bisection on `v` in (0, 1) with mean `(1 + O)·v/(1 − v)`; the "low"
/// side finds the mean with `P(X ≥ O) = p`, the "high" side the mean with `P(X ≤ O) = p`.
///
/// # Formula
/// As above.
///
/// # References
/// PHEindicatormethods 2.1.0 `poisson_funnel`, `poisson_cis` (R/utils.R).
///
/// # Edge cases
/// The bisection's tolerance is PHE's, so results match PHE rather than an exact root.
pub fn poisson_funnel(observed: f64, p: f64, high: bool) -> f64 {
    let (mut v, mut dv) = (0.5f64, 0.5f64);
    while dv > 1e-7 {
        dv /= 2.0;
        let mean = (1.0 + observed) * v / (1.0 - v);
        let go_down = if high {
            poisson_range_probability(mean, 0.0, observed) < p
        } else {
            poisson_range_probability(mean, observed, 1e10) > p
        };
        if go_down {
            v -= dv;
        } else {
            v += dv;
        }
    }
    (1.0 + observed) * v / (1.0 - v)
}

/// [`poisson_funnel`] at the four ends PHE's funnel tables report, in their column order:
/// 95 % (tail 0.025) high then low side, then 99.8 % (tail 0.001) high then low side.
pub fn poisson_funnel_ends(observed: f64) -> [f64; 4] {
    [(0.025, true), (0.025, false), (0.001, true), (0.001, false)]
        .map(|(p, high)| poisson_funnel(observed, p, high))
}

/// The type of funnel, as FunnelPlotR names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunnelType {
    /// Standardised ratio O/E, log-transformed (SHMI-style).
    RatioLog,
    /// Standardised ratio O/E, square-root transformed (CQC-style).
    RatioSqrt,
    /// Proportion O/n, arcsine-square-root transformed.
    Proportion,
    /// Ratio of counts O/D, log-transformed with 0.5 added.
    RatioOfCounts,
}

/// How extreme z-scores are tamed before estimating over-dispersion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trim {
    /// Winsorise at the `f` and `1 − f` quantiles (R type 7).
    Winsorise,
    /// Drop the `⌊f·n⌋` lowest and highest z-scores (SHMI).
    Truncate,
}

/// The over-dispersion estimate behind adjusted funnel limits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overdispersion {
    /// The target on the transformed scale.
    pub target: f64,
    /// The dispersion ratio `φ` (mean of the squared tamed z-scores).
    pub phi: f64,
    /// The additive between-unit variance `τ²` (DerSimonian–Laird), 0 when `φ ≤ 1`... see [`estimate_overdispersion`].
    pub tau2: f64,
    /// The Winsorisation bounds on z (for [`Trim::Winsorise`]).
    pub bounds: Option<(f64, f64)>,
    /// Units used.
    pub n: usize,
}

fn transform(kind: FunnelType, o: f64, d: f64) -> (f64, f64) {
    match kind {
        FunnelType::RatioLog => ((o / d).ln(), 1.0 / d.sqrt()),
        FunnelType::RatioSqrt => ((o / d).sqrt(), 1.0 / (2.0 * d.sqrt())),
        FunnelType::Proportion => ((o / d).sqrt().asin(), 1.0 / (2.0 * d.sqrt())),
        FunnelType::RatioOfCounts => (
            ((o + 0.5) / (d + 0.5)).ln(),
            (o / (o + 0.5).powi(2) + d / (d + 0.5).powi(2)).sqrt(),
        ),
    }
}

fn too_few_units(found: usize) -> StatsError {
    StatsError::GroupCount {
        what: "usable units",
        found,
        allowed: "over-dispersion needs at least 2",
    }
}

/// The standard error of a unit of size `d` on the transformed scale.
fn unit_se(kind: FunnelType, d: f64) -> f64 {
    match kind {
        FunnelType::RatioLog => 1.0 / d.sqrt(),
        FunnelType::RatioSqrt | FunnelType::Proportion => 1.0 / (2.0 * d.sqrt()),
        // For limits, a unit with D events and O = θ·D events: O/(O+0.5)² + D/(D+0.5)² ≈ 1/O + 1/D.
        FunnelType::RatioOfCounts => (2.0 / d).sqrt(),
    }
}

fn back(kind: FunnelType, y: f64) -> f64 {
    match kind {
        FunnelType::RatioLog | FunnelType::RatioOfCounts => y.exp(),
        FunnelType::RatioSqrt => y.max(0.0).powi(2),
        FunnelType::Proportion => y.clamp(0.0, std::f64::consts::FRAC_PI_2).sin().powi(2),
    }
}

/// Estimates over-dispersion from units' observed counts `o` and sizes `d` (expected events,
/// denominators, or the comparison counts).
///
/// # Method
/// FunnelPlotR's additive random-effects model: z-scores on the transformed scale, tamed by
/// Winsorisation or truncation, `φ` their mean square, `τ²` by DerSimonian and Laird. Ratio
/// funnels (`RatioLog`, `RatioSqrt`) have the fixed target ratio 1; proportions and ratios of
/// counts use the pooled value.
///
/// # Formula
/// `z_i = (Y_i − θ)/s_i`, `φ = mean(z̃²)`, `τ² = max(0, (nφ − (n − 1))/(Σw − Σw²/Σw))`,
/// `w = 1/s²`.
///
/// # References
/// Spiegelhalter, D. J. (2005). Handling over-dispersion of performance indicators. *Qual Saf
/// Health Care* 14, 347–351; Spiegelhalter et al. (2012), *JRSS A* 175, 1–47; NHS-R community
/// FunnelPlotR (`R/od_adjustment.R`), whose worked values are tests here.
///
/// # Edge cases
/// `trim_fraction = 0` tames nothing. Units with a size of 0 are left out, and so are units whose
/// transformed value is infinite (no observed events on a log scale: FunnelPlotR's `SR` type
/// cannot place them either); they are still plotted and labelled against the limits.
///
/// # Errors
/// [`StatsError::OutOfRange`] when `trim_fraction` is not in [0, 0.5) (each tail can lose less
/// than half the units); [`StatsError::GroupCount`] with fewer than 2 usable units.
pub fn estimate_overdispersion(
    kind: FunnelType,
    o: &[f64],
    d: &[f64],
    trim: Trim,
    trim_fraction: f64,
) -> Result<Overdispersion, StatsError> {
    if !(0.0..0.5).contains(&trim_fraction) {
        return Err(StatsError::OutOfRange {
            what: "trim fraction",
            value: trim_fraction,
            range: "[0, 0.5): each tail can lose less than half the units",
        });
    }
    let units: Vec<(f64, f64)> = o
        .iter()
        .zip(d)
        .filter(|(_, d)| **d > 0.0)
        .map(|(o, d)| (*o, *d))
        .collect();
    if units.len() < 2 {
        return Err(too_few_units(units.len()));
    }
    let target = match kind {
        FunnelType::RatioLog => 0.0,
        FunnelType::RatioSqrt => 1.0,
        FunnelType::Proportion => (units.iter().map(|u| u.0).sum::<f64>()
            / units.iter().map(|u| u.1).sum::<f64>())
        .sqrt()
        .asin(),
        FunnelType::RatioOfCounts => {
            (units.iter().map(|u| u.0).sum::<f64>() / units.iter().map(|u| u.1).sum::<f64>()).ln()
        }
    };
    // Units whose transformed value is not finite (a log ratio with no observed events) carry no
    // information about dispersion on this scale and are left out of the estimate.
    let zs: Vec<(f64, f64)> = units
        .iter()
        .map(|&(o, d)| {
            let (y, s) = transform(kind, o, d);
            ((y - target) / s, s)
        })
        .filter(|(z, s)| z.is_finite() && s.is_finite() && *s > 0.0)
        .collect();
    let n = zs.len();
    if n < 2 || !target.is_finite() {
        return Err(too_few_units(n));
    }
    let (phi, bounds, used): (f64, Option<(f64, f64)>, Vec<f64>) = match trim {
        Trim::Winsorise => {
            let mut sorted: Vec<f64> = zs.iter().map(|z| z.0).collect();
            sorted.sort_by(f64::total_cmp);
            let (lo, hi) = (
                crate::quantile::sample_quantile(&sorted, trim_fraction),
                crate::quantile::sample_quantile(&sorted, 1.0 - trim_fraction),
            );
            let phi = zs.iter().map(|z| z.0.clamp(lo, hi).powi(2)).sum::<f64>() / n as f64;
            (phi, Some((lo, hi)), zs.iter().map(|z| z.1).collect())
        }
        Trim::Truncate => {
            let cut = (trim_fraction * n as f64).floor() as usize;
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| zs[a].0.total_cmp(&zs[b].0));
            let kept = &order[cut..n - cut];
            let phi = kept.iter().map(|&i| zs[i].0.powi(2)).sum::<f64>() / kept.len() as f64;
            (phi, None, kept.iter().map(|&i| zs[i].1).collect())
        }
    };
    let m = used.len() as f64;
    let w: Vec<f64> = used.iter().map(|s| 1.0 / (s * s)).collect();
    let sw: f64 = w.iter().sum();
    let sw2: f64 = w.iter().map(|w| w * w).sum();
    let tau2 = ((m * phi - (m - 1.0)) / (sw - sw2 / sw)).max(0.0);
    Ok(Overdispersion {
        target,
        phi,
        tau2,
        bounds,
        n: used.len(),
    })
}

/// How a funnel limit is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    /// No over-dispersion: exact Poisson for log ratios, normal on the transformed scale otherwise.
    Unadjusted,
    /// Additive random effects (`s² + τ²`), used only when `φ > 1` (else unadjusted).
    Additive,
    /// Multiplicative (`√φ·s`), used only when `φ > 1`.
    Multiplicative,
}

/// The funnel limits at size `d` (expected events, denominator…) for a two-sided level.
///
/// # Method
/// `back(θ ± z·√(s² + τ²))` (additive), `back(θ ± z·√φ·s)` (multiplicative), or without
/// over-dispersion the normal limits on the transformed scale — for `RatioLog` the exact Poisson
/// limits `χ²_{α/2}(2E)/(2E)`, `χ²_{1−α/2}(2E + 2)/(2E)`.
///
/// # Formula
/// As in the method; `s` for a unit of size `d`; proportions clipped to `[0, 1]`.
///
/// # References
/// As [`estimate_overdispersion`].
///
/// # Edge cases
/// FunnelPlotR does not square the square-root ratio's limits back (its issue #33); here every
/// limit is on the ratio scale. Adjusted limits fall back to unadjusted when `φ ≤ 1`, as
/// FunnelPlotR does.
pub fn funnel_limits(
    kind: FunnelType,
    od: &Overdispersion,
    d: f64,
    level: f64,
    limit: LimitKind,
) -> (f64, f64) {
    let z = qnorm(level + (1.0 - level) / 2.0);
    let s = unit_se(kind, d);
    let effective = if od.phi > 1.0 {
        limit
    } else {
        LimitKind::Unadjusted
    };
    let theta = od.target;
    match effective {
        LimitKind::Unadjusted if kind == FunnelType::RatioLog => {
            let alpha = 1.0 - level;
            (
                qchisq(alpha / 2.0, 2.0 * d) / (2.0 * d),
                qchisq(1.0 - alpha / 2.0, 2.0 * d + 2.0) / (2.0 * d),
            )
        }
        LimitKind::Unadjusted => (back(kind, theta - z * s), back(kind, theta + z * s)),
        LimitKind::Additive => {
            let sd = (s * s + od.tau2).sqrt();
            (back(kind, theta - z * sd), back(kind, theta + z * sd))
        }
        LimitKind::Multiplicative => {
            let sd = od.phi.sqrt() * s;
            (back(kind, theta - z * sd), back(kind, theta + z * sd))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(what: &str, a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{what}: {a} vs {b}");
    }

    const PR_O: [f64; 10] = [8., 30., 60., 18., 40., 25., 95., 50., 22., 70.];
    const PR_N: [f64; 10] = [100., 200., 300., 150., 400., 250., 500., 200., 100., 300.];

    #[test]
    fn proportion_example_of_methods() {
        let od =
            estimate_overdispersion(FunnelType::Proportion, &PR_O, &PR_N, Trim::Winsorise, 0.1)
                .unwrap();
        near("theta", od.target.sin().powi(2), 0.1672, 1e-12);
        let (lo, hi) = od.bounds.unwrap();
        near("winsor low", lo, -3.22978, 5e-5);
        near("winsor high", hi, 2.87345, 5e-5);
        near("phi", od.phi, 5.29684, 5e-5);
        near("tau2", od.tau2, 0.0050192, 5e-7);
        // (size, level, kind, lower, upper) from the METHODS.md example.
        let limits = [
            (100.0, 0.95, LimitKind::Additive, 0.061831, 0.310652),
            (100.0, 0.998, LimitKind::Additive, 0.023313, 0.404408),
            (100.0, 0.95, LimitKind::Unadjusted, 0.100902, 0.246241),
            (100.0, 0.95, LimitKind::Multiplicative, 0.037815, 0.363161),
            (400.0, 0.95, LimitKind::Additive, 0.073216, 0.289839),
        ];
        for (n, level, kind, lo, hi) in limits {
            let (a, b) = funnel_limits(FunnelType::Proportion, &od, n, level, kind);
            near(&format!("{kind:?} {level} at {n} lower"), a, lo, 5e-6);
            near(&format!("{kind:?} {level} at {n} upper"), b, hi, 5e-6);
        }
        // PHE's inverted Wilson limits at n = 100.
        near(
            "wilson lo",
            proportion_limit(0.975, 100.0, 0.1672, false, 1.0),
            0.094063,
            5e-6,
        );
        near(
            "wilson hi",
            proportion_limit(0.975, 100.0, 0.1672, true, 1.0),
            0.240337,
            5e-6,
        );
    }

    #[test]
    fn shmi_ratio_example_of_methods() {
        let o = [30., 55., 80., 120., 210., 14., 95., 60.];
        let e = [25., 50., 90., 100., 200., 20., 70., 65.];
        let (y, se) = transform(FunnelType::RatioLog, 30.0, 25.0);
        near("z1", y / se, 0.91161, 5e-5);
        let od =
            estimate_overdispersion(FunnelType::RatioLog, &o, &e, Trim::Truncate, 0.1).unwrap();
        assert_eq!(od.n, 8, "nothing truncated at n = 8");
        near("phi", od.phi, 1.97786, 5e-5);
        near("tau2", od.tau2, 0.017440, 5e-6);
        // (expected, level, kind, lower, upper) from the METHODS.md example.
        let limits = [
            (100.0, 0.95, LimitKind::Additive, 0.72277, 1.38358),
            (100.0, 0.95, LimitKind::Unadjusted, 0.81364, 1.21627),
            (100.0, 0.998, LimitKind::Unadjusted, 0.71921, 1.34924),
            (50.0, 0.95, LimitKind::Unadjusted, 0.74222, 1.31838),
        ];
        for (n, level, kind, lo, hi) in limits {
            let (a, b) = funnel_limits(FunnelType::RatioLog, &od, n, level, kind);
            near(&format!("{kind:?} {level} at {n} lower"), a, lo, 5e-5);
            near(&format!("{kind:?} {level} at {n} upper"), b, hi, 5e-5);
        }
    }

    #[test]
    fn sqrt_ratio_and_ratio_of_counts_dispersion() {
        // The SHMI example's units without trimming; φ = mean z², τ² by DerSimonian–Laird
        // (Spiegelhalter 2005), computed independently of this crate.
        let o = [30., 55., 80., 120., 210., 14., 95., 60.];
        let e = [25., 50., 90., 100., 200., 20., 70., 65.];
        let sqrt =
            estimate_overdispersion(FunnelType::RatioSqrt, &o, &e, Trim::Winsorise, 0.0).unwrap();
        near("sqrt phi", sqrt.phi, 2.1063764874572786, 1e-12);
        near("sqrt tau2", sqrt.tau2, 0.004868186974165552, 1e-14);
        assert_eq!(sqrt.target, 1.0);
        let rc = estimate_overdispersion(FunnelType::RatioOfCounts, &o, &e, Trim::Winsorise, 0.0)
            .unwrap();
        near("rc phi", rc.phi, 0.858116230241982, 1e-12);
        assert_eq!(rc.tau2, 0.0, "under-dispersed: no additive term");
        near("rc target", rc.target, (664f64 / 620.0).ln(), 1e-15);
    }

    #[test]
    fn trim_fractions_that_would_tame_every_unit_are_refused() {
        for f in [-0.1, 0.5, 0.6, 2.0, f64::NAN] {
            for trim in [Trim::Winsorise, Trim::Truncate] {
                let e = estimate_overdispersion(FunnelType::Proportion, &PR_O, &PR_N, trim, f);
                assert!(
                    matches!(
                        e,
                        Err(StatsError::OutOfRange {
                            what: "trim fraction",
                            ..
                        })
                    ),
                    "{f} {trim:?}: {e:?}"
                );
            }
        }
        let od =
            estimate_overdispersion(FunnelType::Proportion, &PR_O, &PR_N, Trim::Truncate, 0.49);
        assert!(od.unwrap().phi.is_finite());
    }

    #[test]
    fn limits_widen_as_units_shrink() {
        let od =
            estimate_overdispersion(FunnelType::Proportion, &PR_O, &PR_N, Trim::Winsorise, 0.1)
                .unwrap();
        let mut previous = (0.0, 1.0);
        for d in [10.0, 50.0, 100.0, 1000.0, 1e5] {
            let (lo, hi) =
                funnel_limits(FunnelType::Proportion, &od, d, 0.95, LimitKind::Unadjusted);
            assert!(lo >= previous.0 && hi <= previous.1);
            previous = (lo, hi);
        }
    }

    #[test]
    fn units_without_events_do_not_break_a_log_funnel() {
        let o = [0.0, 12.0, 30.0, 8.0, 0.0, 55.0];
        let e = [4.0, 10.0, 25.0, 9.0, 3.0, 50.0];
        let od =
            estimate_overdispersion(FunnelType::RatioLog, &o, &e, Trim::Winsorise, 0.1).unwrap();
        assert_eq!(od.n, 4);
        assert!(od.phi.is_finite() && od.tau2.is_finite());
        assert!(
            estimate_overdispersion(
                FunnelType::RatioLog,
                &[0.0, 0.0, 3.0],
                &[1.0, 2.0, 3.0],
                Trim::Winsorise,
                0.1
            )
            .is_err()
        );
    }

    #[test]
    fn ratio_significance_labels() {
        assert_eq!(ratio_significance(50.0, 20.0), "High (0.001)");
        assert_eq!(ratio_significance(20.0, 20.0), "Not significant");
        assert_eq!(ratio_significance(0.0, 20.0), "Low (0.001)");
    }
}
