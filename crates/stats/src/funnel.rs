//! Funnel plots: control limits around a target across the range of unit sizes, as
//! PHEindicatormethods draws them (exact for proportions and ratios) and as FunnelPlotR adjusts
//! them for over-dispersion. The one home of the pooled average, PHE's two limits, its limit
//! tables and their interpolation, and the check of which limit a unit crosses.
//!
//! Why one long file: PHE's limits, FunnelPlotR's adjustment and the outlier check share the
//! pooled average, the axis and the limit types, and are tested together against PHE's reference
//! rows; about 1,100 lines are code, the rest its tests.

use crate::{
    ConfidenceLevel, StatsError,
    dist::{qchisq, qnorm},
    estimate::round_half_even,
};

/// PHE's two funnel limits: 95 % ("2σ", one-sided probability 0.975) and 99.8 % ("3σ", 0.999).
///
/// # Method
/// PHEindicatormethods draws and tests every funnel at these two levels; the enum carries each
/// one's probabilities and names so that no caller spells them out again.
///
/// # Formula
/// Two-sided level `c`, tail `α/2 = (1 − c)/2`, one-sided probability `1 − α/2`.
///
/// # References
/// PHEindicatormethods 2.1.0 `calculate_funnel_limits`, `assign_funnel_significance`.
///
/// # Edge cases
/// The order of [`PheLimit::ALL`] (narrow, then wide) is the column order of PHE's tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PheLimit {
    /// The 95 % limits (2σ).
    Limit95,
    /// The 99.8 % limits (3σ).
    Limit998,
}

impl PheLimit {
    /// Both limits, narrow then wide (PHE's column order).
    pub const ALL: [PheLimit; 2] = [PheLimit::Limit95, PheLimit::Limit998];

    /// The two-sided level: 0.95 or 0.998.
    pub fn level(self) -> f64 {
        match self {
            PheLimit::Limit95 => 0.95,
            PheLimit::Limit998 => 0.998,
        }
    }

    /// The one-sided probability of the limit: 0.975 or 0.999.
    pub fn probability(self) -> f64 {
        match self {
            PheLimit::Limit95 => 0.975,
            PheLimit::Limit998 => 0.999,
        }
    }

    /// The probability in each tail: 0.025 or 0.001.
    pub fn tail(self) -> f64 {
        match self {
            PheLimit::Limit95 => 0.025,
            PheLimit::Limit998 => 0.001,
        }
    }

    /// The level as a label: `95%` or `99.8%`.
    pub fn label(self) -> &'static str {
        match self {
            PheLimit::Limit95 => "95%",
            PheLimit::Limit998 => "99.8%",
        }
    }

    /// PHE's column stem: `2s` or `3s` (`lower_2s_limit`, …).
    pub fn stem(self) -> &'static str {
        match self {
            PheLimit::Limit95 => "2s",
            PheLimit::Limit998 => "3s",
        }
    }

    /// The level as a validated [`ConfidenceLevel`].
    pub fn confidence_level(self) -> ConfidenceLevel {
        ConfidenceLevel::new(self.level()).expect("0.95 and 0.998 are valid confidence levels")
    }

    /// The limit's position in [`PheLimit::ALL`], and so in [`PhePoint`]'s arrays.
    pub fn index(self) -> usize {
        match self {
            PheLimit::Limit95 => 0,
            PheLimit::Limit998 => 1,
        }
    }
}

/// The pooled average of a funnel: all numerators over all denominators.
///
/// # Method
/// The funnel's target as PHEindicatormethods and FunnelPlotR take it: the units pooled, not the
/// mean of their values.
///
/// # Formula
/// `p̄ = Σx / Σn`.
///
/// # References
/// PHEindicatormethods 2.1.0 `calculate_funnel_limits` (`av = sum(numerator)/sum(denominator)`);
/// FunnelPlotR `transformed_zscore` (the `PR` and `RC` targets).
///
/// # Edge cases
/// The two slices are summed separately and may differ in length: for rates the events of every
/// unit are summed but only the denominators PHE can derive. `None` when the denominators do not
/// sum to a positive finite number (no units, or all of size 0).
pub fn pooled_average(numerators: &[f64], denominators: &[f64]) -> Option<f64> {
    let total: f64 = denominators.iter().sum();
    (total > 0.0 && total.is_finite()).then(|| numerators.iter().sum::<f64>() / total)
}

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
/// For tiny populations the lower limit is negative and the upper above the scale: this is the
/// bare formula, and [`proportion_limits`] clamps it to `[0, multiplier]`. `p = 0.975` gives the
/// 95 % ("2σ") limits, `0.999` the 99.8 % ("3σ") ones ([`PheLimit::probability`]).
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

/// PHE's lower and upper funnel limits for a proportion at population `population`, on the
/// value scale and clamped to what a proportion can be.
///
/// # Method
/// [`proportion_limit`] on each side at the limit's one-sided probability.
///
/// # Formula
/// `(max(0, L), min(m, U))` with `L`, `U` from [`proportion_limit`] at `p = 0.975` or `0.999`.
///
/// # References
/// PHEindicatormethods 2.1.0 `calculate_funnel_limits` (which clamps with `pmax(0, …)` and
/// `pmin(100, …)`).
///
/// # Edge cases
/// The upper clamp is the multiplier, the whole of the scale: PHE's hard-coded 100 is right only
/// for percentages and would leave a limit above 1 for a multiplier of 1 (or cut limits per 1,000
/// at 100).
pub fn proportion_limits(
    limit: PheLimit,
    population: f64,
    average: f64,
    multiplier: f64,
) -> (f64, f64) {
    let p = limit.probability();
    (
        proportion_limit(p, population, average, false, multiplier).max(0.0),
        proportion_limit(p, population, average, true, multiplier).min(multiplier),
    )
}

/// Exact Poisson limits for a rate at denominator `denominator` around the average rate
/// `average` (per unit of denominator), on the value scale (× `multiplier`).
///
/// # Method
/// The exact Poisson interval of `E = p̄·d` expected events, as a ratio to `E`
/// ([`funnel_limits`] for an unadjusted `RatioLog` funnel), times `p̄·m`.
///
/// # Formula
/// `(χ²_{α/2}(2E)/(2E)·p̄m, χ²_{1−α/2}(2E + 2)/(2E)·p̄m)`, `α = 1 − level`.
///
/// # References
/// Spiegelhalter (2005), *Stat Med* 24, 1185–1202; FunnelPlotR's unadjusted `SR` limits.
///
/// # Edge cases
/// A zero average or denominator gives `E = 0`, whose limits are not finite.
pub fn poisson_rate_limits(
    limit: PheLimit,
    denominator: f64,
    average: f64,
    multiplier: f64,
) -> (f64, f64) {
    let exact = Overdispersion {
        target: 0.0,
        phi: 1.0,
        tau2: 0.0,
        bounds: None,
        n: 0,
    };
    let (l, u) = funnel_limits(
        FunnelType::RatioLog,
        &exact,
        average * denominator,
        limit.level(),
        LimitKind::Unadjusted,
    );
    (l * average * multiplier, u * average * multiplier)
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
    let limits = PheLimit::ALL.map(|l| {
        let p = l.probability();
        (
            proportion_limit(p, n, average, false, 1.0),
            proportion_limit(p, n, average, true, 1.0),
        )
    });
    significance_label(phe_crossing(x / n, &limits))
}

/// PHE's label for the widest limit crossed: `High (0.001)`, `Low (0.025)`, `Not significant`….
fn significance_label(crossing: Option<(PheLimit, Side)>) -> &'static str {
    match crossing {
        None => "Not significant",
        Some((PheLimit::Limit998, Side::Low)) => "Low (0.001)",
        Some((PheLimit::Limit95, Side::Low)) => "Low (0.025)",
        Some((PheLimit::Limit998, Side::High)) => "High (0.001)",
        Some((PheLimit::Limit95, Side::High)) => "High (0.025)",
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
    let limits = PheLimit::ALL.map(|l| {
        let level = l.confidence_level();
        (
            ratio_test_statistic(observed, denominator, level, false),
            ratio_test_statistic(observed, denominator, level, true),
        )
    });
    // The average below the unit's interval means the unit is high, and the reverse.
    let crossing = phe_crossing(average, &limits).map(|(l, side)| {
        (
            l,
            match side {
                Side::Low => Side::High,
                Side::High => Side::Low,
            },
        )
    });
    significance_label(crossing)
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
    let [narrow, wide] = PheLimit::ALL.map(PheLimit::tail);
    [(narrow, true), (narrow, false), (wide, true), (wide, false)]
        .map(|(p, high)| poisson_funnel(observed, p, high))
}

/// The side of the funnel a unit lies beyond.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Below the lower limit.
    Low,
    /// Above the upper limit.
    High,
}

impl Side {
    /// `low` or `high`.
    pub fn name(self) -> &'static str {
        match self {
            Side::Low => "low",
            Side::High => "high",
        }
    }
}

/// The widest limit a value lies outside, and on which side.
///
/// # Method
/// Each entry of `limits` is a two-sided level and its `(lower, upper)` limits at the unit's
/// size; of the levels the value crosses (strictly below the lower or above the upper limit),
/// the highest wins. This is FunnelPlotR's outlier flag generalised to any set of levels, and
/// PHE's significance label with its two.
///
/// # Formula
/// `argmax { level_k : v < L_k or v > U_k }`, side `High` when `v > U_k`, else `Low`.
///
/// # References
/// PHEindicatormethods 2.1.0 `assign_funnel_significance`; FunnelPlotR `outliers_func`.
///
/// # Edge cases
/// Returns the index into `limits`; among equal levels the first wins. A value on a limit is
/// inside it. `None` when nothing is crossed, and for a NaN value.
pub fn widest_crossed(value: f64, limits: &[(f64, (f64, f64))]) -> Option<(usize, Side)> {
    let mut best: Option<(usize, Side)> = None;
    for (k, &(level, (lower, upper))) in limits.iter().enumerate() {
        let side = if value > upper {
            Side::High
        } else if value < lower {
            Side::Low
        } else {
            continue;
        };
        if best.is_none_or(|(b, _)| level > limits[b].0) {
            best = Some((k, side));
        }
    }
    best
}

/// The widest of PHE's two limits a value lies outside: [`widest_crossed`] with `limits` in
/// [`PheLimit::ALL`] order.
///
/// # Method, Formula, References, Edge cases
/// As [`widest_crossed`] at the levels 0.95 and 0.998.
pub fn phe_crossing(value: f64, limits: &[(f64, f64); 2]) -> Option<(PheLimit, Side)> {
    let levelled = PheLimit::ALL.map(|l| (l.level(), limits[l.index()]));
    widest_crossed(value, &levelled).map(|(k, side)| (PheLimit::ALL[k], side))
}

/// How PHE shows a ratio's funnel limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum RatioScale {
    /// The ratio minus 1 (target 0).
    Count,
    /// The ratio times 100, an indirectly standardised ratio (target 100).
    Isr,
}

impl RatioScale {
    /// The ratio `observed/expected` on this scale.
    pub fn apply(self, ratio: f64) -> f64 {
        match self {
            RatioScale::Count => ratio - 1.0,
            RatioScale::Isr => ratio * 100.0,
        }
    }

    /// `count` or `isr`, as PHE names the scale.
    pub fn name(self) -> &'static str {
        match self {
            RatioScale::Count => "count",
            RatioScale::Isr => "isr",
        }
    }
}

/// One point of PHE's funnel table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhePoint {
    /// The x axis: population (proportions), observed events (ratios) or events (rates).
    pub x: f64,
    /// `(lower, upper)` limits on the value scale, in [`PheLimit::ALL`] order.
    pub limits: [(f64, f64); 2],
    /// Where each limit is reached on the unit-size scale, `(lower, upper)` in
    /// [`PheLimit::ALL`] order: expected events (ratios), population per year (rates); `None` for
    /// proportions, whose x is already the population.
    pub reached_at: Option<[(f64, f64); 2]>,
}

/// PHE's funnel: the limits tabulated at the 100 points of its axis, and the target.
#[derive(Clone, Debug, PartialEq)]
pub struct PheFunnel {
    /// The table, by increasing x.
    pub points: Vec<PhePoint>,
    /// The pooled average ([`pooled_average`]); 1 for ratios.
    pub average: f64,
    /// The target line on the value scale: `p̄·m` (proportions, rates), 0 or 100 (ratios).
    pub target: f64,
}

fn no_units() -> StatsError {
    StatsError::GroupCount {
        what: "units",
        found: 0,
        allowed: "a funnel needs at least one unit with a denominator above zero",
    }
}

fn range(values: &[f64]) -> Option<(f64, f64)> {
    let (min, max) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    (min <= max).then_some((min, max))
}

impl PheFunnel {
    /// PHE's funnel for proportions `x/n`: the clamped inverted-Wilson limits
    /// ([`proportion_limits`]) at the [`axis_points`] of the denominators.
    ///
    /// # Method
    /// PHEindicatormethods' `calculate_funnel_limits` for `statistic = "proportion"`.
    ///
    /// # Formula
    /// At each population `x_j`: `proportion_limits(l, x_j, Σx/Σn, m)` for both limits.
    ///
    /// # References
    /// PHEindicatormethods 2.1.0 `calculate_funnel_limits` (R/Funnels.R).
    ///
    /// # Edge cases
    /// Limits lie in `[0, multiplier]`.
    ///
    /// # Errors
    /// [`StatsError::GroupCount`] when there are no units or the denominators sum to 0.
    pub fn proportion(
        numerators: &[f64],
        denominators: &[f64],
        multiplier: f64,
    ) -> Result<PheFunnel, StatsError> {
        let average = pooled_average(numerators, denominators).ok_or_else(no_units)?;
        let (min, max) = range(denominators).ok_or_else(no_units)?;
        let points = axis_points(min, max, false)
            .into_iter()
            .map(|x| PhePoint {
                x,
                limits: PheLimit::ALL.map(|l| proportion_limits(l, x, average, multiplier)),
                reached_at: None,
            })
            .collect();
        Ok(PheFunnel {
            points,
            average,
            target: average * multiplier,
        })
    }

    /// PHE's funnel for ratios of observed to expected events, from the expected counts: at each
    /// of 100 observed counts, the expected counts at which the count sits on each limit
    /// ([`poisson_funnel_ends`]) and the ratio there on `scale`.
    ///
    /// # Method
    /// PHEindicatormethods' `calculate_funnel_limits` for `statistic = "ratio"`.
    ///
    /// # Formula
    /// At observed `O_j` ([`axis_points`] with `ratio`): `E = poisson_funnel(O_j, tail, side)`,
    /// limit `scale(O_j/E)`; the lower limit is reached at the larger `E`.
    ///
    /// # References
    /// PHEindicatormethods 2.1.0 `calculate_funnel_limits`, `poisson_funnel` (R/utils.R).
    ///
    /// # Edge cases
    /// The target is the ratio 1 on `scale` (0 or 100).
    ///
    /// # Errors
    /// [`StatsError::GroupCount`] when there are no units.
    pub fn ratio(expected: &[f64], scale: RatioScale) -> Result<PheFunnel, StatsError> {
        let (min, max) = range(expected).ok_or_else(no_units)?;
        let points = axis_points(min, max, true)
            .into_iter()
            .map(|x| {
                let [l95, u95, l998, u998] = poisson_funnel_ends(x);
                let reached_at = [(l95, u95), (l998, u998)];
                PhePoint {
                    x,
                    limits: reached_at.map(|(l, u)| (scale.apply(x / l), scale.apply(x / u))),
                    reached_at: Some(reached_at),
                }
            })
            .collect();
        Ok(PheFunnel {
            points,
            average: 1.0,
            target: scale.apply(1.0),
        })
    }

    /// PHE's funnel for rates: at each of 100 event counts ([`rate_axis_points`]), the
    /// population at which the count sits on each limit at the average rate, and the rate there.
    ///
    /// # Method
    /// PHEindicatormethods' `calculate_funnel_limits` for `statistic = "rate"`: `numerators` are
    /// every unit's events, `denominators` the denominators PHE derives (over the whole period,
    /// only the units that have one).
    ///
    /// # Formula
    /// `p̄ = Σx/ΣD`; at events `e_j`: population `P = poisson_funnel(e_j, tail, side)/p̄`, limit
    /// `e_j/P·m`, population per year `P/years`.
    ///
    /// # References
    /// PHEindicatormethods 2.1.0 `calculate_funnel_limits` (R/Funnels.R).
    ///
    /// # Edge cases
    /// Rates are not clamped.
    ///
    /// # Errors
    /// [`StatsError::GroupCount`] when no unit has a derived denominator.
    pub fn rate(
        numerators: &[f64],
        denominators: &[f64],
        years: f64,
        multiplier: f64,
    ) -> Result<PheFunnel, StatsError> {
        let average = pooled_average(numerators, denominators).ok_or_else(no_units)?;
        let (min, max) = range(denominators).ok_or_else(no_units)?;
        let points = rate_axis_points(min, max, years, average)
            .into_iter()
            .map(|x| {
                let [l95, u95, l998, u998] = poisson_funnel_ends(x).map(|mean| mean / average);
                let populations = [(l95, u95), (l998, u998)];
                PhePoint {
                    x,
                    limits: populations.map(|(l, u)| (x / l * multiplier, x / u * multiplier)),
                    reached_at: Some(populations.map(|(l, u)| (l / years, u / years))),
                }
            })
            .collect();
        Ok(PheFunnel {
            points,
            average,
            target: average * multiplier,
        })
    }

    /// The limits at `x`, linearly interpolated between the table's points.
    ///
    /// # Method
    /// The first point at or beyond `x` and the one before it, interpolated on x.
    ///
    /// # Formula
    /// `L(x) = L_{j−1} + t(L_j − L_{j−1})`, `t = (x − x_{j−1})/(x_j − x_{j−1})`.
    ///
    /// # References
    /// How PHE's tables are read off for a unit between two axis points.
    ///
    /// # Edge cases
    /// Below the first point the first point's limits; beyond the last point `None` (the table
    /// does not reach that far).
    pub fn limits_at(&self, x: f64) -> Option<[(f64, f64); 2]> {
        let j = self.points.iter().position(|p| p.x >= x)?;
        if j == 0 {
            return Some(self.points[0].limits);
        }
        let (a, b) = (&self.points[j - 1], &self.points[j]);
        let t = (x - a.x) / (b.x - a.x);
        let lerp = |u: f64, v: f64| u + t * (v - u);
        Some([0, 1].map(|k| {
            (
                lerp(a.limits[k].0, b.limits[k].0),
                lerp(a.limits[k].1, b.limits[k].1),
            )
        }))
    }

    /// The widest limit a unit of size `x` with value `value` lies outside ([`phe_crossing`]
    /// against [`PheFunnel::limits_at`]).
    ///
    /// # Method, Formula, References
    /// As [`phe_crossing`] and [`PheFunnel::limits_at`].
    ///
    /// # Edge cases
    /// `None` beyond the table's last point.
    pub fn crossing(&self, x: f64, value: f64) -> Option<(PheLimit, Side)> {
        phe_crossing(value, &self.limits_at(x)?)
    }
}

/// The type of funnel, as FunnelPlotR names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum FunnelType {
    /// Proportion O/n, arcsine-square-root transformed.
    #[cfg_attr(feature = "clap", value(name = "PR"))]
    Proportion,
    /// Standardised ratio O/E, log-transformed (SHMI-style).
    #[cfg_attr(feature = "clap", value(name = "SR"))]
    RatioLog,
    /// Standardised ratio O/E, square-root transformed (CQC-style).
    #[cfg_attr(feature = "clap", value(name = "SR-sqrt"))]
    RatioSqrt,
    /// Ratio of counts O/D, log-transformed with 0.5 added.
    #[cfg_attr(feature = "clap", value(name = "RC"))]
    RatioOfCounts,
}

/// How extreme z-scores are tamed before estimating over-dispersion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Trim {
    /// Winsorise at the `f` and `1 − f` quantiles (R type 7).
    Winsorise,
    /// Drop the units outside FunnelPlotR's middle rank groups (as SHMI truncates).
    Truncate,
}

/// Ranks with ties given the average of the ranks they span (R's `rank(ties.method =
/// "average")`), 1-based.
fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end hold ranks start + 1 ..= end.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// Which units FunnelPlotR's truncation keeps (`true`) among `z_scores`.
///
/// # Method
/// FunnelPlotR's `truncation` (the NHS Digital SHMI method): the z-scores are ranked, ties
/// averaged, and the ranks cut into `k = 1/f` equal groups of `n + 1`; the lowest group and the
/// top two (group numbers `k − 1` and above) are dropped.
///
/// # Formula
/// Keep unit `i` when `0 < ⌊r_i·k/(n + 1)⌋ < k − 1`, `r_i` its rank, `k = 1/f`.
///
/// # References
/// NHS-R community FunnelPlotR, `truncation` (`R/od_adjustment.R`); NHS Digital, SHMI
/// methodology (truncation of z-scores at the 10th and 90th percentiles).
///
/// # Edge cases
/// The cut is not symmetric: for `f = 0.1` and n = 9 only the highest unit goes, for n = 19
/// the lowest one and the highest two, for n = 29 the lowest two and the highest three, while
/// up to n = 8 nothing is dropped. `f = 0` keeps every unit (FunnelPlotR's `k` would be infinite
/// and drop them all). A non-integer `k` (e.g. `f = 0.15`) is used as it is, as in R.
pub fn truncation_keeps(z_scores: &[f64], trim_fraction: f64) -> Vec<bool> {
    if trim_fraction == 0.0 {
        return vec![true; z_scores.len()];
    }
    let k = 1.0 / trim_fraction;
    let scale = k / (z_scores.len() as f64 + 1.0);
    average_ranks(z_scores)
        .into_iter()
        .map(|rank| {
            let group = (rank * scale).floor();
            group > 0.0 && group < k - 1.0
        })
        .collect()
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
/// Truncation keeps the units [`truncation_keeps`] keeps, FunnelPlotR's rank groups, which drop
/// unequal numbers from the two tails; `φ` and `τ²` are over the units kept, summed in the
/// units' input order as FunnelPlotR sums them (so a result agrees with R's to the last digit
/// the order of a sum can change).
///
/// # Errors
/// [`StatsError::OutOfRange`] when `trim_fraction` is not in [0, 0.5) (each tail can lose less
/// than half the units); [`StatsError::GroupCount`] with fewer than 2 usable units, or fewer
/// than 2 left after truncation (`what` is then `"units left after truncation"`).
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
            let z: Vec<f64> = zs.iter().map(|z| z.0).collect();
            let kept: Vec<(f64, f64)> = truncation_keeps(&z, trim_fraction)
                .into_iter()
                .zip(&zs)
                .filter_map(|(keep, &z)| keep.then_some(z))
                .collect();
            if kept.len() < 2 {
                return Err(StatsError::GroupCount {
                    what: "units left after truncation",
                    found: kept.len(),
                    allowed: "over-dispersion needs at least 2; use a smaller trim fraction or Winsorise",
                });
            }
            let phi = kept.iter().map(|z| z.0.powi(2)).sum::<f64>() / kept.len() as f64;
            (phi, None, kept.iter().map(|z| z.1).collect())
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
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum LimitKind {
    /// Additive random effects (`s² + τ²`, DerSimonian–Laird), used only when `φ > 1` (else
    /// unadjusted).
    Additive,
    /// Multiplicative (`√φ·s`), used only when `φ > 1`.
    Multiplicative,
    /// No over-dispersion: exact Poisson for log ratios, normal on the transformed scale otherwise.
    #[cfg_attr(feature = "clap", value(name = "none"))]
    Unadjusted,
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
    fn phe_limits_carry_their_probabilities() {
        let table: Vec<_> = PheLimit::ALL
            .iter()
            .map(|l| (l.level(), l.probability(), l.tail(), l.label(), l.stem()))
            .collect();
        assert_eq!(
            table,
            [
                (0.95, 0.975, 0.025, "95%", "2s"),
                (0.998, 0.999, 0.001, "99.8%", "3s")
            ]
        );
        for l in PheLimit::ALL {
            // The one-sided probability is the two-sided level's, as the callers used to derive it.
            assert_eq!(l.level() + (1.0 - l.level()) / 2.0, l.probability());
        }
    }

    #[test]
    fn pooled_average_pools_the_units() {
        assert_eq!(pooled_average(&PR_O, &PR_N), Some(418.0 / 2500.0));
        // Rates: every unit's events over the denominators that can be derived.
        assert_eq!(
            pooled_average(&[0.0, 30.0, 10.0], &[1000.0, 3000.0]),
            Some(0.01)
        );
        assert_eq!(pooled_average(&[], &[]), None);
        assert_eq!(pooled_average(&[1.0], &[0.0]), None);
    }

    /// `tests/reference/phe/in_funnel_prop.csv` reduced to units with the same totals (116,844
    /// of 391,911) and the same smallest and largest denominators (33 and 31,023), so PHE's table
    /// is the same; rows of `out_funnel_prop__limits_m100.csv` (PHEindicatormethods 2.1.0,
    /// `calculate_funnel_limits(statistic = "proportion", multiplier = 100)`).
    #[test]
    fn proportion_table_equals_phe() {
        let mut n = vec![33.0, 19602.0];
        let mut x = vec![0.0, 8844.0];
        n.extend([31023.0; 12]);
        x.extend([9000.0; 12]);
        let funnel = PheFunnel::proportion(&x, &n, 100.0).unwrap();
        near("baseline", funnel.target, 29.813911832023088, 1e-12);
        assert_eq!(funnel.points.len(), 100);
        let phe = [
            (1.0, [(0.0, 100.0), (0.0, 100.0)]),
            (2.0, [(0.0, 93.21082223368357), (0.0, 100.0)]),
            (
                333.0,
                [
                    (24.90075107345876, 34.72707259058742),
                    (22.067438824727272, 37.56038483931889),
                ],
            ),
            (
                33000.0,
                [
                    (29.320367553915116, 30.307456110131053),
                    (29.035751373584322, 30.592072290461847),
                ],
            ),
        ];
        for (x, limits) in phe {
            let point = funnel.points.iter().find(|p| p.x == x).unwrap();
            assert_eq!(point.reached_at, None);
            for (k, (lo, hi)) in limits.into_iter().enumerate() {
                let (a, b) = point.limits[k];
                near(&format!("lower {k} at {x}"), a, lo, 1e-9 * lo.abs());
                near(&format!("upper {k} at {x}"), b, hi, 1e-9 * hi.abs());
            }
        }
        assert_eq!(funnel.points.last().unwrap().x, 33000.0);
    }

    #[test]
    fn proportion_limits_are_clamped_to_the_scale() {
        for m in [1.0, 100.0, 1000.0] {
            for n in [1.0, 2.0, 5.0, 50.0, 5000.0] {
                for average in [0.001, 0.3, 0.999] {
                    for l in PheLimit::ALL {
                        let (lo, hi) = proportion_limits(l, n, average, m);
                        assert!((0.0..=m).contains(&lo) && (0.0..=m).contains(&hi));
                        assert!(lo <= hi);
                    }
                }
            }
        }
        // Per 1,000 the upper limit at n = 1 is the whole scale, not PHE's 100.
        assert_eq!(
            proportion_limits(PheLimit::Limit95, 1.0, 0.3, 1000.0).1,
            1000.0
        );
        // Away from the bounds the clamp changes nothing.
        let (lo, hi) = proportion_limits(PheLimit::Limit95, 100.0, 0.1672, 1.0);
        near("wilson lo", lo, 0.094063, 5e-6);
        near("wilson hi", hi, 0.240337, 5e-6);
    }

    #[test]
    fn ratio_and_rate_tables_are_poisson_funnel_ends() {
        let expected = [25.0, 12.0, 100.0, 90.0, 380.0];
        let funnel = PheFunnel::ratio(&expected, RatioScale::Isr).unwrap();
        assert_eq!(funnel.target, 100.0);
        assert_eq!(funnel.points.len(), 100);
        for p in &funnel.points {
            let e = poisson_funnel_ends(p.x);
            let reached = p.reached_at.unwrap();
            assert_eq!(reached, [(e[0], e[1]), (e[2], e[3])]);
            assert_eq!(p.limits[0], (p.x / e[0] * 100.0, p.x / e[1] * 100.0));
            assert_eq!(p.limits[1], (p.x / e[2] * 100.0, p.x / e[3] * 100.0));
            assert!(p.limits[1].0 <= p.limits[0].0 && p.limits[0].1 <= p.limits[1].1);
        }
        let count = PheFunnel::ratio(&expected, RatioScale::Count).unwrap();
        assert_eq!(count.target, 0.0);
        near(
            "count scale",
            count.points[10].limits[0].0,
            funnel.points[10].limits[0].0 / 100.0 - 1.0,
            1e-12,
        );

        let (x, derived, years, m) = ([30.0, 5.0, 120.0], [1e5, 2e4, 2e5], 3.0, 1e5);
        let rates = PheFunnel::rate(&x, &derived, years, m).unwrap();
        let average = 155.0 / 3.2e5;
        assert_eq!(rates.average, average);
        assert_eq!(rates.target, average * m);
        assert_eq!(
            rates.points.iter().map(|p| p.x).collect::<Vec<_>>(),
            rate_axis_points(2e4, 2e5, years, average)
        );
        for p in &rates.points {
            let pop = poisson_funnel_ends(p.x).map(|mean| mean / average);
            assert_eq!(p.limits[0], (p.x / pop[0] * m, p.x / pop[1] * m));
            assert_eq!(p.limits[1], (p.x / pop[2] * m, p.x / pop[3] * m));
            assert_eq!(
                p.reached_at.unwrap(),
                [
                    (pop[0] / years, pop[1] / years),
                    (pop[2] / years, pop[3] / years)
                ]
            );
        }
        assert!(PheFunnel::rate(&[0.0], &[], years, m).is_err());
        assert!(PheFunnel::ratio(&[], RatioScale::Isr).is_err());
        assert!(PheFunnel::proportion(&[], &[], 100.0).is_err());
    }

    #[test]
    fn limits_are_interpolated_between_axis_points() {
        let point = |x: f64, v: f64| PhePoint {
            x,
            limits: [(v, 10.0 - v), (v / 2.0, 10.0 - v / 2.0)],
            reached_at: None,
        };
        let funnel = PheFunnel {
            points: vec![point(1.0, 2.0), point(3.0, 4.0), point(7.0, 5.0)],
            average: 0.5,
            target: 5.0,
        };
        assert_eq!(funnel.limits_at(0.5), Some([(2.0, 8.0), (1.0, 9.0)]));
        assert_eq!(funnel.limits_at(3.0), Some([(4.0, 6.0), (2.0, 8.0)]));
        assert_eq!(funnel.limits_at(2.0), Some([(3.0, 7.0), (1.5, 8.5)]));
        assert_eq!(funnel.limits_at(6.0), Some([(4.75, 5.25), (2.375, 7.625)]));
        assert_eq!(funnel.limits_at(7.5), None);
        assert_eq!(funnel.crossing(3.0, 5.0), None);
        assert_eq!(
            funnel.crossing(3.0, 6.5),
            Some((PheLimit::Limit95, Side::High))
        );
        assert_eq!(
            funnel.crossing(3.0, 1.0),
            Some((PheLimit::Limit998, Side::Low))
        );
        assert_eq!(funnel.crossing(8.0, 100.0), None);
    }

    #[test]
    fn the_widest_limit_crossed_labels_a_unit() {
        let limits = [(0.95, (2.0, 8.0)), (0.998, (1.0, 9.0)), (0.8, (3.0, 7.0))];
        for (value, want) in [
            (5.0, None),
            (3.0, None),
            (7.5, Some((2, Side::High))),
            (2.5, Some((2, Side::Low))),
            (8.5, Some((0, Side::High))),
            (1.5, Some((0, Side::Low))),
            (9.5, Some((1, Side::High))),
            (0.5, Some((1, Side::Low))),
            (f64::NAN, None),
        ] {
            assert_eq!(widest_crossed(value, &limits), want, "{value}");
        }
        // Equal levels: the first.
        let twice = [(0.95, (2.0, 8.0)), (0.95, (2.5, 7.5))];
        assert_eq!(widest_crossed(9.0, &twice), Some((0, Side::High)));
        let phe = [(2.0, 8.0), (1.0, 9.0)];
        assert_eq!(
            phe_crossing(8.5, &phe),
            Some((PheLimit::Limit95, Side::High))
        );
        assert_eq!(
            phe_crossing(0.0, &phe),
            Some((PheLimit::Limit998, Side::Low))
        );
    }

    #[test]
    fn poisson_rate_limits_are_exact() {
        // 10 expected events, 99.8 %: χ²(0.001; 20)/2 = 5.921/2 and χ²(0.999; 22)/2 = 48.268/2
        // events (standard tables), per 10,000 → per 100,000.
        let (l, u) = poisson_rate_limits(PheLimit::Limit998, 10_000.0, 0.001, 100_000.0);
        near("lower", l, 29.605, 0.01);
        near("upper", u, 241.34, 0.01);
        let (l95, u95) = poisson_rate_limits(PheLimit::Limit95, 10_000.0, 0.001, 100_000.0);
        assert!(l < l95 && l95 < 100.0 && 100.0 < u95 && u95 < u);
    }

    #[test]
    fn ranks_average_their_ties() {
        assert_eq!(
            average_ranks(&[3.0, 1.0, 3.0, 2.0, 3.0]),
            [4.0, 1.0, 4.0, 2.0, 4.0]
        );
        assert_eq!(average_ranks(&[]), Vec::<f64>::new());
    }

    /// FunnelPlotR's truncation at 10 % (k = 10): which ranks survive for n units.
    #[test]
    fn truncation_drops_what_funnelplotr_drops() {
        let kept_ranks = |n: usize| -> (usize, usize) {
            // z-scores in reverse order, so ranks are not positions.
            let z: Vec<f64> = (0..n).rev().map(|i| i as f64 * 0.37 - 2.0).collect();
            let keep = truncation_keeps(&z, 0.1);
            let ranks: Vec<usize> = (0..n).filter(|&i| keep[i]).map(|i| n - i).collect();
            let low = ranks.iter().min().unwrap() - 1;
            let high = n - ranks.iter().max().unwrap();
            assert_eq!(ranks.len(), n - low - high, "the kept ranks are contiguous");
            (low, high)
        };
        // (n, dropped at the bottom, dropped at the top): ⌊r·10/(n + 1)⌋ must be 1..=8.
        for (n, low, high) in [
            (2, 0, 0),
            (8, 0, 0),
            (9, 0, 1),
            (10, 1, 1),
            (19, 1, 2),
            (20, 2, 2),
            (29, 2, 3),
            (30, 3, 3),
            (31, 3, 3),
        ] {
            assert_eq!(kept_ranks(n), (low, high), "n = {n}");
        }
        // Ties share their average rank: at n = 9 the two highest (ranks 8.5) both stay.
        let mut z: Vec<f64> = (0..9).map(f64::from).collect();
        z[8] = 7.0;
        assert_eq!(truncation_keeps(&z, 0.1), vec![true; 9]);
        // At 20 % (k = 5) and n = 9: keep 0 < ⌊r/2⌋ < 4, ranks 2..=7.
        let z: Vec<f64> = (0..9).map(f64::from).collect();
        let keep = truncation_keeps(&z, 0.2);
        assert_eq!(
            keep,
            [false, true, true, true, true, true, true, false, false]
        );
        assert_eq!(truncation_keeps(&z, 0.0), vec![true; 9]);
    }

    #[test]
    fn truncation_that_keeps_too_few_units_is_an_error() {
        // At 0.49 (k ≈ 2.04) two units keep only the higher one (⌊2·2.04/3⌋ = 1).
        let e = estimate_overdispersion(
            FunnelType::Proportion,
            &PR_O[..2],
            &PR_N[..2],
            Trim::Truncate,
            0.49,
        );
        assert!(
            matches!(
                e,
                Err(StatsError::GroupCount {
                    what: "units left after truncation",
                    found: 1,
                    ..
                })
            ),
            "{e:?}"
        );
        // Ten units at 10 %: ranks 1 and 10 go (⌊10/11⌋ = 0, ⌊100/11⌋ = 9).
        let od = estimate_overdispersion(FunnelType::Proportion, &PR_O, &PR_N, Trim::Truncate, 0.1)
            .unwrap();
        assert_eq!(od.n, 8);
    }

    #[test]
    fn proportion_significance_labels() {
        let average = 418.0 / 2500.0;
        assert_eq!(
            proportion_significance(95.0, 500.0, average),
            "Not significant"
        );
        assert_eq!(proportion_significance(8.0, 100.0, average), "Low (0.025)");
        assert_eq!(proportion_significance(0.0, 100.0, average), "Low (0.001)");
        assert_eq!(
            proportion_significance(60.0, 100.0, average),
            "High (0.001)"
        );
    }

    #[test]
    fn ratio_significance_labels() {
        assert_eq!(ratio_significance(50.0, 20.0), "High (0.001)");
        assert_eq!(ratio_significance(20.0, 20.0), "Not significant");
        assert_eq!(ratio_significance(0.0, 20.0), "Low (0.001)");
    }
}
