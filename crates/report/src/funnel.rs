//! The funnel plot of areas for one indicator: exact Poisson (rates) or PHE's proportion
//! limits around the pooled average, as PHE's funnel plots draw them, replaced by limits
//! adjusted for over-dispersion (Spiegelhalter's additive random effects, as FunnelPlotR and
//! SHMI) when areas vary more than chance allows.

use levelfield_chart::{FunnelLimits, FunnelUnit};
use levelfield_stats::funnel::{
    FunnelType, LimitKind, Overdispersion, PheLimit, Side, Trim, estimate_overdispersion,
    funnel_limits, phe_crossing, poisson_rate_limits, pooled_average, proportion_limits,
};

use crate::{data::ProfileData, schema::OVERALL};

/// A unit's place against the limits, for the data table.
pub struct FunnelRow {
    /// Area name.
    pub name: String,
    /// Numerator.
    pub numerator: f64,
    /// Denominator.
    pub denominator: f64,
    /// Value.
    pub value: f64,
    /// Against the drawn limits: "above the 99.8% limit", …
    pub position: &'static str,
    /// Against the exact (unadjusted) limits.
    pub exact_position: &'static str,
}

/// What the report draws.
pub struct Funnel {
    /// Points.
    pub units: Vec<FunnelUnit>,
    /// Limits along the denominator axis (95 % then 99.8 %).
    pub limits: Vec<FunnelLimits>,
    /// Pooled average on the value scale.
    pub average: f64,
    /// The x axis's name: the statistic's denominator.
    pub x_label: &'static str,
    /// Rows for the table.
    pub rows: Vec<FunnelRow>,
    /// A sentence on what the plot shows.
    pub note: String,
    /// The over-dispersion behind the drawn limits, when they are adjusted.
    pub adjusted: Option<Overdispersion>,
}

/// Share of units outside the exact 99.8 % limits above which limits are adjusted (FunnelPlotR
/// leaves the choice to the user; a fifth of units, a hundred times the 0.2 % chance expects,
/// is beyond doubt).
const ADJUST_ABOVE: f64 = 0.2;

/// A unit's place against the 95 % and 99.8 % limits (in [`PheLimit::ALL`] order).
fn position(v: f64, limits: &[(f64, f64); 2]) -> &'static str {
    match phe_crossing(v, limits) {
        Some((PheLimit::Limit998, Side::High)) => "above the 99.8% limit",
        Some((PheLimit::Limit95, Side::High)) => "above the 95% limit",
        Some((PheLimit::Limit998, Side::Low)) => "below the 99.8% limit",
        Some((PheLimit::Limit95, Side::Low)) => "below the 95% limit",
        None => "within the 95% limits",
    }
}

/// Exact limits at denominator `d` on the value scale (× `m`), from the statistics crate: PHE's
/// inverted-Wilson proportion limits clamped to `[0, m]` ([`proportion_limits`]), or exact
/// Poisson limits on `p̄·d` expected events ([`poisson_rate_limits`]).
fn limits_at(d: f64, average: f64, limit: PheLimit, proportion: bool, m: f64) -> (f64, f64) {
    if proportion {
        proportion_limits(limit, d, average, m)
    } else {
        poisson_rate_limits(limit, d, average, m)
    }
}

/// The x axis's name: what the statistic divides by, people for a proportion, the population
/// for a rate.
fn x_label(proportion: bool) -> &'static str {
    if proportion {
        "Denominator (people)"
    } else {
        "Population (denominator)"
    }
}

/// Builds the funnel of an indicator's areas (overall values, one period): `None` with fewer
/// than three areas having counts.
pub fn build(data: &ProfileData, id: &str, period: &str) -> Option<Funnel> {
    let comparator = data.comparator_code();
    let rows: Vec<_> = data
        .estimates
        .iter()
        .filter(|e| {
            e.indicator_id == id
                && e.area_code != comparator
                && e.dimension == OVERALL
                && e.period == period
                && !e.suppressed
        })
        .filter_map(|e| {
            let (x, n, v) = (e.numerator?, e.denominator?, e.value?);
            (n > 0.0 && x >= 0.0).then_some((e, x, n, v))
        })
        .collect();
    if rows.len() < 3 {
        return None;
    }
    let proportion = rows[0].0.statistic.contains("proportion");
    let numerators: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let denominators: Vec<f64> = rows.iter().map(|r| r.2).collect();
    // Every row has a denominator above zero, so the average is defined.
    let p = pooled_average(&numerators, &denominators)?;
    // The value scale: value = x/n·m.
    let (_, x0, n0, v0) = rows.iter().find(|r| r.1 > 0.0).copied().unwrap_or(rows[0]);
    let m = if x0 > 0.0 { v0 / (x0 / n0) } else { 1.0 };
    let (lo, hi) = rows.iter().fold((f64::INFINITY, 0.0f64), |(a, b), r| {
        (a.min(r.2), b.max(r.2))
    });
    let (start, end) = (lo * 0.9, hi * 1.1);
    let exact = |d: f64| PheLimit::ALL.map(|l| limits_at(d, p, l, proportion, m));
    let outside_exact = rows
        .iter()
        .filter(|(_, _, n, v)| {
            matches!(phe_crossing(*v, &exact(*n)), Some((PheLimit::Limit998, _)))
        })
        .count();
    // Over-dispersion: log ratio to the pooled rate (SHMI's choice) or arcsine proportions,
    // 10 % truncation, additive τ².
    let kind = if proportion {
        FunnelType::Proportion
    } else {
        FunnelType::RatioLog
    };
    let size = |n: f64| if proportion { n } else { p * n };
    let d: Vec<f64> = denominators.iter().map(|&n| size(n)).collect();
    let adjusted = (outside_exact as f64 / rows.len() as f64 > ADJUST_ABOVE)
        .then(|| estimate_overdispersion(kind, &numerators, &d, Trim::Truncate, 0.1).ok())
        .flatten()
        .filter(|od| od.phi > 1.0);
    let scale = if proportion { m } else { p * m };
    let drawn = |n: f64| match &adjusted {
        Some(od) => PheLimit::ALL.map(|l| {
            let (lo, hi) = funnel_limits(kind, od, size(n), l.level(), LimitKind::Additive);
            (lo * scale, hi * scale)
        }),
        None => exact(n),
    };
    let grid: Vec<FunnelLimits> = (0..=80)
        .map(|k| {
            let d = start + (end - start) * k as f64 / 80.0;
            (d, drawn(d).to_vec())
        })
        .collect();
    let mut outside = 0;
    let mut units = Vec::new();
    let mut table = Vec::new();
    for (e, x, n, v) in &rows {
        let limits = drawn(*n);
        let outlier = matches!(phe_crossing(*v, &limits), Some((PheLimit::Limit998, _)));
        outside += usize::from(outlier);
        let name = if e.area_name.is_empty() {
            e.area_code.clone()
        } else {
            e.area_name.clone()
        };
        units.push(FunnelUnit {
            label: name.clone(),
            size: *n,
            value: *v,
            outlier,
        });
        table.push(FunnelRow {
            name,
            numerator: *x,
            denominator: *n,
            value: *v,
            position: position(*v, &limits),
            exact_position: position(*v, &exact(*n)),
        });
    }
    let n = rows.len();
    let exact_name = if proportion {
        "PHE proportion"
    } else {
        "Poisson"
    };
    let note = match &adjusted {
        Some(od) => format!(
            "Against exact {exact_name} limits {outside_exact} of {n} areas lie outside the 99.8% limits, far more than the 0.2% chance alone would put there: areas differ by more than sampling variation (over-dispersion, φ = {:.1}). The limits drawn are therefore widened by the between-area variance (Spiegelhalter's additive random effects, τ² = {:.4} on the log scale, 10% truncation, as FunnelPlotR and SHMI do): {outside} of {n} areas lie outside them. Read these as the areas to look at first.",
            od.phi, od.tau2
        ),
        None => format!(
            "{outside} of {n} areas lie outside the 99.8% limits (exact {exact_name} limits around the pooled average)."
        ),
    };
    Some(Funnel {
        units,
        limits: grid,
        average: p * m,
        x_label: x_label(proportion),
        rows: table,
        note,
        adjusted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_limits_bracket_the_average_and_narrow_with_size() {
        let (l1, u1) = limits_at(10_000.0, 0.001, PheLimit::Limit998, false, 100_000.0);
        let (l2, u2) = limits_at(1_000_000.0, 0.001, PheLimit::Limit998, false, 100_000.0);
        assert!(l1 < 100.0 && u1 > 100.0);
        assert!(l2 > l1 && u2 < u1);
        // 10 expected events, 99.8 %: χ²(0.001; 20)/2 = 5.921/2 and χ²(0.999; 22)/2 = 48.268/2
        // events (standard tables), per 10,000 → per 100,000.
        assert!((l1 - 29.605).abs() < 0.01, "{l1}");
        assert!((u1 - 241.34).abs() < 0.01, "{u1}");
    }

    #[test]
    fn the_x_axis_is_named_after_the_denominator() {
        assert_eq!(x_label(true), "Denominator (people)");
        assert_eq!(x_label(false), "Population (denominator)");
    }

    #[test]
    fn proportion_limits_stay_in_range() {
        let (l, u) = limits_at(50.0, 0.5, PheLimit::Limit95, true, 100.0);
        assert!(l > 30.0 && l < 50.0 && u > 50.0 && u < 70.0);
        let (l, u) = limits_at(2.0, 0.5, PheLimit::Limit998, true, 1000.0);
        assert!(l == 0.0 && u == 1000.0);
    }

    #[test]
    fn positions_name_the_widest_limit_crossed() {
        let limits = [(40.0, 60.0), (30.0, 70.0)];
        for (v, want) in [
            (50.0, "within the 95% limits"),
            (65.0, "above the 95% limit"),
            (75.0, "above the 99.8% limit"),
            (35.0, "below the 95% limit"),
            (25.0, "below the 99.8% limit"),
        ] {
            assert_eq!(position(v, &limits), want);
        }
    }
}
