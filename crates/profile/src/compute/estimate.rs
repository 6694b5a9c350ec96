//! Estimates: one row per indicator × period × area × dimension × group with events or a
//! population, from the cells' sums — proportions, crude rates, standardised rates and ratios,
//! and means — with notes on what is missing, and the data problems that stop the run.

use rayon::prelude::*;

use levelfield_stats::{
    ConfidenceLevel, Estimate, Method, Note, mean::MeanAccumulator, proportion, rate,
};

use crate::{
    ProfileError,
    groups::Group,
    query::Layout,
    spec::{DimensionKind, Spec, Standard, Statistic},
};

use super::{
    ALL_AREAS, EstimateRow, area_name,
    events::EventCells,
    frame::Frame,
    grid::pack,
    population::PopulationCells,
    standardise::{Standardisation, standardise},
};

/// What the estimates are made from.
#[derive(Clone, Copy)]
pub(super) struct Inputs<'a> {
    /// The spec.
    pub(super) spec: &'a Spec,
    /// Where each indicator's sums are.
    pub(super) layout: &'a Layout,
    /// Periods, areas and dimensions.
    pub(super) frame: &'a Frame,
    /// The strata's cells.
    pub(super) events: &'a EventCells,
    /// The populations' cells.
    pub(super) population: &'a PopulationCells,
    /// Confidence levels.
    pub(super) levels: &'a [ConfidenceLevel],
}

/// The label of a dimension in messages.
fn dims_label(kind: Option<DimensionKind>) -> &'static str {
    kind.map_or("overall", DimensionKind::label)
}

/// Why a group has no rate.
fn no_population(available: bool, kind: Option<DimensionKind>, group: &Group) -> String {
    // No counts in notes: a note is published beside a count that may be rounded or hidden.
    if !group.recorded {
        format!(
            "{} not recorded: no population, so no rate (see data_quality.csv)",
            kind.map_or("group", |k| match k {
                DimensionKind::Ethnicity | DimensionKind::EthnicityDetailed => "ethnicity",
                DimensionKind::ImdDecile | DimensionKind::ImdQuintile => "IMD decile",
                DimensionKind::Age => "age",
                DimensionKind::Sex => "sex",
            })
        )
    } else if !available {
        "the population file has no breakdown by this dimension: no rate".into()
    } else {
        "no population for this group: no rate".into()
    }
}

/// The note of an estimate without notes of its own: stats' notes may quote a count, and a
/// profile publishes counts only through disclosure control.
fn note_of(note: &Note) -> String {
    match note {
        Note::TooFewEvents { minimum, .. } => format!(
            "fewer than {minimum} events: value and limits not published (too few for a standardised rate)"
        ),
        Note::MissingValues { .. } => "some values missing: mean not estimated".into(),
        other => other.to_string(),
    }
}

/// One (indicator, dimension) block of cells, and the problems it found.
fn block(
    input: Inputs<'_>,
    i: usize,
    d: usize,
) -> Result<(Vec<EstimateRow>, Vec<String>), ProfileError> {
    let Inputs {
        spec,
        layout,
        frame,
        events,
        population,
        levels,
    } = input;
    let scheme = spec.lookups.scheme();
    let area_list: Vec<u32> = if frame.has_areas {
        (0..frame.areas.len() as u32).chain([ALL_AREAS]).collect()
    } else {
        vec![ALL_AREAS]
    };
    let ind = &spec.indicators[i];
    let l = &layout.indicators[i];
    let kind = &frame.dims[d];
    let zero = vec![0.0; layout.n_measures];
    let mut estimates = Vec::new();
    let mut problems = Vec::new();
    for (period, period_label) in frame.periods.iter().enumerate() {
        // Per year when annualised: 4 × a quarter's rate, 12 × a month's.
        let multiplier = ind
            .multiplier_in(period_label)
            .map_err(ProfileError::Data)?;
        for &area in &area_list {
            for (g, group) in frame.groups[d].iter().enumerate() {
                let cell = pack(period, area, d, g as u8);
                let sums = events.cells.get(cell);
                let pop = population.cells.get(cell).map(|v| v[0]);
                // Skip cells with neither events nor population (e.g. not-known groups
                // that never occur). Event-based statistics have a row wherever a rate would
                // (a cell with population and no records gets one, with zero counts): a row
                // missing beside a rate's would tell a reader that every count of the cell is
                // zero, which disclosure control may be hiding.
                if sums.is_none() && pop.is_none() {
                    continue;
                }
                let sums = sums.unwrap_or(&zero);
                let numerator = l.numerator.map(|m| sums[m]);
                let mut notes = Vec::new();
                let mut standardised_count = None;
                let (denominator, estimate) = match ind.statistic {
                    Statistic::Proportion => {
                        let x = numerator.unwrap_or(0.0);
                        let n = l.denominator.map_or(0.0, |m| sums[m]);
                        if x > n {
                            problems.push(format!(
                                "indicator `{}`, {} {}, {} {}: numerator {x} is above denominator {n}; a proportion's numerator must be part of its denominator — check the two conditions",
                                ind.id, period_label, area_name(&frame.areas, area, spec), dims_label(*kind), group.label
                            ));
                            continue;
                        }
                        let e = if n > 0.0 {
                            proportion::proportion(x, n, levels, multiplier)
                                .map_err(|e| ProfileError::Data(e.to_string()))?
                        } else {
                            notes.push("denominator is zero: not estimated".into());
                            Estimate::withheld(
                                levels.len(),
                                Method::Wilson,
                                Note::MissingDenominator,
                            )
                        };
                        (Some(n), e)
                    }
                    Statistic::Rate => {
                        let x = numerator.unwrap_or(0.0);
                        let e = match (pop, population.by(*kind) && group.recorded) {
                            (Some(n), true) if n > 0.0 => {
                                rate::crude_rate(x, n, levels, multiplier)
                                    .map_err(|e| ProfileError::Data(e.to_string()))?
                            }
                            (_, available) => {
                                notes.push(no_population(available, *kind, group));
                                if available && x > 0.0 && group.recorded && population.groups[d][g]
                                {
                                    problems.push(format!(
                                        "indicator `{}`, {} {}, {} {}: {x} events but no population; add the population rows for this stratum",
                                        ind.id, period_label, area_name(&frame.areas, area, spec), dims_label(*kind), group.label
                                    ));
                                }
                                Estimate::withheld(
                                    levels.len(),
                                    Method::Exact,
                                    Note::MissingDenominator,
                                )
                            }
                        };
                        (pop.filter(|_| population.by(*kind) && group.recorded), e)
                    }
                    Statistic::Dsr | Statistic::Isr => {
                        let x = numerator.unwrap_or(0.0);
                        if !(population.by(*kind) && group.recorded) || pop.is_none() {
                            notes.push(no_population(population.by(*kind), *kind, group));
                            (
                                None,
                                Estimate::withheld(
                                    levels.len(),
                                    Method::Dobson,
                                    Note::MissingDenominator,
                                ),
                            )
                        } else {
                            let how = Standardisation {
                                statistic: ind.statistic,
                                standard: ind.standard.unwrap_or(Standard::Esp2013),
                                measure: l.numerator.unwrap_or(0),
                                scheme,
                                levels,
                                multiplier,
                            };
                            let s = standardise(how, events, population, cell, period, x)?;
                            notes = s.notes;
                            standardised_count = Some(s.count);
                            (pop, s.estimate)
                        }
                    }
                    Statistic::Mean => {
                        let [c, s, q] = l.mean.unwrap_or([0, 0, 0]);
                        let acc = MeanAccumulator::from_sums(sums[c] as u64, sums[s], sums[q]);
                        (None, acc.estimate(levels))
                    }
                };
                let numerator = match ind.statistic {
                    Statistic::Mean => l.mean.map(|[c, _, _]| sums[c]),
                    _ => numerator,
                };
                if notes.is_empty()
                    && let Some(n) = &estimate.note
                {
                    notes.push(note_of(n));
                }
                estimates.push(EstimateRow {
                    indicator: i,
                    period,
                    area,
                    dimension: d,
                    group: g,
                    numerator,
                    denominator,
                    estimate,
                    notes,
                    benchmark: None,
                    hidden: false,
                    published_numerator: numerator,
                    published_denominator: denominator,
                    standardised_count,
                });
            }
        }
    }
    Ok((estimates, problems))
}

/// Every estimate, in order of indicator, dimension, period, area and group. Blocks of one
/// indicator and dimension are independent, so they run on every core and are put back in
/// order — the same rows, in the same order, as one pass.
///
/// # Errors
/// [`ProfileError::Data`] listing the first 20 problems (a proportion's numerator above its
/// denominator, events with no population), or an estimate that could not be made.
pub(super) fn estimates(input: Inputs<'_>) -> Result<Vec<EstimateRow>, ProfileError> {
    let blocks: Vec<(usize, usize)> = (0..input.spec.indicators.len())
        .flat_map(|i| (0..input.frame.dims.len()).map(move |d| (i, d)))
        .collect();
    let blocks: Vec<_> = blocks
        .into_par_iter()
        .map(|(i, d)| block(input, i, d))
        .collect();
    let mut estimates = Vec::new();
    let mut problems = Vec::new();
    for b in blocks {
        let (e, p) = b?;
        estimates.extend(e);
        problems.extend(p);
    }
    if !problems.is_empty() {
        let more = problems.len().saturating_sub(20);
        problems.truncate(20);
        if more > 0 {
            problems.push(format!("… and {more} more of the same kinds"));
        }
        return Err(ProfileError::Data(problems.join("\n")));
    }
    Ok(estimates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::fixtures;

    const ROWS: [fixtures::Row<'static>; 3] = [
        ("2024", "E1", "A", "20-24", "1", [10.0, 20.0, 50.0, 10.0]),
        ("2024", "E2", "A", "20-24", "1", [10.0, 10.0, 50.0, 40.0]),
        ("2024", "E1", "M", "20-24", "2", [10.0, 6.0, 10.0, 5.0]),
    ];

    fn population() -> crate::strata::Population {
        fixtures::population(&[
            ("2024", "E1", "White", "20-24", "1", 10_000.0),
            ("2024", "E2", "White", "20-24", "1", 20_000.0),
            ("2024", "E1", "Black", "20-24", "2", 3_000.0),
        ])
    }

    fn find(rows: &[EstimateRow], i: usize, area: u32, d: usize, g: usize) -> &EstimateRow {
        rows.iter()
            .find(|e| (e.indicator, e.area, e.dimension, e.group) == (i, area, d, g))
            .unwrap()
    }

    #[test]
    fn rates_and_proportions_from_the_cells() {
        let spec = fixtures::spec("");
        let made = fixtures::made(&spec, &ROWS, &population());
        assert!(made.diagnostics.is_empty(), "{:?}", made.diagnostics);
        let levels = fixtures::levels();
        let rows = estimates(made.inputs(&spec, &levels)).unwrap();
        let total = find(&rows, 0, ALL_AREAS, 0, 0);
        assert_eq!(
            (total.numerator, total.denominator),
            (Some(36.0), Some(33_000.0))
        );
        let rate = total.estimate.value.unwrap();
        assert!((rate - 36.0 / 33_000.0 * 100_000.0).abs() < 1e-9, "{rate}");
        let white_e2 = find(&rows, 1, 1, 1, 0);
        assert!((white_e2.estimate.value.unwrap() - 80.0).abs() < 1e-9);
        assert_eq!(white_e2.published_denominator, Some(50.0));
        let black = find(&rows, 0, 0, 1, 3);
        assert!((black.estimate.value.unwrap() - 200.0).abs() < 1e-9);
        // Rows come by indicator, dimension, period, area (the total last) and group.
        let keys: Vec<_> = rows
            .iter()
            .filter(|e| e.indicator == 0 && e.dimension == 0)
            .map(|e| e.area)
            .collect();
        assert_eq!(keys, [0, 1, ALL_AREAS]);
        assert!(
            rows.windows(2)
                .all(|w| (w[0].indicator, w[0].dimension) <= (w[1].indicator, w[1].dimension))
        );
    }

    #[test]
    fn a_numerator_above_its_denominator_stops_the_run() {
        let spec = fixtures::spec("");
        let mut rows = ROWS.to_vec();
        rows.push(("2024", "E2", "M", "20-24", "2", [1.0, 0.0, 2.0, 3.0]));
        let made = fixtures::made(&spec, &rows, &population());
        let levels = fixtures::levels();
        let err = estimates(made.inputs(&spec, &levels))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("indicator `restr`, 2024 E2, Ethnic group (NHS 5 groups) Black or Black British: numerator 3 is above denominator 2"),
            "{err}"
        );
        // The Black and the Female cells of E2; the overall cell and the totals are fine.
        assert_eq!(err.lines().count(), 2, "{err}");
        assert!(err.lines().nth(1).unwrap().contains("Sex Female"), "{err}");
    }

    #[test]
    fn a_numerator_equal_to_its_denominator_is_the_whole() {
        let spec = fixtures::spec("");
        let mut rows = ROWS.to_vec();
        rows.push(("2024", "E2", "M", "20-24", "2", [1.0, 0.0, 4.0, 4.0]));
        let made = fixtures::made(&spec, &rows, &population());
        let levels = fixtures::levels();
        let rows = estimates(made.inputs(&spec, &levels)).unwrap();
        let black_e2 = find(&rows, 1, 1, 1, 3);
        assert_eq!(
            (black_e2.numerator, black_e2.denominator),
            (Some(4.0), Some(4.0))
        );
        assert!((black_e2.estimate.value.unwrap() - 100.0).abs() < 1e-9);
        // A zero denominator is not estimated, and says so.
        let mut rows = ROWS.to_vec();
        rows.push(("2024", "E2", "M", "20-24", "2", [1.0, 0.0, 0.0, 0.0]));
        let made = fixtures::made(&spec, &rows, &population());
        let rows = estimates(made.inputs(&spec, &levels)).unwrap();
        let black_e2 = find(&rows, 1, 1, 1, 3);
        assert_eq!(black_e2.estimate.value, None);
        assert_eq!(black_e2.notes, ["denominator is zero: not estimated"]);
    }

    #[test]
    fn groups_without_population_are_notes_or_errors() {
        let spec = fixtures::spec("");
        let mut rows = ROWS.to_vec();
        // Black in E2 has events but no population, though the file has Black rows: an
        // error. Mixed (D) in E1 has none anywhere: a note.
        rows.push(("2024", "E2", "M", "20-24", "2", [1.0, 1.0, 1.0, 0.0]));
        let made = fixtures::made(&spec, &rows, &population());
        let levels = fixtures::levels();
        let err = estimates(made.inputs(&spec, &levels))
            .unwrap_err()
            .to_string();
        assert!(err.contains("indicator `det`, 2024 E2, Ethnic group (NHS 5 groups) Black or Black British: 1 events but no population"), "{err}");
        let mut rows = ROWS.to_vec();
        rows.push(("2024", "E1", "D", "20-24", "2", [1.0, 1.0, 1.0, 0.0]));
        let made = fixtures::made(&spec, &rows, &population());
        let rows = estimates(made.inputs(&spec, &levels)).unwrap();
        let mixed = find(&rows, 0, 0, 1, 1);
        assert_eq!(mixed.estimate.value, None);
        assert_eq!(mixed.denominator, None);
        assert_eq!(mixed.notes, ["no population for this group: no rate"]);
    }

    #[test]
    fn notes_say_why_without_quoting_counts() {
        let group = |recorded| Group {
            code: "x".into(),
            label: "x".into(),
            recorded,
        };
        assert_eq!(
            no_population(true, Some(DimensionKind::ImdQuintile), &group(false)),
            "IMD decile not recorded: no population, so no rate (see data_quality.csv)"
        );
        assert_eq!(
            no_population(false, Some(DimensionKind::Sex), &group(true)),
            "the population file has no breakdown by this dimension: no rate"
        );
        let note = note_of(&Note::TooFewEvents {
            total: 3.0,
            minimum: 10.0,
        });
        assert!(
            note.starts_with("fewer than 10 events") && !note.contains('3'),
            "{note}"
        );
        assert_eq!(dims_label(None), "overall");
        assert_eq!(dims_label(Some(DimensionKind::Sex)), "Sex");
    }

    #[test]
    fn standardised_rows_carry_their_count_and_notes() {
        let spec = fixtures::spec("");
        let made = fixtures::made(&spec, &ROWS, &population());
        let levels = fixtures::levels();
        let rows = estimates(made.inputs(&spec, &levels)).unwrap();
        let total = find(&rows, 2, ALL_AREAS, 0, 0);
        assert_eq!(total.standardised_count, Some(36.0));
        assert_eq!(total.denominator, Some(33_000.0));
        assert!(total.notes[0].starts_with("standardised over 1 of the 19 standard age bands"));
        // A rate has no standardised count.
        assert_eq!(find(&rows, 0, ALL_AREAS, 0, 0).standardised_count, None);
    }
}
