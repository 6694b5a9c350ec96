//! The tables of estimates that comparisons and inequality measures are made in: one per
//! indicator × period × area × dimension (not the overall row), each on its own core and put
//! back in order.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use levelfield_stats::{ConfidenceLevel, inequality::Polarity};

use crate::{
    groups::Group,
    spec::{DimensionKind, Spec, Statistic},
};

use super::{ComparisonRow, EstimateRow, InequalityRow, Profile, compare, inequality};

/// One table of estimates: the groups of one dimension in one indicator, period and area.
pub(super) struct GroupTable<'a> {
    /// Indicator index.
    pub(super) indicator: usize,
    /// Period index.
    pub(super) period: usize,
    /// Area index.
    pub(super) area: u32,
    /// Dimension index (from 1).
    pub(super) dimension: usize,
    /// The dimension's kind.
    pub(super) kind: DimensionKind,
    /// The indicator's statistic.
    pub(super) statistic: Statistic,
    /// Which way is worse, if the indicator says.
    pub(super) polarity: Option<Polarity>,
    /// The estimates' multiplier.
    pub(super) multiplier: f64,
    /// The dimension's groups.
    pub(super) groups: &'a [Group],
    /// The dimension's reference group.
    pub(super) reference: Option<usize>,
    /// The table's estimates by group.
    pub(super) by_group: HashMap<usize, &'a EstimateRow>,
    /// Confidence levels.
    pub(super) levels: &'a [ConfidenceLevel],
}

/// A table's key: indicator, period, area and dimension.
type TableKey = (usize, usize, u32, usize);

/// The rows of each table of a profile's estimates, in key order.
fn tables(profile: &Profile) -> Vec<(TableKey, Vec<usize>)> {
    let mut tables: BTreeMap<TableKey, Vec<usize>> = BTreeMap::new();
    for (k, e) in profile.estimates.iter().enumerate() {
        if e.dimension != 0 {
            tables
                .entry((e.indicator, e.period, e.area, e.dimension))
                .or_default()
                .push(k);
        }
    }
    tables.into_iter().collect()
}

/// Comparisons with the reference group and inequality measures, table by table in order.
pub(super) fn gaps(
    spec: &Spec,
    profile: &Profile,
) -> Vec<(Vec<ComparisonRow>, Vec<InequalityRow>)> {
    tables(profile)
        .into_par_iter()
        .map(|((i, period, area, d), rows)| {
            let ind = &spec.indicators[i];
            let table = GroupTable {
                indicator: i,
                period,
                area,
                dimension: d,
                kind: profile.dimensions[d].expect("dimension"),
                statistic: ind.statistic,
                polarity: ind.polarity.polarity(),
                // The estimates' own multiplier (per year when annualised; its period label
                // was checked when they were made).
                multiplier: ind
                    .multiplier_in(&profile.periods[period])
                    .unwrap_or_else(|_| ind.multiplier()),
                groups: &profile.groups[d],
                reference: profile.references[d],
                by_group: rows
                    .iter()
                    .map(|&k| (profile.estimates[k].group, &profile.estimates[k]))
                    .collect(),
                levels: &profile.levels,
            };
            (compare::comparisons(&table), inequality::inequality(&table))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::{ALL_AREAS, fixtures};

    fn profile(estimates: Vec<EstimateRow>) -> Profile {
        let spec = fixtures::spec("");
        let scheme = spec.lookups.scheme();
        let dimensions = vec![
            None,
            Some(DimensionKind::Ethnicity),
            Some(DimensionKind::Sex),
        ];
        Profile {
            periods: vec!["2024".into()],
            areas: vec!["E1".into()],
            groups: dimensions
                .iter()
                .map(|d| crate::groups::groups(*d, scheme))
                .collect(),
            dimensions,
            references: vec![None, Some(0), None],
            estimates,
            levels: fixtures::levels(),
            ..Profile::default()
        }
    }

    #[test]
    fn tables_leave_out_the_overall_row_and_come_in_key_order() {
        let p = profile(vec![
            fixtures::row(ALL_AREAS, 1, 0, 1.0, 0.1),
            fixtures::row(0, 0, 0, 1.0, 0.1),
            fixtures::row(0, 2, 1, 1.0, 0.1),
            fixtures::row(0, 1, 0, 1.0, 0.1),
            fixtures::row(0, 1, 3, 1.0, 0.1),
        ]);
        let t = tables(&p);
        let keys: Vec<_> = t.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, [(0, 0, 0, 1), (0, 0, 0, 2), (0, 0, ALL_AREAS, 1)]);
        assert_eq!(t[0].1, [3, 4]);
        assert_eq!(t[2].1, [0]);
    }

    #[test]
    fn each_table_gets_its_comparisons_and_measures_in_order() {
        let spec = fixtures::spec("");
        let p = profile(vec![
            fixtures::row(0, 1, 0, 10.0, 1.0),
            fixtures::row(0, 1, 3, 30.0, 1.0),
            fixtures::row(0, 2, 0, 10.0, 1.0),
            fixtures::row(0, 2, 1, 12.0, 1.0),
        ]);
        let out = gaps(&spec, &p);
        assert_eq!(out.len(), 2);
        // Ethnicity has a reference (White); sex has none.
        assert_eq!(out[0].0.len(), 1);
        assert_eq!(out[0].0[0].group, 3);
        assert!(out[1].0.is_empty());
        assert!(
            out.iter()
                .all(|(_, m)| m.iter().any(|r| r.measure == "D" && r.value.is_some()))
        );
        assert!(out[1].1.iter().all(|r| r.dimension == 2));
    }
}
