//! Comparing one group with a reference group (rate ratios, differences) and an area with a
//! comparator (Fingertips-style benchmarking).

use crate::{
    ConfidenceLevel, Interval, StatsError,
    dist::qbeta,
    estimate::non_negative,
    inequality::Polarity,
    proportion::{check_counts, check_multiplier, wilson_interval},
};

/// A difference and a ratio between a group and its reference, with intervals per level.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// `value − reference value` (scaled like the values).
    pub difference: f64,
    /// Interval of the difference per level.
    pub difference_intervals: Vec<Interval>,
    /// `value / reference value`; `None` when the reference is zero (never infinite or NaN).
    pub ratio: Option<f64>,
    /// Interval of the ratio per level (`None` where it cannot be computed, e.g. a zero count).
    pub ratio_intervals: Vec<Option<Interval>>,
    /// Method labels: (difference, ratio).
    pub methods: (&'static str, &'static str),
}

impl Comparison {
    /// Whether the comparison at level index `level` is significant, by [`is_significant`].
    pub fn is_significant(&self, level: usize) -> Option<bool> {
        is_significant(
            self.ratio_intervals.get(level).copied().flatten(),
            self.difference_intervals.get(level).copied(),
        )
    }
}

/// Whether a group differs significantly from its reference: the one rule every table,
/// summary and report uses.
///
/// # Method
/// The ratio's interval (exact for counts, log-scale for estimates) when there is one: the
/// report's gaps are ratios, so a gap called significant is one whose own interval excludes
/// 1. Without a ratio interval (a zero reference), the difference's interval.
///
/// # Formula
/// Significant when `ratio_lower > 1 or ratio_upper < 1`, else when `difference_lower > 0
/// or difference_upper < 0`.
///
/// # References
/// Fingertips' "significantly higher/lower" comparisons: an interval that excludes the null
/// value (PHE, *Technical guide: confidence intervals*, 2018).
///
/// # Edge cases
/// Neither interval: `None` (not compared). For proportions the ratio's and the difference's
/// intervals can disagree near the border; the ratio decides.
pub fn is_significant(ratio: Option<Interval>, difference: Option<Interval>) -> Option<bool> {
    match (ratio, difference) {
        (Some(r), _) => Some(r.lower > 1.0 || r.upper < 1.0),
        (None, Some(d)) => Some(d.lower > 0.0 || d.upper < 0.0),
        (None, None) => None,
    }
}

/// Compares two rates from counts: `x1` events in `n1` against the reference `x2` in `n2`.
///
/// # Method
/// Rate ratio with the exact conditional (binomial) interval: given the total `x1 + x2`, `x1` is
/// binomial with `π = n1·RR/(n1·RR + n2)`, so the Clopper–Pearson interval of `π` maps to one for
/// RR. Rate difference with the normal (Poisson variance) interval.
///
/// # Formula
/// `RR = (x1/n1)/(x2/n2)`; `π_L = B⁻¹(α/2; x1, x2 + 1)`, `π_U = B⁻¹(1 − α/2; x1 + 1, x2)`,
/// `RR_{L,U} = π/(1 − π)·n2/n1`; `RD = (x1/n1 − x2/n2)·m`, `SE = m·√(x1/n1² + x2/n2²)`.
///
/// # References
/// Breslow & Day (1987) vol. II, §2.2; Armitage, Berry & Matthews (2002), *Statistical Methods in
/// Medical Research*, §5.3.
///
/// # Edge cases
/// `x1 = 0`: lower RR limit 0; `x2 = 0`: the ratio and its upper limit are infinite, reported as
/// no interval. Both zero: no ratio.
///
/// # Errors
/// [`StatsError::NegativeNumerator`], [`StatsError::NonPositiveDenominator`].
///
/// ```
/// use levelfield_stats::{ConfidenceLevel, compare::compare_rates};
/// let l = [ConfidenceLevel::new(0.95).unwrap()];
/// let c = compare_rates(5693.0, 2382008.0, 31735.0, 45661871.0, &l, 100000.0).unwrap();
/// assert!((c.ratio.unwrap() - 3.4388).abs() < 1e-4);
/// let i = c.ratio_intervals[0].unwrap();
/// assert!(i.lower > 3.3 && i.upper < 3.6);
/// ```
pub fn compare_rates(
    x1: f64,
    n1: f64,
    x2: f64,
    n2: f64,
    levels: &[ConfidenceLevel],
    multiplier: f64,
) -> Result<Comparison, StatsError> {
    check_multiplier(multiplier)?;
    check_counts(x1, n1)?;
    check_counts(x2, n2)?;
    let (r1, r2) = (x1 / n1, x2 / n2);
    let difference = (r1 - r2) * multiplier;
    let se = multiplier * (x1 / (n1 * n1) + x2 / (n2 * n2)).sqrt();
    let ratio = (x2 > 0.0).then_some(r1 / r2);
    let difference_intervals = normal_intervals(difference, se, levels);
    let ratio_intervals = levels
        .iter()
        .map(|l| {
            if x2 == 0.0 {
                return None;
            }
            let alpha = 1.0 - l.fraction();
            let to_rr = |pi: f64| pi / (1.0 - pi) * n2 / n1;
            let lower = if x1 == 0.0 {
                0.0
            } else {
                to_rr(qbeta(alpha / 2.0, x1, x2 + 1.0))
            };
            let upper = to_rr(qbeta(1.0 - alpha / 2.0, x1 + 1.0, x2));
            Some(Interval { lower, upper })
        })
        .collect();
    Ok(Comparison {
        difference,
        difference_intervals,
        ratio,
        ratio_intervals,
        methods: ("Normal (Poisson)", "Exact conditional binomial"),
    })
}

/// Compares two proportions from counts: `x1` of `n1` against the reference `x2` of `n2`.
///
/// # Method
/// Difference with Newcombe's hybrid score interval (method 10, from the two Wilson intervals);
/// ratio with the log (Katz) interval.
///
/// # Formula
/// `d = p1 − p2`, `L = d − √((p1 − l1)² + (u2 − p2)²)`, `U = d + √((u1 − p1)² + (p2 − l2)²)`
/// (×m); `RR = p1/p2`, `SE(ln RR) = √(1/x1 − 1/n1 + 1/x2 − 1/n2)`.
///
/// # References
/// Newcombe, R. G. (1998). Interval estimation for the difference between independent
/// proportions. *Stat Med* 17, 873–890. Katz, D. et al. (1978), *Biometrics* 34, 469–474.
///
/// # Edge cases
/// A zero count leaves the ratio's interval undefined (`None`); the difference is always defined.
///
/// # Errors
/// [`StatsError::NegativeNumerator`], [`StatsError::NonPositiveDenominator`],
/// [`StatsError::NumeratorAboveDenominator`].
///
/// ```
/// use levelfield_stats::{ConfidenceLevel, compare::compare_proportions};
/// // Newcombe (1998) example: 56/70 vs 48/80, 95 % difference 0.0524 to 0.3339.
/// let l = [ConfidenceLevel::new(0.95).unwrap()];
/// let c = compare_proportions(56.0, 70.0, 48.0, 80.0, &l, 1.0).unwrap();
/// assert!((c.difference_intervals[0].lower - 0.0524).abs() < 1e-4);
/// assert!((c.difference_intervals[0].upper - 0.3339).abs() < 1e-4);
/// ```
pub fn compare_proportions(
    x1: f64,
    n1: f64,
    x2: f64,
    n2: f64,
    levels: &[ConfidenceLevel],
    multiplier: f64,
) -> Result<Comparison, StatsError> {
    check_multiplier(multiplier)?;
    for (x, n) in [(x1, n1), (x2, n2)] {
        check_counts(x, n)?;
        if x > n {
            return Err(StatsError::NumeratorAboveDenominator {
                numerator: x,
                denominator: n,
            });
        }
    }
    let (p1, p2) = (x1 / n1, x2 / n2);
    let d = p1 - p2;
    let difference_intervals = levels
        .iter()
        .map(|&l| {
            let (w1, w2) = (wilson_interval(x1, n1, l), wilson_interval(x2, n2, l));
            Interval {
                lower: (d - ((p1 - w1.lower).powi(2) + (w2.upper - p2).powi(2)).sqrt())
                    * multiplier,
                upper: (d + ((w1.upper - p1).powi(2) + (p2 - w2.lower).powi(2)).sqrt())
                    * multiplier,
            }
        })
        .collect();
    let ratio = (x2 > 0.0).then_some(p1 / p2);
    let ratio_intervals = levels
        .iter()
        .map(|l| {
            if x1 == 0.0 || x2 == 0.0 {
                return None;
            }
            let log_ratio = (p1 / p2).ln();
            let se = (1.0 / x1 - 1.0 / n1 + 1.0 / x2 - 1.0 / n2).sqrt();
            Some(Interval {
                lower: (log_ratio - l.z() * se).exp(),
                upper: (log_ratio + l.z() * se).exp(),
            })
        })
        .collect();
    Ok(Comparison {
        difference: d * multiplier,
        difference_intervals,
        ratio,
        ratio_intervals,
        methods: ("Newcombe hybrid score", "Log (Katz)"),
    })
}

/// Compares two estimates given as value and standard error (any scale).
///
/// # Method
/// Normal interval for the difference; log-scale (delta-method) interval for the ratio.
///
/// # Formula
/// `SE(D) = √(se1² + se2²)`; `SE(ln R) = √(se1²/y1² + se2²/y2²)`.
///
/// # References
/// Altman & Bland (2003), Interaction revisited: the difference between two estimates, *BMJ* 326, 219.
///
/// # Edge cases
/// A zero or negative value leaves the ratio without an interval.
///
/// # Errors
/// [`StatsError::NotFinite`] for a missing or negative standard error.
pub fn compare_estimates(
    (y1, se1): (f64, f64),
    (y2, se2): (f64, f64),
    levels: &[ConfidenceLevel],
) -> Result<Comparison, StatsError> {
    for se in [se1, se2] {
        if !non_negative(se) {
            return Err(StatsError::NotFinite {
                what: "standard error",
                value: se,
            });
        }
    }
    let difference = y1 - y2;
    let se_d = (se1 * se1 + se2 * se2).sqrt();
    let ratio = (y2 != 0.0).then_some(y1 / y2);
    let difference_intervals = normal_intervals(difference, se_d, levels);
    let ratio_intervals = levels
        .iter()
        .map(|l| {
            (y1 > 0.0 && y2 > 0.0).then(|| {
                let log_ratio = (y1 / y2).ln();
                let se = ((se1 / y1).powi(2) + (se2 / y2).powi(2)).sqrt();
                Interval {
                    lower: (log_ratio - l.z() * se).exp(),
                    upper: (log_ratio + l.z() * se).exp(),
                }
            })
        })
        .collect();
    Ok(Comparison {
        difference,
        difference_intervals,
        ratio,
        ratio_intervals,
        methods: ("Normal", "Log (delta method)"),
    })
}

/// `value ± z·se` at each level.
fn normal_intervals(value: f64, se: f64, levels: &[ConfidenceLevel]) -> Vec<Interval> {
    levels
        .iter()
        .map(|l| Interval {
            lower: value - l.z() * se,
            upper: value + l.z() * se,
        })
        .collect()
}

/// A Fingertips benchmarking label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Benchmark {
    /// Significantly better than the comparator (polarity set).
    Better,
    /// Not significantly different.
    Similar,
    /// Significantly worse (polarity set).
    Worse,
    /// Significantly lower (no polarity).
    Lower,
    /// Significantly higher (no polarity).
    Higher,
    /// No comparison possible (missing interval or comparator).
    NotCompared,
}

impl Benchmark {
    /// Every outcome.
    pub const ALL: [Benchmark; 6] = [
        Benchmark::Better,
        Benchmark::Similar,
        Benchmark::Worse,
        Benchmark::Lower,
        Benchmark::Higher,
        Benchmark::NotCompared,
    ];

    /// The outcome a Fingertips label names, or `None` for any other text.
    pub fn from_label(label: &str) -> Option<Benchmark> {
        Benchmark::ALL.into_iter().find(|b| b.label() == label)
    }

    /// Fingertips' label.
    pub fn label(self) -> &'static str {
        match self {
            Benchmark::Better => "Better",
            Benchmark::Similar => "Similar",
            Benchmark::Worse => "Worse",
            Benchmark::Lower => "Lower",
            Benchmark::Higher => "Higher",
            Benchmark::NotCompared => "Not compared",
        }
    }
}

/// Benchmarks a value against a comparator as Fingertips does ("CI overlap" methods).
///
/// # Method
/// Similar when the area's interval contains the comparator's value (or, when the comparator's
/// interval is given, when the two intervals overlap); otherwise Higher/Lower by value, mapped to
/// Better/Worse by polarity. The interval's level (95 % or 99.8 %) is the caller's choice.
///
/// # Formula
/// `Similar ⇔ L ≤ c ≤ U` (or `L ≤ c_U ∧ c_L ≤ U`).
///
/// # References
/// OHID Fingertips, `ComparatorMethodIds` 1 and 12 (fingertips-open, `SignificanceFormatter`);
/// Fingertips technical guidance "Comparisons".
///
/// # Edge cases
/// Any missing input gives [`Benchmark::NotCompared`]. Overlapping intervals are a conservative
/// test: two estimates can differ significantly while their 95 % intervals overlap; the method is
/// recorded with every label so readers know which test was applied.
pub fn benchmark(
    value: Option<f64>,
    interval: Option<Interval>,
    comparator: Option<f64>,
    comparator_interval: Option<Interval>,
    polarity: Option<Polarity>,
) -> Benchmark {
    let (Some(v), Some(i), Some(c)) = (value, interval, comparator) else {
        return Benchmark::NotCompared;
    };
    let similar = match comparator_interval {
        Some(ci) => i.lower <= ci.upper && ci.lower <= i.upper,
        None => i.lower <= c && c <= i.upper,
    };
    if similar {
        return Benchmark::Similar;
    }
    let higher = v > c;
    match (polarity, higher) {
        (None, true) => Benchmark::Higher,
        (None, false) => Benchmark::Lower,
        (Some(Polarity::Adverse), true) | (Some(Polarity::Favourable), false) => Benchmark::Worse,
        (Some(Polarity::Adverse), false) | (Some(Polarity::Favourable), true) => Benchmark::Better,
    }
}

/// Fingertips' quintile labels, lowest first.
pub const QUINTILE_LABELS: [&str; 5] = [
    "Lowest quintile",
    "2nd lowest quintile",
    "Middle quintile",
    "2nd highest quintile",
    "Highest quintile",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benchmark_labels_read_back_and_nothing_else_does() {
        for b in Benchmark::ALL {
            assert_eq!(Benchmark::from_label(b.label()), Some(b));
        }
        for text in ["", "better", "Not Compared", "Worse "] {
            assert_eq!(Benchmark::from_label(text), None, "{text}");
        }
    }

    fn l95() -> [ConfidenceLevel; 1] {
        [ConfidenceLevel::new(0.95).unwrap()]
    }

    #[test]
    fn a_zero_reference_gives_no_ratio_rather_than_infinity() {
        let r = compare_rates(5.0, 100.0, 0.0, 100.0, &l95(), 1.0).unwrap();
        assert_eq!((r.ratio, r.ratio_intervals[0]), (None, None));
        assert!((r.difference - 0.05).abs() < 1e-15);
        let p = compare_proportions(0.0, 100.0, 0.0, 50.0, &l95(), 1.0).unwrap();
        assert_eq!(p.ratio, None);
        assert_eq!(p.difference, 0.0);
        let e = compare_estimates((3.0, 0.5), (0.0, 0.2), &l95()).unwrap();
        assert_eq!(e.ratio, None);
        assert!(
            compare_rates(5.0, 100.0, 1.0, 100.0, &l95(), 0.0).is_err(),
            "multiplier 0"
        );
    }

    #[test]
    fn exact_rate_ratio_edges() {
        let c = compare_rates(0.0, 1000.0, 10.0, 1000.0, &l95(), 1e5).unwrap();
        assert_eq!(c.ratio_intervals[0].unwrap().lower, 0.0);
        let c = compare_rates(3.0, 1000.0, 0.0, 1000.0, &l95(), 1e5).unwrap();
        assert_eq!(c.ratio_intervals[0], None);
        // Equal rates: RR 1 with an interval around 1.
        let c = compare_rates(50.0, 1000.0, 100.0, 2000.0, &l95(), 1e5).unwrap();
        let i = c.ratio_intervals[0].unwrap();
        assert!((c.ratio.unwrap() - 1.0).abs() < 1e-12 && i.lower < 1.0 && i.upper > 1.0);
    }

    #[test]
    fn exact_ratio_matches_clopper_pearson_by_hand() {
        // x1 = 5, x2 = 5 with equal person-time: π interval is Clopper–Pearson for 5/10.
        let c = compare_rates(5.0, 100.0, 5.0, 100.0, &l95(), 1.0).unwrap();
        let i = c.ratio_intervals[0].unwrap();
        let (pl, pu) = (0.18708602844739, 0.81291397155261);
        assert!((i.lower - pl / (1.0 - pl)).abs() < 1e-9);
        assert!((i.upper - pu / (1.0 - pu)).abs() < 1e-9);
    }

    #[test]
    fn benchmark_labels() {
        let i = Some(Interval {
            lower: 10.0,
            upper: 20.0,
        });
        assert_eq!(
            benchmark(Some(15.0), i, Some(12.0), None, Some(Polarity::Adverse)),
            Benchmark::Similar
        );
        assert_eq!(
            benchmark(Some(15.0), i, Some(8.0), None, Some(Polarity::Adverse)),
            Benchmark::Worse
        );
        assert_eq!(
            benchmark(Some(15.0), i, Some(8.0), None, Some(Polarity::Favourable)),
            Benchmark::Better
        );
        assert_eq!(
            benchmark(Some(15.0), i, Some(25.0), None, None),
            Benchmark::Lower
        );
        assert_eq!(
            benchmark(
                Some(15.0),
                i,
                Some(8.0),
                Some(Interval {
                    lower: 7.0,
                    upper: 10.5
                }),
                None
            ),
            Benchmark::Similar
        );
        assert_eq!(
            benchmark(None, i, Some(8.0), None, None),
            Benchmark::NotCompared
        );
        assert_eq!(Benchmark::NotCompared.label(), "Not compared");
    }
}
