//! The strata into cells: each stratum's keys decoded (once per dictionary value), its records
//! counted in data quality, and its measures summed into every dimension's cells (and the age
//! × sex cells of standardised indicators).

use levelfield_model::ethnicity::CATEGORIES;

use crate::{
    ProfileError,
    groups::{AGE_NOT_KNOWN, Codes, ETH_NOT_KNOWN, IMD_NOT_KNOWN, SEX_NOT_KNOWN, broad_of},
    query::Layout,
    spec::{Spec, Statistic, UnknownCodes},
    strata::{KeyColumn, Role, Strata},
};

use super::{
    ALL_AREAS, Diagnostic,
    decode::{Decoder, FIELDS, Unrecognised},
    frame::Frame,
    grid::{Grid, Placed, StdGrid, sex_slot, spread},
    quality::Quality,
};

/// The strata summed into cells.
pub(super) struct EventCells {
    /// Sums of every measure by cell.
    pub(super) cells: Grid,
    /// Sums of the standardised indicators' numerators by cell × age band × sex.
    pub(super) std: StdGrid,
    /// The measures `std` holds, in its order.
    pub(super) std_measures: Vec<usize>,
}

/// What reading the strata found besides the cells.
pub(super) struct EventsRead {
    /// The cells.
    pub(super) cells: EventCells,
    /// Recording completeness.
    pub(super) quality: Quality,
    /// Codes no lookup knows.
    pub(super) unrecognised: Unrecognised,
    /// Problems found, in the order found.
    pub(super) diagnostics: Vec<Diagnostic>,
}

/// Whether any indicator is standardised (its cells then keep age and sex).
pub(super) fn standardised(spec: &Spec) -> bool {
    spec.indicators
        .iter()
        .any(|i| matches!(i.statistic, Statistic::Dsr | Statistic::Isr))
}

/// The measures of the numerators of DSR and ISR indicators, each once, in spec order.
fn std_measures(spec: &Spec, layout: &Layout) -> Vec<usize> {
    let mut std_measures: Vec<usize> = Vec::new();
    for (ind, l) in spec.indicators.iter().zip(&layout.indicators) {
        if matches!(ind.statistic, Statistic::Dsr | Statistic::Isr)
            && let Some(m) = l.numerator
            && !std_measures.contains(&m)
        {
            std_measures.push(m);
        }
    }
    std_measures
}

/// A key column with each dictionary value's code and whether it was unknown.
type Decoded<'a> = (&'a KeyColumn, Vec<(u8, bool)>);

/// Reads the strata into cells. `source` names the events' file in messages.
///
/// # Errors
/// [`ProfileError::Data`] when the cells would not fit in memory.
pub(super) fn events(
    spec: &Spec,
    layout: &Layout,
    strata: &Strata,
    frame: &Frame,
    decoder: Decoder,
    source: &str,
) -> Result<EventsRead, ProfileError> {
    let mut diagnostics = Vec::new();
    let standardised = standardised(spec);
    let n_bands = spec.lookups.scheme().bands().len();
    let n_measures = layout.n_measures;
    let mut cells = Grid::new(
        n_measures,
        &frame.sizes(),
        frame.periods.len(),
        frame.areas.len(),
    )?;
    // Standardisation cells hold only the numerators of DSR and ISR indicators.
    let std_measures = std_measures(spec, layout);
    let mut std_cells = StdGrid::new(
        std_measures.len(),
        &cells,
        if standardised { n_bands } else { 0 },
    )?;
    let mut quality = Quality::new(frame.periods.len(), frame.areas.len());
    let mut unrecognised = Unrecognised::default();
    let records_of = |row: usize| -> f64 {
        match layout.records {
            Some(m) => strata.values[m][row],
            None => layout
                .indicators
                .first()
                .and_then(|l| l.numerator)
                .map_or(0.0, |m| strata.values[m][row]),
        }
    };
    if layout.records.is_none() {
        diagnostics.push(Diagnostic {
            error: false,
            message: format!(
                "{source}: no `{}` column: data quality is measured on the first indicator's counts",
                spec.numerator_source()
                    .map_or("records", |(s, _)| &s.columns.records)
            ),
        });
    }
    let key = |role| strata.key(role);
    let period_key = key(Role::Period).ok_or_else(|| ProfileError::Data("no period".into()))?;
    let area_key = key(Role::Area);
    // Each field's dictionary decoded once: strata repeat the same few codes many times.
    let decoded: Vec<Option<Decoded<'_>>> = [Role::Ethnicity, Role::AgeBand, Role::Sex, Role::Imd]
        .iter()
        .enumerate()
        .map(|(f, role)| {
            key(*role).map(|k| {
                let table = k
                    .dictionary
                    .iter()
                    .map(|v| decoder.decode(f, v.as_deref()))
                    .collect();
                (k, table)
            })
        })
        .collect();
    // Broad groups decoded once per category.
    let broad_by_category: Vec<u8> = (0..CATEGORIES.len())
        .map(|c| broad_of(c as u8, spec.lookups.placements()))
        .collect();
    let present = [
        key(Role::Ethnicity).is_some(),
        key(Role::AgeBand).is_some(),
        key(Role::Sex).is_some(),
        key(Role::Imd).is_some(),
    ];
    let mut negative = Vec::new();
    let mut placed = Vec::with_capacity(strata.len());
    for row in 0..strata.len() {
        let Some(period) = frame.period_of[period_key.codes[row] as usize] else {
            continue;
        };
        let area = match (&frame.area_of, area_key) {
            (Some(area_of), Some(k)) => match area_of[k.codes[row] as usize] {
                Some(a) => a,
                None => {
                    diagnostics.push(Diagnostic {
                        error: true,
                        message: format!(
                            "{source}: some rows have no area code; give every row an area"
                        ),
                    });
                    continue;
                }
            },
            _ => ALL_AREAS,
        };
        for (m, values) in strata.values.iter().enumerate() {
            if values[row] < 0.0 && negative.len() < 20 {
                negative.push((m, values[row]));
            }
        }
        let records = records_of(row);
        let mut unknown = [false; 4];
        let mut code = [ETH_NOT_KNOWN, AGE_NOT_KNOWN, SEX_NOT_KNOWN, IMD_NOT_KNOWN];
        for f in 0..4 {
            if let Some((column, table)) = &decoded[f] {
                let (c, u) = table[column.codes[row] as usize];
                code[f] = c;
                if u {
                    unknown[f] = true;
                    let text = column.value(row).unwrap_or("").trim().to_string();
                    unrecognised.note(period, area, FIELDS[f], &text, records);
                }
            }
        }
        let codes = Codes {
            ethnicity: code[0],
            broad: broad_by_category[code[0] as usize],
            age: code[1],
            sex: code[2],
            imd: code[3],
        };
        quality.add(period, area, codes, present, unknown, records);
        placed.push(Placed {
            row,
            period,
            area,
            codes,
        });
    }
    let std_value = |row: usize, k: usize| strata.values[std_measures[k]][row];
    spread(
        &mut cells,
        &mut std_cells,
        &frame.dims,
        n_bands,
        &placed,
        |row, m| strata.values[m][row],
        standardised.then_some(&std_value as &(dyn Fn(usize, usize) -> f64 + Sync)),
        |codes| sex_slot(codes.sex),
    );
    drop(placed);
    for (m, v) in &negative {
        diagnostics.push(Diagnostic {
            error: true,
            message: format!(
                "{source}: a negative count ({v}) in measure {} — counts must be zero or more; correct the file",
                m + 1
            ),
        });
    }
    for ((field, code), records) in &unrecognised.total {
        diagnostics.push(Diagnostic {
            error: spec.validation.unknown_codes == UnknownCodes::Error,
            message: format!(
                "{source}: {records} record(s) have the {field} code `{code}`, which no lookup knows; {}",
                match spec.validation.unknown_codes {
                    UnknownCodes::Error => "correct the code, or set [validation] unknown_codes = \"report\" to count them as not known",
                    UnknownCodes::Report => "counted as not known and listed in data_quality.csv",
                }
            ),
        });
    }
    Ok(EventsRead {
        cells: EventCells {
            cells,
            std: std_cells,
            std_measures,
        },
        quality,
        unrecognised,
        diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::{fixtures, frame::frame, grid::pack};

    fn read_rows(spec: &Spec, rows: &[fixtures::Row<'_>]) -> (Layout, Frame, EventsRead) {
        let layout = fixtures::layout(spec);
        let strata = fixtures::strata(spec, rows);
        let (frame, _) = frame(spec, &strata, None, "c.csv").unwrap();
        let read = events(spec, &layout, &strata, &frame, Decoder::new(spec), "c.csv").unwrap();
        (layout, frame, read)
    }

    #[test]
    fn strata_sum_into_groups_areas_and_the_total() {
        let spec = fixtures::spec("");
        let (layout, _, read) = read_rows(
            &spec,
            &[
                ("2024", "E1", "A", "20-24", "1", [10.0, 2.0, 5.0, 1.0]),
                ("2024", "E1", "M", "20-24", "2", [4.0, 1.0, 2.0, 0.0]),
                ("2024", "E2", "B", "0-4", "2", [6.0, 3.0, 1.0, 1.0]),
            ],
        );
        assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
        let det = layout.indicators[0].numerator.unwrap();
        let records = layout.records.unwrap();
        let cells = &read.cells.cells;
        assert_eq!(cells.get(pack(0, ALL_AREAS, 0, 0)).unwrap()[det], 6.0);
        assert_eq!(cells.get(pack(0, ALL_AREAS, 0, 0)).unwrap()[records], 20.0);
        // A and B are both White (broad group 0); M is Black (3).
        assert_eq!(cells.get(pack(0, ALL_AREAS, 1, 0)).unwrap()[det], 5.0);
        assert_eq!(cells.get(pack(0, 0, 1, 3)).unwrap()[det], 1.0);
        assert_eq!(cells.get(pack(0, 1, 1, 3)), None);
        // Sex: 1 Male (0), 2 Female (1).
        assert_eq!(cells.get(pack(0, ALL_AREAS, 2, 1)).unwrap()[records], 10.0);
    }

    #[test]
    fn standardised_cells_hold_each_numerator_once_by_age_and_sex() {
        // The rate and the DSR share the detentions measure.
        let spec = fixtures::spec("");
        let (layout, _, read) = read_rows(
            &spec,
            &[
                ("2024", "E1", "A", "20-24", "1", [10.0, 2.0, 5.0, 1.0]),
                ("2024", "E1", "A", "20-24", "2", [10.0, 7.0, 5.0, 1.0]),
            ],
        );
        let det = layout.indicators[0].numerator.unwrap();
        assert_eq!(read.cells.std_measures, [det]);
        let cell = read.cells.cells.index(pack(0, ALL_AREAS, 0, 0));
        assert_eq!(read.cells.std.get(cell, 4, 0, 0), 2.0);
        assert_eq!(read.cells.std.get(cell, 4, 1, 0), 7.0);
        assert_eq!(read.cells.std.get(cell, 3, 1, 0), 0.0);
    }

    #[test]
    fn unknown_codes_are_counted_listed_and_errors_when_asked() {
        let rows = [
            ("2024", "E1", "QQ", "20-24", "1", [3.0, 0.0, 0.0, 0.0]),
            ("2024", "E1", "A", "200-300", "1", [2.0, 0.0, 0.0, 0.0]),
        ];
        let spec = fixtures::spec("[validation]\nunknown_codes = \"error\"");
        let (_, _, read) = read_rows(&spec, &rows);
        assert_eq!(
            read.unrecognised.total[&("ethnicity", "QQ".to_string())],
            3.0
        );
        assert_eq!(
            read.unrecognised.total[&("age", "200-300".to_string())],
            2.0
        );
        assert_eq!(read.diagnostics.len(), 2);
        assert!(read.diagnostics.iter().all(|d| d.error));
        assert!(read.diagnostics[0].message.contains("age code `200-300`"));
        // By default they are reported.
        let spec = fixtures::spec("");
        let (_, _, read) = read_rows(&spec, &rows);
        assert_eq!(read.diagnostics.len(), 2);
        assert!(read.diagnostics.iter().all(|d| !d.error));
        assert!(
            read.diagnostics[1]
                .message
                .ends_with("counted as not known and listed in data_quality.csv")
        );
        let quality = read.quality.rows(&read.unrecognised);
        let eth = quality
            .iter()
            .find(|q| q.field == "ethnicity" && q.area == ALL_AREAS)
            .unwrap();
        assert_eq!(
            (eth.records, eth.unrecognised, eth.recorded),
            (5.0, 3.0, 2.0)
        );
        assert_eq!(eth.codes, "QQ (3)");
    }

    #[test]
    fn negative_counts_and_rows_without_an_area_are_errors() {
        let spec = fixtures::spec("");
        let (_, _, read) = read_rows(
            &spec,
            &[
                ("2024", "E1", "A", "20-24", "1", [10.0, -2.0, 5.0, 1.0]),
                ("2024", "", "A", "20-24", "1", [1.0, 1.0, 1.0, 1.0]),
            ],
        );
        let messages: Vec<&str> = read
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(
            messages[0],
            "c.csv: some rows have no area code; give every row an area"
        );
        assert!(
            messages[1].contains("a negative count (-2)"),
            "{}",
            messages[1]
        );
    }

    #[test]
    fn without_a_records_column_quality_counts_the_first_numerator() {
        let spec = fixtures::spec("");
        let strata = fixtures::strata(
            &spec,
            &[("2024", "E1", "Z", "20-24", "1", [10.0, 4.0, 5.0, 1.0])],
        );
        let mut layout = fixtures::layout(&spec);
        layout.records = None;
        let (frame, _) = frame(&spec, &strata, None, "c.csv").unwrap();
        let read = events(
            &spec,
            &layout,
            &strata,
            &frame,
            Decoder::new(&spec),
            "c.csv",
        )
        .unwrap();
        assert!(!read.diagnostics[0].error);
        assert!(
            read.diagnostics[0]
                .message
                .starts_with("c.csv: no `records` column")
        );
        let quality = read.quality.rows(&read.unrecognised);
        let eth = quality.iter().find(|q| q.field == "ethnicity").unwrap();
        assert_eq!((eth.records, eth.not_stated), (4.0, 4.0));
    }
}
