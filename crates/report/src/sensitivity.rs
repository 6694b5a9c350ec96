//! Hidden need: how a profile's figures move if part of some groups' need never reaches the
//! data (people who pay privately, or never reach services). The user states, per group, the
//! share of need assumed to be outside the data — a value, a range, or a triangular
//! distribution — and [`run`] recomputes every affected estimate, comparison and inequality
//! measure at the assumption's low, central and high values, gives the bounds, and for each
//! comparison the hidden share at which its conclusion ("the gap is larger than chance would
//! explain") would flip: the tipping point.
//!
//! # Method
//! A hidden share h of a group's need means the recorded count is (1 − h) of the true one, so
//! the group's value and its interval are divided by (1 − h) (a rate or proportion's
//! denominator, the population, is unchanged). A ratio of group g to reference r is multiplied
//! by (1 − h_r)/(1 − h_g), interval too; a difference is recomputed from the two scaled values,
//! its interval by the normal approximation from their scaled intervals (so its central value's
//! interval is approximate where the observed one was Newcombe's). Inequality measures are
//! recomputed from the scaled groups (`levelfield_stats::measure::summaries`). Bounds are
//! the least and greatest values over every combination of the assumptions' low and high ends
//! (exact for estimates and comparisons, which move monotonically in each h). A figure with no
//! hidden need assumed in any of its groups is the observed one, unchanged.
//!
//! Results are assumptions, labelled as such; they never replace the observed figures.

use serde::Deserialize;

use levelfield_stats::inequality::{self, DimensionType, Group};
use levelfield_stats::measure;

use crate::ProfileData;

/// The assumptions of a sensitivity analysis.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assumptions {
    /// A name for the scenario.
    pub name: String,
    /// One per group.
    #[serde(rename = "assumption")]
    pub assumptions: Vec<Assumption>,
}

/// The share of one group's need assumed to be outside the data.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assumption {
    /// Dimension label, as in the profile's tables.
    pub dimension: String,
    /// Group label.
    pub group: String,
    /// The share hidden: a number, `[low, high]`, or `{ low, mode, high }` (triangular).
    pub hidden: Hidden,
    /// The indicators it applies to (default: all).
    #[serde(default)]
    pub indicators: Vec<String>,
    /// Why it is assumed (shown with the results).
    #[serde(default)]
    pub reason: String,
}

/// A hidden share as given.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Hidden {
    /// One value.
    Point(f64),
    /// A range.
    Range([f64; 2]),
    /// A triangular distribution.
    Triangular {
        /// Least.
        low: f64,
        /// Most likely.
        mode: f64,
        /// Greatest.
        high: f64,
    },
}

impl Hidden {
    /// (low, central, high): the range's midpoint, the triangular distribution's mean.
    pub fn span(&self) -> (f64, f64, f64) {
        match *self {
            Hidden::Point(v) => (v, v, v),
            Hidden::Range([a, b]) => (a, (a + b) / 2.0, b),
            Hidden::Triangular { low, mode, high } => (low, (low + mode + high) / 3.0, high),
        }
    }
}

/// Parses and checks assumptions: every share in [0, 1), low ≤ high.
///
/// # Errors
/// Every problem, naming the assumption.
pub fn parse(text: &str, origin: &str) -> Result<Assumptions, String> {
    let a: Assumptions =
        toml::from_str(text).map_err(|e| format!("{origin}: {}", e.to_string().trim_end()))?;
    let mut problems = Vec::new();
    for (k, x) in a.assumptions.iter().enumerate() {
        let (lo, mid, hi) = x.hidden.span();
        if !(0.0..1.0).contains(&lo) || !(0.0..1.0).contains(&hi) || lo > hi || mid < lo || mid > hi
        {
            problems.push(format!(
                "assumption {} ({} {}): hidden shares are fractions from 0 up to (not including) 1, low ≤ mode ≤ high, e.g. 0.2 or [0.1, 0.3]",
                k + 1,
                x.dimension,
                x.group
            ));
        }
    }
    if problems.is_empty() {
        Ok(a)
    } else {
        Err(format!("{origin}: {}", problems.join("; ")))
    }
}

/// One figure under the assumptions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    /// estimate, ratio, difference, or an inequality measure's name.
    pub figure: String,
    /// Indicator id.
    pub indicator_id: String,
    /// Area code.
    pub area_code: String,
    /// Period.
    pub period: String,
    /// Dimension.
    pub dimension: String,
    /// Group (a comparison: the group; an inequality measure: empty).
    pub group: String,
    /// Observed value and 95 % limits.
    pub observed: (f64, Option<f64>, Option<f64>),
    /// At the assumptions' central values.
    pub central: (f64, Option<f64>, Option<f64>),
    /// Least value over the assumptions' ends.
    pub bound_low: f64,
    /// Greatest value over the assumptions' ends.
    pub bound_high: f64,
    /// For comparisons: what the observed interval says, and what the tipping point is.
    pub conclusion: String,
    /// The hidden share at which the conclusion flips (comparisons), if below 1.
    pub tipping_point: Option<f64>,
}

/// The hidden shares of (indicator, dimension, group) at the assumptions' low, central or
/// high ends (`end` 0, 1, 2), 0 where none is assumed.
fn share(a: &Assumptions, indicator: &str, dimension: &str, group: &str, end: usize) -> f64 {
    a.assumptions
        .iter()
        .find(|x| {
            x.dimension == dimension
                && x.group == group
                && (x.indicators.is_empty() || x.indicators.iter().any(|i| i == indicator))
        })
        .map_or(0.0, |x| {
            let (lo, mid, hi) = x.hidden.span();
            [lo, mid, hi][end]
        })
}

/// The least and greatest of some values.
fn extent(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    values
        .into_iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        })
}

fn scale(v: (f64, Option<f64>, Option<f64>), k: f64) -> (f64, Option<f64>, Option<f64>) {
    (v.0 * k, v.1.map(|x| x * k), v.2.map(|x| x * k))
}

/// The hidden share of the group (`of_group`) or of the reference at which a ratio's interval
/// [lower, upper], scaled by (1 − h_ref)/(1 − h_group), stops or starts excluding 1, with the
/// other share held at `other`. `None` when no share below 1 flips it.
pub fn ratio_tipping(lower: f64, upper: f64, other: f64) -> Option<(f64, bool)> {
    // Scaled limits: l·k, u·k with k = (1 − h_r)/(1 − h_g).
    if lower > 1.0 {
        // Significantly higher: hidden need in the reference narrows it: l(1 − h_r)/(1 − h_g) = 1.
        let h = 1.0 - (1.0 - other) / lower;
        (0.0..1.0).contains(&h).then_some((h, false))
    } else if upper < 1.0 {
        // Significantly lower: hidden need in the group closes it: u(1 − h_r)/(1 − h_g) = 1.
        let h = 1.0 - upper * (1.0 - other);
        (0.0..1.0).contains(&h).then_some((h, true))
    } else {
        // Not significant: hidden need in the group makes it significantly higher.
        let h = 1.0 - lower * (1.0 - other);
        (lower > 0.0 && (0.0..1.0).contains(&h)).then_some((h, true))
    }
}

/// Every figure the assumptions touch, with its bounds and, for ratios, the tipping point.
pub fn run(a: &Assumptions, data: &ProfileData) -> Vec<Row> {
    let mut out = Vec::new();
    let touched = |ind: &str, dim: &str, grp: &str| {
        a.assumptions.iter().any(|x| {
            x.dimension == dim
                && x.group == grp
                && (x.indicators.is_empty() || x.indicators.iter().any(|i| i == ind))
        })
    };
    // Estimates.
    for e in &data.estimates {
        let Some(v) = e.value.filter(|_| !e.suppressed) else {
            continue;
        };
        if !touched(&e.indicator_id, &e.dimension, &e.group) {
            continue;
        }
        let obs = (v, e.lower, e.upper);
        let at = |end| {
            scale(
                obs,
                1.0 / (1.0 - share(a, &e.indicator_id, &e.dimension, &e.group, end)),
            )
        };
        let (lo, hi) = (at(0).0, at(2).0);
        out.push(Row {
            figure: "estimate".into(),
            indicator_id: e.indicator_id.clone(),
            area_code: e.area_code.clone(),
            period: e.period.clone(),
            dimension: e.dimension.clone(),
            group: e.group.clone(),
            observed: obs,
            central: at(1),
            bound_low: lo.min(hi),
            bound_high: lo.max(hi),
            ..Row::default()
        });
    }
    // Comparisons: the ratio, scaled; the difference, from the scaled values.
    for c in &data.comparisons {
        let (g, r) = (c.group.as_str(), c.reference_group.as_str());
        if !touched(&c.indicator_id, &c.dimension, g) && !touched(&c.indicator_id, &c.dimension, r)
        {
            continue;
        }
        let h = |grp: &str, end| share(a, &c.indicator_id, &c.dimension, grp, end);
        if let Some(ratio) = c.ratio {
            let obs = (ratio, c.ratio_lower, c.ratio_upper);
            let k = |eg, er| (1.0 - h(r, er)) / (1.0 - h(g, eg));
            let corners = [k(0, 0), k(0, 2), k(2, 0), k(2, 2)].map(|k| ratio * k);
            let (lo, hi) = extent(corners);
            let (conclusion, tipping_point) = match (c.ratio_lower, c.ratio_upper) {
                (Some(l), Some(u)) => {
                    let said = if l > 1.0 {
                        "higher than the reference beyond chance"
                    } else if u < 1.0 {
                        "lower than the reference beyond chance"
                    } else {
                        "not different from the reference beyond chance"
                    };
                    match ratio_tipping(l, u, 0.0) {
                        Some((t, in_group)) => (
                            format!(
                                "observed: {said}; this flips if {:.1}% or more of the need of {} is hidden (none assumed in the other group)",
                                100.0 * t,
                                if in_group { g } else { r }
                            ),
                            Some(t),
                        ),
                        None => (format!("observed: {said}; no hidden share flips it"), None),
                    }
                }
                _ => (String::new(), None),
            };
            out.push(Row {
                figure: "ratio".into(),
                indicator_id: c.indicator_id.clone(),
                area_code: c.area_code.clone(),
                period: c.period.clone(),
                dimension: c.dimension.clone(),
                group: g.into(),
                observed: obs,
                central: scale(obs, k(1, 1)),
                bound_low: lo,
                bound_high: hi,
                conclusion,
                tipping_point,
            });
        }
    }
    // Differences, from the two groups' scaled values and intervals.
    for c in &data.comparisons {
        let (g, r) = (c.group.as_str(), c.reference_group.as_str());
        let Some(observed) = c.difference else {
            continue;
        };
        if !touched(&c.indicator_id, &c.dimension, g) && !touched(&c.indicator_id, &c.dimension, r)
        {
            continue;
        }
        let find = |grp: &str| {
            data.estimates.iter().find(|e| {
                e.indicator_id == c.indicator_id
                    && e.area_code == c.area_code
                    && e.period == c.period
                    && e.dimension == c.dimension
                    && e.group == grp
                    && !e.suppressed
            })
        };
        let (Some(eg), Some(er)) = (find(g), find(r)) else {
            continue;
        };
        let (Some(vg), Some(vr)) = (eg.value, er.value) else {
            continue;
        };
        // No interval was published for a value without limits: none is made for it.
        let se = |e: &crate::data::EstimateRow| match (e.lower, e.upper) {
            (Some(l), Some(u)) => Some(inequality::se_from_limits(l, u)),
            _ => None,
        };
        let h = |grp: &str, end| share(a, &c.indicator_id, &c.dimension, grp, end);
        let at = |eg_end, er_end| {
            if h(g, eg_end) == 0.0 && h(r, er_end) == 0.0 {
                return (observed, c.difference_lower, c.difference_upper);
            }
            let (kg, kr) = (1.0 / (1.0 - h(g, eg_end)), 1.0 / (1.0 - h(r, er_end)));
            let d = vg * kg - vr * kr;
            match (se(eg), se(er)) {
                (Some(sg), Some(sr)) => {
                    let half = levelfield_stats::dist::qnorm(0.975)
                        * ((sg * kg).powi(2) + (sr * kr).powi(2)).sqrt();
                    (d, Some(d - half), Some(d + half))
                }
                _ => (d, None, None),
            }
        };
        let corners = [at(0, 0), at(0, 2), at(2, 0), at(2, 2)];
        let (lo, hi) = extent(corners.iter().map(|c| c.0));
        out.push(Row {
            figure: "difference".into(),
            indicator_id: c.indicator_id.clone(),
            area_code: c.area_code.clone(),
            period: c.period.clone(),
            dimension: c.dimension.clone(),
            group: g.into(),
            observed: (observed, c.difference_lower, c.difference_upper),
            central: at(1, 1),
            bound_low: lo,
            bound_high: hi,
            ..Row::default()
        });
    }
    // Inequality measures, recomputed from the scaled groups.
    for q in &data.inequality {
        let Some(observed) = q.value else { continue };
        let groups: Vec<&crate::data::EstimateRow> = data
            .estimates
            .iter()
            .filter(|e| {
                e.indicator_id == q.indicator_id
                    && e.area_code == q.area_code
                    && e.period == q.period
                    && e.dimension == q.dimension
                    && !e.suppressed
                    && e.value.is_some()
                    && e.denominator.is_some_and(|d| d > 0.0)
                    && !["Not stated", "Not known", "Unknown"]
                        .iter()
                        .any(|n| e.group.starts_with(n))
            })
            .collect();
        if !groups
            .iter()
            .any(|e| touched(&q.indicator_id, &q.dimension, &e.group))
        {
            continue;
        }
        let ordered = data.inequality.iter().any(|x| {
            x.indicator_id == q.indicator_id
                && x.dimension == q.dimension
                && x.measure == measure::MeasureCode::Sii.code()
        });
        let dimension = if ordered {
            DimensionType::Ordered
        } else {
            DimensionType::Unordered
        };
        let polarity = data.meta.indicator(&q.indicator_id).polarity.for_measures();
        let names: Vec<&str> = groups.iter().map(|e| e.group.as_str()).collect();
        // The measure with each group's hidden share given by `hidden`.
        let value_at = |hidden: &dyn Fn(&str) -> f64| -> Option<(f64, Option<f64>, Option<f64>)> {
            if groups.iter().all(|e| hidden(&e.group) == 0.0) {
                return Some((observed, q.lower, q.upper));
            }
            let gs: Vec<Group> = groups
                .iter()
                .map(|e| {
                    let k = 1.0 / (1.0 - hidden(&e.group));
                    let v = e.value.unwrap_or(0.0);
                    let se = match (e.lower, e.upper) {
                        (Some(l), Some(u)) => inequality::se_from_limits(l, u),
                        _ => 0.0,
                    };
                    Group {
                        value: v * k,
                        se: se * k,
                        population: e.denominator.unwrap_or(0.0),
                    }
                })
                .collect();
            let m = measure::summaries(&gs, &names, dimension, polarity)
                .into_iter()
                .find(|m| m.measure.code() == q.measure)?;
            let value = m.value?;
            let (l, u) = value.interval(0.95).unzip();
            Some((value.value, l, u))
        };
        let touched_groups: Vec<&str> = names
            .iter()
            .copied()
            .filter(|g| touched(&q.indicator_id, &q.dimension, g))
            .take(10)
            .collect();
        // Each touched group's share over its range: the low and high ends and evenly spaced
        // points between. A measure whose compared or best group changes as a share grows (D
        // and R between the extremes, PAR against the best group, BGV's minimum) can reach its
        // least or greatest value between the ends, which the ends alone would miss.
        let steps: usize = match touched_groups.len() {
            1 => 11,
            2 => 6,
            3 => 4,
            _ => 2,
        };
        let share_of = |g: &str, end| share(a, &q.indicator_id, &q.dimension, g, end);
        let ranges: Vec<(f64, f64)> = touched_groups
            .iter()
            .map(|g| (share_of(g, 0), share_of(g, 2)))
            .collect();
        let mut values = Vec::new();
        for c in 0..steps.pow(touched_groups.len() as u32) {
            let hidden = |g: &str| match touched_groups.iter().position(|t| *t == g) {
                Some(k) => {
                    let j = (c / steps.pow(k as u32)) % steps;
                    let (lo, hi) = ranges[k];
                    lo + (hi - lo) * j as f64 / (steps - 1) as f64
                }
                None => share_of(g, 1),
            };
            if let Some(v) = value_at(&hidden) {
                values.push(v.0);
            }
        }
        let Some(central) = value_at(&|g| share_of(g, 1)) else {
            continue;
        };
        let (lo, hi) = extent(values);
        out.push(Row {
            figure: q.measure.clone(),
            indicator_id: q.indicator_id.clone(),
            area_code: q.area_code.clone(),
            period: q.period.clone(),
            dimension: q.dimension.clone(),
            observed: (observed, q.lower, q.upper),
            central,
            bound_low: lo,
            bound_high: hi,
            ..Row::default()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ComparisonRow, EstimateRow, InequalityRow};

    fn data() -> ProfileData {
        let mut d = ProfileData::default();
        d.meta.comparator_code = "ALL".into();
        for (g, v, n) in [
            ("1", 30.0, 1000.0),
            ("2", 25.0, 1200.0),
            ("3", 20.0, 900.0),
            ("4", 18.0, 1100.0),
            ("5", 12.0, 1000.0),
        ] {
            d.estimates.push(EstimateRow {
                indicator_id: "acc".into(),
                area_code: "ALL".into(),
                period: "2024".into(),
                dimension: "IMD".into(),
                group: g.into(),
                value: Some(v),
                lower: Some(v * 0.8),
                upper: Some(v * 1.25),
                denominator: Some(n),
                ..EstimateRow::default()
            });
        }
        d.comparisons.push(ComparisonRow {
            indicator_id: "acc".into(),
            area_code: "ALL".into(),
            period: "2024".into(),
            dimension: "IMD".into(),
            group: "1".into(),
            reference_group: "5".into(),
            ratio: Some(2.5),
            ratio_lower: Some(1.6),
            ratio_upper: Some(3.9),
            difference: Some(18.0),
            difference_lower: Some(10.0),
            difference_upper: Some(26.0),
            ..ComparisonRow::default()
        });
        // The SII the profile would report over these groups.
        let groups: Vec<Group> = d
            .estimates
            .iter()
            .map(|e| Group {
                value: e.value.unwrap(),
                se: inequality::se_from_limits(e.lower.unwrap(), e.upper.unwrap()),
                population: e.denominator.unwrap(),
            })
            .collect();
        let names: Vec<&str> = d.estimates.iter().map(|e| e.group.as_str()).collect();
        for m in measure::summaries(
            &groups,
            &names,
            DimensionType::Ordered,
            inequality::Polarity::Adverse,
        ) {
            let value = m.value.expect("defined for these groups");
            let (l, u) = value.interval(0.95).unzip();
            d.inequality.push(InequalityRow {
                indicator_id: "acc".into(),
                area_code: "ALL".into(),
                period: "2024".into(),
                dimension: "IMD".into(),
                measure: m.measure.code().into(),
                value: Some(value.value),
                lower: l,
                upper: u,
                ..InequalityRow::default()
            });
        }
        d
    }

    fn assume(hidden: &str) -> Assumptions {
        parse(&format!("name = \"t\"\n[[assumption]]\ndimension = \"IMD\"\ngroup = \"5\"\nhidden = {hidden}\n"), "t").unwrap()
    }

    #[test]
    fn no_hidden_need_gives_the_observed_figures_exactly() {
        let d = data();
        let rows = run(&assume("0.0"), &d);
        // Group 5's estimate, its ratio and difference, and every inequality measure.
        assert_eq!(rows.iter().filter(|r| r.figure == "estimate").count(), 1);
        assert!(
            rows.iter().any(|r| r.figure == "ratio")
                && rows
                    .iter()
                    .any(|r| r.figure == measure::MeasureCode::Sii.code())
        );
        for r in &rows {
            assert_eq!(r.central.0, r.observed.0, "{r:?}");
            assert_eq!(
                (r.bound_low, r.bound_high),
                (r.observed.0, r.observed.0),
                "{r:?}"
            );
            if r.figure != "difference" {
                assert_eq!(
                    (r.central.1, r.central.2),
                    (r.observed.1, r.observed.2),
                    "{r:?}"
                );
            }
        }
    }

    /// PAR against the best group: as group 5's hidden share grows, its value (12) rises past
    /// group 4's (18) and the best group changes, so PAR peaks between the range's ends. The
    /// bounds find it, above both ends' values.
    #[test]
    fn bounds_find_a_measure_that_peaks_between_the_ends() {
        let d = data();
        let par = |hidden: &str| {
            run(&assume(hidden), &d)
                .into_iter()
                .find(|r| r.figure == measure::MeasureCode::Par.code())
                .unwrap()
        };
        let (low_end, high_end) = (par("0.0").observed.0, par("0.5").central.0);
        let range = par("[0.0, 0.5]");
        assert!(
            range.bound_high > low_end.max(high_end) + 0.1,
            "{} vs ends {low_end}, {high_end}",
            range.bound_high
        );
        assert!(range.bound_low <= low_end.min(high_end) + 1e-12);
    }

    /// Published values without limits (the demo's headline rates) give a difference under
    /// the assumptions with no interval, not one of zero width.
    #[test]
    fn a_difference_of_values_without_intervals_has_none() {
        let mut d = data();
        for e in &mut d.estimates {
            (e.lower, e.upper) = (None, None);
        }
        let rows = run(&assume("0.2"), &d);
        let diff = rows.iter().find(|r| r.figure == "difference").unwrap();
        assert_eq!((diff.central.1, diff.central.2), (None, None), "{diff:?}");
        assert!(diff.central.0 != diff.observed.0);
    }

    #[test]
    fn bounds_widen_as_the_range_widens() {
        let d = data();
        let mut last: Vec<(String, f64, f64)> = Vec::new();
        for hi in [0.05, 0.1, 0.2, 0.3, 0.5] {
            let rows = run(&assume(&format!("[0.02, {hi}]")), &d);
            let now: Vec<(String, f64, f64)> = rows
                .iter()
                .map(|r| (r.figure.clone() + &r.group, r.bound_low, r.bound_high))
                .collect();
            if !last.is_empty() {
                for ((f, lo, hi), (_, plo, phi)) in now.iter().zip(&last) {
                    assert!(
                        *lo <= plo + 1e-12 && *hi >= phi - 1e-12,
                        "{f}: [{lo}, {hi}] inside [{plo}, {phi}]"
                    );
                }
            }
            last = now;
        }
        let rows = run(&assume("[0.1, 0.3]"), &d);
        let ratio = rows.iter().find(|r| r.figure == "ratio").unwrap();
        // Hidden need in the reference (least deprived) group raises it: the ratio falls.
        assert!(
            (ratio.bound_high - 2.5 * 0.9).abs() < 1e-12
                && (ratio.bound_low - 2.5 * 0.7).abs() < 1e-12
        );
        assert!(
            rows.iter()
                .any(|r| r.figure == measure::MeasureCode::Sii.code())
        );
        assert!(rows.iter().any(|r| r.figure == "difference"));
    }

    #[test]
    fn tipping_points_match_a_brute_force_search() {
        for (l, u, other) in [
            (1.6, 3.9, 0.0),
            (1.2, 2.0, 0.1),
            (0.3, 0.8, 0.0),
            (0.5, 0.9, 0.2),
            (0.8, 1.3, 0.0),
            (0.9, 1.1, 0.05),
        ] {
            let (t, in_group) = ratio_tipping(l, u, other).unwrap();
            // Scan the share in the group (or the reference) until the scaled interval's
            // verdict changes.
            let verdict = |lo: f64, hi: f64| {
                if lo > 1.0 {
                    1
                } else if hi < 1.0 {
                    -1
                } else {
                    0
                }
            };
            let base = verdict(l, u);
            let mut found = None;
            let mut h = 0.0;
            while h < 1.0 {
                let k = if in_group {
                    (1.0 - other) / (1.0 - h)
                } else {
                    (1.0 - h) / (1.0 - other)
                };
                if verdict(l * k, u * k) != base {
                    found = Some(h);
                    break;
                }
                h += 1e-5;
            }
            let found = found.expect("a flip");
            assert!(
                (found - t).abs() < 2e-5,
                "({l}, {u}, {other}): {t} vs brute force {found}"
            );
        }
        assert!(ratio_tipping(0.0, 0.5, 0.0).is_some());
    }
}
