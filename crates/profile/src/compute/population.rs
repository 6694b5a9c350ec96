//! The populations into cells: each population row's keys decoded and checked (a known
//! period, a number, known codes, one row per stratum), then summed into the same cells as
//! the events, and which dimensions the population breaks down by.

use std::collections::BTreeMap;

use levelfield_model::ethnicity::{BroadGroup, CATEGORIES};
use rustc_hash::FxHashMap;

use crate::{
    ProfileError,
    groups::{
        AGE_NOT_KNOWN, BROAD, Codes, ETH_NOT_KNOWN, IMD_NOT_KNOWN, SEX_NOT_KNOWN, broad_of,
        ethnic_index,
    },
    spec::{DimensionKind, Spec},
    strata::{Population, Role},
};

use super::{
    ALL_AREAS, Diagnostic,
    decode::Decoder,
    events::standardised,
    frame::Frame,
    grid::{Grid, Placed, StdGrid, pack, sex_slot, spread},
};

/// `FILE: row N` in a message, written only when a message is.
struct RowAt<'a>(&'a str, usize);

impl std::fmt::Display for RowAt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: row {}", self.0, self.1)
    }
}

/// How a population file's ethnicity reads: NHS category codes, or broad-group labels only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PopEthnicity {
    /// No ethnicity column.
    Absent,
    /// Every row has an NHS ethnic category code.
    Codes,
    /// Broad-group labels.
    Broad,
}

/// The populations summed into cells.
pub(super) struct PopulationCells {
    /// Population by cell.
    pub(super) cells: Grid,
    /// Population by cell × age band × sex, for standardisation.
    pub(super) std: StdGrid,
    /// How the file's ethnicity reads.
    pub(super) ethnicity: PopEthnicity,
    /// The groups the population file has at all, by dimension: events in a group it never
    /// has (non-binary, when populations are by male and female) get a note, not an error.
    pub(super) groups: Vec<Vec<bool>>,
    /// The key roles the file has.
    pub(super) roles: Vec<Role>,
}

impl PopulationCells {
    /// Whether the population breaks down by a dimension.
    pub(super) fn by(&self, kind: Option<DimensionKind>) -> bool {
        match kind {
            None => true,
            Some(DimensionKind::Ethnicity) => self.ethnicity != PopEthnicity::Absent,
            Some(DimensionKind::EthnicityDetailed) => self.ethnicity == PopEthnicity::Codes,
            Some(DimensionKind::ImdDecile | DimensionKind::ImdQuintile) => {
                self.roles.contains(&Role::Imd)
            }
            Some(DimensionKind::Age) => self.roles.contains(&Role::AgeBand),
            Some(DimensionKind::Sex) => self.roles.contains(&Role::Sex),
        }
    }

    /// Whether the population breaks down by sex (standardisation then keeps sexes apart).
    pub(super) fn by_sex(&self) -> bool {
        self.roles.contains(&Role::Sex)
    }
}

/// Reads the populations into the frame's cells.
///
/// # Errors
/// [`ProfileError::Data`] when the cells would not fit in memory.
pub(super) fn populations(
    spec: &Spec,
    population: Option<&Population>,
    frame: &Frame,
    decoder: Decoder,
) -> Result<(PopulationCells, Vec<Diagnostic>), ProfileError> {
    let mut diagnostics = Vec::new();
    let standardised = standardised(spec);
    let n_bands = spec.lookups.scheme().bands().len();
    let dim_sizes = frame.sizes();
    let mut pop_cells = Grid::new(1, &dim_sizes, frame.periods.len(), frame.areas.len())?;
    let mut pop_std = StdGrid::new(1, &pop_cells, if standardised { n_bands } else { 0 })?;
    let mut pop_ethnicity = PopEthnicity::Absent;
    let mut pop_groups: Vec<Vec<bool>> = dim_sizes.iter().map(|&n| vec![false; n]).collect();
    let pop_roles: Vec<Role> = population.map(|p| p.roles.clone()).unwrap_or_default();
    let pop_has_role = |r: Role| pop_roles.contains(&r);
    // Broad groups decoded once per category.
    let broad_by_category: Vec<u8> = (0..CATEGORIES.len())
        .map(|c| broad_of(c as u8, spec.lookups.placements()))
        .collect();
    let period_index = frame.period_index();
    let area_index = frame.area_index();
    if let Some(pop) = population {
        if pop_has_role(Role::Ethnicity) {
            pop_ethnicity = if pop.rows.iter().all(|r| {
                r.ethnicity
                    .as_deref()
                    .is_some_and(|e| ethnic_index(e).is_some())
            }) {
                PopEthnicity::Codes
            } else {
                PopEthnicity::Broad
            };
        }
        let mut seen: FxHashMap<(usize, u32, Codes), usize> = FxHashMap::default();
        let mut cache: [FxHashMap<String, (u8, bool)>; 4] = Default::default();
        let mut ethnic_cache: FxHashMap<String, Result<(u8, u8), String>> = FxHashMap::default();
        let mut placed = Vec::with_capacity(pop.rows.len());
        let mut missing_periods: BTreeMap<String, usize> = BTreeMap::new();
        for (row, r) in pop.rows.iter().enumerate() {
            let at = RowAt(&pop.file, r.row + 1);
            let Some(&period) = period_index.get(r.period.as_str()) else {
                *missing_periods.entry(r.period.clone()).or_default() += 1;
                continue;
            };
            let area = if frame.has_areas && pop_has_role(Role::Area) {
                area_index[r.area.as_str()]
            } else {
                ALL_AREAS
            };
            if !(r.population.is_finite() && r.population >= 0.0) {
                diagnostics.push(Diagnostic {
                    error: true,
                    message: format!(
                        "{at}, column `population`: {} is not a population; give a number zero or more",
                        r.population
                    ),
                });
                continue;
            }
            let label = r.ethnicity.as_deref().unwrap_or("");
            let decoded = match ethnic_cache.get(label) {
                Some(decoded) => decoded,
                None => {
                    let decoded = match pop_ethnicity {
                        PopEthnicity::Absent => Ok((ETH_NOT_KNOWN, 6)),
                        PopEthnicity::Codes => {
                            let e = ethnic_index(label).unwrap_or(ETH_NOT_KNOWN);
                            Ok((e, broad_by_category[e as usize]))
                        }
                        PopEthnicity::Broad => BroadGroup::parse_label(label)
                            .map(|g| {
                                (
                                    ETH_NOT_KNOWN,
                                    BROAD.iter().position(|b| *b == g).unwrap_or(6) as u8,
                                )
                            })
                            .map_err(|e| e.to_string()),
                    };
                    ethnic_cache.entry(label.to_string()).or_insert(decoded)
                }
            };
            let (ethnicity, broad) = match decoded {
                Ok(codes) => *codes,
                Err(e) => {
                    diagnostics.push(Diagnostic {
                        error: true,
                        message: format!("{at}, column `ethnicity`: {e}"),
                    });
                    continue;
                }
            };
            let mut decoded = [AGE_NOT_KNOWN, SEX_NOT_KNOWN, IMD_NOT_KNOWN];
            let mut failed = false;
            for (k, (field, text, column)) in [
                (1, &r.age_band, "age band"),
                (2, &r.sex, "sex"),
                (3, &r.imd, "imd"),
            ]
            .into_iter()
            .enumerate()
            {
                let Some(text) = text else { continue };
                let (code, unknown) = match cache[field].get(text.as_str()) {
                    Some(decoded) => *decoded,
                    None => {
                        let decoded = decoder.decode(field, Some(text));
                        cache[field].insert(text.clone(), decoded);
                        decoded
                    }
                };
                if unknown {
                    diagnostics.push(Diagnostic {
                        error: true,
                        message: format!(
                            "{at}, column `{column}`: `{text}` is not a known {column} code; use the profile's age bands, 1/2 or Male/Female, and IMD deciles 1–10"
                        ),
                    });
                    failed = true;
                }
                decoded[k] = code;
            }
            if failed {
                continue;
            }
            let [age, sex, imd] = decoded;
            let codes = Codes {
                ethnicity,
                broad,
                age,
                sex,
                imd,
            };
            if let Some(first) = seen.insert((period, area, codes), r.row) {
                diagnostics.push(Diagnostic {
                    error: true,
                    message: format!(
                        "{at}: duplicates row {} (same period, area, ethnicity, age band, sex and IMD); keep one row per stratum",
                        first + 1
                    ),
                });
                continue;
            }
            placed.push(Placed {
                row,
                period,
                area,
                codes,
            });
        }
        let by_sex = pop_has_role(Role::Sex);
        let std_value = |row: usize, _: usize| pop.rows[row].population;
        pop_groups = spread(
            &mut pop_cells,
            &mut pop_std,
            &frame.dims,
            n_bands,
            &placed,
            |row, _| pop.rows[row].population,
            standardised.then_some(&std_value as &(dyn Fn(usize, usize) -> f64 + Sync)),
            |codes| if by_sex { sex_slot(codes.sex) } else { 0 },
        );
        for (p, n) in missing_periods {
            diagnostics.push(Diagnostic {
                error: false,
                message: format!(
                    "{}: {n} row(s) for period `{p}`, which has no events; not used",
                    pop.file
                ),
            });
        }
        let uses_population = spec.indicators.iter().any(|i| i.uses_population());
        if uses_population {
            for (i, p) in frame.periods.iter().enumerate() {
                if pop_cells.get(pack(i, ALL_AREAS, 0, 0)).is_none() {
                    diagnostics.push(Diagnostic {
                        error: true,
                        message: format!(
                            "{}: no population for period `{p}`, which has events; add its rows or remove the period's events",
                            pop.file
                        ),
                    });
                }
            }
        }
    }
    if standardised && population.is_some() && !pop_roles.contains(&Role::AgeBand) {
        diagnostics.push(Diagnostic {
            error: true,
            message: format!(
                "{}: standardised indicators need an age band column in the population file",
                population.map(|p| p.file.as_str()).unwrap_or("")
            ),
        });
    }
    Ok((
        PopulationCells {
            cells: pop_cells,
            std: pop_std,
            ethnicity: pop_ethnicity,
            groups: pop_groups,
            roles: pop_roles,
        },
        diagnostics,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::{fixtures, frame::frame};

    fn read(
        spec: &Spec,
        population: Option<&Population>,
    ) -> (Frame, PopulationCells, Vec<Diagnostic>) {
        let strata = fixtures::strata(
            spec,
            &[
                ("2024", "E1", "A", "20-24", "1", [10.0, 2.0, 5.0, 1.0]),
                ("2025", "E2", "M", "0-4", "2", [10.0, 2.0, 5.0, 1.0]),
            ],
        );
        let (frame, _) = frame(spec, &strata, population, "c.csv").unwrap();
        let (cells, diagnostics) =
            populations(spec, population, &frame, Decoder::new(spec)).unwrap();
        (frame, cells, diagnostics)
    }

    #[test]
    fn populations_sum_into_cells_by_broad_group() {
        let spec = fixtures::spec("");
        let pop = fixtures::population(&[
            ("2024", "E1", "White", "20-24", "1", 100.0),
            ("2024", "E1", "Black", "20-24", "1", 50.0),
            ("2024", "E2", "White", "0-4", "2", 25.0),
            ("2025", "E1", "White", "0-4", "2", 1.0),
            ("2025", "E2", "White", "0-4", "2", 2.0),
        ]);
        let (_, cells, diagnostics) = read(&spec, Some(&pop));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(cells.ethnicity, PopEthnicity::Broad);
        assert_eq!(
            cells.cells.get(pack(0, ALL_AREAS, 0, 0)),
            Some(&[175.0][..])
        );
        assert_eq!(cells.cells.get(pack(0, 0, 1, 3)), Some(&[50.0][..]));
        assert_eq!(
            cells.cells.get(pack(0, ALL_AREAS, 1, 0)),
            Some(&[125.0][..])
        );
        assert_eq!(
            cells.groups[1],
            [true, false, false, true, false, false, false]
        );
        // Standardisation cells keep age band and sex.
        let i = cells.cells.index(pack(0, ALL_AREAS, 0, 0));
        assert_eq!(cells.std.get(i, 4, 0, 0), 150.0);
        assert_eq!(cells.std.get(i, 0, 1, 0), 25.0);
    }

    #[test]
    fn breakdowns_follow_the_file() {
        let spec = fixtures::spec("");
        let pop = fixtures::population(&[("2024", "E1", "White", "20-24", "1", 1.0)]);
        let (_, mut cells, _) = read(&spec, Some(&pop));
        assert!(cells.by(None) && cells.by(Some(DimensionKind::Ethnicity)));
        assert!(!cells.by(Some(DimensionKind::EthnicityDetailed)));
        assert!(!cells.by(Some(DimensionKind::ImdDecile)));
        assert!(cells.by(Some(DimensionKind::Sex)) && cells.by_sex());
        cells.ethnicity = PopEthnicity::Codes;
        assert!(cells.by(Some(DimensionKind::EthnicityDetailed)));
        let (_, none, _) = read(&spec, None);
        assert_eq!(none.ethnicity, PopEthnicity::Absent);
        assert!(!none.by(Some(DimensionKind::Ethnicity)) && !none.by_sex());
    }

    #[test]
    fn bad_rows_are_errors_naming_the_row_and_column() {
        let spec = fixtures::spec("");
        let pop = fixtures::population(&[
            ("2024", "E1", "White", "20-24", "1", 100.0),
            ("2024", "E1", "White", "20-24", "1", 100.0),
            ("2024", "E1", "White", "20-24", "1", -1.0),
            ("2024", "E1", "Purple", "20-24", "1", 1.0),
            ("2024", "E1", "White", "twenty", "1", 1.0),
            ("2025", "E2", "White", "0-4", "2", 1.0),
        ]);
        let (_, _, diagnostics) = read(&spec, Some(&pop));
        let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(diagnostics.iter().all(|d| d.error));
        assert!(messages[0].starts_with("population.csv: row 2: duplicates row 1"));
        assert!(messages[1].starts_with("population.csv: row 3, column `population`: -1"));
        assert!(messages[2].starts_with("population.csv: row 4, column `ethnicity`"));
        assert!(messages[3].starts_with("population.csv: row 5, column `age band`: `twenty`"));
    }

    #[test]
    fn periods_without_events_or_population_are_reported() {
        let spec = fixtures::spec("");
        let pop = fixtures::population(&[
            ("2024", "E1", "White", "20-24", "1", 100.0),
            ("2019", "E1", "White", "20-24", "1", 100.0),
            ("2019", "E2", "White", "20-24", "1", 100.0),
        ]);
        let (_, _, diagnostics) = read(&spec, Some(&pop));
        assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
        assert!(!diagnostics[0].error);
        assert_eq!(
            diagnostics[0].message,
            "population.csv: 2 row(s) for period `2019`, which has no events; not used"
        );
        assert!(diagnostics[1].error);
        assert!(
            diagnostics[1]
                .message
                .contains("no population for period `2025`")
        );
    }

    #[test]
    fn standardised_indicators_need_age_bands_in_the_population() {
        let spec = fixtures::spec("");
        let mut pop = fixtures::population(&[
            ("2024", "E1", "White", "", "1", 100.0),
            ("2025", "E1", "White", "", "1", 100.0),
        ]);
        pop.roles.retain(|r| *r != Role::AgeBand);
        for r in &mut pop.rows {
            r.age_band = None;
        }
        let (_, cells, diagnostics) = read(&spec, Some(&pop));
        assert!(!cells.by(Some(DimensionKind::Age)));
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(
            diagnostics[0].message,
            "population.csv: standardised indicators need an age band column in the population file"
        );
    }
}
