//! Trends: one SPC chart per series (indicator × area × dimension × group) over the periods,
//! from the values as published.

use std::collections::BTreeMap;

use rayon::prelude::*;

use levelfield_stats::{
    inequality::Polarity,
    spc::{self, Improvement, SpcConfig},
};

use crate::spec::Spec;

use super::{Profile, TrendRow};

/// The SPC points of every series with enough published values, the series on every core and
/// in order; none when the profile has fewer periods than `[trends] min_periods`.
pub(super) fn trends(spec: &Spec, profile: &Profile) -> Vec<TrendRow> {
    let n_periods = profile.periods.len();
    if n_periods < spec.trends.min_periods {
        return Vec::new();
    }
    let mut series: BTreeMap<(usize, u32, usize, usize), Vec<Option<usize>>> = BTreeMap::new();
    for (k, e) in profile.estimates.iter().enumerate() {
        series
            .entry((e.indicator, e.area, e.dimension, e.group))
            .or_insert_with(|| vec![None; n_periods])[e.period] = Some(k);
    }
    let series: Vec<_> = series.into_iter().collect();
    series
        .into_par_iter()
        .flat_map_iter(|((i, area, d, g), ks)| {
            let values: Vec<Option<f64>> = ks
                .iter()
                .map(|k| {
                    k.and_then(|k| {
                        let e = &profile.estimates[k];
                        if e.hidden { None } else { e.estimate.value }
                    })
                })
                .collect();
            if values.iter().flatten().count() < spec.trends.min_periods {
                return Vec::new();
            }
            let config = SpcConfig {
                improvement: match spec.indicators[i].polarity.polarity() {
                    Some(Polarity::Adverse) => Improvement::Decrease,
                    Some(Polarity::Favourable) => Improvement::Increase,
                    None => Improvement::Neutral,
                },
                run_length: spec.trends.run_length,
                ..SpcConfig::default()
            };
            let chart = spc::spc(&values, None, &config);
            let variation = chart.variation.label();
            chart
                .points
                .into_iter()
                .enumerate()
                .map(|(period, point)| TrendRow {
                    indicator: i,
                    area,
                    dimension: d,
                    group: g,
                    period,
                    point,
                    variation,
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::{ALL_AREAS, fixtures};

    fn profile(n_periods: usize, values: &[(u32, usize, Option<f64>)]) -> Profile {
        Profile {
            periods: (0..n_periods).map(|p| format!("20{p:02}")).collect(),
            estimates: values
                .iter()
                .map(|&(area, period, v)| {
                    let mut r = fixtures::row(area, 0, 0, v.unwrap_or(0.0), 1.0);
                    r.period = period;
                    r.hidden = v.is_none();
                    r
                })
                .collect(),
            ..Profile::default()
        }
    }

    #[test]
    fn too_few_periods_give_no_trends() {
        let spec = fixtures::spec("[trends]\nmin_periods = 3");
        let p = profile(2, &[(0, 0, Some(1.0)), (0, 1, Some(2.0))]);
        assert!(trends(&spec, &p).is_empty());
    }

    #[test]
    fn each_series_with_enough_published_values_gets_a_chart() {
        let spec = fixtures::spec("[trends]\nmin_periods = 3");
        let p = profile(
            3,
            &[
                (0, 0, Some(1.0)),
                (0, 1, Some(2.0)),
                (0, 2, Some(3.0)),
                // Hidden in one period: two values left, too few.
                (ALL_AREAS, 0, Some(1.0)),
                (ALL_AREAS, 1, None),
                (ALL_AREAS, 2, Some(3.0)),
            ],
        );
        let t = trends(&spec, &p);
        assert_eq!(t.len(), 3);
        assert!(t.iter().all(|r| r.area == 0 && r.indicator == 0));
        assert_eq!(t.iter().map(|r| r.period).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(t[1].point.value, Some(2.0));
    }

    #[test]
    fn missing_periods_are_gaps_in_the_series() {
        let spec = fixtures::spec("[trends]\nmin_periods = 2");
        let p = profile(3, &[(0, 0, Some(5.0)), (0, 2, Some(7.0))]);
        let t = trends(&spec, &p);
        assert_eq!(t.len(), 3);
        assert_eq!(t[1].point.value, None);
        assert_eq!(t[2].point.value, Some(7.0));
        let variation = t[0].variation;
        assert!(t.iter().all(|r| r.variation == variation));
    }
}
