//! Inequality summary measures over the recorded, published groups of one table of estimates
//! (indicator × period × area × dimension): HEAT's measures, or why they were withheld.

use levelfield_stats::{
    inequality::{DimensionType, Group as IneqGroup, Measure as IneqMeasure, Polarity},
    measure::{MeasureCode, summaries},
};

use crate::spec::DimensionKind;

use super::{EstimateRow, InequalityRow, compare::se_of, gaps::GroupTable};

/// The measures of a table; groups hidden by disclosure control are left out, and said to be.
pub(super) fn inequality(t: &GroupTable<'_>) -> Vec<InequalityRow> {
    let mut inequality = Vec::new();
    let groups = t.groups;
    let used: Vec<(usize, &EstimateRow)> = (0..groups.len())
        .filter(|g| groups[*g].recorded)
        .filter_map(|g| t.by_group.get(&g).map(|e| (g, *e)))
        .filter(|(_, e)| !e.hidden && e.estimate.value.is_some())
        .collect();
    let hidden = (0..groups.len())
        .filter(|g| groups[*g].recorded)
        .filter(|g| t.by_group.get(g).is_some_and(|e| e.hidden))
        .count();
    let ineq: Vec<IneqGroup> = used
        .iter()
        .filter_map(|(_, e)| {
            Some(IneqGroup {
                value: e.estimate.value?,
                se: se_of(&e.estimate, t.levels).unwrap_or(0.0),
                population: e.published_denominator.unwrap_or(0.0),
            })
        })
        .collect();
    let names: Vec<&str> = used
        .iter()
        .map(|(g, _)| groups[*g].label.as_str())
        .collect();
    let dimension = match t.kind {
        DimensionKind::ImdDecile | DimensionKind::ImdQuintile => DimensionType::Ordered,
        _ => DimensionType::Unordered,
    };
    let polarity = Polarity::for_measures(t.polarity);
    let mut push = |measure: &'static str,
                    value: Option<IneqMeasure>,
                    method: &'static str,
                    detail: String| {
        let detail = if hidden > 0 && value.is_some() {
            format!(
                "{detail}{}{hidden} group(s) left out: counts hidden by disclosure control",
                if detail.is_empty() { "" } else { "; " }
            )
        } else {
            detail
        };
        inequality.push(InequalityRow {
            indicator: t.indicator,
            period: t.period,
            area: t.area,
            dimension: t.dimension,
            measure,
            value,
            method,
            detail,
            n_groups: ineq.len(),
        });
    };
    // An ordered dimension's measures compare its ends (most against least deprived) and
    // rank the groups between: with an end unpublished they would silently compare other
    // groups (quintile 3 instead of 5), so they mean something else from area to area.
    let ends_missing = dimension == DimensionType::Ordered && {
        let recorded: Vec<usize> = (0..groups.len()).filter(|g| groups[*g].recorded).collect();
        let published = |g: Option<&usize>| g.is_some_and(|g| used.iter().any(|(u, _)| u == g));
        !published(recorded.first()) || !published(recorded.last())
    };
    if ends_missing {
        push(
            MeasureCode::D.code(),
            None,
            "",
            "withheld: the most or the least deprived group has no published value here, so the measures would compare other groups".into(),
        );
    } else if ineq.len() < 2 || ineq.iter().any(|g| g.population <= 0.0) {
        push(
            MeasureCode::D.code(),
            None,
            "",
            "needs at least two groups with values and denominators".into(),
        );
    } else {
        for m in summaries(&ineq, &names, dimension, polarity) {
            push(m.measure.code(), m.value, m.method, m.detail);
        }
    }
    inequality
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{compute::fixtures, groups::groups, spec::Statistic};
    use levelfield_model::age::Scheme;

    fn measure<'a>(rows: &'a [InequalityRow], code: &str) -> &'a InequalityRow {
        rows.iter().find(|r| r.measure == code).unwrap()
    }

    #[test]
    fn measures_compare_the_recorded_published_groups() {
        let levels = fixtures::levels();
        let gs = groups(Some(DimensionKind::Ethnicity), Scheme::Esp2013);
        let rows = vec![
            fixtures::row(0, 1, 0, 10.0, 1.0),
            fixtures::row(0, 1, 2, 20.0, 1.0),
            fixtures::row(0, 1, 3, 30.0, 1.0),
            // Not known: left out.
            fixtures::row(0, 1, 6, 90.0, 1.0),
        ];
        let t = fixtures::table(
            DimensionKind::Ethnicity,
            Statistic::Rate,
            &gs,
            &rows,
            Some(0),
            &levels,
        );
        let out = inequality(&t);
        assert!(out.len() > 2);
        assert!(
            out.iter()
                .all(|r| r.n_groups == 3 && r.dimension == 1 && r.area == 0)
        );
        // Adverse: the highest against the lowest.
        assert!((measure(&out, "D").value.unwrap().value - 20.0).abs() < 1e-9);
        assert!((measure(&out, "R").value.unwrap().value - 3.0).abs() < 1e-9);
        assert!(out.iter().all(|r| !r.detail.contains("left out")));
    }

    #[test]
    fn hidden_groups_are_left_out_and_said_to_be() {
        let levels = fixtures::levels();
        let gs = groups(Some(DimensionKind::Ethnicity), Scheme::Esp2013);
        let mut rows = vec![
            fixtures::row(0, 1, 0, 10.0, 1.0),
            fixtures::row(0, 1, 2, 20.0, 1.0),
            fixtures::row(0, 1, 3, 30.0, 1.0),
        ];
        rows[2].hidden = true;
        let t = fixtures::table(
            DimensionKind::Ethnicity,
            Statistic::Rate,
            &gs,
            &rows,
            Some(0),
            &levels,
        );
        let out = inequality(&t);
        let d = measure(&out, "D");
        assert_eq!(d.n_groups, 2);
        assert!((d.value.unwrap().value - 10.0).abs() < 1e-9);
        assert!(
            d.detail
                .ends_with("1 group(s) left out: counts hidden by disclosure control"),
            "{}",
            d.detail
        );
    }

    #[test]
    fn too_few_groups_or_no_denominators_give_one_row_why() {
        let levels = fixtures::levels();
        let gs = groups(Some(DimensionKind::Sex), Scheme::Esp2013);
        let mut rows = vec![fixtures::row(0, 1, 0, 10.0, 1.0)];
        let t = fixtures::table(
            DimensionKind::Sex,
            Statistic::Rate,
            &gs,
            &rows,
            None,
            &levels,
        );
        let out = inequality(&t);
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].measure, out[0].value, out[0].n_groups),
            ("D", None, 1)
        );
        assert_eq!(
            out[0].detail,
            "needs at least two groups with values and denominators"
        );
        rows.push(fixtures::row(0, 1, 1, 20.0, 1.0));
        rows[1].published_denominator = Some(0.0);
        let t = fixtures::table(
            DimensionKind::Sex,
            Statistic::Rate,
            &gs,
            &rows,
            None,
            &levels,
        );
        assert_eq!(
            inequality(&t)[0].detail,
            "needs at least two groups with values and denominators"
        );
    }

    #[test]
    fn an_ordered_dimension_without_its_ends_is_withheld() {
        let levels = fixtures::levels();
        let gs = groups(Some(DimensionKind::ImdQuintile), Scheme::Esp2013);
        let mut rows: Vec<_> = (0..5)
            .map(|g| fixtures::row(0, 1, g, 10.0 + g as f64, 1.0))
            .collect();
        let t = fixtures::table(
            DimensionKind::ImdQuintile,
            Statistic::Rate,
            &gs,
            &rows,
            Some(4),
            &levels,
        );
        assert!(
            inequality(&t)
                .iter()
                .any(|r| r.measure == "SII" && r.value.is_some())
        );
        rows[4].hidden = true;
        let t = fixtures::table(
            DimensionKind::ImdQuintile,
            Statistic::Rate,
            &gs,
            &rows,
            Some(4),
            &levels,
        );
        let out = inequality(&t);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].value, None);
        assert!(
            out[0]
                .detail
                .starts_with("withheld: the most or the least deprived group")
        );
        assert_eq!(out[0].n_groups, 4);
    }
}
