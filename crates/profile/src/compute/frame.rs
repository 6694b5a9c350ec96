//! The frame of a profile: its periods and areas (sorted dictionaries of the strata's keys),
//! where each stratum's period and area code land among them, and the dimensions with their
//! groups.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::{
    ProfileError,
    groups::{Group, groups},
    spec::{DimensionKind, Spec},
    strata::{Population, Role, Strata},
};

use super::Diagnostic;

/// Periods, areas and dimensions of a profile.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Frame {
    /// Period labels, sorted.
    pub(super) periods: Vec<String>,
    /// Area codes, sorted (from the strata and, when the strata have areas, the populations).
    pub(super) areas: Vec<String>,
    /// Whether the strata have an area key (without one, every row is the all-areas total).
    pub(super) has_areas: bool,
    /// The period of each value of the strata's period dictionary.
    pub(super) period_of: Vec<Option<usize>>,
    /// The area of each value of the strata's area dictionary.
    pub(super) area_of: Option<Vec<Option<u32>>>,
    /// Dimension kinds (index 0 `None`, the overall row).
    pub(super) dims: Vec<Option<DimensionKind>>,
    /// Groups of each dimension.
    pub(super) groups: Vec<Vec<Group>>,
}

impl Frame {
    /// Each period label's index.
    pub(super) fn period_index(&self) -> FxHashMap<&str, usize> {
        self.periods
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_str(), i))
            .collect()
    }

    /// Each area code's index.
    pub(super) fn area_index(&self) -> FxHashMap<&str, u32> {
        self.areas
            .iter()
            .enumerate()
            .map(|(i, a)| (a.as_str(), i as u32))
            .collect()
    }

    /// The number of groups of each dimension.
    pub(super) fn sizes(&self) -> Vec<usize> {
        self.groups.iter().map(Vec::len).collect()
    }
}

/// Interns text keys into sorted indices.
fn sorted_dictionary(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = values.collect();
    v.sort();
    v.dedup();
    v
}

/// The frame of strata (and populations): periods from the events; areas from events and
/// populations. `source` names the events' file in messages.
///
/// # Errors
/// [`ProfileError::Data`] when the strata have no period key.
pub(super) fn frame(
    spec: &Spec,
    strata: &Strata,
    population: Option<&Population>,
    source: &str,
) -> Result<(Frame, Vec<Diagnostic>), ProfileError> {
    let mut diagnostics = Vec::new();
    let period_key = strata
        .key(Role::Period)
        .ok_or_else(|| ProfileError::Data("no period".into()))?;
    if period_key.dictionary.iter().any(Option::is_none) {
        diagnostics.push(Diagnostic {
            error: true,
            message: format!(
                "{source}: some rows have no period in column `{}`; give every row a period",
                spec.numerator_source()
                    .map_or("", |(s, _)| &s.columns.period)
            ),
        });
    }
    let periods = sorted_dictionary(period_key.dictionary.iter().flatten().cloned());
    let area_key = strata.key(Role::Area);
    let mut area_values: FxHashSet<&str> = area_key
        .map(|k| k.dictionary.iter().flatten().map(String::as_str).collect())
        .unwrap_or_default();
    if area_key.is_some()
        && let Some(p) = population
    {
        area_values.extend(p.rows.iter().map(|r| r.area.as_str()));
    }
    let areas = sorted_dictionary(area_values.into_iter().map(str::to_string));
    let dims: Vec<Option<DimensionKind>> = std::iter::once(None)
        .chain(spec.dimensions.iter().map(|d| Some(d.kind)))
        .collect();
    let scheme = spec.lookups.scheme();
    let groups = dims.iter().map(|d| groups(*d, scheme)).collect();
    let mut frame = Frame {
        periods,
        areas,
        has_areas: area_key.is_some(),
        period_of: Vec::new(),
        area_of: None,
        dims,
        groups,
    };
    // Periods and areas decoded once per dictionary value.
    let period_index = frame.period_index();
    let period_of = period_key
        .dictionary
        .iter()
        .map(|p| p.as_deref().map(|p| period_index[p]))
        .collect();
    let area_index = frame.area_index();
    let area_of = area_key.map(|k| {
        k.dictionary
            .iter()
            .map(|a| a.as_deref().map(|a| area_index[a]))
            .collect()
    });
    frame.period_of = period_of;
    frame.area_of = area_of;
    Ok((frame, diagnostics))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::strata::PopulationRow;

    fn spec() -> Spec {
        Spec::parse(
            r#"
name = "frame"
[counts]
path = "counts.csv"
[[indicator]]
id = "n"
name = "N"
statistic = "proportion"
numerator = "n"
denominator = "d"
[[dimension]]
kind = "sex"
[[dimension]]
kind = "imd-quintile"
"#,
            "test",
            Path::new("."),
        )
        .unwrap()
    }

    fn strata(rows: &[(Option<&str>, Option<&str>)]) -> Strata {
        let rows: Vec<(Vec<Option<&str>>, Vec<f64>)> = rows
            .iter()
            .map(|(p, a)| (vec![*p, *a], vec![1.0]))
            .collect();
        Strata::from_rows(&[Role::Period, Role::Area], &rows)
    }

    #[test]
    fn periods_and_areas_are_sorted_and_each_code_finds_its_place() {
        let s = strata(&[
            (Some("2024"), Some("E2")),
            (Some("2023"), Some("E9")),
            (Some("2024"), Some("E1")),
        ]);
        let (f, diagnostics) = frame(&spec(), &s, None, "c.csv").unwrap();
        assert!(diagnostics.is_empty());
        assert_eq!(f.periods, ["2023", "2024"]);
        assert_eq!(f.areas, ["E1", "E2", "E9"]);
        // Dictionaries are in order of appearance: 2024, 2023 and E2, E9, E1.
        assert_eq!(f.period_of, [Some(1), Some(0)]);
        assert_eq!(f.area_of, Some(vec![Some(1), Some(2), Some(0)]));
        assert!(f.has_areas);
        assert_eq!(f.period_index()["2024"], 1);
        assert_eq!(f.area_index()["E9"], 2);
    }

    #[test]
    fn dimensions_start_with_the_overall_row() {
        let (f, _) = frame(&spec(), &strata(&[(Some("2024"), Some("E1"))]), None, "c").unwrap();
        assert_eq!(
            f.dims,
            [
                None,
                Some(DimensionKind::Sex),
                Some(DimensionKind::ImdQuintile)
            ]
        );
        assert_eq!(f.sizes(), [1, 7, 6]);
        assert_eq!(f.groups[0][0].label, "All");
    }

    #[test]
    fn a_missing_period_is_an_error_naming_the_file_and_column() {
        let s = strata(&[(None, Some("E1")), (Some("2024"), Some("E1"))]);
        let (f, diagnostics) = frame(&spec(), &s, None, "c.csv").unwrap();
        assert_eq!(f.periods, ["2024"]);
        assert_eq!(f.period_of, [None, Some(0)]);
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].error);
        assert!(
            diagnostics[0]
                .message
                .starts_with("c.csv: some rows have no period in column `period`"),
            "{}",
            diagnostics[0].message
        );
        let none = Strata::from_rows(&[Role::Area], &[(vec![Some("E1")], vec![1.0])]);
        assert!(frame(&spec(), &none, None, "c").is_err());
    }

    #[test]
    fn population_areas_join_only_when_the_strata_have_areas() {
        let population = Population {
            file: "p.csv".into(),
            rows: vec![PopulationRow {
                period: "2024".into(),
                area: "E0".into(),
                population: 5.0,
                ..PopulationRow::default()
            }],
            roles: vec![Role::Period, Role::Area],
        };
        let s = strata(&[(Some("2024"), Some("E1"))]);
        let (f, _) = frame(&spec(), &s, Some(&population), "c").unwrap();
        assert_eq!(f.areas, ["E0", "E1"]);
        let no_areas = Strata::from_rows(&[Role::Period], &[(vec![Some("2024")], vec![1.0])]);
        let (f, _) = frame(&spec(), &no_areas, Some(&population), "c").unwrap();
        assert!(f.areas.is_empty() && !f.has_areas && f.area_of.is_none());
    }
}
