//! Comparisons of each group with its dimension's reference group, in one table of estimates
//! (indicator × period × area × dimension), from the counts as published.

use levelfield_stats::{
    ConfidenceLevel, Estimate,
    compare::{self, Comparison},
};

use crate::spec::Statistic;

use super::{ComparisonRow, EstimateRow, gaps::GroupTable};

/// The standard error of an estimate from its interval at the first level.
pub(super) fn se_of(e: &Estimate, levels: &[ConfidenceLevel]) -> Option<f64> {
    let (i, l) = e
        .intervals
        .iter()
        .zip(levels)
        .find_map(|(i, l)| i.map(|i| (i, *l)))?;
    Some((i.upper - i.lower) / (2.0 * l.z()))
}

/// Each recorded group of a table against the reference group, or why there is no
/// comparison; none when the dimension has no reference.
pub(super) fn comparisons(t: &GroupTable<'_>) -> Vec<ComparisonRow> {
    let mut comparisons = Vec::new();
    let Some(r) = t.reference else {
        return comparisons;
    };
    for (g, grp) in t.groups.iter().enumerate() {
        if g == r || !grp.recorded {
            continue;
        }
        let Some(e) = t.by_group.get(&g) else {
            continue;
        };
        let comparison = match t.by_group.get(&r) {
            None => Err("no estimate for the reference group".to_string()),
            Some(_) if e.hidden => {
                Err("not published: the group's count is hidden by disclosure control".into())
            }
            Some(refe) if refe.hidden => Err(
                "not published: the reference group's count is hidden by disclosure control".into(),
            ),
            Some(refe) => compare_rows(t.statistic, e, refe, t.levels, t.multiplier),
        };
        comparisons.push(ComparisonRow {
            indicator: t.indicator,
            period: t.period,
            area: t.area,
            dimension: t.dimension,
            group: g,
            reference: r,
            comparison,
        });
    }
    comparisons
}

/// One group's estimate against the reference's: rates and proportions from their published
/// counts, other statistics from their values and standard errors.
fn compare_rows(
    statistic: Statistic,
    e: &EstimateRow,
    r: &EstimateRow,
    levels: &[ConfidenceLevel],
    multiplier: f64,
) -> Result<Comparison, String> {
    // The published counts: a comparison reveals nothing the counts beside it do not.
    let counts = (
        e.published_numerator,
        e.published_denominator,
        r.published_numerator,
        r.published_denominator,
    );
    let result = match (statistic, counts) {
        (Statistic::Rate, (Some(x1), Some(n1), Some(x2), Some(n2))) if n1 > 0.0 && n2 > 0.0 => {
            compare::compare_rates(x1, n1, x2, n2, levels, multiplier)
        }
        (Statistic::Proportion, (Some(x1), Some(n1), Some(x2), Some(n2)))
            if n1 > 0.0 && n2 > 0.0 =>
        {
            compare::compare_proportions(x1, n1, x2, n2, levels, multiplier)
        }
        (Statistic::Rate | Statistic::Proportion, _) => {
            return Err("no denominator for one of the groups".into());
        }
        _ => {
            let (Some(v1), Some(v2)) = (e.estimate.value, r.estimate.value) else {
                return Err("no value for one of the groups".into());
            };
            let (Some(s1), Some(s2)) = (se_of(&e.estimate, levels), se_of(&r.estimate, levels))
            else {
                return Err("no interval for one of the groups".into());
            };
            compare::compare_estimates((v1, s1), (v2, s2), levels)
        }
    };
    result.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{compute::fixtures, groups::groups, spec::DimensionKind};
    use levelfield_model::age::Scheme;

    #[test]
    fn standard_errors_come_from_the_first_interval() {
        let levels = fixtures::levels();
        let r = fixtures::row(0, 1, 0, 10.0, 1.959_963_984_540_054);
        assert!((se_of(&r.estimate, &levels).unwrap() - 1.0).abs() < 1e-9);
        let mut none = r.clone();
        none.estimate.intervals = vec![None];
        assert_eq!(se_of(&none.estimate, &levels), None);
    }

    #[test]
    fn groups_are_compared_with_the_reference_from_published_counts() {
        let levels = fixtures::levels();
        let gs = groups(Some(DimensionKind::Ethnicity), Scheme::Esp2013);
        let mut rows = vec![
            fixtures::row(0, 1, 0, 10.0, 1.0),
            fixtures::row(0, 1, 3, 30.0, 1.0),
            fixtures::row(0, 1, 6, 5.0, 1.0),
        ];
        rows[1].published_denominator = Some(50.0);
        let t = fixtures::table(
            DimensionKind::Ethnicity,
            Statistic::Proportion,
            &gs,
            &rows,
            Some(0),
            &levels,
        );
        let c = comparisons(&t);
        // Not the reference itself, nor "Not known" (group 6).
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].group, c[0].reference, c[0].dimension), (3, 0, 1));
        let comparison = c[0].comparison.as_ref().unwrap();
        // 30/50 against 10/100, in percent.
        assert!(
            (comparison.difference - 50.0).abs() < 1e-9,
            "{comparison:?}"
        );
        assert!((comparison.ratio.unwrap() - 6.0).abs() < 1e-9);
    }

    #[test]
    fn hidden_or_missing_counts_give_reasons() {
        let levels = fixtures::levels();
        let gs = groups(Some(DimensionKind::Ethnicity), Scheme::Esp2013);
        let mut rows = vec![
            fixtures::row(0, 1, 0, 10.0, 1.0),
            fixtures::row(0, 1, 1, 30.0, 1.0),
            fixtures::row(0, 1, 2, 30.0, 1.0),
        ];
        rows[1].hidden = true;
        rows[2].published_denominator = None;
        let t = fixtures::table(
            DimensionKind::Ethnicity,
            Statistic::Rate,
            &gs,
            &rows,
            Some(0),
            &levels,
        );
        let reasons: Vec<_> = comparisons(&t)
            .into_iter()
            .map(|c| c.comparison.unwrap_err())
            .collect();
        assert_eq!(
            reasons,
            [
                "not published: the group's count is hidden by disclosure control",
                "no denominator for one of the groups"
            ]
        );
        rows[0].hidden = true;
        let t = fixtures::table(
            DimensionKind::Ethnicity,
            Statistic::Rate,
            &gs,
            &rows,
            Some(0),
            &levels,
        );
        assert_eq!(
            comparisons(&t)[1].comparison.as_ref().unwrap_err(),
            "not published: the reference group's count is hidden by disclosure control"
        );
        let t = fixtures::table(
            DimensionKind::Ethnicity,
            Statistic::Rate,
            &gs,
            &rows[1..],
            Some(0),
            &levels,
        );
        assert_eq!(
            comparisons(&t)[0].comparison.as_ref().unwrap_err(),
            "no estimate for the reference group"
        );
        let t = fixtures::table(
            DimensionKind::Ethnicity,
            Statistic::Rate,
            &gs,
            &rows,
            None,
            &levels,
        );
        assert!(comparisons(&t).is_empty());
    }

    #[test]
    fn means_are_compared_by_value_and_standard_error() {
        let levels = fixtures::levels();
        let gs = groups(Some(DimensionKind::Sex), Scheme::Esp2013);
        let z = 1.959_963_984_540_054;
        let mut rows = vec![
            fixtures::row(0, 1, 0, 10.0, 3.0 * z),
            fixtures::row(0, 1, 1, 15.0, 4.0 * z),
        ];
        let t = fixtures::table(
            DimensionKind::Sex,
            Statistic::Mean,
            &gs,
            &rows,
            Some(0),
            &levels,
        );
        let c = comparisons(&t)[0].comparison.clone().unwrap();
        assert!((c.difference - 5.0).abs() < 1e-9);
        // se of the difference: √(3² + 4²) = 5.
        let i = c.difference_intervals[0];
        assert!((i.upper - i.lower - 2.0 * 5.0 * z).abs() < 1e-9, "{i:?}");
        rows[1].estimate.intervals = vec![None];
        let t = fixtures::table(
            DimensionKind::Sex,
            Statistic::Mean,
            &gs,
            &rows,
            Some(0),
            &levels,
        );
        assert_eq!(
            comparisons(&t)[0].comparison.as_ref().unwrap_err(),
            "no interval for one of the groups"
        );
    }
}
