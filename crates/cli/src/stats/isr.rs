//! `levelfield stats isratio` and `israte`: indirectly standardised ratios and rates per group.

use std::collections::HashMap;

use levelfield_stats::{
    StatsError,
    isr::{self, IsrAccumulator},
};

use super::{Groups, at_group, at_row, check_rows, levels, read_input, require_rows};
use crate::{
    CommandError,
    args::IsrArgs,
    output::{Results, emit},
};

/// Which indirectly standardised statistic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Ratio,
    Rate,
}

/// One age band of one group while rows are summed.
struct Band<'a> {
    key: std::borrow::Cow<'a, str>,
    first_row: usize,
    x: Option<f64>,
    n_missing: usize,
    n: Option<f64>,
    x_ref: Option<f64>,
    n_ref: f64,
}

pub(crate) fn run(args: &IsrArgs, kind: Kind) -> Result<(), CommandError> {
    let levels = levels(&args.levels)?;
    let table = read_input(&args.common)?;
    let group_by = &args.common.group_by;
    // With observed totals, the numerator lives in the second file.
    let x = if args.observed_totals.is_some() {
        vec![None; table.n_rows()]
    } else {
        table.numbers(&args.numerator)?
    };
    let n = table.numbers(&args.denominator)?;
    let x_ref = table.numbers(&args.reference_numerator)?;
    let n_ref = table.numbers(&args.reference_denominator)?;
    let band_col = args
        .age_band
        .as_deref()
        .map(|c| table.index(c))
        .transpose()?;
    let (reference_value, multiplier) = match kind {
        Kind::Ratio => (args.reference_value.unwrap_or(1.0), 1.0),
        Kind::Rate => (1.0, args.multiplier.unwrap_or(100000.0)),
    };
    if kind == Kind::Ratio && !(reference_value > 0.0 && reference_value.is_finite()) {
        return Err(CommandError::Input(format!(
            "--reference-value {reference_value} must be positive: 1 for a ratio, 100 for a ratio × 100"
        )));
    }
    super::whole_counts(&table, &x, &args.numerator)?;
    check_rows(
        &table,
        &x,
        &args.numerator,
        |v| v >= 0.0,
        StatsError::NegativeNumerator,
    )?;
    check_rows(
        &table,
        &n,
        &args.denominator,
        |v| v >= 0.0,
        StatsError::NegativeDenominator,
    )?;
    check_rows(
        &table,
        &x_ref,
        &args.reference_numerator,
        |v| v >= 0.0,
        StatsError::NegativeNumerator,
    )?;
    // A missing reference population is refused too: expected counts need every band's rate.
    require_rows(
        &table,
        &n_ref,
        &args.reference_denominator,
        |v| v > 0.0,
        StatsError::ReferenceDenominator,
    )?;

    let observed_totals = match &args.observed_totals {
        Some(path) => Some(read_observed_totals(path, group_by, &args.numerator)?),
        None => None,
    };

    let groups = Groups::new(&table, group_by)?;
    let mut results = Results::new(&levels, groups.len());
    let ref_rate = (kind == Kind::Rate).then(|| results.extra("reference_rate"));
    for rows in groups.iter() {
        let mut bands: Vec<Band<'_>> = Vec::with_capacity(20);
        for &row in rows {
            let key = band_col.map(|c| table.text(c, row));
            let existing = key
                .as_ref()
                .and_then(|k| bands.iter_mut().find(|b| b.key == *k));
            match existing {
                Some(band) => {
                    if band.x_ref != x_ref[row] || band.n_ref != n_ref[row].unwrap_or(0.0) {
                        return Err(CommandError::Input(format!(
                            "{}: rows {} and {}: age band `{}` of the same group has different reference values; the reference rate of an age band must be the same on every row",
                            table.source_name(),
                            band.first_row + 1,
                            row + 1,
                            band.key
                        )));
                    }
                    band.x = Some(band.x.unwrap_or(0.0) + x[row].unwrap_or(0.0));
                    band.n_missing += usize::from(x[row].is_none());
                    band.n = Some(band.n.unwrap_or(0.0) + n[row].unwrap_or(0.0));
                }
                None => bands.push(Band {
                    key: key.unwrap_or_default(),
                    first_row: row,
                    x: x[row],
                    n_missing: usize::from(x[row].is_none()),
                    n: n[row],
                    x_ref: x_ref[row],
                    n_ref: n_ref[row].unwrap_or(0.0),
                }),
            }
        }
        let mut acc = IsrAccumulator::default();
        for band in &bands {
            acc.add(band.x.or(Some(0.0)), band.n, band.x_ref, band.n_ref)
                .map_err(|e| at_group(&table, group_by, rows[0], e))?;
            acc.n_missing += band.n_missing;
        }
        if let Some(totals) = &observed_totals {
            let key = group_key(&table, group_by, rows[0])?;
            acc.observed = *totals.get(&key).ok_or_else(|| {
                at_group(
                    &table,
                    group_by,
                    rows[0],
                    "has no row in --observed-totals; add one, with its observed total",
                )
            })?;
            acc.n_missing = 0;
        }
        let est = match kind {
            Kind::Ratio => acc.ratio(&levels, reference_value),
            Kind::Rate => acc.rate(&levels, multiplier),
        }
        .map_err(|e| at_group(&table, group_by, rows[0], e))?;
        let statistic = match kind {
            Kind::Ratio => isr::ratio_label(reference_value),
            Kind::Rate => isr::rate_label(multiplier),
        };
        results.push(Some(acc.observed), Some(acc.expected), &est, statistic);
        if let Some(i) = ref_rate {
            results.push_extra(i, Some(acc.reference_rate(multiplier)));
        }
    }
    emit(
        &results.into_table(groups.keys(&table, group_by)?, "observed", "expected")?,
        &args.common,
    )
}

fn group_key(
    table: &levelfield_table::Table,
    group_by: &[String],
    row: usize,
) -> Result<Vec<String>, CommandError> {
    group_by
        .iter()
        .map(|c| Ok(table.text(table.index(c)?, row).into_owned()))
        .collect()
}

/// Reads a table of observed totals: one row per group, keyed by the group columns.
fn read_observed_totals(
    path: &std::path::Path,
    group_by: &[String],
    numerator: &str,
) -> Result<HashMap<Vec<String>, f64>, CommandError> {
    let totals = levelfield_table::read(path)?;
    let values = totals.numbers(numerator)?;
    let mut out = HashMap::new();
    for (row, value) in values.iter().enumerate() {
        let key = group_key(&totals, group_by, row)?;
        let Some(v) = *value else {
            return Err(CommandError::Input(format!(
                "{}: row {}, column `{numerator}`: the observed total is missing",
                totals.source_name(),
                row + 1
            )));
        };
        if v < 0.0 {
            return Err(at_row(
                &totals,
                row,
                numerator,
                StatsError::NegativeNumerator(v),
            ));
        }
        if out.insert(key, v).is_some() {
            return Err(CommandError::Input(format!(
                "{}: row {}: this group appears more than once; give one observed total per group",
                totals.source_name(),
                row + 1
            )));
        }
    }
    Ok(out)
}
