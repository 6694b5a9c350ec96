//! `levelfield stats dsr`: directly standardised rates per group, summing rows within each
//! group and age band first.

use levelfield_stats::{
    StatsError,
    dsr::{self, DsrAccumulator, Stratum},
    esp2013,
};

use levelfield_table::Table;

use super::{at_group, at_row, check_rows, group_while, levels, read_input};
use crate::{
    CommandError,
    args::DsrArgs,
    output::{Results, emit},
};

/// One age band of one group while rows are being summed.
struct Band {
    band: u32,
    first_row: usize,
    events: f64,
    variance: f64,
    population: f64,
    weight: f64,
    n_missing: usize,
}

pub(crate) fn run(args: &DsrArgs) -> Result<(), CommandError> {
    let levels = levels(&args.levels)?;
    let table = read_input(&args.common)?;
    let group_by = &args.common.group_by;
    let band_col = args
        .age_band
        .as_deref()
        .map(|c| table.index(c))
        .transpose()?;
    let (groups, (x, n, weights, (band_ids, n_bands))) = group_while(&table, group_by, || {
        Ok((
            table.numbers(&args.numerator)?,
            table.numbers(&args.denominator)?,
            standard_weights(&table, args)?,
            // Age bands numbered once, so summing within group × band is a direct lookup.
            // Without --age-band every row is its own stratum.
            match band_col {
                Some(c) => super::intern(&table, c),
                None => ((0..table.n_rows() as u32).collect(), table.n_rows()),
            },
        ))
    })?;
    let mut slot_of_band: Vec<Option<usize>> = vec![None; n_bands];
    let use_esp = uses_esp(&table, args);
    let freq = args
        .event_frequency
        .as_deref()
        .map(|c| table.numbers(c))
        .transpose()?;
    if freq.is_some() && band_col.is_none() {
        return Err(CommandError::Input(
            "--event-frequency needs --age-band COL, so rows for the same age band can be combined"
                .into(),
        ));
    }
    let stdpop_name = if use_esp {
        "esp2013"
    } else {
        args.standard_population.as_str()
    };

    // Row checks, so messages name the row.
    super::whole_counts(&table, &x, &args.numerator)?;
    check_rows(
        &table,
        &x,
        &args.numerator,
        |v| v >= 0.0,
        StatsError::NegativeNumerator,
    )?;
    for row in 0..table.n_rows() {
        match n[row] {
            None => {
                return Err(CommandError::Input(format!(
                    "{}: row {}, column `{}`: the population is missing; every age band needs a population (use 0 events, not a missing population, for empty bands)",
                    table.source_name(),
                    row + 1,
                    args.denominator
                )));
            }
            Some(v) if v <= 0.0 => {
                return Err(at_row(
                    &table,
                    row,
                    &args.denominator,
                    StatsError::NonPositiveDenominator(v),
                ));
            }
            _ => {}
        }
        match weights[row] {
            None => {
                return Err(CommandError::Input(format!(
                    "{}: row {}, column `{stdpop_name}`: the standard population is missing; give a weight for every age band",
                    table.source_name(),
                    row + 1
                )));
            }
            Some(w) if w < 0.0 => {
                return Err(at_row(
                    &table,
                    row,
                    stdpop_name,
                    StatsError::NegativeStandardPopulation(w),
                ));
            }
            _ => {}
        }
        if let (Some(freq), Some(name)) = (&freq, args.event_frequency.as_deref()) {
            match freq[row] {
                Some(f) if f >= 0.0 => {}
                other => {
                    return Err(CommandError::Input(format!(
                        "{}: row {}, column `{name}`: event frequency `{}` must be a number of events per person (0 or more)",
                        table.source_name(),
                        row + 1,
                        other.map_or("missing".to_string(), |f| f.to_string())
                    )));
                }
            }
        }
    }

    // The complete set of age bands: ESP2013's 19, or every band any group has. A group over
    // fewer is standardised over part of the standard only, which its row says.
    let esp_band = |row: usize| {
        table
            .text(band_col.unwrap_or(0), row)
            .trim()
            .parse::<f64>()
            .ok()
    };
    let mut band_label: Vec<Option<String>> = vec![None; n_bands];
    if band_col.is_some() {
        for row in 0..table.n_rows() {
            let slot = &mut band_label[band_ids[row] as usize];
            if slot.is_none() {
                *slot = Some(table.text(band_col.unwrap_or(0), row).into_owned());
            }
        }
    }
    let mut results = Results::new(&levels, groups.len());
    for rows in groups.iter() {
        let mut bands: Vec<Band> = Vec::with_capacity(20);
        for &row in rows {
            let f = freq.as_ref().map_or(1.0, |f| f[row].unwrap_or(1.0));
            let (events, missing) = match x[row] {
                Some(v) => (v, 0),
                None => (0.0, 1),
            };
            let (pop, w) = (n[row].unwrap_or(0.0), weights[row].unwrap_or(0.0));
            let band_id = band_ids[row];
            match slot_of_band[band_id as usize].map(|i| &mut bands[i]) {
                Some(band) => {
                    if band.weight != w {
                        return Err(CommandError::Input(format!(
                            "{}: rows {} and {}: the same group and age band `{}` have different standard populations ({} and {}); each age band has one standard weight",
                            table.source_name(),
                            band.first_row + 1,
                            row + 1,
                            table.text(band_col.unwrap_or(0), band.first_row),
                            band.weight,
                            w
                        )));
                    }
                    if freq.is_some() {
                        if band.population != pop {
                            return Err(CommandError::Input(format!(
                                "{}: rows {} and {}: with --event-frequency, every row of a group and age band must give the same population, but age band `{}` has {} and {}",
                                table.source_name(),
                                band.first_row + 1,
                                row + 1,
                                table.text(band_col.unwrap_or(0), band.first_row),
                                band.population,
                                pop
                            )));
                        }
                    } else {
                        band.population += pop;
                    }
                    band.events += f * events;
                    band.variance += f * f * events;
                    band.n_missing += missing;
                }
                None => {
                    slot_of_band[band_id as usize] = Some(bands.len());
                    bands.push(Band {
                        band: band_id,
                        first_row: row,
                        events: f * events,
                        variance: f * f * events,
                        population: pop,
                        weight: w,
                        n_missing: missing,
                    });
                }
            }
        }
        for band in &bands {
            slot_of_band[band.band as usize] = None;
        }
        let mut acc = DsrAccumulator::default();
        acc.non_independent = freq.is_some();
        for band in &bands {
            let stratum = Stratum {
                events: band.events,
                events_variance: band.variance,
                population: band.population,
                standard_population: band.weight,
            };
            acc.add(stratum)
                .map_err(|e| at_group(&table, group_by, rows[0], e))?;
            acc.n_missing += band.n_missing;
        }
        let est = acc
            .estimate(&levels, args.multiplier)
            .map_err(|e| at_group(&table, group_by, rows[0], e))?;
        let statistic = dsr::statistic_label(&est, args.multiplier);
        results.push(Some(acc.total_count), Some(acc.total_pop), &est, statistic);
        if band_col.is_some() {
            let missing: Vec<String> = if use_esp {
                (1..=19)
                    .filter(|b| !rows.iter().any(|&r| esp_band(r) == Some(f64::from(*b))))
                    .map(|b| b.to_string())
                    .collect()
            } else {
                let mut present = vec![false; n_bands];
                bands.iter().for_each(|b| present[b.band as usize] = true);
                (0..n_bands)
                    .filter(|&b| !present[b])
                    .filter_map(|b| band_label[b].clone())
                    .collect()
            };
            if !missing.is_empty() {
                let total = if use_esp { 19 } else { n_bands };
                results.add_note(&format!(
                    "standardised over {} of {total} age bands: no rows for band(s) {}; not comparable with groups over every band",
                    total - missing.len(),
                    missing.join(", ")
                ));
            }
        }
    }
    emit(
        &results.into_table(groups.keys(&table, group_by)?, "numerator", "denominator")?,
        &args.common,
    )
}

/// True when `--standard-population esp2013` names the built-in standard (no column has that
/// name).
fn uses_esp(table: &Table, args: &DsrArgs) -> bool {
    args.standard_population.eq_ignore_ascii_case("esp2013")
        && table.index(&args.standard_population).is_err()
}

/// The standard population weight of every row: from the named column, or from ESP2013 by the
/// band numbers in --age-band.
fn standard_weights(table: &Table, args: &DsrArgs) -> Result<Vec<Option<f64>>, CommandError> {
    Ok(if uses_esp(table, args) {
        let Some(band_name) = args.age_band.as_deref() else {
            return Err(CommandError::Input(
                "--standard-population esp2013 needs --age-band COL, a column of ESP2013 band numbers 1 (ages 0-4) to 19 (90+)".into(),
            ));
        };
        let bands = table.numbers(band_name)?;
        bands
            .iter()
            .enumerate()
            .map(|(row, b)| match b.and_then(esp2013::weight) {
                Some(w) => Ok(Some(w)),
                None => Err(CommandError::Input(format!(
                    "{}: row {}, column `{band_name}`: `{}` is not an ESP2013 age band; use band numbers 1 (ages 0-4) to 19 (90+)",
                    table.source_name(),
                    row + 1,
                    table.text(table.index(band_name).unwrap_or(0), row)
                ))),
            })
            .collect::<Result<_, _>>()?
    } else {
        table.numbers(&args.standard_population)?
    })
}
