//! Benchmarks: each area's estimate against the all-areas value of the same indicator,
//! period, dimension and group (95 % interval overlap).

use std::collections::HashMap;

use levelfield_stats::{ConfidenceLevel, compare};

use crate::spec::Spec;

use super::{ALL_AREAS, EstimateRow};

/// Benchmarks each area against the all-areas value of the same group (95 % interval
/// overlap), from the values as they stand: disclosure control calls it again once values are
/// computed from the published counts.
pub(crate) fn benchmarks(spec: &Spec, estimates: &mut [EstimateRow], levels: &[ConfidenceLevel]) {
    let first95 = levels
        .iter()
        .position(|l| (l.fraction() - 0.95).abs() < 1e-12)
        .unwrap_or(0);
    let lookup: HashMap<(usize, usize, usize, usize, u32), usize> = estimates
        .iter()
        .enumerate()
        .map(|(k, e)| ((e.indicator, e.period, e.dimension, e.group, e.area), k))
        .collect();
    for k in 0..estimates.len() {
        let e = &estimates[k];
        if e.area == ALL_AREAS {
            continue;
        }
        let Some(&c) = lookup.get(&(e.indicator, e.period, e.dimension, e.group, ALL_AREAS)) else {
            continue;
        };
        let comparator = &estimates[c].estimate;
        let b = compare::benchmark(
            e.estimate.value,
            e.estimate.intervals.get(first95).copied().flatten(),
            comparator.value,
            None,
            spec.indicators[e.indicator].polarity.polarity(),
        );
        estimates[k].benchmark = Some(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::fixtures;
    use levelfield_stats::compare::Benchmark;

    #[test]
    fn areas_are_benchmarked_against_the_total_of_their_group() {
        // Detentions: low is good.
        let spec = fixtures::spec("");
        let mut rows = vec![
            fixtures::row(ALL_AREAS, 1, 0, 50.0, 5.0),
            fixtures::row(0, 1, 0, 52.0, 5.0),
            fixtures::row(1, 1, 0, 70.0, 5.0),
            fixtures::row(2, 1, 0, 30.0, 5.0),
            fixtures::row(ALL_AREAS, 1, 3, 10.0, 1.0),
            fixtures::row(0, 1, 3, 10.5, 1.0),
        ];
        benchmarks(&spec, &mut rows, &fixtures::levels());
        let b: Vec<_> = rows.iter().map(|r| r.benchmark).collect();
        assert_eq!(
            b,
            [
                None,
                Some(Benchmark::Similar),
                Some(Benchmark::Worse),
                Some(Benchmark::Better),
                None,
                Some(Benchmark::Similar)
            ]
        );
    }

    #[test]
    fn an_area_without_a_total_or_an_interval_is_not_compared() {
        let spec = fixtures::spec("");
        let mut rows = vec![
            fixtures::row(0, 1, 0, 52.0, 5.0),
            fixtures::row(ALL_AREAS, 1, 3, 10.0, 1.0),
            fixtures::row(0, 1, 3, 10.5, 1.0),
        ];
        rows[2].estimate.intervals = vec![None];
        benchmarks(&spec, &mut rows, &fixtures::levels());
        assert_eq!(rows[0].benchmark, None);
        assert_eq!(rows[2].benchmark, Some(Benchmark::NotCompared));
    }

    #[test]
    fn the_95_percent_interval_is_used_and_polarity_decides_the_words() {
        // Restrained has no polarity: higher and lower, not better and worse.
        let spec = fixtures::spec("");
        let levels = vec![
            ConfidenceLevel::new(99.8).unwrap(),
            ConfidenceLevel::new(95.0).unwrap(),
        ];
        let mut total = fixtures::row(ALL_AREAS, 0, 0, 50.0, 1.0);
        let mut area = fixtures::row(0, 0, 0, 55.0, 1.0);
        for r in [&mut total, &mut area] {
            r.indicator = 1;
        }
        // Wide at 99.8 %, narrow at 95 %.
        area.estimate.intervals.insert(
            0,
            area.estimate.intervals[0].map(|i| levelfield_stats::Interval {
                lower: i.lower - 10.0,
                upper: i.upper,
            }),
        );
        let mut rows = vec![total, area];
        benchmarks(&spec, &mut rows, &levels);
        assert_eq!(rows[1].benchmark, Some(Benchmark::Higher));
    }
}
