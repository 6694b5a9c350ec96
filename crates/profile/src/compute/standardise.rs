//! Standardised rates and ratios of one cell: a directly standardised rate (DSR, to the
//! ESP2013 or the profile's total population) or an indirectly standardised ratio (ISR, to the
//! all-areas overall rates), over the cell's age band × sex strata.

use levelfield_model::age::Scheme;
use levelfield_stats::{
    ConfidenceLevel, Estimate, Method, Note,
    dsr::{DsrAccumulator, Stratum},
    esp2013::ESP2013,
    isr::IsrAccumulator,
};

use crate::{
    ProfileError,
    groups::GENDERS,
    spec::{Standard, Statistic},
};

use super::{
    ALL_AREAS,
    events::EventCells,
    grid::{pack, sex_slot},
    population::PopulationCells,
};

/// Events of measure `m` in a standardisation cell; without a sex column in the population,
/// events of every sex share one cell (sex 0).
fn std_events(
    events: &EventCells,
    population: &PopulationCells,
    cell: u64,
    band: u8,
    sex: u8,
    m: usize,
) -> f64 {
    let m = events
        .std_measures
        .iter()
        .position(|x| *x == m)
        .unwrap_or(0);
    let cell = events.cells.index(cell);
    if population.by_sex() {
        events.std.get(cell, band, sex_slot(sex), m)
    } else {
        (0..3).map(|slot| events.std.get(cell, band, slot, m)).sum()
    }
}

/// Population of a standardisation cell.
fn std_population(
    events: &EventCells,
    population: &PopulationCells,
    cell: u64,
    band: u8,
    sex: u8,
) -> f64 {
    population
        .std
        .get(events.cells.index(cell), band, sex_slot(sex), 0)
}

/// A standardised value.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Standardised {
    /// The estimate.
    pub(super) estimate: Estimate,
    /// Why the value leaves something out.
    pub(super) notes: Vec<String>,
    /// The events inside the standardisation.
    pub(super) count: f64,
}

/// What a standardisation needs besides the cells.
#[derive(Clone, Copy)]
pub(super) struct Standardisation<'a> {
    /// [`Statistic::Dsr`] or [`Statistic::Isr`].
    pub(super) statistic: Statistic,
    /// The standard population of a DSR.
    pub(super) standard: Standard,
    /// The numerator's measure.
    pub(super) measure: usize,
    /// The age bands.
    pub(super) scheme: Scheme,
    /// Confidence levels.
    pub(super) levels: &'a [ConfidenceLevel],
    /// Per how many.
    pub(super) multiplier: f64,
}

/// Standardises the cell `cell` (packed) of period `period`, whose numerator is `x` events.
///
/// # Errors
/// [`ProfileError::Data`] when a count or population is not one.
pub(super) fn standardise(
    how: Standardisation<'_>,
    events: &EventCells,
    population: &PopulationCells,
    cell: u64,
    period: usize,
    x: f64,
) -> Result<Standardised, ProfileError> {
    let Standardisation {
        statistic,
        standard,
        measure: m,
        scheme,
        levels,
        multiplier,
    } = how;
    let n_bands = scheme.bands().len();
    let pop_sex = population.by_sex();
    let mut notes = Vec::new();
    let mut excluded = 0.0;
    let mut dsr = DsrAccumulator::default();
    let mut isr = IsrAccumulator::default();
    // Standard bands with no population in this group: a DSR over the others is not
    // standardised over the whole standard.
    let mut bands_left_out: Vec<&str> = Vec::new();
    for band in 0..n_bands as u8 {
        let mut band_has_population = false;
        for (sex, gender) in GENDERS.iter().enumerate() {
            let sex = sex as u8;
            if pop_sex && !gender.in_standard_population() {
                continue;
            }
            if !pop_sex && sex > 0 {
                continue;
            }
            let events_here = std_events(events, population, cell, band, sex, m);
            let p = std_population(events, population, cell, band, sex);
            if p <= 0.0 {
                excluded += events_here;
                continue;
            }
            band_has_population = true;
            if statistic == Statistic::Dsr {
                let w = match standard {
                    Standard::Esp2013 => ESP2013[band as usize],
                    Standard::Total => {
                        std_population(events, population, pack(period, ALL_AREAS, 0, 0), band, sex)
                    }
                };
                dsr.add(Stratum::independent(events_here, p, w))
                    .map_err(|e| ProfileError::Data(e.to_string()))?;
            } else {
                let all = pack(period, ALL_AREAS, 0, 0);
                let ref_events = std_events(events, population, all, band, sex, m);
                let ref_pop = std_population(events, population, all, band, sex);
                if ref_pop > 0.0 {
                    isr.add(Some(events_here), Some(p), Some(ref_events), ref_pop)
                        .map_err(|e| ProfileError::Data(e.to_string()))?;
                }
            }
        }
        if !band_has_population {
            bands_left_out.push(scheme.bands()[band as usize].label);
        }
    }
    if statistic == Statistic::Dsr && !bands_left_out.is_empty() {
        notes.push(format!(
            "standardised over {} of the {n_bands} standard age bands: no population in {}; not comparable with rates over every band",
            n_bands - bands_left_out.len(),
            bands_left_out.join(", ")
        ));
    }
    let standard_x = if statistic == Statistic::Dsr {
        dsr.total_count
    } else {
        isr.observed
    };
    let unstandardised = x - standard_x - excluded;
    if excluded + unstandardised > 0.0 {
        notes.push(
            "events with age or sex not known, or in an age-sex stratum without population, are not in the standardised value (see data_quality.csv)".into(),
        );
    }
    let estimate = if statistic == Statistic::Dsr {
        if dsr.total_standard_population > 0.0 {
            dsr.estimate(levels, multiplier)
                .map_err(|e| ProfileError::Data(e.to_string()))?
        } else {
            Estimate::withheld(levels.len(), Method::Dobson, Note::MissingDenominator)
        }
    } else {
        isr.ratio(levels, multiplier)
            .map_err(|e| ProfileError::Data(e.to_string()))?
    };
    Ok(Standardised {
        estimate,
        notes,
        count: standard_x,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::fixtures;

    /// Events and populations in two age bands (0-4 and 20-24) of two areas.
    fn made(extra_rows: &[fixtures::Row<'static>]) -> (crate::spec::Spec, fixtures::Made) {
        let spec = fixtures::spec("");
        let mut rows = vec![
            ("2024", "E1", "A", "0-4", "1", [0.0, 10.0, 0.0, 0.0]),
            ("2024", "E1", "A", "20-24", "2", [0.0, 20.0, 0.0, 0.0]),
            ("2024", "E2", "A", "0-4", "1", [0.0, 30.0, 0.0, 0.0]),
            ("2024", "E2", "A", "20-24", "2", [0.0, 15.0, 0.0, 0.0]),
        ];
        rows.extend_from_slice(extra_rows);
        let pop = fixtures::population(&[
            ("2024", "E1", "White", "0-4", "1", 500.0),
            ("2024", "E1", "White", "20-24", "2", 2_000.0),
            ("2024", "E2", "White", "0-4", "1", 3_000.0),
            ("2024", "E2", "White", "20-24", "2", 500.0),
        ]);
        let made = fixtures::made(&spec, &rows, &pop);
        (spec, made)
    }

    fn how<'a>(
        statistic: Statistic,
        standard: Standard,
        made: &fixtures::Made,
        levels: &'a [ConfidenceLevel],
    ) -> Standardisation<'a> {
        Standardisation {
            statistic,
            standard,
            measure: made.layout.indicators[0].numerator.unwrap(),
            scheme: Scheme::Esp2013,
            levels,
            multiplier: 1.0,
        }
    }

    #[test]
    fn a_dsr_weights_each_band_by_the_esp2013() {
        let (_, made) = made(&[]);
        let levels = fixtures::levels();
        let how = how(Statistic::Dsr, Standard::Esp2013, &made, &levels);
        let s = standardise(
            how,
            &made.events.cells,
            &made.population,
            pack(0, 0, 0, 0),
            0,
            30.0,
        )
        .unwrap();
        let (w0, w4) = (ESP2013[0], ESP2013[4]);
        let expected = (10.0 * w0 / 500.0 + 20.0 * w4 / 2_000.0) / (w0 + w4);
        assert!((s.estimate.value.unwrap() - expected).abs() < 1e-15);
        assert_eq!(s.count, 30.0);
        assert_eq!(s.notes.len(), 1);
        assert!(s.notes[0].starts_with("standardised over 2 of the 19 standard age bands: no population in 5-9, 10-14, 15-19, 25-29"), "{}", s.notes[0]);
    }

    #[test]
    fn a_dsr_to_the_total_population_weights_by_it() {
        let (_, made) = made(&[]);
        let levels = fixtures::levels();
        let how = how(Statistic::Dsr, Standard::Total, &made, &levels);
        let s = standardise(
            how,
            &made.events.cells,
            &made.population,
            pack(0, 1, 0, 0),
            0,
            45.0,
        )
        .unwrap();
        // Weights 3,500 (0-4) and 2,500 (20-24) over E2's 30/3,000 and 15/500.
        let expected = (30.0 * 3_500.0 / 3_000.0 + 15.0 * 2_500.0 / 500.0) / 6_000.0;
        assert!((s.estimate.value.unwrap() - expected).abs() < 1e-15);
    }

    #[test]
    fn an_isr_of_all_areas_is_one_and_an_area_is_observed_over_expected() {
        let (_, made) = made(&[]);
        let levels = fixtures::levels();
        let how = how(Statistic::Isr, Standard::Esp2013, &made, &levels);
        let all = standardise(
            how,
            &made.events.cells,
            &made.population,
            pack(0, ALL_AREAS, 0, 0),
            0,
            75.0,
        )
        .unwrap();
        assert!((all.estimate.value.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(all.count, 75.0);
        assert!(all.notes.is_empty());
        let e1 = standardise(
            how,
            &made.events.cells,
            &made.population,
            pack(0, 0, 0, 0),
            0,
            30.0,
        )
        .unwrap();
        // Expected: 500 × 40/3,500 + 2,000 × 35/2,500.
        let expected = 30.0 / (500.0 * 40.0 / 3_500.0 + 2_000.0 * 35.0 / 2_500.0);
        assert!((e1.estimate.value.unwrap() - expected).abs() < 1e-12);
        let e2 = standardise(
            how,
            &made.events.cells,
            &made.population,
            pack(0, 1, 0, 0),
            0,
            45.0,
        )
        .unwrap();
        let expected = 45.0 / (3_000.0 * 40.0 / 3_500.0 + 500.0 * 35.0 / 2_500.0);
        assert!((e2.estimate.value.unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn events_outside_the_standardisation_are_noted() {
        // Events in a band without population, and with no age at all.
        let (_, made) = made(&[
            ("2024", "E1", "A", "45-49", "1", [0.0, 4.0, 0.0, 0.0]),
            ("2024", "E1", "A", "", "1", [0.0, 3.0, 0.0, 0.0]),
        ]);
        let levels = fixtures::levels();
        let how = how(Statistic::Dsr, Standard::Esp2013, &made, &levels);
        let s = standardise(
            how,
            &made.events.cells,
            &made.population,
            pack(0, 0, 0, 0),
            0,
            37.0,
        )
        .unwrap();
        assert_eq!(s.count, 30.0);
        assert_eq!(s.notes.len(), 2);
        assert!(s.notes[1].starts_with("events with age or sex not known"));
    }
}
